"""Each unit's one distinctive service promise (e.g. "we see every visitor out to the door"):
the unit lead states it for their unit, the CS manager for any unit of the office; a new
promise ends the one before, so the history of promises stays."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from minwon.errors import Forbidden, Invalid, NotFound
from minwon.org import service as org_service
from minwon.org.models import Unit
from minwon.org.roles import ADMIN, CS_MANAGER, UNIT_LEAD, Principal
from minwon.quality.models import UnitPromise

MAX_PROMISE = 300


def unit_in_scope(db: Session, *, principal: Principal, unit_id: int) -> Unit:
    """A unit of the caller's office (any office for admins and HQ), else NotFound."""
    unit = db.get(Unit, unit_id)
    if unit is None or (not principal.all_offices and unit.office_id != principal.office_id):
        raise NotFound("부서를 찾을 수 없습니다.", field="unit")
    return unit


def current(db: Session, *, unit_id: int, on: date) -> UnitPromise | None:
    """The promise a unit kept on a day, if it had one."""
    query = (
        select(UnitPromise)
        .where(UnitPromise.unit_id == unit_id, UnitPromise.since <= on)
        .where((UnitPromise.until.is_(None)) | (UnitPromise.until > on))
        .order_by(UnitPromise.since.desc(), UnitPromise.id.desc())
    )
    return db.scalars(query).first()


def history(db: Session, *, principal: Principal, unit_id: int) -> list[UnitPromise]:
    """Every promise of a unit, newest first."""
    unit_in_scope(db, principal=principal, unit_id=unit_id)
    query = select(UnitPromise).where(UnitPromise.unit_id == unit_id)
    return list(db.scalars(query.order_by(UnitPromise.since.desc(), UnitPromise.id.desc())))


def of_units(db: Session, *, unit_ids: list[int], on: date) -> dict[int, UnitPromise]:
    """The promise each unit keeps on a day (units without one left out)."""
    found: dict[int, UnitPromise] = {}
    for unit_id in unit_ids:
        promise = current(db, unit_id=unit_id, on=on)
        if promise is not None:
            found[unit_id] = promise
    return found


def may_set(principal: Principal, unit: Unit) -> bool:
    """The unit's lead, the office's CS manager and admins state a unit's promise."""
    if principal.role == ADMIN:
        return True
    if principal.office_id != unit.office_id:
        return False
    return principal.role == CS_MANAGER or (
        principal.role == UNIT_LEAD and principal.unit_id == unit.id
    )


def set_promise(
    db: Session, *, principal: Principal, unit_ref: str, text: str, since: date
) -> UnitPromise:
    """State a unit's promise from ``since``; the promise before ends that day."""
    unit = org_service.find_unit_for(db_session=db, principal=principal, ref=unit_ref)
    if not may_set(principal, unit):
        raise Forbidden("약속은 그 부서의 팀장이나 CS 담당이 정합니다.")
    text = " ".join(text.split())
    if not text or len(text) > MAX_PROMISE:
        raise Invalid(f"약속은 1~{MAX_PROMISE}자여야 합니다.", field="text")
    before = [
        p
        for p in db.scalars(select(UnitPromise).where(UnitPromise.unit_id == unit.id))
        if p.until is None or p.until > since
    ]
    for old in before:
        if old.since >= since:
            raise Invalid("그날 이후에 시작한 약속이 이미 있습니다.", field="since")
        old.until = since
    promise = UnitPromise(
        unit_id=unit.id, text=text, since=since, until=None, set_by_id=principal.staff_id
    )
    db.add(promise)
    db.flush()
    return promise
