"""Practice beside satisfaction: per unit and officer and month, checklist compliance, role-play
practice (sessions, participants, the observers' mean score) and incidents (units only) beside
the survey's mean CSAT, each with its sample size and small samples flagged (fewer than 30
answers, three checks, three sessions); shown on the satisfaction page and the unit's page; HQ
sees units and incident counts but no officers' names and no role-play scores; a bad period is
refused."""

from datetime import date, timedelta

import pytest
from conftest import TEST_NOW
from sqlalchemy import Engine
from web.pagetools import login

from minwon.db import session_factory, write_session
from minwon.errors import Invalid
from minwon.org import service as org_service
from minwon.quality import practice
from minwon.surveys import invitations, templates
from minwon.surveys.invitations import Target
from minwon.surveys.responses import submit
from minwon.timeutil import to_kst
from quality.helpers import marks, setup, template


def _answers(engine: Engine, csats: list[int]) -> None:
    with write_session(engine) as db:
        org = org_service.find_organization(db_session=db, ref="KNPA")
        survey = templates.ensure_defaults(db_session=db, organization_id=org.id)[1]
        unit = org_service.find_unit(db_session=db, ref="GR01")
        for csat in csats:
            target = Target(office_id=unit.office_id, unit_id=unit.id, channel="visit")
            issued = invitations.issue(db, survey, target, via="kiosk", now=TEST_NOW)
            assert issued is not None
            answers = {"csat": csat, "kind": csat, "speed": csat, "nps": 8}
            submit(db, issued.invitation, answers, mode="kiosk", now=TEST_NOW)


def test_compliance_sits_beside_satisfaction_with_small_samples_flagged(engine: Engine) -> None:
    client, world = setup(engine)
    tpl = template(client, world)
    for _ in range(2):
        body = {"kind": "self", "template_id": tpl["id"], "marks": marks(tpl)}
        r = client.post("/api/v1/quality/checks", json=body, headers=world.auth("gr_officer"))
        assert r.status_code == 201
    _answers(engine, [5, 4, 3])
    got = client.get("/api/v1/quality/practice", headers=world.auth("gr_cs")).json()
    unit = next(u for u in got["units"] if u["label"] == "구로지구대")
    month = TEST_NOW.strftime("%Y-%m")
    cell = next(m for m in unit["months"] if m["month"] == month)
    assert cell["compliance"] == 100.0 and cell["checks"] == 2 and cell["checks_small_sample"]
    assert cell["csat"] == 4.0 and cell["answers"] == 3 and cell["csat_small_sample"]
    assert [o["label"] for o in got["officers"]] == ["gr_officer"]
    assert "증거는 아닙니다" in got["rule"]
    hq = client.get("/api/v1/quality/practice", headers=world.auth("hq")).json()
    assert hq["units"] and hq["officers"] == []
    other = client.get("/api/v1/quality/practice", headers=world.auth("dj_lead")).json()
    assert other["units"] == []

    login(client, "gr_cs")
    page = client.get("/surveys")
    assert page.status_code == 200
    assert 'id="q-practice"' in page.text and "구로지구대" in page.text and "표본 적음" in page.text


def test_roleplay_and_incidents_sit_beside_satisfaction(engine: Engine) -> None:
    client, world = setup(engine)
    scenarios = client.get("/api/v1/roleplay/scenarios", headers=world.auth("gr_lead")).json()
    held = to_kst(TEST_NOW - timedelta(hours=2)).replace(tzinfo=None)
    session = {
        "scenario_id": scenarios[0]["id"],
        "held_at": held.isoformat("T", "minutes"),
        "participants": ["gr_officer", "gr_officer2"],
        "observer": "gr_lead",
        "observer_scores": {
            "gr_officer": {"listen": 4, "empathise": 3},
            "gr_officer2": {"listen": 2},
        },
    }
    r = client.post("/api/v1/roleplay/sessions", json=session, headers=world.auth("gr_lead"))
    assert r.status_code == 201, r.text
    incident = {
        "unit": "GR01",
        "occurred_at": held.isoformat(timespec="minutes"),
        "channel": "visit",
        "what_happened": "욕설을 하며 책상을 내리침",
        "staff": ["gr_officer"],
        "reported": True,
        "support": ["counselling"],
    }
    r = client.post("/api/v1/protection/incidents", json=incident, headers=world.auth("gr_officer"))
    assert r.status_code == 201, r.text
    _answers(engine, [4, 5])
    month = TEST_NOW.strftime("%Y-%m")

    got = client.get("/api/v1/quality/practice", headers=world.auth("gr_cs")).json()
    unit = next(u for u in got["units"] if u["label"] == "구로지구대")
    cell = next(m for m in unit["months"] if m["month"] == month)
    assert (cell["sessions"], cell["participants"], cell["scored"]) == (1, 2, 3)
    assert cell["practice_score"] == 3.0 and cell["sessions_small_sample"]
    assert cell["incidents"] == 1 and cell["csat"] == 4.5 and cell["checks"] == 0
    officers = {o["label"]: o["total"] for o in got["officers"]}
    assert officers["gr_officer"]["sessions"] == 1
    assert officers["gr_officer"]["practice_score"] == 3.5
    assert all(o["incidents"] is None for o in officers.values())  # never per officer
    assert "역할극" in got["rule"] and "증거는 아닙니다" in got["rule"]

    hq = client.get("/api/v1/quality/practice", headers=world.auth("hq")).json()
    [hq_unit] = [u for u in hq["units"] if u["label"] == "구로지구대"]
    assert hq_unit["total"]["incidents"] == 1 and hq_unit["total"]["sessions"] == 0  # no scores
    assert hq["officers"] == [] and "gr_officer" not in str(hq)
    mine = client.get("/api/v1/quality/practice", headers=world.auth("gr_officer2")).json()
    mine_lines = {o["label"]: o["total"] for o in mine["officers"]}  # as the session page shows
    assert mine_lines["gr_officer2"]["practice_score"] == 2.0

    login(client, "gr_lead")
    page = client.get(f"/quality/units/{unit['key']}")
    assert page.status_code == 200 and 'class="q-sessions"' in page.text
    assert 'class="q-incidents">1<' in page.text


@pytest.mark.parametrize("months", ["0", "25", "x"])
def test_a_bad_period_is_refused(engine: Engine, months: str) -> None:
    client, world = setup(engine)
    r = client.get(f"/api/v1/quality/practice?months={months}", headers=world.auth("gr_cs"))
    assert r.status_code == 422
    login(client, "gr_cs")
    page = client.get("/surveys?start=2026-11-20&end=2026-11-01")
    assert page.status_code == 422
    with session_factory(engine)() as db:
        staff = org_service.staff_by_login(db_session=db, login="gr_cs")
        principal = org_service.principal_for(staff)
        with pytest.raises(Invalid, match="시작이 끝보다"):
            practice.beside_satisfaction(
                db, principal=principal, first=date(2026, 11, 2), last=date(2026, 11, 1)
            )
        with pytest.raises(Invalid, match="36개월"):
            practice.beside_satisfaction(
                db, principal=principal, first=date(2020, 1, 1), last=date(2026, 11, 1)
            )
