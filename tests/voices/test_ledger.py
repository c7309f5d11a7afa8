"""Ledger numbers: per unit and year, without gaps or duplicates, under concurrency."""

import threading
from datetime import datetime, timedelta

import pytest
from factories import build_world
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, select

from minwon.db import Base, make_engine, session_factory, write_session
from minwon.org import service as org
from minwon.timeutil import KST
from minwon.voices import service
from minwon.voices.ledger import format_number
from minwon.voices.models import Voice
from minwon.voices.schemas import VoiceCreate

WRITERS = 8
PER_WRITER = 12


def _principal(engine: Engine, login: str):
    with session_factory(engine)() as db:
        return org.principal_for(org.staff_by_login(db_session=db, login=login))


def _intake(
    engine: Engine, principal, unit: str, fail: bool = False, when: datetime | None = None
) -> None:
    voice_in = VoiceCreate(
        kind="request",
        channel="visit",
        title="순찰 요청",
        body="야간 순찰을 늘려 주세요.",
        unit=unit,
        received_at=when,
    )
    try:
        with write_session(engine) as db:
            service.create(db_session=db, voice_in=voice_in, principal=principal)
            if fail:
                raise RuntimeError("rolled back on purpose")
    except RuntimeError:
        pass


def _sequences(engine: Engine, unit_code: str) -> list[int]:
    with session_factory(engine)() as db:
        voices = db.scalars(select(Voice).order_by(Voice.ledger_seq)).all()
        return [v.ledger_seq for v in voices if v.ledger_no.startswith(unit_code)]


def test_eight_concurrent_writers_leave_no_gaps_or_duplicates(engine: Engine) -> None:
    build_world(engine)
    principal = _principal(engine, "gr_lead")
    errors: list[BaseException] = []

    def writer(n: int) -> None:
        try:
            for i in range(PER_WRITER):
                _intake(engine, principal, "GR01", fail=(i + n) % 5 == 0)
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(WRITERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    seqs = _sequences(engine, "GR01")
    committed = sum(1 for n in range(WRITERS) for i in range(PER_WRITER) if (i + n) % 5 != 0)
    assert seqs == list(range(1, committed + 1))


def test_ledger_number_format() -> None:
    assert format_number("GR01", 2026, 123) == "GR01-2026-000123"
    assert format_number("GR01", 2026, 1_234_567) == "GR01-2026-1234567"


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    ops=st.lists(
        st.tuples(st.sampled_from(["GR01", "GR02"]), st.sampled_from([2025, 2026]), st.booleans()),
        min_size=1,
        max_size=25,
    )
)
def test_any_mix_of_commits_and_rollbacks_numbers_each_ledger_1_to_n(
    ops: list[tuple[str, int, bool]], tmp_path_factory: pytest.TempPathFactory
) -> None:
    engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('h')}/l.db")
    Base.metadata.create_all(engine)
    build_world(engine)
    principal = _principal(engine, "gr_cs")
    for unit, year, fail in ops:
        _intake(engine, principal, unit, fail=fail, when=datetime(year, 3, 3, 10, tzinfo=KST))
    with session_factory(engine)() as db:
        voices = db.scalars(select(Voice)).all()
    for unit in ("GR01", "GR02"):
        for year in (2025, 2026):
            expected = sum(1 for u, y, f in ops if u == unit and y == year and not f)
            got = sorted(v.ledger_seq for v in voices if v.ledger_no.startswith(f"{unit}-{year}-"))
            assert got == list(range(1, expected + 1))
    engine.dispose()


def test_back_entry_is_numbered_in_the_year_it_was_received(engine: Engine) -> None:
    build_world(engine)
    principal = _principal(engine, "gr_lead")
    late_card = datetime(2025, 12, 31, 23, 30, tzinfo=KST)
    _intake(engine, principal, "GR01", when=late_card)
    _intake(engine, principal, "GR01", when=late_card + timedelta(hours=1))
    with session_factory(engine)() as db:
        numbers = sorted(db.scalars(select(Voice.ledger_no)))
    assert numbers == ["GR01-2025-000001", "GR01-2026-000001"]
