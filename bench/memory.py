"""Memory of a multi-process deployment: ``minwon serve --workers N`` and B ``minwon worker``
processes on one demo database, after requests that use the Korean analysis.

For each process it reports RSS (what ``top`` shows: counts every shared page in full, in
every process), PSS (each shared page divided among the processes that share it: the sum over
processes is the memory the deployment really takes) and USS (private pages: what ending the
process would give back), read from ``/proc/<pid>/smaps_rollup``.

Two servers are measured in the same run, on copies of the same database:

* ``uvicorn`` — how ``minwon serve --workers N`` ran before: ``uvicorn --workers N`` starts
  each worker as a fresh interpreter (multiprocessing "spawn"), each loads its own model;
* ``minwon`` — ``minwon serve --workers N`` as it is now.

    .venv/bin/python bench/memory.py                      # 8 serve + 2 background, both servers
    .venv/bin/python bench/memory.py --server minwon --requests 800 --engine postgresql
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing
from dataclasses import asdict, dataclass
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (  # noqa: E402
    CACHE,
    RESULTS,
    _pg_admin,
    drop_pg_database,
    free_port,
    log,
    pg_database_exists,
    pg_reachable,
    pg_url,
    recreate_pg_database,
)
from bench.texts import corpus  # noqa: E402

HERE = CACHE / "memory"
MINWON = str(Path(sys.executable).with_name("minwon"))
PG_DEMO = "minwon_bench_memory"
UNITS = ("GR01", "GR02", "GR03", "DJ01", "DJ02")
MB = 1024


@dataclass(frozen=True)
class Sample:
    """One process's memory in MB."""

    role: str
    pid: int
    rss: int
    pss: int
    uss: int


def _smaps(pid: int) -> dict[str, int]:
    fields: dict[str, int] = {}
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()[1:]:
        name, value, *_ = line.split()
        fields[name.rstrip(":")] = int(value)
    return fields


def sample(role: str, pid: int) -> Sample:
    """RSS, PSS and USS of process ``pid`` in MB."""
    f = _smaps(pid)
    uss = f.get("Private_Clean", 0) + f.get("Private_Dirty", 0)
    return Sample(role, pid, f["Rss"] // MB, f["Pss"] // MB, uss // MB)


def children(pid: int) -> list[int]:
    """The direct child processes of ``pid``."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return sorted(found)


# --- the demo database -------------------------------------------------------------------------


def _run(cmd: list[str], env: dict[str, str]) -> str:
    done = subprocess.run(cmd, env={**os.environ, **env}, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


def demo_url(engine: str, voices: int, rebuild: bool) -> str:
    """The URL of the cached demo database (made by ``minwon demo`` once)."""
    if engine == "postgresql":
        if rebuild or not pg_database_exists(PG_DEMO):
            url = recreate_pg_database(PG_DEMO)
            log(f"minwon demo --voices {voices} on PostgreSQL (a few minutes, once)")
            _run([MINWON, "demo", "--no-serve", "--voices", str(voices)], _db(url))
        return pg_url(PG_DEMO)
    path = HERE / f"demo-{voices}.db"
    if rebuild or not path.exists():
        HERE.mkdir(parents=True, exist_ok=True)
        path.unlink(missing_ok=True)
        log(f"minwon demo --voices {voices} on SQLite (a few minutes, once)")
        _run([MINWON, "demo", "--no-serve", "--voices", str(voices)], _db(f"sqlite:///{path}"))
    return f"sqlite:///{path}"


def fresh_copy(engine: str, demo: str, name: str) -> str:
    """A copy of the demo database for one server, migrated to the current schema."""
    if engine == "postgresql":
        drop_pg_database(name)
        _pg_admin(f'CREATE DATABASE "{name}" TEMPLATE "{PG_DEMO}"')
        url = pg_url(name)
    else:
        target = HERE / f"{name}.db"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{target}{suffix}").unlink(missing_ok=True)
        with closing(sqlite3.connect(demo.removeprefix("sqlite:///"))) as src:
            with closing(sqlite3.connect(target)) as dst:
                src.backup(dst)  # with what is still in the write-ahead log
        url = f"sqlite:///{target}"
    _run([MINWON, "db", "upgrade"], _db(url))
    return url


def _db(url: str) -> dict[str, str]:
    return {"MINWON_DATABASE_URL": url, "MINWON_SMTP_PORT": str(free_port())}


# --- processes ---------------------------------------------------------------------------------


def server_cmd(kind: str, workers: int, port: int) -> list[str]:
    """How the server of ``kind`` is started."""
    if kind == "uvicorn":
        return [
            sys.executable, "-m", "uvicorn", "minwon.app:serve_app", "--factory",
            "--workers", str(workers), "--host", "127.0.0.1", "--port", str(port),
            "--no-access-log", "--log-level", "warning",
            # its 5-s default restarted workers over and over on the busy 2-core machine
            "--timeout-worker-healthcheck", "60",
        ]  # fmt: skip
    return [MINWON, "serve", "--workers", str(workers), "--port", str(port)]


def wait_ready(base: str, proc: subprocess.Popen[bytes], timeout: float) -> float:
    """Seconds until the server answers its login page."""
    start = time.monotonic()
    with httpx.Client(trust_env=False, timeout=5) as client:
        while time.monotonic() - start < timeout:
            if proc.poll() is not None:
                raise RuntimeError("the server exited")
            try:
                if client.get(base + "/login").status_code == 200:
                    return time.monotonic() - start
            except httpx.TransportError:
                pass
            time.sleep(0.5)
    raise RuntimeError(f"the server did not answer within {timeout:.0f}s")


def stop(proc: subprocess.Popen[bytes]) -> None:
    """End a process this script started: SIGTERM, then SIGKILL after 20 s."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


# --- load --------------------------------------------------------------------------------------


def plan(n: int, seed: int) -> list[tuple[str, str, dict | None]]:
    """``n`` requests that use the analysis: intake (masking, morphemes, routing, similar
    voices, tone), routing and similar-voice suggestions, causes, hot spots, and the pages."""
    rng = random.Random(seed)
    texts = corpus()
    out: list[tuple[str, str, dict | None]] = []
    for _ in range(n):
        t = rng.choice(texts)
        body = t.body[: rng.randint(150, 600)]
        r = rng.random()
        if r < 0.4:
            voice = {"kind": "complaint", "channel": "web", "title": t.title[:80], "body": body}
            out.append(("POST", "/api/v1/voices", {**voice, "unit": rng.choice(UNITS)}))
        elif r < 0.55:
            out.append(("POST", "/api/v1/analysis/route?organization=DEMO", {"text": body}))
        elif r < 0.7:
            out.append(("POST", "/api/v1/analysis/similar?office=GR", {"text": body}))
        elif r < 0.8:
            path = rng.choice(
                ("/api/v1/analysis/causes?office=GR", "/api/v1/analysis/hotspots?office=DJ")
            )
            out.append(("GET", path, None))
        else:
            path = rng.choice(("/dashboard", "/analysis?office=GR", "/ledger", "/"))
            out.append(("GET", path, None))
    return out


def drive(base: str, token: str, requests: list, concurrency: int) -> Counter[str]:
    """Send the requests ``concurrency`` at a time; counts of status codes by class."""
    headers = {"Authorization": f"Bearer {token}"}
    codes: Counter[str] = Counter()

    def one(req: tuple[str, str, dict | None]) -> str:
        method, path, body = req
        with httpx.Client(trust_env=False, timeout=120, headers=headers) as client:
            try:
                r = client.request(method, base + path, json=body)
                return f"{r.status_code // 100}xx"
            except httpx.HTTPError as exc:
                return type(exc).__name__

    with ThreadPoolExecutor(concurrency) as pool:
        codes.update(pool.map(one, requests))
    return codes


# --- one measured deployment -------------------------------------------------------------------


@dataclass
class Deployment:
    """What one server kind with its background workers measured."""

    server: str
    startup_s: float
    codes: dict[str, int]
    idle: list[Sample]
    loaded: list[Sample]

    @property
    def restarted(self) -> int:
        """Serve workers replaced between the two samples (a worker that died or was killed)."""
        before = {s.pid for s in self.idle}
        return sum(s.pid not in before for s in self.loaded)

    def totals(self, which: str) -> dict[str, int]:
        """Sums over the processes (``idle`` or ``loaded``) of RSS, PSS and USS in MB."""
        rows: list[Sample] = getattr(self, which)
        return {k: sum(getattr(s, k) for s in rows) for k in ("rss", "pss", "uss")}


def snapshot(server: subprocess.Popen[bytes], workers: list[subprocess.Popen[bytes]]) -> list:
    """Every process of the deployment: the server's parent and workers, the background ones."""
    rows = [sample("serve (parent)", server.pid)]
    for pid in children(server.pid):
        helper = b"resource_tracker" in Path(f"/proc/{pid}/cmdline").read_bytes()
        rows.append(sample("serve (multiprocessing helper)" if helper else "serve worker", pid))
    rows += [sample("minwon worker", w.pid) for w in workers]
    return rows


def measure(kind: str, url: str, args: argparse.Namespace) -> Deployment:
    """Start the deployment on ``url``, load it, sample its memory, stop it."""
    env = {**os.environ, **_db(url), "MINWON_WORKER_POLL_SECONDS": "2"}
    token = _run([MINWON, "token", "admin", "--name", "bench"], env).strip().split()[-1]
    port = free_port()
    logs = HERE / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    out = (logs / f"{kind}.log").open("wb")
    server = subprocess.Popen(server_cmd(kind, args.workers, port), env=env, stdout=out, stderr=out)
    background = [
        subprocess.Popen([MINWON, "worker"], env=env, stdout=out, stderr=out)
        for _ in range(args.background)
    ]
    try:
        startup = wait_ready(f"http://127.0.0.1:{port}", server, args.start_timeout)
        time.sleep(10)  # every worker up
        idle = snapshot(server, background)
        codes = drive(
            f"http://127.0.0.1:{port}", token, plan(args.requests, args.seed), args.concurrency
        )
        time.sleep(args.background_seconds)  # a few background rounds on what came in
        loaded = snapshot(server, background)
    finally:
        for proc in (*background, server):
            stop(proc)
        out.close()
    return Deployment(kind, round(startup, 1), dict(codes), idle, loaded)


def report(runs: list[Deployment], args: argparse.Namespace) -> None:
    """Print per-process and total memory of each deployment, as Markdown."""
    print(
        f"\n{args.workers} serve workers + {args.background} background workers, "
        f"{args.requests} requests at {args.concurrency} at a time ({args.engine}); "
        f"load average {os.getloadavg()[0]:.1f}\n"
    )
    for run in runs:
        print(
            f"### {run.server} (ready after {run.startup_s} s; answers {run.codes}; "
            f"workers restarted under load: {run.restarted})\n"
        )
        print("| process | pid | RSS MB | PSS MB | USS MB |")
        print("|---|---:|---:|---:|---:|")
        for s in run.loaded:
            print(f"| {s.role} | {s.pid} | {s.rss} | {s.pss} | {s.uss} |")
        for which in ("idle", "loaded"):
            t = run.totals(which)
            print(f"| **total, {which}** | | {t['rss']} | **{t['pss']}** | {t['uss']} |")
        print()


def main() -> None:
    """Measure the deployments named by ``--server`` and print and store the figures."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--server", choices=("both", "uvicorn", "minwon"), default="both")
    ap.add_argument("--engine", choices=("sqlite", "postgresql"), default="sqlite")
    ap.add_argument("--workers", type=int, default=8, help="serve worker processes")
    ap.add_argument("--background", type=int, default=2, help="`minwon worker` processes")
    ap.add_argument("--requests", type=int, default=400)
    ap.add_argument("--concurrency", type=int, default=16)
    ap.add_argument("--voices", type=int, default=3000, help="voices of the demo database")
    ap.add_argument("--background-seconds", type=float, default=10.0)
    ap.add_argument("--start-timeout", type=float, default=300.0)
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--rebuild", action="store_true", help="make the demo database again")
    args = ap.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))  # stop the servers on the way out
    if args.engine == "postgresql" and not pg_reachable():
        raise SystemExit("PostgreSQL is not reachable")
    demo = demo_url(args.engine, args.voices, args.rebuild)
    kinds = ("uvicorn", "minwon") if args.server == "both" else (args.server,)
    runs = []
    for kind in kinds:
        url = fresh_copy(args.engine, demo, f"minwon_bench_memory_{kind}")
        log(f"{kind}: {args.workers} serve workers + {args.background} background workers")
        runs.append(measure(kind, url, args))
    report(runs, args)
    RESULTS.mkdir(parents=True, exist_ok=True)
    target = RESULTS / f"memory-{time.strftime('%Y%m%d-%H%M%S')}.json"
    target.write_text(json.dumps([asdict(r) for r in runs], indent=1, default=str))
    log(f"figures written to {target}")


if __name__ == "__main__":
    main()
