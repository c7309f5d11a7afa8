"""Intake throughput: minwon's ``POST /api/v1/voices`` against the bare one-row baseline.

For one engine: a fresh minwon database (migrated, benchmark organisation, tokens) and a fresh
one-table database for the baseline; both apps served by uvicorn (one process each, started
together, idle while the other is measured); the same load generator process drives them in
turn, ``rounds`` times alternately, so that drift (WAL growth, caches) hits both alike.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from sqlalchemy import text

from bench import bare_app
from bench.anatomy import intake_anatomy
from bench.common import (
    CACHE,
    ROOT,
    Server,
    drop_pg_database,
    log,
    recreate_pg_database,
    remove_sqlite,
    start_server,
    summarize_ms,
)
from bench.texts import bare_requests, intake_requests, write_jsonl
from bench.world import build_world
from minwon import migrate
from minwon.db import make_engine

MINWON_PG_DB = "minwon_bench_intake"
BARE_PG_DB = "minwon_bench_bare"
ANATOMY_REQUESTS = 110


def _databases(engine_name: str, workdir: Path) -> tuple[str, str]:
    """Fresh (minwon URL, bare URL) for ``engine_name``."""
    if engine_name == "sqlite":
        minwon_db, bare_db = workdir / "intake-minwon.db", workdir / "intake-bare.db"
        remove_sqlite(minwon_db)
        remove_sqlite(bare_db)
        return f"sqlite:///{minwon_db}", f"sqlite:///{bare_db}"
    return recreate_pg_database(MINWON_PG_DB), recreate_pg_database(BARE_PG_DB)


def _drop_databases(engine_name: str, workdir: Path) -> None:
    """Remove the run's intake databases (they are rebuilt fresh every run)."""
    if engine_name == "sqlite":
        remove_sqlite(workdir / "intake-minwon.db")
        remove_sqlite(workdir / "intake-bare.db")
    else:
        drop_pg_database(MINWON_PG_DB)
        drop_pg_database(BARE_PG_DB)


def _prepare(engine_name: str, workdir: Path, total: int, seed: int):
    minwon_url, bare_url = _databases(engine_name, workdir)
    migrate.upgrade(minwon_url)
    engine = make_engine(minwon_url)
    world = build_world(engine)
    engine.dispose()
    bare_app.create_schema(bare_url)
    requests = intake_requests(total + ANATOMY_REQUESTS, world, seed)
    return minwon_url, bare_url, requests


def _drive(
    server: Server, path: str, rows: list[dict], args: Any, warmup: int, out_dir: Path, tag: str
) -> dict:
    req_file, out_file = out_dir / f"{tag}.jsonl", out_dir / f"{tag}.result.json"
    write_jsonl(req_file, rows)
    cmd = [
        sys.executable, "-m", "bench.loadgen", "--url", server.base_url + path,
        "--requests", str(req_file), "--concurrency", str(args.concurrency),
        "--warmup", str(warmup), "--max-seconds", str(args.max_seconds), "--out", str(out_file),
    ]  # fmt: skip
    server.mark_cpu()
    load_before = os.getloadavg()[0]
    subprocess.run(cmd, check=True, cwd=ROOT, timeout=args.max_seconds * 2 + 120)
    result = json.loads(out_file.read_text())
    result["loadavg_1m"] = [round(load_before, 2), round(os.getloadavg()[0], 2)]
    req_file.unlink()
    result["server_cpu_s"] = server.cpu_since_mark()
    return result


def _merge(parts: list[dict]) -> dict:
    latencies = [x for p in parts for x in p["latencies_ms"]]
    statuses: dict[str, int] = {}
    for p in parts:
        for k, v in p["statuses"].items():
            statuses[k] = statuses.get(k, 0) + v
    ok = sum(v for k, v in statuses.items() if k in ("200", "201"))
    elapsed = sum(p["elapsed_s"] for p in parts)
    server_cpu = sum(p["server_cpu_s"] for p in parts)
    return {
        "requests": len(latencies),
        "ok": ok,
        "statuses": statuses,
        "elapsed_s": round(elapsed, 3),
        "voices_per_s": round(ok / elapsed, 1) if elapsed else 0.0,
        **summarize_ms(latencies),
        "server_cpu_ms_per_req": round(server_cpu * 1000 / max(len(latencies), 1), 2),
        "server_cpu_share": round(server_cpu / elapsed, 2) if elapsed else 0.0,
        "client_cpu_share": round(sum(p["client_cpu_s"] for p in parts) / elapsed, 2)
        if elapsed
        else 0.0,
        "stopped_by_time": any(p["stopped_by_time"] for p in parts),
        "max_loadavg_1m": max(x for p in parts for x in p["loadavg_1m"]),
        "error_samples": [s for p in parts for s in p["error_samples"]][:5],
    }


def _check_ledger(url: str) -> dict:
    """Voices stored and whether every (unit, year) ledger is gap-free."""
    engine = make_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT unit_id, ledger_year, count(*), max(ledger_seq) FROM voice "
                "GROUP BY unit_id, ledger_year"
            )
        ).all()
    engine.dispose()
    return {
        "voices_stored": sum(r[2] for r in rows),
        "ledgers_gap_free": all(r[2] == r[3] for r in rows),
    }


def run_intake(engine_name: str, args: Any, run_dir: Path) -> dict:
    """Measure both apps on ``engine_name``; returns their figures and the ratio."""
    workdir = CACHE / "intake"
    workdir.mkdir(parents=True, exist_ok=True)
    rounds = max(1, args.rounds)
    per_round = max(1, args.requests // rounds)
    warmup = args.warmup
    total = rounds * (warmup + per_round)
    log(f"[{engine_name}] intake: preparing fresh databases and {total} requests per app")
    minwon_url, bare_url, minwon_rows = _prepare(engine_name, workdir, total, seed=7)
    minwon_rows, anatomy_rows = minwon_rows[:total], minwon_rows[total:]
    bare_rows = bare_requests(minwon_rows)
    log_dir = run_dir / f"intake-{engine_name}"
    bare = start_server("bare", "bench.bare_app:create_app", {
        "BENCH_BARE_DATABASE_URL": bare_url}, log_dir)  # fmt: skip
    minwon = start_server("minwon", "minwon.app:create_app", {
        "MINWON_DATABASE_URL": minwon_url, "MINWON_SECRET_KEY": "bench"}, log_dir)  # fmt: skip
    parts: dict[str, list[dict]] = {"bare": [], "minwon": []}
    try:
        for r in range(rounds):
            chunk = slice(r * (warmup + per_round), (r + 1) * (warmup + per_round))
            for name, server, rows in (("bare", bare, bare_rows), ("minwon", minwon, minwon_rows)):
                path = "/voices" if name == "bare" else "/api/v1/voices"
                result = _drive(server, path, rows[chunk], args, warmup, log_dir, f"{name}-{r}")
                parts[name].append(result)
                rate = sum(1 for _ in result["latencies_ms"]) / result["elapsed_s"]
                log(f"[{engine_name}] round {r + 1}/{rounds} {name:6s} {rate:8.1f} req/s "
                    f"statuses {result['statuses']}")  # fmt: skip
    finally:
        minwon.stop()
        bare.stop()
    figures = {name: _merge(p) for name, p in parts.items()}
    check = _check_ledger(minwon_url)
    log(f"[{engine_name}] intake: counting statements of {len(anatomy_rows) - 10} intakes")
    anatomy = intake_anatomy(minwon_url, anatomy_rows)
    _drop_databases(engine_name, workdir)
    ratio = figures["minwon"]["voices_per_s"] / figures["bare"]["voices_per_s"]
    return {
        "engine": engine_name,
        "concurrency": args.concurrency,
        "requests_per_app": rounds * per_round,
        "warmup_per_round": warmup,
        "rounds": rounds,
        "bare": figures["bare"],
        "minwon": figures["minwon"],
        "ratio": round(ratio, 3),
        "target_ratio": 0.70,
        "meets_target": ratio >= 0.70,
        "minwon_check": check,
        "anatomy": anatomy,
    }
