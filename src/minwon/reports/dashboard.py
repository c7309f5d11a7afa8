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

from minwon.reports.models import SurveyDay, VoiceDay
from minwon.surveys import rankings, scores
from minwon.surveys.scores import Score, Sums

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


def _where(model: Any, scope: Scope, *, until_only: bool = False) -> list[Any]:
    conds = [model.day <= scope.end]
    if not until_only:
        conds.append(model.day >= scope.start)
    if scope.office_ids is not None:
        conds.append(model.office_id.in_(scope.office_ids))
    if scope.unit_id is not None:
        conds.append(model.unit_id == scope.unit_id)
    if scope.category_id is not None:
        conds.append(model.category_id == scope.category_id)
    return conds


_VOLUME = ("received", "answered", "on_time", "late", "closed", "reopened", "transferred_out")


def volume(db: Session, scope: Scope) -> Volume:
    """Totals of the period."""
    cols = [func.coalesce(func.sum(getattr(VoiceDay, c)), 0) for c in _VOLUME]
    hours = func.coalesce(func.sum(VoiceDay.answer_hours), 0.0)
    row = db.execute(select(*cols, hours).where(*_where(VoiceDay, scope))).one()
    return Volume(*(int(v) for v in row[:-1]), float(row[-1]))


def backlog(db: Session, scope: Scope) -> int:
    """Voices still open at the end of the period (received, less moved away and answered,
    plus answers reopened), over all time up to then."""
    total = (
        func.sum(VoiceDay.received)
        - func.sum(VoiceDay.transferred_out)
        - func.sum(VoiceDay.answered)
        + func.sum(VoiceDay.reopened)
    )
    value = db.scalar(
        select(func.coalesce(total, 0)).where(*_where(VoiceDay, scope, until_only=True))
    )
    return max(int(value or 0), 0)


def daily(db: Session, scope: Scope) -> list[tuple[date, int, int]]:
    """(day, received, answered) for each day of the period that had any."""
    query = (
        select(VoiceDay.day, func.sum(VoiceDay.received), func.sum(VoiceDay.answered))
        .where(*_where(VoiceDay, scope))
        .group_by(VoiceDay.day)
        .order_by(VoiceDay.day)
    )
    return [(d, int(r), int(a)) for d, r, a in db.execute(query)]


def counts_by(db: Session, scope: Scope, column: str) -> list[tuple[Hashable, int]]:
    """Voices received per unit, category or channel (largest first)."""
    col = getattr(VoiceDay, column)
    total = func.sum(VoiceDay.received)
    query = select(col, total).where(*_where(VoiceDay, scope)).group_by(col)
    rows = [(key, int(n)) for key, n in db.execute(query) if n]
    return sorted(rows, key=lambda r: (-r[1], str(r[0])))


_SUMS = (
    "invitations",
    "responses",
    "invited_responses",
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
    invited_responses: int

    @property
    def score(self) -> Score:
        """The figures, the response rate counting only answers to invitations sent (kiosk
        visits and happy calls answer without an invitation being sent)."""
        s = self.sums
        base = scores.from_sums(
            csat_n=s.csat_n,
            csat_sum=s.csat_sum,
            csat_sumsq=s.csat_sumsq,
            top2=s.top2,
            nps_n=s.nps_n,
            promoters=s.promoters,
            detractors=s.detractors,
            responses=s.responses,
            invitations=None,
        )
        rate = (
            scores.response_rate(min(self.invited_responses, s.invitations), s.invitations)
            if s.invitations
            else scores.EMPTY
        )
        return dataclasses.replace(base, response_rate=rate)


def _satisfaction(row: Any) -> Satisfaction:
    inv, resp, invited, csat_n, csat_sum, csat_sq, top2, nps_n, pro, det = row
    sums = Sums(
        csat_n=int(csat_n or 0),
        csat_sum=float(csat_sum or 0),
        csat_sumsq=float(csat_sq or 0),
        top2=int(top2 or 0),
        nps_n=int(nps_n or 0),
        promoters=int(pro or 0),
        detractors=int(det or 0),
        responses=int(resp or 0),
        invitations=int(inv or 0),
    )
    return Satisfaction(sums, int(invited or 0))


def satisfaction(db: Session, scope: Scope, by: str | None = None) -> dict[Hashable, Satisfaction]:
    """Survey figures of the period, for the whole scope (key None) or grouped ``by`` month,
    unit, officer, category, channel or office."""
    if by is not None and by not in GROUPS:
        raise ValueError(f"unknown grouping: {by}")
    sums = [func.sum(getattr(SurveyDay, c)) for c in _SUMS]
    if by is None:
        row = db.execute(select(*sums).where(*_where(SurveyDay, scope))).one()
        return {None: _satisfaction(row)}
    key = (
        SurveyDay.day
        if by == "month"
        else getattr(SurveyDay, f"{by}_id" if by != "channel" else "channel")
    )
    query = select(key, *sums).where(*_where(SurveyDay, scope)).group_by(key)
    rows: dict[Hashable, Any] = {}
    for k, *values in db.execute(query):
        group = k.strftime("%Y-%m") if by == "month" else k
        rows[group] = _add_rows(rows.get(group), values)
    return {k: _satisfaction(v) for k, v in sorted(rows.items(), key=lambda kv: str(kv[0]))}


def _add_rows(a: list | None, b: list) -> list:
    if a is None:
        return list(b)
    return [(x or 0) + (y or 0) for x, y in zip(a, b, strict=True)]


@dataclass(frozen=True)
class Standing:
    """One office or unit in a ranking, with its movement since the previous period."""

    key: Hashable
    ranked: rankings.Ranked
    movement: rankings.Movement


def ranking(db: Session, scope: Scope, *, level: str, min_n: int = 30) -> list[Standing]:
    """Offices (``level="office"``) or units ranked by shrunk CSAT, with movement against the
    previous period of the same length."""
    if level not in ("office", "unit"):
        raise ValueError(f"unknown level: {level}")
    current = _ranked(db, scope, level, min_n)
    previous = _ranked(db, scope.previous(), level, min_n)
    moves = {m.key: m for m in rankings.movement(current, previous)}
    return [Standing(r.key, r, moves[r.key]) for r in current]


def _ranked(db: Session, scope: Scope, level: str, min_n: int) -> list[rankings.Ranked]:
    groups = satisfaction(db, scope, by=level)
    usable = {k: s.sums for k, s in groups.items() if k and s.sums.csat_n}
    return rankings.rank(usable, min_n=min_n) if usable else []


def monthly_csat(db: Session, scope: Scope) -> list[tuple[str, Score]]:
    """CSAT per month of the period, for the trend chart."""
    return [(str(k), s.score) for k, s in satisfaction(db, scope, by="month").items()]


def volume_series(
    rows: list[tuple[date, int, int]], start: date, end: date
) -> tuple[list[str], dict[str, list[int]]]:
    """Received and answered as chart series: per day up to two months, per week up to about
    seven months, per month beyond, so a long period stays readable."""
    days = (end - start).days + 1
    if days <= 62:
        key, fmt = (lambda d: d), "%m-%d"
    elif days <= 210:
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
