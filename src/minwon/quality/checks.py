"""Checks: an officer checks themself, a colleague observes a colleague, an observer records a
mystery visit or call; each item met or not with a note. Who sees what: the unit sees its own
checks, the CS manager and admins the office's, HQ every office's without names; on a mystery
check only the CS manager and admins ever learn who observed."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from minwon.errors import Forbidden, Invalid, InvalidFields, NotFound
from minwon.org import service as org_service
from minwon.org.models import Staff, Unit
from minwon.org.roles import ADMIN, CS_MANAGER, HQ_ANALYST, WRITERS, Principal
from minwon.quality import checklists, promises
from minwon.quality.models import CheckResult, QualityCheck

KINDS = {"self": "자가 점검", "peer": "동료 관찰", "mystery": "암행 점검"}
TARGETS = {"counter": "창구", "unit": "부서", "officer": "직원"}
MAX_NOTE = 1000


@dataclass(frozen=True)
class Mark:
    """One item as the checker marked it."""

    item_id: int
    met: bool
    note: str = ""


@dataclass(frozen=True)
class CheckIn:
    """A check as the form or the API sends it."""

    kind: str
    template_id: int
    target: str
    unit: str | None = None
    officer: str | None = None
    checked_on: date | None = None
    note: str = ""
    marks: list[Mark] = field(default_factory=list)


def sees_observer(principal: Principal, check: QualityCheck) -> bool:
    """Whether the caller may know who did a check: the checker themself; for a mystery check
    only the CS manager and admins; for self and peer checks anyone who sees names."""
    if principal.staff_id is not None and principal.staff_id == check.observer_id:
        return True
    if check.kind == "mystery":
        return principal.role in (CS_MANAGER, ADMIN)
    return principal.sees_personal_data


def visible(principal: Principal) -> object:
    """The SQL condition on ``QualityCheck`` for the checks the caller may see."""
    if principal.all_offices:
        return QualityCheck.id.is_not(None)
    if principal.role == CS_MANAGER:
        return QualityCheck.office_id == principal.office_id
    mine = QualityCheck.office_id == principal.office_id
    if principal.unit_id is None:
        return mine & (QualityCheck.observer_id == principal.staff_id)
    return mine & (
        (QualityCheck.unit_id == principal.unit_id)
        | (QualityCheck.observer_id == principal.staff_id)
    )


def get(db: Session, *, principal: Principal, check_id: int) -> QualityCheck:
    """A check the caller may see, else NotFound."""
    found = db.scalars(
        select(QualityCheck).where(QualityCheck.id == check_id, visible(principal))  # type: ignore[arg-type]
    ).first()
    if found is None:
        raise NotFound("점검 기록을 찾을 수 없습니다.")
    return found


def results(db: Session, check_id: int) -> list[CheckResult]:
    """A check's items as recorded."""
    query = select(CheckResult).where(CheckResult.check_id == check_id)
    return list(db.scalars(query.order_by(CheckResult.id)))


def list_checks(
    db: Session,
    *,
    principal: Principal,
    unit_id: int | None = None,
    kind: str | None = None,
    since: date | None = None,
    limit: int = 200,
) -> list[QualityCheck]:
    """The checks the caller may see, newest first."""
    query = select(QualityCheck).where(visible(principal))  # type: ignore[arg-type]
    if unit_id is not None:
        query = query.where(QualityCheck.unit_id == unit_id)
    if kind:
        query = query.where(QualityCheck.kind == kind)
    if since is not None:
        query = query.where(QualityCheck.checked_on >= since)
    order = (QualityCheck.checked_on.desc(), QualityCheck.id.desc())
    return list(db.scalars(query.order_by(*order).limit(limit)))


def _target(db: Session, principal: Principal, data: CheckIn) -> tuple[Unit, Staff | None]:
    """The unit and officer checked, both of the caller's office."""
    if data.kind == "self":
        if principal.unit_id is None or principal.staff_id is None:
            raise Invalid("자가 점검은 부서에 속한 직원이 합니다.", field="kind")
        me = org_service.get_staff(db_session=db, staff_id=principal.staff_id)
        return org_service.get_unit(db_session=db, unit_id=principal.unit_id), me
    officer = None
    if data.officer:
        officer = org_service.staff_by_login(db_session=db, login=data.officer)
        if officer.office_id != principal.office_id and not principal.all_offices:
            raise NotFound("직원을 찾을 수 없습니다.", field="officer")
    if data.unit:
        unit = org_service.find_unit_for(db_session=db, principal=principal, ref=data.unit)
    elif officer is not None and officer.unit_id is not None:
        unit = org_service.get_unit(db_session=db, unit_id=officer.unit_id)
    else:
        raise Invalid("점검할 부서를 고르세요.", field="unit")
    if officer is not None and officer.unit_id != unit.id:
        raise Invalid("직원이 고른 부서에 속해 있지 않습니다.", field="officer")
    if data.target == "officer" and officer is None:
        raise Invalid("점검할 직원을 고르세요.", field="officer")
    return unit, officer


def _marks(items: list, marks: list[Mark], *, has_promise: bool) -> dict[int, Mark]:
    """Every active item marked once (the promise item only if the unit has a promise)."""
    given = {m.item_id: m for m in marks}
    errors: dict[str, str] = {}
    for item in items:
        if item.is_promise and not has_promise:
            continue
        if item.id not in given:
            errors[f"item_{item.id}"] = f"'{item.text}' 항목을 표시하세요."
    known = {i.id for i in items}
    if set(given) - known:
        errors["marks"] = "이 점검표에 없는 항목이 있습니다."
    for mark in marks:
        if len(mark.note) > MAX_NOTE:
            errors[f"item_{mark.item_id}"] = f"메모는 {MAX_NOTE:,}자까지입니다."
    if errors:
        raise InvalidFields(errors)
    return given


def record(
    db: Session,
    *,
    principal: Principal,
    data: CheckIn,
    today: date,
    visit_id: int | None = None,
    office_id: int | None = None,
) -> QualityCheck:
    """Record a self or peer check (a mystery check comes through its visit); returns it with
    its score (items met of items marked)."""
    if principal.role not in WRITERS:
        raise Forbidden("점검은 직원이 기록합니다.")
    if data.kind not in KINDS or (data.kind == "mystery") != (visit_id is not None):
        raise Invalid(
            "점검 종류가 올바르지 않습니다 (암행 점검은 계획된 방문에서 기록).", field="kind"
        )
    if data.target not in TARGETS:
        raise Invalid("점검 대상이 올바르지 않습니다.", field="target")
    if len(data.note) > MAX_NOTE:
        raise Invalid(f"메모는 {MAX_NOTE:,}자까지입니다.", field="note")
    on = data.checked_on or today
    if on > today:
        raise Invalid("점검일은 오늘 이후일 수 없습니다.", field="checked_on")
    template = checklists.get_template(db, principal=principal, template_id=data.template_id)
    unit, officer = _target(db, principal, data)
    if data.kind == "peer" and officer is not None and officer.id == principal.staff_id:
        raise Invalid(
            "동료 관찰은 다른 직원을 점검합니다. 자신은 자가 점검으로 하세요.", field="officer"
        )
    promise = promises.current(db, unit_id=unit.id, on=on)
    items = checklists.items(db, template_id=template.id)
    given = _marks(items, data.marks, has_promise=promise is not None)
    check = QualityCheck(
        office_id=office_id or unit.office_id,
        template_id=template.id,
        kind=data.kind,
        target="officer" if data.kind == "self" else data.target,
        unit_id=unit.id,
        officer_id=officer.id if officer else None,
        observer_id=principal.staff_id,
        visit_id=visit_id,
        checked_on=on,
        promise_text=promise.text if promise else "",
        note=data.note.strip(),
    )
    db.add(check)
    db.flush()
    met = total = 0
    for item in items:
        mark = given.get(item.id)
        if mark is None:
            continue
        db.add(
            CheckResult(
                check_id=check.id,
                item_id=item.id,
                stage=item.stage,
                text=item.text,
                is_promise=item.is_promise,
                met=mark.met,
                note=mark.note.strip(),
            )
        )
        met, total = met + int(mark.met), total + 1
    check.met, check.total = met, total
    db.flush()
    return check


def score(check: QualityCheck) -> float | None:
    """A check's score out of 100 (items met of items marked)."""
    return round(100 * check.met / check.total, 1) if check.total else None


def may_see_names(principal: Principal) -> bool:
    """HQ analysts see no names of officers; everyone else sees their office's."""
    return principal.role != HQ_ANALYST
