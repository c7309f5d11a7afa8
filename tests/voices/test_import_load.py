"""How an import reaches the ledger without holding it: numbers reserved as one block per unit
and year, short batches that intake can come between, a load a crash interrupted finished by the
worker without a gap, nothing left behind by a bad file, no mail and no survey invitation for an
imported voice, and its progress visible from checking to the last analysis."""

import threading
from collections import defaultdict
from datetime import timedelta
from pathlib import Path

import pytest
from factories import World, build_world
from sqlalchemy import Engine, func, select
from sqlalchemy.exc import OperationalError

from minwon import background
from minwon import db as db_module
from minwon.analysis import backlog
from minwon.db import session_factory, write_session
from minwon.org import service as org_service
from minwon.org.roles import Principal
from minwon.outbox.models import OutboxMessage
from minwon.reports import rollups
from minwon.reports.models import VoiceDay as RollupVoiceDay
from minwon.surveys import templates as survey_templates
from minwon.surveys.models import SurveyInvitation
from minwon.timeutil import utcnow
from minwon.voices import import_jobs, import_load, importer, service, workflow
from minwon.voices.models import LedgerCounter, Voice, VoiceImport, VoiceImportRow
from minwon.voices.schemas import VoiceCreate

HEAD = "접수일시,종류,경로,제목,내용,부서,상태,답변,답변일시,성명,전화,이메일,동의\n"


@pytest.fixture
def world(engine: Engine) -> World:
    return build_world(engine)


@pytest.fixture(autouse=True)
def _no_pause(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests need not leave room for other processes between batches."""
    monkeypatch.setattr(db_module, "WRITER_GAP", 0.0)


def _principal(engine: Engine, login: str) -> Principal:
    with session_factory(engine)() as db:
        return org_service.principal_for(org_service.staff_by_login(db_session=db, login=login))


def _rows(n: int, unit: str = "GR01", year: int | None = None, answered: bool = True) -> str:
    """``n`` rows of ``year`` (default: last year); this year's fall on 1 January, so that
    none is in the future whatever day the tests run on."""
    year = year or utcnow().year - 1
    lines = []
    for i in range(n):
        if year == utcnow().year:
            day, at = f"{year}-01-01", f"0{i // 60 % 10}:{i % 60:02d}"
        else:
            day, at = f"{year}-{1 + i % 12:02d}-{1 + i % 27:02d}", "10:00"
        outcome = f"답변 완료,조치했습니다,{day} 18:00" if answered else "접수,,"
        lines.append(
            f"{day} {at},불만,전화,가로등 {i},골목 가로등 {i}번이 꺼졌습니다,{unit},{outcome},"
            f"홍길동,010-1234-{i % 10000:04d},citizen{i}@example.kr,Y\n"
        )
    return "".join(lines)


def _file(tmp_path: Path, body: str, name: str = "ledger.csv") -> Path:
    path = tmp_path / name
    path.write_text(HEAD + body, encoding="utf-8-sig")
    return path


def _numbers(engine: Engine) -> dict[tuple[int, int], list[int]]:
    with session_factory(engine)() as db:
        rows = db.execute(select(Voice.unit_id, Voice.ledger_year, Voice.ledger_seq)).all()
    found: dict[tuple[int, int], list[int]] = defaultdict(list)
    for unit_id, year, seq in rows:
        found[(unit_id, year)].append(seq)
    return {key: sorted(seqs) for key, seqs in found.items()}


def _gap_free(engine: Engine) -> None:
    numbers = _numbers(engine)
    with session_factory(engine)() as db:
        counters = {(c.unit_id, c.year): c.last for c in db.scalars(select(LedgerCounter))}
    for key, seqs in numbers.items():
        assert seqs == list(range(1, len(seqs) + 1)), key
        assert counters[key] == len(seqs), key


def _count(engine: Engine, model: type) -> int:
    with session_factory(engine)() as db:
        return db.scalar(select(func.count()).select_from(model)) or 0


def _intake(engine: Engine, who: Principal, title: str = "실시간 민원") -> Voice:
    voice_in = VoiceCreate(kind="complaint", channel="phone", title=title, body="내용", unit="GR01")
    with write_session(engine) as db:
        voice, _ = service.create(db_session=db, voice_in=voice_in, principal=who)
    return voice


def test_numbers_are_taken_as_one_block_and_intake_numbers_after_it(
    engine: Engine, world: World, tmp_path: Path
) -> None:
    cs = _principal(engine, "gr_cs")
    this_year = utcnow().year
    before = _intake(engine, cs)
    body = _rows(5, year=this_year - 1) + _rows(4, unit="GR02", year=this_year - 1)
    path = _file(tmp_path, body + _rows(3, year=this_year))
    report = importer.import_file(engine=engine, path=path, principal=cs)
    assert report.ok, report.format()
    after = _intake(engine, cs)
    assert before.ledger_seq == 1 and after.ledger_seq == 5  # the file's 3 rows took 2..4
    with session_factory(engine)() as db:
        imported = db.scalars(select(Voice).where(Voice.id > before.id).order_by(Voice.id)).all()
        assert [v.ledger_no for v in imported][:2] == [
            f"GR01-{this_year - 1}-000001",
            f"GR01-{this_year - 1}-000002",
        ]
        plan = db.scalars(select(VoiceImport)).one().plan
    assert sorted((p["unit"], p["year"], p["first"]) for p in plan) == [
        ("GR01", this_year - 1, 1),
        ("GR01", this_year, 2),
        ("GR02", this_year - 1, 1),
    ]
    _gap_free(engine)
    assert _count(engine, VoiceImportRow) == 0


def test_a_load_a_crash_interrupted_is_finished_by_the_worker_without_a_gap(
    engine: Engine, world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cs = _principal(engine, "gr_cs")
    monkeypatch.setattr(import_load, "FIRST_BATCH", 4)
    monkeypatch.setattr(import_load, "MAX_BATCH", 4)
    monkeypatch.setattr(import_load, "MIN_BATCH", 4)
    real_write, calls = import_load._write, []

    def crashing(*args: object) -> None:
        calls.append(1)
        if len(calls) == 3:
            raise OperationalError("INSERT", {}, Exception("disk I/O error"))
        real_write(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(import_load, "_write", crashing)
    path = _file(tmp_path, _rows(20, year=utcnow().year))
    report = importer.import_file(engine=engine, path=path, principal=cs)
    assert not report.ok and report.resumable and report.voices_created == 8
    assert "8/20건에서 중단" in report.format() and "minwon worker" in report.format()
    assert "아무것도 저장하지 않았습니다" not in report.format()
    live = _intake(engine, cs)  # intake goes on after the reserved block
    assert live.ledger_seq == 21
    monkeypatch.setattr(import_load, "_write", real_write)
    assert import_jobs.recover(engine, now=utcnow()) == 0  # not stale yet: still its process's
    assert import_jobs.recover(engine, now=utcnow() + import_jobs.STALE * 2) == 1
    assert _count(engine, Voice) == 21 and _count(engine, VoiceImportRow) == 0
    _gap_free(engine)
    with session_factory(engine)() as db:
        job = db.scalars(select(VoiceImport)).one()
        assert (job.state, job.rows_loaded) == ("loaded", 20)
        assert backlog.waiting(db_session=db, import_ids=[job.id]) == {job.id: 20}


def test_a_bad_row_after_many_good_ones_leaves_nothing_behind(
    engine: Engine, world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(importer, "STAGE_BATCH", 3)
    bad = f"{utcnow().year - 1}-03-03 10:00,불평,전화,제목,내용,GR01,접수,,,,,,\n"
    path = _file(tmp_path, _rows(10) + bad + _rows(2))
    report = importer.import_file(engine=engine, path=path, principal=_principal(engine, "gr_cs"))
    assert [(e.line, e.column) for e in report.errors] == [(12, "종류")]
    for model in (Voice, VoiceImportRow, LedgerCounter):
        assert _count(engine, model) == 0, model
    with session_factory(engine)() as db:
        status = import_jobs.get(db_session=db, principal=_principal(engine, "gr_cs"), import_id=1)
    assert (status.state, status.rows_checked, status.error_count) == ("failed", 13, 1)
    assert status.errors[0].message.startswith("알 수 없는 민원 종류")


def test_an_import_that_died_while_checking_is_marked_failed(engine: Engine, world: World) -> None:
    cs = _principal(engine, "gr_cs")
    import_id = import_jobs.start(engine, file="half.csv", principal=cs)
    with write_session(engine) as db:
        db.add(VoiceImportRow(import_id=import_id, position=0, unit_code="GR01", year=2026,
                              ordinal=0, data={}))  # fmt: skip
    assert import_jobs.recover(engine, now=utcnow() + import_jobs.STALE * 2) == 1
    with session_factory(engine)() as db:
        status = import_jobs.get(db_session=db, principal=cs, import_id=import_id)
    assert status.state == "failed" and "다시 가져오세요" in status.errors[0].message
    assert _count(engine, VoiceImportRow) == 0 and _count(engine, Voice) == 0
    assert import_jobs.recover(engine, now=utcnow() + import_jobs.STALE * 2) == 0


def test_imported_voices_bring_no_mail_and_no_survey_invitation(
    engine: Engine, world: World, tmp_path: Path
) -> None:
    cs, lead = _principal(engine, "gr_cs"), _principal(engine, "gr_lead")
    with write_session(engine) as db:
        org_id = org_service.find_organization(db_session=db, ref="KNPA").id
        survey_templates.ensure_defaults(db_session=db, organization_id=org_id)
    path = _file(tmp_path, _rows(6, year=utcnow().year - 1))
    assert importer.import_file(engine=engine, path=path, principal=cs).ok
    background.run_once(engine, base_url="http://minwon.test", force=True)
    assert _count(engine, OutboxMessage) == 0 and _count(engine, SurveyInvitation) == 0
    # the same round does invite after a live answer, so the check above is not vacuous
    live = _intake(engine, cs)
    with write_session(engine) as db:
        voice = db.get_one(Voice, live.id)
        workflow.draft_answer(db_session=db, voice=voice, principal=lead, body="조치했습니다")
        workflow.approve_answer(db_session=db, voice=voice, principal=lead)
    background.run_once(engine, base_url="http://minwon.test", force=True)
    with session_factory(engine)() as db:
        invited = db.scalars(select(SurveyInvitation.voice_id)).all()
    assert invited == [live.id]


def test_progress_is_visible_from_checking_to_the_last_analysis(
    engine: Engine, world: World, tmp_path: Path
) -> None:
    cs = _principal(engine, "gr_cs")
    seen: list[tuple[str, int]] = []

    def watch(done: int, total: int) -> None:
        with session_factory(engine)() as db:
            status = import_jobs.get(db_session=db, principal=cs, import_id=1)
        seen.append((status.state, status.rows_loaded))

    report = importer.import_file(
        engine=engine, path=_file(tmp_path, _rows(7)), principal=cs, progress=watch
    )
    assert report.ok and report.waiting_analysis == 7
    assert seen[0] == ("checking", 0) and ("loading", 7) in seen
    with session_factory(engine)() as db:
        status = import_jobs.get(db_session=db, principal=cs, import_id=1)
    assert (status.state, status.rows_loaded, status.analysed, status.active) == (
        "loaded",
        7,
        0,
        True,
    )
    assert backlog.catch_up(engine) == 7
    with session_factory(engine)() as db:
        status = import_jobs.get(db_session=db, principal=cs, import_id=1)
    assert (status.analysed, status.waiting_analysis, status.active) == (7, 0, False)


def test_intake_goes_on_while_a_large_import_loads(
    engine: Engine, world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(db_module, "WRITER_GAP", 0.02)
    monkeypatch.setattr(import_load, "MAX_BATCH", 100)
    cs = _principal(engine, "gr_cs")
    path = _file(tmp_path, _rows(1500, year=utcnow().year, answered=False))
    done = threading.Event()
    reports = []

    def run() -> None:
        reports.append(importer.import_file(engine=engine, path=path, principal=cs))
        done.set()

    worker = threading.Thread(target=run)
    worker.start()
    made, failures = 0, []
    while not done.is_set() or made < 5:
        try:
            _intake(engine, cs, title=f"실시간 {made}")
            made += 1
        except Exception as exc:  # every failure is counted, none expected
            failures.append(repr(exc))
    worker.join()
    assert failures == [] and reports[0].ok, reports[0].format()
    assert _count(engine, Voice) == 1500 + made
    _gap_free(engine)


def test_the_worker_round_recovers_stale_imports_before_analysing(
    engine: Engine, world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cs = _principal(engine, "gr_cs")
    import_id = import_jobs.start(engine, file="stale.csv", principal=cs)
    with write_session(engine) as db:
        job = db.get_one(VoiceImport, import_id)
        job.updated_at = utcnow() - timedelta(hours=1)
    done = background.run_once(engine, base_url="http://minwon.test", force=True)
    assert done.analysed == 0
    with session_factory(engine)() as db:
        assert db.get_one(VoiceImport, import_id).state == "failed"


def test_imported_answers_count_in_the_rollups_on_their_answer_day(
    engine: Engine, world: World, tmp_path: Path
) -> None:
    year = utcnow().year - 1
    closed = (
        f"{year}-03-03 10:00,불만,전화,제목,내용,GR01,종결,안내했습니다,{year}-03-20 10:00,,,,\n"
    )
    body = _rows(4, year=year) + _rows(2, year=year, answered=False) + closed
    path = _file(tmp_path, body)
    assert importer.import_file(engine=engine, path=path, principal=_principal(engine, "gr_cs")).ok
    rollups.update(engine)
    with session_factory(engine)() as db:
        sums = db.execute(
            select(
                func.sum(RollupVoiceDay.received),
                func.sum(RollupVoiceDay.answered),
                func.sum(RollupVoiceDay.on_time),
                func.sum(RollupVoiceDay.late),
                func.sum(RollupVoiceDay.closed),
            )
        ).one()
        late_day = db.scalar(select(RollupVoiceDay.day).where(RollupVoiceDay.late > 0))
    assert tuple(sums) == (7, 5, 4, 1, 1)
    assert str(late_day) == f"{year}-03-20"  # counted on its answer day, past its deadline
