"""Happy-call entry and the counter kiosk through the API, with the pages' roles and
messages: staff of the voice's office enter call-back answers (every wrong question named) but
never the officer who handled the voice, office staff issue a kiosk survey, others are refused
and nothing is stored."""

from factories import World, build_world
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select
from web.pagetools import api_voice

from minwon.app import create_app
from minwon.db import write_session
from minwon.org import service as org
from minwon.surveys import templates
from minwon.surveys.models import SurveyResponse

ANSWERS = {"csat": "4", "kind": 5, "speed": "3", "nps": "9", "clear": "yes", "comment": ""}


def _setup(engine: Engine) -> tuple[World, TestClient]:
    world = build_world(engine)
    with write_session(engine) as db:
        org_id = org.find_organization(db_session=db, ref="KNPA").id
        templates.ensure_defaults(db_session=db, organization_id=org_id)
    return world, TestClient(create_app(engine=engine))


def _responses(engine: Engine) -> int:
    with write_session(engine) as db:
        return db.scalar(select(func.count()).select_from(SurveyResponse)) or 0


def test_happy_call_answers_are_entered_once_by_the_office(engine: Engine) -> None:
    world, client = _setup(engine)
    voice = api_voice(client, world, "gr_officer")
    url = f"/api/v1/voices/{voice['id']}/happycall"
    wrong = client.post(
        url, json={"answers": {**ANSWERS, "csat": "9"}}, headers=world.auth("gr_officer")
    )
    assert wrong.status_code == 422 and "1~5 사이로 답해 주십시오" in wrong.text
    other = client.post(url, json={"answers": ANSWERS}, headers=world.auth("dj_officer"))
    assert other.status_code == 404
    hq = client.post(url, json={"answers": ANSWERS}, headers=world.auth("hq"))
    assert hq.status_code == 403 and "해피콜 응답은 기관 직원이 입력합니다." in hq.text
    assert _responses(engine) == 0
    saved = client.post(url, json={"answers": ANSWERS}, headers=world.auth("gr_officer"))
    assert saved.status_code == 201, saved.text
    assert saved.json()["mode"] == "happycall"
    again = client.post(url, json={"answers": ANSWERS}, headers=world.auth("gr_officer"))
    assert again.status_code == 409 and "이미 응답한 조사입니다." in again.text
    assert _responses(engine) == 1


def test_a_kiosk_survey_is_issued_to_office_staff_only(engine: Engine) -> None:
    world, client = _setup(engine)
    issued = client.post("/api/v1/surveys/kiosk", headers=world.auth("gr_officer"))
    assert issued.status_code == 201, issued.text
    assert issued.json()["via"] == "kiosk" and "/s/" in issued.json()["link"]
    page = client.get(issued.json()["link"].split("minwon.test", 1)[-1])
    assert page.status_code == 200
    refused = client.post("/api/v1/surveys/kiosk", headers=world.auth("hq"))
    assert refused.status_code == 403
    assert refused.json()["detail"] == "창구 키오스크는 기관 직원이 켤 수 있습니다."


def test_the_api_refuses_a_happy_call_from_the_voices_own_officer(engine: Engine) -> None:
    world, client = _setup(engine)
    voice = api_voice(client, world, "gr_lead")
    url = f"/api/v1/voices/{voice['id']}/happycall"
    given = client.post(
        f"/api/v1/voices/{voice['id']}/assign",
        json={"assignee": "gr_officer"},
        headers=world.auth("gr_lead"),
    )
    assert given.status_code == 200, given.text
    own = client.post(url, json={"answers": ANSWERS}, headers=world.auth("gr_officer"))
    assert own.status_code == 403 and "직접 처리한 민원" in own.json()["detail"]
    assert _responses(engine) == 0
    saved = client.post(url, json={"answers": ANSWERS}, headers=world.auth("gr_lead"))
    assert saved.status_code == 201, saved.text
    with write_session(engine) as db:
        response = db.scalars(select(SurveyResponse)).one()
    assert response.officer_id == world.staff_ids["gr_officer"]
    assert response.entered_by_id == world.staff_ids["gr_lead"]
