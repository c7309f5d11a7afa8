"""Practice beside satisfaction: per unit and officer and month, checklist compliance beside the
survey's mean CSAT, each with its sample size and small samples flagged (fewer than 30
answers, fewer than three checks); shown on the satisfaction page and the unit's page; HQ sees
units but no officers' names."""

from conftest import TEST_NOW
from sqlalchemy import Engine
from web.pagetools import login

from minwon.db import write_session
from minwon.org import service as org_service
from minwon.surveys import invitations, templates
from minwon.surveys.invitations import Target
from minwon.surveys.responses import submit
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
