"""Every route of the app, enumerated (so routes added later are covered too), asked by an
anonymous caller, by each role, and by staff of another office about that office's voice and
action: anonymous callers reach only the public routes listed here, no one ever gets a 5xx, and
another office's rows are 403/404."""

import re
from datetime import timedelta
from typing import Any

import pytest
from factories import STAFF, World, build_world
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from minwon.app import create_app
from minwon.db import write_session
from minwon.timeutil import to_kst, utcnow
from minwon.voices.models import VoiceAttachment
from web.pagetools import api_voice

PUBLIC = {
    ("GET", "/"),
    ("GET", "/login"),
    ("POST", "/login"),
    ("GET", "/login/code"),
    ("POST", "/login/code"),
    ("GET", "/login/setup"),
    ("POST", "/login/setup"),
    ("GET", "/submit"),
    ("POST", "/submit"),
    ("GET", "/submit/done"),
    ("GET", "/track"),
    ("POST", "/track"),
    ("GET", "/s/{token}"),
    ("POST", "/s/{token}"),
    ("GET", "/s"),
    ("GET", "/s/c/{code}"),
    ("POST", "/s/c/{code}"),
    ("POST", "/kiosk/{token}"),
    ("GET", "/board/{office}"),
    ("GET", "/patrols/request"),
    ("POST", "/patrols/request"),
    ("GET", "/api/v1/board/{office}"),
    ("POST", "/api/v1/track"),
    ("POST", "/api/v1/voices"),
    ("GET", "/open311/v2/discovery.{fmt}"),
    ("GET", "/open311/v2/services.{fmt}"),
    ("GET", "/open311/v2/services/{service_code}.{fmt}"),
    ("GET", "/open311/v2/requests.{fmt}"),
    ("POST", "/open311/v2/requests.{fmt}"),
    ("GET", "/open311/v2/requests/{service_request_id}.{fmt}"),
    ("GET", "/open311/v2/tokens/{token}.{fmt}"),
    ("GET", "/open311/v2/servicerequestupdates.{fmt}"),
}
"""Routes a citizen may reach without logging in (method, path template)."""

_PARAM = re.compile(r"\{(\w+)(?::\w+)?\}")


def _routes(app: Any) -> list[tuple[str, str]]:
    """(method, path template) of every route, HEAD aside."""
    found = []
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        if isinstance(route, APIRoute):
            path = context.path_format or route.path_format
            found += [(m, path) for m in sorted((context.methods or route.methods) - {"HEAD"})]
    return found


def _fill(path: str, values: dict[str, object]) -> str:
    return _PARAM.sub(lambda m: str(values.get(m.group(1), 1)), path)


def _refused_anonymous(method: str, path: str, response: Any) -> bool:
    """401/403 for the API; pages send a visitor to the login page (or refuse a form)."""
    if response.status_code in (401, 403):
        return True
    location = response.headers.get("location", "")
    return response.status_code in (302, 303) and location.startswith("/login")


@pytest.fixture
def world_and_rows(engine: Engine) -> tuple[TestClient, World, dict[str, object]]:
    """The test organisation with a voice and an action in office DJ."""
    world = build_world(engine)
    client = TestClient(
        create_app(engine=engine), raise_server_exceptions=False, follow_redirects=False
    )
    voice = api_voice(client, world, "dj_officer", unit="DJ01")
    action = client.post(
        "/api/v1/actions",
        json={"title": "안내문 개선", "voice_ids": [voice["id"]]},
        headers=world.auth("dj_lead"),
    )
    assert action.status_code == 201, action.text
    attachment_id = _attach(engine, voice["id"])
    spare = client.post(  # a token of office DJ to revoke: never one the callers use
        "/api/v1/tokens", json={"name": "spare", "scopes": ["read"]}, headers=world.auth("dj_lead")
    )
    assert spare.status_code == 201, spare.text
    quality = _quality_rows(client, world)
    protection = _protection_rows(client, world)
    campaign = client.post(
        "/api/v1/outreach/campaigns",
        json={"code": "DJ-SAFE", "name": "안전 캠페인"},
        headers=world.auth("dj_lead"),
    )
    assert campaign.status_code == 201, campaign.text
    values = {
        **quality,
        **protection,
        "campaign_id": campaign.json()["id"],
        "voice_id": voice["id"],
        "action_id": action.json()["id"],
        "office": "DJ",
        "login": "dj_officer",
        "action": "assign",
        "name": "received",
        "code": "ABCD-EFGH-JKMN",
        "token": "not-a-token",
        "attachment_id": attachment_id,
        "fmt": "json",
        "token_id": spare.json()["id"],
    }
    return client, world, values


def _quality_rows(client: TestClient, world: World) -> dict[str, object]:
    """A self check, a mystery visit and the unit of office DJ (``/quality/...``)."""
    templates = client.get("/api/v1/quality/templates", headers=world.auth("dj_lead")).json()
    visit_tpl = next(t for t in templates if t["channel"] == "visit")
    marks = [{"item_id": i["id"], "met": True} for i in visit_tpl["items"] if not i["is_promise"]]
    check = client.post(
        "/api/v1/quality/checks",
        json={"kind": "self", "template_id": visit_tpl["id"], "marks": marks},
        headers=world.auth("dj_lead"),
    )
    assert check.status_code == 201, check.text
    visit = client.post(
        "/api/v1/quality/visits",
        json={
            "unit": "DJ01",
            "channel": "call",
            "scenario": "분실물 문의",
            "window_start": (to_kst(utcnow()).date() - timedelta(days=5)).isoformat(),
            "window_end": (to_kst(utcnow()).date() + timedelta(days=25)).isoformat(),
        },
        headers=world.auth("admin"),
    )
    assert visit.status_code == 201, visit.text
    units = client.get("/api/v1/units", headers=world.auth("admin")).json()
    return {
        "check_id": check.json()["id"],
        "visit_id": visit.json()["id"],
        "unit_id": next(u["id"] for u in units if u["code"] == "DJ01"),
        "template_id": visit_tpl["id"],
        "item_id": visit_tpl["items"][0]["id"],
    }


QUALITY_IDS = ("{check_id}", "{visit_id}", "{unit_id}")
"""Path parameters naming rows of one office in the quality pages and API."""


def _kst(days: float) -> str:
    """Seoul time ``days`` from the test clock's now, as a form or API would send it."""
    return to_kst(utcnow() + timedelta(days=days)).replace(tzinfo=None).isoformat("T", "minutes")


def _protection_rows(client: TestClient, world: World) -> dict[str, object]:
    """An incident, a suspension and a role-play session of office DJ, and a DJ officer (for
    ``/roleplay/people/{staff_id}``)."""
    incident = client.post(
        "/api/v1/protection/incidents",
        json={
            "unit": "DJ01",
            "occurred_at": _kst(days=-5),
            "channel": "visit",
            "what_happened": "욕설",
            "staff": ["dj_officer"],
        },
        headers=world.auth("dj_lead"),
    )
    assert incident.status_code == 201, incident.text
    suspension = client.post(
        "/api/v1/protection/suspensions",
        json={
            "identity": "010-1212-3434",
            "reason_code": "repeat",
            "reason": "반복",
            "ends_at": _kst(days=30),
            "office": "DJ",
        },
        headers=world.auth("admin"),
    )
    assert suspension.status_code == 201, suspension.text
    scenarios = client.get("/api/v1/roleplay/scenarios", headers=world.auth("dj_lead")).json()
    session = client.post(
        "/api/v1/roleplay/sessions",
        json={
            "scenario_id": scenarios[0]["id"],
            "held_at": _kst(days=-3),
            "participants": ["dj_officer"],
            "observer_scores": {"dj_officer": {"listen": 3}},
        },
        headers=world.auth("dj_lead"),
    )
    assert session.status_code == 201, session.text
    return {
        "incident_id": incident.json()["id"],
        "suspension_id": suspension.json()["id"],
        "session_id": session.json()["id"],
        "scenario_id": scenarios[0]["id"],
        "staff_id": world.staff_ids["dj_officer"],
        "step": "appeal",
    }


OFFICE_ROWS = (
    "{voice_id}",
    "{action_id}",
    "{incident_id}",
    "{suspension_id}",
    "{session_id}",
    "{campaign_id}",
    "{token_id}",
)
"""Path parameters naming a row of office DJ: out of reach for staff of office GR."""


def _attach(engine: Engine, voice_id: int) -> int:
    """A citizen's file on the voice (``/voices/{voice_id}/attachments/{attachment_id}``)."""
    with write_session(engine) as db:
        item = VoiceAttachment(
            voice_id=voice_id,
            file_name="사진.pdf",
            content_type="application/pdf",
            size=len(PDF),
            content=PDF,
        )
        db.add(item)
        db.flush()
        return item.id


PDF = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n"
ATTACHMENT = ("GET", "/voices/{voice_id}/attachments/{attachment_id}")
"""A citizen's file: staff of the voice's office who see personal data, no one else."""


def test_every_route_is_enumerated(engine: Engine) -> None:
    routes = _routes(create_app(engine=engine))
    assert len(routes) >= 100
    assert ("GET", "/api/v1/voices/{voice_id}") in routes and ("GET", "/ledger") in routes
    assert PUBLIC <= set(routes), PUBLIC - set(routes)
    assert ATTACHMENT in routes and ATTACHMENT not in PUBLIC


def test_anonymous_callers_reach_only_the_public_routes(world_and_rows: tuple) -> None:
    client, _, values = world_and_rows
    wrong = []
    for method, path in _routes(client.app):
        response = client.request(method, _fill(path, values))
        if response.status_code >= 500:
            wrong.append(f"{method} {path} -> {response.status_code}")
        elif (method, path) not in PUBLIC and not _refused_anonymous(method, path, response):
            wrong.append(f"{method} {path} open to anyone -> {response.status_code}")
    assert not wrong, "\n".join(wrong)


SWEPT = [login for login, *_ in STAFF if login != "gr_officer2"]
"""Every account but the unit's second officer, whose role, office and unit are the first's."""
SWEPT_ON_POSTGRESQL = ["gr_officer", "gr_lead", "gr_cs", "dj_officer", "hq", "admin"]
"""Each role once, and the officer whose office owns the rows: PostgreSQL runs the same
handlers as SQLite, so its sweep looks for what only its types and limits can break."""


def test_no_role_gets_a_server_error_anywhere(world_and_rows: tuple, engine: Engine) -> None:
    client, world, values = world_and_rows
    wrong = []
    for login in SWEPT_ON_POSTGRESQL if engine.dialect.name == "postgresql" else SWEPT:
        for method, path in _routes(client.app):
            response = client.request(method, _fill(path, values), headers=world.auth(login))
            if response.status_code >= 500:
                wrong.append(f"{login}: {method} {path} -> {response.status_code}")
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("login", ["gr_officer", "gr_lead", "gr_cs"])
def test_another_offices_rows_are_out_of_reach(world_and_rows: tuple, login: str) -> None:
    client, world, values = world_and_rows
    wrong = []
    ids = (*OFFICE_ROWS, *QUALITY_IDS)
    for method, path in _routes(client.app):
        if not any(name in path for name in ids) and path != "/roleplay/people/{staff_id}":
            continue
        response = client.request(method, _fill(path, values), headers=world.auth(login), json={})
        if method == "GET" and response.status_code not in (403, 404):
            wrong.append(f"{method} {path} -> {response.status_code}")
        elif response.status_code < 300 or response.status_code >= 500:
            wrong.append(f"{method} {path} -> {response.status_code}")
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize(
    ("login", "status"),
    [
        ("dj_officer", 200),
        ("dj_lead", 200),
        ("admin", 200),
        ("hq", 403),
        ("gr_officer", 404),
        ("gr_lead", 404),
        ("gr_cs", 404),
    ],
)
def test_a_citizens_file_is_for_the_voices_office_only(
    world_and_rows: tuple, login: str, status: int
) -> None:
    client, world, values = world_and_rows
    response = client.get(_fill(ATTACHMENT[1], values), headers=world.auth(login))
    assert response.status_code == status
    assert (response.content == PDF) == (status == 200)
