"""Shared plumbing: paths, PostgreSQL databases, uvicorn server processes, latency statistics."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from rich.console import Console
from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
CACHE = BENCH / ".cache"
RESULTS = BENCH / "results"
PG_ADMIN_URL = os.environ.get("BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
CLK_TCK = os.sysconf("SC_CLK_TCK")

console = Console(highlight=False)


def log(message: str) -> None:
    """One progress line, stamped with the wall-clock time."""
    console.print(f"[dim]{time.strftime('%H:%M:%S')}[/dim] {message}")


# --- databases -------------------------------------------------------------------------------


def pg_url(database: str) -> str:
    """The URL of ``database`` on the PostgreSQL server of ``PG_ADMIN_URL``."""
    return PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + database


def pg_reachable() -> bool:
    """Whether the PostgreSQL server answers."""
    try:
        eng = create_engine(PG_ADMIN_URL, connect_args={"connect_timeout": 3})
        with eng.connect() as conn:
            conn.execute(text("select 1"))
        eng.dispose()
        return True
    except Exception:
        return False


def _pg_admin(sql: str) -> Any:
    eng = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with eng.connect() as conn:
            result = conn.execute(text(sql))
            return result.all() if result.returns_rows else None
    finally:
        eng.dispose()


def recreate_pg_database(name: str) -> str:
    """Drop and create database ``name``; returns its URL."""
    _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    _pg_admin(f'CREATE DATABASE "{name}"')
    return pg_url(name)


def drop_pg_database(name: str) -> None:
    """Drop database ``name`` if it exists."""
    _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def pg_database_exists(name: str) -> bool:
    """Whether database ``name`` exists."""
    rows = _pg_admin(f"select 1 from pg_database where datname = '{name}'")
    return bool(rows)


def remove_sqlite(path: Path) -> None:
    """Delete a SQLite database file and its WAL and shared-memory files."""
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


# --- servers ---------------------------------------------------------------------------------


def free_port() -> int:
    """A TCP port on 127.0.0.1 nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Server:
    """One uvicorn process (one worker) serving an app on 127.0.0.1."""

    name: str
    proc: subprocess.Popen[bytes]
    port: int
    log_path: Path
    _cpu_mark: float = field(default=0.0)

    @property
    def base_url(self) -> str:
        """Where the server answers."""
        return f"http://127.0.0.1:{self.port}"

    def cpu_seconds(self) -> float:
        """User + system CPU the server process has used so far (from /proc)."""
        try:
            fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return 0.0
        return (int(fields[11]) + int(fields[12])) / CLK_TCK

    def mark_cpu(self) -> None:
        """Remember the CPU used so far, to measure what a run costs."""
        self._cpu_mark = self.cpu_seconds()

    def cpu_since_mark(self) -> float:
        """Server CPU seconds since the last ``mark_cpu``."""
        return self.cpu_seconds() - self._cpu_mark

    def stop(self) -> None:
        """Ask uvicorn to shut down; kill it if it does not within ten seconds."""
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)


def start_server(name: str, app: str, env: dict[str, str], log_dir: Path) -> Server:
    """Start ``uvicorn --factory app`` with one worker on a free loopback port; wait until up."""
    port = free_port()
    log_dir.mkdir(parents=True, exist_ok=True)
    log_path = log_dir / f"{name}.log"
    cmd = [
        sys.executable, "-m", "uvicorn", app, "--factory",
        "--host", "127.0.0.1", "--port", str(port), "--workers", "1",
        "--no-access-log", "--log-level", "warning", "--app-dir", str(ROOT),
    ]  # fmt: skip
    full_env = {**os.environ, **env, "PYTHONPATH": str(ROOT)}
    with log_path.open("wb") as out:
        proc = subprocess.Popen(cmd, env=full_env, cwd=log_dir, stdout=out, stderr=out)
    server = Server(name=name, proc=proc, port=port, log_path=log_path)
    _wait_ready(server)
    return server


def _wait_ready(server: Server, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    with httpx.Client(trust_env=False, timeout=2) as client:
        while time.monotonic() < deadline:
            if server.proc.poll() is not None:
                raise RuntimeError(f"{server.name} exited; see {server.log_path}")
            try:
                client.get(server.base_url + "/openapi.json")
                return
            except httpx.TransportError:
                time.sleep(0.1)
    server.stop()
    raise RuntimeError(f"{server.name} did not start within {timeout:.0f}s; see {server.log_path}")


# --- statistics ------------------------------------------------------------------------------


def percentile(sorted_values: list[float], q: float) -> float:
    """The ``q``-quantile (0..1) of already sorted values, linearly interpolated."""
    if not sorted_values:
        return float("nan")
    pos = (len(sorted_values) - 1) * q
    low = int(pos)
    high = min(low + 1, len(sorted_values) - 1)
    return sorted_values[low] + (sorted_values[high] - sorted_values[low]) * (pos - low)


def summarize_ms(latencies_ms: list[float]) -> dict[str, float]:
    """Median, p95, p99, mean and max of latencies in milliseconds."""
    values = sorted(latencies_ms)
    return {
        "n": len(values),
        "p50_ms": round(percentile(values, 0.50), 2),
        "p95_ms": round(percentile(values, 0.95), 2),
        "p99_ms": round(percentile(values, 0.99), 2),
        "mean_ms": round(sum(values) / len(values), 2) if values else float("nan"),
        "max_ms": round(values[-1], 2) if values else float("nan"),
    }


def explain(engine: Any, statement: str, parameters: Any) -> list[str]:
    """The plan of a captured statement: SQLite's query plan as an indented tree, or
    PostgreSQL's ``EXPLAIN (ANALYZE, BUFFERS)`` lines."""
    is_sqlite = engine.dialect.name == "sqlite"
    prefix = "EXPLAIN QUERY PLAN " if is_sqlite else "EXPLAIN (ANALYZE, BUFFERS) "
    with engine.connect() as conn:
        rows = conn.exec_driver_sql(prefix + statement, parameters).all()
    if is_sqlite:
        depth: dict[int, int] = {}
        lines = []
        for node, parent, _unused, detail in rows:
            depth[node] = depth.get(parent, -1) + 1
            lines.append("  " * depth[node] + detail)
        return lines
    return [r[0] for r in rows]
