"""Department-labelled development sets for routing (issue 14), made from public data.

Real agencies route to dozens of units with a long tail of small ones; the public petitions
only carry 17 broad categories. This splits each category into synthetic "units" so that the
set looks like an agency's history: about ``--units`` units whose sizes fall off roughly like
Zipf's law, each unit a coherent sub-topic of its category (k-means on word TF-IDF within the
category), so a router can tell them apart from the text, as it can tell real departments apart.

    .venv/bin/python bench/routing_sets.py --voices 3000 --out bench/.cache/units-3000.csv
    minwon analysis eval bench/.cache/units-3000.csv --label unit --mixed 1000

Source: ``../shared/data/petitions-2020.jsonl.gz`` (8,859 petitions), else the packaged demo
corpus ``src/minwon/demo/corpus/`` (5,000). A set frozen in ``bench/sets/`` (petition ids and
units) is read from there, so every machine measures the same set; ``--freeze`` keeps a set
made here. Output: a UTF-8 CSV in ``minwon import``'s format
(접수일시, 종류, 경로, 제목, 내용, 부서, 분류), which ``minwon import --create-units`` also loads.
The texts keep their original dates, so the time-ordered split is the real one.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import hashlib
import json
import random
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.cluster import KMeans
from sklearn.feature_extraction.text import TfidfVectorizer

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "data" / "petitions-2020.jsonl.gz"
DEMO = ROOT / "src" / "minwon" / "demo" / "corpus" / "petitions-2020-demo.jsonl.gz"
FROZEN = ROOT / "bench" / "sets"
HEADER = ["접수일시", "종류", "경로", "제목", "내용", "부서", "분류"]


def source_rows(path: Path | None = None) -> list[dict[str, Any]]:
    """The petitions to build from: the shared development data, else the demo corpus.

    The demo corpus has no dates; its rows are dated by their order (one a day from
    2020-01-01, in the corpus's order, which is the board's).
    """
    path = path or (SHARED if SHARED.exists() else DEMO)
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        rows = [json.loads(line) for line in fh if line.strip()]
    for n, row in enumerate(rows):
        if not row.get("begin"):
            row["begin"] = str(np.datetime64("2020-01-01") + n // 20)
        row["content"] = row.get("content") or row.get("body") or ""
    return rows


def unit_counts(sizes: dict[str, int], units: int) -> dict[str, int]:
    """How many units each category is split into: proportional to its size, at least one."""
    total = sum(sizes.values())
    return {c: max(1, round(units * n / total)) for c, n in sizes.items()}


def split_category(texts: list[str], k: int, seed: int) -> list[int]:
    """Sub-topic of each text within one category: k-means on word TF-IDF, k clusters.

    Clusters come out of uneven sizes, which with the categories' own sizes gives the long
    tail. A category too small for ``k`` gets fewer clusters.
    """
    k = min(k, max(1, len(texts) // 8))
    if k == 1:
        return [0] * len(texts)
    matrix = TfidfVectorizer(max_features=20_000, sublinear_tf=True).fit_transform(texts)
    return [int(c) for c in KMeans(n_clusters=k, n_init=3, random_state=seed).fit_predict(matrix)]


def zipf_sizes(available: list[int], voices: int, exponent: float) -> list[int]:
    """How many voices each unit keeps: ``c / rank**exponent``, at most what it has.

    ``available`` is sorted largest first; ``c`` is found by bisection so the sizes add up to
    ``voices`` (or to everything, when there is not enough).
    """
    ranks = np.arange(1, len(available) + 1, dtype=float) ** -exponent
    cap = np.array(available, dtype=float)

    def total(c: float) -> int:
        return int(np.minimum(np.maximum(1, np.floor(c * ranks)), cap).sum())

    low, high = 0.0, float(voices) * 10
    for _ in range(60):
        mid = (low + high) / 2
        low, high = (mid, high) if total(mid) < voices else (low, mid)
    return [int(x) for x in np.minimum(np.maximum(1, np.floor(high * ranks)), cap)]


def assign(
    rows: list[dict[str, Any]], *, voices: int, units: int, seed: int, exponent: float = 1.0
) -> list[tuple[Any, str]]:
    """The set as (petition id, unit) pairs in the set's order (oldest first): ~``units``
    units of Zipf-like sizes, ``voices`` in all.

    Every category is split into sub-topics (``split_category``); the sub-topics, largest
    first, become units keeping ``zipf_sizes`` of their voices, drawn at random so each unit
    keeps its spread over time.
    """
    rng = random.Random(seed)
    by_category: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        by_category[row["category"]].append(row)
    counts = unit_counts({c: len(v) for c, v in by_category.items()}, units)
    groups: list[tuple[str, list[dict[str, Any]]]] = []
    for category, members in sorted(by_category.items()):
        texts = [f"{r['title']}\n{r['content']}" for r in members]
        clusters = split_category(texts, counts[category], seed)
        parts: dict[int, list[dict[str, Any]]] = defaultdict(list)
        for row, cluster in zip(members, clusters, strict=True):
            parts[cluster].append(row)
        groups += [(_short(category), part) for part in parts.values()]
    groups.sort(key=lambda g: -len(g[1]))
    sizes = zipf_sizes([len(part) for _, part in groups], voices, exponent)
    numbers: Counter[str] = Counter()
    picked: list[tuple[dict[str, Any], str]] = []
    for (short, part), size in zip(groups, sizes, strict=True):
        numbers[short] += 1
        unit = f"{short}{numbers[short]}팀"  # 보건복지1팀 is that category's largest unit
        picked += [(row, unit) for row in rng.sample(part, size)]
    picked.sort(key=lambda p: p[0]["begin"])
    return [(row["id"], unit) for row, unit in picked]


def rows_of(rows: list[dict[str, Any]], assignment: list[tuple[Any, str]]) -> list[list[str]]:
    """The CSV rows (without header) of a set given as (petition id, unit) pairs.

    ``ValueError`` when the source lacks one of the petitions (another source than the one
    the set was made from).
    """
    by_id = {str(r["id"]): r for r in rows}
    missing = [i for i, _ in assignment if str(i) not in by_id]
    if missing:
        raise ValueError(f"{len(missing)} petitions of the set are not in the source")
    out = []
    for pid, unit in assignment:
        row = by_id[str(pid)]
        short = _short(row["category"])
        out.append(
            [row["begin"], "complaint", "web", row["title"][:300], row["content"], unit, short]
        )
    return out


def build(
    rows: list[dict[str, Any]], *, voices: int, units: int, seed: int, exponent: float = 1.0
) -> list[list[str]]:
    """The CSV rows (without header) of a set made afresh by ``assign``."""
    picked = assign(rows, voices=voices, units=units, seed=seed, exponent=exponent)
    return rows_of(rows, picked)


def _short(category: str) -> str:
    return category.replace("/", "·")


def frozen_path(voices: int, units: int, seed: int, exponent: float = 1.0) -> Path:
    """Where the frozen set of these settings is kept (see ``made_or_frozen``)."""
    shape = f"-z{exponent:g}" if exponent != 1.0 else ""
    return FROZEN / f"units-{voices}-{units}{shape}-s{seed}.tsv.gz"


def write_assignment(path: Path, assignment: list[tuple[Any, str]]) -> None:
    """Keep a set as gzipped ``id<TAB>unit`` lines in the set's order (same bytes each time)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    text = "".join(f"{pid}\t{unit}\n" for pid, unit in assignment)
    path.write_bytes(gzip.compress(text.encode("utf-8"), mtime=0))


def read_assignment(path: Path) -> list[tuple[str, str]]:
    """A set kept by ``write_assignment``."""
    lines = gzip.decompress(path.read_bytes()).decode("utf-8").splitlines()
    return [(pid, unit) for pid, unit in (line.split("\t", 1) for line in lines if line)]


def made_or_frozen(
    rows: list[dict[str, Any]],
    *,
    voices: int,
    units: int,
    seed: int,
    exponent: float = 1.0,
    freeze: bool = False,
) -> tuple[list[list[str]], str]:
    """The CSV rows of a set, and whether they were ``frozen`` or ``made`` here.

    k-means does not cut the categories alike on every machine (another CPU or library build
    moves a few centroids), so a set made afresh differs between machines and so do the
    figures measured on it. A set frozen in ``bench/sets/`` (petition ids and units, without
    the texts) is the same everywhere the source has its petitions; one not frozen is made by
    ``assign`` and, with ``freeze``, kept there.
    """
    path = frozen_path(voices, units, seed, exponent)
    if path.exists():
        frozen = read_assignment(path)
        known = {str(r["id"]) for r in rows}
        if all(str(pid) in known for pid, _ in frozen):
            return rows_of(rows, frozen), "frozen"
        # another source (the demo corpus) lacks the set's petitions: make the set afresh
    picked = assign(rows, voices=voices, units=units, seed=seed, exponent=exponent)
    if freeze:
        write_assignment(path, picked)
    return rows_of(rows, picked), "made"


def describe(rows: list[list[str]]) -> str:
    """Units and their sizes, largest first, in one line (for the README and the run log)."""
    sizes = sorted(Counter(r[5] for r in rows).values(), reverse=True)
    return (
        f"{len(rows):,} voices, {len(sizes)} units; sizes largest first: "
        + ", ".join(map(str, sizes[:10]))
        + f", … {', '.join(map(str, sizes[-5:]))}; median {int(np.median(sizes))}"
    )


def write_set(rows: list[list[str]], path: Path) -> str:
    """Write the set as an import-format CSV (UTF-8 with BOM); returns the file's SHA-256.

    The digest tells whether two machines made the same set: k-means may cluster differently
    on another CPU or library build, and then the figures measured on it are not comparable.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(HEADER)
        writer.writerows(rows)
    return hashlib.sha256(path.read_bytes()).hexdigest()


def main() -> None:
    """Write one development set as an import-format CSV."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--voices", type=int, default=3000, help="petitions in the set")
    parser.add_argument("--units", type=int, default=60, help="about how many units")
    parser.add_argument("--exponent", type=float, default=1.0, help="Zipf exponent of sizes")
    parser.add_argument("--seed", type=int, default=14)
    parser.add_argument("--source", type=Path, default=None, help="petitions JSONL(.gz)")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / ".cache" / "units.csv")
    parser.add_argument("--freeze", action="store_true", help="keep a set made here in bench/sets/")
    args = parser.parse_args()
    rows, how = made_or_frozen(
        source_rows(args.source),
        voices=args.voices,
        units=args.units,
        seed=args.seed,
        exponent=args.exponent,
        freeze=args.freeze,
    )
    digest = write_set(rows, args.out)
    print(f"{args.out} ({how}): {describe(rows)}; sha256 {digest[:12]}")


if __name__ == "__main__":
    main()
