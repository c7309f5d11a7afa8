"""Patrol requests through the REST API (/api/v1/patrols): staff-entered requests, the unit's
view, the adopted plan, patrols logged (consenting requesters told) and incident uploads — the
same office and role rules and messages as the patrol pages, nothing written on refusal."""

from datetime import timedelta

from factories import build_world
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select
from web.pagetools import csrf, login

from minwon.app import create_app
from minwon.db import write_session
from minwon.outreach.models import IncidentCount, PatrolLog, PatrolPlan, PatrolRequest
from minwon.timeutil import to_kst, utcnow
from minwon.web.i18n import translate

API = "/api/v1/patrols"
PLACE = "구로동 거리공원 정문"


def _count(engine: Engine, model: type) -> int:
    with write_session(engine) as db:
        return db.scalar(select(func.count()).select_from(model)) or 0


def _request(**overrides: object) -> dict[str, object]:
    now = to_kst(utcnow())
    body: dict[str, object] = {
        "unit": "GR01",
        "place": PLACE,
        "day": now.date().isoformat(),
        "start_hour": now.hour,
        "end_hour": now.hour + 1,
        "reason": "밤에 어둡습니다",
        "source": "phone",
        "email": "resident@example.com",
        "consent": True,
    }
    return body | overrides


def test_requests_plan_logs_and_the_units_view(engine: Engine) -> None:
    world = build_world(engine)
    api = TestClient(create_app(engine=engine))
    officer, lead = world.auth("gr_officer"), world.auth("gr_lead")
    taken = api.post(f"{API}/requests", json=_request(), headers=officer)
    assert taken.status_code == 201, taken.text
    assert taken.json()["has_email"] and taken.json()["consent"] and "email" not in taken.json()

    wrong = api.post(
        f"{API}/requests", json=_request(place="", start_hour=5, end_hour=5), headers=officer
    )
    assert wrong.status_code == 422 and set(wrong.json()["errors"]) == {"place", "start_hour"}
    bad_day = api.post(f"{API}/requests", json=_request(day="어제"), headers=officer)
    assert bad_day.json()["errors"] == {"day": "날짜를 YYYY-MM-DD 형식으로 골라 주세요."}
    yesterday = (to_kst(utcnow()).date() - timedelta(days=1)).isoformat()
    past = api.post(f"{API}/requests", json=_request(day=yesterday), headers=officer)
    assert past.status_code == 422 and "지난 날짜로는" in past.json()["errors"]["day"]
    assert _count(engine, PatrolRequest) == 1
    bad_source = api.post(f"{API}/requests", json=_request(source="fax"), headers=officer)
    assert bad_source.json()["detail"] == "접수 경로가 올바르지 않습니다."
    assert (
        api.post(f"{API}/requests", json=_request(), headers=world.auth("dj_officer")).status_code
        == 404
    )
    assert api.post(f"{API}/requests", json=_request(), headers=world.auth("hq")).status_code == 403
    assert api.post(f"{API}/requests", json=_request()).status_code == 401
    assert _count(engine, PatrolRequest) == 1

    view = api.get(f"{API}?unit=GR01", headers=world.auth("gr_officer2"))
    assert view.status_code == 200 and [r["place"] for r in view.json()["requests"]] == [PLACE]
    assert view.json()["suggested"] and view.json()["plan"] is None
    assert api.get(API, headers=officer).json()["unit"] == "GR01"  # own unit by default
    assert api.get(f"{API}?unit=GR01", headers=world.auth("dj_lead")).status_code == 404
    assert api.get(API).status_code == 401

    quarter = view.json()["current"]
    plan = {"unit": "GR01", "quarter": quarter}
    assert api.post(f"{API}/plans", json=plan, headers=officer).status_code == 403
    assert api.post(f"{API}/plans", json=plan, headers=world.auth("dj_lead")).status_code == 404
    empty = api.post(f"{API}/plans", json={**plan, "quarter": "2020Q1"}, headers=lead)
    assert (
        empty.status_code == 422
        and empty.json()["detail"] == "이번 분기에 들어온 순찰 요청이 없습니다."
    )
    assert _count(engine, PatrolPlan) == 0
    adopted = api.post(f"{API}/plans", json=plan, headers=lead)
    assert adopted.status_code == 201 and adopted.json()["items"][0]["requests"] == 1

    no_place = api.post(f"{API}/logs", json={"unit": "GR01", "place": " "}, headers=officer)
    assert no_place.status_code == 422 and no_place.json()["detail"] == "장소를 적어 주세요."
    assert (
        api.post(
            f"{API}/logs", json={"unit": "GR01", "place": PLACE}, headers=world.auth("dj_officer")
        ).status_code
        == 404
    )
    assert _count(engine, PatrolLog) == 0
    logged = api.post(
        f"{API}/logs", json={"unit": "GR01", "place": PLACE, "note": "이상 없음"}, headers=officer
    )
    assert logged.status_code == 201 and logged.json()["told"] == 1
    after = api.get(f"{API}?unit=GR01", headers=lead).json()
    assert after["plan"]["id"] == adopted.json()["id"] and after["logs"][0]["place"] == PLACE
    assert after["coverage"][0]["patrols"] >= 0 and after["requests"][0]["notified_at"]


def test_incident_uploads(engine: Engine) -> None:
    world = build_world(engine)
    api = TestClient(create_app(engine=engine))
    lead = world.auth("gr_lead")
    form = {"unit": "GR01", "quarter": "2026Q4"}

    def upload(who: dict[str, str], content: bytes, **extra: str):
        files = {"file": ("counts.csv", content, "text/csv")}
        return api.post(f"{API}/incidents", data=form | extra, files=files, headers=who)

    good = upload(lead, "장소,시,건수\n구로역,22,5\n구로역,23,2\n".encode())
    assert good.status_code == 200 and good.json() == {
        "unit": "GR01",
        "quarter": "2026Q4",
        "imported": 2,
    }
    bad_line = upload(lead, "구로역,22,5\n구로역,25,1\n".encode())
    assert bad_line.status_code == 422 and bad_line.json()["detail"] == "2번째 줄: 시는 0~23입니다."
    not_utf8 = upload(lead, "구로역,22,5\n".encode("cp949"))
    assert not_utf8.status_code == 422 and not_utf8.json()["detail"] == translate(
        "ko", "pt_bad_file"
    )
    officer = upload(world.auth("gr_officer"), b"x,1,1\n")
    assert officer.status_code == 403 and officer.json()["detail"] == "사건 통계는 팀장이 올립니다."
    assert upload(world.auth("dj_lead"), b"x,1,1\n").status_code == 404
    assert _count(engine, IncidentCount) == 2


def test_the_page_and_the_api_refuse_a_request_alike(engine: Engine) -> None:
    world = build_world(engine)
    page = TestClient(create_app(engine=engine))
    login(page, "gr_officer")
    form = {k: str(v) for k, v in _request(place="", reason="x" * 2001).items()} | {"consent": "on"}
    shown = page.post("/patrols/staff-request", data={**form, "csrf_token": csrf(page, "/patrols")})
    api = TestClient(create_app(engine=engine))
    answer = api.post(
        f"{API}/requests",
        json=_request(place="", reason="x" * 2001),
        headers=world.auth("gr_officer"),
    )
    assert answer.status_code == 422
    for message in answer.json()["errors"].values():
        assert message.replace(",", "&#44;") in shown.text or message in shown.text
    assert _count(engine, PatrolRequest) == 0
