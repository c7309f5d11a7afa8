"""How often near-identical petitions carry the same category: a ceiling on routing them.

The petitions' categories are chosen by their authors, not by a department that handled them.
Where two petitions are nearly the same text, a router can only give both one answer; the share
of such pairs that agree bounds how accurate any router can be on them (issue 14).

    .venv/bin/python bench/label_agreement.py

For each petition, its nearest other petition by cosine of character 2–4-gram TF-IDF (the
baseline's features); the agreement of their categories is printed per band of that cosine.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer

from minwon.analysis.evaluation import load_petitions, petition_text

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "data" / "petitions-2020.jsonl.gz"
BANDS = (0.95, 0.9, 0.8, 0.6, 0.0)


def nearest(texts: list[str], chunk: int = 500) -> tuple[np.ndarray, np.ndarray]:
    """Index and cosine of each text's most similar other text."""
    matrix = TfidfVectorizer(
        analyzer="char_wb", ngram_range=(2, 4), sublinear_tf=True
    ).fit_transform(texts)
    index = np.zeros(len(texts), dtype=int)
    cosine = np.zeros(len(texts))
    for start in range(0, len(texts), chunk):
        block = (matrix[start : start + chunk] @ matrix.T).toarray()
        rows = np.arange(block.shape[0])
        block[rows, rows + start] = -1.0
        index[start : start + chunk] = block.argmax(axis=1)
        cosine[start : start + chunk] = block[rows, index[start : start + chunk]]
    return index, cosine


def agreement(
    labels: list[str], index: np.ndarray, cosine: np.ndarray
) -> list[tuple[str, int, float]]:
    """(band, petitions in it, share whose nearest neighbour has the same label), high first."""
    same = np.array([labels[i] == labels[j] for i, j in enumerate(index)])
    out = []
    upper = np.inf
    for lower in BANDS:
        inside = (cosine >= lower) & (cosine < upper)
        name = f"≥ {lower:.2f}" if upper == np.inf else f"{lower:.2f}–{upper:.2f}"
        out.append((name, int(inside.sum()), float(same[inside].mean()) if inside.any() else 0.0))
        upper = lower
    return out


def main() -> None:
    """Print the agreement table of a petitions file (the shared development data by default)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", nargs="?", type=Path, default=SHARED)
    parser.add_argument("--label", default="category")
    args = parser.parse_args()
    rows = load_petitions(args.path)
    labels = [str(row.get(args.label, "")) for row in rows]
    index, cosine = nearest([petition_text(row) for row in rows])
    print(f"{args.path.name}: {len(rows):,} petitions, label {args.label!r}")
    print("nearest-neighbour cosine | petitions | same label")
    for name, count, share in agreement(labels, index, cosine):
        print(f"{name:>24} | {count:>9,} | {share:.3f}")


if __name__ == "__main__":
    main()
