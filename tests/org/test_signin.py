"""Signing in: growing delays and a temporary lock per account (the owner is mailed, an admin
unlocks), every attempt in the history, unknown logins treated like known ones."""

from datetime import timedelta

import pytest
from factories import PASSWORD, build_world
from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import Engine, select
from web.pagetools import csrf, login

from minwon.app import create_app
from minwon.config import Settings
from minwon.db import session_factory, write_session
from minwon.org import signin
from minwon.org.models import SignInEvent, Staff, StaffAuditEvent
from minwon.outbox.models import OutboxMessage
from minwon.timeutil import utcnow

WIDE_LIMITS = {"throttle_login_account": "1000/minute", "throttle_login_address": "1000/minute"}
"""The address/login limits out of the way, so the account's own delays and lock show."""


@pytest.fixture
def world(engine: Engine):
    return build_world(engine)


def _client(engine: Engine, **settings: object) -> TestClient:
    return TestClient(create_app(settings=Settings(**(WIDE_LIMITS | settings)), engine=engine))


def _try(client: TestClient, name: str, password: str = "wrong-password-here"):
    data = {"login": name, "password": password, "next": "/", "csrf_token": csrf(client)}
    return client.post("/login", data=data, follow_redirects=False)


def _staff(engine: Engine, login_name: str) -> Staff:
    with session_factory(engine)() as db:
        staff = db.scalar(select(Staff).where(Staff.login == login_name))
        assert staff is not None
        db.expunge(staff)
        return staff


def _events(engine: Engine) -> list[SignInEvent]:
    with session_factory(engine)() as db:
        return list(db.scalars(select(SignInEvent).order_by(SignInEvent.id)))


@given(st.integers(min_value=0, max_value=200))
def test_delays_grow_and_never_exceed_the_lock(failures: int) -> None:
    policy = signin.LockPolicy(delay_after=3, delay_seconds=15, lock_after=10, lock_minutes=30)
    delay = policy.delay(failures)
    assert delay <= timedelta(minutes=30)
    if failures < 3:
        assert delay == timedelta(0)
    else:
        assert delay >= timedelta(seconds=15)
        assert policy.delay(failures + 1) >= delay


def test_repeated_failures_make_the_account_wait(engine: Engine, world, clock) -> None:
    client = _client(engine)
    assert [_try(client, "gr_officer").status_code for _ in range(3)] == [400, 400, 400]
    waiting = _try(client, "gr_officer", PASSWORD)  # even the right password waits
    assert waiting.status_code == 429 and 1 <= int(waiting.headers["Retry-After"]) <= 15
    assert "너무 많습니다" in waiting.text and 'value="gr_officer"' in waiting.text
    clock.shift(timedelta(seconds=16))
    assert _try(client, "gr_officer").status_code == 400  # the fourth failure: 30 s now
    clock.shift(timedelta(seconds=16))
    assert _try(client, "gr_officer", PASSWORD).status_code == 429
    clock.shift(timedelta(seconds=15))
    assert _try(client, "gr_officer", PASSWORD).status_code == 303
    assert _staff(engine, "gr_officer").failed_logins == 0  # a success starts the count again


def test_a_lock_mails_the_owner_and_shows_on_the_admin_page(engine: Engine, world, clock) -> None:
    with write_session(engine) as db:
        db.get(Staff, world.staff_ids["gr_lead"]).email = "lead@example.com"
    client = _client(engine, login_delay_after=100, login_lock_after=5, login_lock_minutes=30)
    for _ in range(5):
        assert _try(client, "gr_lead").status_code == 400
    locked = _try(client, "gr_lead", PASSWORD)
    assert locked.status_code == 429 and int(locked.headers["Retry-After"]) > 29 * 60
    staff = _staff(engine, "gr_lead")
    assert staff.locked_until is not None and staff.failed_logins == 5
    with session_factory(engine)() as db:
        [mail] = db.scalars(select(OutboxMessage).where(OutboxMessage.topic == "account-lock"))
        assert mail.recipient == "lead@example.com"
        assert "잠갔습니다" in mail.body and "gr_lead" in mail.body and "testclient" in mail.body

    admin = _client(engine)
    login(admin, "admin")
    page = admin.get("/admin/security")
    assert page.status_code == 200 and "잠긴 계정 <small" in page.text and "gr_lead" in page.text
    assert "잠긴 계정 1개" in admin.get("/admin").text
    unlock = admin.post(
        f"/admin/security/unlock/{staff.id}", data={"csrf_token": csrf(admin, "/admin/security")}
    )
    assert "잠금을 풀었습니다" in unlock.text
    assert _try(client, "gr_lead", PASSWORD).status_code == 303
    with session_factory(engine)() as db:
        actions = [e.action for e in db.scalars(select(StaffAuditEvent))]
    assert actions.count("locked") == 1 and actions.count("unlocked") == 1


def test_the_lock_ends_by_itself(engine: Engine, world, clock) -> None:
    client = _client(engine, login_delay_after=100, login_lock_after=3, login_lock_minutes=10)
    for _ in range(3):
        _try(client, "gr_officer")
    assert _try(client, "gr_officer", PASSWORD).status_code == 429
    clock.shift(timedelta(minutes=10, seconds=1))
    assert _try(client, "gr_officer", PASSWORD).status_code == 303


def test_every_attempt_is_in_the_history(engine: Engine, world) -> None:
    client = _client(engine)
    _try(client, "nobody-here")
    _try(client, "gr_officer")
    assert _try(client, "gr_officer", PASSWORD).status_code == 303
    results = [(e.login, e.result, e.staff_id is not None) for e in _events(engine)]
    assert results == [
        ("nobody-here", "unknown_login", False),
        ("gr_officer", "bad_password", True),
        ("gr_officer", "ok", True),
    ]
    assert all(e.ip == "testclient" and e.user_agent for e in _events(engine))
    own = client.get("/account/security")
    assert own.status_code == 200 and "비밀번호 틀림" in own.text and "없는 아이디" not in own.text


def test_unknown_and_inactive_logins_look_like_wrong_passwords(engine: Engine, world) -> None:
    with write_session(engine) as db:
        db.get(Staff, world.staff_ids["gr_officer2"]).active = False
    client = _client(engine)
    answers = [_try(client, name, PASSWORD) for name in ("nobody", "gr_officer2")]
    answers.append(_try(client, "gr_officer"))
    assert {a.status_code for a in answers} == {400}
    assert len({a.text.count("맞지 않습니다") for a in answers}) == 1


def test_unknown_login_verifies_a_dummy_hash(engine: Engine, world, monkeypatch) -> None:
    """An unknown login takes the same path as a known one: one argon2 verification."""
    calls: list[str] = []
    real = signin.verify_dummy
    monkeypatch.setattr(signin, "verify_dummy", lambda pw: calls.append(pw) or real(pw))
    with write_session(engine) as db:
        kw = {"db_session": db, "now": utcnow(), "policy": signin.LockPolicy()}
        kw["client"] = signin.Client()
        assert signin.try_password(login="nobody", password="guess", **kw).staff is None
        assert calls == ["guess"]
        assert signin.try_password(login="gr_officer", password=PASSWORD, **kw).staff
        assert calls == ["guess"]  # known logins verify their own hash


def test_history_and_audit_are_admin_only(engine: Engine, world) -> None:
    for name in ("gr_lead", "gr_cs", "hq", "gr_officer"):
        client = _client(engine)
        login(client, name)
        assert client.get("/admin/security").status_code == 403
        token = csrf(client, "/account/security")
        for path in ("/admin/security/throttle-reset", f"/admin/security/unlock/{1}"):
            assert client.post(path, data={"csrf_token": token}).status_code == 403


def test_admin_clears_the_throttle_counters(engine: Engine, world) -> None:
    app = create_app(settings=Settings(throttle_login_address="2/15 minutes"), engine=engine)
    citizen = TestClient(app, client=("198.51.100.7", 1234))
    _try(citizen, "gr_officer")
    _try(citizen, "gr_officer")
    assert _try(citizen, "gr_officer", PASSWORD).status_code == 429
    admin = TestClient(app)
    login(admin, "admin")
    done = admin.post(
        "/admin/security/throttle-reset", data={"csrf_token": csrf(admin, "/admin/security")}
    )
    assert "시도 제한 기록을 모두 지웠습니다" in done.text
    assert _try(citizen, "gr_officer", PASSWORD).status_code == 303
    assert "시도 제한 기록 지움" in admin.get("/admin/security").text


def test_old_sessions_and_attempts_are_pruned(engine: Engine, world, clock) -> None:
    from minwon.org import sessions
    from minwon.org.models import StaffSession

    client = _client(engine)
    _try(client, "gr_officer")
    assert _try(client, "gr_officer", PASSWORD).status_code == 303
    client.post("/logout", data={"csrf_token": csrf(client, "/ledger")})
    timeouts = sessions.Timeouts(idle=1800, absolute=12 * 3600)
    with write_session(engine) as db:
        assert sessions.prune(db_session=db, now=utcnow(), timeouts=timeouts) == 0
        later = utcnow() + timedelta(days=31)
        assert sessions.prune(db_session=db, now=later, timeouts=timeouts) == 1
        assert db.scalar(select(StaffSession)) is None
        assert len(list(db.scalars(select(SignInEvent)))) == 2  # kept a year
        a_year_on = utcnow() + timedelta(days=366)
        assert sessions.prune(db_session=db, now=a_year_on, timeouts=timeouts) == 2


def test_unknown_logins_wait_and_lock_like_real_ones(engine: Engine, world, clock) -> None:
    """Delays and locks never tell which login names exist."""
    client = _client(engine, login_lock_after=5, login_lock_minutes=30)

    def answers(name: str) -> list[tuple[int, int]]:
        seen = []
        for pause in (0, 0, 0, 0, 61, 61, 61, 1801, 0):
            clock.shift(timedelta(seconds=pause))
            r = _try(client, name)
            seen.append((r.status_code, int(r.headers.get("Retry-After", 0))))
        return seen

    real = answers("gr_officer")
    clock.shift(timedelta(hours=2))
    unknown = answers("no.such.person")
    assert [code for code, _ in real] == [code for code, _ in unknown]
    assert [code for code, _ in real] == [400, 400, 400, 429, 400, 400, 429, 400, 429]
    for (_, a), (_, b) in zip(real, unknown, strict=True):
        assert abs(a - b) <= 2
    assert real[6][1] > 28 * 60 and real[8][1] > 29 * 60  # locked, and again after the lock
    results = [e.result for e in _events(engine)]
    assert results.count("bad_password") == results.count("unknown_login") == 6
