"""Each role's first screen after logging in says what to do next: a unit lead the answers to
approve and the overdue voices, an officer their assigned voices and today's outreach, a CS
manager this month's satisfaction and the drivers of low scores, an HQ analyst the offices'
standings — each with a one-line empty state when there is nothing."""

import re
from datetime import timedelta

from factories import World, build_world, voice_json
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from web.pagetools import client_for, login

from minwon.db import write_session
from minwon.org import service as org
from minwon.outreach import service as outreach_service
from minwon.outreach.service import ContactIn
from minwon.reports import rollups
from minwon.surveys import invitations, templates
from minwon.surveys.invitations import Target
from minwon.surveys.responses import submit
from minwon.timeutil import utcnow


def _first_screen(engine: Engine, who: str) -> str:
    client = client_for(engine)
    r = login(client, who)
    assert r.url.path == "/" and "<h1>할 일</h1>" in r.text
    return r.text


def _count(page: str, name: str) -> int:
    match = re.search(rf'data-count="{name}">(\d+)<', page)
    assert match, f"no {name} count on the page"
    return int(match.group(1))


def _voice(client: TestClient, world: World, who: str = "gr_lead", **kw: object) -> dict:
    r = client.post("/api/v1/voices", json=voice_json(unit="GR01", **kw), headers=world.auth(who))
    assert r.status_code == 201, r.text
    return r.json()


def _assign(client: TestClient, world: World, voice: dict, to: str = "gr_officer") -> None:
    r = client.post(
        f"/api/v1/voices/{voice['id']}/assign", json={"assignee": to}, headers=world.auth("gr_lead")
    )
    assert r.status_code == 200, r.text


def test_lead_sees_answers_to_approve_and_overdue_voices(engine: Engine) -> None:
    world = build_world(engine)
    page = _first_screen(engine, "gr_lead")
    assert "승인을 기다리는 답변이 없습니다." in page
    assert "처리기한이 지난 민원이 없습니다." in page
    client = client_for(engine)
    drafted = _voice(client, world, title="가로등 고장")
    _assign(client, world, drafted)
    r = client.post(
        f"/api/v1/voices/{drafted['id']}/answer",
        json={"body": "수리를 요청했습니다."},
        headers=world.auth("gr_officer"),
    )
    assert r.status_code == 200, r.text
    late = _voice(client, world, title="늦은 민원", received_at="2025-03-03T10:00:00+09:00")
    page = _first_screen(engine, "gr_lead")
    assert _count(page, "approval") == 1 and _count(page, "overdue") == 1
    approval = page.split('id="approval"', 1)[1].split("</section>", 1)[0]
    assert drafted["ledger_no"] in approval and late["ledger_no"] not in approval
    assert f'href="/voices/{late["id"]}"' in page
    assert "승인을 기다리는 답변이 없습니다." not in page


def test_officer_sees_assigned_voices_and_todays_outreach(engine: Engine) -> None:
    world = build_world(engine)
    page = _first_screen(engine, "gr_officer")
    assert "배정된 민원이 없습니다." in page
    assert "오늘은 아직 기록한 주민 면담이 없습니다." in page
    assert _count(page, "outreach") == 0
    client = client_for(engine)
    mine = _voice(client, world, title="골목 순찰 요청")
    _assign(client, world, mine)
    _assign(client, world, _voice(client, world, title="동료의 민원"), to="gr_officer2")
    with write_session(engine) as db:
        officer = org.principal_for(org.staff_by_login(db_session=db, login="gr_officer"))
        outreach_service.log_contact(
            db, principal=officer, data=ContactIn(housing="apartment", dong="구로1동")
        )
    page = _first_screen(engine, "gr_officer")
    assert _count(page, "assigned") == 1 and _count(page, "outreach") == 1
    assert mine["ledger_no"] in page and "동료의 민원" not in page
    assert "오늘 1명을 만났습니다." in page


def _item(page: str, ledger_no: str) -> str:
    """The list item of ``ledger_no`` on a first screen."""
    match = re.search(rf"<li><a class=\"mono\" href=\"/voices/\d+\">{ledger_no}</a>.*?</li>", page)
    assert match, f"{ledger_no} is not listed"
    return match.group(0)


def test_officers_overdue_voices_are_marked_as_in_the_ledger(engine: Engine, clock) -> None:
    """An assigned voice past its deadline is marked 기한 경과 (red, as in the ledger); one not
    yet due is not, until its deadline has passed too."""
    world = build_world(engine)
    client = client_for(engine)
    late = _voice(client, world, title="늦은 민원", received_at="2026-11-16T10:00:00+09:00")
    fresh = _voice(client, world, title="새 민원")
    for voice in (late, fresh):
        _assign(client, world, voice)
    page = _first_screen(engine, "gr_officer")
    overdue = _item(page, late["ledger_no"])
    assert re.search(
        r'class="due overdue nowrap">처리기한 <span class="date">[^<]*</span>\s*'
        r'<b class="due-tag">기한 경과</b>',
        overdue,
    )
    on_time = _item(page, fresh["ledger_no"])
    assert "기한 경과" not in on_time and "overdue" not in on_time
    assert 'class="muted nowrap">처리기한 ' in on_time
    clock.shift(timedelta(days=30))
    assert "기한 경과" in _item(_first_screen(engine, "gr_officer"), fresh["ledger_no"])
    lead = _first_screen(engine, "gr_lead")  # the lead's overdue list is marked alike
    assert "기한 경과" in _item(lead, late["ledger_no"])


def _respond(engine: Engine, channel: str, csat: int) -> None:
    with write_session(engine) as db:
        org_id = org.find_organization(db_session=db, ref="KNPA").id
        template = templates.ensure_defaults(db_session=db, organization_id=org_id)[0]
        unit = org.find_unit(db_session=db, ref="GR01")
        now = utcnow()
        target = Target(office_id=unit.office_id, unit_id=unit.id, channel=channel)
        issued = invitations.issue(db, template, target, via="letter", now=now - timedelta(days=1))
        answers = {"csat": str(csat), "kind": "4", "speed": "4", "nps": str(csat * 2)}
        submit(db, issued.invitation, answers, mode="web", now=now)


def test_cs_manager_sees_this_months_satisfaction_and_worst_drivers(engine: Engine) -> None:
    build_world(engine)
    page = _first_screen(engine, "gr_cs")
    assert "이번 달에는 아직 만족도 응답이 없습니다." in page
    assert "만족도를 뚜렷이 낮추는 요인이 없습니다." in page
    for _ in range(6):
        _respond(engine, "web", 1)
        _respond(engine, "phone", 5)
    rollups.update(engine)
    page = _first_screen(engine, "gr_cs")
    assert _count(page, "responses") == 12
    # half the answers gave 4–5: the share says it is a percentage, its interval reads plainly
    assert re.search(r"<b>50%</b> <small class=\"muted\">\(\d+ ~ \d+%\)</small>", page)
    assert re.search(r"경로: <b>인터넷</b> — 평균 1\.00점, 나머지 5\.00점", page)
    assert "web" not in re.sub(r"<[^>]+>", "", page)


def test_hq_analyst_sees_the_offices_standings(engine: Engine) -> None:
    build_world(engine)
    page = _first_screen(engine, "hq")
    assert "순위를 매길 만족도 응답이 아직 없습니다." in page
    for _ in range(3):
        _respond(engine, "phone", 4)
    rollups.update(engine)
    page = _first_screen(engine, "hq")
    standings = page.split('class="plain standings"', 1)[1].split("</ul>", 1)[0]
    assert "구로경찰서" in standings and "응답 부족" in standings and "n 3" in standings
    assert 'href="/reports/monthly"' in page
