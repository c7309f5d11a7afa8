"""Build the demo corpus shipped in ``src/minwon/demo/corpus/`` from the development data.

Run by hand, never at demo time:

    PYTHONPATH=src python scripts/build_demo_corpus.py [SOURCE] [--count N] [--seed S]

SOURCE is the petitions file of the development data (default
``../shared/data/petitions-2020.jsonl.gz`` beside the repository). The output is deterministic
for a given source, count and seed (gzip header without name or time), so rebuilding it changes
nothing in git unless the source or the recipe changed.

Recipe, as stated in the corpus README: drop the board's note on petitions it edited and
petitions without a title or a body; fold runs of white space to one space; mask personal
data (phone numbers, e-mail and resident numbers, card and account numbers, vehicle plates,
detailed addresses) with ``minwon.analysis.masking`` before trimming; trim the body to about
``BODY_CHARS`` characters at a sentence end (else a word boundary); keep the board's
category; draw ``count`` of them at random (seeded), in random order so that any first N are
a fair sample of the whole.
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import sys
from pathlib import Path

from minwon.analysis.masking import mask_text

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT.parent / "shared" / "data" / "petitions-2020.jsonl.gz"
TARGET = ROOT / "src" / "minwon" / "demo" / "corpus" / "petitions-2020-demo.jsonl.gz"
BODY_CHARS = 400
TITLE_CHARS = 120
MIN_BODY_CHARS = 20
SENTENCE_ENDS = (". ", "! ", "? ")
# The board's own note on a petition it edited: not the citizen's words.
BOARD_NOTE = "[본 게시물의 일부 내용이 국민 청원 요건에 위배되어 관리자에 의해 수정되었습니다]"


def trim(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` characters at the last sentence end past two thirds of
    the limit, else at the last space past three quarters, else hard."""
    if len(text) <= limit:
        return text
    head = text[: limit + 1]
    cut = max(head.rfind(end) + 1 for end in SENTENCE_ENDS)
    if cut >= limit * 2 // 3:
        return head[:cut].rstrip()
    space = head.rfind(" ")
    if space >= limit * 3 // 4:
        return head[:space].rstrip()
    return text[:limit].rstrip()


def clean(text: str) -> str:
    """The board's editing note dropped, white space folded, personal data masked."""
    return mask_text(" ".join(str(text).replace(BOARD_NOTE, " ").split()))


def rows(source: Path) -> list[dict[str, str]]:
    """Every usable petition of ``source`` as a corpus row (id, category, title, body)."""
    out = []
    with gzip.open(source, "rt", encoding="utf-8") as fh:
        for line in fh:
            row = json.loads(line)
            title = trim(clean(row.get("title", "")), TITLE_CHARS)
            body = trim(clean(row.get("content", "")), BODY_CHARS)
            if not title or len(body) < MIN_BODY_CHARS:
                continue
            category = str(row.get("category") or "기타")
            out.append({"id": str(row["id"]), "category": category, "title": title, "body": body})
    return out


def build(source: Path, target: Path, *, count: int, seed: int) -> int:
    """Write ``count`` rows drawn from ``source`` to ``target``; returns how many."""
    pool = rows(source)
    chosen = random.Random(seed).sample(pool, min(count, len(pool)))
    target.parent.mkdir(parents=True, exist_ok=True)
    with (
        target.open("wb") as raw,
        gzip.GzipFile(filename="", fileobj=raw, mode="wb", compresslevel=9, mtime=0) as gz,
    ):
        for row in chosen:
            gz.write((json.dumps(row, ensure_ascii=False) + "\n").encode("utf-8"))
    return len(chosen)


def main() -> None:
    """Command line: build the corpus and say how big it came out."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", nargs="?", type=Path, default=SOURCE)
    parser.add_argument("--target", type=Path, default=TARGET)
    parser.add_argument("--count", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=2020)
    args = parser.parse_args()
    n = build(args.source, args.target, count=args.count, seed=args.seed)
    size = args.target.stat().st_size
    sys.stdout.write(f"{n} texts, {size:,} bytes -> {args.target}\n")


if __name__ == "__main__":
    main()
