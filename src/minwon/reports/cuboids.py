"""Which rollup table answers a question: every table holds the same sums at some grain (day or
month) and over some dimensions; a question needs the dimensions it filters and groups by, and
its period is cut into whole months (read from a month table) and the days at either end (read
from a day table). Each part is read from the smallest table that has every dimension needed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from minwon.reports.models import (
    SurveyDay,
    SurveyDayAll,
    SurveyDayOffice,
    SurveyDayUnit,
    SurveyMonth,
    SurveyMonthAll,
    SurveyMonthOffice,
    SurveyMonthOfficer,
    SurveyMonthUnit,
    VoiceDay,
    VoiceDayAll,
    VoiceMonth,
    VoiceMonthAll,
)

DAY, MONTH = "day", "month"
VOICE, SURVEY = "voice", "survey"


@dataclass(frozen=True)
class Cuboid:
    """One rollup table: its family (voice counts or survey sums), grain and dimensions."""

    model: Any
    family: str
    grain: str
    dims: tuple[str, ...]

    @property
    def base(self) -> bool:
        """Whether this is the day table the others are derived from."""
        return self.model in (VoiceDay, SurveyDay)

    def key(self, full: dict[str, Any]) -> tuple:
        """The primary key of this table's row that a base row's sums go to."""
        day = full["day"].replace(day=1) if self.grain == MONTH else full["day"]
        return (day, *(full[d] for d in self.dims))

    @property
    def key_names(self) -> tuple[str, ...]:
        """Column names of ``key``."""
        return ("day", *self.dims)

    @property
    def measures(self) -> tuple[str, ...]:
        """The columns that hold counts and sums (every column not in the key)."""
        return tuple(c.name for c in self.model.__table__.columns if not c.primary_key)


# Smallest first within a grain: the first that has every needed dimension is read.
CUBOIDS: tuple[Cuboid, ...] = (
    Cuboid(VoiceDayAll, VOICE, DAY, ("category_id", "channel")),
    Cuboid(VoiceDay, VOICE, DAY, ("office_id", "unit_id", "category_id", "channel")),
    Cuboid(VoiceMonthAll, VOICE, MONTH, ("category_id", "channel")),
    Cuboid(VoiceMonth, VOICE, MONTH, ("office_id", "unit_id", "category_id", "channel")),
    Cuboid(SurveyDayAll, SURVEY, DAY, ("category_id", "channel")),
    Cuboid(SurveyDayUnit, SURVEY, DAY, ("office_id", "unit_id")),
    Cuboid(SurveyDayOffice, SURVEY, DAY, ("office_id", "category_id")),
    Cuboid(
        SurveyDay, SURVEY, DAY, ("office_id", "unit_id", "officer_id", "category_id", "channel")
    ),
    Cuboid(SurveyMonthAll, SURVEY, MONTH, ("category_id", "channel")),
    Cuboid(SurveyMonthUnit, SURVEY, MONTH, ("office_id", "unit_id")),
    Cuboid(SurveyMonthOffice, SURVEY, MONTH, ("office_id", "category_id")),
    Cuboid(SurveyMonthOfficer, SURVEY, MONTH, ("office_id", "unit_id", "officer_id")),
    Cuboid(SurveyMonth, SURVEY, MONTH, ("office_id", "unit_id", "category_id", "channel")),
)


def of_family(family: str) -> list[Cuboid]:
    """Every table of a family, the base day table first."""
    return sorted((c for c in CUBOIDS if c.family == family), key=lambda c: not c.base)


def base(family: str) -> Cuboid:
    """The day table a family's other tables are derived from."""
    return of_family(family)[0]


def choose(family: str, grain: str, dims: set[str]) -> Cuboid | None:
    """The smallest table of ``grain`` with every dimension in ``dims`` (None when no table of
    that grain has them all: the period is then read from day tables only)."""
    return next(
        (c for c in CUBOIDS if c.family == family and c.grain == grain and dims <= set(c.dims)),
        None,
    )


@dataclass(frozen=True)
class Part:
    """A piece of a period read at one grain: days ``start``..``end`` (inclusive), or the
    months whose first days are ``start``..``end``; ``start`` None = from the beginning."""

    grain: str
    start: date | None
    end: date


def _next_month(d: date) -> date:
    return (d.replace(day=1) + timedelta(days=32)).replace(day=1)


def split(start: date | None, end: date, today: date) -> list[Part]:
    """Cut ``start``..``end`` into leading days, whole months and trailing days. The month of
    ``end`` counts as whole when ``end`` is today or later, because no row is dated after
    today (voices, answers and survey answers are counted on days that have happened)."""
    first = start if start is None or start.day == 1 else _next_month(start)
    month_ends = (end + timedelta(days=1)).day == 1
    stop = _next_month(end) if end >= today or month_ends else end.replace(day=1)
    if first is not None and first >= stop:
        return [Part(DAY, start, end)]
    parts: list[Part] = []
    if start is not None and first is not None and start < first:
        parts.append(Part(DAY, start, first - timedelta(days=1)))
    parts.append(Part(MONTH, first, _previous_month(stop)))
    if stop <= end:
        parts.append(Part(DAY, stop, end))
    return parts


def _previous_month(d: date) -> date:
    return (d.replace(day=1) - timedelta(days=1)).replace(day=1)
