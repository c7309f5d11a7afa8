"""Each role's first screen after logging in: what to do next, read through the services the
other pages use. A unit lead sees the drafts to approve and the overdue voices of the unit; an
officer their assigned voices and today's outreach against the target; a CS manager this
month's satisfaction and the drivers that go with the lowest scores; an HQ analyst (and an
admin) the offices' standings."""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy.orm import Session

from minwon.org import service as org_service
from minwon.org.roles import CS_MANAGER, OFFICER, UNIT_LEAD, Principal
from minwon.outreach import service as outreach_service
from minwon.outreach.targets import Progress
from minwon.reports import dashboard
from minwon.reports.dashboard import Scope, Standing
from minwon.surveys import overview
from minwon.surveys.drivers import Driver
from minwon.surveys.scores import Score
from minwon.timeutil import to_kst, utcnow
from minwon.voices import queries, todo
from minwon.voices.todo import Waiting

WORST_DRIVERS = 3
"""How many of the drivers with the lowest scores the CS manager's first screen names."""


@dataclass(frozen=True)
class FirstScreen:
    """What one role's first screen shows; the parts a role does not see stay None/empty."""

    role: str
    today: date
    approval: Waiting | None = None
    overdue: Waiting | None = None
    assigned: Waiting | None = None
    outreach: Progress | None = None
    month_start: date | None = None
    month: Score | None = None
    worst: list[Driver] = field(default_factory=list)
    since: date | None = None
    standings: list[Standing] = field(default_factory=list)
    office_names: dict[Hashable, str] = field(default_factory=dict)


def twelve_months_back(today: date) -> date:
    """The first day of the month eleven months before ``today``'s (the survey page's period)."""
    months = today.year * 12 + today.month - 1 - 11
    return date(months // 12, months % 12 + 1, 1)


def first_screen(db: Session, principal: Principal, today: date | None = None) -> FirstScreen:
    """The caller's to-do: what the first screen of their role shows."""
    today = today or to_kst(utcnow()).date()
    if principal.role == UNIT_LEAD:
        return _lead(db, principal, today)
    if principal.role == OFFICER:
        return _officer(db, principal, today)
    if principal.role == CS_MANAGER:
        return _cs_manager(db, principal, today)
    return _standings(db, principal, today)


def _overdue(db: Session, principal: Principal, limit: int = 5) -> Waiting:
    unit = (
        org_service.get_unit(db_session=db, unit_id=principal.unit_id).code
        if principal.unit_id
        else None
    )
    flt = queries.LedgerFilter(overdue=True, sort="due", unit=unit)
    total = queries.count(db_session=db, principal=principal, flt=flt)
    rows, _ = queries.page(db_session=db, principal=principal, flt=flt, limit=limit)
    return Waiting(total, rows)


def _lead(db: Session, principal: Principal, today: date) -> FirstScreen:
    approval = todo.awaiting_approval(db_session=db, principal=principal)
    return FirstScreen(
        principal.role or "", today, approval=approval, overdue=_overdue(db, principal)
    )


def _officer(db: Session, principal: Principal, today: date) -> FirstScreen:
    assigned = todo.assigned_to(db_session=db, principal=principal)
    progress = (
        outreach_service.my_progress(db, principal=principal, today=today)
        if principal.unit_id
        else None
    )
    return FirstScreen(principal.role or "", today, assigned=assigned, outreach=progress)


def _cs_manager(db: Session, principal: Principal, today: date) -> FirstScreen:
    office_id = principal.office_id
    if office_id is None:
        return _standings(db, principal, today)
    month_start = today.replace(day=1)
    month = dashboard.satisfaction(db, Scope((office_id,), month_start, today))[None].score
    since = twelve_months_back(today)
    drivers = overview.driver_table(db, office_id=office_id, start=since, end=today)
    worst = sorted((d for d in drivers if d.diff is not None and d.diff < 0), key=_by_diff)
    return FirstScreen(
        principal.role or "",
        today,
        month_start=month_start,
        month=month,
        worst=worst[:WORST_DRIVERS],
        since=since,
    )


def _by_diff(driver: Driver) -> float:
    return driver.diff if driver.diff is not None else 0.0


def _standings(db: Session, principal: Principal, today: date) -> FirstScreen:
    since = twelve_months_back(today)
    offices = org_service.list_offices(db_session=db, principal=principal)
    ids = tuple(o.id for o in offices)
    standings = dashboard.ranking(db, Scope(ids, since, today), level="office") if ids else []
    return FirstScreen(
        principal.role or "",
        today,
        since=since,
        standings=standings,
        office_names={o.id: o.name for o in offices},
    )
