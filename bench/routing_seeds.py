"""Routing against the baseline on several sets of one shape, one set per seed (issue 14).

One development set from ``routing_sets.py`` tests on a few hundred voices: one voice is
0.4 points of top-1 on the 1,200-voice set, and a set clustered differently (another seed, or
the same seed on another machine) moves both routers by several points. This makes a set per
seed, evaluates minwon and the baseline on each exactly as ``minwon analysis eval`` does
(time-ordered 80/20, nothing tuned on the test part) and reports every set, the mean and the
spread of the differences, so a claim about the margin rests on more than one draw.

    .venv/bin/python bench/routing_seeds.py --voices 1200 --units 75 --seeds 14,1,2,3,4
    .venv/bin/python bench/routing_seeds.py --voices 3000 --units 60 --seeds 14,1,2,3,4

The sets are written to ``bench/.cache/seeds/`` (each file's SHA-256 is in the table, to tell
whether another machine made the same set). The baseline trains for two to five minutes on a
set, so five sets of 3,000 take about half an hour on the 2-CPU development machine.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.routing_sets import made_or_frozen, source_rows, write_set  # noqa: E402
from minwon.analysis import evaluation as ev  # noqa: E402

CACHE = ROOT / "bench" / ".cache" / "seeds"


@dataclass(frozen=True)
class SetResult:
    """Both routers' top-1 and top-3 on one set, and what the set was."""

    seed: int
    how: str
    units: int
    median: int
    tested: int
    digest: str
    ours: tuple[float, float]
    baseline: tuple[float, float]
    right_category: tuple[float, float]

    @property
    def delta(self) -> tuple[float, float]:
        """minwon minus the baseline, in points, top-1 and top-3."""
        return (
            100 * (self.ours[0] - self.baseline[0]),
            100 * (self.ours[1] - self.baseline[1]),
        )


def evaluate_seed(
    seed: int, voices: int, units: int, source: Path | None, *, freeze: bool = False
) -> SetResult:
    """Take the set of this seed (frozen, else made here), split it by time and score both
    routers on its newest 20 %."""
    rows, how = made_or_frozen(
        source_rows(source), voices=voices, units=units, seed=seed, freeze=freeze
    )
    path = CACHE / f"units-{voices}-{units}-s{seed}.csv"
    digest = write_set(rows, path)
    items = ev.load_items(path, "unit")
    train, test = ev.time_split(items, key=lambda i: i["time"])
    ours, base = ev.compare(train, test, label="label")
    category = {r[5]: r[6] for r in rows}
    sizes = sorted(Counter(r[5] for r in rows).values())
    return SetResult(
        seed=seed,
        how=how,
        units=len(sizes),
        median=int(statistics.median(sizes)),
        tested=len(test),
        digest=digest[:12],
        ours=(ours.accuracy, ours.top3_accuracy),
        baseline=(base.accuracy, base.top3_accuracy),
        right_category=(right_category(ours, category), right_category(base, category)),
    )


def right_category(report: ev.Report, category: dict[str, str]) -> float:
    """The share of first suggestions whose unit belongs to the voice's category.

    A unit is a sub-topic of one petition category, and the category is the one the
    petitioner chose: where the first suggestion is in another category the router disagreed
    with the petitioner, not with a k-means boundary. This share bounds top-1 from above.
    """
    across = sum(n for t, p, n in report.confusions if category.get(t) != category.get(p))
    return 1 - across / report.n


def table(results: list[SetResult]) -> str:
    """The Markdown table: one row per set, then the mean and spread of the differences."""
    lines = [
        "| seed | set | units (median size) | tested | sha256 | minwon top-1 / top-3 "
        "| baseline top-1 / top-3 | Δ top-1 / top-3 (points) "
        "| right category, minwon / baseline |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        d1, d3 = r.delta
        lines.append(
            f"| {r.seed} | {r.how} | {r.units} ({r.median}) | {r.tested} | `{r.digest}` "
            f"| {r.ours[0]:.3f} / {r.ours[1]:.3f} | {r.baseline[0]:.3f} / {r.baseline[1]:.3f} "
            f"| {d1:+.1f} / {d3:+.1f} | {r.right_category[0]:.3f} / {r.right_category[1]:.3f} |"
        )
    for name, pick in (("mean", statistics.fmean), ("lowest", min)):
        o1, o3 = pick(r.ours[0] for r in results), pick(r.ours[1] for r in results)
        b1, b3 = pick(r.baseline[0] for r in results), pick(r.baseline[1] for r in results)
        d1, d3 = pick(r.delta[0] for r in results), pick(r.delta[1] for r in results)
        c1 = pick(r.right_category[0] for r in results)
        c2 = pick(r.right_category[1] for r in results)
        lines.append(
            f"| {name} | | | | | {o1:.3f} / {o3:.3f} | {b1:.3f} / {b3:.3f} "
            f"| {d1:+.1f} / {d3:+.1f} | {c1:.3f} / {c2:.3f} |"
        )
    if len(results) > 1:
        s1 = statistics.stdev(r.delta[0] for r in results)
        s3 = statistics.stdev(r.delta[1] for r in results)
        lines.append(f"| standard deviation of Δ | | | | | | | {s1:.1f} / {s3:.1f} | |")
        met = sum(r.delta[0] >= 10 and r.delta[1] >= 15 for r in results)
        lines.append(
            f"| sets meeting both goals (+10 / +15) | | | | | | | {met} of {len(results)} | |"
        )
    return "\n".join(lines)


def main() -> None:
    """Evaluate every seed's set and print the table (and write it with --markdown)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--voices", type=int, default=1200)
    parser.add_argument("--units", type=int, default=75)
    parser.add_argument("--seeds", default="14,1,2,3,4", help="comma-separated seeds")
    parser.add_argument("--source", type=Path, default=None, help="petitions JSONL(.gz)")
    parser.add_argument("--markdown", type=Path, default=None, help="also write the table")
    parser.add_argument("--freeze", action="store_true", help="keep sets made here in bench/sets/")
    args = parser.parse_args()
    seeds = [int(s) for s in args.seeds.split(",") if s.strip()]
    results = []
    for seed in seeds:
        started = time.perf_counter()
        result = evaluate_seed(seed, args.voices, args.units, args.source, freeze=args.freeze)
        d1, d3 = result.delta
        print(
            f"seed {seed} ({result.how}): minwon {result.ours[0]:.3f}/{result.ours[1]:.3f}, "
            f"baseline "
            f"{result.baseline[0]:.3f}/{result.baseline[1]:.3f} (Δ {d1:+.1f}/{d3:+.1f}) "
            f"in {time.perf_counter() - started:.0f} s",
            flush=True,
        )
        results.append(result)
    out = table(results)
    print(out)
    if args.markdown:
        args.markdown.write_text(out + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
