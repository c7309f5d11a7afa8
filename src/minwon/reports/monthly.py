"""The monthly CS report of an office (or of every office the caller sees), built from the
rollups and the cause analysis, ready for the PDF and Excel renderers."""

from __future__ import annotations

import re
from datetime import date, timedelta

from sqlalchemy.orm import Session

from minwon.errors import Invalid
from minwon.org.roles import Principal
from minwon.reports import dashboard, document, views
from minwon.reports.dashboard import Scope
from minwon.reports.views import Choice
from minwon.surveys import rankings
from minwon.surveys.scores import Estimate
from minwon.timeutil import utcnow, within_calendar
from minwon.voices.catalog import CHANNELS

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
FIRST_YEAR = 2000
"""The first year a monthly report may be of."""


def month_bounds(month: str) -> tuple[date, date]:
    """The first and last day of a month given as YYYY-MM, of the year 2000 or later; a month
    outside the calendar a period may name (``9999-12``) is refused before its last day
    overflows."""
    found = _MONTH.match(month or "")
    if not found or not 1 <= int(found.group(2)) <= 12:
        raise Invalid("월은 YYYY-MM 형식이어야 합니다 (예: 2026-10).", field="month")
    if int(found.group(1)) < FIRST_YEAR:
        raise Invalid(f"월의 연도는 {FIRST_YEAR}년 이후여야 합니다: {month}", field="month")
    first = date(int(found.group(1)), int(found.group(2)), 1)
    within_calendar(first, "month")
    last = (first.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    return first, last


def _estimate(e: Estimate) -> document.Estimate:
    return document.Estimate(e.value, e.low, e.high, e.n)


def _satisfaction(db: Session, scope: Scope, names: views.Names) -> document.Satisfaction:
    total = dashboard.satisfaction(db, scope)[None]
    score = total.score
    units = [
        document.UnitSatisfaction(
            unit=r.name,
            n=r.score.csat.n,
            csat=r.score.csat.value,
            low=r.score.csat.low,
            high=r.score.csat.high,
            nps=r.score.nps.value,
        )
        for r in views.table(db, scope, "unit", names)
        if r.score.csat.n
    ]
    return document.Satisfaction(
        csat=_estimate(score.csat),
        top2=_estimate(score.top2),
        nps=_estimate(score.nps),
        response_rate=score.response_rate.value,
        invited=total.sums.invitations,
        uninvited=total.sums.uninvited_responses,
        units=units,
    )


def _ranking(db: Session, scope: Scope, names: views.Names, office: str) -> document.Ranking:
    nation = Scope(None, scope.start, scope.end)
    rows = [
        document.RankingRow(
            rank=s.ranked.rank,
            name=names.of("office", s.key),
            n=s.ranked.n,
            score=s.ranked.score,
            status="순위" if s.ranked.rank else "응답 부족",
            movement=s.movement.change,
        )
        for s in dashboard.ranking(db, nation, level="office")
        if s.key in names.offices
    ]
    return document.Ranking(rows=rows, basis=rankings.RULE_KO, highlight=office)


def _causes(db: Session, office_ids: tuple[int, ...] | None, first: date, last: date) -> list:
    from minwon.analysis import insights

    if not office_ids or len(office_ids) != 1:
        return []
    p = insights.period(first, last)
    return [
        document.Cause(
            label=v.cause.label,
            count=v.cause.current,
            change=v.cause.current - v.cause.previous,
            examples=[e.excerpt for e in v.examples[:3]],
        )
        for v in insights.causes(db, office_id=office_ids[0], p=p)
        if v.cause.current
    ]


def build(
    db: Session, *, principal: Principal, office: str | None, month: str
) -> document.MonthlyReport:
    """The monthly report of ``office`` (or of every office the caller sees) for a month."""
    first, last = month_bounds(month)
    scope, _ = views.scope_for(db, principal, Choice(office=office, unit="", start=first, end=last))
    names = views.names(db, principal)
    office_name = (
        names.offices.get(scope.office_ids[0], office or "")
        if scope.office_ids and len(scope.office_ids) == 1
        else "전체 기관"
    )
    from minwon.quality.report import monthly_section

    vol = dashboard.volume(db, scope)
    end_scope = Scope(scope.office_ids, first, last)
    return document.MonthlyReport(
        title=f"{office_name} 월간 고객만족(CS) 보고서",
        office=office_name,
        month=month,
        generated_at=utcnow(),
        volume=document.Volume(
            received=vol.received,
            answered=vol.answered,
            closed=vol.closed,
            open_at_end=dashboard.backlog(db, end_scope),
            by_channel=[
                (CHANNELS.get(str(k), str(k)), n)
                for k, n in dashboard.counts_by(db, scope, "channel")
            ],
            by_category=[
                (names.of("category", k), n)
                for k, n in dashboard.counts_by(db, scope, "category_id")
            ],
        ),
        deadlines=document.Deadlines(
            due=vol.answered,
            met=vol.on_time,
            missed=vol.late,
            avg_days_to_answer=vol.average_days,
        ),
        satisfaction=_satisfaction(db, scope, names),
        ranking=_ranking(db, scope, names, office_name),
        top_causes=_causes(db, scope.office_ids, first, last),
        actions=(),
        daily=[document.DailyCount(d, r, a) for d, r, a in dashboard.daily(db, scope)],
        quality=monthly_section(
            db, principal=principal, office_ids=scope.office_ids, first=first, last=last
        ),
    )
