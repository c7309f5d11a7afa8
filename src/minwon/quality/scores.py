"""Scores of the checks a caller may see: compliance (items met of items marked) per month,
unit, officer and item, the items most often missed, and how well each unit kept its promise
(the promise item of checks, and survey answers to a ``promise`` yes/no question). Groups
with fewer than ``MIN_CHECKS`` checks are shown as small samples, as the rankings show units
with few answers."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from minwon.org.models import Staff, Unit
from minwon.org.roles import Principal
from minwon.quality import checks
from minwon.quality.models import ChecklistItem, CheckResult, QualityCheck
from minwon.surveys.models import SurveyResponse

MIN_CHECKS = 3
"""Below this many checks a score is a small sample: shown, flagged, never ranked."""
PROMISE_QUESTION = "promise"
"""The key of a survey's yes/no question asking whether the unit kept its promise."""


@dataclass
class Rate:
    """Items (or checks) met of those marked."""

    met: int = 0
    total: int = 0
    checks: int = 0

    @property
    def share(self) -> float | None:
        """Met of marked, out of 100 (None when nothing was marked)."""
        return round(100 * self.met / self.total, 1) if self.total else None

    @property
    def small(self) -> bool:
        """Too few checks to read much into."""
        return self.checks < MIN_CHECKS


@dataclass
class Row:
    """One group's compliance: a month, a unit, an officer or an item."""

    key: str
    label: str
    rate: Rate
    extra: str = ""


@dataclass
class Summary:
    """Everything the quality page, the API and the monthly report show."""

    checks: int = 0
    overall: Rate = field(default_factory=Rate)
    months: list[Row] = field(default_factory=list)
    kinds: list[Row] = field(default_factory=list)
    units: list[Row] = field(default_factory=list)
    officers: list[Row] = field(default_factory=list)
    items: list[Row] = field(default_factory=list)
    missed: list[Row] = field(default_factory=list)
    promise: Rate = field(default_factory=Rate)
    promise_units: list[Row] = field(default_factory=list)
    survey_promise: Rate = field(default_factory=Rate)
    mystery: Rate = field(default_factory=Rate)


def _add(rate: Rate, met: int, total: int) -> None:
    rate.met += met
    rate.total += total
    rate.checks += 1


def summarize(
    db: Session,
    *,
    principal: Principal,
    first: date,
    last: date,
    unit_id: int | None = None,
    officer_id: int | None = None,
    kind: str | None = None,
    office_ids: tuple[int, ...] | None = None,
) -> Summary:
    """Compliance of the checks the caller sees between two days (inclusive), of some offices
    only when ``office_ids`` is given."""
    query = select(QualityCheck).where(
        checks.visible(principal),  # type: ignore[arg-type]
        QualityCheck.checked_on >= first,
        QualityCheck.checked_on <= last,
    )
    if unit_id is not None:
        query = query.where(QualityCheck.unit_id == unit_id)
    if officer_id is not None:
        query = query.where(QualityCheck.officer_id == officer_id)
    if kind:
        query = query.where(QualityCheck.kind == kind)
    if office_ids is not None:
        query = query.where(QualityCheck.office_id.in_(office_ids or (0,)))
    found = list(db.scalars(query))
    out = Summary(checks=len(found))
    months: dict[str, Rate] = defaultdict(Rate)
    kinds: dict[str, Rate] = defaultdict(Rate)
    units: dict[int, Rate] = defaultdict(Rate)
    officers: dict[int, Rate] = defaultdict(Rate)
    for c in found:
        _add(out.overall, c.met, c.total)
        _add(months[c.checked_on.strftime("%Y-%m")], c.met, c.total)
        _add(kinds[c.kind], c.met, c.total)
        _add(units[c.unit_id], c.met, c.total)
        if c.officer_id is not None:
            _add(officers[c.officer_id], c.met, c.total)
        if c.kind == "mystery":
            _add(out.mystery, c.met, c.total)
    out.months = [Row(m, m, r) for m, r in sorted(months.items())]
    out.kinds = [Row(k, checks.KINDS[k], r) for k, r in sorted(kinds.items())]
    unit_names = _unit_names(db, set(units))
    out.units = _ranked([Row(str(u), unit_names.get(u, "?"), r) for u, r in units.items()])
    if checks.may_see_names(principal):
        staff = _staff(db, set(officers))
        out.officers = _ranked(
            [
                Row(
                    str(s),
                    staff[s].name if s in staff else "?",
                    r,
                    unit_names.get(staff[s].unit_id or 0, "") if s in staff else "",
                )
                for s, r in officers.items()
            ]
        )
    _items_and_promise(db, out, [c.id for c in found], {c.id: c.unit_id for c in found})
    out.promise_units = _ranked(
        [Row(k, unit_names.get(int(k), "?"), r) for k, r in _promise_by_unit(db, found).items()]
    )
    offices = _office_ids(principal) if office_ids is None else set(office_ids)
    out.survey_promise = survey_promise(
        db, office_ids=offices, first=first, last=last, unit_id=unit_id
    )
    return out


def _ranked(rows: list[Row]) -> list[Row]:
    """Enough checks first, best first; then the small samples."""
    return sorted(rows, key=lambda r: (r.rate.small, -(r.rate.share or 0), r.label))


def _unit_names(db: Session, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    return {u.id: u.name for u in db.scalars(select(Unit).where(Unit.id.in_(ids)))}


def _staff(db: Session, ids: set[int]) -> dict[int, Staff]:
    if not ids:
        return {}
    return {s.id: s for s in db.scalars(select(Staff).where(Staff.id.in_(ids)))}


def _items_and_promise(
    db: Session, out: Summary, check_ids: list[int], units_of: dict[int, int]
) -> None:
    """Per item compliance (by the item's words today) and the items most often missed."""
    per_item: dict[int, Rate] = defaultdict(Rate)
    for start in range(0, len(check_ids), 500):
        chunk = check_ids[start : start + 500]
        for r in db.scalars(select(CheckResult).where(CheckResult.check_id.in_(chunk))):
            _add(per_item[r.item_id], int(r.met), 1)
            if r.is_promise:
                _add(out.promise, int(r.met), 1)
    if not per_item:
        return
    items = {
        i.id: i for i in db.scalars(select(ChecklistItem).where(ChecklistItem.id.in_(per_item)))
    }
    rows = [
        Row(str(i), items[i].text if i in items else "?", r, items[i].stage if i in items else "")
        for i, r in per_item.items()
    ]
    out.items = sorted(rows, key=lambda r: (r.extra, -(r.rate.share or 0)))
    missing = [r for r in rows if r.rate.met < r.rate.total]
    out.missed = sorted(missing, key=lambda r: (r.rate.share or 0, -r.rate.total))[:5]


def _promise_by_unit(db: Session, found: list[QualityCheck]) -> dict[str, Rate]:
    """How often each unit kept its promise on the checks that asked."""
    ids = [c.id for c in found if c.promise_text]
    units_of = {c.id: c.unit_id for c in found}
    rates: dict[str, Rate] = defaultdict(Rate)
    for start in range(0, len(ids), 500):
        query = select(CheckResult).where(
            CheckResult.check_id.in_(ids[start : start + 500]), CheckResult.is_promise.is_(True)
        )
        for r in db.scalars(query):
            _add(rates[str(units_of[r.check_id])], int(r.met), 1)
    return rates


def _office_ids(principal: Principal) -> set[int] | None:
    if principal.all_offices:
        return None
    return {principal.office_id} if principal.office_id is not None else set()


def survey_promise(
    db: Session,
    *,
    office_ids: set[int] | None,
    first: date,
    last: date,
    unit_id: int | None = None,
) -> Rate:
    """Citizens' yes/no answers to the survey's promise question (key ``promise``)."""
    from datetime import datetime, time, timedelta

    from minwon.timeutil import KST

    start = datetime.combine(first, time(0), tzinfo=KST)
    end = datetime.combine(last + timedelta(days=1), time(0), tzinfo=KST)
    query = select(SurveyResponse.answers).where(
        SurveyResponse.submitted_at >= start, SurveyResponse.submitted_at < end
    )
    if office_ids is not None:
        query = query.where(SurveyResponse.office_id.in_(office_ids or {0}))
    if unit_id is not None:
        query = query.where(SurveyResponse.unit_id == unit_id)
    rate = Rate()
    for answers in db.scalars(query):
        value = (answers or {}).get(PROMISE_QUESTION)
        if isinstance(value, bool):
            _add(rate, int(value), 1)
    return rate
