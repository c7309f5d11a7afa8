"""API tokens with scopes and an expiry: read tokens only read, write tokens change things,
the admin scope is needed (as well as the admin role) for admin-only operations; expired and
revoked tokens get a 401 saying why; a token never exceeds its staff member's role; bad
requests are refused with a clear message and write nothing."""

from datetime import timedelta

import pytest
from factories import World, build_world, voice_json
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select

from minwon.app import create_app
from minwon.db import session_factory, write_session
from minwon.org import service as org
from minwon.org.models import ApiToken, StaffAuditEvent


@pytest.fixture
def api(engine: Engine) -> tuple[TestClient, World]:
    """A client and the test world (KNPA with offices GR and DJ), plus an admin of office GR
    only (``gr_admin``, token in ``world.tokens``)."""
    world = build_world(engine)
    with write_session(engine) as db:
        gr = org.find_office(db_session=db, ref="GR")
        staff = org.create_staff(
            db_session=db, login="gr_admin", name="gr_admin", role="admin", office=gr
        )
        world.tokens["gr_admin"] = org.issue_token(db_session=db, staff=staff, name="test")
    return TestClient(create_app(engine=engine)), world


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def make(client: TestClient, world: World, caller: str, **body: object) -> dict:
    """Create a token as ``caller`` through the API; returns the answer (with the token)."""
    r = client.post("/api/v1/tokens", json={"name": "앱", **body}, headers=world.auth(caller))
    assert r.status_code == 201, r.text
    return r.json()


def test_read_tokens_only_read_and_write_tokens_change(api: tuple) -> None:
    client, world = api
    read = make(client, world, "gr_officer", scopes=["read"])
    assert read["scopes"] == ["read"] and read["token"].startswith("mw_")
    assert client.get("/api/v1/units", headers=bearer(read["token"])).status_code == 200
    body = voice_json(unit="GR01")
    r = client.post("/api/v1/voices", json=body, headers=bearer(read["token"]))
    assert r.status_code == 403 and "write" in r.json()["detail"]
    r = client.delete(f"/api/v1/tokens/{read['id']}", headers=bearer(read["token"]))
    assert r.status_code == 403  # not even revoking itself
    write = make(client, world, "gr_officer", scopes=["read", "write"], expires_in_days=30)
    assert client.post("/api/v1/voices", json=body, headers=bearer(write["token"])).is_success


def test_admin_only_operations_need_the_admin_scope_and_role(api: tuple) -> None:
    client, world = api
    office = {"code": "SD", "name": "서대문경찰서"}
    plain = make(client, world, "admin", scopes=["read", "write"])
    r = client.post("/api/v1/offices", json=office, headers=bearer(plain["token"]))
    assert r.status_code == 403
    assert client.get("/admin", headers=bearer(plain["token"])).status_code == 403
    mine = client.get("/api/v1/tokens", headers=bearer(plain["token"])).json()
    assert {t["login"] for t in mine} == {"admin"}  # without admin scope: own tokens only
    full = make(client, world, "admin", scopes=["read", "write", "admin"])
    r = client.post("/api/v1/offices", json=office, headers=bearer(full["token"]))
    assert r.status_code == 201, r.text
    everyone = client.get("/api/v1/tokens", headers=bearer(full["token"])).json()
    assert {"gr_officer", "dj_officer", "admin"} <= {t["login"] for t in everyone}
    # a token cannot hand out a scope it does not have itself
    r = client.post(
        "/api/v1/tokens", json={"name": "x", "scopes": ["admin"]}, headers=bearer(plain["token"])
    )
    assert r.status_code == 403


def test_expiry_and_last_use_follow_the_clock(api: tuple, clock, engine: Engine) -> None:
    client, world = api
    made = make(client, world, "gr_officer", scopes=["read"], expires_in_days=1)
    h = bearer(made["token"])

    def last_used() -> str | None:
        listed = client.get("/api/v1/tokens", headers=world.auth("gr_officer")).json()
        return next(t["last_used_at"] for t in listed if t["id"] == made["id"])

    assert last_used() is None
    assert client.get("/api/v1/units", headers=h).status_code == 200
    first = last_used()
    assert first is not None
    clock.shift(timedelta(seconds=20))
    client.get("/api/v1/units", headers=h)
    assert last_used() == first  # at most one write a minute
    clock.shift(timedelta(minutes=1))
    client.get("/api/v1/units", headers=h)
    assert last_used() != first
    clock.shift(timedelta(days=1))
    r = client.get("/api/v1/units", headers=h)
    assert r.status_code == 401 and "만료" in r.json()["detail"]
    listed = client.get("/api/v1/tokens", headers=world.auth("gr_officer")).json()
    assert next(t["state"] for t in listed if t["id"] == made["id"]) == "expired"


def test_revoked_tokens_are_refused_and_only_their_owner_or_admin_revokes(api: tuple) -> None:
    client, world = api
    made = make(client, world, "gr_officer", scopes=["read"])
    path = f"/api/v1/tokens/{made['id']}"
    assert client.delete(path, headers=world.auth("gr_lead")).status_code == 404
    assert client.delete(path, headers=world.auth("gr_admin")).status_code == 200
    r = client.get("/api/v1/units", headers=bearer(made["token"]))
    assert r.status_code == 401 and "폐기" in r.json()["detail"]
    assert client.delete(path, headers=world.auth("gr_officer")).json()["state"] == "revoked"
    r = client.get("/api/v1/units", headers=bearer("mw_nonsense"))
    assert r.status_code == 401 and r.json()["detail"] == "API 토큰이 올바르지 않습니다."


def test_listing_is_the_admins_office_or_ones_own(api: tuple) -> None:
    client, world = api
    gr = client.get("/api/v1/tokens", headers=world.auth("gr_admin")).json()
    assert {t["login"] for t in gr} >= {"gr_officer", "gr_cs", "gr_admin"}
    assert not {t["login"] for t in gr} & {"dj_officer", "admin", "hq"}
    assert "token" not in gr[0] and "token_hash" not in gr[0]
    own = client.get("/api/v1/tokens", headers=world.auth("gr_lead")).json()
    assert {t["login"] for t in own} == {"gr_lead"}
    made = make(client, world, "gr_admin", login="gr_officer", scopes=["read", "write"])
    assert made["login"] == "gr_officer"


@pytest.mark.parametrize(
    ("caller", "body", "status", "field", "words"),
    [
        ("gr_officer", {"scopes": ["read", "delete"]}, 422, "scopes", "delete"),
        ("gr_officer", {"scopes": []}, 422, "scopes", "하나 이상"),
        ("gr_officer", {"expires_in_days": 0}, 422, "expires_in_days", "365"),
        ("gr_officer", {"expires_in_days": 366}, 422, "expires_in_days", "365"),
        ("gr_officer", {"scopes": ["admin"]}, 422, "scopes", "역할"),
        ("admin", {"login": "gr_cs", "scopes": ["read", "admin"]}, 422, "scopes", "admin"),
        ("gr_officer", {"login": "gr_lead"}, 403, "login", "관리자"),
        ("gr_admin", {"login": "dj_officer"}, 404, "login", "dj_officer"),
        ("gr_admin", {"login": "nobody"}, 404, "login", "nobody"),
        ("gr_officer", {"name": ""}, 422, None, ""),
    ],
)
def test_bad_requests_are_refused_clearly_and_write_nothing(
    api: tuple, engine: Engine, caller: str, body: dict, status: int, field: str, words: str
) -> None:
    client, world = api

    def counts() -> tuple[int, int]:
        with session_factory(engine)() as db:
            tokens = db.scalar(select(func.count(ApiToken.id))) or 0
            return tokens, db.scalar(select(func.count(StaffAuditEvent.id))) or 0

    before = counts()
    r = client.post("/api/v1/tokens", json={"name": "앱", **body}, headers=world.auth(caller))
    assert r.status_code == status, r.text
    if field:
        assert r.json()["field"] == field and words in r.json()["detail"]
    assert counts() == before


def test_a_token_loses_what_its_staff_members_role_no_longer_allows(
    api: tuple, engine: Engine
) -> None:
    client, world = api
    made = make(client, world, "gr_admin", scopes=["read", "write", "admin"])
    h = bearer(made["token"])
    office = {"code": "SD", "name": "서대문경찰서"}
    with write_session(engine) as db:
        org.staff_by_login(db_session=db, login="gr_admin").role = "cs_manager"
    assert client.get("/api/v1/units", headers=h).status_code == 200
    assert client.post("/api/v1/offices", json=office, headers=h).status_code == 403
    listed = client.get("/api/v1/tokens", headers=h).json()
    assert {t["login"] for t in listed} == {"gr_admin"}  # no longer the office's tokens


def test_tokens_made_before_scopes_keep_working_for_90_days(tmp_path) -> None:
    """Migration 0019: old tokens get read write (admins': + admin) and expire 90
    days after the upgrade (SQLite; the chain itself is tests/test_migrations.py's)."""
    from sqlalchemy import create_engine, inspect, text

    from minwon import migrate
    from minwon.timeutil import utcnow

    url = f"sqlite:///{tmp_path}/old.db"
    migrate.upgrade(url, "0018_protection")
    engine = create_engine(url)
    required = [
        c for c in inspect(engine).get_columns("staff") if not c["nullable"] and c["name"] != "id"
    ]
    with engine.begin() as conn:
        for number, role in enumerate(("admin", "officer", "hq_analyst"), start=1):
            row = {c["name"]: _filler(str(c["type"])) for c in required}
            row |= {"login": role, "role": role}
            names = ", ".join(row)
            conn.execute(
                text(f"INSERT INTO staff (id, {names}) VALUES ({number}, :{', :'.join(row)})"),
                row,
            )
            conn.execute(
                text(
                    "INSERT INTO api_token (staff_id, name, token_hash, created_at, revoked) "
                    "VALUES (:s, 'old', :h, '2026-01-01 00:00:00.000000', 0)"
                ),
                {"s": number, "h": f"{number:064d}"},
            )
    engine.dispose()
    migrate.upgrade(url)
    engine = create_engine(url)
    with session_factory(engine)() as db:
        found = {t.staff.role: t for t in db.scalars(select(ApiToken))}
        assert {role: t.scopes for role, t in found.items()} == {
            "admin": "read write admin",
            "officer": "read write",
            "hq_analyst": "read write",
        }
        left = found["officer"].expires_at - utcnow()
        assert timedelta(days=89, hours=23) < left <= timedelta(days=90)
    engine.dispose()


def _filler(column_type: str) -> object:
    """Some value of a column's type, for a row written below the ORM."""
    upper = column_type.upper()
    if "INT" in upper or "BOOL" in upper:
        return 0
    if "DATE" in upper or "TIME" in upper:
        return "2026-01-01 00:00:00.000000"
    return "{}" if "JSON" in upper else "x"
