"""A ledger filter at the far ends of the calendar (0001-01-01, 9999-12-31) is refused like a
mistyped date — a 422 naming the field, the ledger page shown again with the filters kept —
never a 500 from a day after 9999-12-31 or an instant before year 1, on the page, its
download and the API's list and exports."""

from datetime import date

import pytest
from factories import World
from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import Engine
from web.pagetools import count_voices, is_html_page, signed_in_with_a_voice

from minwon.errors import Invalid
from minwon.timeutil import FIRST_DAY, LAST_DAY
from minwon.voices.queries import LedgerFilter

MESSAGE = "기간은 1900년부터 2999년 사이의 날짜여야 합니다."
ENGLISH = "The dates must fall between the years 1900 and 2999."
EDGES = [
    ("date_from=0001-01-01&date_to=9999-12-31", "date_from"),
    ("date_from=0001-01-01", "date_from"),
    ("date_to=9999-12-31", "date_to"),
    ("date_from=9999-12-01&date_to=9999-12-31", "date_from"),
    ("date_from=2026-11-01&date_to=3000-01-01", "date_to"),
]
APIS = ["/api/v1/voices", "/api/v1/voices/export.csv", "/api/v1/voices/export.xlsx"]


@pytest.fixture
def site(engine: Engine) -> tuple[TestClient, World]:
    """The test organisation with one voice in GR01, its lead signed in on the pages."""
    return signed_in_with_a_voice(engine, "gr_lead")


@pytest.mark.parametrize(("query", "field"), EDGES)
def test_the_ledger_page_refuses_a_day_off_the_calendar(site, engine, query, field) -> None:
    client, _ = site
    before = count_voices(engine)
    page = client.get(f"/ledger?status=received&{query}")
    assert page.status_code == 422 and is_html_page(page)
    assert MESSAGE in page.text
    for pair in query.split("&"):
        name, value = pair.split("=")
        assert f'name="{name}" type="date" value="{value}"' in page.text
    assert '<option value="received" selected>' in page.text
    assert f'aria-invalid="true" aria-describedby="err-{field}"' in page.text  # marked
    download = client.get(f"/ledger/export.xlsx?{query}")
    assert download.status_code == 422 and is_html_page(download) and MESSAGE in download.text
    assert count_voices(engine) == before
    assert client.get("/ledger").status_code == 200
    english = client.get(f"/ledger?{query}&lang=en")
    assert english.status_code == 422 and ENGLISH in english.text


@pytest.mark.parametrize(("query", "field"), EDGES)
def test_the_voices_api_refuses_a_day_off_the_calendar(site, engine, query, field) -> None:
    client, world = site
    before = count_voices(engine)
    for path in APIS:
        r = client.get(f"{path}?{query}", headers=world.auth("gr_cs"))
        assert r.status_code == 422, (path, r.text)
        assert r.json() == {"detail": MESSAGE, "field": field}
    assert count_voices(engine) == before
    listed = client.get(
        "/api/v1/voices?date_from=1900-01-01&date_to=2999-12-31", headers=world.auth("gr_cs")
    )
    assert listed.status_code == 200 and len(listed.json()["items"]) == 1


@given(date_from=st.one_of(st.none(), st.dates()), date_to=st.one_of(st.none(), st.dates()))
def test_a_filter_is_valid_only_with_days_a_period_may_name(
    date_from: date | None, date_to: date | None
) -> None:
    flt = LedgerFilter(date_from=date_from, date_to=date_to)
    outside = [d for d in (date_from, date_to) if d is not None and not FIRST_DAY <= d <= LAST_DAY]
    try:
        flt.validate()
    except Invalid as exc:
        assert bool(outside) == (exc.message == MESSAGE)
        return
    assert not outside
