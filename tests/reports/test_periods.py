"""The one rule of the days a period may name (1900–2999): the dashboard, the fans and the
monthly report refuse a day or a month off the calendar with a 422 that says so — the page
with its form kept as typed — never a 500 from date arithmetic that overflows."""

import re
from datetime import date

import pytest
from factories import World
from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import Engine
from web.pagetools import count_voices, is_html_page, signed_in_with_a_voice

from minwon.errors import Invalid
from minwon.reports.monthly import month_bounds
from minwon.timeutil import FIRST_DAY, LAST_DAY, within_calendar

MESSAGE = "기간은 1900년부터 2999년 사이의 날짜여야 합니다."
ENGLISH = "The dates must fall between the years 1900 and 2999."
MONTHS = ["9999-12", "3000-01"]


@pytest.fixture
def site(engine: Engine) -> tuple[TestClient, World]:
    """The test organisation with one voice in GR, HQ signed in on the pages."""
    return signed_in_with_a_voice(engine, "hq")


@pytest.mark.parametrize("month", MONTHS)
def test_the_monthly_report_refuses_a_month_off_the_calendar(site, engine, month) -> None:
    client, world = site
    before = count_voices(engine)
    for fmt in ("pdf", "xlsx"):
        api = client.get(
            f"/api/v1/reports/monthly?month={month}&format={fmt}&office=GR",
            headers=world.auth("gr_cs"),
        )
        assert api.status_code == 422 and api.json() == {"detail": MESSAGE, "field": "month"}
        page = client.get(f"/reports/monthly?month={month}&format={fmt}&office=GR")
        assert page.status_code == 422 and is_html_page(page) and MESSAGE in page.text
        assert f'name="month" value="{month}"' in page.text
        assert '<option value="GR" selected>' in page.text
    assert count_voices(engine) == before
    english = client.get(f"/reports/monthly?month={month}&format=pdf&lang=en")
    assert english.status_code == 422 and ENGLISH in english.text


def test_the_last_month_of_the_calendar_is_still_a_report(site) -> None:
    client, world = site
    r = client.get("/api/v1/reports/monthly?month=2999-12&format=xlsx", headers=world.auth("hq"))
    assert r.status_code == 200, r.text


@pytest.mark.parametrize("query", ["start=0001-01-01&end=0001-01-31", "end=9999-12-31"])
def test_the_dashboard_and_fans_refuse_a_day_off_the_calendar(site, query) -> None:
    client, world = site
    for path in ("/dashboard", "/fans"):
        page = client.get(f"{path}?office=GR&{query}")
        assert page.status_code == 422 and is_html_page(page) and MESSAGE in page.text
        assert 'aria-invalid="true"' in page.text and 'name="office" value="GR"' in page.text
    for path in ("/api/v1/reports/dashboard", "/api/v1/reports/fans"):
        r = client.get(f"{path}?{query}", headers=world.auth("gr_cs"))
        assert r.status_code == 422 and r.json()["detail"] == MESSAGE


@given(st.dates())
def test_a_day_is_within_the_calendar_exactly_from_1900_to_2999(day: date) -> None:
    if date(1900, 1, 1) <= day <= date(2999, 12, 31):
        assert within_calendar(day, "start") == day
        return
    with pytest.raises(Invalid) as refused:
        within_calendar(day, "start")
    assert (refused.value.message, refused.value.field) == (MESSAGE, "start")


@given(year=st.integers(0, 9999), month=st.integers(0, 13))
def test_any_month_gives_its_bounds_or_invalid_never_an_overflow(year: int, month: int) -> None:
    try:
        first, last = month_bounds(f"{year:04d}-{month:02d}")
    except Invalid as exc:
        assert exc.field == "month"
        return
    assert FIRST_DAY <= first <= last <= LAST_DAY and (first.year, first.month) == (year, month)
    assert re.fullmatch(r"\d{4}-\d{2}-(28|29|30|31)", last.isoformat())


def test_none_is_no_choice_and_passes() -> None:
    assert within_calendar(None, "end") is None
