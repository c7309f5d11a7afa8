"""A real ``minwon serve`` killed with SIGKILL while 8 clients post voices loses no voice it
acknowledged (201), and after a restart every unit's ledger is still unique and gap-free and
goes on from where it stopped — on SQLite and on PostgreSQL.

The server runs on the machine's clock, not the tests' one: nothing here depends on a date.
"""

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from conftest import ENGINES
from dbtools import ledger_problems, second_database
from factories import World, build_world, voice_json
from sqlalchemy import select

from minwon.db import Base, make_engine
from minwon.voices.models import Voice

MINWON = str(Path(sys.executable).parent / "minwon")
WRITERS = 8
LOAD_SECONDS = 2.5
WRITER_UNITS = ["GR01", "GR01", "GR01", "GR02", "GR02", "DJ01", "DJ01", "GR00"]


@dataclass
class Load:
    """What the writers saw: acknowledged voices (id → ledger number) and any other answer."""

    acked: dict[int, str] = field(default_factory=dict)
    refused: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    stop: threading.Event = field(default_factory=threading.Event)


@pytest.fixture(params=ENGINES)
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, World]]:
    """A fresh database of each engine with the test organisation and its tokens."""
    with second_database(request.param, tmp_path, "crash") as url:
        engine = make_engine(url)
        Base.metadata.create_all(engine)
        world = build_world(engine)
        engine.dispose()
        yield url, world


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _serve(url: str, workdir: Path, log_name: str) -> tuple[subprocess.Popen[bytes], str]:
    """Start ``minwon serve`` on a free loopback port; return it once it answers."""
    port = _free_port()
    env = {**os.environ, "MINWON_DATABASE_URL": url, "MINWON_SECRET_KEY": "crash-test-" + "k" * 40}
    with (workdir / log_name).open("wb") as log:
        proc = subprocess.Popen(
            [MINWON, "serve", "--port", str(port)], env=env, cwd=workdir, stdout=log, stderr=log
        )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        assert proc.poll() is None, (workdir / log_name).read_text()
        try:
            httpx.get(base + "/openapi.json", timeout=2, trust_env=False)
            return proc, base
        except httpx.TransportError:
            time.sleep(0.2)
    proc.kill()
    raise AssertionError(f"minwon serve did not start: {(workdir / log_name).read_text()}")


def _writer(base: str, world: World, unit: str, load: Load) -> None:
    login = "dj_officer" if unit.startswith("DJ") else "gr_officer"
    with httpx.Client(base_url=base, timeout=60, trust_env=False) as client:
        while not load.stop.is_set():
            try:
                r = client.post(
                    "/api/v1/voices", json=voice_json(unit=unit), headers=world.auth(login)
                )
            except httpx.TransportError:
                return
            with load.lock:
                if r.status_code == 201:
                    load.acked[r.json()["id"]] = r.json()["ledger_no"]
                else:
                    load.refused.append(f"{r.status_code} {r.text[:200]}")


def _load_then_kill(proc: subprocess.Popen[bytes], base: str, world: World) -> Load:
    """Run the writers; SIGKILL the server after LOAD_SECONDS of acknowledged intake."""
    load = Load()
    threads = [
        threading.Thread(target=_writer, args=(base, world, unit, load)) for unit in WRITER_UNITS
    ]
    for t in threads:
        t.start()
    deadline = time.monotonic() + 90
    while not load.acked and time.monotonic() < deadline and not load.refused:
        time.sleep(0.05)
    time.sleep(LOAD_SECONDS)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    load.stop.set()
    for t in threads:
        t.join(timeout=90)
    return load


def test_sigkill_under_concurrent_intake_loses_no_acknowledged_voice(
    database: tuple[str, World], tmp_path: Path
) -> None:
    url, world = database
    proc, base = _serve(url, tmp_path, "serve-1.log")
    try:
        load = _load_then_kill(proc, base, world)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert load.refused == []
    assert len(load.acked) > WRITERS, "too few voices were acknowledged to prove anything"

    proc, base = _serve(url, tmp_path, "serve-2.log")
    try:
        engine = make_engine(url)
        with engine.connect() as conn:
            stored = dict(conn.execute(select(Voice.id, Voice.ledger_no)).all())
        assert {i: stored.get(i) for i in load.acked} == load.acked
        assert ledger_problems(engine) == []
        with httpx.Client(base_url=base, timeout=60, trust_env=False) as client:
            some = sorted(load.acked)[:: max(1, len(load.acked) // 20)]
            for voice_id in some:
                r = client.get(f"/api/v1/voices/{voice_id}", headers=world.auth("admin"))
                assert r.status_code == 200 and r.json()["ledger_no"] == load.acked[voice_id]
            after = client.post(
                "/api/v1/voices", json=voice_json(unit="GR01"), headers=world.auth("gr_officer")
            )
        assert after.status_code == 201, after.text
        head, seq = after.json()["ledger_no"].rsplit("-", 1)
        taken = [n for n in stored.values() if n.startswith(head + "-")]
        assert int(seq) == len(taken) + 1
        assert ledger_problems(engine) == []
        engine.dispose()
    finally:
        proc.kill()
        proc.wait(timeout=30)
