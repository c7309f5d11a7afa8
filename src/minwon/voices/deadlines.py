"""Legal processing deadlines (처리기한) under 민원 처리에 관한 법률 (법 제19조) and its decree.

A period of five days or less runs in working hours from the moment of receipt (a day is one
working day's hours; 0 days, "immediately", is three working hours). A period of six days or more
runs in working days, the day of receipt counting as the first, and ends when the last one closes.
Weekends, Korean public holidays and an organisation's closed days never count.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache

import holidays

from minwon.timeutil import KST

__all__ = ["IMMEDIATE", "KST", "WorkCalendar", "due_at", "working_hours_between"]

IMMEDIATE = 0
_IMMEDIATE_BUDGET = timedelta(hours=3)
_LAST_HOURLY_PERIOD = 5
_ONE_DAY = timedelta(days=1)
_ONE_HOUR = timedelta(hours=1)
_ANY_DAY = date(2000, 1, 1)


@lru_cache(maxsize=64)
def _kr_holidays(year: int) -> frozenset[date]:
    """Korean public holidays of one year, lunar and substitute ones included, built once per year
    because building ``holidays.KR`` costs milliseconds and this runs on every intake."""
    return frozenset(holidays.KR(years=year))


def _length(start: time, end: time) -> timedelta:
    """How long the stretch from ``start`` to ``end`` on one day lasts."""
    return datetime.combine(_ANY_DAY, end) - datetime.combine(_ANY_DAY, start)


def _on(day: date, at: time) -> datetime:
    """``day`` at wall-clock ``at`` in Korean time."""
    return datetime.combine(day, at, tzinfo=KST)


@dataclass(frozen=True)
class WorkCalendar:
    """Working days and hours of one organisation."""

    closed_days: frozenset[date] = frozenset()
    work_start: time = time(9, 0)
    work_end: time = time(18, 0)
    lunch_start: time | None = time(12, 0)
    lunch_end: time | None = time(13, 0)

    def __post_init__(self) -> None:
        """Reject hours that cannot describe a working day, so no deadline is silently wrong."""
        object.__setattr__(self, "closed_days", frozenset(self.closed_days))
        if not self.work_start < self.work_end:
            raise ValueError("work_start must be before work_end")
        if (self.lunch_start is None) != (self.lunch_end is None):
            raise ValueError("lunch_start and lunch_end must be given together or not at all")
        if self.lunch_start is not None and self.lunch_end is not None:
            if not self.work_start <= self.lunch_start < self.lunch_end <= self.work_end:
                raise ValueError("lunch must be a stretch inside working hours")

    def is_working_day(self, day: date) -> bool:
        """Whether ``day`` counts towards a period: not a weekend, a Korean public holiday
        (lunar and substitute holidays included) or one of the organisation's closed days."""
        return (
            day.weekday() < 5 and day not in _kr_holidays(day.year) and day not in self.closed_days
        )

    def hours_per_day(self) -> float:
        """Working hours in one working day (8.0 by default): the length of a period's day."""
        return self._day_length() / _ONE_HOUR

    def next_working_day(self, day: date) -> date:
        """The first working day strictly after ``day``."""
        day += _ONE_DAY
        while not self.is_working_day(day):
            day += _ONE_DAY
        return day

    def _shifts(self) -> tuple[tuple[time, time], ...]:
        """The stretches of a working day during which time counts: the day less lunch."""
        if self.lunch_start is None or self.lunch_end is None:
            return ((self.work_start, self.work_end),)
        return ((self.work_start, self.lunch_start), (self.lunch_end, self.work_end))

    def _day_length(self) -> timedelta:
        """Working time in one working day, exact so that budgets add up to the microsecond."""
        return sum((_length(start, end) for start, end in self._shifts()), timedelta())


def _as_kst(value: datetime, name: str) -> datetime:
    """``value`` in Korean time; a naive value is refused because its instant is unknown."""
    if value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware")
    return value.astimezone(KST)


def _working_spans(start: datetime, calendar: WorkCalendar) -> Iterator[tuple[datetime, datetime]]:
    """Every stretch of working time from ``start`` on, the first clipped to begin at ``start``."""
    day = start.date()
    if not calendar.is_working_day(day):
        day = calendar.next_working_day(day)
    while True:
        for begin, end in calendar._shifts():
            begin_at, end_at = max(_on(day, begin), start), _on(day, end)
            if begin_at < end_at:
                yield begin_at, end_at
        day = calendar.next_working_day(day)


def _due_in_hours(received: datetime, budget: timedelta, calendar: WorkCalendar) -> datetime:
    """The instant ``budget`` of working time after ``received``; ending on a stretch's close
    gives that close rather than the next stretch's opening."""
    spans = _working_spans(received, calendar)
    while True:
        begin, end = next(spans)
        if budget <= end - begin:
            return begin + budget
        budget -= end - begin


def _due_in_days(received: datetime, days: int, calendar: WorkCalendar) -> datetime:
    """Close of the ``days``-th working day, counting the day of receipt when it is a working day
    and the voice came in before it closed."""
    before_close = received.time() < calendar.work_end
    return _on(_last_day(received.date(), before_close, days, calendar), calendar.work_end)


@lru_cache(maxsize=4096)
def _last_day(day: date, before_close: bool, days: int, calendar: WorkCalendar) -> date:
    """The ``days``-th working day counted from ``day``; cached, because a ledger import asks
    it for every row and the answer depends only on the day, the hour's side of closing time
    and the calendar."""
    if not (calendar.is_working_day(day) and before_close):
        day = calendar.next_working_day(day)
    for _ in range(days - 1):
        day = calendar.next_working_day(day)
    return day


def due_at(
    received_at: datetime, period_days: int | None, calendar: WorkCalendar
) -> datetime | None:
    """When a voice received at ``received_at`` with a period of ``period_days`` is due, in KST.

    None means the voice has no deadline (praise). Periods of up to five days count working hours
    (``IMMEDIATE``, 0, means three of them); longer periods count working days and end at
    ``work_end``. Raises ValueError for a naive ``received_at`` or a negative period.
    """
    received = _as_kst(received_at, "received_at")
    if period_days is None:
        return None
    if period_days < 0:
        raise ValueError(f"period_days must be 0 or more, got {period_days}")
    if period_days > _LAST_HOURLY_PERIOD:
        return _due_in_days(received, period_days, calendar)
    if period_days == IMMEDIATE:
        return _due_in_hours(received, _IMMEDIATE_BUDGET, calendar)
    return _due_in_hours(received, period_days * calendar._day_length(), calendar)


def working_hours_between(start: datetime, end: datetime, calendar: WorkCalendar) -> float:
    """Working hours that elapse from ``start`` to ``end`` (0 when ``end`` is not later), to report
    how long a voice took by the same clock its deadline runs on. Both must be timezone-aware."""
    start, end = _as_kst(start, "start"), _as_kst(end, "end")
    total = timedelta()
    for begin, stop in _working_spans(start, calendar):
        if begin >= end:
            break
        total += min(stop, end) - begin
    return total / _ONE_HOUR
