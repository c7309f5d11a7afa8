"""Imports at the size of a real ledger: rows per second of the old and the new import on each
engine, and what web intake meets while a large import runs.

    .venv/bin/python bench/imports.py                              # both engines, 100,000 rows
    .venv/bin/python bench/imports.py --engine sqlite --rows 20000 --old-rows 1000

For each engine, twice — the old import (the source of ``--old-rev``, by default where this
branch left main, on the first ``--old-rows`` rows of the file: it runs at tens of rows a
second) and the new one (all ``--rows`` rows) — in the same conditions:

* a fresh database, migrated by that code, with the benchmark organisation (``world.py``);
* minwon served by one uvicorn process on it, warmed up by one intake; ``--clients`` threads
  post intakes (``texts.py``, the same bodies as the intake benchmark) at ``--rate`` a second
  all told for ``--before`` seconds, then all through the import, which runs as
  ``minwon import`` would, in a process of its own. A steady rate, not a closed loop: an
  agency's web intake is a few voices a second, and a saturating loop would measure the
  server's own queue rather than the import's effect;
* the file is a 민원 처리부 of three years (``importfile.py``): Korean headers, 85% answered
  or closed, a third with contacts, units by code, by name, by category or by 행정동.

Figures: rows/s of the whole import (checking + saving), the seconds of each phase; intake
answers, errors (anything but 201, or no answer) and latency before and during the import;
the longest wait of a lock probe — a writer that takes only what intake must lock, every
50 ms: the write lock on SQLite, the busiest ledger counter row on PostgreSQL; after it,
checks that every (unit, year) ledger is gap-free, every voice has its history, and nothing
was sent. Then the new database's analysis backlog is worked for ``--analysis-seconds`` to
show the worker's catch-up rate.
Results print as a table and go to ``bench/results/imports-<timestamp>.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tarfile
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
from rich.console import Console  # noqa: E402
from rich.table import Table  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402

from bench.common import (  # noqa: E402
    CACHE,
    RESULTS,
    console,
    log,
    pg_reachable,
    recreate_pg_database,
    remove_sqlite,
    start_server,
    summarize_ms,
)
from bench.importfile import write_ledger_file  # noqa: E402
from bench.texts import intake_requests  # noqa: E402
from bench.world import BenchWorld  # noqa: E402
from minwon.timeutil import KST  # noqa: E402

WORK = CACHE / "imports"
IMPORTER = "gr_cs"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The command line."""
    p = argparse.ArgumentParser(description="minwon import benchmark", prog="bench/imports.py")
    p.add_argument("--engine", choices=["sqlite", "postgresql", "both"], default="both")
    p.add_argument("--rows", type=int, default=100_000, help="rows of the new import's file")
    p.add_argument("--old-rows", type=int, default=2_000, help="rows the old import gets")
    p.add_argument("--old-rev", help="git revision of the old import (default: merge-base main)")
    p.add_argument("--skip-old", action="store_true", help="measure the new import only")
    p.add_argument("--clients", type=int, default=4, help="intake clients (threads)")
    p.add_argument("--rate", type=float, default=8.0, help="intake requests per second, all told")
    p.add_argument("--before", type=float, default=10.0, help="seconds of intake before import")
    p.add_argument("--analysis-seconds", type=float, default=30.0, help="catch-up sample")
    p.add_argument("--run-import", nargs=2, metavar=("URL", "FILE"), help=argparse.SUPPRESS)
    return p.parse_args(argv)


# --- the import, in a process of its own ------------------------------------------------------


def run_import_here(url: str, path: Path) -> dict[str, Any]:
    """Import ``path`` into ``url`` as the CS manager with whatever ``minwon`` is importable;
    the seconds of the whole import and of its checking pass (from the progress calls)."""
    os.environ["MINWON_DATABASE_URL"] = url
    from minwon.db import make_engine, session_factory
    from minwon.org import service as org_service
    from minwon.voices.importer import import_file

    engine = make_engine(url)
    with session_factory(engine)() as db:
        staff = org_service.staff_by_login(db_session=db, login=IMPORTER)
        principal = org_service.principal_for(staff)
    marks: dict[str, float] = {}
    started, cpu = time.perf_counter(), time.process_time()

    saves: list[float] = []

    def progress(done: int, total: int) -> None:
        if total and done >= total // 2 and "checked" not in marks:
            marks["checked"] = time.perf_counter() - started
        elif "checked" in marks:
            saves.append(time.perf_counter() - started)

    report = import_file(engine=engine, path=path, principal=principal, progress=progress)
    seconds = time.perf_counter() - started
    return {
        "ok": report.ok,
        "rows": report.rows_read,
        "voices": report.voices_created,
        "seconds": round(seconds, 2),
        "check_seconds": round(marks.get("checked", seconds), 2),
        "cpu_seconds": round(time.process_time() - cpu, 2),
        "saved_at": [round(t, 2) for t in saves[:: max(1, len(saves) // 200)]],
        "report": report.format()[:2000],
    }


# --- code, databases and files ----------------------------------------------------------------


def _old_source(rev: str | None) -> tuple[str, Path]:
    """The ``src`` of the old revision, unpacked once into the cache."""
    rev = rev or _git("merge-base", "HEAD", "main")
    rev = _git("rev-parse", "--short", rev)
    target = WORK / f"old-{rev}"
    if not (target / "src" / "minwon").is_dir():
        target.mkdir(parents=True, exist_ok=True)
        archive = subprocess.run(
            ["git", "-C", str(ROOT), "archive", rev, "src"], check=True, capture_output=True
        ).stdout
        tar_path = target / "src.tar"
        tar_path.write_bytes(archive)
        with tarfile.open(tar_path) as tar:
            tar.extractall(target, filter="data")
        tar_path.unlink()
    return rev, target / "src"


def _git(*args: str) -> str:
    out = subprocess.run(["git", "-C", str(ROOT), *args], check=True, capture_output=True)
    return out.stdout.decode().strip()


def _env(src: Path | None) -> dict[str, str]:
    paths = [str(src)] if src else []
    return {**os.environ, "PYTHONPATH": os.pathsep.join([*paths, str(ROOT)])}


def _fresh_database(engine_name: str, label: str) -> str:
    if engine_name == "sqlite":
        path = WORK / f"import-{label}.db"
        remove_sqlite(path)
        return f"sqlite:///{path}"
    return recreate_pg_database(f"minwon_bench_import_{label}")


def _prepare(url: str, src: Path | None) -> None:
    """Migrate with that code, then build the benchmark organisation (org tables only)."""
    code = "from minwon import migrate; import sys; migrate.upgrade(sys.argv[1])"
    subprocess.run([sys.executable, "-c", code, url], check=True, env=_env(src), cwd=WORK)
    build = "from bench.world import build_world; from minwon.db import make_engine; "
    build += "import sys; build_world(make_engine(sys.argv[1]))"
    subprocess.run([sys.executable, "-c", build, url], check=True, env=_env(src), cwd=WORK)


def _ledger_file(rows: int) -> Path:
    today = datetime.now(KST).date()
    path = WORK / f"ledger-{rows}-{today:%Y%m%d}.csv"
    if not path.exists():
        log(f"writing a {rows:,}-row ledger file")
        write_ledger_file(path, rows, office="GR", today=today)
    return path


# --- intake while importing -------------------------------------------------------------------


@dataclass
class Intake:
    """Intake requests sent by a few threads, each answer's status and latency."""

    base_url: str
    bodies: list[dict]
    clients: int
    rate: float
    samples: list[tuple[float, float, int]] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)
    _next: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def _body(self) -> dict:
        with self._lock:
            self._next += 1
            return self.bodies[self._next % len(self.bodies)]

    def _client(self) -> None:
        interval = self.clients / self.rate
        with httpx.Client(base_url=self.base_url, trust_env=False, timeout=120) as http:
            due = time.monotonic()
            while not self.stop.wait(max(0.0, due - time.monotonic())):
                due += interval
                request = self._body()
                sent = time.monotonic()
                try:
                    status = http.post(
                        "/api/v1/voices", content=request["body"], headers=request["headers"]
                    ).status_code
                except httpx.HTTPError:
                    status = 0
                with self._lock:
                    self.samples.append((sent, time.monotonic() - sent, status))

    def warm_up(self) -> None:
        """One intake before measuring: the server loads its Korean analyser on the first."""
        request = self.bodies[0]
        with httpx.Client(base_url=self.base_url, trust_env=False, timeout=300) as http:
            http.post("/api/v1/voices", content=request["body"], headers=request["headers"])

    def start(self) -> list[threading.Thread]:
        """Start the clients, each sending its share of ``rate`` on a fixed schedule (a late
        answer makes the next request follow at once)."""
        threads = [threading.Thread(target=self._client) for _ in range(self.clients)]
        for thread in threads:
            thread.start()
        return threads

    def summary(self, start: float, end: float) -> dict[str, Any]:
        """Answers sent between ``start`` and ``end``: how many, errors, latency."""
        picked = [(lat, st) for sent, lat, st in self.samples if start <= sent < end]
        errors = [st for _, st in picked if st != 201]
        stats = summarize_ms([lat * 1000 for lat, _ in picked])
        counts = {"requests": len(picked), "errors": len(errors), "statuses": sorted(set(errors))}
        return counts | stats


@dataclass
class LockProbe:
    """A writer that only takes the lock intake needs, every ``every`` seconds, and measures
    how long it waited: the database write lock on SQLite (``BEGIN IMMEDIATE``), the ledger
    counter row of the busiest unit on PostgreSQL (``SELECT … FOR UPDATE``)."""

    url: str
    every: float = 0.05
    samples: list[tuple[float, float]] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)

    def _run(self) -> None:
        args = {"timeout": 60} if self.url.startswith("sqlite") else {}
        engine = create_engine(self.url, connect_args=args)
        sqlite = engine.dialect.name == "sqlite"
        lock = (
            "BEGIN IMMEDIATE"
            if sqlite
            else (
                "SELECT last FROM ledger_counter WHERE unit_id = "
                "(SELECT id FROM unit WHERE code = 'GR00') AND year = :year FOR UPDATE"
            )
        )
        with engine.connect() as conn:
            raw = conn.connection.driver_connection
            if sqlite:
                raw.isolation_level = None
            while not self.stop.wait(self.every):
                sent = time.monotonic()
                if sqlite:
                    raw.execute(lock)
                else:
                    conn.execute(text(lock), {"year": datetime.now(KST).year})
                waited = time.monotonic() - sent
                raw.execute("ROLLBACK") if sqlite else conn.rollback()
                self.samples.append((sent, waited))
        engine.dispose()

    def start(self) -> threading.Thread:
        """Start probing."""
        thread = threading.Thread(target=self._run)
        thread.start()
        return thread

    def longest(self, start: float, end: float) -> float:
        """The longest wait, in seconds, of the probes sent between ``start`` and ``end``."""
        return max((w for sent, w in self.samples if start <= sent < end), default=0.0)

    def worst(self, start: float, end: float, n: int = 5) -> list[tuple[float, float]]:
        """The ``n`` longest waits as (seconds after ``start``, wait)."""
        picked = [(round(sent - start, 2), round(w, 3)) for sent, w in self.samples]
        picked = [p for p in picked if 0 <= p[0] < end - start]
        return sorted(picked, key=lambda p: -p[1])[:n]


def _world_bodies(url: str, n: int) -> list[dict]:
    from bench.world import load_world
    from minwon.db import make_engine

    engine = make_engine(url)
    world: BenchWorld = load_world(engine)
    engine.dispose()
    return intake_requests(n, world, seed=4)


# --- checks -----------------------------------------------------------------------------------

CHECKS = {
    "voices": "select count(*) from voice",
    "ledger_gaps": """select count(*) from (select unit_id, ledger_year, count(*) n,
        count(distinct ledger_seq) d, min(ledger_seq) lo, max(ledger_seq) hi from voice
        group by unit_id, ledger_year) g join ledger_counter c
        on c.unit_id = g.unit_id and c.year = g.ledger_year
        where g.n != g.d or g.lo != 1 or g.hi != g.n or c.last != g.n""",
    "received_events": "select count(*) from voice_event where kind = 'received'",
    "imported_events": "select count(*) from voice_event where kind = 'imported'",
    "answers": "select count(*) from answer",
    "outbox": "select count(*) from outbox_message",
    "survey_invitations": "select count(*) from survey_invitation",
}


def _checks(url: str) -> dict[str, int]:
    engine = create_engine(url)
    with engine.connect() as conn:
        found = {name: int(conn.execute(text(sql)).scalar_one()) for name, sql in CHECKS.items()}
    engine.dispose()
    return found


# --- one measured import ----------------------------------------------------------------------


def measure(engine_name: str, label: str, path: Path, src: Path | None, args: Any) -> dict:
    """One import of ``path`` with intake running before and during it."""
    url = _fresh_database(engine_name, label)
    _prepare(url, src)
    server = start_server(
        f"minwon-{engine_name}-{label}",
        "minwon.app:create_app",
        {"MINWON_DATABASE_URL": url},
        WORK / "logs",
    )
    intake = Intake(server.base_url, _world_bodies(url, 20_000), args.clients, args.rate)
    probe = LockProbe(url)
    try:
        intake.warm_up()
        threads = [*intake.start(), probe.start()]
        time.sleep(args.before)
        log(f"{engine_name} {label}: importing {path.name}")
        began = time.monotonic()
        done = subprocess.run(
            [sys.executable, str(Path(__file__)), "--run-import", url, str(path)],
            env=_env(src),
            cwd=WORK,
            capture_output=True,
            text=True,
        )
        ended = time.monotonic()
        intake.stop.set()
        probe.stop.set()
        for thread in threads:
            thread.join()
    finally:
        server.stop()
    if done.returncode != 0:
        raise RuntimeError(f"import failed: {done.stderr[-3000:]}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    result["rows_per_s"] = round(result["rows"] / result["seconds"], 1)
    result["save_seconds"] = round(result["seconds"] - result["check_seconds"], 2)
    result["intake_before"] = intake.summary(began - args.before, began)
    result["intake_during"] = intake.summary(began, ended)
    result["lock_wait_before_s"] = round(probe.longest(began - args.before, began), 3)
    result["lock_wait_during_s"] = round(probe.longest(began, ended), 3)
    result["lock_waits_worst"] = probe.worst(began, ended)
    result["checks"] = _checks(url)
    result["url"] = url
    return result


def catch_up_rate(url: str, seconds: float) -> dict[str, Any]:
    """How many imported voices the worker analyses in ``seconds``."""
    from minwon.analysis import backlog
    from minwon.db import make_engine

    engine = make_engine(url)
    started = time.perf_counter()
    done = backlog.catch_up(engine, budget=seconds)
    elapsed = time.perf_counter() - started
    engine.dispose()
    return {"analysed": done, "seconds": round(elapsed, 1), "per_s": round(done / elapsed, 1)}


def run_engine(engine_name: str, args: Any) -> dict[str, Any]:
    """The old and the new import on one engine, and the analysis catch-up rate."""
    out: dict[str, Any] = {}
    if not args.skip_old:
        rev, src = _old_source(args.old_rev)
        out["old"] = measure(engine_name, "old", _ledger_file(args.old_rows), src, args)
        out["old"]["rev"] = rev
    out["new"] = measure(engine_name, "new", _ledger_file(args.rows), None, args)
    out["analysis"] = catch_up_rate(out["new"]["url"], args.analysis_seconds)
    return out


def _table(results: dict[str, dict]) -> Table:
    table = Table(title="가져오기 (import) — rows/s, and web intake while it runs")
    for column in ("engine", "code", "rows", "s (check+save)", "rows/s", "intake before",
                   "intake during", "errors", "longest intake", "longest lock wait",
                   "checks"):  # fmt: skip
        table.add_column(column)
    for engine_name, res in results.items():
        for code in ("old", "new"):
            r = res.get(code)
            if r is None:
                continue
            before, during, checks = r["intake_before"], r["intake_during"], r["checks"]
            table.add_row(
                engine_name,
                code if code == "new" else f"old {r.get('rev', '')}",
                f"{r['rows']:,}",
                f"{r['seconds']:.1f} ({r['check_seconds']:.1f}+{r['save_seconds']:.1f})",
                f"{r['rows_per_s']:,.0f}",
                f"{before['requests']} · p99 {before['p99_ms']:.0f} ms",
                f"{during['requests']} · p99 {during['p99_ms']:.0f} ms",
                f"{during['errors']} {during['statuses'] or ''}",
                f"{during['max_ms'] / 1000:.2f} s",
                f"{r['lock_wait_during_s']:.2f} s (before {r['lock_wait_before_s']:.2f})",
                f"gaps {checks['ledger_gaps']}, outbox {checks['outbox']}, "
                f"invitations {checks['survey_invitations']}",
            )
    return table


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark (or, with ``--run-import``, one import for it)."""
    args = parse_args(argv)
    if args.run_import:
        print(json.dumps(run_import_here(args.run_import[0], Path(args.run_import[1]))))
        return 0
    WORK.mkdir(parents=True, exist_ok=True)
    engines = ["sqlite", "postgresql"] if args.engine == "both" else [args.engine]
    if "postgresql" in engines and not pg_reachable():
        log("PostgreSQL is not reachable: skipping it")
        engines.remove("postgresql")
    stamp = time.strftime("%Y%m%d-%H%M%S")
    results = {"started": stamp, "args": {k: v for k, v in vars(args).items() if k != "run_import"}}
    load = {"load_before": os.getloadavg()}
    runs = {e: run_engine(e, args) for e in engines}
    load["load_after"] = os.getloadavg()
    Console(width=220).print(_table(runs))
    for engine_name, res in runs.items():
        a = res["analysis"]
        console.print(
            f"{engine_name}: the worker analysed {a['analysed']:,} imported voices in "
            f"{a['seconds']} s ({a['per_s']}/s)"
        )
    console.print(f"load average before/after: {load['load_before']} / {load['load_after']}")
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"imports-{stamp}.json"
    out.write_text(json.dumps(results | load | {"runs": runs}, ensure_ascii=False, indent=1))
    console.print(f"saved {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
