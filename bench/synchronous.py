"""What ``synchronous=FULL`` costs SQLite intake, against ``NORMAL``, side by side.

    .venv/bin/python -m bench.synchronous --requests 1200 --rounds 3

Two fresh minwon databases (migrated, the benchmark organisation), two ``minwon.app`` servers
started together, one with ``MINWON_SQLITE_SYNCHRONOUS=NORMAL`` and one with ``FULL``; the same
load generator and the same request bodies as ``bench/intake.py`` drive them in turn, ``rounds``
times alternately, so that other load on the machine hits both alike. A second part times bare
``INSERT`` + ``COMMIT`` transactions on a one-table WAL database at both levels, which is the
disk's fsync cost alone.
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.common import CACHE, RESULTS, log, remove_sqlite, start_server  # noqa: E402
from bench.intake import _drive, _merge  # noqa: E402
from bench.texts import intake_requests  # noqa: E402
from bench.world import BenchWorld, build_world  # noqa: E402
from minwon import migrate  # noqa: E402
from minwon.db import make_engine  # noqa: E402

LEVELS = ("NORMAL", "FULL")


def _database(level: str, workdir: Path) -> tuple[str, BenchWorld]:
    path = workdir / f"sync-{level.lower()}.db"
    remove_sqlite(path)
    url = f"sqlite:///{path}"
    migrate.upgrade(url)
    engine = make_engine(url)
    world = build_world(engine)
    engine.dispose()
    return url, world


def intake_side_by_side(args: argparse.Namespace, run_dir: Path) -> dict:
    """voices/s and latency of minwon intake at each level, measured alternately."""
    workdir = CACHE / "synchronous"
    workdir.mkdir(parents=True, exist_ok=True)
    per_round = max(1, args.requests // args.rounds)
    total = args.rounds * (args.warmup + per_round)
    servers, rows = {}, {}
    for level in LEVELS:
        url, world = _database(level, workdir)
        rows[level] = intake_requests(total, world, seed=7)
        env = {"MINWON_DATABASE_URL": url, "MINWON_SECRET_KEY": "bench",
               "MINWON_SQLITE_SYNCHRONOUS": level}  # fmt: skip
        servers[level] = start_server(level.lower(), "minwon.app:create_app", env, run_dir)
    parts: dict[str, list[dict]] = {level: [] for level in LEVELS}
    try:
        for r in range(args.rounds):
            chunk = slice(r * (args.warmup + per_round), (r + 1) * (args.warmup + per_round))
            for level in LEVELS:
                part = _drive(servers[level], "/api/v1/voices", rows[level][chunk], args,
                              args.warmup, run_dir, f"{level}-{r}")  # fmt: skip
                parts[level].append(part)
                log(f"round {r + 1}/{args.rounds} {level:6s} "
                    f"{len(part['latencies_ms']) / part['elapsed_s']:7.1f} req/s")  # fmt: skip
    finally:
        for server in servers.values():
            server.stop()
    for level in LEVELS:
        remove_sqlite(workdir / f"sync-{level.lower()}.db")
    return {level: _merge(p) for level, p in parts.items()}


def commit_cost(commits: int = 300) -> dict[str, float]:
    """Milliseconds per one-row write transaction at each level (median of 3 alternated runs)."""
    times: dict[str, list[float]] = {level: [] for level in LEVELS}
    path = CACHE / "synchronous" / "commits.db"
    path.parent.mkdir(parents=True, exist_ok=True)
    for _ in range(3):
        for level in LEVELS:
            remove_sqlite(path)
            conn = sqlite3.connect(path, isolation_level=None)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute(f"PRAGMA synchronous={level}")
            conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, body TEXT)")
            started = time.perf_counter()
            for _ in range(commits):
                conn.execute("BEGIN IMMEDIATE")
                conn.execute("INSERT INTO t (body) VALUES (?)", ("가" * 300,))
                conn.execute("COMMIT")
            times[level].append((time.perf_counter() - started) * 1000 / commits)
            conn.close()
    remove_sqlite(path)
    return {level: round(sorted(v)[1], 3) for level, v in times.items()}


def main(argv: list[str] | None = None) -> int:
    """Run both parts, print a summary, save the JSON under bench/results/."""
    p = argparse.ArgumentParser(prog="bench.synchronous", description=__doc__.split("\n")[0])
    p.add_argument("--requests", type=int, default=1200, help="measured requests per level")
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--warmup", type=int, default=100)
    p.add_argument("--concurrency", type=int, default=8)
    p.add_argument("--max-seconds", type=float, default=180.0)
    args = p.parse_args(argv)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    run_dir = CACHE / "runs" / f"synchronous-{stamp}"
    load_before = os.getloadavg()
    results = {"commit_ms": commit_cost(), "intake": intake_side_by_side(args, run_dir)}
    results["loadavg_before_after"] = [load_before, os.getloadavg()]
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"synchronous-{stamp}.json"
    out.write_text(json.dumps(results, indent=2, ensure_ascii=False))
    log(f"one-row commit: {results['commit_ms']} ms")
    for level, fig in results["intake"].items():
        log(
            f"{level:6s} {fig['voices_per_s']:7.1f} voices/s  p50 {fig['p50_ms']} ms  "
            f"p95 {fig['p95_ms']} ms  p99 {fig['p99_ms']} ms  statuses {fig['statuses']}"
        )
    log(f"written to {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
