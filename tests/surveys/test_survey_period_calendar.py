"""The survey overview refuses a period at the far ends of the calendar with the period rule
(422) instead of overflowing date arithmetic into a 500."""

import pytest
from factories import build_world
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from web.pagetools import login

from minwon.app import create_app

RULE = "기간은 1900년부터 2999년 사이의 날짜여야 합니다."


@pytest.mark.parametrize(
    "period",
    [{"end": "9999-12-31"}, {"start": "0001-01-01"}, {"start": "9999-12-01", "end": "9999-12-31"}],
)
def test_the_survey_overview_refuses_a_period_off_the_calendar(
    engine: Engine, period: dict[str, str]
) -> None:
    build_world(engine)
    client = TestClient(create_app(engine=engine))
    login(client, "gr_cs")
    r = client.get("/surveys", params=period)
    assert r.status_code == 422 and RULE in r.text
