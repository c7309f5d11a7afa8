"""The ``minwon backup`` and ``minwon restore`` commands as an operator meets them: messages, not
tracebacks; a restore over data asks first and needs --force."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from factories import build_world
from typer.testing import CliRunner

from minwon import migrate
from minwon.backup.service import database_content
from minwon.db import make_engine

MINWON = str(Path(sys.executable).parent / "minwon")


@pytest.fixture
def live(tmp_path: Path) -> str:
    """A migrated SQLite database with the test organisation in it."""
    url = f"sqlite:///{tmp_path / 'live.db'}"
    migrate.upgrade(url)
    engine = make_engine(url)
    build_world(engine)
    engine.dispose()
    return url


def _minwon(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "MINWON_DATABASE_URL": url, "COLUMNS": "200"}
    return subprocess.run(
        [MINWON, *args], env=env, capture_output=True, text=True, stdin=subprocess.DEVNULL
    )


def test_backup_then_restore_through_the_commands(live: str, tmp_path: Path) -> None:
    file = tmp_path / "nightly.backup"
    made = _minwon(live, "backup", str(file))
    assert made.returncode == 0, made.stderr
    assert "백업을 만들었습니다" in made.stdout and "SQLite" in made.stdout and file.is_file()

    again = _minwon(live, "backup", str(file))
    assert again.returncode == 1
    assert "이미 있습니다" in again.stderr and "already exists" in again.stderr
    assert "Traceback" not in again.stderr

    refused = _minwon(live, "restore", str(file))
    assert refused.returncode == 1 and "Traceback" not in refused.stderr
    assert "비어 있지 않습니다" in refused.stderr and "--force" in refused.stderr
    assert "not empty (0 voices, 10 staff" in refused.stderr

    fresh = f"sqlite:///{tmp_path / 'fresh.db'}"
    restored = _minwon(fresh, "restore", str(file))
    assert restored.returncode == 0, restored.stderr
    assert "복원했습니다" in restored.stdout
    assert database_content(url=fresh).rows == database_content(url=live).rows

    forced = _minwon(fresh, "restore", "--force", str(file))
    assert forced.returncode == 0, forced.stderr
    assert "모두 지워지고 백업 시점의 내용으로 바뀝니다" in forced.stdout


def test_restore_asks_on_a_terminal_and_no_keeps_the_database(
    live: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from minwon import cli
    from minwon.backup import cli as backup_cli
    from minwon.config import get_settings

    file = tmp_path / "b"
    assert _minwon(live, "backup", str(file)).returncode == 0
    target = f"sqlite:///{tmp_path / 'target.db'}"
    assert _minwon(target, "restore", str(file)).returncode == 0
    make_engine(target).dispose()
    before = database_content(url=target)
    monkeypatch.setenv("MINWON_DATABASE_URL", target)
    monkeypatch.setattr(backup_cli, "_interactive", lambda: True)
    get_settings.cache_clear()
    try:
        answered_no = CliRunner().invoke(cli.app, ["restore", "--force", str(file)], input="n\n")
    finally:
        get_settings.cache_clear()
    assert answered_no.exit_code == 1
    assert "덮어쓸까요?" in answered_no.output and "복원했습니다" not in answered_no.output
    assert database_content(url=target) == before


def test_a_file_that_is_no_backup_gets_a_message(live: str, tmp_path: Path) -> None:
    junk = tmp_path / "junk.bin"
    junk.write_bytes(b"\x00\x01 not a database")
    done = _minwon(live, "restore", str(junk))
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert "minwon 백업 파일이 아닙니다" in done.stderr and "is not a minwon backup" in done.stderr
