"""Run minwon's benchmarks: intake throughput against a bare baseline, ledger latency at 1M.

    python bench/run.py                      # both engines, both benchmarks
    python bench/run.py --engine sqlite --only intake --requests 1000
    python bench/run.py --only ledger --voices 200000

Figures print as tables and are saved to bench/results/<timestamp>.json. See bench/README.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import sqlite3
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import report  # noqa: E402
from bench.bulkload import ensure_ledger  # noqa: E402
from bench.common import CACHE, RESULTS, log, pg_reachable  # noqa: E402
from bench.intake import run_intake  # noqa: E402
from bench.ledger import run_ledger  # noqa: E402


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The command line."""
    p = argparse.ArgumentParser(description="minwon benchmarks", prog="bench/run.py")
    p.add_argument("--engine", choices=["sqlite", "postgresql", "both"], default="both")
    p.add_argument("--only", choices=["intake", "ledger"], help="run one benchmark only")
    p.add_argument("--requests", type=int, default=2000, help="measured intake requests per app")
    p.add_argument("--concurrency", type=int, default=8, help="intake requests in flight")
    p.add_argument("--warmup", type=int, default=200, help="unmeasured requests per app and round")
    p.add_argument("--rounds", type=int, default=2, help="alternate bare/minwon this many times")
    p.add_argument("--max-seconds", type=float, default=180.0, help="time bound per intake round")
    p.add_argument("--voices", type=int, default=1_000_000, help="voices in the ledger database")
    p.add_argument("--pg-voices", type=int, help="voices on PostgreSQL (default: --voices)")
    p.add_argument("--ledger-requests", type=int, default=50, help="timed requests per case")
    p.add_argument("--ledger-max-seconds", type=float, default=30.0, help="time bound per case")
    p.add_argument("--rebuild", action="store_true", help="rebuild the cached ledger databases")
    p.add_argument("--out", type=Path, help="JSON file (default bench/results/<timestamp>.json)")
    return p.parse_args(argv)


def _engines(choice: str) -> list[str]:
    engines = ["sqlite", "postgresql"] if choice == "both" else [choice]
    if "postgresql" in engines and not pg_reachable():
        log("PostgreSQL is not reachable: skipping it")
        engines.remove("postgresql")
    return engines


def _machine() -> dict:
    return {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "sqlite": sqlite3.sqlite_version,
    }


def main(argv: list[str] | None = None) -> int:
    """Run what the arguments ask for, print the tables, save the JSON."""
    args = parse_args(argv)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    out = args.out or RESULTS / f"{stamp}.json"
    run_dir = CACHE / "runs" / stamp
    results: dict = {"started": stamp, "args": vars(args) | {"out": str(out)}}
    results["machine"] = _machine()
    started = time.perf_counter()
    for engine in _engines(args.engine):
        if args.only in (None, "intake"):
            results.setdefault("intake", {})[engine] = run_intake(engine, args, run_dir)
            report.console.print(report.intake_table(results["intake"][engine]))
        if args.only in (None, "ledger"):
            voices = args.pg_voices if engine == "postgresql" and args.pg_voices else args.voices
            loaded = ensure_ledger(engine, voices, rebuild=args.rebuild)
            results.setdefault("ledger", {})[engine] = run_ledger(engine, loaded, args, run_dir)
        report.write_json(results, out)
    results["seconds"] = round(time.perf_counter() - started, 1)
    report.write_json(results, out)
    log(f"all done in {results['seconds']:.0f}s")
    report.show(results)
    log(f"results written to {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
