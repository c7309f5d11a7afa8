"""`minwon demo` needs no configuration yet never signs cookies with the shipped key: it makes
a random key once, keeps it beside the database (mode 0600) and reuses it."""

import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from minwon import cli
from minwon.config import DEFAULT_SECRET_KEY, Settings, get_settings, secret_key_problem
from minwon.demo import setup
from minwon.demo.secret import SECRET_FILE, demo_secret_key, secret_file_for


def _settings(tmp_path: Path, key: str = DEFAULT_SECRET_KEY) -> Settings:
    return Settings(secret_key=key, database_url=f"sqlite:///{tmp_path}/minwon.db")


def test_key_is_made_once_with_mode_0600_and_reused(tmp_path: Path) -> None:
    first = demo_secret_key(_settings(tmp_path))
    path = tmp_path / SECRET_FILE
    assert path.exists() and stat.S_IMODE(path.stat().st_mode) == 0o600
    assert secret_key_problem(first) is None and first != DEFAULT_SECRET_KEY
    assert demo_secret_key(_settings(tmp_path)) == first
    assert demo_secret_key(_settings(tmp_path, key="")) == first


def test_a_strong_configured_key_is_used_and_no_file_made(tmp_path: Path) -> None:
    strong = "s" * 40
    assert demo_secret_key(_settings(tmp_path, key=strong)) == strong
    assert not (tmp_path / SECRET_FILE).exists()


def test_a_damaged_key_file_is_replaced(tmp_path: Path) -> None:
    (tmp_path / SECRET_FILE).write_text("short\n")
    key = demo_secret_key(_settings(tmp_path))
    assert secret_key_problem(key) is None
    path = tmp_path / SECRET_FILE
    assert path.read_text().strip() == key and stat.S_IMODE(path.stat().st_mode) == 0o600


def test_file_sits_beside_sqlite_else_in_the_working_directory(tmp_path: Path) -> None:
    assert secret_file_for(f"sqlite:///{tmp_path}/d/m.db") == tmp_path / "d" / SECRET_FILE
    assert secret_file_for("postgresql+psycopg://u@h/db") == Path.cwd() / SECRET_FILE


def test_git_ignores_the_key_file() -> None:
    ignored = (Path(__file__).parents[2] / ".gitignore").read_text().splitlines()
    assert SECRET_FILE in ignored


@pytest.fixture
def unconfigured(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Path]:
    """An environment with no secret key at all, as a fresh checkout running `make demo`."""
    for name in ("MINWON_SECRET_KEY", "MINWON_BASE_URL"):  # recorded, so what demo sets is undone
        monkeypatch.setenv(name, "-")
        monkeypatch.delenv(name)
    monkeypatch.setenv("MINWON_DATABASE_URL", f"sqlite:///{tmp_path}/demo.db")
    monkeypatch.chdir(tmp_path)  # no .env of the developer's
    # load_demo is stubbed below, so there are no tables for the Open311 step or serve's
    # preparation of the database (tested apart)
    monkeypatch.setattr("minwon.demo.open311.load_demo_open311", lambda engine, now: "o311_k")
    monkeypatch.setattr("minwon.startup.require_schema", lambda engine: None)
    get_settings.cache_clear()
    yield tmp_path
    get_settings.cache_clear()


def test_demo_command_serves_with_its_own_key(
    unconfigured: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    served: list[str] = []
    monkeypatch.setattr(setup, "load_demo", lambda **kw: ([], "token"))
    monkeypatch.setattr("uvicorn.run", lambda *a, **kw: served.append(get_settings().secret_key))
    cli.demo(serve_after=True, voices=1, data=None, host="127.0.0.1", port=8000)
    kept = (unconfigured / SECRET_FILE).read_text().strip()
    assert served == [kept]
    cli.demo(serve_after=True, voices=1, data=None, host="127.0.0.1", port=8000)
    assert served == [kept, kept]


def test_demo_prints_and_links_the_address_it_serves(
    unconfigured: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`make demo PORT=8123 HOST=0.0.0.0`: the printed address and the links carry :8123."""
    served: list[tuple[str, int, str]] = []
    monkeypatch.setattr(setup, "load_demo", lambda **kw: ([("admin", "관리자", "관리자")], "t"))
    monkeypatch.setattr(
        "uvicorn.run",
        lambda *a, **kw: served.append((kw["host"], kw["port"], get_settings().base_url)),
    )
    cli.demo(serve_after=True, voices=1, data=None, host="0.0.0.0", port=8123)
    assert served == [("0.0.0.0", 8123, "http://127.0.0.1:8123")]
    out = " ".join(capsys.readouterr().out.split())
    assert "주소: http://127.0.0.1:8123 (직원 로그인: http://127.0.0.1:8123/login" in out
    assert "MINWON_BASE_URL=http://<이 컴퓨터의 주소>:8123" in out
    assert ":8000" not in out
