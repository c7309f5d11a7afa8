"""Background jobs read the ledger's events (and the survey rows) in commit order: on
PostgreSQL an event whose transaction commits after a newer one was read is still read, and
read once, so the reports count every voice and every answered citizen is asked."""

import logging
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from conftest import ENGINES
from dbtools import configured, second_database
from factories import build_world, voice_json
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, func, insert, select, text
from sqlalchemy.orm import Session

from minwon import commit_order, migrate
from minwon.app import create_app
from minwon.commit_order import CommitOrderServer, Position
from minwon.db import begin_write, make_engine, session_factory, write_session
from minwon.reports import rollups
from minwon.reports.models import RollupCursor, VoiceDay
from minwon.voices import history
from minwon.voices.models import Voice, VoiceEvent

PROBE = "probe"  # an event kind no job reads, so these tests see only their own events


def _file_voices(engine: Engine, n: int) -> list[int]:
    world = build_world(engine)
    client = TestClient(create_app(engine=engine))
    ids = []
    for _ in range(n):
        r = client.post("/api/v1/voices", json=voice_json(unit="GR01"), headers=world.auth("gr_cs"))
        assert r.status_code == 201, r.text
        ids.append(r.json()["id"])
    return ids


@contextmanager
def _open_write(engine: Engine, voice_id: int, kind: str) -> Iterator[Session]:
    """A write transaction that has added one event and not yet committed (rolled back if
    the test does not commit it)."""
    with session_factory(engine)() as db:
        begin_write(db)
        db.add(VoiceEvent(voice_id=voice_id, actor_label="시험", kind=kind))
        db.flush()
        yield db


def _read(engine: Engine, kinds: tuple[str, ...], after: Position) -> list[Position]:
    with session_factory(engine)() as db:
        return [p for p, _, _ in history.changes_since(db_session=db, kinds=kinds, after=after)]


def _received_counted(engine: Engine) -> int:
    with session_factory(engine)() as db:
        return int(db.scalar(select(func.sum(VoiceDay.received))) or 0)


def _received_in_ledger(engine: Engine) -> int:
    with session_factory(engine)() as db:
        query = select(func.count()).where(VoiceEvent.kind == "received")
        return int(db.scalar(query.select_from(VoiceEvent)) or 0)


def _update_once(engine: Engine) -> None:
    with write_session(engine) as db:
        rollups.update_once(db)


def _postgresql_only(engine: Engine) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite's write transactions take turns: ids are in commit order")


def test_a_voice_committed_late_with_a_lower_id_is_counted_once(engine: Engine) -> None:
    _postgresql_only(engine)
    first, second = _file_voices(engine, 2)
    rollups.update(engine)
    assert _received_counted(engine) == 2
    with _open_write(engine, first, "received") as late:
        with write_session(engine) as db:  # a newer id, committed first
            db.add(VoiceEvent(voice_id=second, actor_label="시험", kind="received"))
        _update_once(engine)
        # the newer event waits: taking it now would move the cursor past the late one
        assert _received_counted(engine) == 2
        late.commit()
    rollups.update(engine)  # waits for other writers of the cluster (the suite's other workers)
    assert _received_counted(engine) == _received_in_ledger(engine) == 4
    rollups.update(engine)
    assert _received_counted(engine) == 4


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(order=st.integers(2, 5).flatmap(lambda n: st.permutations(range(n))))
def test_events_are_read_once_whatever_order_their_transactions_commit_in(
    engine: Engine, order: list[int]
) -> None:
    _postgresql_only(engine)
    with session_factory(engine)() as db:
        voice_id = db.scalar(select(Voice.id).limit(1))
    if voice_id is None:
        voice_id = _file_voices(engine, 1)[0]
    read = _read(engine, (PROBE,), Position(0, 0))
    cursor = read[-1] if read else Position(0, 0)
    seen: list[Position] = []
    with (
        _open_write(engine, voice_id, PROBE) as w0,
        _open_write(engine, voice_id, PROBE) as w1,
        _open_write(engine, voice_id, PROBE) as w2,
        _open_write(engine, voice_id, PROBE) as w3,
        _open_write(engine, voice_id, PROBE) as w4,
    ):
        writers = [w0, w1, w2, w3, w4]
        for extra in writers[len(order) :]:
            extra.rollback()  # this example has fewer writers: its id is a gap
        for i in order:
            writers[i].commit()
            new = _read(engine, (PROBE,), cursor)
            seen += new
            cursor = new[-1] if new else cursor
    assert commit_order.settle(engine)  # other workers of the suite may write meanwhile
    seen += _read(engine, (PROBE,), cursor)
    assert len(seen) == len(set(seen)) == len(order)
    assert seen == sorted(seen)


def test_settle_waits_for_a_write_transaction_begun_before_it(
    engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    (voice_id,) = _file_voices(engine, 1)
    if engine.dialect.name == "sqlite":
        assert commit_order.settle(engine, timeout=0.0)
        return
    with _open_write(engine, voice_id, PROBE) as open_write:
        with caplog.at_level(logging.WARNING, logger="minwon.commit_order"):
            assert not commit_order.settle(engine, timeout=0.1)
        assert "still running after 0.1 s" in caplog.text
        open_write.commit()
    assert commit_order.settle(engine, timeout=5.0)


@pytest.mark.parametrize("kind", ENGINES)
def test_upgrading_keeps_what_the_jobs_have_read(kind: str, tmp_path) -> None:
    with second_database(kind, tmp_path, "commit_order") as url:
        migrate.upgrade(url)
        engine = make_engine(url)
        first, *_ = _file_voices(engine, 3)
        with session_factory(engine)() as db:
            events = db.scalars(select(VoiceEvent.id).order_by(VoiceEvent.id)).all()
        engine.dispose()
        migrate.downgrade(url, "0019_token_scopes")
        with make_engine(url).begin() as conn:  # the rollups had read the first voice only
            conn.execute(
                text("INSERT INTO rollup_cursor (name, position) VALUES ('events', :id)"),
                {"id": events[0]},
            )
        migrate.upgrade(url)
        engine = make_engine(url)
        with session_factory(engine)() as db:
            cursor = db.get(RollupCursor, "events")
            assert cursor is not None
            after = commit_order.position_of(cursor)
            assert after == Position(0, events[0])
            unread = history.changes_since(db_session=db, kinds=("received",), after=after)
        assert [p for p, _, _ in unread] == [Position(0, i) for i in events[1:]]
        with write_session(engine) as db:  # written after the upgrade: read after the rest
            newer = VoiceEvent(voice_id=first, actor_label="시험", kind="received")
            db.add(newer)
        assert commit_order.settle(engine)  # other workers of the suite may write meanwhile
        with session_factory(engine)() as db:
            unread = history.changes_since(db_session=db, kinds=("received",), after=unread[-1][0])
        assert [p.id for p, _, _ in unread] == [newer.id]
        engine.dispose()


def test_the_worker_reads_on_in_a_database_restored_by_hand_from_another_server(
    engine: Engine,
) -> None:
    _postgresql_only(engine)
    from typer.testing import CliRunner

    from minwon.cli import app

    first, _ = _file_voices(engine, 2)
    with engine.begin() as conn:  # what pg_restore brings from a server a trillion ids ahead,
        conn.execute(  # with the first voice from before the upgrade that added txid
            text("UPDATE voice_event SET txid = 0 WHERE voice_id = :v"), {"v": first}
        )
        for table in ("voice_event", "survey_invitation", "survey_response", "rollup_cursor"):
            conn.execute(text(f"UPDATE {table} SET txid = txid + 1000000000000 WHERE txid > 0"))
        conn.execute(insert(CommitOrderServer).values(id=1, system_identifier=12345))
    with configured(engine.url.render_as_string(hide_password=False)):
        done = CliRunner().invoke(app, ["worker", "--once"])
    assert done.exit_code == 0, done.output
    assert "복원된 데이터베이스의 작업 순서를 이어 갑니다" in done.output
    # the legacy rows are below 0 now: the new rollup cursors start before them
    assert _received_counted(engine) == _received_in_ledger(engine) == 2
    assert commit_order.rebase(engine) == 0


def test_rows_written_after_the_first_start_on_a_server_are_never_shifted(engine: Engine) -> None:
    _postgresql_only(engine)
    assert commit_order.rebase(engine) == 0  # the first start: this server is recorded
    _file_voices(engine, 1)
    with engine.begin() as conn:  # as if other rows still carried a far larger id
        conn.execute(text("UPDATE rollup_cursor SET txid = 1000000000000"))
        before = conn.execute(text("SELECT id, txid FROM voice_event ORDER BY id")).all()
    assert commit_order.rebase(engine) == 0  # the same server: nothing to bring below it
    with engine.connect() as conn:
        assert conn.execute(text("SELECT id, txid FROM voice_event ORDER BY id")).all() == before


def test_minwon_serve_brings_the_ids_of_a_restored_database_below_its_servers_first(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    _postgresql_only(engine)
    import minwon.app
    from minwon.web import heap

    _file_voices(engine, 1)
    with engine.begin() as conn:  # restored by hand from a server a trillion ids ahead
        conn.execute(text("UPDATE voice_event SET txid = txid + 1000000000000"))
        conn.execute(insert(CommitOrderServer).values(id=1, system_identifier=12345))
    made = minwon.app.create_app(engine=engine)
    monkeypatch.setattr(minwon.app, "create_app", lambda: made)
    monkeypatch.setattr(heap, "settle", lambda: None)  # not this test's: it freezes the heap
    assert minwon.app.serve_app() is made
    with engine.connect() as conn:
        highest = conn.scalar(text("SELECT max(txid) FROM voice_event"))
        mine = conn.scalar(text("SELECT pg_current_xact_id()::text::bigint"))
        recorded = conn.scalar(select(CommitOrderServer.system_identifier))
        here = conn.scalar(text("SELECT system_identifier FROM pg_control_system()"))
    assert highest < mine and recorded == here


def test_a_database_not_yet_upgraded_is_named_not_shifted(engine: Engine, tmp_path) -> None:
    _postgresql_only(engine)
    from typer.testing import CliRunner

    from minwon.cli import app

    with second_database("postgresql", tmp_path, "behind") as url:
        migrate.upgrade(url, "0019_token_scopes")
        behind = make_engine(url)
        try:
            with pytest.raises(commit_order.SchemaBehind, match="minwon db upgrade"):
                commit_order.rebase(behind)
        finally:
            behind.dispose()
        with configured(url):
            done = CliRunner().invoke(app, ["worker", "--once"])
        assert done.exit_code == 2 and "minwon db upgrade" in done.output
