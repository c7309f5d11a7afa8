"""Survey invitations after an answer: e-mailed once through the outbox, answered once on a
mobile page, kind pages for used, expired and unknown links, quiet days, short codes, the
counter kiosk and happy-call entry."""

import re
from datetime import timedelta
from pathlib import Path

import pytest
from dbtools import configured, url_of
from factories import build_world, voice_json
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select
from web.pagetools import csrf, login

from minwon import background, cli
from minwon.app import create_app
from minwon.config import get_settings
from minwon.db import write_session
from minwon.errors import Invalid
from minwon.org import service as org
from minwon.outbox.models import OutboxMessage
from minwon.surveys import templates
from minwon.surveys.invitations import display_code
from minwon.surveys.models import SurveyInvitation, SurveyResponse
from minwon.surveys.templates import QuestionIn
from minwon.timeutil import utcnow

BASE = "http://minwon.test"
ANSWERS = {"csat": "4", "kind": "5", "speed": "3", "nps": "9", "clear": "yes", "comment": ""}


def _setup(engine: Engine):
    world = build_world(engine)
    with write_session(engine) as db:
        org_id = org.find_organization(db_session=db, ref="KNPA").id
        templates.ensure_defaults(db_session=db, organization_id=org_id)
    return world, TestClient(create_app(engine=engine))


def _answered(client: TestClient, world, contact: dict | None = None) -> dict:
    h = world.auth("gr_lead")
    body = voice_json(unit="GR01", **({"contact": contact} if contact else {}))
    voice = client.post("/api/v1/voices", json=body, headers=h).json()
    client.post(f"/api/v1/voices/{voice['id']}/answer", json={"body": "조치했습니다."}, headers=h)
    done = client.post(f"/api/v1/voices/{voice['id']}/answer/approve", headers=h)
    assert done.status_code == 200, done.text
    return voice


def _survey_mail(engine: Engine) -> OutboxMessage:
    with write_session(engine) as db:
        mails = db.scalars(select(OutboxMessage).where(OutboxMessage.topic == "survey")).all()
    assert len(mails) == 1
    return mails[0]


def _link(mail: OutboxMessage) -> str:
    found = re.search(r"http://minwon\.test(/s/[A-Za-z0-9_-]+)", mail.body)
    assert found, mail.body
    return found.group(1)


def test_a_sent_answer_brings_one_survey_that_can_be_answered_once(engine: Engine) -> None:
    world, client = _setup(engine)
    voice = _answered(client, world, {"name": "김민원", "email": "citizen@example.kr"})
    assert background.run_once(engine, base_url=BASE).invited == 1
    assert background.run_once(engine, base_url=BASE).invited == 0
    mail = _survey_mail(engine)
    assert mail.recipient == "citizen@example.kr" and voice["ledger_no"] in mail.subject
    assert mail.next_attempt_at > utcnow() + timedelta(hours=23)  # a day after the answer
    path = _link(mail)
    page = client.get(path)
    assert page.status_code == 200 and "매우 만족" in page.text and 'name="nps"' in page.text
    token = csrf(client, path)
    bad = client.post(path, data={**ANSWERS, "csat": "7", "csrf_token": token})
    assert bad.status_code == 422 and "1~5" in bad.text
    with write_session(engine) as db:
        assert db.scalar(select(func.count()).select_from(SurveyResponse)) == 0
    done = client.post(
        path, data={**ANSWERS, "comment": "010-1234-5678로 연락 주세요", "csrf_token": token}
    )
    assert done.status_code == 200 and "감사합니다" in done.text
    again = client.post(path, data={**ANSWERS, "csrf_token": token})
    assert again.status_code == 200 and "이미 응답하신" in again.text
    assert "이미 응답하신" in client.get(path).text
    with write_session(engine) as db:
        response = db.scalars(select(SurveyResponse)).one()
    assert (response.csat, response.nps, response.mode) == (4, 9, "web")
    assert response.unit_id is not None and "010-1234-5678" not in response.free_text
    assert response.answers["clear"] is True


def test_expired_and_unknown_links_get_kind_pages(engine: Engine) -> None:
    world, client = _setup(engine)
    _answered(client, world, {"email": "late@example.kr"})
    background.run_once(engine, base_url=BASE)
    path = _link(_survey_mail(engine))
    with write_session(engine) as db:
        invitation = db.scalars(select(SurveyInvitation)).one()
        invitation.expires_at = utcnow() - timedelta(minutes=1)
    page = client.get(path)
    assert page.status_code == 200 and "기한이 지난" in page.text
    posted = client.post(path, data={**ANSWERS, "csrf_token": csrf(client, "/s")})
    assert posted.status_code == 200 and "기한이 지난" in posted.text
    unknown = client.get("/s/not-a-real-token")
    assert unknown.status_code == 404 and "찾을 수 없습니다" in unknown.text
    assert "Traceback" not in unknown.text


def test_a_citizen_is_not_surveyed_twice_within_quiet_days(engine: Engine) -> None:
    world, client = _setup(engine)
    contact = {"email": "often@example.kr"}
    _answered(client, world, contact)
    _answered(client, world, {"email": "OFTEN@example.kr"})
    _answered(client, world, {"email": "other@example.kr"})
    assert background.run_once(engine, base_url=BASE).invited == 2
    with write_session(engine) as db:
        mails = db.scalars(select(OutboxMessage).where(OutboxMessage.topic == "survey")).all()
    assert sorted(m.recipient for m in mails) == ["often@example.kr", "other@example.kr"]


def test_without_email_the_short_code_opens_the_survey(engine: Engine) -> None:
    world, client = _setup(engine)
    _answered(client, world, {"name": "전화만", "phone": "010-5555-6666"})
    background.run_once(engine, base_url=BASE)
    with write_session(engine) as db:
        invitation = db.scalars(select(SurveyInvitation)).one()
        code = invitation.short_code
        assert invitation.via == "letter"
        invitation.send_at = utcnow()
    token = csrf(client, "/s")
    wrong = client.post("/s", data={"code": "1234", "csrf_token": token})
    assert wrong.status_code == 404 and "12자리" in wrong.text
    typed = display_code(code).lower()  # as a citizen may type it from the card
    opened = client.post("/s", data={"code": typed, "csrf_token": token})
    assert opened.status_code == 200 and "매우 만족" in opened.text
    done = client.post(f"/s/c/{code}", data={**ANSWERS, "csrf_token": token})
    assert done.status_code == 200 and "감사합니다" in done.text


def test_kiosk_takes_one_response_per_visit(engine: Engine) -> None:
    world, client = _setup(engine)
    login(client, "gr_officer")
    page = client.get("/kiosk")
    assert page.status_code == 200
    action = re.search(r'action="(/kiosk/[^"]+)"', page.text).group(1)
    token = csrf(client, "/s")
    assert client.post(action, data={**ANSWERS, "csrf_token": token}).status_code == 200
    again = client.post(action, data={**ANSWERS, "csrf_token": token}, follow_redirects=False)
    assert again.status_code == 303, again.text[-1500:]
    assert again.headers["location"] == "/kiosk"
    with write_session(engine) as db:
        rows = db.scalars(select(SurveyResponse)).all()
    assert [r.mode for r in rows] == ["kiosk"] and rows[0].channel == "visit"
    anonymous = TestClient(create_app(engine=engine)).get("/kiosk", follow_redirects=False)
    assert anonymous.status_code in (302, 303, 401)


def test_happy_call_answers_are_marked_as_entered_by_staff(engine: Engine) -> None:
    world, client = _setup(engine)
    voice = _answered(client, world)
    login(client, "gr_officer")
    form = client.get(f"/surveys/happycall/{voice['id']}")
    assert form.status_code == 200 and "해피콜" in form.text
    saved = client.post(
        f"/surveys/happycall/{voice['id']}",
        data={**ANSWERS, "csrf_token": csrf(client, f"/surveys/happycall/{voice['id']}")},
        follow_redirects=False,
    )
    assert saved.status_code == 303
    with write_session(engine) as db:
        response = db.scalars(select(SurveyResponse)).one()
    assert response.mode == "happycall" and response.entered_by_id == world.staff_ids["gr_officer"]
    other = client.get("/surveys/happycall/999999")
    assert other.status_code == 404


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"trigger": "someday"}, "trigger"),
        ({"questions": [QuestionIn("n", "nps", "추천?")]}, "questions"),
        (
            {"questions": [QuestionIn("a", "csat", "만족?"), QuestionIn("a", "text", "의견")]},
            "questions",
        ),
        (
            {
                "questions": [
                    QuestionIn("a", "csat", "만족?"),
                    QuestionIn("b", "choice", "어디?", ["하나"]),
                ]
            },
            "questions",
        ),
        ({"code": ""}, "code"),
        ({"expires_days": 0}, None),
    ],
)
def test_bad_templates_are_refused_and_nothing_is_stored(
    engine: Engine, change: dict, field
) -> None:
    build_world(engine)
    args = {
        "code": "T1",
        "name": "시험 조사",
        "trigger": "manual",
        "questions": [QuestionIn("csat", "csat", "만족하십니까?")],
    }
    with write_session(engine) as db:
        org_id = org.find_organization(db_session=db, ref="KNPA").id
        with pytest.raises(Invalid) as caught:
            templates.create_template(db_session=db, organization_id=org_id, **{**args, **change})
        assert caught.value.field == field
        assert templates.list_templates(db_session=db, organization_id=org_id) == []


def test_voice_page_offers_the_letter_code_and_qr(engine: Engine) -> None:
    world, client = _setup(engine)
    voice = _answered(client, world)
    login(client, "gr_lead")
    page = client.get(f"/voices/{voice['id']}")
    assert "만족도 조사 초대 만들기" in page.text
    made = client.post(
        f"/surveys/invite/{voice['id']}",
        data={"csrf_token": csrf(client, f"/voices/{voice['id']}")},
        follow_redirects=False,
    )
    assert made.status_code == 303
    page = client.get(f"/voices/{voice['id']}")
    with write_session(engine) as db:
        code = db.scalars(select(SurveyInvitation)).one().short_code
    assert display_code(code) in page.text and "<svg" in page.text
    assert f"/s/c/{code}" in page.text


def test_links_follow_the_port_served_when_no_base_url_is_set(
    engine: Engine, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """`minwon serve --port 8123` without MINWON_BASE_URL: the invitation mail, the survey
    links of the API and the QR code on the voice page all carry :8123, not :8000."""
    monkeypatch.setenv("MINWON_BASE_URL", "-")  # recorded, so serve's setting is undone after
    monkeypatch.delenv("MINWON_BASE_URL")
    monkeypatch.setenv("MINWON_SECRET_KEY", "k" * 40)
    monkeypatch.chdir(tmp_path)  # no .env of the developer's
    served: list[tuple[str, int]] = []
    monkeypatch.setattr("uvicorn.run", lambda *a, **kw: served.append((kw["host"], kw["port"])))
    get_settings.cache_clear()
    try:
        with configured(url_of(engine)):  # serve readies the database it is configured for
            cli.serve(host="127.0.0.1", port=8123, workers=1)
        assert served == [("127.0.0.1", 8123)]
        world, client = _setup(engine)
        voice = _answered(client, world, {"name": "김민원", "email": "citizen@example.kr"})
        made = client.post(f"/api/v1/voices/{voice['id']}/survey", headers=world.auth("gr_lead"))
        assert made.status_code == 201, made.text
        links = made.json()
        assert links["link"].startswith("http://127.0.0.1:8123/s/")
        assert links["code_link"].startswith("http://127.0.0.1:8123/s/c/")
        assert "http://127.0.0.1:8123/s/" in _survey_mail(engine).body
        assert ":8000" not in _survey_mail(engine).body
        login(client, "gr_lead")
        page = client.get(f"/voices/{voice['id']}")
        assert links["code_link"] in page.text and "<svg" in page.text
    finally:
        get_settings.cache_clear()
