"""Leases: which process runs a background job now, when several ``minwon worker`` processes
share one database.

A lease is a row per job (``job_lease``): who holds it and until when. Taking it is one
statement (an upsert that only overwrites a free or expired row), so of any number of workers
asking at once exactly one gets it, on PostgreSQL (the row lock of ``INSERT … ON CONFLICT``) as
on SQLite (the write transaction, ``BEGIN IMMEDIATE``, is exclusive across processes). The
holder gives it back when the job is done; a holder that crashed or hangs loses it when it
expires, and the next worker takes over. Expiry is judged on the worker's clock (``utcnow``),
so workers on several machines need their clocks kept in step (NTP) well within the lease time.

A lease makes a job run in one place at a time; what a job reads is still guarded inside its
own transaction (its cursor row read ``FOR UPDATE``, or ``serialize`` below), so even a worker
that outlived its lease cannot count or send anything twice.
"""

from __future__ import annotations

import hashlib
import logging
import os
import secrets
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

from sqlalchemy import Engine, String, or_, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Mapped, Session, mapped_column

from minwon.db import Base, UTCDateTime, write_session
from minwon.timeutil import utcnow

log = logging.getLogger(__name__)


class JobLease(Base):
    """Who runs a background job now (``holder``) and until when the lease holds; a free lease
    has no holder."""

    __tablename__ = "job_lease"
    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    holder: Mapped[str | None] = mapped_column(String(200))
    taken_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)


def new_holder() -> str:
    """A name for one worker that says where it runs: host, process id and a random part (so
    two workers in one process, or a restarted process with a reused id, differ)."""
    return f"{socket.gethostname()[:100]}:{os.getpid()}:{secrets.token_hex(4)}"


def take(
    engine: Engine, *, name: str, holder: str, ttl: timedelta, now: datetime | None = None
) -> bool:
    """Take the lease ``name`` for ``ttl`` if it is free, expired or already ``holder``'s;
    True when ``holder`` has it now. One statement, so two takers never both succeed."""
    now = now or utcnow()
    with write_session(engine) as db:
        upsert = pg_insert if db.get_bind().dialect.name == "postgresql" else sqlite_insert
        stmt = upsert(JobLease).values(name=name, holder=holder, taken_at=now, expires_at=now + ttl)
        stmt = stmt.on_conflict_do_update(
            index_elements=["name"],
            set_={"holder": holder, "taken_at": now, "expires_at": now + ttl},
            where=or_(
                JobLease.holder.is_(None), JobLease.holder == holder, JobLease.expires_at <= now
            ),
        )
        return db.execute(stmt.returning(JobLease.name)).first() is not None


def release(engine: Engine, *, name: str, holder: str, now: datetime | None = None) -> None:
    """Give the lease back so the next worker need not wait for it to expire; a lease that is
    no longer ``holder``'s is left alone."""
    now = now or utcnow()
    with write_session(engine) as db:
        db.execute(
            update(JobLease)
            .where(JobLease.name == name, JobLease.holder == holder)
            .values(holder=None, expires_at=now)
        )


@contextmanager
def held(engine: Engine, name: str, *, holder: str, ttl: timedelta) -> Iterator[bool]:
    """Run a block under the lease ``name``: yields whether ``holder`` took it, and gives it
    back afterwards, also when the block failed. A failed give-back is logged, not raised: the
    lease then expires on its own."""
    taken = take(engine, name=name, holder=holder, ttl=ttl)
    try:
        yield taken
    finally:
        if taken:
            try:
                release(engine, name=name, holder=holder)
            except Exception:
                log.exception("could not give back the lease %s; it expires on its own", name)


def _key64(parts: tuple[str | int, ...]) -> int:
    digest = hashlib.blake2b(repr(parts).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def serialize(db: Session, *parts: str | int) -> None:
    """Make transactions that name the same ``parts`` run one after the other, for what two
    processes could otherwise both do at once (check one office for surges): a transaction-scoped
    advisory lock on PostgreSQL, released at commit or rollback. On SQLite a write transaction
    is already exclusive, so nothing more is needed there."""
    if db.get_bind().dialect.name == "postgresql":
        db.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _key64(parts)})
