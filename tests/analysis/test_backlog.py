"""The analysis of imported voices, made by the worker after the import: the same masked text,
tone and words intake stores (masking first, so no personal data reaches the analysis), marks
across the imported voices, and a voice never stored twice."""

from pathlib import Path

import pytest
from factories import World, build_world, voice_json
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select

from minwon.analysis import backlog
from minwon.analysis.models import AnalysisBacklog, VoiceAnalysis
from minwon.app import create_app
from minwon.db import session_factory, write_session
from minwon.org import service as org_service
from minwon.timeutil import utcnow
from minwon.voices.importer import import_file
from minwon.voices.models import Voice

HEAD = "접수일시,종류,경로,제목,내용,부서,성명,전화,이메일\n"
BODY = "밤마다 골목에서 폭행 사건이 일어나 너무 무섭습니다. 연락처 010-1234-5678, 홍길동"


@pytest.fixture
def world(engine: Engine) -> World:
    return build_world(engine)


def _import(engine: Engine, tmp_path: Path, rows: list[str]) -> list[int]:
    path = tmp_path / "ledger.csv"
    path.write_text(HEAD + "".join(rows), encoding="utf-8")
    with session_factory(engine)() as db:
        cs = org_service.principal_for(org_service.staff_by_login(db_session=db, login="gr_cs"))
    report = import_file(engine=engine, path=path, principal=cs)
    assert report.ok, report.format()
    with session_factory(engine)() as db:
        return list(db.scalars(select(Voice.id).order_by(Voice.id)))


def _day(i: int = 0) -> str:
    return f"{utcnow().year - 1}-05-{1 + i:02d} 10:00"


def _analysis(engine: Engine, voice_id: int) -> VoiceAnalysis:
    with session_factory(engine)() as db:
        return db.get_one(VoiceAnalysis, voice_id)


def test_catching_up_stores_what_intake_stores_from_masked_text(
    engine: Engine, world: World, tmp_path: Path
) -> None:
    row = f'{_day()},불만,전화,골목 폭행,"{BODY}",GR01,홍길동,010-1234-5678,\n'
    (imported,) = _import(engine, tmp_path, [row])
    with session_factory(engine)() as db:
        assert db.get(VoiceAnalysis, imported) is None  # nothing read during the import
    assert backlog.catch_up(engine) == 1
    client = TestClient(create_app(engine=engine))
    contact = {"name": "홍길동", "phone": "010-1234-5678"}
    live = client.post(
        "/api/v1/voices",
        json=voice_json(title="골목 폭행", body=BODY, unit="GR01", contact=contact),
        headers=world.auth("gr_officer"),
    ).json()
    mine, theirs = _analysis(engine, imported), _analysis(engine, live["id"])
    assert "010-1234-5678" not in mine.masked_text and "홍길동" not in mine.masked_text
    assert "010" not in mine.tokens and "홍길동" not in mine.tokens
    for name in ("masked_text", "pii_kinds", "tokens", "terms", "urgent", "tone_label", "anger"):
        assert getattr(mine, name) == getattr(theirs, name), name
    assert mine.citizen_key == theirs.citizen_key is not None
    assert (mine.auto_routed, mine.needs_triage) == (False, False)


def test_a_citizen_raising_one_matter_three_times_is_a_repeat(
    engine: Engine, world: World, tmp_path: Path
) -> None:
    text = "아파트 앞 도로에 불법 주차 차량이 많아 아이들 통학길이 위험합니다 단속 부탁드립니다"
    rows = [f"{_day(i)},불만,전화,불법 주차,{text},GR01,,010-5555-0000,\n" for i in range(3)]
    ids = _import(engine, tmp_path, rows)
    assert backlog.catch_up(engine, batch=2) == 3
    assert [_analysis(engine, i).repeat_count for i in ids] == [0, 1, 2]


def test_a_voice_analysed_meanwhile_is_not_stored_twice(
    engine: Engine, world: World, tmp_path: Path
) -> None:
    text = "밤마다 공사 소음이 심합니다"
    rows = [f"{_day(i)},불만,전화,소음 {i},{text} {i},GR01,,,\n" for i in range(3)]
    first, *rest = _import(engine, tmp_path, rows)
    with session_factory(engine)() as db:
        queued = db.scalars(select(AnalysisBacklog).order_by(AnalysisBacklog.voice_id)).all()
        assert [q.voice_id for q in queued] == [first, *rest]
    with write_session(engine) as db:  # another worker stored the first one already
        db.add(VoiceAnalysis(voice_id=first, office_id=1, masked_text="먼저 분석됨"))
    assert backlog.catch_up(engine) == 3
    with session_factory(engine)() as db:
        assert db.scalar(select(func.count()).select_from(AnalysisBacklog)) == 0
        assert db.scalar(select(func.count()).select_from(VoiceAnalysis)) == 3
    assert _analysis(engine, first).masked_text == "먼저 분석됨"
    assert backlog.catch_up(engine) == 0
