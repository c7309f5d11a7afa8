"""일일열사 daily contact targets: each officer's progress today, and a unit lead's table of
officers × days with achievement rates, streaks and gaps.

Guro police asked every officer to meet ten residents a working day. This module turns a log of
contacts into the numbers a unit lead watches; it is pure (plain data in, dataclasses out), so
the same rules serve pages, reports and tests.

Rules
-----
* **Target.** One target per officer per working day, the same for everyone in a unit: 10 by
  default, or the unit's override (``resolve_target``). A day off has target 0.
* **Working days.** An officer with a roster works exactly the days it lists — weekends and
  public holidays included when listed (police work them), leave and night shifts excluded by
  being left out. An officer without a roster works the organisation's working days
  (``WorkCalendar.is_working_day``: Monday–Friday, not a KR public holiday — lunar and substitute
  ones included — and not one of the organisation's closed days).
* **Contacts.** Each record counts once, on its date in Korean time (aware datetimes are
  converted to KST; naive datetimes and plain dates are taken as KST). Records of officers who
  are not listed are ignored, so a caller may pass a whole office's log. Contacts on a day off
  are shown but never enter a rate.
* **Progress.** ``remaining = max(target - done, 0)``; ``share = done / target`` (above 1 when
  the target is exceeded, None when the target is 0).
* **Closed and open days.** With ``today`` given, days from ``today`` on are open (in progress or
  still to come); without it every day of the period is closed.
* **Met.** A working day whose done ≥ target.
* **Achievement rate.** Over the closed working days: sum of done / sum of target (None when that
  target is 0). Done may exceed target, so the rate may exceed 1.
* **Current streak.** Counting back from the last working day of the period: the number of
  consecutive met working days. Days off are skipped and do not break it; an open day that is
  not met yet is skipped too (today can still be met); a closed unmet working day ends it.
* **Longest streak.** The longest run of met working days in the period, by the same skipping.
* **Gaps.** Closed working days with zero contacts.
* **Unit totals per day.** Done by all listed officers (days off included), the sum of targets,
  how many officers work that day and how many met their target.
* **Bad input** raises ValueError: a negative target, duplicate officers, a roster naming an
  officer who is not listed, a period ending before it starts or longer than 400 days.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from minwon.timeutil import KST
from minwon.voices.deadlines import WorkCalendar

__all__ = [
    "DEFAULT_DAILY_TARGET",
    "MAX_PERIOD_DAYS",
    "ContactRecord",
    "Roster",
    "DayCell",
    "DayTotal",
    "OfficerRow",
    "Progress",
    "TargetTable",
    "count_contacts",
    "is_working_day",
    "progress_today",
    "resolve_target",
    "unit_table",
]

DEFAULT_DAILY_TARGET = 10
"""Residents per officer per working day, as Guro police set it."""

MAX_PERIOD_DAYS = 400
"""Longest period a table may cover (a year and a bit), so one request cannot build a huge grid."""

ContactRecord = tuple[str, date | datetime]
"""One resident contact: the officer's key and when it happened (KST datetime or date)."""

Roster = Mapping[str, Collection[date]]
"""Each rostered officer's working days (leave and night shifts left out)."""


@dataclass(frozen=True)
class Progress:
    """One officer's standing on one day: what is done, what was asked, what is left."""

    officer: str
    day: date
    working: bool
    done: int
    target: int
    remaining: int
    share: float | None


@dataclass(frozen=True)
class DayCell:
    """One officer on one day of the table. ``met`` is None on days off."""

    day: date
    working: bool
    closed: bool
    done: int
    target: int
    met: bool | None


@dataclass(frozen=True)
class OfficerRow:
    """One officer over the period: the day cells and the figures the module docstring defines.

    ``done`` and ``target`` are the sums over closed working days, whose quotient is ``rate``.
    """

    officer: str
    cells: tuple[DayCell, ...]
    done: int
    target: int
    rate: float | None
    current_streak: int
    longest_streak: int
    gaps: tuple[date, ...]


@dataclass(frozen=True)
class DayTotal:
    """The whole unit on one day."""

    day: date
    done: int
    target: int
    working: int
    met: int


@dataclass(frozen=True)
class TargetTable:
    """A unit lead's table: one row per officer (in the order given), one total per day."""

    start: date
    end: date
    target_per_day: int
    days: tuple[date, ...]
    rows: tuple[OfficerRow, ...]
    totals: tuple[DayTotal, ...]


def resolve_target(
    unit: str | None,
    unit_targets: Mapping[str, int] | None = None,
    default: int = DEFAULT_DAILY_TARGET,
) -> int:
    """The daily target of ``unit``: its override in ``unit_targets`` or ``default``.

    Raises ValueError for a negative target, so a typo in the settings is caught where it is read.
    """
    target = (unit_targets or {}).get(unit, default) if unit is not None else default
    _check_target(target)
    return target


def _check_target(target: int) -> None:
    """Refuse a negative target: no one can meet fewer than zero residents."""
    if target < 0:
        raise ValueError(f"daily target must be 0 or more, got {target}")


def _kst_date(at: date | datetime) -> date:
    """The Korean-time date of a contact (naive datetimes and dates are already Korean time)."""
    if isinstance(at, datetime):
        return at.astimezone(KST).date() if at.utcoffset() is not None else at.date()
    return at


def count_contacts(contacts: Iterable[ContactRecord]) -> Counter[tuple[str, date]]:
    """Contacts per (officer, KST date): the one count every figure of this module starts from."""
    return Counter((officer, _kst_date(at)) for officer, at in contacts)


def _check_officers(officers: Sequence[str], roster: Roster | None) -> dict[str, frozenset[date]]:
    """The roster as sets of days, after checking it names only listed, distinct officers."""
    duplicates = sorted(name for name, n in Counter(officers).items() if n > 1)
    if duplicates:
        raise ValueError(f"officers listed more than once: {', '.join(duplicates)}")
    unknown = sorted(set(roster or {}) - set(officers))
    if unknown:
        raise ValueError(f"roster names unknown officer(s): {', '.join(unknown)}")
    return {name: frozenset(days) for name, days in (roster or {}).items()}


def is_working_day(
    officer: str,
    day: date,
    roster: Roster | None = None,
    calendar: WorkCalendar | None = None,
) -> bool:
    """Whether ``officer`` works on ``day``: their roster decides when they have one, otherwise
    the organisation's calendar (weekends, KR holidays and closed days off)."""
    if roster is not None and officer in roster:
        return day in roster[officer]
    return (calendar or WorkCalendar()).is_working_day(day)


def _progress(officer: str, day: date, working: bool, done: int, target: int) -> Progress:
    """Progress of one officer-day from its done count and its (already resolved) target."""
    target = target if working else 0
    share = done / target if target else None
    return Progress(officer, day, working, done, target, max(target - done, 0), share)


def progress_today(
    officers: Sequence[str],
    contacts: Iterable[ContactRecord],
    today: date,
    *,
    target_per_day: int = DEFAULT_DAILY_TARGET,
    roster: Roster | None = None,
    calendar: WorkCalendar | None = None,
) -> tuple[Progress, ...]:
    """Each officer's progress on ``today``, in the order given — what an officer sees on the
    phone page (their own line) and the lead at the top of the table."""
    _check_target(target_per_day)
    days = _check_officers(officers, roster)
    counts = count_contacts(contacts)
    cal = calendar or WorkCalendar()
    return tuple(
        _progress(
            name,
            today,
            is_working_day(name, today, days, cal),
            counts[(name, today)],
            target_per_day,
        )
        for name in officers
    )


def _period(start: date, end: date) -> tuple[date, ...]:
    """Every day from ``start`` to ``end`` inclusive, after checking the period is sane."""
    if end < start:
        raise ValueError(f"period ends ({end}) before it starts ({start})")
    length = (end - start).days + 1
    if length > MAX_PERIOD_DAYS:
        raise ValueError(f"period of {length} days is longer than {MAX_PERIOD_DAYS} days")
    return tuple(start + timedelta(days=i) for i in range(length))


def _cell(day: date, working: bool, closed: bool, done: int, target: int) -> DayCell:
    """One table cell; a day off has target 0 and no verdict."""
    if not working:
        return DayCell(day, False, closed, done, 0, None)
    return DayCell(day, True, closed, done, target, done >= target)


def _streaks(cells: Sequence[DayCell]) -> tuple[int, int]:
    """(current, longest) streak of met working days; days off and open unmet days are skipped."""
    run = longest = 0
    for cell in cells:
        if cell.met:
            run += 1
            longest = max(longest, run)
        elif cell.working and cell.closed:
            run = 0
    return run, longest


def _row(officer: str, cells: tuple[DayCell, ...]) -> OfficerRow:
    """An officer's row: sums, rate, streaks and gaps over their cells."""
    scored = [c for c in cells if c.working and c.closed]
    done = sum(c.done for c in scored)
    target = sum(c.target for c in scored)
    current, longest = _streaks(cells)
    gaps = tuple(c.day for c in scored if c.done == 0)
    rate = done / target if target else None
    return OfficerRow(officer, cells, done, target, rate, current, longest, gaps)


def _totals(days: Sequence[date], rows: Sequence[OfficerRow]) -> tuple[DayTotal, ...]:
    """The unit's figures per day, summed down the officers' columns."""
    totals = []
    for i, day in enumerate(days):
        column = [row.cells[i] for row in rows]
        totals.append(
            DayTotal(
                day,
                done=sum(c.done for c in column),
                target=sum(c.target for c in column),
                working=sum(c.working for c in column),
                met=sum(bool(c.met) for c in column),
            )
        )
    return tuple(totals)


def unit_table(
    officers: Sequence[str],
    contacts: Iterable[ContactRecord],
    start: date,
    end: date,
    *,
    target_per_day: int = DEFAULT_DAILY_TARGET,
    roster: Roster | None = None,
    calendar: WorkCalendar | None = None,
    today: date | None = None,
) -> TargetTable:
    """The unit lead's table for ``start``–``end`` (inclusive): done and target per officer and
    day, each officer's rate, streaks and gaps, and the unit's totals per day.

    ``today`` marks the days from it on as open (see the module docstring); leave it out for a
    period that is over. Raises ValueError for the bad inputs the module docstring lists.
    """
    _check_target(target_per_day)
    days = _period(start, end)
    rostered = _check_officers(officers, roster)
    counts = count_contacts(contacts)
    cal = calendar or WorkCalendar()
    rows = []
    for name in officers:
        cells = tuple(
            _cell(
                day,
                is_working_day(name, day, rostered, cal),
                today is None or day < today,
                counts[(name, day)],
                target_per_day,
            )
            for day in days
        )
        rows.append(_row(name, cells))
    return TargetTable(start, end, target_per_day, days, tuple(rows), _totals(days, rows))
