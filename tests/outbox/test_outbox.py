"""The outbox: transactional enqueue, dedupe, claims with leases, back-off, no double send."""

import threading
import time
from collections import Counter
from datetime import datetime, timedelta

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from minwon.db import session_factory, write_session
from minwon.outbox.models import OutboxMessage
from minwon.outbox.service import (
    backoff,
    claim_due,
    enqueue,
    mark_failed,
    mark_sent,
    release,
)
from minwon.outbox.worker import run_forever, run_once
from minwon.timeutil import utcnow

LEASE = timedelta(minutes=5)


class CountingSender:
    """Records every send; fails the first try of ids in ``fail_first``."""

    def __init__(self, fail_first: frozenset[int] = frozenset(), delay: float = 0.0) -> None:
        self.sent: list[int] = []
        self.tries: Counter[int] = Counter()
        self.fail_first = fail_first
        self.delay = delay
        self.lock = threading.Lock()

    def send(self, message: OutboxMessage) -> None:
        with self.lock:
            self.tries[message.id] += 1
            if message.id in self.fail_first and self.tries[message.id] == 1:
                raise ConnectionError("relay busy")
        time.sleep(self.delay)
        with self.lock:
            self.sent.append(message.id)


def _add(db: Session, n: int = 1, **kwargs: object) -> list[OutboxMessage]:
    messages = [
        enqueue(
            db_session=db,
            recipient=f"citizen{i}@example.kr",
            subject=f"답변 {i}",
            body="처리 결과를 알려드립니다.",
            topic="answer",
            **kwargs,  # type: ignore[arg-type]
        )
        for i in range(n)
    ]
    db.commit()
    return messages


def _seed(engine: Engine, n: int) -> list[int]:
    with session_factory(engine)() as db:
        return [m.id for m in _add(db, n)]


def _claim(engine: Engine, now: datetime, limit: int = 10, **kwargs: object) -> list[OutboxMessage]:
    with write_session(engine) as db:
        return claim_due(db_session=db, limit=limit, now=now, lease=LEASE, **kwargs)  # type: ignore[arg-type]


def _row(engine: Engine, message_id: int) -> OutboxMessage:
    with session_factory(engine)() as db:
        return db.get_one(OutboxMessage, message_id)


def _count(db: Session) -> int:
    return db.scalar(select(func.count()).select_from(OutboxMessage)) or 0


def test_enqueue_rolled_back_leaves_nothing(db: Session) -> None:
    enqueue(db_session=db, recipient="a@example.kr", subject="제목", body="본문", topic="answer")
    db.rollback()
    assert _count(db) == 0


def test_enqueue_adds_pending_row_in_callers_transaction(db: Session) -> None:
    message = enqueue(
        db_session=db, recipient=" a@example.kr ", subject="제목", body="본문", topic="answer"
    )
    assert db.in_transaction()
    db.commit()
    assert (message.status, message.attempts, message.channel) == ("pending", 0, "email")
    assert message.recipient == "a@example.kr"
    assert message.next_attempt_at <= utcnow()


def test_dedupe_key_returns_existing_row(db: Session) -> None:
    first = _add(db, dedupe_key="answer-sent:123")[0]
    again = _add(db, dedupe_key="answer-sent:123")[0]
    other = _add(db, dedupe_key="answer-sent:124")[0]
    assert again.id == first.id
    assert other.id != first.id
    assert _count(db) == 2


def test_dedupe_key_within_one_transaction(db: Session) -> None:
    kwargs = {"recipient": "a@example.kr", "subject": "s", "body": "b", "topic": "t"}
    first = enqueue(db_session=db, dedupe_key="k", **kwargs)
    second = enqueue(db_session=db, dedupe_key="k", **kwargs)
    db.commit()
    assert first is second
    assert _count(db) == 1


def test_dedupe_key_race_between_transactions(engine: Engine) -> None:
    kwargs = {"recipient": "a@example.kr", "subject": "s", "body": "b", "topic": "t"}
    results: list[int] = []
    with session_factory(engine)() as first:
        row = enqueue(db_session=first, dedupe_key="race", **kwargs)
        first.flush()

        def second() -> None:
            with write_session(engine) as db:
                results.append(enqueue(db_session=db, dedupe_key="race", **kwargs).id)

        thread = threading.Thread(target=second)
        thread.start()
        time.sleep(0.3)
        first.commit()
        thread.join(timeout=30)
    assert results == [row.id]
    with session_factory(engine)() as db:
        assert _count(db) == 1


@pytest.mark.parametrize(
    "recipient",
    ["", "   ", "no-at-sign", "a@b@c", "a b@example.kr", "a@example.kr\r\nBcc: x@y", "홍@길동.kr"],
)
def test_bad_recipient_is_rejected(db: Session, recipient: str) -> None:
    with pytest.raises(ValueError, match="recipient") as info:
        enqueue(db_session=db, recipient=recipient, subject="s", body="b", topic="t")
    assert repr(recipient) in str(info.value)
    assert _count(db) == 0


def test_claim_marks_sending_with_lease(engine: Engine) -> None:
    ids = _seed(engine, 3)
    now = utcnow()
    first = _claim(engine, now, limit=2)
    assert [m.id for m in first] == ids[:2]
    row = _row(engine, ids[0])
    assert (row.status, row.attempts, row.claimed_until) == ("sending", 1, now + LEASE)
    assert [m.id for m in _claim(engine, now, limit=2)] == ids[2:]
    assert _claim(engine, now) == []


def test_claim_ignores_rows_not_yet_due(engine: Engine) -> None:
    (message_id,) = _seed(engine, 1)
    assert _claim(engine, utcnow() - timedelta(minutes=1)) == []
    assert [m.id for m in _claim(engine, utcnow())] == [message_id]


def test_expired_lease_is_claimed_again(engine: Engine) -> None:
    (message_id,) = _seed(engine, 1)
    now = utcnow()
    _claim(engine, now)
    assert _claim(engine, now + LEASE - timedelta(seconds=1)) == []
    again = _claim(engine, now + LEASE)
    assert [(m.id, m.attempts) for m in again] == [(message_id, 2)]


def test_expired_lease_on_last_attempt_gives_up(engine: Engine) -> None:
    (message_id,) = _seed(engine, 1)
    now = utcnow()
    _claim(engine, now, max_attempts=1)
    assert _claim(engine, now + LEASE, max_attempts=1) == []
    row = _row(engine, message_id)
    assert row.status == "failed"
    assert "lease" in row.last_error


def test_backoff_doubles_from_30_seconds_and_caps_at_an_hour() -> None:
    seconds = [backoff(n).total_seconds() for n in range(1, 10)]
    assert seconds == [30, 60, 120, 240, 480, 960, 1920, 3600, 3600]
    assert backoff(10_000) == timedelta(hours=1)


def test_failures_back_off_then_give_up(engine: Engine) -> None:
    (message_id,) = _seed(engine, 1)
    now = utcnow()
    for attempt in range(1, 4):
        (message,) = _claim(engine, now, max_attempts=3)
        assert message.attempts == attempt
        with write_session(engine) as db:
            assert mark_failed(
                db_session=db, message=message, error="boom", now=now, max_attempts=3
            )
        row = _row(engine, message_id)
        if attempt < 3:
            assert (row.status, row.next_attempt_at) == ("pending", now + backoff(attempt))
            assert _claim(engine, now + backoff(attempt) - timedelta(seconds=1)) == []
            now += backoff(attempt)
    row = _row(engine, message_id)
    assert (row.status, row.attempts, row.last_error, row.claimed_until) == (
        "failed",
        3,
        "boom",
        None,
    )
    assert _claim(engine, now + timedelta(days=1), max_attempts=3) == []


def test_outcome_of_an_overtaken_claim(engine: Engine) -> None:
    (message_id,) = _seed(engine, 1)
    now = utcnow()
    (old,) = _claim(engine, now)
    (new,) = _claim(engine, now + LEASE)
    with write_session(engine) as db:
        assert not mark_failed(db_session=db, message=old, error="late", now=now)
        assert not release(db_session=db, message=old)
    assert _row(engine, message_id).attempts == 2
    with write_session(engine) as db:
        assert mark_sent(db_session=db, message=old, now=now)
        assert not mark_failed(db_session=db, message=new, error="late", now=now)
        assert not mark_sent(db_session=db, message=new, now=now)
    row = _row(engine, message_id)
    assert (row.status, row.sent_at, row.last_error) == ("sent", now, "")
    assert _claim(engine, now + timedelta(days=1)) == []


def test_release_returns_message_without_counting_an_attempt(engine: Engine) -> None:
    (message_id,) = _seed(engine, 1)
    now = utcnow()
    (message,) = _claim(engine, now)
    with write_session(engine) as db:
        assert release(db_session=db, message=message)
    row = _row(engine, message_id)
    assert (row.status, row.attempts, row.claimed_until) == ("pending", 0, None)
    assert [m.attempts for m in _claim(engine, now)] == [1]


def test_two_workers_never_send_twice(engine: Engine) -> None:
    ids = _seed(engine, 200)
    sender = CountingSender(delay=0.001)
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def work() -> None:
        try:
            barrier.wait()
            while run_once(engine=engine, sender=sender, limit=7):
                pass
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    assert len(sender.sent) == 200
    assert sorted(sender.sent) == ids
    with session_factory(engine)() as db:
        statuses = db.scalars(select(OutboxMessage.status)).all()
    assert set(statuses) == {"sent"}


def test_failed_send_is_retried_later_not_lost(engine: Engine) -> None:
    ids = _seed(engine, 6)
    sender = CountingSender(fail_first=frozenset(ids[::2]))
    now = utcnow()
    assert run_once(engine=engine, sender=sender, now=now) == 3
    failed = _row(engine, ids[0])
    assert (failed.status, failed.attempts) == ("pending", 1)
    assert "ConnectionError: relay busy" in failed.last_error
    assert run_once(engine=engine, sender=sender, now=now) == 0
    assert run_once(engine=engine, sender=sender, now=now + timedelta(minutes=1)) == 3
    assert sorted(sender.sent) == ids
    assert run_once(engine=engine, sender=sender, now=now + timedelta(days=1)) == 0


def test_worker_gives_back_messages_when_the_lease_runs_low(engine: Engine) -> None:
    ids = _seed(engine, 3)
    sender = CountingSender(delay=0.6)
    assert run_once(engine=engine, sender=sender, lease=timedelta(seconds=1)) == 1
    assert sender.sent == ids[:1]
    rows = [_row(engine, i) for i in ids[1:]]
    assert [(r.status, r.attempts) for r in rows] == [("pending", 0), ("pending", 0)]
    assert run_once(engine=engine, sender=CountingSender()) == 2


def test_run_forever_sends_until_stopped(engine: Engine) -> None:
    _seed(engine, 5)
    sender = CountingSender()
    stop = threading.Event()
    kwargs = {"engine": engine, "sender": sender, "stop": stop, "poll_seconds": 0.05, "limit": 2}
    thread = threading.Thread(target=run_forever, kwargs=kwargs)
    thread.start()
    deadline = time.monotonic() + 10
    while len(sender.sent) < 5 and time.monotonic() < deadline:
        time.sleep(0.02)
    stop.set()
    thread.join(timeout=10)
    assert not thread.is_alive()
    assert len(sender.sent) == 5


def test_subjects_are_one_line_within_the_column(db: Session) -> None:
    message = enqueue(
        db_session=db,
        recipient="a@example.kr",
        subject="[GR01-2026-000001] 가로등\r\n고장 " + "가" * 400,
        body="본문",
        topic="answer",
    )
    db.commit()
    assert "\n" not in message.subject and "\r" not in message.subject
    assert message.subject.startswith("[GR01-2026-000001] 가로등 고장 ")
    assert len(message.subject) == 300
