"""The wire formats hold any text alike, and the date range rule holds for any pair of dates
(properties over many cases)."""

import json
from datetime import UTC, datetime, timedelta
from xml.etree import ElementTree

from hypothesis import given
from hypothesis import strategies as st

from minwon.open311.formats import Open311Error, answer
from minwon.open311.reads import WINDOW, date_range
from open311.xmltools import as_xml_text, from_xml

NOW = datetime(2026, 11, 25, 1, 30, tzinfo=UTC)


@given(
    texts=st.lists(st.text(max_size=40), min_size=1, max_size=4),
    number=st.floats(allow_nan=False, allow_infinity=False),
    flag=st.booleans(),
)
def test_any_text_reads_the_same_in_xml_and_json(
    texts: list[str], number: float, flag: bool
) -> None:
    body = [
        {"description": text, "lat": number, "metadata": flag, "status_notes": None}
        for text in texts
    ]
    as_json = json.loads(answer("json", "service_requests", body).body)
    as_xml = ElementTree.fromstring(answer("xml", "service_requests", body).body)
    assert from_xml(as_xml) == as_xml_text(as_json)


moments = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2040, 1, 1), timezones=st.just(UTC)
)


@given(start=st.none() | moments, end=st.none() | moments)
def test_a_date_range_is_never_over_90_days_or_backwards(
    start: datetime | None, end: datetime | None
) -> None:
    args = {}
    if start is not None:
        args["start_date"] = start.isoformat()
    if end is not None:
        args["end_date"] = end.isoformat()
    try:
        first, last = date_range(args, NOW)
    except Open311Error as exc:
        assert exc.status == 400
        assert start is not None and end is not None
        assert end < start or end - start > WINDOW
        return
    assert first <= last and last - first <= WINDOW
    if start is not None:
        assert first == start
    if end is not None:
        assert last == end


def test_a_date_alone_is_a_day_in_seoul() -> None:
    first, _ = date_range({"start_date": "2026-11-01"}, NOW)
    assert first.utcoffset() == timedelta(hours=9) and first.hour == 0
