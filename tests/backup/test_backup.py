"""Backups and restores on both engines: every row comes back, the ledger numbering goes on
without a gap or a repeat, and every wrong file or target is refused with a reason in Korean and
English, changing nothing."""

import sqlite3
import threading
from pathlib import Path

import pytest
from dbtools import (
    ledger_problems,
    second_database,
    stamp_head,
    table_counts,
    url_of,
)
from factories import World, build_world, voice_json
from fastapi.testclient import TestClient
from sqlalchemy import Engine, create_engine, select, text
from sqlalchemy.pool import NullPool

from minwon import commit_order, migrate
from minwon.app import create_app
from minwon.backup import pg_tools, sqlite_copy
from minwon.backup.common import BackupError, head_revision
from minwon.backup.service import backup_database, database_content, restore_database
from minwon.db import Base, make_engine, write_session
from minwon.org.models import Staff
from minwon.org.totp_seal import PREFIX, Keyring
from minwon.reports import rollups
from minwon.timeutil import utcnow

UNITS = ["GR01", "GR01", "GR01", "GR02", "GR02", "DJ01"]


def _post(client: TestClient, world: World, unit: str, **extra: object) -> dict:
    login = "dj_officer" if unit.startswith("DJ") else "gr_officer"
    r = client.post(
        "/api/v1/voices", json=voice_json(unit=unit, **extra), headers=world.auth(login)
    )
    assert r.status_code == 201, r.text
    return r.json()


def _fill(engine: Engine) -> tuple[World, dict[str, str]]:
    """A stamped database with voices in three units (contacts, an idempotency key, an answer);
    returns the world and the last ledger number of each unit."""
    stamp_head(engine)
    commit_order.rebase(engine)  # as minwon serve does when it starts: the server is recorded
    world = build_world(engine)
    client = TestClient(create_app(engine=engine))
    last = {}
    for i, unit in enumerate(UNITS):
        contact = {"name": "홍길동", "phone": "010-1234-5678", "consent": True}
        last[unit] = _post(client, world, unit, contact=contact if i % 2 else None)["ledger_no"]
    h = world.auth("gr_officer") | {"Idempotency-Key": "backup-1"}
    client.post("/api/v1/voices", json=voice_json(unit="GR02"), headers=h)
    last["GR02"] = client.post("/api/v1/voices", json=voice_json(unit="GR02"), headers=h).json()[
        "ledger_no"
    ]
    return world, last


def _next_seq(ledger_no: str) -> str:
    head, seq = ledger_no.rsplit("-", 1)
    return f"{head}-{int(seq) + 1:06d}"


def test_round_trip_keeps_every_row_and_the_ledger_numbering(
    engine: Engine, tmp_path: Path
) -> None:
    world, last = _fill(engine)
    before = table_counts(engine)
    file = tmp_path / "minwon.backup"
    made = backup_database(url=url_of(engine), dest=file)
    assert made.revision == head_revision() and made.size == file.stat().st_size > 0
    with second_database(engine.dialect.name, tmp_path, "restored") as target:
        done = restore_database(url=target, path=file)
        assert done.replaced.empty and not done.upgraded
        restored = make_engine(target)
        try:
            assert table_counts(restored) == before
            assert ledger_problems(restored) == []
            client = TestClient(create_app(engine=restored))
            for unit in ("GR01", "GR02", "DJ01"):
                assert _post(client, world, unit)["ledger_no"] == _next_seq(last[unit])
            assert ledger_problems(restored) == []
        finally:
            restored.dispose()


def test_a_database_with_data_is_replaced_only_when_forced(engine: Engine, tmp_path: Path) -> None:
    world, _last = _fill(engine)
    file = tmp_path / "b"
    backup_database(url=url_of(engine), dest=file)
    with second_database(engine.dialect.name, tmp_path, "busy") as target:
        restore_database(url=target, path=file)
        restored = make_engine(target)
        TestClient(create_app(engine=restored)).post(
            "/api/v1/voices", json=voice_json(unit="GR01"), headers=world.auth("gr_officer")
        )
        after_intake = table_counts(restored)
        restored.dispose()
        with pytest.raises(BackupError) as refused:
            restore_database(url=target, path=file)
        assert "비어 있지 않습니다" in refused.value.message and "--force" in refused.value.message
        assert "not empty" in refused.value.message and "8 voices" in refused.value.message
        restored = make_engine(target)
        assert table_counts(restored) == after_intake
        restored.dispose()
        done = restore_database(url=target, path=file, force=True)
        assert done.replaced.rows["voice"] == 8
        restored = make_engine(target)
        assert table_counts(restored) == table_counts(engine)
        restored.dispose()


def test_backup_is_one_snapshot_while_intake_goes_on(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    world, _last = _fill(engine)
    monkeypatch.setattr(sqlite_copy, "STEP_PAGES", 1)
    client = TestClient(create_app(engine=engine))
    stop, statuses = threading.Event(), []

    def intake() -> None:
        while not stop.is_set():
            statuses.append(_post(client, world, "GR01")["status"])

    writer = threading.Thread(target=intake)
    writer.start()
    try:
        file = tmp_path / "live.backup"
        backup_database(url=url_of(engine), dest=file)
    finally:
        stop.set()
        writer.join()
    assert statuses, "the intake thread wrote nothing while the backup ran"
    with second_database(engine.dialect.name, tmp_path, "snapshot") as target:
        restore_database(url=target, path=file)
        restored = make_engine(target)
        assert ledger_problems(restored) == []
        restored.dispose()


def test_an_existing_file_is_replaced_only_when_forced(engine: Engine, tmp_path: Path) -> None:
    _fill(engine)
    file = tmp_path / "b"
    file.write_text("keep me")
    with pytest.raises(BackupError, match="이미 있습니다(.|\n)*already exists"):
        backup_database(url=url_of(engine), dest=file)
    assert file.read_text() == "keep me"
    backup_database(url=url_of(engine), dest=file, force=True)
    assert file.read_bytes()[:5] in (b"SQLit", b"PGDMP")
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".partial")] == []


def test_a_database_without_a_schema_revision_is_not_backed_up(
    engine: Engine, tmp_path: Path
) -> None:
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
    with pytest.raises(BackupError, match="minwon db upgrade"):
        backup_database(url=url_of(engine), dest=tmp_path / "b")
    assert not (tmp_path / "b").exists()


def test_a_backup_of_the_other_engine_is_refused(tmp_path: Path) -> None:
    file = tmp_path / "sqlite.backup"
    sqlite3.connect(file).execute("CREATE TABLE t (x)").connection.commit()
    with pytest.raises(BackupError) as refused:
        restore_database(url="postgresql+psycopg://nobody@127.0.0.1:1/none", path=file)
    assert "SQLite 백업인데" in refused.value.message
    assert "SQLite backup but the database to restore into is PostgreSQL" in refused.value.message
    (tmp_path / "pg.backup").write_bytes(b"PGDMP\x01\x0e\x00" + bytes(100))
    with pytest.raises(BackupError, match="PostgreSQL 백업인데"):
        restore_database(url=f"sqlite:///{tmp_path}/x.db", path=tmp_path / "pg.backup")
    assert not (tmp_path / "x.db").exists()


@pytest.fixture
def sqlite_backup(tmp_path: Path) -> Path:
    """A good SQLite backup of an empty minwon database."""
    url = f"sqlite:///{tmp_path / 'source.db'}"
    migrate.upgrade(url)
    file = tmp_path / "good.backup"
    backup_database(url=url, dest=file)
    return file


def _refused(path: Path, target: str) -> str:
    with pytest.raises(BackupError) as refused:
        restore_database(url=target, path=path)
    return refused.value.message


def test_files_that_are_not_restorable_minwon_backups_are_refused(
    sqlite_backup: Path, tmp_path: Path
) -> None:
    target = tmp_path / "target.db"
    target_url = f"sqlite:///{target}"
    text_file = tmp_path / "notes.txt"
    text_file.write_text("안녕하세요")
    assert "minwon 백업 파일이 아닙니다" in _refused(text_file, target_url)
    other = tmp_path / "other.db"
    sqlite3.connect(other).execute("CREATE TABLE t (x)").connection.commit()
    message = _refused(other, target_url)
    assert "minwon 백업이 아닙니다" in message and "not a minwon backup" in message
    damaged = tmp_path / "damaged.backup"
    damaged.write_bytes(sqlite_backup.read_bytes()[: sqlite_backup.stat().st_size // 2])
    message = _refused(damaged, target_url)
    assert "손상" in message and "damaged" in message
    newer = tmp_path / "newer.backup"
    newer.write_bytes(sqlite_backup.read_bytes())
    with sqlite3.connect(newer) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '9999_from_the_future'")
    message = _refused(newer, target_url)
    assert "9999_from_the_future" in message and "모릅니다" in message and "unknown" in message
    assert not target.exists()


def test_an_older_backup_is_restored_then_brought_up_to_date(tmp_path: Path) -> None:
    old = f"sqlite:///{tmp_path / 'old.db'}"
    migrate.upgrade(old, revision="0006")
    file = tmp_path / "old.backup"
    assert backup_database(url=old, dest=file).revision == "0006"
    target = f"sqlite:///{tmp_path / 'new.db'}"
    done = restore_database(url=target, path=file)
    assert done.upgraded and done.revision == head_revision()
    engine = create_engine(target)
    with engine.connect() as conn:
        assert conn.scalar(text("SELECT version_num FROM alembic_version")) == head_revision()
    engine.dispose()
    assert database_content(url=target).empty


def test_missing_postgresql_tools_are_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr(pg_tools, "PG_BIN_GLOB", str(tmp_path / "*" / "bin"))
    with pytest.raises(BackupError) as missing:
        pg_tools.find_tool("pg_dump")
    assert "pg_dump을(를) 찾을 수 없습니다" in missing.value.message
    assert "pg_dump was not found" in missing.value.message
    assert "postgresql-client" in missing.value.message
    (tmp_path / "16" / "bin").mkdir(parents=True)
    (tmp_path / "9" / "bin").mkdir(parents=True)
    for version in ("16", "9"):
        (tmp_path / version / "bin" / "pg_restore").touch()
    assert pg_tools.find_tool("pg_restore") == str(tmp_path / "16" / "bin" / "pg_restore")


def test_a_damaged_postgresql_backup_is_refused(engine: Engine, tmp_path: Path) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("a pg_dump archive is read by pg_restore")
    _fill(engine)
    file = tmp_path / "b"
    backup_database(url=url_of(engine), dest=file)
    damaged = tmp_path / "damaged"
    damaged.write_bytes(file.read_bytes()[:200])
    with second_database("postgresql", tmp_path, "untouched") as target:
        message = _refused(damaged, target)
        assert "읽을 수 없습니다" in message and "Cannot read the backup file" in message
        assert database_content(url=target).rows == {}


def test_a_postgresql_database_in_use_is_not_replaced(engine: Engine, tmp_path: Path) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite cannot tell who else has the file open")
    _fill(engine)
    file = tmp_path / "b"
    backup_database(url=url_of(engine), dest=file)
    with second_database("postgresql", tmp_path, "in_use") as target:
        other = create_engine(target)
        with other.connect():
            message = _refused(file, target)
        other.dispose()
        assert "다른 연결 1개" in message and "stop minwon serve" in message
        assert database_content(url=target).rows == {}


def test_a_connection_that_is_closing_does_not_count_as_in_use(
    engine: Engine, tmp_path: Path
) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite cannot tell who else has the file open")
    with second_database("postgresql", tmp_path, "closing") as target:
        other = create_engine(target, poolclass=NullPool)
        conn = other.connect()
        closer = threading.Timer(0.3, conn.close)  # a check that is just ending, as our own
        closer.start()
        try:
            assert pg_tools.other_sessions(target) == []
        finally:
            closer.join()
            other.dispose()


def test_a_restore_that_fails_midway_changes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = f"sqlite:///{tmp_path / 'source.db'}"
    migrate.upgrade(source)
    engine = make_engine(source)
    build_world(engine)
    engine.dispose()
    file = tmp_path / "b"
    backup_database(url=source, dest=file)
    target = f"sqlite:///{tmp_path / 'target.db'}"
    migrate.upgrade(target)
    monkeypatch.setattr(sqlite_copy, "STEP_PAGES", 1)
    calls = []

    def fail_midway(done: int, total: int) -> None:
        calls.append(done)
        if len(calls) == 20:
            raise RuntimeError("the disk filled up")

    with pytest.raises(RuntimeError, match="disk filled up"):
        restore_database(url=target, path=file, progress=fail_midway)
    assert database_content(url=target).empty
    restore_database(url=target, path=file)
    assert database_content(url=target) == database_content(url=source)


def _received(engine: Engine) -> tuple[int, int]:
    """Received voices as the rollups count them, and as the ledger's events say."""
    with engine.connect() as conn:
        counted = conn.scalar(text("SELECT coalesce(sum(received), 0) FROM rollup_voice_day"))
        ledger = conn.scalar(text("SELECT count(*) FROM voice_event WHERE kind = 'received'"))
    return int(counted or 0), int(ledger or 0)


def test_the_worker_reads_on_after_a_restore_from_a_server_further_along(
    engine: Engine, tmp_path: Path
) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("only PostgreSQL stores transaction ids")
    world, _ = _fill(engine)
    rollups.update(engine)
    client = TestClient(create_app(engine=engine))
    _post(client, world, "GR01")  # not yet counted when the backup is made
    ahead = 10**12  # as a server that has run a trillion more transactions would have stored
    with engine.begin() as conn:
        for table in ("voice_event", "survey_invitation", "survey_response", "rollup_cursor"):
            conn.execute(text(f"UPDATE {table} SET txid = txid + {ahead}"))
        conn.execute(text("UPDATE commit_order_server SET system_identifier = 12345"))
    file = tmp_path / "minwon.backup"
    backup_database(url=url_of(engine), dest=file)
    with second_database("postgresql", tmp_path, "restored") as target:
        restore_database(url=target, path=file)
        restored = make_engine(target)
        try:
            assert commit_order.rebase(restored) == 0  # done by the restore already
            rollups.update(restored)
            counted, ledger = _received(restored)
            assert counted == ledger == len(UNITS) + 2
            _post(TestClient(create_app(engine=restored)), world, "DJ01")
            rollups.update(restored)
            assert _received(restored) == (ledger + 1, ledger + 1)
        finally:
            restored.dispose()


def test_a_restore_seals_clear_secrets_and_names_those_no_key_opens(tmp_path: Path) -> None:
    """A backup of a minwon before sealing, or of a deployment with another secret key: the
    restore seals the clear secret under this deployment's key and names the one it cannot
    open (``minwon restore`` prints it)."""
    source = make_engine(f"sqlite:///{tmp_path}/source.db")
    Base.metadata.create_all(source)
    stamp_head(source)
    build_world(source)
    with write_session(source) as db:
        people = {s.login: s for s in db.scalars(select(Staff))}
        people["admin"].totp_secret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
        people["gr_lead"].totp_secret = Keyring("another-deployment-" + "k" * 40).seal("X" * 32)
        for login in ("admin", "gr_lead"):
            people[login].totp_enabled_at = utcnow()
    source.dispose()
    file = tmp_path / "minwon.backup"
    backup_database(url=f"sqlite:///{tmp_path}/source.db", dest=file)

    done = restore_database(url=f"sqlite:///{tmp_path}/restored.db", path=file)
    assert done.unreadable == ["gr_lead"]
    restored = make_engine(f"sqlite:///{tmp_path}/restored.db")
    try:
        with restored.connect() as conn:
            stored = dict(conn.execute(select(Staff.login, Staff.totp_secret)).all())
    finally:
        restored.dispose()
    assert stored["admin"].startswith(PREFIX) and "JBSWY3DP" not in stored["admin"]
