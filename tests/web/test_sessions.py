"""Staff sessions kept on the server: a cookie is only an opaque token; logging out, a new
password, a changed role and an admin's "sign everyone out" end it at once; idle and absolute
timeouts; a new session at each login; ``Secure`` cookies behind https."""

import json
from base64 import b64decode, b64encode
from datetime import timedelta

import itsdangerous
import pytest
import yaml
from factories import build_world
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from minwon.app import create_app
from minwon.config import DEFAULT_SECRET_KEY, Settings
from minwon.db import session_factory, write_session
from minwon.org import service
from minwon.org.loader import load_org_data
from minwon.org.models import Staff, StaffSession
from minwon.org.security import token_digest
from web.pagetools import client_for, csrf, login

COOKIE = "minwon_session"


@pytest.fixture
def world(engine: Engine):
    return build_world(engine)


def _signed_in(client: TestClient) -> bool:
    """True when the client's cookie opens a staff page; False when it is sent to log in."""
    r = client.get("/ledger", follow_redirects=False)
    if r.status_code == 303:
        assert r.headers["location"].startswith("/login?next=")
        return False
    assert r.status_code == 200
    return True


def _copy(client: TestClient, engine: Engine, **settings: object) -> TestClient:
    """A second browser holding the same cookie as ``client`` (a copied or stolen cookie)."""
    other = client_for(engine, **settings)
    other.cookies.set(COOKIE, client.cookies[COOKIE])
    return other


def _payload(cookie: str) -> dict:
    """What a Starlette session cookie carries (its signed base64 JSON)."""
    return json.loads(b64decode(cookie.split(".")[0]))


def _rows(engine: Engine) -> list[StaffSession]:
    with session_factory(engine)() as db:
        return list(db.scalars(select(StaffSession).order_by(StaffSession.created_at)))


def _forged(key: str, data: dict) -> str:
    return itsdangerous.TimestampSigner(key).sign(b64encode(json.dumps(data).encode())).decode()


def test_cookie_carries_only_an_opaque_token_stored_hashed(engine: Engine, world) -> None:
    client = client_for(engine)
    login(client, "gr_officer")
    data = _payload(client.cookies[COOKIE])
    assert "staff_id" not in data and set(data) <= {"sid", "csrf", "flash"}
    [row] = _rows(engine)
    assert row.id == token_digest(data["sid"]) and row.id != data["sid"]
    assert row.staff_id == world.staff_ids["gr_officer"] and row.ended_at is None
    assert row.user_agent and row.ip


@pytest.mark.parametrize("key", [DEFAULT_SECRET_KEY, "app-key"])
def test_forged_cookie_does_not_log_in(engine: Engine, world, key: str) -> None:
    """Even with the signing key known (the shipped default), a cookie naming a staff member
    or inventing a token logs nobody in: sign-in comes from the server's rows only."""
    app_key = DEFAULT_SECRET_KEY if key == DEFAULT_SECRET_KEY else "k" * 48
    client = client_for(engine, secret_key=app_key)
    for data in ({"staff_id": world.staff_ids["admin"]}, {"sid": "made-up-token"}):
        client.cookies.set(COOKIE, _forged(app_key, data))
        assert not _signed_in(client)
        assert client.get("/admin", follow_redirects=False).status_code == 303


def test_cookie_signed_with_the_default_key_is_refused_by_a_real_key(engine: Engine, world) -> None:
    client = client_for(engine)  # the suite's long random key
    client.cookies.set(COOKIE, _forged(DEFAULT_SECRET_KEY, {"staff_id": 1}))
    assert not _signed_in(client)


def test_logout_ends_the_session_on_the_server(engine: Engine, world) -> None:
    client = client_for(engine)
    login(client, "gr_officer")
    stolen = _copy(client, engine)
    assert _signed_in(stolen)
    client.post("/logout", data={"csrf_token": csrf(client, "/ledger")})
    assert not _signed_in(client) and not _signed_in(stolen)
    [row] = _rows(engine)
    assert row.ended_at is not None and row.end_reason == "logout"


def test_login_starts_a_new_session_and_ends_the_old(engine: Engine, world) -> None:
    client = client_for(engine)
    client.get("/login")
    before = _payload(client.cookies[COOKIE])
    login(client, "gr_officer")
    first = _copy(client, engine)
    first_sid = _payload(client.cookies[COOKIE])["sid"]
    assert "sid" not in before
    data = {"login": "gr_lead", "password": "amber-lantern-harbor", "next": "/", "csrf_token": ""}
    data["csrf_token"] = csrf(client, "/ledger")
    assert client.post("/login", data=data).status_code == 200
    second_sid = _payload(client.cookies[COOKIE])["sid"]
    assert second_sid != first_sid
    assert not _signed_in(first) and _signed_in(client)
    old, new = _rows(engine)
    assert old.end_reason == "login" and new.ended_at is None
    assert new.staff_id == world.staff_ids["gr_lead"]


def test_failed_login_opens_no_session(engine: Engine, world) -> None:
    client = client_for(engine)
    r = login(client, "gr_officer", password="wrong-password")
    assert r.status_code == 400 and _rows(engine) == []


def test_password_change_ends_every_session_of_that_person(engine: Engine, world) -> None:
    officer, colleague = client_for(engine), client_for(engine)
    login(officer, "gr_officer")
    login(colleague, "gr_officer2")
    with write_session(engine) as db:
        staff = db.get(Staff, world.staff_ids["gr_officer"])
        service.set_password(db_session=db, staff=staff, password="brand-new-password")
    assert not _signed_in(officer)
    assert _signed_in(colleague)
    assert login(officer, "gr_officer", password="brand-new-password").url.path == "/"


def _load(engine: Engine, staff: list[dict]) -> None:
    doc = {"organization": {"code": "KNPA"}, "staff": staff}
    with write_session(engine) as db:
        load_org_data(db_session=db, data=yaml.safe_dump(doc).encode(), filename="org.yaml")


@pytest.mark.parametrize(
    "change",
    [{"role": "unit_lead"}, {"active": False}, {"password": "changed-in-the-file"}],
    ids=["role", "deactivated", "password"],
)
def test_org_file_change_ends_that_persons_sessions(engine: Engine, world, change: dict) -> None:
    officer, colleague = client_for(engine), client_for(engine)
    login(officer, "gr_officer")
    login(colleague, "gr_officer2")
    _load(engine, [{"login": "gr_officer", **change}])
    assert not _signed_in(officer)
    assert _signed_in(colleague)


def test_reloading_an_unchanged_person_keeps_the_session(engine: Engine, world) -> None:
    officer = client_for(engine)
    login(officer, "gr_officer")
    _load(engine, [{"login": "gr_officer", "role": "officer"}])
    assert _signed_in(officer)


def test_admin_signs_everyone_out(engine: Engine, world) -> None:
    admin, officer = client_for(engine), client_for(engine)
    login(admin, "admin")
    login(officer, "gr_officer")
    page = admin.get("/admin")
    assert "모든 사용자 로그아웃" in page.text and "지금 로그인 2건" in page.text
    r = admin.post("/admin/sessions/end-all", data={"csrf_token": csrf(admin, "/admin")})
    assert r.url.path == "/login" and "모든 사용자를 로그아웃시켰습니다" in r.text
    assert not _signed_in(admin) and not _signed_in(officer)
    assert {row.end_reason for row in _rows(engine)} == {"everyone"}
    # machines with bearer tokens are not sessions
    assert admin.get("/api/v1/staff", headers=world.auth("admin")).status_code == 200


def test_only_an_admin_may_sign_everyone_out(engine: Engine, world) -> None:
    lead = client_for(engine)
    login(lead, "gr_lead")
    r = lead.post("/admin/sessions/end-all", data={"csrf_token": csrf(lead, "/ledger")})
    assert r.status_code == 403
    assert _signed_in(lead) and _rows(engine)[0].ended_at is None


def test_sign_everyone_out_needs_the_csrf_token(engine: Engine, world) -> None:
    admin = client_for(engine)
    login(admin, "admin")
    r = admin.post("/admin/sessions/end-all", data={"csrf_token": "wrong"})
    assert r.status_code == 403 and _signed_in(admin)


def test_idle_timeout(engine: Engine, world, clock) -> None:
    client = client_for(engine)
    login(client, "gr_officer")
    for _ in range(3):  # a request every 29 minutes keeps the session
        clock.shift(timedelta(minutes=29))
        assert _signed_in(client)
    clock.shift(timedelta(minutes=31))
    assert not _signed_in(client)
    [row] = _rows(engine)
    assert row.end_reason == "idle"
    clock.shift(timedelta(minutes=1))
    assert not _signed_in(client)  # ended is ended


def test_idle_timeout_follows_the_setting(engine: Engine, world, clock) -> None:
    client = client_for(engine, session_idle_timeout=5 * 60)
    login(client, "gr_officer")
    clock.shift(timedelta(minutes=4))
    assert _signed_in(client)
    clock.shift(timedelta(minutes=6))
    assert not _signed_in(client)


def test_absolute_timeout_ends_even_a_busy_session(engine: Engine, world, clock) -> None:
    assert Settings().session_max_age == 12 * 3600
    assert Settings().session_idle_timeout == 30 * 60
    key = "absolute-timeout-test-key-" + "x" * 32
    client = client_for(engine, secret_key=key)
    login(client, "gr_officer")
    for _ in range(11 * 3 + 2):  # every 20 minutes for 11 h 40 min
        clock.shift(timedelta(minutes=20))
        assert _signed_in(client)
    clock.shift(timedelta(minutes=21))
    assert not _signed_in(client)
    # the server refuses it too, not only the cookie's own signed age: a cookie signed afresh
    # (as one is whenever a flash message or a CSRF token changes it) is still too old
    fresh = client_for(engine, secret_key=key)
    fresh.cookies.set(COOKIE, _forged(key, _payload(client.cookies[COOKIE])))
    assert not _signed_in(fresh)
    assert _rows(engine)[0].end_reason == "expired"


def test_last_seen_is_written_at_most_once_a_minute(engine: Engine, world, clock) -> None:
    client = client_for(engine)
    login(client, "gr_officer")
    [row] = _rows(engine)
    for _ in range(3):
        assert _signed_in(client)
    assert _rows(engine)[0].last_seen_at == row.created_at
    clock.shift(timedelta(minutes=2))
    assert _signed_in(client)
    assert _rows(engine)[0].last_seen_at >= row.created_at + timedelta(minutes=2)


def _set_cookie(engine: Engine, **settings: object) -> str:
    """The Set-Cookie header of a login (the browser itself speaks https, as a browser
    sending a Secure cookie back must)."""
    app = create_app(settings=Settings(**settings), engine=engine)  # type: ignore[arg-type]
    client = TestClient(app, base_url="https://testserver")
    data = {"login": "gr_officer", "password": "amber-lantern-harbor", "next": "/"}
    data["csrf_token"] = csrf(client)
    r = client.post("/login", data=data, follow_redirects=False)
    assert r.status_code == 303
    return "; ".join(r.headers.get_list("set-cookie")).lower()


def test_secure_cookie_behind_https(engine: Engine, world) -> None:
    assert "secure" in _set_cookie(engine, base_url="https://minwon.example.go.kr")
    assert "secure" not in _set_cookie(engine, base_url="http://127.0.0.1:8000")
    assert "secure" in _set_cookie(engine, base_url="http://127.0.0.1:8000", cookie_secure=True)
    assert "httponly" in _set_cookie(engine) and "samesite=lax" in _set_cookie(engine)


def test_a_deactivated_person_is_signed_out_even_without_the_loader(engine: Engine, world) -> None:
    client = client_for(engine)
    login(client, "gr_officer")
    with write_session(engine) as db:
        db.get(Staff, world.staff_ids["gr_officer"]).active = False  # type: ignore[union-attr]
    assert not _signed_in(client)
    assert _rows(engine)[0].end_reason == "inactive"


def test_default_app_still_works_with_the_suite_key(engine: Engine, world) -> None:
    """Apps made without settings read the environment: the suite's long random key."""
    client = TestClient(create_app(engine=engine))
    login(client, "gr_officer")
    assert _signed_in(client)


OLD_KEY, NEW_KEY = "old-session-key-" + "o" * 32, "new-session-key-" + "n" * 32


def _browser(engine: Engine, cookie: str, **settings: object) -> TestClient:
    """A browser holding ``cookie`` on an app of ``settings``."""
    client = client_for(engine, **settings)
    client.cookies.set(COOKIE, cookie)
    return client


def test_a_new_key_with_the_old_one_as_fallback_signs_nobody_out(engine: Engine, world) -> None:
    before = client_for(engine, secret_key=OLD_KEY)
    login(before, "gr_officer")
    old_cookie = before.cookies[COOKIE]
    fallbacks = f"another-old-key-{'y' * 32},{OLD_KEY}"
    after = _browser(engine, old_cookie, secret_key=NEW_KEY, secret_key_fallbacks=fallbacks)
    page = after.get("/ledger", follow_redirects=False)
    assert page.status_code == 200
    # the same answer signed the cookie again with the new key: the fallback can go
    new_cookie = page.cookies[COOKIE]
    assert new_cookie != old_cookie and _payload(new_cookie) == _payload(old_cookie)
    assert _signed_in(_browser(engine, new_cookie, secret_key=NEW_KEY))
    assert not _signed_in(_browser(engine, new_cookie, secret_key=OLD_KEY))
    current = _browser(engine, new_cookie, secret_key=NEW_KEY, secret_key_fallbacks=fallbacks)
    again = current.get("/ledger", follow_redirects=False)
    assert again.status_code == 200 and COOKIE not in again.cookies  # signed once, not each time


def test_a_new_key_without_the_old_one_signs_everyone_out(engine: Engine, world) -> None:
    before = client_for(engine, secret_key=OLD_KEY)
    login(before, "gr_officer")
    assert not _signed_in(_copy(before, engine, secret_key=NEW_KEY))
    other = f"other-deployment-{'z' * 32}"
    assert not _signed_in(_copy(before, engine, secret_key=NEW_KEY, secret_key_fallbacks=other))


@pytest.mark.parametrize("cookie", ["", "not-a-cookie", "x" * 5_000, "eyJzaWQiOiAxfQ==.bad.sig"])
def test_a_broken_cookie_under_fallback_keys_is_a_visitor(engine: Engine, world, cookie) -> None:
    visitor = _browser(engine, cookie, secret_key=NEW_KEY, secret_key_fallbacks=OLD_KEY)
    assert not _signed_in(visitor)
    assert visitor.get("/submit").status_code == 200


def test_a_fallback_key_never_signs(engine: Engine, world) -> None:
    client = client_for(engine, secret_key=NEW_KEY, secret_key_fallbacks=OLD_KEY)
    login(client, "gr_officer")
    assert _signed_in(_copy(client, engine, secret_key=NEW_KEY))
    assert not _signed_in(_copy(client, engine, secret_key=OLD_KEY))
