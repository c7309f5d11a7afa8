"""Bad input to patrol requests and incident files: a clear refusal, the form kept as typed,
nothing stored (numbers written in other scripts, a half or impossible position, a quarter no
day belongs to)."""

import pytest
from factories import build_world
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select
from web.pagetools import csrf

from minwon.app import create_app
from minwon.db import write_session
from minwon.outreach.models import IncidentCount, PatrolRequest
from minwon.timeutil import to_kst, utcnow

POSITION_REFUSED = "위치를 읽을 수 없습니다."


def _count(engine: Engine, model: type) -> int:
    with write_session(engine) as db:
        return db.scalar(select(func.count()).select_from(model)) or 0


def _form(**overrides: str) -> dict[str, str]:
    now = to_kst(utcnow())
    return {
        "unit": "GR01",
        "place": "구로동 거리공원 정문",
        "day": now.date().isoformat(),
        "start_hour": "22",
        "end_hour": "24",
        "reason": "밤에 어둡습니다",
    } | overrides


@pytest.mark.parametrize(
    "position",
    [
        {"lat": "37.5"},
        {"lon": "126.9"},
        {"lat": "nan", "lon": "nan"},
        {"lat": "inf", "lon": "-inf"},
        {"lat": "999", "lon": "999"},
    ],
)
def test_a_citizen_s_form_with_an_unreadable_position_is_refused_and_kept(
    engine: Engine, position: dict[str, str]
) -> None:
    build_world(engine)
    client = TestClient(create_app(engine=engine))
    typed = _form(**position)
    r = client.post(
        "/patrols/request", data={**typed, "csrf_token": csrf(client, "/patrols/request")}
    )
    assert r.status_code == 422
    assert POSITION_REFUSED in r.text
    assert 'value="구로동 거리공원 정문"' in r.text and "밤에 어둡습니다" in r.text
    assert _count(engine, PatrolRequest) == 0


@pytest.mark.parametrize("hour", ["²", "٢٢", "9" * 5000, "-3"])
def test_an_hour_that_is_no_plain_number_is_refused_and_kept(engine: Engine, hour: str) -> None:
    build_world(engine)
    client = TestClient(create_app(engine=engine))
    typed = _form(start_hour=hour)
    r = client.post(
        "/patrols/request", data={**typed, "csrf_token": csrf(client, "/patrols/request")}
    )
    assert r.status_code == 422
    assert "시간대를 확인해 주세요" in r.text and "밤에 어둡습니다" in r.text
    assert _count(engine, PatrolRequest) == 0


@pytest.mark.parametrize(
    "position", [{"lat": 37.5}, {"lat": 95, "lon": 0}, {"lat": 37.5, "lon": -181}]
)
def test_the_api_refuses_a_half_or_impossible_position(
    engine: Engine, position: dict[str, float]
) -> None:
    world = build_world(engine)
    api = TestClient(create_app(engine=engine))
    body: dict[str, object] = {**_form(), "source": "card", **position}
    r = api.post("/api/v1/patrols/requests", json=body, headers=world.auth("gr_officer"))
    assert r.status_code == 422
    assert POSITION_REFUSED in r.json()["errors"]["lat"]
    assert _count(engine, PatrolRequest) == 0


@pytest.mark.parametrize("quarter", ["zzz", "", "9999Q9", "2026Q5", "2026Q4' OR 1=1", "26Q4"])
def test_incidents_are_never_filed_under_a_quarter_no_day_belongs_to(
    engine: Engine, quarter: str
) -> None:
    world = build_world(engine)
    api = TestClient(create_app(engine=engine))
    r = api.post(
        "/api/v1/patrols/incidents",
        data={"unit": "GR01", "quarter": quarter},
        files={"file": ("counts.csv", "구로역,22,5\n".encode(), "text/csv")},
        headers=world.auth("gr_lead"),
    )
    assert r.status_code == 422
    if quarter and len(quarter) <= 8:  # longer or empty: refused by the form's own limits
        assert r.json()["detail"] == "분기는 2026Q4처럼 연도와 1~4분기로 적어 주십시오."
    assert _count(engine, IncidentCount) == 0


def test_a_quarter_asked_for_must_be_one_too(engine: Engine) -> None:
    world = build_world(engine)
    api = TestClient(create_app(engine=engine))
    asked = api.get("/api/v1/patrols?unit=GR01&quarter=2026Q9", headers=world.auth("gr_lead"))
    assert asked.status_code == 422
    assert (
        api.get(
            "/api/v1/patrols?unit=GR01&quarter=2026Q4", headers=world.auth("gr_lead")
        ).status_code
        == 200
    )


@pytest.mark.parametrize(
    "line", ["구로역,²,3", "구로역,3,²", "구로역,3," + "9" * 30, "구로역,3,1000000", "구로역,3,-1"]
)
def test_an_incident_line_with_no_plain_count_names_the_line(engine: Engine, line: str) -> None:
    world = build_world(engine)
    api = TestClient(create_app(engine=engine))
    r = api.post(
        "/api/v1/patrols/incidents",
        data={"unit": "GR01", "quarter": "2026Q4"},
        files={"file": ("counts.csv", f"구로역,1,1\n{line}\n".encode(), "text/csv")},
        headers=world.auth("gr_lead"),
    )
    assert r.status_code == 422
    assert r.json()["detail"].startswith("2번째 줄: ")
    assert _count(engine, IncidentCount) == 0


def test_counts_of_one_place_and_hour_may_not_add_up_past_the_limit(engine: Engine) -> None:
    world = build_world(engine)
    api = TestClient(create_app(engine=engine))
    r = api.post(
        "/api/v1/patrols/incidents",
        data={"unit": "GR01", "quarter": "2026Q4"},
        files={"file": ("c.csv", "구로역,3,999999\n구로역,3,1\n".encode(), "text/csv")},
        headers=world.auth("gr_lead"),
    )
    assert r.status_code == 422 and r.json()["detail"].startswith("2번째 줄: ")
    assert _count(engine, IncidentCount) == 0
