"""The organisation API: listings scoped by role and office, admin-only creation, tokens."""

import pytest
from factories import build_world
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from minwon.app import create_app


@pytest.fixture
def api(engine: Engine) -> tuple[TestClient, object]:
    """A client and the test world (KNPA with offices GR and DJ)."""
    return TestClient(create_app(engine=engine)), build_world(engine)


def test_offices_and_units_are_scoped_to_the_callers_office(api: tuple) -> None:
    client, world = api
    offices = client.get("/api/v1/offices", headers=world.auth("gr_officer")).json()
    assert [o["code"] for o in offices] == ["GR"]
    offices = client.get("/api/v1/offices", headers=world.auth("admin")).json()
    assert [o["code"] for o in offices] == ["DJ", "GR"]
    units = client.get("/api/v1/units", headers=world.auth("gr_officer")).json()
    assert [u["code"] for u in units] == ["GR00", "GR01", "GR02"]
    assert units[0]["front_desk"] is True
    r = client.get("/api/v1/units?office=DJ", headers=world.auth("gr_officer"))
    assert r.status_code == 404
    r = client.get("/api/v1/units?office=DJ", headers=world.auth("admin"))
    assert [u["code"] for u in r.json()] == ["DJ01"]


def test_anonymous_callers_get_401(api: tuple) -> None:
    client, _ = api
    assert client.get("/api/v1/offices").status_code == 401
    assert client.post("/api/v1/units", json={}).status_code in (401, 422)


def test_staff_list_for_admin_and_leads_without_secrets(api: tuple) -> None:
    client, world = api
    everyone = client.get("/api/v1/staff", headers=world.auth("admin")).json()
    assert len(everyone) == 10
    assert all("password" not in k and "hash" not in k for s in everyone for k in s)
    lead = next(s for s in everyone if s["login"] == "gr_lead")
    assert (lead["role_label"], lead["office"], lead["unit"]) == ("팀장·지구대장", "GR", "GR01")
    mine = client.get("/api/v1/staff", headers=world.auth("gr_lead")).json()
    assert {s["office"] for s in mine} == {"GR"}
    assert client.get("/api/v1/staff?office=DJ", headers=world.auth("gr_lead")).status_code == 404
    r = client.get("/api/v1/staff", headers=world.auth("gr_officer"))
    assert r.status_code == 403 and r.json()["detail"]


def test_only_admins_create_units(api: tuple) -> None:
    client, world = api
    body = {"office": "GR", "code": "GR03", "name": "교통조사계", "kind": "계"}
    r = client.post("/api/v1/units", json=body, headers=world.auth("gr_officer"))
    assert r.status_code == 403
    assert "관리자" in r.json()["detail"]
    r = client.post("/api/v1/units", json=body, headers=world.auth("admin"))
    assert r.status_code == 201, r.text
    assert r.json() == {
        "id": r.json()["id"],
        "code": "GR03",
        "name": "교통조사계",
        "kind": "계",
        "front_desk": False,
        "office": "GR",
        "takes_voices": True,
        "merged_into": None,
        "duties": "",
    }
    r = client.post("/api/v1/units", json=body, headers=world.auth("admin"))
    assert r.status_code == 409 and "GR03" in r.json()["detail"]


@pytest.mark.parametrize(
    ("path", "body", "status"),
    [
        ("/api/v1/units", {"office": "GR", "code": "GR 9", "name": "x"}, 422),
        ("/api/v1/units", {"office": "ZZ", "code": "ZZ9", "name": "x"}, 404),
        ("/api/v1/units", {"office": "GR", "code": "GR9", "name": "x", "color": "red"}, 422),
        ("/api/v1/offices", {"code": "GR", "name": "중복"}, 409),
        (
            "/api/v1/staff",
            {"login": "gr_lead", "name": "x", "role": "officer", "office": "GR"},
            409,
        ),
        ("/api/v1/staff", {"login": "new1", "name": "x", "role": "boss", "office": "GR"}, 422),
        ("/api/v1/staff", {"login": "new1", "name": "x", "role": "officer"}, 422),
        (
            "/api/v1/staff",
            {"login": "new1", "name": "x", "role": "officer", "password": "short"},
            422,
        ),
        ("/api/v1/categories", {"code": "X", "name": "x", "parent": "NOPE"}, 404),
        ("/api/v1/categories", {"code": "TRAFFIC", "name": "교통"}, 409),
        ("/api/v1/routing-rules", {"unit": "GR01"}, 422),
        ("/api/v1/routing-rules", {"unit": "GR01", "category": "NOPE"}, 404),
        ("/api/v1/routing-rules", {"unit": "GR01", "dong": "구로3동", "office": "ZZ"}, 404),
        ("/api/v1/staff/nobody/tokens", {"name": "x"}, 404),
    ],
)
def test_bad_input_gets_4xx_json_with_a_reason(
    api: tuple, path: str, body: dict, status: int
) -> None:
    client, world = api
    r = client.post(path, json=body, headers=world.auth("admin"))
    assert r.status_code == status, r.text
    assert r.json()["detail"]


def test_admin_creates_office_staff_category_and_rule(api: tuple) -> None:
    client, world = api
    h = world.auth("admin")
    r = client.post("/api/v1/offices", json={"code": "SP", "name": "송파경찰서"}, headers=h)
    assert r.status_code == 201 and r.json()["organization"] == "KNPA"
    r = client.post(
        "/api/v1/staff",
        json={
            "login": "gr.new",
            "name": "신입",
            "role": "officer",
            "unit": "GR02",
            "email": "new@example.com",
            "password": "silent-orchid-glacier",
        },
        headers=h,
    )
    assert r.status_code == 201, r.text
    assert r.json()["office"] == "GR" and "password" not in r.json()
    r = client.post(
        "/api/v1/categories", json={"code": "TR-P", "name": "주차", "parent": "TRAFFIC"}, headers=h
    )
    assert r.status_code == 201 and r.json()["parent"] == "TRAFFIC"
    r = client.post(
        "/api/v1/routing-rules",
        json={"unit": "GR01", "category": "TR-P", "dong": "가리봉동", "priority": 5},
        headers=h,
    )
    assert r.status_code == 201, r.text
    assert r.json()["office"] == "GR" and r.json()["category"] == "TR-P"
    rules = client.get("/api/v1/routing-rules?office=GR", headers=h).json()
    assert len(rules) == 3
    cats = client.get("/api/v1/categories", headers=world.auth("gr_officer")).json()
    assert {c["code"]: c["parent"] for c in cats} == {"TRAFFIC": None, "TR-P": "TRAFFIC"}


def test_admin_issues_a_token_that_works_once_shown(api: tuple) -> None:
    client, world = api
    r = client.post(
        "/api/v1/staff/gr2_officer/tokens", json={"name": "순찰 앱"}, headers=world.auth("admin")
    )
    assert r.status_code == 201, r.text
    token = r.json()["token"]
    assert r.json()["login"] == "gr2_officer" and token.startswith("mw_")
    r = client.get("/api/v1/units", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 200 and {u["office"] for u in r.json()} == {"GR"}
    r = client.post(
        "/api/v1/staff/gr_officer/tokens", json={"name": "x"}, headers=world.auth("gr_lead")
    )
    assert r.status_code == 403


def test_a_routing_rule_must_send_to_a_unit_of_its_office(api: tuple) -> None:
    client, world = api
    h = world.auth("admin")
    before = client.get("/api/v1/routing-rules", headers=h).json()
    body = {"office": "GR", "category": "TRAFFIC", "dong": "구로3동", "unit": "DJ01"}
    r = client.post("/api/v1/routing-rules", json=body, headers=h)
    assert r.status_code == 422, r.text
    assert r.json() == {
        "detail": "OK팀(DJ01) 부서는 구로경찰서 소속이 아닙니다(대전본부 소속): "
        "배정 규칙은 규칙의 기관에 있는 부서로만 보낼 수 있습니다.",
        "field": "unit",
    }
    assert client.get("/api/v1/routing-rules", headers=h).json() == before
    r = client.post("/api/v1/routing-rules", json={**body, "office": "DJ"}, headers=h)
    assert r.status_code == 201 and (r.json()["office"], r.json()["unit"]) == ("DJ", "DJ01")
