"""Practice in the drivers table: answers about voices handled by an officer who practised
role-play in the 90 days before (or met 90 % of checklist items over at least three checks in
those days) compared with the rest by the drivers' rule — the same interval, the same
"not enough answers" below five, and no officer named; compliance over fewer than three checks
is unknown and left out."""

from datetime import timedelta

from conftest import TEST_NOW
from factories import build_world
from fastapi.testclient import TestClient
from quality.helpers import marks, template
from sqlalchemy import Engine
from web.pagetools import login

from minwon.app import create_app
from minwon.db import session_factory, write_session
from minwon.org import service as org_service
from minwon.surveys import invitations, overview, templates
from minwon.surveys.invitations import Target
from minwon.surveys.responses import submit
from minwon.timeutil import to_kst


def _answer(engine: Engine, officer: str, csats: list[int], days_ago: int = 0) -> None:
    at = TEST_NOW - timedelta(days=days_ago)
    with write_session(engine) as db:
        org = org_service.find_organization(db_session=db, ref="KNPA")
        survey = templates.ensure_defaults(db_session=db, organization_id=org.id)[1]
        unit = org_service.find_unit(db_session=db, ref="GR01")
        staff = org_service.staff_by_login(db_session=db, login=officer)
        for csat in csats:
            target = Target(unit.office_id, unit.id, staff.id, channel="visit")
            issued = invitations.issue(db, survey, target, via="kiosk", now=at)
            assert issued is not None
            answers = {"csat": csat, "kind": csat, "speed": csat, "nps": 8}
            submit(db, issued.invitation, answers, mode="kiosk", now=at)


def test_answers_about_officers_who_practised_are_compared_with_the_rest(engine: Engine) -> None:
    world = build_world(engine)
    client = TestClient(create_app(engine=engine))
    scenarios = client.get("/api/v1/roleplay/scenarios", headers=world.auth("gr_lead")).json()
    held = to_kst(TEST_NOW - timedelta(days=20)).replace(tzinfo=None).isoformat("T", "minutes")
    session = {
        "scenario_id": scenarios[0]["id"],
        "held_at": held,
        "participants": ["gr_officer"],
        "observer": "gr_lead",
    }
    r = client.post("/api/v1/roleplay/sessions", json=session, headers=world.auth("gr_lead"))
    assert r.status_code == 201, r.text
    tpl = template(client, world)
    missed = {tpl["items"][0]["text"], tpl["items"][1]["text"]}
    checks = (("gr_officer", 3, set()), ("gr_officer2", 3, missed), ("gr_lead", 1, set()))
    for who, n, skip in checks:
        for i in range(n):
            body = {
                "kind": "self",
                "template_id": tpl["id"],
                "checked_on": (TEST_NOW - timedelta(days=10 + i)).date().isoformat(),
                "marks": marks(tpl, missed=skip),
            }
            made = client.post("/api/v1/quality/checks", json=body, headers=world.auth(who))
            assert made.status_code == 201, made.text
    _answer(engine, "gr_officer", [5, 5, 4, 5, 4, 5])
    _answer(engine, "gr_officer2", [3, 2, 3, 2])
    _answer(engine, "gr_lead", [1, 2])  # one check only: compliance unknown, left out
    _answer(engine, "gr_officer", [1, 1], days_ago=30)  # before the session: not practised

    day = TEST_NOW.date()
    with session_factory(engine)() as db:
        office = org_service.find_unit(db_session=db, ref="GR01").office_id
        rows = overview.driver_table(db, office_id=office, start=day - timedelta(days=40), end=day)
    practised = next(d for d in rows if d.attribute == "practised_90d")
    assert (practised.value, practised.n, practised.rest_n) == (True, 6, 8)
    assert practised.status == "ok" and practised.diff is not None and practised.diff > 0
    assert practised.low is not None and practised.low > 0  # its interval, as for any driver
    # gr_officer met every item of 3 checks, gr_officer2 missed some (4 answers: too few to
    # compare), gr_lead's single check says nothing, and 30 days ago gr_officer had no checks
    compliant = next(d for d in rows if d.attribute == "compliant_90d")
    assert (compliant.value, compliant.n, compliant.rest_n) == (True, 6, 4)
    assert compliant.status == "not_enough" and compliant.diff is None

    login(client, "gr_cs")
    start = (day - timedelta(days=40)).isoformat()
    page = client.get(f"/surveys?start={start}&end={day.isoformat()}")
    assert page.status_code == 200 and 'id="sv-practice-drivers"' in page.text
    assert (
        "최근 90일 안에 역할극 연습" in page.text
        and "gr_officer" not in page.text.split('id="q-practice"')[0]
    )
