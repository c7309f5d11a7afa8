"""`minwon import` and `minwon imports` in a terminal: a bar for checking and one for saving,
the report, the recent imports with what the worker analysed, and a bad file's exit status."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from factories import build_world
from sqlalchemy import Engine
from typer.testing import CliRunner

from minwon.cli import app
from minwon.config import get_settings
from minwon.db import get_engine

DATA = Path(__file__).parent / "data"


@pytest.fixture
def runner(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> Iterator[CliRunner]:
    """A command runner on the test database, with the test organisation."""
    build_world(engine)
    monkeypatch.setenv("MINWON_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    get_settings.cache_clear()
    get_engine.cache_clear()
    yield CliRunner()
    get_engine().dispose()
    get_settings.cache_clear()
    get_engine.cache_clear()


def test_import_shows_its_phases_and_imports_follows_the_analysis(runner: CliRunner) -> None:
    done = runner.invoke(app, ["import", str(DATA / "ledger_good_bom.csv"), "--as", "gr_cs"])
    assert done.exit_code == 0, done.output
    assert "행 확인" in done.output and "민원 저장" in done.output
    assert "민원 4건을 가져왔습니다" in done.output and "minwon imports" in done.output
    listed = runner.invoke(app, ["imports", "--as", "gr_cs"])
    assert listed.exit_code == 0, listed.output
    assert "ledger_good_bom.csv" in listed.output and "분석 0/4" in listed.output
    assert runner.invoke(app, ["worker", "--once"]).exit_code == 0
    followed = runner.invoke(app, ["imports", "--follow", "--as", "gr_cs"])
    assert followed.exit_code == 0 and "분석 4/4" in followed.output


def test_a_bad_file_exits_with_its_problems(runner: CliRunner, tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("접수일시,종류,경로,제목,내용\n2026-03-03,불평,전화,제목,내용\n", "utf-8")
    done = runner.invoke(app, ["import", str(bad), "--as", "gr_cs"])
    assert done.exit_code == 1
    assert "알 수 없는 민원 종류" in done.output and "아무것도 저장하지 않았습니다" in done.output
