"""Reading a growing table in the order its rows became final, so a background job that
reads "what is new since last time" never passes over a row.

An id is taken from its sequence when the row is inserted, not when its transaction commits.
On PostgreSQL a job reading "ids after the last one I saw" can see id 11 committed while
id 10's transaction is still open, move its cursor past 10 and never count it: a received
voice missing from the monthly report, a citizen never asked about an answer. So the rows of
such streams carry the id of the transaction that wrote them (``txid``, a column default), a
job reads only rows whose transaction ended before the oldest one still running (below its
snapshot's ``xmin``), in ``(txid, id)`` order, and keeps both as its cursor: every row it has
passed is final, and every row still to come sorts after it.

A restore into another PostgreSQL server (whose transaction ids may be lower than the ones
stored) must be followed by ``rebase``, or the rows written after it would sort before the
cursors and never be read.

On SQLite write transactions take turns (``BEGIN IMMEDIATE``), so ids already come in commit
order: ``txid`` is 0 and the order is the id's. Rows written before this column existed have
0 too and come first, in id order, as they did.
"""

from __future__ import annotations

import logging
import time
from typing import Any, NamedTuple

from sqlalchemy import (
    BigInteger,
    Engine,
    Integer,
    delete,
    func,
    insert,
    inspect,
    literal,
    select,
    text,
    tuple_,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Mapped, MappedColumn, QueryableAttribute, mapped_column
from sqlalchemy.sql.functions import FunctionElement

from minwon.db import Base, Query
from minwon.migrate import SchemaBehind

__all__ = [
    "CommitOrderServer",
    "CurrentTxid",
    "Position",
    "START",
    "SchemaBehind",
    "after",
    "cursor_txid_column",
    "move",
    "position_of",
    "rebase",
    "settle",
    "txid_column",
]

log = logging.getLogger(__name__)

SETTLE_SECONDS = 10.0
"""How long a job waits for the write transactions already running when it starts."""
_POLL_SECONDS = 0.02
# every transaction that has written holds an exclusive lock on its own id until it ends
_RUNNING = text(
    "SELECT transactionid::text FROM pg_locks "
    "WHERE locktype = 'transactionid' AND mode = 'ExclusiveLock' AND granted"
)
_STILL_RUNNING = text(
    "SELECT count(*) FROM pg_locks WHERE locktype = 'transactionid' "
    "AND mode = 'ExclusiveLock' AND granted AND transactionid::text = ANY(:xids)"
)


class CurrentTxid(FunctionElement[int]):
    """The id of the writing transaction (PostgreSQL), 0 elsewhere: a column's default."""

    type = BigInteger()
    inherit_cache = True


class _FinishedBelow(FunctionElement[int]):
    """Transaction ids below this belong to transactions that have all ended (the
    statement's snapshot ``xmin`` on PostgreSQL; on SQLite every row is final)."""

    type = BigInteger()
    inherit_cache = True


@compiles(CurrentTxid)
def _current_default(element: CurrentTxid, compiler: Any, **kw: Any) -> str:
    return "0"


@compiles(CurrentTxid, "postgresql")
def _current_postgresql(element: CurrentTxid, compiler: Any, **kw: Any) -> str:
    return "(pg_current_xact_id()::text::bigint)"


@compiles(_FinishedBelow)
def _finished_default(element: _FinishedBelow, compiler: Any, **kw: Any) -> str:
    return "9223372036854775807"


@compiles(_FinishedBelow, "postgresql")
def _finished_postgresql(element: _FinishedBelow, compiler: Any, **kw: Any) -> str:
    # pg_current_snapshot() is the statement's own snapshot, so the bound and the rows
    # the statement sees agree
    return "(pg_snapshot_xmin(pg_current_snapshot())::text::bigint)"


class Position(NamedTuple):
    """Where a reader of a stream stands: the last row it took, as ``(txid, id)``."""

    txid: int
    id: int


START = Position(-(2**63), 0)
"""Where a new reader starts: before every row, even those ``rebase`` shifted below 0."""


def txid_column() -> MappedColumn[int]:
    """The ``txid`` column of a stream's table: filled in by the database on every insert,
    whatever path the row takes (ORM, ``insert_rows``' COPY, plain SQL)."""
    return mapped_column(BigInteger, server_default=CurrentTxid(), nullable=False)


def cursor_txid_column() -> MappedColumn[int]:
    """The ``txid`` half of a reader's cursor row: a new cursor starts at ``START``; rows that
    were there before this column (and cursors of other kinds, which ignore it) hold 0."""
    return mapped_column(BigInteger, default=START.txid, server_default="0", nullable=False)


def after(
    query: Query, txid: QueryableAttribute[int], id_: QueryableAttribute[int], since: Position
) -> Query:
    """``query`` limited to the final rows after ``since``, in the order they are read."""
    mark = tuple_(literal(since.txid, BigInteger()), literal(since.id, BigInteger()))
    return query.where(tuple_(txid, id_) > mark, txid < _FinishedBelow()).order_by(txid, id_)


def position_of(cursor: Any) -> Position:
    """Where a cursor row stands (its ``txid`` and ``position`` columns); a new one, not
    stored yet, at ``START``."""
    return Position(
        START.txid if cursor.txid is None else int(cursor.txid), int(cursor.position or 0)
    )


def move(cursor: Any, to: Position) -> None:
    """Set a cursor row to the last row taken."""
    cursor.txid, cursor.position = to


def settle(engine: Engine, *, timeout: float = SETTLE_SECONDS) -> bool:
    """Wait until every write transaction begun before now has ended (on PostgreSQL; at once
    elsewhere), so that a job starting now reads all that was written before it. False when
    one is still running after ``timeout``: its rows are read by a later round instead."""
    if engine.dialect.name != "postgresql":
        return True
    deadline = time.monotonic() + timeout
    with engine.connect() as conn:  # reads only, so it holds no transaction id itself
        running = list(conn.scalars(_RUNNING))
        while running and (left := conn.scalar(_STILL_RUNNING, {"xids": running})):
            if time.monotonic() >= deadline:
                log.warning(
                    "%s write transaction(s) begun before this round still running after %s s: "
                    "the rows written since wait for a later round",
                    left,
                    timeout,
                )
                return False
            time.sleep(_POLL_SECONDS)
    return True


_SERVER = "commit_order_server"


class CommitOrderServer(Base):
    """The PostgreSQL server whose transaction ids the stored ``txid`` values are (its
    ``system_identifier``): a database restored onto another server finds another one here."""

    __tablename__ = _SERVER
    id: Mapped[int] = mapped_column(Integer, primary_key=True)  # one row, id 1
    system_identifier: Mapped[int] = mapped_column(BigInteger)


_THIS_SERVER = text("SELECT system_identifier FROM pg_control_system()")


def rebase(engine: Engine) -> int:
    """On the first start on a PostgreSQL server (after a restore from another server, or the
    first since this upgrade), shift every stored ``txid`` — of rows and cursors alike, so that
    every comparison between them still holds — below this server's transaction ids when they
    are not already; returns the shift (0 when none was needed).

    ``minwon restore``, ``minwon serve`` and ``minwon worker`` call it before they write, so
    the rows it shifts are all from the old server; it locks the tables it shifts, so a
    writer cannot slip in between. Every table with a ``txid`` column must be imported
    (``minwon.models``). ``SchemaBehind`` when the database has not been upgraded."""
    if engine.dialect.name != "postgresql":
        return 0
    with engine.connect() as conn:
        if not inspect(conn).has_table(_SERVER):
            raise SchemaBehind()
        here = conn.scalar(_THIS_SERVER)
        if conn.scalar(select(CommitOrderServer.system_identifier)) == here:
            return 0
    tables = [t for t in Base.metadata.sorted_tables if "txid" in t.c]
    with engine.begin() as conn:
        names = ", ".join(f'"{name}"' for name in [_SERVER, *(t.name for t in tables)])
        conn.execute(text(f"LOCK TABLE {names} IN EXCLUSIVE MODE"))
        if conn.scalar(select(CommitOrderServer.system_identifier)) == here:
            return 0  # another process starting at the same time did it
        current = int(conn.scalar(text("SELECT pg_current_xact_id()::text::bigint")) or 0)
        highest = max(int(conn.scalar(select(func.max(t.c.txid))) or 0) for t in tables)
        shift = highest - current + 1 if highest >= current else 0
        if shift:
            for table in tables:
                conn.execute(table.update().values(txid=table.c.txid - shift))
        conn.execute(delete(CommitOrderServer))
        conn.execute(insert(CommitOrderServer).values(id=1, system_identifier=here))
    return shift
