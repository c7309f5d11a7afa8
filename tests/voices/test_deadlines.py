"""Processing deadlines: hand-computed cases around Korean holidays, and the general rules as
properties. Expected values were worked out by hand from holidays.KR 0.108's dates."""

from datetime import UTC, date, datetime, time, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from props import examples

from minwon.voices.deadlines import (
    IMMEDIATE,
    KST,
    WorkCalendar,
    due_at,
    working_hours_between,
)

OFFICE = WorkCalendar()
CLOSED_APR_13 = WorkCalendar(closed_days=frozenset({date(2026, 4, 13)}))
NO_LUNCH = WorkCalendar(
    work_start=time(8, 30), work_end=time(17, 30), lunch_start=None, lunch_end=None
)
EARLY_LUNCH = WorkCalendar(lunch_start=time(11, 30), lunch_end=time(12, 30))
PROPERTY = examples(200)


def at(text: str) -> datetime:
    """An instant written as ISO text; without an offset it is Korean wall-clock time."""
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=KST)


def kst(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    """A wall-clock instant in Korean time."""
    return datetime(year, month, day, hour, minute, tzinfo=KST)


CASES: list[tuple[str, str, int, WorkCalendar, str]] = [
    ("chuseok-2025-7d-from-thu", "2025-10-02 10:00", 7, OFFICE, "2025-10-17 18:00"),
    ("chuseok-2025-1d-from-thu-1500", "2025-10-02 15:00", 1, OFFICE, "2025-10-10 15:00"),
    ("chuseok-2025-0d-from-thu-1700", "2025-10-02 17:00", 0, OFFICE, "2025-10-10 11:00"),
    ("chuseok-2025-7d-received-on-chuseok", "2025-10-06 11:00", 7, OFFICE, "2025-10-20 18:00"),
    ("hangul-day-2025-0d", "2025-10-09 10:00", 0, OFFICE, "2025-10-10 12:00"),
    ("chuseok-2026-3d-from-wed-0930", "2026-09-23 09:30", 3, OFFICE, "2026-09-30 09:30"),
    ("chuseok-2026-7d-to-oct-5-substitute", "2026-09-23 10:00", 7, OFFICE, "2026-10-06 18:00"),
    ("seollal-2026-0d-from-fri-1700", "2026-02-13 17:00", 0, OFFICE, "2026-02-19 11:00"),
    ("seollal-2026-1d-from-fri-1700", "2026-02-13 17:00", 1, OFFICE, "2026-02-19 17:00"),
    ("seollal-2026-7d-from-fri", "2026-02-13 10:00", 7, OFFICE, "2026-02-26 18:00"),
    ("seollal-2027-2d-over-substitute", "2027-02-05 14:00", 2, OFFICE, "2027-02-11 14:00"),
    ("seollal-2027-6d-received-sat", "2027-02-06 10:00", 6, OFFICE, "2027-02-17 18:00"),
    ("march-1-2026-substitute-1d", "2026-02-27 16:00", 1, OFFICE, "2026-03-03 16:00"),
    ("march-1-2026-substitute-7d", "2026-02-27 10:00", 7, OFFICE, "2026-03-10 18:00"),
    ("new-year-1d-from-dec-31", "2025-12-31 14:00", 1, OFFICE, "2026-01-02 14:00"),
    ("christmas-0d-from-dec-24-1700", "2025-12-24 17:00", 0, OFFICE, "2025-12-26 11:00"),
    ("christmas-new-year-7d-from-dec-24", "2025-12-24 10:00", 7, OFFICE, "2026-01-05 18:00"),
    ("labor-childrens-day-2026-3d", "2026-04-30 10:00", 3, OFFICE, "2026-05-07 10:00"),
    ("labor-childrens-day-2026-14d", "2026-04-20 10:00", 14, OFFICE, "2026-05-11 18:00"),
    ("fri-1700-1d", "2026-04-10 17:00", 1, OFFICE, "2026-04-13 17:00"),
    ("fri-1700-0d", "2026-04-10 17:00", 0, OFFICE, "2026-04-13 11:00"),
    ("mon-0900-1d-ends-at-close", "2026-04-13 09:00", 1, OFFICE, "2026-04-13 18:00"),
    ("mon-0900-5d-is-40-hours", "2026-04-13 09:00", 5, OFFICE, "2026-04-17 18:00"),
    ("mon-0900-6d-counts-days", "2026-04-13 09:00", 6, OFFICE, "2026-04-20 18:00"),
    ("tue-1400-6d-counts-days", "2026-04-14 14:00", 6, OFFICE, "2026-04-21 18:00"),
    ("0d-from-0900-ends-at-lunch", "2026-04-14 09:00", 0, OFFICE, "2026-04-14 12:00"),
    ("0d-from-1000-skips-lunch", "2026-04-14 10:00", 0, OFFICE, "2026-04-14 14:00"),
    ("0d-before-opening", "2026-04-14 08:00", 0, OFFICE, "2026-04-14 12:00"),
    ("lunch-receipt-0d", "2026-04-14 12:30", 0, OFFICE, "2026-04-14 16:00"),
    ("lunch-receipt-1d", "2026-04-14 12:30", 1, OFFICE, "2026-04-15 12:00"),
    ("evening-1830-0d", "2026-04-14 18:30", 0, OFFICE, "2026-04-15 12:00"),
    ("evening-1830-7d", "2026-04-14 18:30", 7, OFFICE, "2026-04-23 18:00"),
    ("closing-1800-7d-starts-next-day", "2026-04-14 18:00", 7, OFFICE, "2026-04-23 18:00"),
    ("at-1759-7d-counts-that-day", "2026-04-14 17:59", 7, OFFICE, "2026-04-22 18:00"),
    ("wed-14d", "2026-04-15 10:00", 14, OFFICE, "2026-05-06 18:00"),
    ("saturday-1d", "2026-04-11 10:00", 1, OFFICE, "2026-04-13 18:00"),
    ("saturday-14d", "2026-04-11 10:00", 14, OFFICE, "2026-04-30 18:00"),
    ("closed-day-1d", "2026-04-10 17:00", 1, CLOSED_APR_13, "2026-04-14 17:00"),
    ("closed-day-7d", "2026-04-09 10:00", 7, CLOSED_APR_13, "2026-04-20 18:00"),
    ("no-lunch-0830-1730-1d", "2026-04-10 17:00", 1, NO_LUNCH, "2026-04-13 17:00"),
    ("early-lunch-0d", "2026-04-14 10:00", 0, EARLY_LUNCH, "2026-04-14 14:00"),
    ("utc-input-0d", "2026-04-14 01:00+00:00", 0, OFFICE, "2026-04-14 14:00"),
    ("utc-evening-is-kst-morning-7d", "2026-04-13 23:00+00:00", 7, OFFICE, "2026-04-22 18:00"),
]


@pytest.mark.parametrize(
    ("received", "period", "calendar", "expected"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_due_at_hand_computed(
    received: str, period: int, calendar: WorkCalendar, expected: str
) -> None:
    """Each case was counted on a printed calendar with the package's holiday list beside it."""
    due = due_at(at(received), period, calendar)
    assert due == at(expected)
    assert due is not None and due.tzinfo == KST
    assert due.strftime("%Y-%m-%d %H:%M") == expected


def test_no_period_means_no_deadline() -> None:
    """Praise has no period, so nothing is ever due."""
    assert due_at(kst(2026, 4, 14, 10), None, OFFICE) is None


@pytest.mark.parametrize(
    ("day", "calendar", "working"),
    [
        pytest.param(date(2026, 4, 14), OFFICE, True, id="ordinary-tuesday"),
        pytest.param(date(2026, 4, 11), OFFICE, False, id="saturday"),
        pytest.param(date(2026, 4, 12), OFFICE, False, id="sunday"),
        pytest.param(date(2025, 10, 8), OFFICE, False, id="chuseok-2025-substitute"),
        pytest.param(date(2026, 3, 2), OFFICE, False, id="independence-day-2026-substitute"),
        pytest.param(date(2027, 2, 9), OFFICE, False, id="seollal-2027-substitute"),
        pytest.param(date(2026, 5, 1), OFFICE, False, id="labor-day-2026"),
        pytest.param(date(2025, 12, 31), OFFICE, True, id="new-years-eve"),
        pytest.param(date(2026, 4, 13), CLOSED_APR_13, False, id="organisation-closed-day"),
    ],
)
def test_is_working_day(day: date, calendar: WorkCalendar, working: bool) -> None:
    """Weekends, KR public holidays with their substitutes, and closed days do not count."""
    assert calendar.is_working_day(day) is working


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        pytest.param(date(2025, 10, 2), date(2025, 10, 10), id="over-chuseok-2025"),
        pytest.param(date(2026, 4, 10), date(2026, 4, 13), id="over-weekend"),
        pytest.param(date(2025, 12, 31), date(2026, 1, 2), id="over-new-year"),
        pytest.param(date(2026, 4, 14), date(2026, 4, 15), id="strictly-after-a-working-day"),
    ],
)
def test_next_working_day(day: date, expected: date) -> None:
    """The next working day is strictly later and skips every non-working day."""
    assert OFFICE.next_working_day(day) == expected


def test_hours_per_day() -> None:
    """A day is 09:00-18:00 less lunch by default; other hours change it."""
    assert OFFICE.hours_per_day() == 8.0
    assert NO_LUNCH.hours_per_day() == 9.0


@pytest.mark.parametrize(
    ("start", "end", "hours"),
    [
        pytest.param(kst(2026, 4, 10, 17), kst(2026, 4, 13, 11), 3.0, id="over-weekend"),
        pytest.param(kst(2026, 4, 14, 12), kst(2026, 4, 14, 13), 0.0, id="lunch-hour"),
        pytest.param(kst(2026, 4, 14, 11, 30), kst(2026, 4, 14, 13, 30), 1.0, id="around-lunch"),
        pytest.param(kst(2026, 4, 13, 11), kst(2026, 4, 10, 17), 0.0, id="end-before-start"),
        pytest.param(kst(2025, 10, 2, 9), kst(2025, 10, 10, 18), 16.0, id="over-chuseok-2025"),
    ],
)
def test_working_hours_between(start: datetime, end: datetime, hours: float) -> None:
    """Only time inside working hours on working days is counted."""
    assert working_hours_between(start, end, OFFICE) == hours


@pytest.mark.parametrize("period", [None, 0, 7])
def test_naive_receipt_is_refused(period: int | None) -> None:
    """A naive datetime names no instant, so no deadline can be computed from it."""
    with pytest.raises(ValueError, match="^received_at must be timezone-aware$"):
        due_at(datetime(2026, 4, 14, 10), period, OFFICE)


def test_negative_period_is_refused() -> None:
    """A period cannot run backwards."""
    with pytest.raises(ValueError, match="period_days must be 0 or more, got -1"):
        due_at(kst(2026, 4, 14, 10), -1, OFFICE)


def test_naive_bounds_of_working_hours_are_refused() -> None:
    """Elapsed working time needs two real instants."""
    with pytest.raises(ValueError, match="^start must be timezone-aware$"):
        working_hours_between(datetime(2026, 4, 14, 10), kst(2026, 4, 14, 11), OFFICE)
    with pytest.raises(ValueError, match="^end must be timezone-aware$"):
        working_hours_between(kst(2026, 4, 14, 10), datetime(2026, 4, 14, 11), OFFICE)


@pytest.mark.parametrize(
    "hours",
    [
        pytest.param({"work_start": time(18), "work_end": time(9)}, id="closes-before-opening"),
        pytest.param({"lunch_end": None}, id="lunch-without-end"),
        pytest.param({"lunch_start": time(8), "lunch_end": time(9, 30)}, id="lunch-before-opening"),
        pytest.param({"lunch_start": time(13), "lunch_end": time(12)}, id="lunch-backwards"),
    ],
)
def test_impossible_working_hours_are_refused(hours: dict[str, time | None]) -> None:
    """A calendar whose hours make no sense would give wrong deadlines, so it is never built."""
    with pytest.raises(ValueError):
        WorkCalendar(**hours)


BOUNDARY_TIMES = [time(0), time(8), time(9), time(12), time(12, 30), time(13), time(17), time(18)]
HOURS = [OFFICE, NO_LUNCH, EARLY_LUNCH]


@st.composite
def moments(draw: st.DrawFn) -> datetime:
    """An instant in Korean time between 2025 and 2027, often on a boundary of the working day."""
    day = draw(st.dates(date(2025, 1, 1), date(2027, 12, 31)))
    at = draw(st.one_of(st.sampled_from(BOUNDARY_TIMES), st.times()))
    return datetime.combine(day, at, tzinfo=KST)


@st.composite
def scenarios(draw: st.DrawFn) -> tuple[datetime, WorkCalendar]:
    """A receipt and a calendar whose extra closed days fall in the weeks after it."""
    received = draw(moments())
    offsets = draw(st.frozensets(st.integers(0, 45), max_size=6))
    closed = frozenset(received.date() + timedelta(days=n) for n in offsets)
    hours = draw(st.sampled_from(HOURS))
    calendar = WorkCalendar(
        closed, hours.work_start, hours.work_end, hours.lunch_start, hours.lunch_end
    )
    return received, calendar


def working_days_counted(received: datetime, due_day: date, calendar: WorkCalendar) -> int:
    """Working days from receipt to ``due_day`` inclusive, less the receipt day if it had closed."""
    span = (due_day - received.date()).days + 1
    days = [received.date() + timedelta(days=n) for n in range(span)]
    counted = sum(calendar.is_working_day(day) for day in days)
    if calendar.is_working_day(received.date()) and received.time() >= calendar.work_end:
        counted -= 1
    return counted


def inside_or_closing(moment: datetime, calendar: WorkCalendar) -> bool:
    """Whether ``moment`` lies in working time on a working day, a stretch's close included."""
    if calendar.lunch_start is None or calendar.lunch_end is None:
        stretches = [(calendar.work_start, calendar.work_end)]
    else:
        stretches = [
            (calendar.work_start, calendar.lunch_start),
            (calendar.lunch_end, calendar.work_end),
        ]
    at = moment.time()
    return calendar.is_working_day(moment.date()) and any(s < at <= e for s, e in stretches)


@PROPERTY
@given(scenario=scenarios(), period=st.integers(6, 30))
def test_day_period_ends_at_close_of_its_last_working_day(
    scenario: tuple[datetime, WorkCalendar], period: int
) -> None:
    """Periods of six days or more end at closing time on the period-th counted working day."""
    received, calendar = scenario
    due = due_at(received, period, calendar)
    assert due is not None and due.tzinfo == KST
    assert due.time() == calendar.work_end
    assert calendar.is_working_day(due.date())
    assert working_days_counted(received, due.date(), calendar) == period


@PROPERTY
@given(scenario=scenarios(), period=st.integers(0, 5))
def test_hour_period_runs_exactly_its_working_hours(
    scenario: tuple[datetime, WorkCalendar], period: int
) -> None:
    """Periods up to five days end once their working hours have run, inside working time."""
    received, calendar = scenario
    due = due_at(received, period, calendar)
    expected = 3.0 if period == IMMEDIATE else period * calendar.hours_per_day()
    assert due is not None and due.tzinfo == KST
    assert working_hours_between(received, due, calendar) == expected
    assert inside_or_closing(due, calendar)


@PROPERTY
@given(
    scenario=scenarios(),
    later_by=st.timedeltas(timedelta(0), timedelta(days=10)),
    period=st.integers(0, 30),
)
def test_later_receipt_is_never_due_earlier(
    scenario: tuple[datetime, WorkCalendar], later_by: timedelta, period: int
) -> None:
    """Receiving a voice later can never bring its deadline forward."""
    received, calendar = scenario
    earlier, later = (
        due_at(received, period, calendar),
        due_at(received + later_by, period, calendar),
    )
    assert earlier is not None and later is not None
    assert earlier <= later


@PROPERTY
@given(moment=moments(), period=st.one_of(st.none(), st.integers(0, 30)))
def test_naive_receipt_always_raises(moment: datetime, period: int | None) -> None:
    """Whatever the period, a naive receipt time is refused."""
    with pytest.raises(ValueError, match="received_at must be timezone-aware"):
        due_at(moment.replace(tzinfo=None), period, OFFICE)


@PROPERTY
@given(scenario=scenarios(), period=st.integers(0, 30))
def test_utc_receipt_matches_kst_receipt(
    scenario: tuple[datetime, WorkCalendar], period: int
) -> None:
    """The same instant gives the same deadline, shown in KST, whatever zone it arrives in."""
    received, calendar = scenario
    from_utc = due_at(received.astimezone(UTC), period, calendar)
    assert from_utc == due_at(received, period, calendar)
    assert from_utc is not None and from_utc.tzinfo == KST


@PROPERTY
@given(
    scenario=scenarios(),
    first=st.timedeltas(timedelta(0), timedelta(days=10)),
    second=st.timedeltas(timedelta(0), timedelta(days=10)),
)
def test_working_hours_add_up(
    scenario: tuple[datetime, WorkCalendar], first: timedelta, second: timedelta
) -> None:
    """Working hours over two adjoining stretches sum to those over the whole."""
    start, calendar = scenario
    middle, end = start + first, start + first + second
    whole = working_hours_between(start, end, calendar)
    parts = working_hours_between(start, middle, calendar) + working_hours_between(
        middle, end, calendar
    )
    assert whole == pytest.approx(parts)
