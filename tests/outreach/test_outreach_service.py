"""Outreach through the pages: contacts logged on the phone page, a request filed as a voice
credited to the officer and campaign, the lead's table with targets and rosters, campaigns with
reach and response, and printable cards."""

from datetime import date, timedelta

import pytest
from factories import build_world
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from web.pagetools import csrf, login

from minwon.app import create_app
from minwon.db import write_session
from minwon.errors import Invalid
from minwon.org import service as org
from minwon.outreach import campaigns, service
from minwon.outreach.models import Contact
from minwon.surveys.invitations import display_code
from minwon.timeutil import to_kst, utcnow
from minwon.voices.models import Voice
from minwon.web.i18n import translate


def _client(engine: Engine, who: str) -> TestClient:
    client = TestClient(create_app(engine=engine))
    login(client, who)
    return client


def _log(client: TestClient, **form: str) -> object:
    data = {"csrf_token": csrf(client, "/outreach"), "housing": "apartment", **form}
    return client.post("/outreach", data=data, follow_redirects=False)


def test_contacts_and_a_request_that_becomes_a_voice(engine: Engine) -> None:
    world = build_world(engine)
    officer = _client(engine, "gr_officer")
    assert _log(officer, dong="구로1동", topic="방범").status_code == 303
    assert _log(officer, housing="multi", card_given="on").status_code == 303
    filed = _log(
        officer,
        housing="street",
        dong="구로1동",
        request="공원 옆 골목이 어두워요. 저녁 순찰을 늘려 주세요.",
        citizen_name="박주민",
        citizen_phone="010-3333-4444",
        consent="on",
    )
    assert filed.status_code == 303
    page = officer.get("/outreach")
    assert "3</b> / 10" in page.text
    with write_session(engine) as db:
        contacts = db.scalars(select(Contact).order_by(Contact.id)).all()
        voice = db.get(Voice, contacts[2].voice_id)
        assert (
            voice.channel == "outreach" and voice.source_officer_id == world.staff_ids["gr_officer"]
        )
        assert voice.contact.consent is True and voice.dong == "구로1동"
    ledger = _client(engine, "gr_lead").get("/ledger?unit=")
    assert voice.ledger_no in ledger.text
    bad = _log(officer, housing="castle")
    assert bad.status_code == 422 and "주거 형태" in bad.text
    with write_session(engine) as db:
        assert len(db.scalars(select(Contact)).all()) == 3


def test_lead_table_counts_targets_and_rosters(engine: Engine) -> None:
    world = build_world(engine)
    officer = _client(engine, "gr_officer")
    for _ in range(4):
        _log(officer)
    lead = _client(engine, "gr_lead")
    today = to_kst(utcnow()).date()
    token = csrf(lead, "/outreach/team")
    lead.post("/outreach/team/target", data={"csrf_token": token, "unit": "GR01", "daily": "4"})
    with write_session(engine) as db:
        principal = org.principal_for(org.staff_by_login(db_session=db, login="gr_lead"))
        service.set_roster(
            db, principal=principal, officer_id=world.staff_ids["gr_officer"], days=[today]
        )
        table, names = service.team_table(
            db,
            principal=principal,
            unit_id=principal.unit_id,
            start=today - timedelta(days=6),
            end=today,
        )
    row = next(r for r in table.rows if r.officer == "gr_officer")
    assert row.cells[-1].done == 4 and row.cells[-1].target == 4 and row.cells[-1].met
    page = lead.get("/outreach/team?unit=GR01")
    assert page.status_code == 200 and 'id="achievement"' in page.text and "gr_officer" in page.text
    refused = _client(engine, "gr_officer").get("/outreach/team")
    assert refused.status_code == 403 and 'name="start"' not in refused.text  # nothing to fix
    bad = lead.get("/outreach/team?unit=GR01&start=2026-13-01")
    assert bad.status_code == 422 and "YYYY-MM-DD" in bad.text
    assert 'name="start" value="2026-13-01" aria-invalid="true"' in bad.text
    assert '<input type="hidden" name="unit" value="GR01">' in bad.text


def test_campaigns_count_reach_and_voices_back(engine: Engine) -> None:
    build_world(engine)
    lead = _client(engine, "gr_lead")
    token = csrf(lead, "/outreach/campaigns")
    made = lead.post(
        "/outreach/campaigns",
        data={
            "csrf_token": token,
            "code": "EMPTY-HOME",
            "name": "빈집털이 예방",
            "housing_multi": "on",
            "flyer_text": "장기간 집을 비우실 때는 지구대에 알려 주세요.",
        },
        follow_redirects=False,
    )
    assert made.status_code == 303
    officer = _client(engine, "gr_officer")
    _log(
        officer,
        housing="multi",
        dong="구로2동",
        campaign="EMPTY-HOME",
        request="빌라 현관 잠금장치가 고장났어요.",
    )
    page = lead.get("/outreach/campaigns")
    campaign_id = page.text.split('action="/outreach/campaigns/', 1)[1].split("/", 1)[0]
    reach = lead.post(
        f"/outreach/campaigns/{campaign_id}/reach",
        data={
            "csrf_token": token,
            "kind": "flyer",
            "count": "120",
            "dong": "구로2동",
            "housing": "multi",
        },
        follow_redirects=False,
    )
    assert reach.status_code == 303
    with write_session(engine) as db:
        principal = org.principal_for(org.staff_by_login(db_session=db, login="gr_lead"))
        result = campaigns.campaign_results(db, principal=principal)[0]
    assert result.reach == {"flyer": 120} and result.voices == 1 and result.contacts == 1
    assert ("구로2동", "multi", 121, 1) in result.by_place
    dup = lead.post(
        "/outreach/campaigns", data={"csrf_token": token, "code": "EMPTY-HOME", "name": "x"}
    )
    assert "이미 있는" in lead.get("/outreach/campaigns").text or dup.status_code in (303, 200)


def test_cards_pdf_from_the_page(engine: Engine) -> None:
    build_world(engine)
    officer = _client(engine, "gr_officer")
    assert "QR" in officer.get("/outreach/cards").text
    pdf = officer.get("/outreach/cards?print=1&unit=GR01&count=3&size=a6&mine=1")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


def test_after_a_meeting_the_officer_hands_out_a_survey(engine: Engine) -> None:
    from minwon.surveys import templates
    from minwon.surveys.models import SurveyInvitation

    build_world(engine)
    officer = _client(engine, "gr_officer")
    assert "survey=" not in _log(officer).headers["location"]  # no after-meeting survey defined
    with write_session(engine) as db:
        org_id = org.find_organization(db_session=db).id
        templates.create_template(
            db_session=db,
            organization_id=org_id,
            code="MEET",
            name="현장 면담 만족도",
            trigger="outreach",
            questions=[templates.QuestionIn("csat", "csat", "면담이 도움이 되셨습니까?")],
            delay_hours=0,
        )
    done = _log(officer, housing="shop")
    location = done.headers["location"]
    assert "survey=" in location
    page = officer.get(location)
    code = location.split("survey=", 1)[1]
    assert display_code(code) in page.text and "<svg" in page.text
    resident = TestClient(create_app(engine=engine))
    form = resident.get(f"/s/c/{code}")
    assert "면담이 도움이 되셨습니까?" in form.text
    with write_session(engine) as db:
        invitation = db.scalars(select(SurveyInvitation)).one()
    assert invitation.via == "outreach" and invitation.channel == "outreach"
    other = _client(engine, "gr_officer2")
    assert "big-code" not in other.get(location).text  # only the officer who met the resident


def test_surveys_from_a_campaign_count_as_its_response(engine: Engine) -> None:
    from minwon.surveys import templates

    build_world(engine)
    with write_session(engine) as db:
        org_id = org.find_organization(db_session=db).id
        templates.create_template(
            db_session=db,
            organization_id=org_id,
            code="MEET",
            name="현장 면담 만족도",
            trigger="outreach",
            questions=[templates.QuestionIn("csat", "csat", "도움이 되셨습니까?")],
            delay_hours=0,
        )
        lead = org.principal_for(org.staff_by_login(db_session=db, login="gr_lead"))
        campaigns.create_campaign(db, principal=lead, code="SAFE", name="안전 캠페인", housing=[])
    officer = _client(engine, "gr_officer")
    code = _log(officer, campaign="SAFE").headers["location"].split("survey=", 1)[1]
    resident = TestClient(create_app(engine=engine))
    answered = resident.post(
        f"/s/c/{code}", data={"csrf_token": csrf(resident, f"/s/c/{code}"), "csat": "5"}
    )
    assert answered.status_code == 200 and "감사합니다" in answered.text
    with write_session(engine) as db:
        lead = org.principal_for(org.staff_by_login(db_session=db, login="gr_lead"))
        result = campaigns.campaign_results(db, principal=lead)[0]
    assert result.surveys == 1 and result.contacts == 1


def test_roster_form_takes_leave_out_of_the_target(engine: Engine) -> None:
    build_world(engine)
    lead = _client(engine, "gr_lead")
    token = csrf(lead, "/outreach/team")
    saved = lead.post(
        "/outreach/team/roster",
        data={
            "csrf_token": token,
            "unit": "GR01",
            "officer": "gr_officer",
            "start": "2026-12-07",
            "end": "2026-12-13",
            "wd0": "on",
            "wd1": "on",
            "wd2": "on",
            "wd5": "on",
            "off": "2026-12-08",
        },
        follow_redirects=False,
    )
    assert saved.status_code == 303
    page = lead.get("/outreach/team?unit=GR01&start=2026-12-07&end=2026-12-13")
    row = page.text.split('<th scope="row">gr_officer</th>', 1)[1].split("</tr>", 1)[0]
    # Mon, Wed and Sat work (Tue off): 3 working cells, the rest days off
    assert row.count("day miss") + row.count("day open") + row.count("day met") == 3
    form = {"csrf_token": token, "unit": "GR01", "officer": "gr_officer", "start": "x", "end": "y"}
    bad = lead.post("/outreach/team/roster", data=form)
    assert bad.status_code == 422 and "YYYY-MM-DD" in bad.text
    assert 'value="x"' in bad.text  # the form comes back as typed


def _roster_form(client: TestClient, unit: str, officer: str, **extra: str) -> dict[str, str]:
    return {
        "csrf_token": csrf(client, "/outreach/team"),
        "unit": unit,
        "officer": officer,
        "start": "2026-12-07",
        "end": "2026-12-13",
        "wd0": "on",
        "wd1": "on",
        "off": "2026-12-08",
        **extra,
    }


def _rostered(engine: Engine, login: str) -> list[date]:
    from minwon.outreach.models import RosterDay

    with write_session(engine) as db:
        staff_id = org.staff_by_login(db_session=db, login=login).id
        query = select(RosterDay.day).where(RosterDay.officer_id == staff_id)
        return sorted(db.scalars(query))


def test_a_lead_keeps_the_roster_and_target_of_their_own_unit_only(engine: Engine) -> None:
    build_world(engine)
    lead = _client(engine, "gr_lead")  # lead of 구로지구대 GR01
    other = lead.get("/outreach/team?unit=GR02")
    assert other.status_code == 200 and 'id="achievement"' in other.text
    assert 'action="/outreach/team/roster"' not in other.text  # no form it could not save
    assert 'action="/outreach/team/target"' not in other.text
    own = lead.get("/outreach/team?unit=GR01").text
    assert 'action="/outreach/team/roster"' in own and 'action="/outreach/team/target"' in own

    refused = lead.post("/outreach/team/roster", data=_roster_form(lead, "GR02", "gr2_officer"))
    assert refused.status_code == 403 and 'id="achievement"' in refused.text  # the team page
    assert "다른 부서의 근무표는 그 부서의 팀장이나 CS 담당이 정합니다." in refused.text
    assert "근무일" not in refused.text.split('role="alert"', 1)[1].split("</p>", 1)[0]
    assert _rostered(engine, "gr2_officer") == []

    token = csrf(lead, "/outreach/team")
    target = {"csrf_token": token, "unit": "GR02", "daily": "3"}
    answer = lead.post("/outreach/team/target", data=target)
    assert answer.status_code == 200 and 'id="achievement"' in answer.text  # not a bare error
    assert "다른 부서의 일일 목표는 그 부서의 팀장이나 CS 담당이 정합니다." in answer.text
    with write_session(engine) as db:
        gr02 = org.find_unit(db_session=db, ref="GR02")
        assert service.daily_target(db, gr02.id) == 10

    own_lead = _client(engine, "gr2_lead")
    page = own_lead.get("/outreach/team?unit=GR02").text
    assert 'action="/outreach/team/roster"' in page and "근무일" not in page
    saved = own_lead.post(
        "/outreach/team/roster", data=_roster_form(own_lead, "GR02", "gr2_officer")
    )
    assert saved.status_code == 200 and "근무일 1일을 저장했습니다" in saved.text
    assert _rostered(engine, "gr2_officer") == [date(2026, 12, 7)]
    cs = _client(engine, "gr_cs")  # the office's CS manager keeps every unit's, as for targets
    assert 'action="/outreach/team/roster"' in cs.get("/outreach/team?unit=GR02").text
    by_cs = cs.post("/outreach/team/target", data={**target, "csrf_token": csrf(cs, "/")})
    assert "일일 목표를 저장했습니다" in by_cs.text


def test_a_refused_roster_keeps_what_the_lead_typed(engine: Engine) -> None:
    build_world(engine)
    lead = _client(engine, "gr_lead")
    form = _roster_form(lead, "GR01", "gr_officer2", end="2027-06-30", off="2026-12-24")
    bad = lead.post("/outreach/team/roster", data=form)
    assert bad.status_code == 422 and "근무표는 92일 이내로 정합니다." in bad.text
    assert 'value="2026-12-24"' in bad.text and 'value="2027-06-30"' in bad.text
    assert '<option value="gr_officer2" selected>' in bad.text
    assert '<details class="card roster" open>' in bad.text
    assert _rostered(engine, "gr_officer2") == []


ROSTER_REVERSED = "끝나는 날이 시작일보다 앞섭니다."
"""What the team page's period filter says of an end before its start; the roster says the same
(it said "근무표는 92일 이내로 정합니다.", the limit on its length)."""


def test_a_roster_ending_before_it_starts_is_refused_as_such() -> None:
    with pytest.raises(Invalid) as reversed_span:
        service.roster_days("2026-12-31", "2026-12-01", {0, 1, 2, 3, 4}, [])
    assert (reversed_span.value.message, reversed_span.value.field) == (ROSTER_REVERSED, "end")
    with pytest.raises(Invalid) as next_day:
        service.roster_days("2026-12-02", "2026-12-01", {0, 1, 2, 3, 4}, ["2026-12-24"])
    assert next_day.value.message == ROSTER_REVERSED
    with pytest.raises(Invalid) as too_long:  # 93 days apart: still the limit on the length
        service.roster_days("2026-12-01", "2027-03-04", {0}, [])
    assert too_long.value.message == translate("ko", "or_roster_span")
    one_day = service.roster_days("2026-12-07", "2026-12-07", {0}, [])
    assert one_day == (date(2026, 12, 7), date(2026, 12, 7), [date(2026, 12, 7)])
    longest = service.roster_days("2026-12-01", "2027-03-03", {0}, [])  # 92 days apart
    assert longest[2][0] == date(2026, 12, 7) and longest[2][-1] == date(2027, 3, 1)


def test_a_roster_ending_before_it_starts_comes_back_as_typed(engine: Engine) -> None:
    build_world(engine)
    lead = _client(engine, "gr_lead")
    form = _roster_form(lead, "GR01", "gr_officer2", start="2026-12-31", end="2026-12-01")
    bad = lead.post("/outreach/team/roster", data=form)
    assert bad.status_code == 422
    alert = bad.text.split('id="roster-error">', 1)[1].split("</p>", 1)[0]
    assert alert == ROSTER_REVERSED
    assert translate("ko", "or_roster_span") not in bad.text
    assert 'value="2026-12-31"' in bad.text and 'value="2026-12-01"' in bad.text
    assert 'value="2026-12-08"' in bad.text  # the day off typed
    assert '<option value="gr_officer2" selected>' in bad.text
    assert '<details class="card roster" open>' in bad.text
    assert _rostered(engine, "gr_officer2") == []
    english = lead.post("/outreach/team/roster?lang=en", data=form)
    assert english.status_code == 422
    assert "The end date is before the start date." in english.text
    assert _rostered(engine, "gr_officer2") == []


def test_the_team_table_shows_a_lead_only_when_they_went_out(engine: Engine) -> None:
    build_world(engine)
    lead = _client(engine, "gr_lead")
    page = lead.get("/outreach/team?unit=GR01").text
    assert '<th scope="row">gr_officer</th>' in page
    assert '<th scope="row">gr_officer2</th>' in page
    assert '<th scope="row">gr_lead</th>' not in page  # no 0% and a gap every day for the lead
    assert '<option value="gr_lead">' in page  # a roster may still be set for them
    assert "접수일(부터)" not in page and "면담일(부터)" in page  # contacts are not received voices
    assert _log(lead, dong="구로1동").status_code == 303  # the lead goes out once
    assert '<th scope="row">gr_lead</th>' in lead.get("/outreach/team?unit=GR01").text
