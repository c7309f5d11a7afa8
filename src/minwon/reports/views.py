"""The dashboard of a caller: which offices, unit and period they look at (by role), and the
figures, charts and tables of that scope, with names instead of ids."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy.orm import Session

from minwon.errors import Invalid, NotFound
from minwon.org import service as org_service
from minwon.org.roles import OFFICER, UNIT_LEAD, Principal
from minwon.reports import dashboard
from minwon.reports.dashboard import Scope
from minwon.surveys.scores import Score
from minwon.timeutil import to_kst, utcnow, within_calendar
from minwon.voices.catalog import CHANNELS
from minwon.web.charts import CHART_WORDS, bar_svg, line_svg

DEFAULT_DAYS = 30  # a rolling month: never the near-empty first days of a calendar month
MAX_DAYS = 400


@dataclass(frozen=True)
class Choice:
    """What the caller asked for on the dashboard's form."""

    office: str | None = None
    unit: str | None = None
    category: str | None = None
    start: date | None = None
    end: date | None = None


@dataclass
class Names:
    """Display names of the ids the rollups keep."""

    offices: dict[int, str] = field(default_factory=dict)
    units: dict[int, str] = field(default_factory=dict)
    categories: dict[int, str] = field(default_factory=dict)
    staff: dict[int, str] = field(default_factory=dict)
    channels: dict[str, str] = field(default_factory=lambda: dict(CHANNELS))
    uncategorised: str = "미분류"

    def of(self, by: str, key: Any) -> str:
        """The display name of a group key."""
        if by == "channel":
            return self.channels.get(str(key), str(key) or "—")
        table = {"office": self.offices, "unit": self.units, "category": self.categories}
        if by == "officer":
            return self.staff.get(key, "—")
        if by in table:
            return table[by].get(key, self.uncategorised if by == "category" else "—")
        return str(key)


def scope_for(db: Session, principal: Principal, choice: Choice) -> tuple[Scope, dict[str, Any]]:
    """The scope a caller may see for what they chose: their own unit by default for officers
    and unit leads, their office for the CS manager, any office for HQ and admins."""
    today = to_kst(utcnow()).date()
    within_calendar(choice.start, "start")
    within_calendar(choice.end, "end")
    end = choice.end or today
    start = choice.start or end - timedelta(days=DEFAULT_DAYS - 1)
    if end < start:
        raise Invalid("기간의 끝이 시작보다 앞섭니다.", field="end")
    if (end - start).days + 1 > MAX_DAYS:
        raise Invalid(f"기간은 {MAX_DAYS}일 이내여야 합니다.", field="end")
    office_ids: tuple[int, ...] | None
    if choice.office:
        office = org_service.find_office(db_session=db, ref=choice.office)
        if not principal.all_offices and office.id != principal.office_id:
            raise NotFound("기관을 찾을 수 없습니다.", field="office")
        office_ids = (office.id,)
    elif principal.all_offices:
        office_ids = None
    else:
        office_ids = (principal.office_id,) if principal.office_id else ()
    unit_id = None
    if choice.unit:
        unit = org_service.find_unit(db_session=db, ref=choice.unit)
        if office_ids is not None and unit.office_id not in office_ids:
            raise NotFound("부서를 찾을 수 없습니다.", field="unit")
        unit_id = unit.id
    elif choice.unit is None and principal.role in (OFFICER, UNIT_LEAD) and principal.unit_id:
        unit_id = principal.unit_id
    category_id = None
    if choice.category:
        category_id = next(
            (c.id for c in _categories(db, principal) if c.code == choice.category), None
        )
        if category_id is None:
            raise NotFound("분류를 찾을 수 없습니다.", field="category")
    scope = Scope(office_ids, start, end, unit_id=unit_id, category_id=category_id)
    return scope, {"start": start, "end": end}


def _categories(db: Session, principal: Principal) -> list[Any]:
    if principal.office_id is None:
        orgs = {
            o.organization_id for o in org_service.list_offices(db_session=db, principal=principal)
        }
        return [
            c
            for oid in sorted(orgs)
            for c in org_service.list_categories(db_session=db, organization_id=oid)
        ]
    org = org_service.organization_of_office(db_session=db, office_id=principal.office_id)
    return org_service.list_categories(db_session=db, organization_id=org.id)


def names(db: Session, principal: Principal, *, staff: bool = False) -> Names:
    """Names of the offices, units and categories the caller may see, and of their staff when
    ``staff`` (only tables by officer need them)."""
    offices = org_service.list_offices(db_session=db, principal=principal)
    ids = {o.id for o in offices}
    units = [u for u in org_service.list_units(db_session=db) if u.office_id in ids]
    people = (
        org_service.staff_of_units(db_session=db, unit_ids=[u.id for u in units]) if staff else []
    )
    return Names(
        offices={o.id: o.name for o in offices},
        units={u.id: u.name for u in units},
        categories={c.id: c.name for c in _categories(db, principal)},
        staff={p.id: p.name for p in people},
    )


@dataclass(frozen=True)
class Row:
    """One group of a satisfaction table."""

    key: Any
    name: str
    score: Score


def table(db: Session, scope: Scope, by: str, n: Names) -> list[Row]:
    """Satisfaction of the scope grouped ``by`` unit, officer, category, channel or month."""
    groups = dashboard.satisfaction(db, scope, by=by)
    rows = [Row(k, n.of(by, k), s.score) for k, s in groups.items()]
    if by != "month":
        rows.sort(key=lambda r: (-(r.score.responses), r.name))
    return rows


def level_of(scope: Scope) -> str:
    """What the dashboard ranks: offices when several are in view, the units of one office
    otherwise."""
    return "office" if scope.office_ids is None or len(scope.office_ids) != 1 else "unit"


def trend_scope(scope: Scope) -> Scope:
    """The twelve months up to the end of the scope, for the satisfaction trend."""
    start = (scope.end.replace(day=1) - timedelta(days=335)).replace(day=1)
    return Scope(scope.office_ids, start, scope.end, scope.unit_id, scope.category_id)


def chart(
    db: Session,
    principal: Principal,
    scope: Scope,
    name: str,
    *,
    title: str,
    words: Mapping[str, str] | None = None,
    chart_words: tuple[str, str] = CHART_WORDS,
) -> str:
    """One chart of the dashboard as SVG: received and answered over the period ("daily"),
    CSAT over the twelve months up to its end ("trend") or the ten categories most voices
    came in ("categories"). ``words`` gives the reader's words for the chart's Korean ones
    (the series 접수 and 답변, 미분류) and ``chart_words`` the chart's own (``CHART_WORDS``)."""
    say = words or {}
    if name == "daily":
        rows = dashboard.chart_rows(db, scope)
        labels, series = dashboard.volume_series(rows, scope.start, scope.end)
        named = {say.get(key, key): values for key, values in series.items()}
        return line_svg(labels, named, title=title, words=chart_words)
    if name == "trend":
        trend = dashboard.monthly_csat(db, trend_scope(scope))
        values = [score.csat.value or 0.0 for _, score in trend]
        months = [month for month, _ in trend]
        return line_svg(months, {"CSAT": values}, title=title, words=chart_words)
    if name == "categories":
        top = dashboard.counts_by(db, scope, "category_id")[:10]
        shown = names(db, principal)
        shown.uncategorised = say.get("미분류", shown.uncategorised)
        labels = [shown.of("category", k) for k, _ in top]
        return bar_svg(labels, [n for _, n in top], title=title, words=chart_words)
    raise ValueError(f"unknown chart: {name}")
