"""Signing staff in safely: the password step with growing delays and a temporary lock per
account, the history of every attempt, and the audit trail of changes to who may do what.

An account that fails ``delay_after`` times in a row must wait before its next try, twice as
long after each further failure; after ``lock_after`` failures it is locked for a while, its
owner is told by mail and the lock shows on the admin's security page. An unknown login is
verified against a dummy hash and recorded like a real one, so answers reveal no login names.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from minwon.config import Settings
from minwon.org.models import SignInEvent, Staff, StaffAuditEvent
from minwon.org.security import verify_dummy, verify_password
from minwon.outbox import service as outbox
from minwon.timeutil import to_kst

MAX_LOGIN = 64
MAX_USER_AGENT = 300
RESULTS = (
    "ok",
    "password_ok",
    "ok_recovery",
    "bad_password",
    "unknown_login",
    "bad_code",
    "locked",
    "throttled",
)
"""What an attempt came to; ``password_ok`` means the second factor is still to come."""


@dataclass(frozen=True)
class LockPolicy:
    """When an account must wait before its next try, and when it is locked (from settings)."""

    delay_after: int = 3
    delay_seconds: int = 15
    lock_after: int = 10
    lock_minutes: int = 30

    @classmethod
    def from_settings(cls, settings: Settings) -> "LockPolicy":
        """The policy the settings describe."""
        return cls(
            delay_after=max(1, settings.login_delay_after),
            delay_seconds=max(1, settings.login_delay_seconds),
            lock_after=max(1, settings.login_lock_after),
            lock_minutes=max(1, settings.login_lock_minutes),
        )

    def delay(self, failures: int) -> timedelta:
        """How long an account with ``failures`` failures in a row waits before the next
        try: nothing at first, then ``delay_seconds`` doubling with each failure, never more
        than the lock itself."""
        if failures < self.delay_after:
            return timedelta(0)
        doublings = min(failures - self.delay_after, 20)
        seconds = min(self.delay_seconds * 2**doublings, self.lock_minutes * 60)
        return timedelta(seconds=seconds)

    def wait_after(self, failures: int) -> timedelta:
        """How long after its last failure an account with ``failures`` in a row waits: the
        lock from ``lock_after`` failures on, the growing delay before."""
        if failures >= self.lock_after:
            return timedelta(minutes=self.lock_minutes)
        return self.delay(failures)


@dataclass(frozen=True)
class Client:
    """Where an attempt comes from, as recorded in the history."""

    ip: str = ""
    user_agent: str = ""


@dataclass(frozen=True)
class Attempt:
    """The outcome of the password step: the staff member when the password was right, else
    the seconds to wait (0: simply wrong) and the recorded result."""

    staff: Staff | None
    result: str
    wait: int = 0


def wait_seconds(staff: Staff, *, now: datetime, policy: LockPolicy) -> int:
    """Seconds before ``staff`` may try again (0: now): the rest of a lock, or of the delay
    that follows repeated failures."""
    if staff.last_failed_at is None:
        return 0
    return _remaining(staff.last_failed_at + policy.wait_after(staff.failed_logins), now)


def _remaining(until: datetime, now: datetime) -> int:
    return max(0, int((until - now).total_seconds() + 0.999))


def try_password(
    *,
    db_session: Session,
    login: str,
    password: str,
    now: datetime,
    policy: LockPolicy,
    client: Client,
) -> Attempt:
    """Check ``password`` for ``login`` and record the attempt. A waiting or locked account
    is not checked at all; a wrong password counts towards the delay and the lock."""
    login = login[:MAX_LOGIN]
    staff = db_session.scalar(select(Staff).where(Staff.login == login))
    if staff is None or not staff.active:
        wait = _unknown_wait(db_session, login, now=now, policy=policy)
        if wait:
            log_attempt(
                db_session=db_session,
                login=login,
                staff=None,
                result="locked",
                now=now,
                client=client,
            )
            return Attempt(staff=None, result="locked", wait=wait)
        verify_dummy(password)
        log_attempt(
            db_session=db_session,
            login=login,
            staff=None,
            result="unknown_login",
            now=now,
            client=client,
        )
        return Attempt(staff=None, result="unknown_login")
    wait = wait_seconds(staff, now=now, policy=policy)
    if wait:
        log_attempt(
            db_session=db_session, login=login, staff=staff, result="locked", now=now, client=client
        )
        return Attempt(staff=None, result="locked", wait=wait)
    if not verify_password(staff.password_hash, password):
        record_failure(db_session=db_session, staff=staff, now=now, policy=policy, client=client)
        log_attempt(
            db_session=db_session,
            login=login,
            staff=staff,
            result="bad_password",
            now=now,
            client=client,
        )
        return Attempt(staff=None, result="bad_password")
    return Attempt(staff=staff, result="password_ok")


def _unknown_wait(db_session: Session, login: str, *, now: datetime, policy: LockPolicy) -> int:
    """The wait an account named ``login`` would have if it existed, from the history of
    that name: unknown logins are delayed and locked exactly like real ones, so the answers
    never tell which login names exist."""
    query = (
        select(SignInEvent.result, SignInEvent.at)
        .where(SignInEvent.login == login, SignInEvent.result != "locked")
        .order_by(SignInEvent.at.desc(), SignInEvent.id.desc())
        .limit(policy.lock_after + 1)
    )
    failures, last = 0, None
    for result, at in db_session.execute(query):
        if result != "unknown_login":
            break
        failures, last = failures + 1, last or at
    if last is None:
        return 0
    return _remaining(last + policy.wait_after(failures), now)


def record_failure(
    *, db_session: Session, staff: Staff, now: datetime, policy: LockPolicy, client: Client
) -> None:
    """Count one more failure in a row (a wrong password or second factor); at the limit,
    lock the account and tell its owner."""
    staff.failed_logins += 1
    staff.last_failed_at = now
    if staff.failed_logins >= policy.lock_after:
        staff.locked_until = now + timedelta(minutes=policy.lock_minutes)
        audit(
            db_session=db_session,
            action="locked",
            staff=staff,
            actor_id=None,
            now=now,
            detail={
                "failures": staff.failed_logins,
                "ip": client.ip,
                "until": staff.locked_until.isoformat(),
            },
        )
        _mail_lock(db_session, staff, client)


def record_success(*, staff: Staff) -> None:
    """A complete sign-in: the count of failures starts again."""
    staff.failed_logins = 0
    staff.last_failed_at = None
    staff.locked_until = None


def unlock(*, db_session: Session, staff: Staff, actor_id: int | None, now: datetime) -> None:
    """End a lock and its delays at once (an admin, once the owner is known to be safe)."""
    record_success(staff=staff)
    audit(db_session=db_session, action="unlocked", staff=staff, actor_id=actor_id, now=now)


def locked_accounts(*, db_session: Session, now: datetime) -> list[Staff]:
    """Staff whose account is locked now, the longest lock first."""
    query = select(Staff).where(Staff.locked_until > now).order_by(Staff.locked_until.desc())
    return list(db_session.scalars(query))


def log_attempt(
    *,
    db_session: Session,
    login: str,
    staff: Staff | None,
    result: str,
    now: datetime,
    client: Client,
) -> None:
    """Add one attempt to the sign-in history."""
    db_session.add(
        SignInEvent(
            at=now,
            staff_id=staff.id if staff is not None else None,
            login=login[:MAX_LOGIN],
            ip=client.ip[:64],
            user_agent=client.user_agent[:MAX_USER_AGENT],
            result=result,
        )
    )


def history(
    *,
    db_session: Session,
    staff_id: int | None = None,
    result: str | None = None,
    limit: int = 100,
) -> list[SignInEvent]:
    """Sign-in attempts, newest first: one staff member's (their own page) or everyone's
    (the admin's audit), optionally of one result."""
    query = select(SignInEvent).order_by(SignInEvent.at.desc(), SignInEvent.id.desc())
    if staff_id is not None:
        query = query.where(SignInEvent.staff_id == staff_id)
    if result:
        query = query.where(SignInEvent.result == result)
    return list(db_session.scalars(query.limit(limit)))


def audit(
    *,
    db_session: Session,
    action: str,
    staff: Staff | None,
    actor_id: int | None,
    now: datetime,
    detail: dict[str, Any] | None = None,
) -> None:
    """Record a change to who may do what (``actor_id`` None: the system or a file load)."""
    db_session.add(
        StaffAuditEvent(
            at=now,
            action=action,
            staff_id=staff.id if staff is not None else None,
            actor_id=actor_id,
            detail=detail or {},
        )
    )


def audit_events(*, db_session: Session, limit: int = 200) -> list[StaffAuditEvent]:
    """The latest changes to accounts and permissions, newest first."""
    query = select(StaffAuditEvent).order_by(StaffAuditEvent.at.desc(), StaffAuditEvent.id.desc())
    return list(db_session.scalars(query.limit(limit)))


def _mail_lock(db_session: Session, staff: Staff, client: Client) -> None:
    """Tell the owner their account was locked, from where, and what to do if it was not them."""
    if not staff.email or staff.locked_until is None:
        return
    until = to_kst(staff.locked_until).strftime("%Y-%m-%d %H:%M")
    body = (
        f"{staff.name} 님,\n\n"
        f"비밀번호가 {staff.failed_logins}번 연속 틀려 minwon 계정({staff.login})을 "
        f"{until}(한국 시각)까지 잠갔습니다.\n"
        f"마지막 시도 주소: {client.ip or '알 수 없음'}\n\n"
        "본인이 시도한 것이 아니라면 관리자에게 알리고, 잠금이 풀린 뒤 비밀번호를 바꾸세요.\n\n"
        f"Your minwon account ({staff.login}) is locked until {until} KST after "
        f"{staff.failed_logins} wrong passwords in a row. If this was not you, tell your "
        "administrator and change your password once it is unlocked.\n"
    )
    try:
        outbox.enqueue(
            db_session=db_session,
            recipient=staff.email,
            subject="[minwon] 계정이 잠겼습니다 (account locked)",
            body=body,
            topic="account-lock",
            dedupe_key=f"account-lock:{staff.id}:{staff.locked_until.isoformat()}",
        )
    except ValueError:
        return
