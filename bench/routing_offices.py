"""Routing for a caller of no office when two offices have history (issue 14).

Office A is an agency's file (an import-format CSV, time-split 80/20 as ``minwon analysis
eval`` does); office B holds 3,000 demo-corpus voices in seven units (its six largest
categories and 기타) and 300 more of them to test on. Three ways to answer a caller who names
no office, each scored on A's newest 20% and on B's 300:

* the office's own model — what an office's staff get (the office is known);
* the most confident of the two offices' models — what minwon did before the
  organisation-wide model (their confidences cannot be compared: a seven-unit model is sure
  more easily than a seventy-unit one);
* the organisation-wide model over both offices' units — what ``minwon analysis train`` now
  adds when two or more offices have history.

    .venv/bin/python bench/routing_offices.py bench/.cache/units-1200-s14.csv

Texts are tokenised once and cached in ``bench/.cache/routing-offices-tokens.pkl``.
"""

from __future__ import annotations

import argparse
import pickle
from collections import Counter
from pathlib import Path
from typing import Any

from minwon.analysis import evaluation as ev
from minwon.analysis.classifier import Prediction, Router
from minwon.analysis.tokenize import tokenize_many
from minwon.demo.voices import CORPUS

CACHE = Path(__file__).resolve().parent / ".cache" / "routing-offices-tokens.pkl"


def _tokens(texts: list[str], cache: dict[str, list[str]]) -> list[list[str]]:
    """Content tokens of the texts, from the cache where it has them."""
    missing = [t for t in dict.fromkeys(texts) if t not in cache]
    if missing:
        cache.update(zip(missing, tokenize_many(missing), strict=True))
        CACHE.parent.mkdir(parents=True, exist_ok=True)
        CACHE.write_bytes(pickle.dumps(cache))
    return [cache[t] for t in texts]


def _office_b(
    train: list[dict[str, Any]], test: list[dict[str, Any]]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """3,000 + 300 demo voices in seven units of office B (none of A's texts)."""
    rows = [
        {"text": ev.petition_text(r), "label": r.get("category") or "기타"}
        for r in ev.load_petitions(CORPUS)
    ]
    pool, _ = ev.mix_history([], rows, 3300, avoid=[*train, *test])
    for p in pool:
        p["label"] = p["label"].removeprefix(ev.CLOSED_PREFIX)
    top = {c for c, _ in Counter(p["label"] for p in pool).most_common(6)}
    for p in pool:
        p["label"] = "B-" + (p["label"] if p["label"] in top else "기타")
    return pool[:3000], pool[3000:]


def main() -> None:
    """Print the table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("file", type=Path, help="office A: an import-format CSV/XLSX")
    args = parser.parse_args()
    cache: dict[str, list[str]] = pickle.loads(CACHE.read_bytes()) if CACHE.exists() else {}
    a_train, a_test = ev.time_split(ev.load_items(args.file, "unit"), lambda i: i["time"])
    b_train, b_test = _office_b(a_train, a_test)

    def fit(items: list[dict[str, Any]]) -> Router:
        texts = [i["text"] for i in items]
        return Router().train(texts, [i["label"] for i in items], tokens=_tokens(texts, cache))

    own_a, own_b, wide = fit(a_train), fit(b_train), fit([*b_train, *a_train])
    print(f"office A: {args.file.name}, {len(a_train):,} + {len(a_test):,} voices")
    print(f"office B: demo corpus, {len(b_train):,} + {len(b_test):,} voices in 7 units\n")
    print("| caller of no office | A top-1 | A top-3 | B top-1 | B top-3 |")
    print("|---|---|---|---|---|")
    results: dict[str, list[str]] = {}
    for own, items in ((own_a, a_test), (own_b, b_test)):
        texts = [i["text"] for i in items]
        tokens = _tokens(texts, cache)
        truth = [i["label"] for i in items]
        a_preds = own_a.predict_many(texts, tokens=tokens)
        b_preds = own_b.predict_many(texts, tokens=tokens)
        ways: dict[str, list[Prediction]] = {
            "the office's own model (office known)": own.predict_many(texts, tokens=tokens),
            "most confident office model (before)": [
                a if a.confidence >= b.confidence else b
                for a, b in zip(a_preds, b_preds, strict=True)
            ],
            "organisation-wide model (now)": wide.predict_many(texts, tokens=tokens),
        }
        for way, preds in ways.items():
            report = ev.score(truth, preds)
            results.setdefault(way, []).append(
                f"{report.accuracy:.3f} | {report.top3_accuracy:.3f}"
            )
    for way, cells in results.items():
        print(f"| {way} | {' | '.join(cells)} |")


if __name__ == "__main__":
    main()
