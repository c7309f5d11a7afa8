"""일일열사 targets: progress, the unit lead's table (rosters, KR holidays, days off, streaks, gaps)
on hand-computed cases, bad input, and properties of shares, rates and streaks."""

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from props import examples

from minwon.outreach.targets import (
    DEFAULT_DAILY_TARGET,
    OfficerRow,
    TargetTable,
    progress_today,
    resolve_target,
    unit_table,
)
from minwon.timeutil import KST
from minwon.voices.deadlines import WorkCalendar

# 2026-10-01 Thu, 10-02 Fri, 10-03 Sat 개천절, 10-04 Sun, 10-05 Mon 대체공휴일, 10-06 Tue.
OCT = {n: date(2026, 10, n) for n in range(1, 7)}


def _contacts(officer: str, per_day: dict[date, int]) -> list[tuple[str, date | datetime]]:
    """``n`` contacts of ``officer`` on each day, logged as naive KST datetimes at 10:00."""
    return [
        (officer, datetime.combine(day, datetime.min.time()).replace(hour=10))
        for day, n in per_day.items()
        for _ in range(n)
    ]


def _row(table: TargetTable, officer: str) -> OfficerRow:
    return next(row for row in table.rows if row.officer == officer)


@pytest.fixture
def october() -> TargetTable:
    """kim: no roster (office days 1, 2, 6); lee: rostered 1, 3 (holiday shift), 4 (Sunday), 6;
    park: rostered 1, 2, 6."""
    contacts = (
        _contacts("kim", {OCT[1]: 10, OCT[2]: 12, OCT[5]: 3, OCT[6]: 10})
        + _contacts("lee", {OCT[1]: 10, OCT[3]: 11, OCT[6]: 10})
        + _contacts("park", {OCT[1]: 10, OCT[2]: 9})
        + _contacts("choi", {OCT[1]: 50})  # another unit's officer: ignored
    )
    roster = {"lee": {OCT[1], OCT[3], OCT[4], OCT[6]}, "park": [OCT[1], OCT[2], OCT[6]]}
    return unit_table(["kim", "lee", "park"], contacts, OCT[1], OCT[6], roster=roster)


def test_resolve_target_default_and_unit_override() -> None:
    assert DEFAULT_DAILY_TARGET == 10
    assert resolve_target("구로") == 10
    assert resolve_target("구로", {"구로": 8, "가리봉": 12}) == 8
    assert resolve_target(None, {"구로": 8}) == 10
    assert resolve_target("신도림", {"구로": 8}, default=6) == 6
    with pytest.raises(ValueError, match="0 or more"):
        resolve_target("구로", {"구로": -1})


def test_progress_today_on_a_working_day() -> None:
    contacts = _contacts("kim", {date(2026, 9, 22): 7, date(2026, 9, 21): 10})
    (kim,) = progress_today(["kim"], contacts, date(2026, 9, 22))
    assert (kim.working, kim.done, kim.target, kim.remaining, kim.share) == (True, 7, 10, 3, 0.7)


def test_progress_beyond_target_and_on_leave() -> None:
    contacts = _contacts("kim", {date(2026, 9, 22): 13}) + _contacts("lee", {date(2026, 9, 22): 2})
    roster = {"lee": {date(2026, 9, 21)}}  # lee is on leave on the 22nd
    kim, lee = progress_today(["kim", "lee"], contacts, date(2026, 9, 22), roster=roster)
    assert (kim.done, kim.remaining, kim.share) == (13, 0, 1.3)
    assert (lee.working, lee.done, lee.target, lee.remaining, lee.share) == (False, 2, 0, 0, None)


def test_chuseok_is_a_day_off_unless_rostered() -> None:
    chuseok = date(2026, 9, 25)
    kim, lee = progress_today(
        ["kim", "lee"], [], chuseok, roster={"lee": {chuseok}}, target_per_day=8
    )
    assert (kim.working, kim.target) == (False, 0)
    assert (lee.working, lee.target, lee.remaining) == (True, 8, 8)


def test_organisation_closed_day_and_weekend_without_roster() -> None:
    calendar = WorkCalendar(closed_days=frozenset({date(2026, 9, 22)}))
    (closed,) = progress_today(["kim"], [], date(2026, 9, 22), calendar=calendar)
    (saturday,) = progress_today(["kim"], [], date(2026, 9, 19))
    assert not closed.working and not saturday.working


def test_chuseok_fortnight_counts_only_office_working_days() -> None:
    """21 Sep–6 Oct 2026: Chuseok 24–26 Sep, 3 Oct, substitute 5 Oct → 9 working days."""
    every_day = {date(2026, 9, 21) + timedelta(days=i): 10 for i in range(16)}
    table = unit_table(["kim"], _contacts("kim", every_day), date(2026, 9, 21), OCT[6])
    (row,) = table.rows
    working = [c.day.day for c in row.cells if c.working]
    assert working == [21, 22, 23, 28, 29, 30, 1, 2, 6]
    assert (row.done, row.target, row.rate) == (90, 90, 1.0)
    assert (row.current_streak, row.longest_streak) == (9, 9)


def test_unit_table_rows(october: TargetTable) -> None:
    kim, lee, park = october.rows
    assert [(c.done, c.target, c.met) for c in kim.cells] == [
        (10, 10, True),
        (12, 10, True),
        (0, 0, None),
        (0, 0, None),
        (3, 0, None),  # worked on the substitute holiday: shown, not scored
        (10, 10, True),
    ]
    assert (kim.done, kim.target, kim.rate) == (32, 30, pytest.approx(32 / 30))
    assert (kim.current_streak, kim.longest_streak, kim.gaps) == (3, 3, ())
    assert [c.target for c in lee.cells] == [10, 0, 10, 10, 0, 10]
    assert (lee.done, lee.target, lee.rate) == (31, 40, 0.775)
    assert (lee.current_streak, lee.longest_streak, lee.gaps) == (1, 2, (OCT[4],))
    assert (park.done, park.target, park.rate) == (19, 30, pytest.approx(19 / 30))
    assert (park.current_streak, park.longest_streak, park.gaps) == (0, 1, (OCT[6],))


def test_unit_totals_per_day(october: TargetTable) -> None:
    assert october.days == tuple(OCT.values())
    assert [(t.done, t.target, t.working, t.met) for t in october.totals] == [
        (30, 30, 3, 3),
        (21, 20, 2, 1),
        (11, 10, 1, 1),
        (0, 10, 1, 0),
        (3, 0, 0, 0),
        (20, 30, 3, 2),
    ]


def test_streak_across_weekend_and_day_off() -> None:
    """Met Thu 1, Fri 2, leave Mon 5 (weekend between), met Tue 6 and Wed 7: one streak of 4."""
    days = {OCT[1]: 10, OCT[2]: 10, date(2026, 10, 6): 10, date(2026, 10, 7): 10}
    roster = {"kim": {OCT[1], OCT[2], OCT[6], date(2026, 10, 7)}}
    table = unit_table(["kim"], _contacts("kim", days), OCT[1], date(2026, 10, 7), roster=roster)
    assert (table.rows[0].current_streak, table.rows[0].longest_streak) == (4, 4)


def test_missed_day_breaks_streak_and_longest_is_kept() -> None:
    # Mon 14–Fri 18 Sep 2026: met, met, met, missed (9), met.
    days = {date(2026, 9, d): n for d, n in [(14, 10), (15, 11), (16, 10), (17, 9), (18, 10)]}
    table = unit_table(["kim"], _contacts("kim", days), date(2026, 9, 14), date(2026, 9, 18))
    row = table.rows[0]
    assert (row.current_streak, row.longest_streak, row.gaps) == (1, 3, ())


def test_today_is_open_until_met() -> None:
    contacts = _contacts("kim", {OCT[1]: 10, OCT[2]: 10, OCT[6]: 4})
    row = unit_table(["kim"], contacts, OCT[1], OCT[6], today=OCT[6]).rows[0]
    assert (row.done, row.target, row.rate, row.gaps) == (20, 20, 1.0, ())
    assert row.current_streak == 2  # today's 4 of 10 does not break it yet
    assert row.cells[-1].closed is False
    met_today = unit_table(["kim"], contacts * 3, OCT[1], OCT[6], today=OCT[6]).rows[0]
    assert met_today.current_streak == 3


def test_contact_dates_are_korean_time() -> None:
    contacts: list[tuple[str, date | datetime]] = [
        ("kim", datetime(2026, 9, 30, 15, 30, tzinfo=UTC)),  # 1 Oct 00:30 KST
        ("kim", datetime(2026, 10, 1, 23, 50, tzinfo=KST)),
        ("kim", OCT[1]),
        ("kim", datetime(2026, 10, 1, 14, 59, tzinfo=UTC)),  # 1 Oct 23:59 KST
        ("kim", datetime(2026, 10, 1, 15, 0, tzinfo=UTC)),  # 2 Oct 00:00 KST
    ]
    table = unit_table(["kim"], contacts, OCT[1], OCT[2])
    assert [c.done for c in table.rows[0].cells] == [4, 1]


def test_no_target_means_no_rate() -> None:
    row = unit_table(["kim"], [], OCT[3], OCT[4]).rows[0]  # a weekend, no roster
    assert (row.target, row.rate, row.current_streak, row.gaps) == (0, None, 0, ())


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"target_per_day": -3}, "0 or more"),
        ({"roster": {"nobody": {OCT[1]}}}, "unknown officer"),
        ({"start": OCT[2], "end": OCT[1]}, "before it starts"),
        ({"start": date(2026, 1, 1), "end": date(2027, 2, 5)}, "longer than 400"),
        ({"officers": ["kim", "kim"]}, "more than once"),
    ],
)
def test_bad_input_is_a_clear_value_error(kwargs: dict, message: str) -> None:
    args = {"officers": ["kim"], "contacts": [], "start": OCT[1], "end": OCT[6]} | kwargs
    with pytest.raises(ValueError, match=message):
        unit_table(**args)


def test_four_hundred_days_is_allowed() -> None:
    table = unit_table(["kim"], [], date(2026, 1, 1), date(2026, 1, 1) + timedelta(days=399))
    assert len(table.days) == 400


def test_progress_refuses_unknown_roster_officer() -> None:
    with pytest.raises(ValueError, match="unknown officer"):
        progress_today(["kim"], [], OCT[1], roster={"lee": set()})


@given(target=st.integers(1, 50), data=st.data())
def test_share_between_zero_and_one_when_done_within_target(
    target: int, data: st.DataObject
) -> None:
    done = data.draw(st.integers(0, target))
    (p,) = progress_today(["kim"], [("kim", OCT[1])] * done, OCT[1], target_per_day=target)
    assert p.share is not None and 0 <= p.share <= 1
    assert p.done + p.remaining == p.target


@examples(150)
@given(
    target=st.integers(1, 12),
    counts=st.lists(st.integers(0, 12), min_size=1, max_size=30),
    off=st.sets(st.integers(0, 29)),
)
def test_rate_and_streak_invariants(target: int, counts: list[int], off: set[int]) -> None:
    start = date(2026, 3, 2)
    days = [start + timedelta(days=i) for i in range(len(counts))]
    roster = {"kim": {d for i, d in enumerate(days) if i not in off}}
    contacts = [("kim", d) for d, n in zip(days, counts, strict=True) for _ in range(n)]
    table = unit_table(["kim"], contacts, days[0], days[-1], target_per_day=target, roster=roster)
    row = table.rows[0]
    working = [c for c in row.cells if c.working]
    assert row.current_streak <= row.longest_streak <= len(working)
    assert set(row.gaps) == {c.day for c in working if c.done == 0}
    if all(c.done <= target for c in working) and row.rate is not None:
        assert 0 <= row.rate <= 1
    assert all(c.target == 0 for c in row.cells if not c.working)
    if row.rate == 1.0 and all(c.done == target for c in working):
        assert row.current_streak == row.longest_streak == len(working)
