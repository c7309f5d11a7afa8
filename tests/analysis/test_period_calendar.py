"""A period at the far ends of the calendar (0001-01-01, 9999-12-31) is refused like any other
wrong period — a 422 naming the years a period may span, the page's form kept as typed —
never a 500 from date arithmetic that overflows, on the analysis pages and API."""

from datetime import date

import pytest
from factories import World
from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import Engine
from web.pagetools import count_voices, is_html_page, signed_in_with_a_voice

from minwon.analysis.insight_routes import period_for
from minwon.errors import Invalid
from minwon.timeutil import FIRST_DAY, LAST_DAY

MESSAGE = "기간은 1900년부터 2999년 사이의 날짜여야 합니다."
ENGLISH = "The dates must fall between the years 1900 and 2999."
EDGES = [
    ("start=9999-12-01&end=9999-12-31", "start"),
    ("start=0001-01-01&end=0001-01-31", "start"),
    ("end=9999-12-31", "end"),
    ("end=0001-01-01", "end"),
    ("start=2026-11-01&end=3000-01-01", "end"),
]
PAGES = ["/analysis", "/analysis/surges", "/analysis/dropaway", "/analysis/clusters"]
APIS = ["/api/v1/analysis/hotspots", "/api/v1/analysis/dropaway"]
APIS += ["/api/v1/analysis/causes", "/api/v1/analysis/clusters"]


@pytest.fixture
def site(engine: Engine) -> tuple[TestClient, World]:
    """The test organisation with one voice in GR, a CS manager signed in on the pages."""
    return signed_in_with_a_voice(engine, "gr_cs")


@pytest.mark.parametrize(("query", "field"), EDGES)
def test_the_analysis_pages_refuse_a_period_off_the_calendar(site, engine, query, field) -> None:
    client, _ = site
    before = count_voices(engine)
    for path in PAGES:
        page = client.get(f"{path}?office=GR&{query}")
        assert page.status_code == 422, (path, page.text[-500:])
        assert is_html_page(page) and MESSAGE in page.text
        assert f'action="{path}"' in page.text
        assert f'name="{field}" value="' in page.text and 'aria-invalid="true"' in page.text
        assert 'name="office" value="GR"' in page.text
    english = client.get(f"/analysis?office=GR&{query}&lang=en")
    assert english.status_code == 422 and ENGLISH in english.text
    assert count_voices(engine) == before
    assert client.get("/analysis?office=GR").status_code == 200


@pytest.mark.parametrize(("query", "field"), EDGES)
def test_the_analysis_api_refuses_a_period_off_the_calendar(site, engine, query, field) -> None:
    client, world = site
    before = count_voices(engine)
    for who in ("gr_cs", "hq"):
        for path in APIS:
            r = client.get(f"{path}?office=GR&{query}", headers=world.auth(who))
            assert r.status_code == 422, (who, path, r.text)
            assert r.json() == {"detail": MESSAGE, "field": field}
    assert count_voices(engine) == before
    ok = client.get("/api/v1/analysis/causes?office=GR", headers=world.auth("gr_cs"))
    assert ok.status_code == 200


def test_the_calendars_own_ends_are_still_a_period() -> None:
    assert period_for(FIRST_DAY, FIRST_DAY).days == 1
    assert period_for(LAST_DAY, LAST_DAY).days == 1
    assert period_for(None, FIRST_DAY, days=180).first_day < FIRST_DAY


@given(start=st.one_of(st.none(), st.dates()), end=st.one_of(st.none(), st.dates()))
def test_any_two_days_give_a_period_or_invalid_never_an_overflow(
    start: date | None, end: date | None
) -> None:
    outside = [d for d in (start, end) if d is not None and not FIRST_DAY <= d <= LAST_DAY]
    try:
        p = period_for(start, end)
    except Invalid as exc:
        if outside:
            assert exc.message == MESSAGE and exc.field == ("start" if start in outside else "end")
        return
    assert not outside and p.start < p.end
