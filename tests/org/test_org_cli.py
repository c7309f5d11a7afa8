"""``minwon org load``: a good file loads and is reported line by line; a bad one exits with
code 1, names every problem and changes nothing."""

from pathlib import Path

from dbtools import configured, url_of
from org.test_org_loader import SMALL, _counts
from sqlalchemy import Engine
from typer.testing import CliRunner

from minwon.cli import app


def test_the_command_loads_a_file_and_reports_what_it_did(engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "org.yaml"
    path.write_text(SMALL, encoding="utf-8")
    with configured(url_of(engine)):
        done = CliRunner().invoke(app, ["org", "load", str(path)])
    assert done.exit_code == 0, done.output
    assert _counts(engine)["Office"] >= 1 and _counts(engine)["Staff"] >= 1


def test_a_bad_file_exits_naming_its_problems_and_changes_nothing(
    engine: Engine, tmp_path: Path
) -> None:
    path = tmp_path / "org.yaml"
    path.write_text("organization: [unclosed\n", encoding="utf-8")
    before = _counts(engine)
    with configured(url_of(engine)):
        refused = CliRunner().invoke(app, ["org", "load", str(path)])
    assert refused.exit_code == 1
    assert "불러오지 못했습니다" in refused.output
    assert _counts(engine) == before
