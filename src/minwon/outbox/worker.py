"""The outbox worker: claim due messages, send them outside any transaction, record outcomes."""

import logging
import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import Engine

from minwon.db import write_session
from minwon.outbox import service
from minwon.outbox.models import OutboxMessage
from minwon.outbox.smtp import Sender
from minwon.timeutil import utcnow

__all__ = ["DEFAULT_LEASE", "Sender", "run_forever", "run_once"]

log = logging.getLogger(__name__)

DEFAULT_LEASE = timedelta(minutes=10)

Clock = Callable[[], datetime]


def _clock_from(start: datetime) -> Clock:
    """``start`` advanced by real elapsed time, so a test's fixed ``now`` still moves on."""
    origin = time.monotonic()
    return lambda: start + timedelta(seconds=time.monotonic() - origin)


def run_once(
    *,
    engine: Engine,
    sender: Sender,
    now: datetime | None = None,
    limit: int = 50,
    lease: timedelta = DEFAULT_LEASE,
) -> int:
    """Claim one batch of due messages, send each, and record each outcome; return the sent.

    The claim is committed before anything is sent, so no transaction stays open during
    network I/O and other workers skip the claimed rows. Each outcome is then written in its
    own short transaction: a failed send is rescheduled with back-off (never lost), and a
    message whose lease is running out is given back unsent rather than risk a second worker
    sending it too.
    """
    clock = _clock_from(now or utcnow())
    with write_session(engine) as db:
        batch = service.claim_due(db_session=db, limit=limit, now=clock(), lease=lease)
    return sum(_deliver(engine, sender, message, clock, lease) for message in batch)


def _deliver(
    engine: Engine, sender: Sender, message: OutboxMessage, clock: Clock, lease: timedelta
) -> bool:
    # Send only with at least half the lease left, so the send ends before anyone reclaims.
    if message.claimed_until is None or clock() > message.claimed_until - lease / 2:
        with write_session(engine) as db:
            service.release(db_session=db, message=message)
        return False
    try:
        sender.send(message)
    except Exception as exc:
        log.warning(
            "outbox message %s not sent (attempt %s): %s", message.id, message.attempts, exc
        )
        with write_session(engine) as db:
            error = f"{type(exc).__name__}: {exc}"
            service.mark_failed(db_session=db, message=message, error=error, now=clock())
        return False
    with write_session(engine) as db:
        service.mark_sent(db_session=db, message=message, now=clock())
    return True


def run_forever(
    *,
    engine: Engine,
    sender: Sender,
    stop: threading.Event,
    poll_seconds: float,
    limit: int = 50,
) -> None:
    """Run ``run_once`` until ``stop`` is set: at once again after a full batch, else after a
    pause of ``poll_seconds``. Errors (e.g. the database briefly down) are logged and retried
    on the next round, because a worker that dies silently stops all outgoing mail.
    """
    while not stop.is_set():
        sent = 0
        try:
            sent = run_once(engine=engine, sender=sender, limit=limit)
        except Exception:
            log.exception("outbox worker round failed")
        if sent < limit:
            stop.wait(poll_seconds)
