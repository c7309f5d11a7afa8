"""Shapes the API and the pages share: a check with its results and the names the caller
may see, a template with its items, rates as rows."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy.orm import Session

from minwon.org.models import Staff, Unit
from minwon.org.roles import Principal
from minwon.quality import checklists, checks, mystery
from minwon.quality.defaults import STAGE_LABELS
from minwon.quality.models import ChecklistTemplate, MysteryVisit, QualityCheck, UnitPromise
from minwon.quality.schemas import (
    CheckRead,
    ItemRead,
    PromiseRead,
    RateRead,
    ResultRead,
    TemplateRead,
    VisitRead,
)
from minwon.quality.scores import Rate, Row
from minwon.timeutil import to_kst, utcnow


def today() -> date:
    """Today in Seoul."""
    return to_kst(utcnow()).date()


def months_back(on: date, months: int) -> date:
    """The first day of the month ``months - 1`` months before ``on``'s month."""
    year, month = on.year, on.month - (months - 1)
    while month < 1:
        year, month = year - 1, month + 12
    return date(year, month, 1)


def month_end(on: date) -> date:
    """The last day of ``on``'s month."""
    nxt = date(on.year + (on.month == 12), on.month % 12 + 1, 1)
    return nxt - timedelta(days=1)


def template_read(db: Session, template: ChecklistTemplate, with_retired: bool) -> TemplateRead:
    """A template with its items."""
    found = checklists.items(db, template_id=template.id, with_retired=with_retired)
    return TemplateRead(
        id=template.id,
        code=template.code,
        name=template.name,
        channel=template.channel,
        active=template.active,
        items=[
            ItemRead(
                id=i.id,
                stage=i.stage,
                stage_label=STAGE_LABELS.get(i.stage, i.stage),
                text=i.text,
                is_promise=i.is_promise,
                retired=i.retired_at is not None,
            )
            for i in found
        ],
    )


def _name(db: Session, staff_id: int | None) -> str | None:
    staff = db.get(Staff, staff_id) if staff_id else None
    return staff.name if staff else None


def _login(db: Session, staff_id: int | None) -> str | None:
    staff = db.get(Staff, staff_id) if staff_id else None
    return staff.login if staff else None


def check_read(db: Session, principal: Principal, check: QualityCheck) -> CheckRead:
    """A check as the caller may see it (observer only where allowed; no names for HQ)."""
    unit = db.get(Unit, check.unit_id)
    names = checks.may_see_names(principal)
    return CheckRead(
        id=check.id,
        kind=check.kind,
        target=check.target,
        unit=unit.code if unit else "",
        officer=_login(db, check.officer_id) if names else None,
        observer=_login(db, check.observer_id) if checks.sees_observer(principal, check) else None,
        checked_on=check.checked_on,
        score=checks.score(check),
        met=check.met,
        total=check.total,
        promise=check.promise_text,
        note=check.note,
        results=[
            ResultRead(
                item_id=r.item_id,
                stage=r.stage,
                text=r.text,
                is_promise=r.is_promise,
                met=r.met,
                note=r.note,
            )
            for r in checks.results(db, check.id)
        ],
    )


def visit_read(db: Session, visit: MysteryVisit) -> VisitRead:
    """A visit as its planner or observer sees it."""
    unit = db.get(Unit, visit.unit_id)
    done = mystery.check_of(db, visit.id)
    return VisitRead(
        id=visit.id,
        unit=unit.code if unit else "",
        officer=_login(db, visit.officer_id),
        channel=visit.channel,
        scenario=visit.scenario,
        window_start=visit.window_start,
        window_end=visit.window_end,
        observer=_login(db, visit.observer_id),
        status=visit.status,
        check_id=done.id if done else None,
    )


def promise_read(db: Session, promise: UnitPromise) -> PromiseRead:
    """A promise with its unit's code."""
    unit = db.get(Unit, promise.unit_id)
    return PromiseRead(
        id=promise.id,
        unit=unit.code if unit else "",
        text=promise.text,
        since=promise.since,
        until=promise.until,
    )


def rate_read(key: str, label: str, rate: Rate) -> RateRead:
    """A rate for the API."""
    return RateRead(
        key=key,
        label=label,
        share=rate.share,
        met=rate.met,
        total=rate.total,
        checks=rate.checks,
        small_sample=rate.small,
    )


def rows_read(rows: list[Row]) -> list[RateRead]:
    """Rows for the API."""
    return [rate_read(r.key, r.label, r.rate) for r in rows]
