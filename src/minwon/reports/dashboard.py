"""What the dashboards and the monthly report show, read from the rollups only (never the
ledger), so they stay fast at national scale: volume and deadlines, backlog, satisfaction with
intervals by any grouping, and fair rankings of offices and units with their movement."""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Hashable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from minwon.reports import cuboids
from minwon.reports.models import SurveyMonthAll
from minwon.surveys import rankings
from minwon.surveys.scores import Score, Sums
from minwon.timeutil import to_kst, utcnow

GROUPS = ("month", "unit", "officer", "category", "channel", "office")


@dataclass(frozen=True)
class Scope:
    """Which voices a dashboard counts: offices (None = all), a unit, a category, KST days."""

    office_ids: tuple[int, ...] | None
    start: date
    end: date
    unit_id: int | None = None
    category_id: int | None = None

    def previous(self) -> Scope:
        """The period of the same length just before."""
        days = (self.end - self.start).days + 1
        return dataclasses.replace(
            self, start=self.start - timedelta(days=days), end=self.start - timedelta(days=1)
        )


@dataclass(frozen=True)
class Volume:
    """Voices received and answered in a period, and how many answers met their deadline."""

    received: int
    answered: int
    on_time: int
    late: int
    closed: int
    reopened: int
    transferred_out: int
    answer_hours: float

    @property
    def met_share(self) -> float | None:
        """Share of answers sent by the deadline (None when nothing was answered)."""
        return self.on_time / self.answered if self.answered else None

    @property
    def average_days(self) -> float | None:
        """Average days from receipt to answer."""
        return self.answer_hours / self.answered / 24 if self.answered else None


def _filter_dims(scope: Scope) -> set[str]:
    dims = set()
    if scope.office_ids is not None:
        dims.add("office_id")
    if scope.unit_id is not None:
        dims.add("unit_id")
    if scope.category_id is not None:
        dims.add("category_id")
    return dims


def _conds(model: Any, scope: Scope, part: cuboids.Part) -> list[Any]:
    conds = [model.day <= part.end]
    if part.start is not None:
        conds.append(model.day >= part.start)
    if scope.office_ids is not None:
        conds.append(model.office_id.in_(scope.office_ids))
    if scope.unit_id is not None:
        conds.append(model.unit_id == scope.unit_id)
    if scope.category_id is not None:
        conds.append(model.category_id == scope.category_id)
    return conds


def _parts(scope: Scope, *, until_only: bool, days_only: bool) -> list[cuboids.Part]:
    start = None if until_only else scope.start
    if days_only:
        return [cuboids.Part(cuboids.DAY, start, scope.end)]
    return cuboids.split(start, scope.end, to_kst(utcnow()).date())


def _month_end(first: date) -> date:
    return (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)


def _sums(
    db: Session,
    family: str,
    scope: Scope,
    measures: tuple[str, ...],
    group: tuple[str, ...] = (),
    *,
    time: str | None = None,
    until_only: bool = False,
) -> dict[tuple, list[float]]:
    """Sums of ``measures`` over the scope, keyed by the ``group`` dimensions (preceded by the
    day or the month's first day when ``time`` is "day" or "month"), read part by part from the
    smallest rollup tables that can answer."""
    dims = _filter_dims(scope) | set(group)
    totals: dict[tuple, list[float]] = {}
    for part in _parts(scope, until_only=until_only, days_only=time == "day"):
        cuboid = cuboids.choose(family, part.grain, dims)
        if cuboid is None:  # no month table has these dimensions: read the days
            part = cuboids.Part(cuboids.DAY, part.start, _month_end(part.end))
            cuboid = cuboids.choose(family, cuboids.DAY, dims)
        if cuboid is None:
            raise ValueError(f"no rollup table has {sorted(dims)}")
        model = cuboid.model
        keys = [getattr(model, g) for g in group]
        if time is not None:
            keys.insert(0, model.day)
        query = select(*keys, *(func.sum(getattr(model, m)) for m in measures))
        query = query.where(*_conds(model, scope, part))
        if keys:
            query = query.group_by(*keys)
        for row in db.execute(query):
            key = tuple(row[: len(keys)])
            if time == "month":
                key = (key[0].replace(day=1), *key[1:])
            values = [v or 0 for v in row[len(keys) :]]
            if not keys and not any(values):
                continue
            held = totals.get(key)
            if held is not None:
                values = [x + y for x, y in zip(held, values, strict=True)]
            totals[key] = values
    return totals


_VOLUME = ("received", "answered", "on_time", "late", "closed", "reopened", "transferred_out")


def volume(db: Session, scope: Scope) -> Volume:
    """Totals of the period."""
    row = _sums(db, cuboids.VOICE, scope, (*_VOLUME, "answer_hours")).get((), None)
    row = row or [0] * (len(_VOLUME) + 1)
    counts = {name: int(v) for name, v in zip(_VOLUME, row[:-1], strict=True)}
    return Volume(**counts, answer_hours=float(row[-1]))


def backlog(db: Session, scope: Scope) -> int:
    """Voices still open at the end of the period (received, less moved away and answered,
    plus answers reopened), over all time up to then."""
    measures = ("received", "transferred_out", "answered", "reopened")
    row = _sums(db, cuboids.VOICE, scope, measures, until_only=True).get((), [0, 0, 0, 0])
    received, moved, answered, reopened = (int(v) for v in row)
    return max(received - moved - answered + reopened, 0)


def daily(db: Session, scope: Scope) -> list[tuple[date, int, int]]:
    """(day, received, answered) for each day of the period that had any."""
    rows = _sums(db, cuboids.VOICE, scope, ("received", "answered"), time="day")
    return [(k[0], int(r), int(a)) for k, (r, a) in sorted(rows.items())]


def monthly(db: Session, scope: Scope) -> list[tuple[date, int, int]]:
    """(first day of the month, received, answered) for each month of the period that had
    any (the first and last months only in part when the period starts or ends inside them)."""
    rows = _sums(db, cuboids.VOICE, scope, ("received", "answered"), time="month")
    return [(k[0], int(r), int(a)) for k, (r, a) in sorted(rows.items())]


def counts_by(db: Session, scope: Scope, column: str) -> list[tuple[Hashable, int]]:
    """Voices received per unit, category or channel (largest first)."""
    rows = _sums(db, cuboids.VOICE, scope, ("received",), (column,))
    found = [(k[0], int(v[0])) for k, v in rows.items() if v[0]]
    return sorted(found, key=lambda r: (-r[1], str(r[0])))


_SUMS = (
    "invitations",
    "responses",
    "invited_responses",
    "uninvited_responses",
    "csat_n",
    "csat_sum",
    "csat_sq",
    "top2",
    "nps_n",
    "promoters",
    "detractors",
)


@dataclass(frozen=True)
class Satisfaction:
    """A group's survey sums and figures (CSAT, top-2, NPS, response rate with intervals)."""

    sums: Sums

    @property
    def score(self) -> Score:
        """The figures: the response rate counts the answers to the invitations sent in the
        period (kept with their invitation, so never more than were sent); answers without an
        invitation sent (kiosk, happy calls, outreach code cards) are counted apart."""
        return self.sums.score()


def survey_months(db: Session) -> tuple[date, date] | None:
    """The first days of the first and the last month with survey rows (None when none)."""
    query = select(func.min(SurveyMonthAll.day), func.max(SurveyMonthAll.day))
    first, last = db.execute(query).one()
    return None if first is None else (first, last)


def survey_sums(
    db: Session, scope: Scope, columns: tuple[str, ...], by: str
) -> dict[Hashable, dict[str, float]]:
    """Sums of survey rollup ``columns`` (e.g. ``nps_sum``) per office, unit, category or
    channel (``by``), for read models that need more than the dashboard's figures."""
    if by not in ("office", "unit", "category", "channel"):
        raise ValueError(f"unknown grouping: {by}")
    column = "channel" if by == "channel" else f"{by}_id"
    rows = _sums(db, cuboids.SURVEY, scope, columns, (column,))
    return {k[0]: dict(zip(columns, v, strict=True)) for k, v in rows.items()}


def _satisfaction(row: Any) -> Satisfaction:
    inv, resp, invited, uninvited, csat_n, csat_sum, csat_sq, top2, nps_n, pro, det = row
    return Satisfaction(
        Sums(
            csat_n=int(csat_n or 0),
            csat_sum=float(csat_sum or 0),
            csat_sumsq=float(csat_sq or 0),
            top2=int(top2 or 0),
            nps_n=int(nps_n or 0),
            promoters=int(pro or 0),
            detractors=int(det or 0),
            responses=int(resp or 0),
            invitations=int(inv or 0),
            invited_responses=int(invited or 0),
            uninvited_responses=int(uninvited or 0),
        )
    )


def satisfaction(db: Session, scope: Scope, by: str | None = None) -> dict[Hashable, Satisfaction]:
    """Survey figures of the period, for the whole scope (key None) or grouped ``by`` month,
    unit, officer, category, channel or office."""
    if by is not None and by not in GROUPS:
        raise ValueError(f"unknown grouping: {by}")
    if by is None:
        row = _sums(db, cuboids.SURVEY, scope, _SUMS).get((), [0] * len(_SUMS))
        return {None: _satisfaction(row)}
    if by == "month":
        rows = _sums(db, cuboids.SURVEY, scope, _SUMS, time="month")
        groups = {k[0].strftime("%Y-%m"): v for k, v in rows.items()}
    else:
        column = "channel" if by == "channel" else f"{by}_id"
        groups = {k[0]: v for k, v in _sums(db, cuboids.SURVEY, scope, _SUMS, (column,)).items()}
    return {k: _satisfaction(v) for k, v in sorted(groups.items(), key=lambda kv: str(kv[0]))}


@dataclass(frozen=True)
class Standing:
    """One office or unit in a ranking, with its movement since the previous period."""

    key: Hashable
    ranked: rankings.Ranked
    movement: rankings.Movement


def ranking(db: Session, scope: Scope, *, level: str, min_n: int = 30) -> list[Standing]:
    """Offices (``level="office"``) or units ranked by shrunk CSAT, with movement against the
    previous period of the same length.

    Every group is pulled towards the mean of all groups of its level in the organisation (the
    rule's "전국 평균"), whoever looks, so one unit has one adjusted score on every dashboard; a
    unit chosen alone keeps its rank among its office's units."""
    if level not in ("office", "unit"):
        raise ValueError(f"unknown level: {level}")
    current = _ranked(db, scope, level, min_n)
    previous = _ranked(db, scope.previous(), level, min_n)
    moves = {m.key: m for m in rankings.movement(current, previous)}
    return [Standing(r.key, r, moves[r.key]) for r in current]


def _ranked(db: Session, scope: Scope, level: str, min_n: int) -> list[rankings.Ranked]:
    peers = _answered_groups(db, dataclasses.replace(scope, unit_id=None), level)
    if not peers:
        return []
    everyone = dataclasses.replace(scope, office_ids=None, unit_id=None)
    prior = rankings.estimate_prior(_answered_groups(db, everyone, level))
    ranked = rankings.rank(peers, min_n=min_n, prior=prior)
    if scope.unit_id is not None and level == "unit":
        return [r for r in ranked if r.key == scope.unit_id]
    return ranked


def _answered_groups(db: Session, scope: Scope, level: str) -> dict[Hashable, Sums]:
    """The survey sums of each office or unit of the scope that has CSAT answers."""
    groups = satisfaction(db, scope, by=level)
    return {k: s.sums for k, s in groups.items() if k and s.sums.csat_n}


def monthly_csat(db: Session, scope: Scope) -> list[tuple[str, Score]]:
    """CSAT per month of the period, for the trend chart."""
    return [(str(k), s.score) for k, s in satisfaction(db, scope, by="month").items()]


DAILY_UP_TO, WEEKLY_UP_TO = 62, 210
"""A chart shows days for periods up to this many days, weeks up to the next, months beyond."""


def chart_rows(db: Session, scope: Scope) -> list[tuple[date, int, int]]:
    """(day, received, answered) at the grain ``volume_series`` shows them: days up to about
    seven months, months beyond (read from the month tables)."""
    days = (scope.end - scope.start).days + 1
    return daily(db, scope) if days <= WEEKLY_UP_TO else monthly(db, scope)


def volume_series(
    rows: list[tuple[date, int, int]], start: date, end: date
) -> tuple[list[str], dict[str, list[int]]]:
    """Received and answered as chart series: per day up to two months, per week up to about
    seven months, per month beyond, so a long period stays readable."""
    days = (end - start).days + 1
    if days <= DAILY_UP_TO:
        key, fmt = (lambda d: d), "%m-%d"
    elif days <= WEEKLY_UP_TO:
        key, fmt = (lambda d: d - timedelta(days=d.weekday())), "%m-%d"
    else:
        key, fmt = (lambda d: d.replace(day=1)), "%Y-%m"
    buckets: dict[date, list[int]] = defaultdict(lambda: [0, 0])
    for day, received, answered in rows:
        bucket = buckets[key(day)]
        bucket[0] += received
        bucket[1] += answered
    ordered = sorted(buckets.items())
    labels = [d.strftime(fmt) for d, _ in ordered]
    return labels, {"접수": [v[0] for _, v in ordered], "답변": [v[1] for _, v in ordered]}
