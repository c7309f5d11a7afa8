"""``minwon serve --workers N`` forks its workers from a parent that has loaded the Korean
model: a forked worker analyses text with the parent's model (and never waits on a thread pool
that did not survive the fork), and a real server with two workers takes voices and stops
cleanly."""

import json
import os
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from factories import build_world, voice_json

from minwon.analysis import tokenize
from minwon.db import Base, make_engine

TEXTS = [
    f"구로{i}동 골목 가로등이 고장 나서 밤길이 너무 어둡습니다. 순찰을 늘려 주세요."
    for i in range(12)
]


def _threads() -> set[str]:
    return set(os.listdir("/proc/self/task"))


def _in_forked_child(work, timeout: float = 120.0):
    """Run ``work()`` in a forked child; its JSON result, or a failure if it hangs."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: answer, and leave without running the parent's cleanup
        try:
            os.write(write, json.dumps(work()).encode())
        finally:
            os._exit(0)
    os.close(write)
    try:
        ready, _, _ = select.select([read], [], [], timeout)
        if not ready:
            os.kill(pid, signal.SIGKILL)
            pytest.fail(f"the forked worker did not answer within {timeout:.0f} s")
        chunks = []
        while chunk := os.read(read, 65536):
            chunks.append(chunk)
        return json.loads(b"".join(chunks))
    finally:
        os.close(read)
        os.waitpid(pid, 0)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_a_forked_worker_analyses_with_the_model_its_parent_loaded(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(tokenize, "_kiwi", None)
    threads = _threads()
    kiwi = tokenize.preload()
    assert _threads() - threads == set()  # no new thread (pool): nothing a fork would lose
    assert tokenize.preload() is kiwi  # loaded once
    expected = tokenize.tokenize_many(TEXTS)
    assert {"골목", "가로등", "순찰"} <= set(expected[0])
    got = _in_forked_child(
        lambda: {"many": tokenize.tokenize_many(TEXTS), "one": tokenize.content_tokens(TEXTS[1])}
    )
    assert got == {"many": expected, "one": expected[1]}


def _start(tmp_path: Path, url: str) -> tuple[subprocess.Popen[bytes], str]:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {**os.environ, "MINWON_DATABASE_URL": url}
    cmd = [str(Path(sys.executable).with_name("minwon")), "serve", "--workers", "2"]
    log = (tmp_path / "serve.log").open("wb")
    proc = subprocess.Popen([*cmd, "--port", str(port)], env=env, stdout=log, stderr=log)
    return proc, f"http://127.0.0.1:{port}"


def _wait(proc: subprocess.Popen[bytes], base: str, log: Path) -> None:
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        assert proc.poll() is None, log.read_text()
        try:
            if httpx.get(base + "/login", timeout=5).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.5)
    pytest.fail("the server did not answer within 240 s:\n" + log.read_text())


def _children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(stat.parent.name))
        except (OSError, ValueError):
            continue
    return found


@pytest.mark.skipif(sys.platform != "linux", reason="reads /proc")
def test_serve_with_two_workers_takes_voices_and_stops_cleanly(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/serve.db"
    engine = make_engine(url)
    Base.metadata.create_all(engine)
    world = build_world(engine)
    engine.dispose()
    proc, base = _start(tmp_path, url)
    try:
        _wait(proc, base, tmp_path / "serve.log")
        assert len(_children(proc.pid)) == 2
        with httpx.Client(base_url=base, headers=world.auth("gr_officer"), timeout=60) as client:
            for text in TEXTS[:6]:
                body = voice_json(title=text[:20], body=text, unit="GR01")
                created = client.post("/api/v1/voices", json=body)
                assert created.status_code == 201, created.text
            analysed = client.get(f"/api/v1/voices/{created.json()['id']}/analysis")
            assert analysed.status_code == 200, analysed.text
    finally:
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(timeout=60)
    assert code == 0, (tmp_path / "serve.log").read_text()
