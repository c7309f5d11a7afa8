"""Two overlapping ledger files imported at the same moment: the rows they share are recorded
once, whichever way the two imports interleave, and the file refused says why and what to do."""

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from factories import World, build_world
from sqlalchemy import Engine, func, select

from minwon import db as db_module
from minwon.db import session_factory
from minwon.org import service as org_service
from minwon.org.roles import Principal
from minwon.voices import import_load, importer
from minwon.voices.import_report import ImportReport
from minwon.voices.models import Voice, VoiceImport, VoiceImportRow
from minwon.web.error_texts import in_language

HEAD = "접수일시,종류,경로,제목,내용,부서\n"
ROW = "2026-03-0{day} 10:00,불만,전화,{title},{body},GR01\n".format
JANUARY_TO_MARCH = ROW(day=1, title="가로등", body="꺼짐") + ROW(day=2, title="신호등", body="고장")
MARCH_TO_MAY = ROW(day=2, title="신호등", body="고장") + ROW(day=3, title="보도블록", body="깨짐")


@pytest.fixture
def world(engine: Engine) -> World:
    return build_world(engine)


@pytest.fixture(autouse=True)
def _no_pause(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(db_module, "WRITER_GAP", 0.0)


def _cs(engine: Engine) -> Principal:
    with session_factory(engine)() as db:
        return org_service.principal_for(org_service.staff_by_login(db_session=db, login="gr_cs"))


def _import(engine: Engine, tmp_path: Path, name: str, rows: str, **kw: Any) -> ImportReport:
    path = tmp_path / name
    path.write_text(HEAD + rows, encoding="utf-8")
    return importer.import_file(engine=engine, path=path, principal=_cs(engine), **kw)


def _titles(engine: Engine) -> list[str]:
    with session_factory(engine)() as db:
        return sorted(db.scalars(select(Voice.title)))


def _staged(engine: Engine) -> int:
    with session_factory(engine)() as db:
        return db.scalar(select(func.count()).select_from(VoiceImportRow)) or 0


def _before_first(
    monkeypatch: pytest.MonkeyPatch, name: str, other: Callable[[], ImportReport]
) -> list[ImportReport]:
    """Run ``other`` (a whole second import) once, just before the first call of
    ``import_load.<name>``; its report is kept in the returned list."""
    real = getattr(import_load, name)
    done: list[ImportReport] = []
    started: list[bool] = []

    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if not started:
            started.append(True)
            done.append(other())
        return real(*args, **kwargs)

    monkeypatch.setattr(import_load, name, wrapped)
    return done


def test_a_file_checked_while_another_loaded_its_rows_is_refused_and_saves_nothing(
    engine: Engine, world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The March-May file is checked before the January-March file reaches the ledger, and
    reserves after it: its check could not see March 2nd, so it is refused whole."""
    second = _before_first(
        monkeypatch, "reserve", lambda: _import(engine, tmp_path, "1-3월.csv", JANUARY_TO_MARCH)
    )
    first = _import(engine, tmp_path, "3-5월.csv", MARCH_TO_MAY)
    assert second[0].ok and second[0].voices_created == 2, second[0].format()
    assert not first.ok and first.voices_created == 0
    message = first.format()
    assert f"다른 가져오기(#{second[0].import_id})에 이 파일의 행 1개가 함께 있어" in message
    assert "이 파일을 다시 가져오면 이미 장부에 있는 행은 건너뜁니다" in message
    assert _titles(engine) == ["가로등", "신호등"] and _staged(engine) == 0
    with session_factory(engine)() as db:
        assert db.get_one(VoiceImport, first.import_id).state == "failed"
    again = _import(engine, tmp_path, "3-5월.csv", MARCH_TO_MAY)
    assert again.ok and again.voices_created == 1 and len(again.skipped) == 1, again.format()
    assert _titles(engine) == ["가로등", "보도블록", "신호등"]


def test_a_file_that_reserves_while_another_still_loads_the_same_rows_is_refused(
    engine: Engine, world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The January-March import has reserved and not yet loaded a row when the March-May
    import reserves: the row is still staged, and the second import is refused."""
    second = _before_first(
        monkeypatch, "load", lambda: _import(engine, tmp_path, "3-5월.csv", MARCH_TO_MAY)
    )
    first = _import(engine, tmp_path, "1-3월.csv", JANUARY_TO_MARCH)
    assert first.ok and first.voices_created == 2, first.format()
    assert not second[0].ok and second[0].voices_created == 0
    assert f"다른 가져오기(#{first.import_id})에 이 파일의 행 1개가" in second[0].format()
    assert _titles(engine) == ["가로등", "신호등"]


def test_files_that_share_no_row_load_side_by_side(
    engine: Engine, world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    april = ROW(day=4, title="소음", body="공사 소음")
    second = _before_first(
        monkeypatch, "reserve", lambda: _import(engine, tmp_path, "4월.csv", april)
    )
    first = _import(engine, tmp_path, "1-3월.csv", JANUARY_TO_MARCH)
    assert first.ok and second[0].ok, first.format() + second[0].format()
    assert _titles(engine) == ["가로등", "소음", "신호등"]


def test_a_file_imported_again_on_purpose_keeps_every_row(
    engine: Engine, world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``again`` imports every row as written, whatever else is being imported."""
    second = _before_first(
        monkeypatch, "reserve", lambda: _import(engine, tmp_path, "1-3월.csv", JANUARY_TO_MARCH)
    )
    first = _import(engine, tmp_path, "3-5월.csv", MARCH_TO_MAY, again=True)
    assert first.ok and second[0].ok and first.voices_created == 2, first.format()
    assert _titles(engine) == ["가로등", "보도블록", "신호등", "신호등"]


def test_the_refusal_reads_in_english_on_an_english_page() -> None:
    korean = (
        "같은 때에 가져온 다른 가져오기(#7, #9)에 이 파일의 행 1,204개가 함께 있어, 같은 민원이 두 "
        "번 들어가지 않도록 아무것도 가져오지 않았습니다. 그 가져오기가 끝난 뒤 이 파일을 다시 "
        "가져오면 이미 장부에 있는 행은 건너뜁니다."
    )
    english = in_language("en", korean)
    assert english.startswith("Another import of the same moment (#7, #9) holds 1,204 rows")


def test_two_overlapping_files_started_together_record_each_voice_once(
    engine: Engine, world: World, tmp_path: Path
) -> None:
    """Really at the same moment, in two threads: however the checks and reservations
    interleave, every voice the two files share is in the ledger once."""
    day = "2026-02-{:02d} {:02d}:{:02d},불만,전화,민원 {},내용 {},GR01\n".format
    rows = [day(1 + i // 600, i // 60 % 10, i % 60, i, i) for i in range(600)]
    files = {"1-3월.csv": "".join(rows[:400]), "3-5월.csv": "".join(rows[200:])}
    barrier = threading.Barrier(2)
    reports: dict[str, ImportReport] = {}

    def run(name: str) -> None:
        barrier.wait()
        reports[name] = _import(engine, tmp_path, name, files[name])

    threads = [threading.Thread(target=run, args=(name,)) for name in files]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    titles = _titles(engine)
    assert len(titles) == len(set(titles)), "a shared row was recorded twice"
    saved = sum(r.voices_created for r in reports.values())
    refused = [r for r in reports.values() if not r.ok]
    assert all("다른 가져오기(#" in r.format() for r in refused)
    assert saved == len(titles) and len(refused) <= 1
    assert len(titles) == (400 if refused else 600)
