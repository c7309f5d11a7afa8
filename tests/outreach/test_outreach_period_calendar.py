"""A team period at the far ends of the calendar is refused with the period rule (422), on the
page and both APIs, instead of overflowing date arithmetic into a 500."""

import pytest
from factories import build_world
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from web.pagetools import login

from minwon.app import create_app

OFF_THE_CALENDAR = [
    {"end": "9999-12-31"},
    {"start": "0001-01-01"},
    {"end": "0001-01-05"},
    {"start": "9999-12-01", "end": "9999-12-31"},
]
RULE = "기간은 1900년부터 2999년 사이의 날짜여야 합니다."


@pytest.mark.parametrize("period", OFF_THE_CALENDAR)
def test_the_team_apis_refuse_a_period_off_the_calendar(
    engine: Engine, period: dict[str, str]
) -> None:
    world = build_world(engine)
    api = TestClient(create_app(engine=engine))
    for path in ("/api/v1/outreach/team", "/api/v1/outreach/contacts"):
        r = api.get(path, params={"unit": "GR01", **period}, headers=world.auth("gr_lead"))
        assert r.status_code == 422, (path, r.text)
        assert r.json()["detail"] == RULE


@pytest.mark.parametrize("period", OFF_THE_CALENDAR)
def test_the_team_page_refuses_a_period_off_the_calendar(
    engine: Engine, period: dict[str, str]
) -> None:
    build_world(engine)
    client = TestClient(create_app(engine=engine))
    login(client, "gr_lead")
    r = client.get("/outreach/team", params={"unit": "GR01", **period})
    assert r.status_code == 422 and RULE in r.text
