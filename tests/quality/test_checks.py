"""Checks: self and peer checks record every item met or not with a note; the score is items
met of items marked; the unit sees its own checks, the CS manager the office's, another
office nothing; bad input is refused with a clear message and nothing is stored."""

from sqlalchemy import Engine, func, select

from minwon.db import write_session
from minwon.quality.models import QualityCheck
from quality.helpers import marks, setup, template


def _count(engine: Engine) -> int:
    with write_session(engine) as db:
        return db.scalar(select(func.count(QualityCheck.id))) or 0


def test_shipped_checklists_group_items_by_stage(engine: Engine) -> None:
    client, world = setup(engine)
    visit = template(client, world, "visit")
    call = template(client, world, "call")
    assert [i["stage"] for i in visit["items"]][:1] == ["greet"]
    assert {i["stage"] for i in visit["items"]} == {"greet", "handle", "close", "place"}
    assert {i["stage"] for i in call["items"]} == {"connect", "hello", "listen", "end"}
    assert any("배웅" in i["text"] for i in visit["items"])
    assert sum(i["is_promise"] for i in visit["items"]) == 1


def test_a_self_check_scores_items_met_of_items_marked(engine: Engine) -> None:
    client, world = setup(engine)
    tpl = template(client, world)
    body = {
        "kind": "self",
        "template_id": tpl["id"],
        "marks": marks(tpl, missed={"의자를 권하고 앉을 자리를 마련했다"}),
    }
    r = client.post("/api/v1/quality/checks", json=body, headers=world.auth("gr_officer"))
    assert r.status_code == 201, r.text
    check = r.json()
    assert check["kind"] == "self" and check["unit"] == "GR01"
    assert check["officer"] == "gr_officer" and check["observer"] == "gr_officer"
    assert check["total"] == 13 and check["met"] == 12  # no promise yet: that item left out
    assert check["score"] == round(100 * 12 / 13, 1)
    assert not any(x["is_promise"] for x in check["results"])


def test_every_item_must_be_marked_and_nothing_is_stored_otherwise(engine: Engine) -> None:
    client, world = setup(engine)
    tpl = template(client, world)
    body = {"kind": "self", "template_id": tpl["id"], "marks": marks(tpl)[:-2]}
    r = client.post("/api/v1/quality/checks", json=body, headers=world.auth("gr_officer"))
    assert r.status_code == 422
    assert "항목을 표시하세요" in r.json()["detail"] and len(r.json()["errors"]) == 2
    r = client.post(
        "/api/v1/quality/checks",
        json={**body, "kind": "mystery", "marks": marks(tpl)},
        headers=world.auth("gr_officer"),
    )
    assert r.status_code == 422 and "암행" in r.json()["detail"]
    assert _count(engine) == 0


def test_peer_checks_stay_in_the_office_and_the_unit_sees_its_own(engine: Engine) -> None:
    client, world = setup(engine)
    tpl = template(client, world)
    peer = {"kind": "peer", "template_id": tpl["id"], "target": "officer", "marks": marks(tpl)}
    r = client.post(
        "/api/v1/quality/checks",
        json={**peer, "officer": "dj_officer"},
        headers=world.auth("gr_lead"),
    )
    assert r.status_code == 404  # another office's officer is not found
    r = client.post(
        "/api/v1/quality/checks", json={**peer, "officer": "gr_lead"}, headers=world.auth("gr_lead")
    )
    assert r.status_code == 422  # oneself is a self check
    r = client.post(
        "/api/v1/quality/checks",
        json={**peer, "officer": "gr_officer"},
        headers=world.auth("gr2_lead"),
    )
    assert r.status_code == 201, r.text
    check_id = r.json()["id"]
    for login, status in [
        ("gr_officer", 200),
        ("gr_lead", 200),
        ("gr_cs", 200),
        ("gr2_lead", 200),
        ("gr2_officer", 404),
        ("dj_lead", 404),
        ("hq", 200),
    ]:
        got = client.get(f"/api/v1/quality/checks/{check_id}", headers=world.auth(login))
        assert got.status_code == status, login
    hq = client.get(f"/api/v1/quality/checks/{check_id}", headers=world.auth("hq")).json()
    assert hq["officer"] is None and hq["observer"] is None  # HQ sees no names


def test_a_future_day_is_refused(engine: Engine) -> None:
    client, world = setup(engine)
    tpl = template(client, world)
    body = {
        "kind": "self",
        "template_id": tpl["id"],
        "marks": marks(tpl),
        "checked_on": "2099-01-01",
    }
    r = client.post("/api/v1/quality/checks", json=body, headers=world.auth("gr_officer"))
    assert r.status_code == 422 and r.json()["field"] == "checked_on"
