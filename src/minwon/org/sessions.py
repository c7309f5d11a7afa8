"""Staff sign-in sessions kept on the server: the browser's cookie carries only a random token,
the ``staff_session`` row its SHA-256. A session is valid while its row is open, its staff
member active, the last request is less than the idle timeout ago and the sign-in less than
the absolute timeout ago; logging out, a new password, a changed role and an admin's "sign
everyone out" end rows at once."""

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.orm import Session

from minwon.org.models import SignInEvent, Staff, StaffSession
from minwon.org.security import token_digest

TOUCH_INTERVAL = timedelta(seconds=60)
"""``last_seen_at`` is written at most this often, not on every request."""
MAX_USER_AGENT = 300


@dataclass(frozen=True)
class Timeouts:
    """How long a session lives: without a request (idle) and at most (absolute), seconds."""

    idle: int
    absolute: int


@dataclass(frozen=True)
class Lookup:
    """What a session token stands for now: its staff member when valid, and what should be
    written about the row (``touch``: a fresh ``last_seen_at``; ``end_reason``: it has just
    timed out)."""

    staff: Staff | None
    session_id: str | None = None
    touch: bool = False
    end_reason: str | None = None

    @property
    def needs_write(self) -> bool:
        """True when the row should be updated (seen again, or found timed out)."""
        return self.session_id is not None and (self.touch or self.end_reason is not None)


def start_session(
    *, db_session: Session, staff: Staff, now: datetime, ip: str = "", user_agent: str = ""
) -> str:
    """Open a session for ``staff`` and return its token (shown to the browser only)."""
    token = secrets.token_urlsafe(32)
    db_session.add(
        StaffSession(
            id=token_digest(token),
            staff_id=staff.id,
            created_at=now,
            last_seen_at=now,
            ip=ip[:64],
            user_agent=user_agent[:MAX_USER_AGENT],
        )
    )
    db_session.flush()
    return token


def look_up(*, db_session: Session, token: str, now: datetime, timeouts: Timeouts) -> Lookup:
    """The staff member signed in by ``token``, or none when the session is unknown, ended,
    timed out or its staff member inactive (read only: the caller records ``needs_write``)."""
    row = db_session.get(StaffSession, token_digest(token))
    if row is None or row.ended_at is not None:
        return Lookup(staff=None)
    if now - row.created_at >= timedelta(seconds=timeouts.absolute):
        return Lookup(staff=None, session_id=row.id, end_reason="expired")
    if now - row.last_seen_at >= timedelta(seconds=timeouts.idle):
        return Lookup(staff=None, session_id=row.id, end_reason="idle")
    staff = db_session.get(Staff, row.staff_id)
    if staff is None or not staff.active:
        return Lookup(staff=None, session_id=row.id, end_reason="inactive")
    return Lookup(staff=staff, session_id=row.id, touch=now - row.last_seen_at >= TOUCH_INTERVAL)


def record(*, db_session: Session, lookup: Lookup, now: datetime) -> None:
    """Write what ``look_up`` found: the session seen now, or ended for its reason."""
    if not lookup.needs_write:
        return
    query = update(StaffSession).where(
        StaffSession.id == lookup.session_id, StaffSession.ended_at.is_(None)
    )
    if lookup.end_reason is not None:
        db_session.execute(query.values(ended_at=now, end_reason=lookup.end_reason))
    else:
        db_session.execute(query.values(last_seen_at=now))


def end_session(*, db_session: Session, token: str, now: datetime, reason: str = "logout") -> None:
    """End the session of ``token`` (logging out, or a new sign-in replacing it)."""
    db_session.execute(
        update(StaffSession)
        .where(StaffSession.id == token_digest(token), StaffSession.ended_at.is_(None))
        .values(ended_at=now, end_reason=reason)
    )


def end_staff_sessions(*, db_session: Session, staff_id: int, now: datetime, reason: str) -> int:
    """End every open session of one staff member (a new password, a changed role or office,
    deactivation): each of their browsers must sign in again. Returns how many ended."""
    done = db_session.execute(
        update(StaffSession)
        .where(StaffSession.staff_id == staff_id, StaffSession.ended_at.is_(None))
        .values(ended_at=now, end_reason=reason)
    )
    return int(getattr(done, "rowcount", 0) or 0)


def end_all_sessions(*, db_session: Session, now: datetime, reason: str = "everyone") -> int:
    """End every open session of every staff member (an admin's "sign everyone out", e.g.
    after a suspected leak). Returns how many ended."""
    done = db_session.execute(
        update(StaffSession)
        .where(StaffSession.ended_at.is_(None))
        .values(ended_at=now, end_reason=reason)
    )
    return int(getattr(done, "rowcount", 0) or 0)


def open_session_count(*, db_session: Session, now: datetime, timeouts: Timeouts) -> int:
    """How many sessions are valid now (open, not idle, not past the absolute timeout)."""
    query = select(func.count(StaffSession.id)).where(
        StaffSession.ended_at.is_(None),
        StaffSession.created_at > now - timedelta(seconds=timeouts.absolute),
        StaffSession.last_seen_at > now - timedelta(seconds=timeouts.idle),
    )
    return db_session.scalar(query) or 0


SESSION_RETENTION = timedelta(days=30)
"""Ended sessions stay this long (who was signed in from where, for an incident review)."""
SIGNIN_RETENTION = timedelta(days=365)
"""Sign-in attempts stay a year in the history and the admins' audit."""


def prune(*, db_session: Session, now: datetime, timeouts: Timeouts) -> int:
    """Delete sessions that ended (or could no longer be valid) more than
    ``SESSION_RETENTION`` ago and sign-in attempts older than ``SIGNIN_RETENTION``, so the
    tables stay small; returns how many rows went."""
    cutoff = now - SESSION_RETENTION
    gone = db_session.execute(
        delete(StaffSession).where(
            or_(
                StaffSession.ended_at < cutoff,
                StaffSession.created_at < cutoff - timedelta(seconds=timeouts.absolute),
            )
        )
    )
    old = db_session.execute(delete(SignInEvent).where(SignInEvent.at < now - SIGNIN_RETENTION))
    return int(getattr(gone, "rowcount", 0) or 0) + int(getattr(old, "rowcount", 0) or 0)
