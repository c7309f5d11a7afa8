"""Mystery visits and calls: the CS manager plans them for a unit of the office; the observer
records the checklist within the window; the unit then sees the result but never who observed,
and never sees the plans; the CS manager and admins know the observer."""

from datetime import timedelta

from conftest import TEST_NOW
from sqlalchemy import Engine

from quality.helpers import marks, setup, template

TODAY = TEST_NOW.date()


def _plan(client, world, login: str = "gr_cs", **over: object):  # type: ignore[no-untyped-def]
    body = {
        "unit": "GR01",
        "channel": "visit",
        "scenario": "교통사고 사실확인원 발급 문의, 서류 하나를 빠뜨린 민원인",
        "window_start": str(TODAY - timedelta(days=2)),
        "window_end": str(TODAY + timedelta(days=5)),
        "observer": "gr2_officer",
        **over,
    }
    return client.post("/api/v1/quality/visits", json=body, headers=world.auth(login))


def test_the_cs_manager_plans_and_only_planners_and_the_observer_see_the_plan(
    engine: Engine,
) -> None:
    client, world = setup(engine)
    r = _plan(client, world)
    assert r.status_code == 201, r.text
    visit = r.json()
    assert visit["status"] == "planned" and visit["observer"] == "gr2_officer"
    for login, status in [
        ("gr_cs", 200),
        ("gr2_officer", 200),
        ("admin", 200),
        ("gr_lead", 404),
        ("gr_officer", 404),
        ("dj_lead", 404),
    ]:
        got = client.get(f"/api/v1/quality/visits/{visit['id']}", headers=world.auth(login))
        assert got.status_code == status, login
    listed = client.get("/api/v1/quality/visits", headers=world.auth("gr_lead")).json()
    assert listed == []


def test_only_a_cs_manager_plans_and_bad_plans_are_refused(engine: Engine) -> None:
    client, world = setup(engine)
    assert _plan(client, world, login="gr_lead").status_code == 403
    assert _plan(client, world, unit="DJ01").status_code == 404
    assert _plan(client, world, channel="fax").status_code == 422
    bad = _plan(client, world, window_end=str(TODAY - timedelta(days=3)))
    assert bad.status_code == 422 and bad.json()["field"] == "window_end"
    inside = _plan(client, world, observer="gr_officer")
    assert inside.status_code == 422 and "부서 밖" in inside.json()["detail"]
    assert client.get("/api/v1/quality/visits", headers=world.auth("gr_cs")).json() == []


def test_the_unit_sees_the_result_without_the_observer(engine: Engine) -> None:
    client, world = setup(engine)
    visit = _plan(client, world).json()
    tpl = template(client, world)
    body = {"marks": marks(tpl, missed={"자리에서 일어나 배웅 인사를 했다"}), "note": "친절함"}
    r = client.post(
        f"/api/v1/quality/visits/{visit['id']}/result",
        json=body,
        headers=world.auth("gr2_officer"),
    )
    assert r.status_code == 201, r.text
    check_id = r.json()["id"]
    assert r.json()["kind"] == "mystery" and r.json()["observer"] == "gr2_officer"
    again = client.post(
        f"/api/v1/quality/visits/{visit['id']}/result",
        json=body,
        headers=world.auth("gr2_officer"),
    )
    assert again.status_code == 409
    for login in ("gr_lead", "gr_officer"):
        seen = client.get(f"/api/v1/quality/checks/{check_id}", headers=world.auth(login))
        assert seen.status_code == 200 and seen.json()["observer"] is None
        assert seen.json()["met"] == seen.json()["total"] - 1
        listed = client.get("/api/v1/quality/checks?kind=mystery", headers=world.auth(login))
        assert [c["observer"] for c in listed.json()] == [None]
    cs = client.get(f"/api/v1/quality/checks/{check_id}", headers=world.auth("gr_cs")).json()
    assert cs["observer"] == "gr2_officer"
    assert (
        client.get(f"/api/v1/quality/visits/{visit['id']}", headers=world.auth("gr_cs")).json()[
            "status"
        ]
        == "done"
    )


def test_a_result_outside_the_window_is_refused_and_the_visit_stays_planned(
    engine: Engine,
) -> None:
    client, world = setup(engine)
    visit = _plan(client, world).json()
    tpl = template(client, world)
    body = {"marks": marks(tpl), "checked_on": str(TODAY - timedelta(days=10))}
    r = client.post(
        f"/api/v1/quality/visits/{visit['id']}/result", json=body, headers=world.auth("gr_cs")
    )
    assert r.status_code == 422 and r.json()["field"] == "checked_on"
    stranger = client.post(
        f"/api/v1/quality/visits/{visit['id']}/result",
        json={"marks": marks(tpl)},
        headers=world.auth("gr_lead"),
    )
    assert stranger.status_code == 404
    got = client.get(f"/api/v1/quality/visits/{visit['id']}", headers=world.auth("gr_cs"))
    assert got.json()["status"] == "planned"


def test_a_planned_visit_can_be_cancelled_once(engine: Engine) -> None:
    client, world = setup(engine)
    visit = _plan(client, world, channel="call").json()
    path = f"/api/v1/quality/visits/{visit['id']}/cancel"
    assert client.post(path, headers=world.auth("gr2_officer")).status_code == 403
    assert client.post(path, headers=world.auth("gr_cs")).json()["status"] == "cancelled"
    assert client.post(path, headers=world.auth("gr_cs")).status_code == 409
