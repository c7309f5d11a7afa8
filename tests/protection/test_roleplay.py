"""Role-play: the shipped library (five service-recovery scenarios with a listen-empathise-
apologise-resolve-follow-up rubric, and the drill ladder for a visit and a call) is copied into
an organisation on first use; admins edit it and can put it back; sessions record participants,
the observer, observer and self scores and coaching notes; scores are seen by the people in the
session, their lead, CS and admins; each officer's history averages them; bad input changes
nothing."""

from datetime import timedelta

import pytest
from factories import World, build_world
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select

from minwon.app import create_app
from minwon.db import session_factory
from minwon.protection.models import PracticeSession
from minwon.timeutil import to_kst, utcnow

SERVICE = ["listen", "empathise", "apologise", "resolve", "follow_up"]


def _setup(engine: Engine) -> tuple[TestClient, World, dict[str, dict]]:
    world = build_world(engine)
    client = TestClient(create_app(engine=engine))
    listed = client.get("/api/v1/roleplay/scenarios", headers=world.auth("gr_officer"))
    assert listed.status_code == 200, listed.text
    return client, world, {s["code"]: s for s in listed.json()}


def _held(days: float = 1) -> str:
    return to_kst(utcnow() - timedelta(days=days)).replace(tzinfo=None).isoformat("T", "minutes")


def session_json(scenario_id: int, **overrides: object) -> dict:
    """A valid session of gr_officer observed by gr_lead, changed by ``overrides``."""
    body = {
        "scenario_id": scenario_id,
        "held_at": _held(),
        "participants": ["gr_officer"],
        "observer": "gr_lead",
        "observer_scores": {"gr_officer": {"listen": 4, "empathise": 3, "apologise": 2}},
        "self_scores": {"gr_officer": {"listen": 5, "empathise": 4}},
        "coaching": "사과를 변명 없이 먼저 하기",
    }
    body.update(overrides)
    return body


def _count(engine: Engine) -> int:
    with session_factory(engine)() as db:
        return db.scalar(select(func.count(PracticeSession.id))) or 0


def test_the_library_ships_the_five_scenarios_and_two_drills(engine: Engine) -> None:
    _, _, lib = _setup(engine)
    assert {"hit_and_run", "more_patrols", "rudeness", "repeat", "turns_abusive"} <= set(lib)
    for code in ("hit_and_run", "more_patrols", "rudeness", "repeat", "turns_abusive"):
        s = lib[code]
        assert s["family"] == "service" and s["persona"] and s["wants"] and len(s["lines"]) >= 3
        assert [i["code"] for i in s["rubric"]] == SERVICE
        assert all(len(i["anchors"]) == 5 for i in s["rubric"])
    assert lib["drill_visit"]["family"] == lib["drill_phone"]["family"] == "protection"
    assert lib["drill_phone"]["channel"] == "phone"


def test_the_library_is_copied_once(engine: Engine) -> None:
    client, world, lib = _setup(engine)
    again = client.get("/api/v1/roleplay/scenarios", headers=world.auth("dj_lead")).json()
    assert sorted(s["id"] for s in again) == sorted(s["id"] for s in lib.values())


def test_an_admin_edits_a_scenario_and_puts_it_back(engine: Engine) -> None:
    client, world, lib = _setup(engine)
    s = lib["more_patrols"]
    body = {k: s[k] for k in ("title", "persona", "wants", "channel", "lines", "rubric", "active")}
    body["persona"] = "80대 주민, 보청기를 쓴다."
    url = f"/api/v1/roleplay/scenarios/{s['id']}"
    assert client.put(url, json=body, headers=world.auth("gr_cs")).status_code == 403
    done = client.put(url, json=body, headers=world.auth("admin"))
    assert done.status_code == 200 and done.json()["edited"] is True
    assert client.get(url, headers=world.auth("gr_officer")).json()["persona"] == body["persona"]
    back = client.post(url + "/reset", headers=world.auth("admin")).json()
    assert back["persona"] == s["persona"] and back["edited"] is False


@pytest.mark.parametrize(
    "change",
    [
        {"rubric": []},
        {"lines": []},
        {"title": ""},
        {"channel": "fax"},
        {"rubric": [{"code": "listen", "name": "경청", "anchors": ["a", "b", "c", "d"]}]},
        {"rubric": [{"code": "Bad Code", "name": "x", "anchors": ["a"] * 5}]},
        {"rubric": [{"code": "x", "name": "x", "anchors": ["a"] * 5}] * 2},
    ],
)
def test_bad_scenarios_are_refused_and_nothing_changes(engine: Engine, change: dict) -> None:
    client, world, lib = _setup(engine)
    s = lib["rudeness"]
    body = {k: s[k] for k in ("title", "persona", "wants", "channel", "lines", "rubric", "active")}
    url = f"/api/v1/roleplay/scenarios/{s['id']}"
    assert client.put(url, json={**body, **change}, headers=world.auth("admin")).status_code == 422
    assert client.get(url, headers=world.auth("admin")).json() == s


def test_a_session_keeps_observer_and_self_scores_and_the_notes(engine: Engine) -> None:
    client, world, lib = _setup(engine)
    made = client.post(
        "/api/v1/roleplay/sessions",
        json=session_json(lib["hit_and_run"]["id"]),
        headers=world.auth("gr_lead"),
    )
    assert made.status_code == 201, made.text
    body = made.json()
    assert body["observer"] == "gr_lead" and body["coaching"] == "사과를 변명 없이 먼저 하기"
    [p] = body["participants"]
    assert p["observer"] == {"listen": 4, "empathise": 3, "apologise": 2}
    assert p["self"] == {"listen": 5, "empathise": 4}
    url = f"/api/v1/roleplay/sessions/{body['id']}/self"
    new = {"scores": {"listen": 3, "resolve": 4}}
    assert client.put(url, json=new, headers=world.auth("gr_lead")).status_code == 403
    mine = client.put(url, json=new, headers=world.auth("gr_officer"))
    assert mine.status_code == 200 and mine.json()["participants"][0]["self"] == new["scores"]


@pytest.mark.parametrize(
    ("login", "seen"),
    [
        ("gr_officer", True),
        ("gr_lead", True),
        ("gr_cs", True),
        ("admin", True),
        ("gr_officer2", False),
        ("gr2_lead", False),
        ("dj_lead", False),
        ("hq", False),
    ],
)
def test_scores_are_seen_by_the_session_the_lead_cs_and_admin(
    engine: Engine, login: str, seen: bool
) -> None:
    client, world, lib = _setup(engine)
    body = session_json(lib["rudeness"]["id"], observer="gr_cs")
    made = client.post("/api/v1/roleplay/sessions", json=body, headers=world.auth("gr_cs")).json()
    one = client.get(f"/api/v1/roleplay/sessions/{made['id']}", headers=world.auth(login))
    assert one.status_code == (200 if seen else 404)
    listed = client.get("/api/v1/roleplay/sessions", headers=world.auth(login)).json()
    assert [x["id"] for x in listed] == ([made["id"]] if seen else [])
    person = world.staff_ids["gr_officer"]
    history = client.get(f"/api/v1/roleplay/people/{person}", headers=world.auth(login))
    assert history.status_code == (200 if seen else 404)


def test_the_history_averages_over_sessions(engine: Engine) -> None:
    client, world, lib = _setup(engine)
    h = world.auth("gr_lead")
    for days, listen in ((30, 2), (10, 4)):
        body = session_json(
            lib["repeat"]["id"],
            held_at=_held(days),
            observer_scores={"gr_officer": {"listen": listen}},
            self_scores={},
        )
        assert client.post("/api/v1/roleplay/sessions", json=body, headers=h).status_code == 201
    found = client.get(f"/api/v1/roleplay/people/{world.staff_ids['gr_officer']}", headers=h)
    body = found.json()
    assert [s["observer_mean"] for s in body["sessions"]] == [4.0, 2.0]
    assert body["items"]["listen"] == {"observer": 3.0, "self": None, "n": 2}


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"participants": ["dj_officer"]}, "participants"),
        ({"participants": ["nobody"]}, "participants"),
        ({"observer": "gr_officer"}, "observer"),
        ({"observer": "dj_lead"}, "observer"),
        ({"held_at": "2099-01-01T10:00"}, "held_at"),
        ({"observer_scores": {"gr_officer2": {"listen": 3}}}, "observer_scores"),
        ({"observer_scores": {"gr_officer": {"order": 3}}}, "observer_scores"),
        ({"self_scores": {"gr_officer": {"bogus": 3}}}, "self_scores"),
    ],
)
def test_bad_sessions_are_refused_with_the_field_and_nothing_written(
    engine: Engine, change: dict, field: str
) -> None:
    client, world, lib = _setup(engine)
    body = session_json(lib["hit_and_run"]["id"], **change)
    r = client.post("/api/v1/roleplay/sessions", json=body, headers=world.auth("gr_lead"))
    assert r.status_code == 422 and r.json()["field"] == field, r.text
    assert _count(engine) == 0


@pytest.mark.parametrize(
    "change",
    [
        {"observer_scores": {"gr_officer": {"listen": 6}}},
        {"observer_scores": {"gr_officer": {"listen": 0}}},
        {"participants": []},
        {"scenario_id": 0},
        {"held_at": "지난주"},
        {"coaching": "가" * 5001},
    ],
)
def test_malformed_sessions_are_422(engine: Engine, change: dict) -> None:
    client, world, lib = _setup(engine)
    body = {**session_json(lib["hit_and_run"]["id"]), **change}
    r = client.post("/api/v1/roleplay/sessions", json=body, headers=world.auth("gr_lead"))
    assert r.status_code == 422
    assert _count(engine) == 0


def test_hq_does_not_record_and_another_orgs_scenario_is_unknown(engine: Engine) -> None:
    client, world, lib = _setup(engine)
    body = session_json(lib["hit_and_run"]["id"])
    assert (
        client.post("/api/v1/roleplay/sessions", json=body, headers=world.auth("hq")).status_code
        == 403
    )
    missing = session_json(10_000)
    r = client.post("/api/v1/roleplay/sessions", json=missing, headers=world.auth("gr_lead"))
    assert r.status_code == 404
