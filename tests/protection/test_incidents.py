"""The incident log: any writing staff member records an incident of their office; the staff
involved are named only for the unit lead of its unit, the CS manager and the admin; the
follow-up is theirs to record; another office's incident is not found; bad input is refused
with nothing written."""

from datetime import timedelta, timezone

import pytest
from factories import World, build_world
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select

from minwon.app import create_app
from minwon.db import session_factory
from minwon.protection.models import Incident
from minwon.timeutil import to_kst, utcnow


def _client(engine: Engine) -> tuple[TestClient, World]:
    return TestClient(create_app(engine=engine)), build_world(engine)


def incident_json(**overrides: object) -> dict:
    """A valid incident body of unit GR01 an hour ago, changed by ``overrides``."""
    at = to_kst(utcnow() - timedelta(hours=1)).replace(tzinfo=None)
    body = {
        "unit": "GR01",
        "occurred_at": at.isoformat(timespec="minutes"),
        "place": "1층 민원실",
        "channel": "visit",
        "what_happened": "조사 결과에 불만을 품고 욕설을 하며 책상을 내리침",
        "staff": ["gr_officer"],
        "measures": ["calm", "first_warning", "second_warning"],
        "reported": False,
    }
    body.update(overrides)
    return body


def _count(engine: Engine) -> int:
    with session_factory(engine)() as db:
        return db.scalar(select(func.count(Incident.id))) or 0


def test_an_officer_records_an_incident_and_sees_it_redacted(engine: Engine) -> None:
    client, world = _client(engine)
    made = client.post(
        "/api/v1/protection/incidents", json=incident_json(), headers=world.auth("gr_officer2")
    )
    assert made.status_code == 201, made.text
    body = made.json()
    assert body["redacted"] is True and body["staff"] is None and body["recorded_by"] is None
    assert body["measures"] == ["calm", "first_warning", "second_warning"]
    assert body["unit"] == "GR01" and body["office"] == "GR"


def test_an_incident_is_told_in_seoul_time_whatever_offset_it_came_with(engine: Engine) -> None:
    client, world = _client(engine)
    seoul = to_kst(utcnow() - timedelta(hours=2)).replace(second=0, microsecond=0)
    kiribati = seoul.astimezone(timezone(timedelta(hours=14)))
    body = incident_json(occurred_at=kiribati.isoformat())
    made = client.post("/api/v1/protection/incidents", json=body, headers=world.auth("gr_lead"))
    assert made.status_code == 201, made.text
    told = made.json()["occurred_at"]
    assert told == seoul.isoformat() and told.endswith("+09:00")
    again = client.get(
        f"/api/v1/protection/incidents/{made.json()['id']}", headers=world.auth("gr_lead")
    )
    assert again.json()["occurred_at"] == told
    assert again.json()["created_at"].endswith("+09:00")


@pytest.mark.parametrize(
    ("login", "named"),
    [
        ("gr_lead", True),
        ("gr_cs", True),
        ("admin", True),
        ("gr_officer", False),
        ("gr2_lead", False),
        ("hq", False),
    ],
)
def test_staff_identities_only_for_the_unit_lead_cs_manager_and_admin(
    engine: Engine, login: str, named: bool
) -> None:
    client, world = _client(engine)
    made = client.post(
        "/api/v1/protection/incidents", json=incident_json(), headers=world.auth("gr_officer")
    ).json()
    one = client.get(f"/api/v1/protection/incidents/{made['id']}", headers=world.auth(login))
    assert one.status_code == 200
    listed = client.get("/api/v1/protection/incidents", headers=world.auth(login)).json()
    for item in (one.json(), listed[0]):
        assert item["redacted"] is not named
        assert item["staff"] == (["gr_officer"] if named else None)
    assert ("gr_officer" in one.text) is named


@pytest.mark.parametrize("login", ["dj_officer", "dj_lead"])
def test_another_offices_incident_is_not_found(engine: Engine, login: str) -> None:
    client, world = _client(engine)
    made = client.post(
        "/api/v1/protection/incidents", json=incident_json(), headers=world.auth("gr_officer")
    ).json()
    url = f"/api/v1/protection/incidents/{made['id']}"
    assert client.get(url, headers=world.auth(login)).status_code == 404
    assert client.patch(url, json={"reported": True}, headers=world.auth(login)).status_code == 404
    assert client.get("/api/v1/protection/incidents", headers=world.auth(login)).json() == []


def test_the_follow_up_is_for_the_lead_cs_manager_and_admin(engine: Engine) -> None:
    client, world = _client(engine)
    made = client.post(
        "/api/v1/protection/incidents", json=incident_json(), headers=world.auth("gr_officer")
    ).json()
    url = f"/api/v1/protection/incidents/{made['id']}"
    follow = {
        "measures": ["calm", "first_warning", "second_warning", "emergency_bell", "hand_over"],
        "reported": True,
        "reported_note": "구로경찰서 형사과 신고 (사건번호 2026-1234)",
        "support": ["rest", "counselling"],
        "support_note": "당일 오후 휴식, 심리 상담 연계",
    }
    assert client.patch(url, json=follow, headers=world.auth("gr_officer")).status_code == 403
    assert client.patch(url, json=follow, headers=world.auth("gr2_lead")).status_code == 403
    done = client.patch(url, json=follow, headers=world.auth("gr_lead"))
    assert done.status_code == 200, done.text
    assert done.json()["reported"] is True and done.json()["support"] == ["rest", "counselling"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"unit": "DJ01"}, "unit"),
        ({"unit": "NOPE"}, "unit"),
        ({"staff": ["dj_officer"]}, "staff"),
        ({"staff": ["nobody"]}, "staff"),
        ({"voice": "GR01-2026-999999"}, "voice"),
        ({"occurred_at": "2099-01-01T10:00"}, "occurred_at"),
    ],
)
def test_bad_incidents_are_refused_with_the_field_and_nothing_written(
    engine: Engine, change: dict, field: str
) -> None:
    client, world = _client(engine)
    r = client.post(
        "/api/v1/protection/incidents", json=incident_json(**change), headers=world.auth("gr_cs")
    )
    assert r.status_code == 422 and r.json()["field"] == field, r.text
    assert _count(engine) == 0


@pytest.mark.parametrize(
    "change",
    [
        {"channel": "fax"},
        {"measures": ["shout"]},
        {"support": ["money"]},
        {"what_happened": "   "},
        {"what_happened": "가" * 5001},
        {"occurred_at": "어제"},
        {"extra": 1},
    ],
)
def test_malformed_incidents_are_422(engine: Engine, change: dict) -> None:
    client, world = _client(engine)
    r = client.post(
        "/api/v1/protection/incidents", json=incident_json(**change), headers=world.auth("gr_cs")
    )
    assert r.status_code == 422
    assert _count(engine) == 0


def test_hq_cannot_record_and_citizens_cannot_look(engine: Engine) -> None:
    client, world = _client(engine)
    hq = client.post("/api/v1/protection/incidents", json=incident_json(), headers=world.auth("hq"))
    assert hq.status_code == 403
    assert client.get("/api/v1/protection/incidents").status_code == 401


def test_the_ladder_and_settings_are_shown_to_staff(engine: Engine) -> None:
    client, world = _client(engine)
    ladder = client.get("/api/v1/protection/ladder", headers=world.auth("gr_officer")).json()
    assert [s["code"] for s in ladder["visit"]] == [
        "calm",
        "first_warning",
        "second_warning",
        "emergency_bell",
        "protect",
        "hand_over",
        "supervisor",
    ]
    assert [s["code"] for s in ladder["phone"]] == ["phone_warning", "phone_end"]
    h = world.auth("gr_officer")
    assert client.get("/api/v1/protection/settings", headers=h).json()["call_minutes"] == 20
    body = {"call_minutes": 15, "visit_minutes": 40, "appeal_contact": "민원실 02-000-0000"}
    put = "/api/v1/protection/settings"
    assert client.put(put, json=body, headers=h).status_code == 403
    assert client.put(put, json=body, headers=world.auth("gr_cs")).status_code == 200
    assert client.get(put, headers=h).json()["call_minutes"] == 15
    dj = client.get(put, headers=world.auth("dj_officer")).json()
    assert dj["call_minutes"] == 20 and dj["office"] == "DJ"
    bad = client.put(put, json={**body, "call_minutes": 0}, headers=world.auth("gr_cs"))
    assert bad.status_code == 422
    other = client.put(put + "?office=DJ", json=body, headers=world.auth("gr_cs"))
    assert other.status_code == 422 and other.json()["field"] == "office"
