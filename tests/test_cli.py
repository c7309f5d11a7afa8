"""The ``minwon`` command's guard on the secret key: ``serve`` and ``worker`` refuse the shipped
default, an empty or a short key (exit code 2, a Korean and English message on how to set one)."""

import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import typer
from sqlalchemy import Engine

from minwon import cli
from minwon.config import DEFAULT_SECRET_KEY, get_settings, secret_key_problem

WEAK = {"default": DEFAULT_SECRET_KEY, "empty": "", "blank": "   ", "short": "s" * 31}


@pytest.fixture
def key(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[pytest.MonkeyPatch]:
    """Settings re-read from the environment the test sets (and forgotten afterwards)."""
    monkeypatch.setenv("MINWON_DATABASE_URL", f"sqlite:///{tmp_path}/cli.db")
    monkeypatch.setenv("MINWON_BASE_URL", "-")  # recorded, so what serve sets is undone after
    monkeypatch.delenv("MINWON_BASE_URL")
    # the database is not these tests': serve's check of it is tested in test_startup
    monkeypatch.setattr("minwon.startup.require_schema", lambda engine: None)
    get_settings.cache_clear()
    yield monkeypatch
    get_settings.cache_clear()


def _refused(capsys: pytest.CaptureFixture[str], command) -> str:
    with pytest.raises(typer.Exit) as info:
        command()
    assert info.value.exit_code == 2
    return capsys.readouterr().err


@pytest.mark.parametrize("weak", WEAK.values(), ids=WEAK.keys())
@pytest.mark.parametrize("command", ["serve", "worker"])
def test_serve_and_worker_refuse_a_weak_key(
    key: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], weak: str, command: str
) -> None:
    key.setenv("MINWON_SECRET_KEY", weak)
    started: list[str] = []
    key.setattr("uvicorn.run", lambda *a, **kw: started.append("uvicorn"))
    key.setattr("minwon.outbox.worker.run_forever", lambda **kw: started.append("worker"))
    run = (lambda: cli.serve(workers=1)) if command == "serve" else (lambda: cli.worker(once=False))
    message = " ".join(_refused(capsys, run).split())
    assert "MINWON_SECRET_KEY" in message and "secrets.token_urlsafe(48)" in message
    assert "시작하지 않습니다" in message and "Refusing to start" in message
    assert started == []


def test_serve_starts_with_a_strong_key_and_shows_minwons_log(
    key: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    key.setenv("MINWON_SECRET_KEY", "k" * 32)
    started: list[str] = []

    def run(app: str, **_: object) -> None:
        started.append(app)
        logging.getLogger("minwon.startup").info("restored database: shifted by -%d", 5)

    key.setattr("uvicorn.run", run)
    cli.serve(workers=1)
    assert started == ["minwon.app:serve_app"]
    assert "INFO minwon.startup: restored database: shifted by -5" in capsys.readouterr().err


def test_serve_makes_links_follow_its_port(
    key: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    key.setenv("MINWON_SECRET_KEY", "k" * 32)
    seen: list[str] = []
    key.setattr("uvicorn.run", lambda *a, **kw: seen.append(get_settings().base_url))
    cli.serve(host="127.0.0.1", port=8123, workers=1)
    assert seen == ["http://127.0.0.1:8123"]
    assert "http://127.0.0.1:8123" in capsys.readouterr().out


def test_key_rules() -> None:
    assert secret_key_problem("x" * 32) is None
    for weak in WEAK.values():
        assert secret_key_problem(weak)


def test_the_real_command_exits_with_2(tmp_path: Path) -> None:
    source = str(Path(cli.__file__).parents[1])  # this checkout's code, whatever the cwd
    env = {
        **os.environ,
        "PYTHONPATH": source,
        "MINWON_SECRET_KEY": "",
        "MINWON_DATABASE_URL": f"sqlite:///{tmp_path}/x.db",
    }
    done = subprocess.run(
        [sys.executable, "-c", "from minwon.cli import main; main()", "serve", "--port", "9"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2, done.stderr
    assert "MINWON_SECRET_KEY" in done.stderr and done.stdout == ""


def test_the_demo_runs_the_background_rounds_beside_serving(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What is done in the demo reaches its dashboards: the worker's rounds run in the demo's
    own process (there is no `minwon worker` beside `make demo`)."""
    from datetime import timedelta

    from dbtools import configured, url_of
    from factories import build_world, voice_json
    from fastapi.testclient import TestClient

    from minwon.app import create_app
    from minwon.db import session_factory
    from minwon.reports import dashboard
    from minwon.reports.dashboard import Scope
    from minwon.timeutil import to_kst, utcnow

    world = build_world(engine)
    client = TestClient(create_app(engine=engine))
    made = client.post("/api/v1/voices", json=voice_json(unit="GR01"), headers=world.auth("gr_cs"))
    assert made.status_code == 201
    monkeypatch.setattr(cli, "DEMO_ROUND_SECONDS", 0.2)
    today = to_kst(utcnow()).date()
    scope = Scope(None, today - timedelta(days=1), today)

    def counted() -> int:
        with session_factory(engine)() as db:
            return dashboard.volume(db, scope).received

    assert counted() == 0
    with configured(url_of(engine)):
        stop, thread = cli._background_beside("http://127.0.0.1:8000")
        try:
            for _ in range(200):
                if counted() == 1:
                    break
                stop.wait(0.05)
        finally:
            stop.set()
            thread.join(timeout=30)
    assert not thread.is_alive()
    assert counted() == 1
