"""The ``minwon`` command's answers to a user's mistakes: a clear Korean message and a non-zero
exit code, never a traceback, and nothing written — a database never upgraded, a file to write
in a folder that does not exist, an office, unit, login, month, port or rate limit that is not
one."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from dbtools import configured, second_database, url_of
from factories import World, build_world, voice_json
from fastapi.testclient import TestClient
from sqlalchemy import Engine, inspect, select
from typer.testing import CliRunner, Result

from minwon.app import create_app
from minwon.cli import app
from minwon.db import make_engine, session_factory
from minwon.open311.models import Open311Key

AS_HINT = "(--as 로 다른 아이디를 지정하세요)"


def _run(*args: str) -> Result:
    return CliRunner().invoke(app, list(args))


def _refused(done: Result, code: int, *words: str) -> str:
    """The message of a command that stopped as a user's mistake (no exception of its own)."""
    text = " ".join(done.output.split())
    assert done.exit_code == code, done.output
    assert isinstance(done.exception, SystemExit), done.exception
    assert "Traceback" not in done.output
    for word in words:
        assert word in text
    return text


@pytest.fixture
def org(engine: Engine) -> World:
    """The test organisation (offices GR and DJ, logins as in ``factories.STAFF``)."""
    return build_world(engine)


@pytest.fixture
def world(
    org: World, engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Path]:
    """The test organisation in the database the command is pointed at; the working folder is
    an empty one of the test's (it is returned)."""
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    with configured(url_of(engine)):
        yield work


# --- a database never upgraded ---------------------------------------------------------------

NEEDS_SCHEMA = [
    ["export", "x.xlsx"],
    ["token", "admin"],
    ["imports"],
    ["import", "IMPORT_FILE"],
    ["report", "--month", "2026-10"],
    ["analysis", "train"],
    ["analysis", "surges"],
    ["analysis", "reindex"],
    ["rollups", "update"],
    ["rollups", "rebuild"],
    ["org", "load", "IMPORT_FILE"],
    ["org", "totp-reset", "x"],
    ["open311", "keys"],
    ["open311", "issue-key", "앱", "--office", "GR"],
    ["open311", "revoke-key", "1"],
    ["open311", "services"],
]


@pytest.fixture
def empty(engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A new database of the engine under test that ``minwon db upgrade`` never ran on."""
    monkeypatch.chdir(tmp_path)
    with second_database(engine.dialect.name, tmp_path, "never_upgraded") as url:
        with configured(url):
            yield url


def _tables(url: str) -> list[str]:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return inspect(conn).get_table_names()
    finally:
        engine.dispose()


@pytest.mark.parametrize("args", NEEDS_SCHEMA, ids=[" ".join(a[:2]) for a in NEEDS_SCHEMA])
def test_a_database_never_upgraded_is_named_not_a_traceback(
    empty: str, tmp_path: Path, args: list[str]
) -> None:
    file = tmp_path / "file.csv"
    file.write_text("접수일시,종류,경로,제목,내용\n", encoding="utf-8")
    done = _run(*[str(file) if a == "IMPORT_FILE" else a for a in args])
    _refused(done, 2, "minwon db upgrade")
    assert _tables(empty) == []
    assert not (tmp_path / "x.xlsx").exists()


def test_commands_without_the_database_still_run_on_one_never_upgraded(
    empty: str, tmp_path: Path
) -> None:
    for args in (
        ["--help"],
        ["export", "--help"],
        ["analysis", "--help"],
        ["analysis", "train", "--help"],
        ["open311", "keys", "--help"],
    ):
        shown = _run(*args)
        assert shown.exit_code == 0 and "Usage" in shown.output, (args, shown.output)
    bad = tmp_path / "bad.jsonl"
    bad.write_text("not json\n", encoding="utf-8")
    evaluated = _run("analysis", "eval", str(bad))  # reads only the file
    assert "db upgrade" not in evaluated.output
    assert isinstance(evaluated.exception, SystemExit), evaluated.exception
    upgraded = _run("db", "upgrade")
    assert upgraded.exit_code == 0, upgraded.output
    assert "staff" in _tables(empty)
    assert _run("imports").exit_code == 1  # the schema is there now: no login admin yet


# --- files to write --------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["out.csv", "out.xlsx"])
def test_export_into_a_folder_that_does_not_exist(world: Path, name: str) -> None:
    target = world / "nowhere" / name
    _refused(_run("export", str(target)), 1, f"폴더 {target.parent}이(가) 없습니다")
    assert not target.parent.exists()


def test_export_onto_a_folder(world: Path) -> None:
    folder = world / "folder.csv"
    folder.mkdir()
    _refused(_run("export", str(folder)), 1, f"{folder}은(는) 폴더입니다")
    assert list(folder.iterdir()) == []


def test_report_output_into_a_missing_folder_or_onto_a_folder(world: Path) -> None:
    missing = world / "nowhere" / "x.pdf"
    args = ["report", "--month", "2026-10", "--office", "GR", "--as", "gr_cs", "--output"]
    _refused(_run(*args, str(missing)), 1, f"폴더 {missing.parent}이(가) 없습니다")
    folder = world / "reports"
    folder.mkdir()
    _refused(_run(*args, str(folder)), 1, f"{folder}은(는) 폴더입니다")
    assert list(world.iterdir()) == [folder] and list(folder.iterdir()) == []


def test_eval_markdown_into_a_missing_folder_is_refused_before_the_evaluation(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    read: list[Path] = []
    monkeypatch.setattr("minwon.analysis.evaluation.load_items", lambda f, *a: read.append(f))
    target = tmp_path / "nowhere" / "eval.md"
    history = tmp_path / "history.jsonl"
    history.write_text("{}\n", encoding="utf-8")
    done = _run("analysis", "eval", str(history), "--markdown", str(target))
    _refused(done, 1, f"폴더 {target.parent}이(가) 없습니다")
    assert read == []


@pytest.mark.parametrize("port", ["99999", "0", "-1"])
def test_serve_and_demo_refuse_a_port_that_is_none(
    monkeypatch: pytest.MonkeyPatch, port: str
) -> None:
    started: list[str] = []
    monkeypatch.setattr("uvicorn.run", lambda *a, **kw: started.append("uvicorn"))
    monkeypatch.setattr("minwon.demo.setup.load_demo", lambda **kw: started.append("demo"))
    for command in ("serve", "demo"):
        _refused(_run(command, "--port", port), 2, "포트는 1부터 65535 사이의 수", port)
    assert started == []


# --- what to export --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("option", "message"),
    [
        (["--office", "ZZ"], "기관을 찾을 수 없습니다: ZZ"),
        (["--unit", "ZZ"], "부서를 찾을 수 없습니다: ZZ"),
        (["--office", "DJ", "--as", "gr_cs"], "기관을 찾을 수 없습니다: DJ"),  # not theirs
        (["--unit", "DJ01", "--as", "gr_cs"], "부서를 찾을 수 없습니다: DJ01"),
        (["--office", "GR", "--unit", "DJ01"], "부서를 찾을 수 없습니다: DJ01"),
    ],
)
def test_export_refuses_an_office_or_unit_that_is_none(
    world: Path, option: list[str], message: str
) -> None:
    _refused(_run("export", "out.csv", *option), 1, message)
    assert list(world.iterdir()) == []


def test_export_takes_an_office_by_name_and_a_unit_by_code_or_name(
    world: Path, org: World, engine: Engine
) -> None:
    client = TestClient(create_app(engine=engine))
    for unit, login in (("GR01", "gr_cs"), ("DJ01", "dj_lead")):
        filed = client.post("/api/v1/voices", json=voice_json(unit=unit), headers=org.auth(login))
        assert filed.status_code == 201, filed.text
    for option, rows in (
        ([], 2),
        (["--office", "구로경찰서"], 1),
        (["--unit", "구로지구대", "--as", "gr_cs"], 1),
        (["--office", "DJ", "--unit", "DJ01"], 1),
        (["--unit", "GR02"], 0),
    ):
        done = _run("export", "out.csv", *option)
        assert done.exit_code == 0, done.output
        assert f"out.csv에 {rows}건을 썼습니다" in done.output, option


@pytest.mark.parametrize("name", ["out.txt", "out", "out.xlsx.bak"])
def test_export_refuses_a_name_neither_xlsx_nor_csv(world: Path, name: str) -> None:
    _refused(_run("export", name), 2, ".xlsx", ".csv", name)
    assert list(world.iterdir()) == []


# --- the month of a report -------------------------------------------------------------------


def test_a_month_before_2000_is_named_as_such(world: Path) -> None:
    early = _refused(_run("report", "--month", "1999-01"), 1, "연도는 2000년 이후", "1999-01")
    assert "형식" not in early
    _refused(_run("report", "--month", "2026-13"), 1, "YYYY-MM 형식")
    assert list(world.iterdir()) == []


# --- a rate limit ----------------------------------------------------------------------------


def test_a_rate_limit_that_is_none_gets_a_korean_message(world: Path, engine: Engine) -> None:
    done = _run("open311", "issue-key", "test", "--office", "GR", "--rate-limit", "lots")
    text = _refused(done, 2, "--rate-limit", "60/hour", "'lots'")
    assert "('rate_limit',)" not in text and "Value error" not in text
    with session_factory(engine)() as db:
        assert db.scalars(select(Open311Key)).all() == []


# --- whom a command acts as ------------------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        ["report", "--month", "2026-10"],
        ["export", "out.csv"],
        ["imports"],
        ["import", "IMPORT_FILE"],
        ["open311", "keys"],
        ["open311", "services"],
        ["open311", "issue-key", "앱", "--office", "GR"],
        ["open311", "revoke-key", "1"],
    ],
    ids=lambda a: " ".join(a[:2]),
)
def test_an_unknown_login_is_named_with_the_option_to_change_it(
    world: Path, tmp_path: Path, args: list[str]
) -> None:
    file = tmp_path / "file.csv"
    file.write_text("접수일시,종류,경로,제목,내용\n", encoding="utf-8")
    args = [str(file) if a == "IMPORT_FILE" else a for a in args]
    _refused(_run(*args, "--as", "nobody"), 1, f"직원을 찾을 수 없습니다: nobody {AS_HINT}")
    assert list(world.iterdir()) == []
