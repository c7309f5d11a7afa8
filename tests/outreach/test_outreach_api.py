"""Outreach through the REST API (/api/v1/outreach): contacts logged and listed, the lead's table
with targets and rosters, campaigns and their reach, printable cards — the same office and role
rules and the same messages as the pages, and nothing written on a refused call."""

from datetime import timedelta

from factories import build_world
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select
from web.pagetools import csrf, login

from minwon.app import create_app
from minwon.db import write_session
from minwon.outreach.models import CampaignReach, Contact, RosterDay
from minwon.timeutil import to_kst, utcnow
from minwon.voices.models import Voice
from minwon.web.i18n import translate

API = "/api/v1/outreach"


def _count(engine: Engine, model: type) -> int:
    with write_session(engine) as db:
        return db.scalar(select(func.count()).select_from(model)) or 0


def _page(engine: Engine, who: str) -> TestClient:
    client = TestClient(create_app(engine=engine))
    login(client, who)
    return client


def test_contacts_are_logged_and_listed_by_office_and_role(engine: Engine) -> None:
    world = build_world(engine)
    api = TestClient(create_app(engine=engine))
    me = world.auth("gr_officer")
    plain = api.post(
        f"{API}/contacts", json={"housing": "apartment", "dong": "구로1동"}, headers=me
    )
    assert plain.status_code == 201, plain.text
    assert plain.json()["officer"] == "gr_officer" and plain.json()["unit"] == "GR01"
    assert plain.json()["voice_id"] is None and plain.json()["survey"] is None
    filed = api.post(
        f"{API}/contacts",
        json={
            "housing": "street",
            "request": "공원 옆 골목이 어두워요.",
            "from_card": True,
            "citizen_name": "박주민",
            "citizen_phone": "01033334444",
            "consent": True,
        },
        headers=me,
    )
    assert filed.status_code == 201 and filed.json()["ledger_no"]
    with write_session(engine) as db:
        voice = db.get_one(Voice, filed.json()["voice_id"])
        assert voice.channel == "card" and voice.source_officer_id == world.staff_ids["gr_officer"]

    before = (_count(engine, Contact), _count(engine, Voice))
    castle = api.post(f"{API}/contacts", json={"housing": "castle"}, headers=me)
    assert castle.status_code == 422 and castle.json()["detail"] == "주거 형태를 고르세요."
    phone = api.post(
        f"{API}/contacts",
        json={"housing": "street", "request": "도와주세요", "citizen_phone": "12"},
        headers=me,
    )
    assert phone.status_code == 422 and phone.json()["field"] == "citizen_phone"
    assert phone.json()["detail"] == translate("ko", "err_phone")
    assert (
        api.post(f"{API}/contacts", json={"housing": "shop"}, headers=world.auth("hq")).status_code
        == 403
    )
    assert api.post(f"{API}/contacts", json={"housing": "shop"}).status_code == 401
    assert (_count(engine, Contact), _count(engine, Voice)) == before

    def logins(who: str, query: str = "") -> list[str] | int:
        got = api.get(f"{API}/contacts{query}", headers=world.auth(who))
        return [c["officer"] for c in got.json()] if got.status_code == 200 else got.status_code

    assert logins("gr_officer") == ["gr_officer", "gr_officer"]
    assert logins("gr_officer2") == []
    assert logins("gr_officer", "?officer=gr_officer2") == 403
    assert logins("gr_lead") == logins("gr_cs") == logins("admin") == ["gr_officer"] * 2
    assert logins("gr_lead", "?officer=gr_officer2&unit=GR01") == []
    assert logins("gr_lead", "?officer=dj_officer") == 404
    assert logins("dj_lead") == [] and logins("dj_lead", "?unit=GR01") == 404
    assert logins("hq") == 403
    old = (to_kst(utcnow()) - timedelta(days=30)).date()
    assert logins("gr_lead", f"?end={old}") == []
    bad = api.get(f"{API}/contacts?start=yesterday", headers=world.auth("gr_lead"))
    assert bad.status_code == 422 and "YYYY-MM-DD" in bad.json()["detail"]


def test_the_page_and_the_api_log_the_same_contact(engine: Engine) -> None:
    world = build_world(engine)
    page = _page(engine, "gr_officer")
    form = {"housing": "multi", "dong": "구로2동", "topic": "방범", "card_given": "on"}
    sent = page.post(
        "/outreach",
        data={**form, "csrf_token": csrf(page, "/outreach")},
        follow_redirects=False,
    )
    assert sent.status_code == 303
    api = TestClient(create_app(engine=engine))
    body = {"housing": "multi", "dong": "구로2동", "topic": "방범", "card_given": True}
    assert (
        api.post(f"{API}/contacts", json=body, headers=world.auth("gr_officer")).status_code == 201
    )
    listed = api.get(f"{API}/contacts", headers=world.auth("gr_officer")).json()
    same = [{k: v for k, v in c.items() if k not in ("id", "at")} for c in listed]
    assert same[0] == same[1]
    bad_page = page.post(
        "/outreach", data={"housing": "castle", "csrf_token": csrf(page, "/outreach")}
    )
    assert bad_page.status_code == 422 and "주거 형태를 고르세요." in bad_page.text


def test_team_targets_and_rosters(engine: Engine) -> None:
    world = build_world(engine)
    api = TestClient(create_app(engine=engine))
    lead = world.auth("gr_lead")
    for _ in range(3):
        api.post(f"{API}/contacts", json={"housing": "shop"}, headers=world.auth("gr_officer"))
    saved = api.put(f"{API}/targets", json={"unit": "GR01", "daily": 5}, headers=lead)
    mine = api.get(f"{API}/progress", headers=world.auth("gr_officer")).json()
    assert mine["done"] == 3 and mine["target"] in (0, 5)  # 0 on a weekend or holiday
    assert api.get(f"{API}/progress", headers=world.auth("hq")).status_code == 403
    assert saved.status_code == 200 and saved.json() == {"unit": "GR01", "daily": 5}
    table = api.get(f"{API}/team", headers=lead)
    assert table.status_code == 200 and table.json()["unit"] == "GR01"
    assert table.json()["daily_target"] == 5
    row = next(r for r in table.json()["rows"] if r["officer"] == "gr_officer")
    today = to_kst(utcnow()).date().isoformat()
    assert next(c for c in row["cells"] if c["day"] == today)["done"] == 3

    too_many = api.put(f"{API}/targets", json={"unit": "GR01", "daily": 101}, headers=lead)
    assert too_many.status_code == 422
    assert too_many.json()["detail"] == "일일 목표는 0~100명이어야 합니다."
    refusals = {
        "gr_officer": 403,
        "gr2_lead": 403,  # another unit's lead
        "dj_lead": 404,  # another office's unit
        "hq": 403,
    }
    for who, status in refusals.items():
        got = api.put(f"{API}/targets", json={"unit": "GR01", "daily": 1}, headers=world.auth(who))
        assert got.status_code == status, who
    assert api.get(f"{API}/team?unit=GR01", headers=lead).json()["daily_target"] == 5

    only = api.get(f"{API}/team", headers=world.auth("gr_officer"))
    assert only.status_code == 403 and only.json()["detail"] == translate("ko", "or_team_only")
    assert api.get(f"{API}/team?unit=GR01", headers=world.auth("dj_lead")).status_code == 404
    assert api.get(f"{API}/team", headers=world.auth("hq")).status_code == 403
    reversed_period = api.get(f"{API}/team?start=2026-12-10&end=2026-12-01", headers=lead)
    assert reversed_period.status_code == 422

    roster = {
        "officer": "gr_officer",
        "start": "2026-12-07",
        "end": "2026-12-13",
        "weekdays": [0, 2, 5],
        "off": ["2026-12-09"],
    }
    kept = api.put(f"{API}/roster", json=roster, headers=lead)
    assert kept.status_code == 200 and kept.json()["days"] == ["2026-12-07", "2026-12-12"]
    bad_dates = api.put(f"{API}/roster", json={**roster, "start": "x"}, headers=lead)
    assert bad_dates.status_code == 422
    assert bad_dates.json()["detail"] == translate("ko", "or_roster_bad")
    too_long = api.put(f"{API}/roster", json={**roster, "end": "2027-06-01"}, headers=lead)
    assert too_long.json()["detail"] == translate("ko", "or_roster_span")
    officer = api.put(f"{API}/roster", json=roster | {"off": []}, headers=world.auth("gr_officer"))
    assert officer.status_code == 403
    other_lead = api.put(f"{API}/roster", json=roster | {"off": []}, headers=world.auth("gr2_lead"))
    assert other_lead.status_code == 403
    assert (
        other_lead.json()["detail"] == "다른 부서의 근무표는 그 부서의 팀장이나 CS 담당이 정합니다."
    )
    by_cs = api.put(f"{API}/roster", json=roster, headers=world.auth("gr_cs"))  # the office's CS
    assert by_cs.status_code == 200
    assert _count(engine, RosterDay) == 2
    page = _page(engine, "gr_lead")
    page_form = {"officer": "gr_officer", "unit": "GR01", "start": "x", "end": "y"}
    answer = page.post(
        "/outreach/team/roster", data={**page_form, "csrf_token": csrf(page, "/outreach/team")}
    )
    assert translate("ko", "or_roster_bad") in answer.text


def test_a_roster_ending_before_it_starts_is_refused_as_such(engine: Engine) -> None:
    world = build_world(engine)
    api = TestClient(create_app(engine=engine))
    roster = {"officer": "gr_officer", "start": "2026-12-31", "end": "2026-12-01", "weekdays": [0]}
    answer = api.put(f"{API}/roster", json=roster, headers=world.auth("gr_lead"))
    assert answer.status_code == 422
    assert answer.json()["detail"] == "끝나는 날이 시작일보다 앞섭니다."
    assert _count(engine, RosterDay) == 0


def test_campaigns_their_reach_and_cards(engine: Engine) -> None:
    world = build_world(engine)
    api = TestClient(create_app(engine=engine))
    lead = world.auth("gr_lead")
    body = {"code": "SAFE-1", "name": "빈집 예방", "housing": ["apartment"], "flyer_text": "문단속"}
    made = api.post(f"{API}/campaigns", json=body, headers=lead)
    assert made.status_code == 201 and made.json()["office"] == "GR"
    campaign_id = made.json()["id"]
    again = api.post(f"{API}/campaigns", json=body, headers=lead)
    assert (
        again.status_code == 409 and again.json()["detail"] == "이미 있는 캠페인 코드입니다: SAFE-1"
    )
    bad = api.post(f"{API}/campaigns", json={**body, "code": "빈집"}, headers=lead)
    assert bad.status_code == 422 and bad.json()["field"] == "code"
    by_officer = api.post(
        f"{API}/campaigns", json={**body, "code": "X"}, headers=world.auth("gr_officer")
    )
    assert by_officer.status_code == 403

    reach = f"{API}/campaigns/{campaign_id}/reach"
    flyers = {"kind": "flyer", "count": 30, "dong": "구로1동", "housing": "apartment"}
    logged = api.post(reach, json=flyers, headers=world.auth("gr_officer"))
    assert logged.status_code == 201 and logged.json()["count"] == 30
    zero = api.post(reach, json={**flyers, "count": 0}, headers=world.auth("gr_officer"))
    assert zero.status_code == 422 and zero.json()["detail"] == "수량은 1~10,000입니다."
    assert api.post(reach, json=flyers, headers=world.auth("dj_officer")).status_code == 404
    assert api.post(reach, json=flyers, headers=world.auth("hq")).status_code == 403
    assert _count(engine, CampaignReach) == 1
    contact = {"housing": "apartment", "dong": "구로1동", "campaign": "SAFE-1", "card_given": True}
    api.post(f"{API}/contacts", json=contact, headers=world.auth("gr_officer"))

    seen = api.get(f"{API}/campaigns", headers=world.auth("gr_officer")).json()
    assert [c["code"] for c in seen] == ["SAFE-1"]
    assert seen[0]["reach"] == {"flyer": 30} and seen[0]["contacts"] == 1 and seen[0]["cards"] == 1
    assert {"dong": "구로1동", "housing": "apartment", "reached": 31, "voices": 0} in seen[0][
        "by_place"
    ]
    assert api.get(f"{API}/campaigns", headers=world.auth("dj_lead")).json() == []
    assert [c["code"] for c in api.get(f"{API}/campaigns", headers=world.auth("hq")).json()] == [
        "SAFE-1"
    ]
    assert api.get(f"{API}/campaigns").status_code == 401

    pdf = api.get(
        f"{API}/cards?unit=GR01&count=2&mine=true&campaign=SAFE-1", headers=world.auth("gr_officer")
    )
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert "minwon-cards-GR01.pdf" in pdf.headers["content-disposition"]
    assert api.get(f"{API}/cards?unit=GR01", headers=world.auth("dj_officer")).status_code == 404
    assert (
        api.get(f"{API}/cards?unit=GR01&count=501", headers=world.auth("gr_officer")).status_code
        == 422
    )
