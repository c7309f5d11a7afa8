"""Outbox service: enqueue in the caller's transaction, claim due rows, record the outcome."""

import re
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import ColumnElement, CursorResult, Result, and_, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from minwon.config import get_settings
from minwon.db import begin_write
from minwon.outbox.models import RECIPIENT_LENGTH, SUBJECT_LENGTH, OutboxMessage
from minwon.textutil import one_line

PENDING = "pending"
SENDING = "sending"
SENT = "sent"
FAILED = "failed"

BACKOFF_BASE = timedelta(seconds=30)
BACKOFF_CAP = timedelta(hours=1)
MAX_ERROR_CHARS = 2000

_ADDRESS = re.compile(r"[^@\s<>()\[\],;:\"\\]+@[^@\s<>()\[\],;:\"\\]+")


def validate_recipient(recipient: str) -> str:
    """Return the recipient stripped, or raise ``ValueError`` naming it.

    Only plain ASCII addresses are accepted because the worker talks to servers that may not
    offer SMTPUTF8; internationalised domains must be given in punycode.
    """
    address = (recipient or "").strip()
    too_long = len(address) > RECIPIENT_LENGTH
    if not address or too_long or not address.isascii() or not _ADDRESS.fullmatch(address):
        raise ValueError(f"invalid recipient e-mail address: {recipient!r}")
    return address


def mail_subject(subject: str) -> str:
    """``subject`` as a mail header takes it: one line, within the column's length."""
    return one_line(subject)[:SUBJECT_LENGTH]


def enqueue(
    *,
    db_session: Session,
    recipient: str,
    subject: str,
    body: str,
    topic: str,
    voice_id: int | None = None,
    dedupe_key: str | None = None,
    send_at: datetime | None = None,
) -> OutboxMessage:
    """Add an e-mail to the outbox inside the caller's transaction, without committing.

    ``send_at`` holds the message back until then (e.g. a survey a day after the answer).

    The row becomes visible to the worker only when the caller commits the change that caused
    it, so a rolled-back change never sends anything. A ``dedupe_key`` (e.g.
    ``"answer-sent:123"``) makes the call idempotent: if a row with that key exists it is
    returned and nothing is added. Raises ``ValueError`` for an empty or malformed recipient.
    """
    address = validate_recipient(recipient)
    begin_write(db_session)
    if dedupe_key is not None:
        existing = _by_dedupe_key(db_session, dedupe_key)
        if existing is not None:
            return existing
    message = OutboxMessage(
        recipient=address,
        subject=mail_subject(subject),
        body=body,
        topic=topic,
        voice_id=voice_id,
        dedupe_key=dedupe_key,
    )
    if send_at is not None:
        message.next_attempt_at = send_at
    if dedupe_key is None:
        db_session.add(message)
        return message
    return _add_deduplicated(db_session, message)


def _by_dedupe_key(db_session: Session, dedupe_key: str) -> OutboxMessage | None:
    stmt = select(OutboxMessage).where(OutboxMessage.dedupe_key == dedupe_key)
    return db_session.scalars(stmt).one_or_none()


def _add_deduplicated(db_session: Session, message: OutboxMessage) -> OutboxMessage:
    """Insert under a savepoint: a concurrent transaction may commit the same key first."""
    try:
        with db_session.begin_nested():
            db_session.add(message)
    except IntegrityError:
        existing = _by_dedupe_key(db_session, str(message.dedupe_key))
        if existing is None:
            raise
        return existing
    return message


def claim_due(
    *,
    db_session: Session,
    limit: int,
    now: datetime,
    lease: timedelta,
    max_attempts: int | None = None,
) -> list[OutboxMessage]:
    """Claim up to ``limit`` due messages for sending by this worker, without committing.

    Due means pending with ``next_attempt_at <= now``, or ``sending`` with an expired lease
    (its worker crashed). Claimed rows become ``sending`` until ``now + lease`` and their
    ``attempts`` grows by one; the new ``attempts`` value is the claim's fencing token for
    ``mark_failed`` and ``release``. Stale rows that already used their last attempt are given
    up as ``failed`` instead. PostgreSQL uses ``FOR UPDATE SKIP LOCKED`` so workers claim
    disjoint rows; on SQLite the write transaction serialises claimers.
    """
    begin_write(db_session)
    limit_attempts = max_attempts or get_settings().outbox_max_attempts
    _give_up_stale(db_session, now, limit_attempts)
    stmt = (
        select(OutboxMessage)
        .where(_due(now))
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
        .execution_options(populate_existing=True)
    )
    messages = list(db_session.scalars(stmt))
    for message in messages:
        message.status = SENDING
        message.claimed_until = now + lease
        message.attempts += 1
    db_session.flush()
    return messages


def _due(now: datetime) -> ColumnElement[bool]:
    pending = and_(OutboxMessage.status == PENDING, OutboxMessage.next_attempt_at <= now)
    stale = and_(OutboxMessage.status == SENDING, OutboxMessage.claimed_until <= now)
    return or_(pending, stale)


def _give_up_stale(db_session: Session, now: datetime, max_attempts: int) -> None:
    stmt = (
        update(OutboxMessage)
        .where(
            OutboxMessage.status == SENDING,
            OutboxMessage.claimed_until <= now,
            OutboxMessage.attempts >= max_attempts,
        )
        .values(status=FAILED, claimed_until=None, last_error="lease expired on the last attempt")
        .execution_options(synchronize_session=False)
    )
    db_session.execute(stmt)


def mark_sent(*, db_session: Session, message: OutboxMessage, now: datetime) -> bool:
    """Record that ``message`` was handed to the mail server, so it is never sent again.

    Applies even if the lease has meanwhile passed to another worker, because the message
    did leave; returns ``False`` only when the row was already marked sent.
    """
    begin_write(db_session)
    stmt = (
        update(OutboxMessage)
        .where(OutboxMessage.id == message.id, OutboxMessage.status != SENT)
        .values(status=SENT, sent_at=now, claimed_until=None, last_error="")
        .execution_options(synchronize_session=False)
    )
    return _rowcount(db_session.execute(stmt)) == 1


def _rowcount(result: Result[Any]) -> int:
    return cast(CursorResult[Any], result).rowcount


def backoff(attempts: int) -> timedelta:
    """The wait after the ``attempts``-th failed try: 30 s doubling each time, capped at 1 h."""
    exponent = min(max(attempts - 1, 0), 20)
    return min(BACKOFF_BASE * 2**exponent, BACKOFF_CAP)


def mark_failed(
    *,
    db_session: Session,
    message: OutboxMessage,
    error: str,
    now: datetime,
    max_attempts: int | None = None,
) -> bool:
    """Record a failed send: back to ``pending`` after a back-off, or ``failed`` for good.

    Gives up once ``attempts`` reaches ``max_attempts`` (default
    ``settings.outbox_max_attempts``). Only the claim that made this attempt may record it
    (matched on ``attempts``), so a slow worker cannot undo a newer claim or a success;
    returns whether the row was updated.
    """
    begin_write(db_session)
    limit_attempts = max_attempts or get_settings().outbox_max_attempts
    values: dict[str, object] = {"claimed_until": None, "last_error": error[:MAX_ERROR_CHARS]}
    if message.attempts >= limit_attempts:
        values["status"] = FAILED
    else:
        values["status"] = PENDING
        values["next_attempt_at"] = now + backoff(message.attempts)
    return _update_own_claim(db_session, message, values)


def release(*, db_session: Session, message: OutboxMessage) -> bool:
    """Give back a claimed message that was not tried, without counting an attempt.

    The worker does this when too little of its lease remains to send safely; the message is
    due again at once. Returns whether this claim still owned the row.
    """
    begin_write(db_session)
    values: dict[str, object] = {
        "status": PENDING,
        "claimed_until": None,
        "attempts": message.attempts - 1,
    }
    return _update_own_claim(db_session, message, values)


def _update_own_claim(
    db_session: Session, message: OutboxMessage, values: dict[str, object]
) -> bool:
    stmt = (
        update(OutboxMessage)
        .where(
            OutboxMessage.id == message.id,
            OutboxMessage.status == SENDING,
            OutboxMessage.attempts == message.attempts,
        )
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    return _rowcount(db_session.execute(stmt)) == 1
