"""Two-factor sign-in: admins must set up an authenticator app by default, an admin decides per
role, codes are single-use, recovery codes stand in for a lost phone, and a wrong code counts
towards the account's lock like a wrong password."""

import re
from datetime import timedelta

import pytest
from factories import PASSWORD, build_world
from fastapi.testclient import TestClient
from sqlalchemy import Engine, delete, select
from web.pagetools import csrf

from minwon.app import create_app
from minwon.config import Settings
from minwon.db import session_factory, write_session
from minwon.org import twofactor
from minwon.org.models import RolePolicy, Staff, StaffAuditEvent
from minwon.timeutil import utcnow

SECRET_RE = re.compile(r'id="totp-secret">([A-Z2-7 ]+)<')
CODES_RE = re.compile(r"<li>([a-z0-9]{5}-[a-z0-9]{5})</li>")


@pytest.fixture
def world(engine: Engine):
    world = build_world(engine)
    with write_session(engine) as db:  # back to the shipped default: admins only
        db.execute(delete(RolePolicy))
    return world


def _client(engine: Engine) -> TestClient:
    return TestClient(create_app(settings=Settings(), engine=engine))


def _password(client: TestClient, name: str, password: str = PASSWORD):
    data = {"login": name, "password": password, "next": "/ledger", "csrf_token": csrf(client)}
    return client.post("/login", data=data, follow_redirects=False)


def _signed_in(client: TestClient) -> bool:
    return client.get("/ledger", follow_redirects=False).status_code == 200


def _enrol(client: TestClient, name: str) -> tuple[str, list[str]]:
    """Sign ``name`` in for the first time through the set-up; returns secret and codes."""
    assert _password(client, name).headers["location"] == "/login/setup"
    page = client.get("/login/setup")
    match = SECRET_RE.search(page.text)
    assert page.status_code == 200 and match and "<svg" in page.text
    secret = match.group(1).replace(" ", "")
    code = twofactor.code_at(secret, utcnow())
    done = client.post(
        "/login/setup", data={"code": code, "csrf_token": csrf(client, "/login/setup")}
    )
    assert done.status_code == 200 and "복구 코드" in done.text
    codes = CODES_RE.findall(done.text)
    assert len(codes) == twofactor.RECOVERY_CODES
    return secret, codes


def _code(client: TestClient, code: str):
    return client.post(
        "/login/code",
        data={"code": code, "csrf_token": csrf(client, "/login/code")},
        follow_redirects=False,
    )


def test_admins_must_set_up_two_factor_by_default(engine: Engine, world) -> None:
    client = _client(engine)
    assert _password(client, "admin").headers["location"] == "/login/setup"
    assert not _signed_in(client)  # the password alone opens nothing
    assert client.get("/admin", follow_redirects=False).status_code == 303
    secret, _ = _enrol(client, "admin")
    assert _signed_in(client)
    with session_factory(engine)() as db:
        admin = db.get(Staff, world.staff_ids["admin"])
        assert admin.totp_enabled_at is not None and twofactor.secret_of(admin) == secret
        assert secret not in admin.totp_secret  # sealed at rest
        assert [e.action for e in db.scalars(select(StaffAuditEvent))] == ["totp_enabled"]
    officer = _client(engine)
    assert _password(officer, "gr_officer").headers["location"] == "/ledger"


def test_the_second_step_takes_a_current_code_once(engine: Engine, world, clock) -> None:
    secret, _ = _enrol(_client(engine), "admin")
    clock.shift(timedelta(seconds=31))
    client = _client(engine)
    assert _password(client, "admin").headers["location"] == "/login/code"
    assert not _signed_in(client)
    wrong = _code(client, "000000" if twofactor.code_at(secret, utcnow()) != "000000" else "111111")
    assert wrong.status_code == 400 and "맞지 않습니다" in wrong.text
    code = twofactor.code_at(secret, utcnow())
    assert _code(client, code).headers["location"] == "/ledger"
    assert _signed_in(client)
    replay = _client(engine)  # the same code, seen over a shoulder
    _password(replay, "admin")
    assert _code(replay, code).status_code == 400 and not _signed_in(replay)


def test_a_recovery_code_works_once(engine: Engine, world, clock) -> None:
    _, codes = _enrol(_client(engine), "admin")
    for expected in (303, 400):
        client = _client(engine)
        _password(client, "admin")
        answer = _code(client, codes[0].upper())
        assert answer.status_code == expected
    client = _client(engine)
    _password(client, "admin")
    _code(client, codes[1])
    assert "남은 복구 코드 8개" in client.get("/ledger").text


def test_the_password_step_expires(engine: Engine, world, clock) -> None:
    secret, _ = _enrol(_client(engine), "admin")
    client = _client(engine)
    _password(client, "admin")
    clock.shift(timedelta(minutes=6))
    answer = client.post(
        "/login/code",
        data={"code": twofactor.code_at(secret, utcnow()), "csrf_token": csrf(client, "/login")},
    )
    assert answer.url.path == "/login" and "만료" in answer.text and not _signed_in(client)


def test_wrong_codes_count_towards_the_lock(engine: Engine, world) -> None:
    _enrol(_client(engine), "admin")
    client = TestClient(
        create_app(settings=Settings(login_delay_after=100, login_lock_after=3), engine=engine)
    )
    _password(client, "admin")
    assert [_code(client, "123456").status_code for _ in range(3)] == [400, 400, 400]
    assert _code(client, "123456").status_code == 429


def test_admin_chooses_the_roles_and_resets_a_lost_phone(engine: Engine, world) -> None:
    admin = _client(engine)
    _enrol(admin, "admin")
    data = {"role_officer": "on", "role_admin": "on", "csrf_token": csrf(admin, "/admin/security")}
    saved = admin.post("/admin/security/totp-roles", data=data)
    assert "2단계 인증이 필요한 역할: 직원, 관리자" in saved.text
    with session_factory(engine)() as db:
        assert twofactor.required_roles(db_session=db) == {"officer", "admin"}
    officer = _client(engine)
    assert _password(officer, "gr_officer").headers["location"] == "/login/setup"
    lead = _client(engine)
    assert _password(lead, "gr_lead").headers["location"] == "/ledger"
    _enrol(_client(engine), "gr_officer2")
    officer_id = world.staff_ids["gr_officer2"]
    reset = admin.post(
        f"/admin/security/totp-reset/{officer_id}",
        data={"csrf_token": csrf(admin, "/admin/security")},
    )
    assert "2단계 인증을 초기화했습니다" in reset.text
    again = _client(engine)
    assert _password(again, "gr_officer2").headers["location"] == "/login/setup"
    audit = admin.get("/admin/security").text
    for label in ("2단계 인증 필수 역할 변경", "2단계 인증 초기화(관리자)", "2단계 인증 켬"):
        assert label in audit


def test_staff_turn_it_on_and_off_on_their_own_page(engine: Engine, world) -> None:
    client = _client(engine)
    assert _password(client, "gr_officer").status_code == 303
    page = client.get("/account/totp")
    secret = SECRET_RE.search(page.text).group(1).replace(" ", "")
    token = csrf(client, "/account/security")
    bad = client.post("/account/totp", data={"code": "12", "csrf_token": token})
    assert bad.status_code == 400 and "맞지 않습니다" in bad.text
    code = twofactor.code_at(secret, utcnow())
    done = client.post("/account/totp", data={"code": code, "csrf_token": token})
    assert len(CODES_RE.findall(done.text)) == twofactor.RECOVERY_CODES
    assert "등록했습니다" in client.get("/account/security").text
    wrong = client.post("/account/totp/off", data={"password": "nope", "csrf_token": token})
    assert wrong.status_code == 400 and "맞지 않습니다" in wrong.text
    off = client.post("/account/totp/off", data={"password": PASSWORD, "csrf_token": token})
    assert "2단계 인증을 껐습니다" in off.text
    with session_factory(engine)() as db:
        staff = db.get(Staff, world.staff_ids["gr_officer"])
        assert staff.totp_enabled_at is None and staff.totp_secret == ""


def test_a_required_role_cannot_turn_it_off(engine: Engine, world) -> None:
    client = _client(engine)
    _enrol(client, "admin")
    token = csrf(client, "/account/security")
    off = client.post("/account/totp/off", data={"password": PASSWORD, "csrf_token": token})
    assert off.status_code == 400 and "끌 수 없습니다" in off.text
    with session_factory(engine)() as db:
        assert db.get(Staff, world.staff_ids["admin"]).totp_enabled_at is not None
