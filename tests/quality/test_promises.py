"""One promise per unit: the unit lead states it for their own unit, the CS manager for any
unit of the office; a new promise ends the one before and the history stays; checks then ask
"promise kept?" with the promise's words, and scores show how well each unit kept it."""

from datetime import timedelta

from conftest import TEST_NOW
from sqlalchemy import Engine

from quality.helpers import marks, setup, template

TODAY = TEST_NOW.date()


def test_a_new_promise_ends_the_one_before_and_the_history_stays(engine: Engine) -> None:
    client, world = setup(engine)
    first = {"unit": "GR01", "text": "모든 방문객을 문 앞까지 배웅합니다", "since": "2026-06-01"}
    r = client.post("/api/v1/quality/promises", json=first, headers=world.auth("gr_lead"))
    assert r.status_code == 201, r.text
    second = {**first, "text": "3분 안에 첫 응대를 시작합니다", "since": "2026-09-01"}
    assert (
        client.post(
            "/api/v1/quality/promises", json=second, headers=world.auth("gr_cs")
        ).status_code
        == 201
    )
    now = client.get("/api/v1/quality/promises", headers=world.auth("gr_officer")).json()
    assert [(p["unit"], p["text"]) for p in now] == [("GR01", second["text"])]
    unit_id = _unit_id(client, world, "GR01")
    history = client.get(
        f"/api/v1/quality/units/{unit_id}/promises", headers=world.auth("gr_officer")
    ).json()
    assert [(p["text"], p["until"]) for p in history] == [
        (second["text"], None),
        (first["text"], "2026-09-01"),
    ]
    older = {**first, "since": "2026-08-01"}
    late = client.post("/api/v1/quality/promises", json=older, headers=world.auth("gr_cs"))
    assert late.status_code == 422 and late.json()["field"] == "since"


def _unit_id(client, world, code: str) -> int:  # type: ignore[no-untyped-def]
    r = client.get("/api/v1/units", headers=world.auth("admin"))
    return next(u["id"] for u in r.json() if u["code"] == code)


def test_who_may_state_a_promise(engine: Engine) -> None:
    client, world = setup(engine)
    body = {"unit": "GR01", "text": "약속", "since": str(TODAY)}
    for login, status in [
        ("gr_officer", 403),
        ("gr2_lead", 403),
        ("dj_lead", 404),
        ("hq", 403),
        ("gr_lead", 201),
    ]:
        r = client.post("/api/v1/quality/promises", json=body, headers=world.auth(login))
        assert r.status_code == status, login
    blank = client.post(
        "/api/v1/quality/promises", json={**body, "text": "   "}, headers=world.auth("gr_cs")
    )
    assert blank.status_code == 422


def test_checks_ask_whether_the_promise_was_kept_and_scores_show_it(engine: Engine) -> None:
    client, world = setup(engine)
    promise = {
        "unit": "GR01",
        "text": "끝까지 듣고 배웅합니다",
        "since": str(TODAY - timedelta(30)),
    }
    client.post("/api/v1/quality/promises", json=promise, headers=world.auth("gr_lead"))
    tpl = template(client, world)
    no_answer = {"kind": "self", "template_id": tpl["id"], "marks": marks(tpl)}
    r = client.post("/api/v1/quality/checks", json=no_answer, headers=world.auth("gr_officer"))
    assert r.status_code == 422  # the promise item must be marked now
    for kept in (True, False, True):
        body = {**no_answer, "marks": marks(tpl, promise=kept)}
        r = client.post("/api/v1/quality/checks", json=body, headers=world.auth("gr_officer"))
        assert r.status_code == 201, r.text
        assert r.json()["promise"] == promise["text"]
    scores = client.get("/api/v1/quality/scores", headers=world.auth("gr_lead")).json()
    assert scores["promise"]["met"] == 2 and scores["promise"]["total"] == 3
    assert scores["promise_units"][0]["label"] == "구로지구대"
    assert scores["checks"] == 3 and not scores["overall"]["small_sample"]
