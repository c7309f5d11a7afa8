"""The survey API: templates defined by the CS manager, a voice's invitation on demand, scores
with intervals by group, and rankings with small samples shown as such."""

from factories import build_world, voice_json
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from minwon.app import create_app
from minwon.db import write_session
from minwon.org import service as org
from minwon.reports import rollups
from minwon.surveys import templates

TEMPLATE = {
    "code": "VISIT",
    "name": "방문 민원 만족도",
    "trigger": "counter_visit",
    "questions": [
        {"key": "csat", "kind": "csat", "text": "전반적으로 만족하셨습니까?"},
        {
            "key": "wait",
            "kind": "choice",
            "text": "대기 시간은?",
            "choices": ["짧음", "보통", "긺"],
        },
        {"key": "note", "kind": "text", "text": "하고 싶은 말씀", "required": False},
    ],
}


def test_templates_are_defined_by_the_cs_manager(engine: Engine) -> None:
    world = build_world(engine)
    client = TestClient(create_app(engine=engine))
    made = client.post("/api/v1/surveys/templates", json=TEMPLATE, headers=world.auth("gr_cs"))
    assert made.status_code == 201, made.text
    assert [q["key"] for q in made.json()["questions"]] == ["csat", "wait", "note"]
    again = client.post("/api/v1/surveys/templates", json=TEMPLATE, headers=world.auth("gr_cs"))
    assert again.status_code == 409
    officer = client.post(
        "/api/v1/surveys/templates", json=TEMPLATE, headers=world.auth("gr_officer")
    )
    assert officer.status_code == 403
    bad = {**TEMPLATE, "code": "X2", "trigger": "never"}
    assert (
        client.post("/api/v1/surveys/templates", json=bad, headers=world.auth("gr_cs")).status_code
        == 422
    )
    no_csat = {**TEMPLATE, "code": "X3", "questions": TEMPLATE["questions"][1:]}
    assert (
        client.post(
            "/api/v1/surveys/templates", json=no_csat, headers=world.auth("gr_cs")
        ).status_code
        == 422
    )
    listed = client.get("/api/v1/surveys/templates", headers=world.auth("gr_officer")).json()
    assert [t["code"] for t in listed] == ["VISIT"]


def test_a_voice_invitation_on_demand_and_scores(engine: Engine) -> None:
    world = build_world(engine)
    with write_session(engine) as db:
        templates.ensure_defaults(
            db_session=db, organization_id=org.find_organization(db_session=db).id
        )
    client = TestClient(create_app(engine=engine))
    h = world.auth("gr_lead")
    voice = client.post("/api/v1/voices", json=voice_json(unit="GR01"), headers=h).json()
    early = client.post(f"/api/v1/voices/{voice['id']}/survey", headers=h)
    assert early.status_code == 409
    client.post(f"/api/v1/voices/{voice['id']}/answer", json={"body": "조치"}, headers=h)
    client.post(f"/api/v1/voices/{voice['id']}/answer/approve", headers=h)
    made = client.post(f"/api/v1/voices/{voice['id']}/survey", headers=h)
    assert made.status_code == 201, made.text
    body = made.json()
    assert body["link"].startswith("http") and body["code_link"].endswith(body["short_code"])
    assert client.post(f"/api/v1/voices/{voice['id']}/survey", headers=h).status_code == 409
    shown = client.get(f"/api/v1/voices/{voice['id']}/survey", headers=h).json()
    assert shown["link"] is None and shown["used"] is False
    assert (
        client.get(
            f"/api/v1/voices/{voice['id']}/survey", headers=world.auth("dj_lead")
        ).status_code
        == 404
    )
    path = body["link"].split("://", 1)[1].split("/", 1)[1]
    page = client.get("/" + path)
    token = page.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    answers = {"csat": "5", "kind": "5", "speed": "4", "nps": "10", "csrf_token": token}
    assert client.post("/" + path, data=answers).status_code == 200
    rollups.update(engine)
    scores = client.get("/api/v1/surveys/scores?by=unit&unit=", headers=h).json()
    assert scores[0]["name"] == "구로지구대" and scores[0]["csat"]["value"] == 5.0
    assert scores[0]["response_rate"]["value"] == 1.0
    assert (scores[0]["invited"], scores[0]["uninvited"]) == (1, 0)
    ranks = client.get("/api/v1/surveys/rankings?level=office", headers=h).json()
    assert ranks[0]["status"] == "not_enough" and ranks[0]["rank"] is None
    assert client.get("/api/v1/surveys/scores?by=nothing", headers=h).status_code == 422
    assert client.get("/api/v1/surveys/scores?office=DJ", headers=h).status_code == 404


def test_survey_page_shows_index_drivers_comments_and_defines_templates(engine: Engine) -> None:
    from reports.test_rollups import _respond
    from web.pagetools import csrf, login

    build_world(engine)
    for i in range(40):
        _respond(engine, "GR01", 4 + i % 2, 9)
    for _ in range(35):
        _respond(engine, "DJ01", 3, 6)
    rollups.update(engine)
    client = TestClient(create_app(engine=engine))
    login(client, "gr_cs")
    page = client.get("/surveys")
    assert page.status_code == 200, page.text[-1500:]
    assert "구로경찰서" in page.text and "대전본부" in page.text and "우수" in page.text
    token = csrf(client, "/surveys")
    form = {
        "csrf_token": token,
        "code": "VISIT",
        "name": "방문 만족도",
        "trigger": "counter_visit",
        "q0_key": "csat",
        "q0_kind": "csat",
        "q0_text": "만족하셨습니까?",
        "q0_required": "on",
        "q1_key": "wait",
        "q1_kind": "choice",
        "q1_text": "대기 시간은?",
        "q1_choices": "짧음, 보통, 긺",
    }
    saved = client.post("/surveys/templates", data=form, follow_redirects=False)
    assert saved.status_code == 303
    assert "방문 만족도" in client.get("/surveys").text
    bad = client.post("/surveys/templates", data={**form, "code": "V2", "q1_choices": "하나"})
    assert bad.status_code == 422 and "보기" in bad.text
    officer = TestClient(create_app(engine=engine))
    login(officer, "gr_officer")
    assert officer.get("/surveys").status_code == 200
    denied = officer.post(
        "/surveys/templates", data={**form, "csrf_token": csrf(officer, "/surveys")}
    )
    assert denied.status_code == 403


def test_a_period_outside_the_calendar_the_ledger_knows_is_a_clear_422(engine: Engine) -> None:
    world = build_world(engine)
    client = TestClient(create_app(engine=engine))
    h = world.auth("gr_cs")
    for query in ("start=0001-01-01", "end=0001-01-02", "end=9999-12-31", "start=3000-01-01"):
        for path in ("/api/v1/surveys/rankings", "/api/v1/surveys/scores"):
            r = client.get(f"{path}?{query}", headers=h)
            assert r.status_code == 422, (path, query, r.text)
            assert "1900년부터 2999년" in r.json()["detail"]
