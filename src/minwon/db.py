"""Engine, sessions and the declarative base shared by every domain."""

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import lru_cache
from typing import Annotated, Any, TypeVar

from pydantic import Field
from sqlalchemy import (
    Column,
    Connection,
    DateTime,
    Engine,
    MetaData,
    Select,
    Table,
    create_engine,
    event,
)
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

from minwon.config import get_settings

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

WRITE = {"minwon_write": True}
MAX_DB_ID = 2**63 - 1
MAX_INT32 = 2**31 - 1

Query = TypeVar("Query", bound=Select[*tuple[Any, ...]])
"""Any SELECT, for helpers that add clauses to a query and give back the same kind."""

RowId = Annotated[int, Field(ge=1, le=MAX_DB_ID)]
"""A row id given in a body: beyond 64 bits is a validation error, never a database error."""


class Base(DeclarativeBase):
    """Declarative base with constraint names Alembic can rely on."""

    metadata = MetaData(naming_convention=NAMING)


class UTCDateTime(TypeDecorator[datetime]):
    """An instant: stored as UTC (naive on SQLite), always read back timezone-aware."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTCDateTime column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _tune_sqlite(engine: Engine, synchronous: str) -> None:
    """WAL, foreign keys, BEGIN IMMEDIATE for write transactions (ledger numbers), and the
    ``synchronous`` level: FULL syncs the WAL at every commit, so an acknowledged voice
    survives a power loss too; NORMAL only at checkpoints (a process crash loses nothing
    either way)."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.execute(f"PRAGMA synchronous={synchronous}")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        write = conn.get_execution_options().get("minwon_write")
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


def make_engine(url: str) -> Engine:
    """An engine for ``url`` with minwon's SQLite tuning applied where it is SQLite
    (``synchronous`` from the ``MINWON_SQLITE_SYNCHRONOUS`` setting)."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
        _tune_sqlite(engine, get_settings().sqlite_synchronous)
        return engine
    return create_engine(url, pool_size=10, max_overflow=20, pool_pre_ping=True)


@lru_cache
def get_engine(url: str | None = None) -> Engine:
    """The process-wide engine for the configured (or given) database URL."""
    return make_engine(url or get_settings().database_url)


def session_factory(engine: Engine) -> sessionmaker[Session]:
    """A session maker bound to ``engine`` that keeps objects usable after commit."""
    return sessionmaker(bind=engine, expire_on_commit=False, autoflush=True)


WRITER_GAP = 0.12
"""Seconds a bulk writer leaves the SQLite database alone between two batches: longer than the
longest sleep of SQLite's busy handler (100 ms, plus some scheduling slack), so a writer
waiting in another process gets its turn."""

_write_locks: dict[str, threading.Lock] = {}
_locks_guard = threading.Lock()
LOCK_TIMEOUT = 30.0


def _write_lock(bind: Engine | Connection) -> threading.Lock:
    with _locks_guard:
        return _write_locks.setdefault(str(bind.engine.url), threading.Lock())


def begin_write(db: Session) -> None:
    """Start the session's transaction as a write (BEGIN IMMEDIATE on SQLite).

    On SQLite, writers of this process also queue on an in-process lock first, so a waiting
    request wakes the moment the previous one commits instead of sleeping in SQLite's busy
    handler; other processes still meet the database lock. Must be called before the first
    statement of the transaction; later calls are no-ops.
    """
    if db.in_transaction():
        return
    bind = db.get_bind()
    if bind.dialect.name == "sqlite":
        lock = _write_lock(bind.engine)
        if not lock.acquire(timeout=LOCK_TIMEOUT):
            raise TimeoutError("the database stayed busy; try again")
        db.info["write_lock"] = lock
    try:
        db.connection(execution_options=WRITE)
    except BaseException:
        _release_write_lock(db)
        raise


def restart_as_write(db: Session) -> None:
    """End the session's read transaction, if any, and start a write one.

    A page view that writes (a fresh secret, a kiosk survey) calls this before it reads what it
    will change: on SQLite a read transaction that later writes fails at once with "database is
    locked" when another writer committed since its first read (the busy timeout does not wait
    for that), and a page view has always read already (the caller's session).
    """
    db.rollback()
    begin_write(db)


def _release_write_lock(db: Session) -> None:
    lock = db.info.pop("write_lock", None)
    if lock is not None:
        lock.release()


@event.listens_for(Session, "after_transaction_end")
def _after_transaction_end(db: Session, transaction: Any) -> None:
    if transaction.parent is None:
        _release_write_lock(db)


@contextmanager
def write_session(engine: Engine | None = None) -> Iterator[Session]:
    """A session in one write transaction: committed on success, rolled back on error."""
    with session_factory(engine or get_engine())() as db:
        begin_write(db)
        try:
            yield db
            db.commit()
        except BaseException:
            db.rollback()
            raise


def insert_rows(db: Session, model: type[Base], rows: list[dict[str, Any]]) -> None:
    """Insert many rows in few round trips, in the session's transaction (the bulk loads of
    imports use this), with the values SQLAlchemy would have sent (column defaults, type
    processing) but without its per-row work: SQLite's executemany runs its loop in C,
    PostgreSQL takes the rows through ``COPY``. A key missing from a row takes the default."""
    if not rows:
        return
    table: Table = model.__table__  # type: ignore[assignment]
    given = set().union(*rows)
    columns = [c for c in table.columns if c.name in given or _python_default(c)]
    dialect = db.get_bind().dialect
    processors = [c.type._cached_bind_processor(dialect) for c in columns]
    values = (
        [
            p(v) if p else v
            for p, v in zip(processors, (_value(c, row) for c in columns), strict=True)
        ]
        for row in rows
    )
    names = ", ".join(f'"{c.name}"' for c in columns)
    raw: Any = db.connection().connection.driver_connection
    if dialect.name == "postgresql":
        with raw.cursor() as cur, cur.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as copy:
            for row_values in values:
                copy.write_row(row_values)
        return
    marks = ", ".join("?" for _ in columns)
    raw.executemany(f'INSERT INTO "{table.name}" ({names}) VALUES ({marks})', values)


def _python_default(column: Column[Any]) -> bool:
    default = column.default
    return default is not None and (default.is_scalar or default.is_callable)


def _value(column: Column[Any], row: dict[str, Any]) -> Any:
    if column.name in row:
        return row[column.name]
    default: Any = column.default
    if default is None:
        return None
    return default.arg if default.is_scalar else default.arg(None)


class Yielding:
    """The pause a bulk writer (an import, the analysis catch-up) makes between two batches.

    On SQLite it leaves the database alone for ``WRITER_GAP``, then again for as long as other
    connections committed meanwhile (a queue of waiting writers is served first), up to
    ``MAX_GAPS`` gaps; PostgreSQL needs no pause. Use as a context manager: on SQLite it holds
    one connection to read ``PRAGMA data_version`` (which moves when others commit)."""

    MAX_GAPS = 5

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._raw: Any = None

    def __enter__(self) -> "Yielding":
        if self.engine.dialect.name == "sqlite":
            self._raw = self.engine.raw_connection()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._raw is not None:
            self._raw.close()
            self._raw = None

    def __call__(self) -> None:
        if self._raw is None:
            return
        for _ in range(self.MAX_GAPS):
            before = self._version()
            time.sleep(WRITER_GAP)
            if self._version() == before:
                return

    def _version(self) -> int:
        cursor = self._raw.cursor()
        try:
            cursor.execute("PRAGMA data_version")
            return int(cursor.fetchone()[0])
        finally:
            cursor.close()
