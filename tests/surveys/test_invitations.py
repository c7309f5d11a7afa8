"""Survey invitations after an answer: e-mailed once through the outbox, answered once on a
mobile page, kind pages for used, expired and unknown links, quiet days, short codes, the
counter kiosk and happy-call entry (never by the voice's own officer or HQ, never into a closed
survey, told before the form is filled in and with what was typed kept on a refusal)."""

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
        mailed = _answered(client, world, {"name": "김민원", "email": "citizen@example.kr"})
        made = client.post(f"/api/v1/voices/{mailed['id']}/survey", headers=world.auth("gr_lead"))
        assert made.status_code == 201, made.text
        assert "http://127.0.0.1:8123/s/" in _survey_mail(engine).body
        assert ":8000" not in _survey_mail(engine).body
        letter = _answered(client, world)  # no e-mail: the code goes on the answer letter
        made = client.post(f"/api/v1/voices/{letter['id']}/survey", headers=world.auth("gr_cs"))
        assert made.status_code == 201, made.text
        links = made.json()
        assert links["code_link"].startswith("http://127.0.0.1:8123/s/c/")
        login(client, "gr_cs")
        page = client.get(f"/voices/{letter['id']}")
        assert links["code_link"] in page.text and "<svg" in page.text
    finally:
        get_settings.cache_clear()


def _assigned_to(client: TestClient, world, login_name: str) -> dict:
    """An answered voice whose handling officer is ``login_name`` (assigned by the lead)."""
    h = world.auth("gr_lead")
    voice = client.post("/api/v1/voices", json=voice_json(unit="GR01"), headers=h).json()
    given = client.post(
        f"/api/v1/voices/{voice['id']}/assign", json={"assignee": login_name}, headers=h
    )
    assert given.status_code == 200, given.text
    mine = world.auth(login_name)
    client.post(
        f"/api/v1/voices/{voice['id']}/answer", json={"body": "조치했습니다."}, headers=mine
    )
    done = client.post(f"/api/v1/voices/{voice['id']}/answer/approve", headers=h)
    assert done.status_code == 200, done.text
    return voice


def _checked(page: str, name: str, value: str) -> bool:
    return re.search(rf'name="{name}" value="{value}" checked', page) is not None


def _response_count(engine: Engine) -> int:
    with write_session(engine) as db:
        return db.scalar(select(func.count()).select_from(SurveyResponse)) or 0


def test_the_officer_who_handled_a_voice_may_not_enter_its_happy_call(engine: Engine) -> None:
    world, client = _setup(engine)
    voice = _assigned_to(client, world, "gr_officer")
    url = f"/surveys/happycall/{voice['id']}"
    login(client, "gr_officer")
    card = client.get(f"/voices/{voice['id']}").text
    assert "만족도 조사" in card and url not in card  # the link is not offered to the handler
    form = client.get(url)
    assert form.status_code == 403 and "직접 처리한 민원" in form.text
    assert 'name="csat"' not in form.text  # told before filling anything in
    token = csrf(client, "/s")
    typed = {**ANSWERS, "comment": "친절했어요", "csrf_token": token}
    refused = client.post(url, data=typed, follow_redirects=False)
    assert refused.status_code == 403 and "직접 처리한 민원" in refused.text
    page = refused.text
    assert _checked(page, "csat", "4") and _checked(page, "nps", "9") and "친절했어요" in page
    assert "해피콜 응답을 저장했습니다" not in page and _response_count(engine) == 0
    english = client.post(f"{url}?lang=en", data=typed, follow_redirects=False).text
    assert "You cannot enter happy-call answers for a voice you handled yourself." in english
    assert "Your answers were not saved; they are kept below as you typed them." in english
    assert "직접 처리한" not in english
    with write_session(engine) as db:
        assert db.scalar(select(func.count()).select_from(SurveyInvitation)) == 0
    colleague = TestClient(create_app(engine=engine))
    login(colleague, "gr_cs")
    assert url in colleague.get(f"/voices/{voice['id']}").text
    saved = colleague.post(
        url, data={**ANSWERS, "csrf_token": csrf(colleague, url)}, follow_redirects=False
    )
    assert saved.status_code == 303
    with write_session(engine) as db:
        response = db.scalars(select(SurveyResponse)).one()
    assert response.officer_id == world.staff_ids["gr_officer"]
    assert response.entered_by_id == world.staff_ids["gr_cs"]


def test_the_officer_named_by_the_survey_may_not_enter_it_after_handing_over(
    engine: Engine,
) -> None:
    world, client = _setup(engine)
    voice = _assigned_to(client, world, "gr_officer")
    with write_session(engine) as db:
        from minwon.surveys import service

        service.invite_after_answer(db, voice_id=voice["id"], base_url=BASE, now=utcnow())
    with write_session(engine) as db:  # the voice is handed over after the invitation
        from minwon.voices.models import Voice

        db.get_one(Voice, voice["id"]).assignee_id = world.staff_ids["gr_officer2"]
    login(client, "gr_officer")
    form = client.get(f"/surveys/happycall/{voice['id']}")
    assert form.status_code == 403 and "직접 처리한 민원" in form.text
    api = client.post(
        f"/api/v1/voices/{voice['id']}/happycall",
        json={"answers": ANSWERS},
        headers=world.auth("gr_officer2"),
    )
    assert api.status_code == 403 and "직접 처리한 민원" in api.json()["detail"]
    assert _response_count(engine) == 0


def test_hq_is_not_offered_the_happy_call_form(engine: Engine) -> None:
    world, client = _setup(engine)
    voice = _answered(client, world)
    url = f"/surveys/happycall/{voice['id']}"
    login(client, "hq")
    card = client.get(f"/voices/{voice['id']}")
    assert card.status_code == 200 and "만족도 조사" in card.text and url not in card.text
    form = client.get(url)
    assert form.status_code == 403 and "해피콜 응답은 기관 직원이 입력합니다." in form.text
    assert 'name="csat"' not in form.text
    refused = client.post(
        url, data={**ANSWERS, "comment": "빨랐어요", "csrf_token": csrf(client, "/s")}
    )
    assert refused.status_code == 403 and "해피콜 응답은 기관 직원이 입력합니다." in refused.text
    assert _checked(refused.text, "kind", "5") and "빨랐어요" in refused.text
    assert _response_count(engine) == 0


def test_an_expired_survey_offers_no_happy_call_form(engine: Engine, clock) -> None:
    world, client = _setup(engine)
    voice = _answered(client, world)
    url = f"/surveys/happycall/{voice['id']}"
    login(client, "gr_cs")
    invited = client.post(
        f"/surveys/invite/{voice['id']}",
        data={"csrf_token": csrf(client, f"/voices/{voice['id']}")},
    )
    assert invited.status_code == 200
    assert url in client.get(f"/voices/{voice['id']}").text
    clock.shift(timedelta(days=40))
    login(client, "gr_cs")  # a new day's session
    token = csrf(client, "/s")
    card = client.get(f"/voices/{voice['id']}").text
    assert "기한 지남" in card and url not in card
    form = client.get(url)
    assert form.status_code == 200 and "기한이 지난" in form.text and 'name="csat"' not in form.text
    late = client.post(url, data={**ANSWERS, "comment": "늦었지만", "csrf_token": token})
    assert late.status_code == 409 and "기한이 지난" in late.text
    assert _checked(late.text, "csat", "4") and "늦었지만" in late.text
    assert "해피콜 응답 저장" not in late.text and _response_count(engine) == 0


def test_a_wrong_happy_call_answer_keeps_the_form_filled(engine: Engine) -> None:
    world, client = _setup(engine)
    voice = _answered(client, world)
    url = f"/surveys/happycall/{voice['id']}"
    login(client, "gr_cs")
    bad = client.post(
        url, data={**ANSWERS, "csat": "", "comment": "메모", "csrf_token": csrf(client, url)}
    )
    assert bad.status_code == 422 and "답해 주십시오" in bad.text
    assert _checked(bad.text, "nps", "9") and "메모" in bad.text and "해피콜 응답 저장" in bad.text
    assert _response_count(engine) == 0
    with write_session(engine) as db:
        assert db.scalar(select(func.count()).select_from(SurveyInvitation)) == 0


def test_an_answered_survey_is_said_at_once_on_the_happy_call_form(engine: Engine) -> None:
    world, client = _setup(engine)
    voice = _answered(client, world, {"email": "done@example.kr"})
    background.run_once(engine, base_url=BASE)
    path = _link(_survey_mail(engine))
    done = client.post(path, data={**ANSWERS, "csrf_token": csrf(client, path)})
    assert done.status_code == 200 and "감사합니다" in done.text
    url = f"/surveys/happycall/{voice['id']}"
    login(client, "gr_cs")
    assert url in client.get(f"/voices/{voice['id']}").text  # the card never tells
    form = client.get(url)
    assert form.status_code == 200 and "이미 응답" in form.text and 'name="csat"' not in form.text
    assert _response_count(engine) == 1


@pytest.mark.parametrize(("question", "typed"), [("csat", "²"), ("nps", "9" * 5000), ("csat", "٤")])
def test_a_kiosk_score_that_is_no_plain_number_is_refused_and_the_answers_kept(
    engine: Engine, question: str, typed: str
) -> None:
    _, client = _setup(engine)
    login(client, "gr_officer")
    page = client.get("/kiosk")
    action = re.search(r'action="(/kiosk/[^"]+)"', page.text).group(1)
    answers = {**ANSWERS, question: typed, "comment": "친절했습니다"}
    r = client.post(action, data={**answers, "csrf_token": csrf(client, "/s")})
    assert r.status_code == 422
    assert "사이로 답해 주십시오" in r.text and "친절했습니다" in r.text
    with write_session(engine) as db:
        assert db.scalars(select(SurveyResponse)).all() == []


def test_the_officer_who_handled_a_voice_is_not_shown_its_survey_code(engine: Engine) -> None:
    """The code is a key to an anonymous answer counted towards the officer: the officer who
    handled the voice gets neither code nor QR, on the page or through the API; a colleague
    who prints the answer letter does."""
    world, client = _setup(engine)
    voice = _assigned_to(client, world, "gr_officer")
    made = client.post(f"/api/v1/voices/{voice['id']}/survey", headers=world.auth("gr_lead"))
    assert made.status_code == 201, made.text
    with write_session(engine) as db:
        code = db.scalars(select(SurveyInvitation)).one().short_code
    own = client.get(f"/api/v1/voices/{voice['id']}/survey", headers=world.auth("gr_officer"))
    assert own.status_code == 200
    assert own.json()["short_code"] is None and own.json()["code_link"] is None
    assert "직접 처리한 민원의 참여 번호는 보여 드리지 않습니다" in own.json()["code_withheld"]
    login(client, "gr_officer")
    page = client.get(f"/voices/{voice['id']}").text
    assert display_code(code) not in page and code not in page and "<svg" not in page
    assert "직접 처리한 민원의 참여 번호는 보여 드리지 않습니다" in page
    english = client.get(f"/voices/{voice['id']}?lang=en").text
    assert "The code of a voice you handled is not shown to you" in english
    colleague = client.get(f"/api/v1/voices/{voice['id']}/survey", headers=world.auth("gr_cs"))
    assert colleague.json()["short_code"] == code and colleague.json()["code_withheld"] is None


def test_the_code_of_a_mailed_invitation_is_shown_to_nobody(engine: Engine) -> None:
    world, client = _setup(engine)
    voice = _answered(client, world, {"name": "김민원", "email": "citizen@example.kr"})
    made = client.post(f"/api/v1/voices/{voice['id']}/survey", headers=world.auth("gr_cs"))
    assert made.status_code == 201, made.text
    assert made.json()["short_code"] is None and made.json()["link"] is None
    with write_session(engine) as db:
        code = db.scalars(select(SurveyInvitation)).one().short_code
    for who in ("gr_cs", "gr_lead", "admin"):
        read = client.get(f"/api/v1/voices/{voice['id']}/survey", headers=world.auth(who))
        assert read.json()["short_code"] is None, who
        assert "메일로 보냈으므로" in read.json()["code_withheld"]
    login(client, "gr_cs")
    page = client.get(f"/voices/{voice['id']}").text
    assert display_code(code) not in page and "메일로 보냈으므로" in page


def test_a_voice_imported_from_another_system_is_not_surveyed(
    engine: Engine, tmp_path: Path
) -> None:
    """Its answer was sent by the other system, long before: no invitation is made for it, by
    the button (not offered) or the API, and nothing counts against the response rate."""
    from minwon.voices import importer

    world, client = _setup(engine)
    path = tmp_path / "ledger.csv"
    path.write_text(
        "접수일시,종류,경로,제목,내용,부서,상태,답변,답변일시\n"
        "2026-03-02 10:00,불만,전화,가로등,꺼짐,GR01,답변 완료,고쳤습니다,2026-03-04 18:00\n",
        encoding="utf-8",
    )
    with write_session(engine) as db:
        lead = org.principal_for(org.staff_by_login(db_session=db, login="gr_lead"))
    assert importer.import_file(engine=engine, path=path, principal=lead).ok
    with write_session(engine) as db:
        from minwon.voices.models import Voice

        voice_id = db.scalars(select(Voice.id)).one()
    made = client.post(f"/api/v1/voices/{voice_id}/survey", headers=world.auth("gr_lead"))
    assert made.status_code == 409 and "가져온 민원" in made.json()["detail"]
    login(client, "gr_lead")
    page = client.get(f"/voices/{voice_id}").text
    assert "만족도 조사 초대 만들기" not in page and "다른 시스템에서 가져온 민원" in page
    refused = client.post(
        f"/surveys/invite/{voice_id}",
        data={"csrf_token": csrf(client, f"/voices/{voice_id}")},
    )
    assert "가져온 민원에는 만족도 조사를 보내지 않습니다" in refused.text
    with write_session(engine) as db:
        assert db.scalar(select(func.count()).select_from(SurveyInvitation)) == 0
