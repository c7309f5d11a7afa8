"""Auto-routing on a new agency's first voices: what routes itself, and how often rightly.

A history too small to calibrate (under 50 newest held-out examples, about 330 voices) used
to claim the model's raw softmax as its confidence. This trains on the oldest ``n`` voices of a
set for several ``n``, asks the next ``n / 4`` (units already seen), and counts the voices at or
above the auto-route threshold, right and in all — with the router as trained, and with its
confidence as it was before the ceiling (raw softmax) side by side.

    .venv/bin/python bench/routing_small.py bench/.cache/units-1200-s14.csv --label unit
    .venv/bin/python bench/routing_small.py ../shared/data/petitions-2020.jsonl.gz --limit 2000
"""

from __future__ import annotations

import argparse
from pathlib import Path

from minwon.analysis.classifier import Prediction, Router
from minwon.analysis.evaluation import DEFAULT_THRESHOLD, load_items, thin
from minwon.analysis.tokenize import tokenize_many

SIZES = (60, 120, 200, 300)


def routed(predictions: list[Prediction], truth: list[str], threshold: float) -> tuple[int, int]:
    """(right, in all) among the predictions at or above ``threshold``."""
    auto = [
        p.label == t for p, t in zip(predictions, truth, strict=True) if p.confidence >= threshold
    ]
    return sum(auto), len(auto)


def one_size(
    tokens: list[list[str]], labels: list[str], n: int, threshold: float
) -> tuple[int, int, tuple[int, int], tuple[int, int], float]:
    """Labels and test voices, (right, routed) now and before, and the confidence ceiling."""
    train_tokens, train_labels = tokens[:n], labels[:n]
    seen = set(train_labels)
    test = [i for i in range(n, n + n // 4) if i < len(labels) and labels[i] in seen]
    router = Router().train([""] * n, train_labels, tokens=train_tokens)
    truth = [labels[i] for i in test]
    asked = [tokens[i] for i in test]
    now = router.predict_many([""] * len(test), tokens=asked)
    raw = Router.from_bytes(router.to_bytes())
    raw.top_calibration, raw.confidence_ceiling = (1.0, 0.0), 1.0
    before = raw.predict_many([""] * len(test), tokens=asked)
    return (
        len(seen),
        len(test),
        routed(now, truth, threshold),
        routed(before, truth, threshold),
        router.confidence_ceiling,
    )


def main() -> None:
    """Print the table for one set."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", type=Path)
    parser.add_argument("--label", default="category")
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument("--threshold", type=float, default=DEFAULT_THRESHOLD)
    args = parser.parse_args()
    items = thin(load_items(args.path, args.label), args.limit, key=lambda i: i["time"])
    items = sorted(items, key=lambda i: i["time"])[: max(SIZES) + max(SIZES) // 4]
    tokens = tokenize_many([i["text"] for i in items])
    labels = [i["label"] for i in items]
    print(f"{args.path.name} ({args.label}), auto-route threshold {args.threshold:g}\n")
    print("| history | labels | asked | routed now (right/all) | before (right/all) | ceiling |")
    print("|---|---|---|---|---|---|")
    for n in SIZES:
        kinds, asked, now, before, ceiling = one_size(tokens, labels, n, args.threshold)
        print(
            f"| {n} | {kinds} | {asked} | {now[0]}/{now[1]} | {before[0]}/{before[1]}"
            f" | {ceiling:.3f} |"
        )


if __name__ == "__main__":
    main()
