"""Numbers typed in other scripts ('²', Arabic digits) or thousands of digits long, in the
staff pages' queries and forms, are refused or ignored with a page, never a 500 (``int`` of
such text raised inside the handlers)."""

from datetime import timedelta

import pytest
from factories import build_world
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from minwon.app import create_app
from minwon.timeutil import to_kst, utcnow
from web.pagetools import csrf, login

ODD_NUMBERS = ["²", "٣", "9" * 5000]


@pytest.mark.parametrize("typed", ODD_NUMBERS)
def test_staff_page_queries_with_odd_numbers_answer_a_page(engine: Engine, typed: str) -> None:
    build_world(engine)
    client = TestClient(create_app(engine=engine), raise_server_exceptions=False)
    login(client, "gr_lead")
    for path, params in (
        ("/quality", {"months": typed}),
        ("/roleplay/sessions/new", {"scenario": typed}),
        ("/patrols", {"unit": "GR01", "quarter": typed}),
    ):
        r = client.get(path, params=params)
        assert r.status_code < 500, (path, r.status_code)
        assert "<html" in r.text


@pytest.mark.parametrize("typed", ODD_NUMBERS)
def test_a_roster_with_odd_weekdays_is_answered_with_the_team_page(
    engine: Engine, typed: str
) -> None:
    build_world(engine)
    client = TestClient(create_app(engine=engine), raise_server_exceptions=False)
    login(client, "gr_lead")
    today = to_kst(utcnow()).date()
    form = {
        "unit": "GR01",
        "officer": "gr_officer",
        "start": today.isoformat(),
        "end": (today + timedelta(days=30)).isoformat(),
        "weekdays_list": typed,
        "csrf_token": csrf(client, "/outreach/team?unit=GR01"),
    }
    r = client.post("/outreach/team/roster", data=form)
    assert r.status_code < 500 and "<html" in r.text
