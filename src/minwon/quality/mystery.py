"""Mystery visits and calls (친절 모니터링): the CS manager plans one — the unit (and, if
wanted, the officer), visit or call, the scenario the observer plays, the days it may happen on
and the observer — and the observer records the checklist on a phone. The unit then sees the
result; who observed stays between the observer, the CS manager and admins."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from minwon.errors import Conflict, Forbidden, Invalid, NotFound
from minwon.org import service as org_service
from minwon.org.roles import ADMIN, CS_MANAGER, Principal
from minwon.quality import checklists, checks
from minwon.quality.defaults import CHANNELS
from minwon.quality.models import MysteryVisit, QualityCheck

STATUSES = {"planned": "예정", "done": "완료", "cancelled": "취소"}
MAX_SCENARIO = 2000
MAX_WINDOW_DAYS = 92


@dataclass(frozen=True)
class VisitIn:
    """A mystery visit or call as the CS manager plans it."""

    unit: str
    channel: str
    scenario: str
    window_start: date
    window_end: date
    officer: str | None = None
    observer: str | None = None


def is_planner(principal: Principal) -> bool:
    """CS managers (of their office) and admins plan mystery visits and see who observed."""
    return principal.role in (CS_MANAGER, ADMIN)


def plan(db: Session, *, principal: Principal, data: VisitIn, today: date) -> MysteryVisit:
    """Plan a mystery visit or call of a unit of the caller's office (CS manager, admin)."""
    if not is_planner(principal):
        raise Forbidden("암행 점검은 CS 담당이 계획합니다.")
    if data.channel not in CHANNELS:
        raise Invalid("방문 또는 전화를 고르세요.", field="channel")
    scenario = data.scenario.strip()
    if not scenario or len(scenario) > MAX_SCENARIO:
        raise Invalid(f"상황(시나리오)은 1~{MAX_SCENARIO:,}자여야 합니다.", field="scenario")
    if data.window_end < data.window_start:
        raise Invalid("기간의 끝이 시작보다 앞섭니다.", field="window_end")
    if data.window_end < today:
        raise Invalid("이미 지난 기간입니다.", field="window_end")
    if (data.window_end - data.window_start).days > MAX_WINDOW_DAYS:
        raise Invalid(f"기간은 {MAX_WINDOW_DAYS}일을 넘을 수 없습니다.", field="window_end")
    unit = org_service.find_unit_for(db_session=db, principal=principal, ref=data.unit)
    officer = observer = None
    if data.officer:
        officer = org_service.staff_by_login(db_session=db, login=data.officer)
        if officer.unit_id != unit.id:
            raise Invalid("직원이 고른 부서에 속해 있지 않습니다.", field="officer")
    if data.observer:
        observer = org_service.staff_by_login(db_session=db, login=data.observer)
        same_org = observer.office_id is None or (
            org_service.get_office(db_session=db, office_id=observer.office_id).organization_id
            == org_service.get_office(db_session=db, office_id=unit.office_id).organization_id
        )
        if not observer.active or not same_org:
            raise Invalid("관찰자를 찾을 수 없습니다.", field="observer")
        if observer.unit_id == unit.id:
            raise Invalid("관찰자는 점검받는 부서 밖의 사람이어야 합니다.", field="observer")
    visit = MysteryVisit(
        office_id=unit.office_id,
        unit_id=unit.id,
        officer_id=officer.id if officer else None,
        channel=data.channel,
        scenario=scenario,
        window_start=data.window_start,
        window_end=data.window_end,
        observer_id=observer.id if observer else principal.staff_id,
        status="planned",
        planned_by_id=principal.staff_id,
    )
    db.add(visit)
    db.flush()
    return visit


def _sees(principal: Principal, visit: MysteryVisit) -> bool:
    if principal.role == ADMIN:
        return True
    if principal.staff_id is not None and visit.observer_id == principal.staff_id:
        return True
    return principal.role == CS_MANAGER and principal.office_id == visit.office_id


def get(db: Session, *, principal: Principal, visit_id: int) -> MysteryVisit:
    """A visit the caller plans or observes (units never see plans: it would spoil them)."""
    visit = db.get(MysteryVisit, visit_id)
    if visit is None or not _sees(principal, visit):
        raise NotFound("암행 점검 계획을 찾을 수 없습니다.")
    return visit


def list_visits(
    db: Session, *, principal: Principal, status: str | None = None
) -> list[MysteryVisit]:
    """The visits a CS manager planned for the office (all for admins), or an observer's own."""
    query = select(MysteryVisit)
    if principal.role == ADMIN:
        pass
    elif principal.role == CS_MANAGER:
        query = query.where(
            (MysteryVisit.office_id == principal.office_id)
            | (MysteryVisit.observer_id == principal.staff_id)
        )
    else:
        query = query.where(MysteryVisit.observer_id == principal.staff_id)
    if status:
        query = query.where(MysteryVisit.status == status)
    order = (MysteryVisit.window_start.desc(), MysteryVisit.id.desc())
    return list(db.scalars(query.order_by(*order)))


def record(
    db: Session,
    *,
    principal: Principal,
    visit_id: int,
    marks: list[checks.Mark],
    note: str,
    checked_on: date | None,
    today: date,
) -> QualityCheck:
    """The observer (or the CS manager) records the visit's checklist; the visit is done."""
    visit = get(db, principal=principal, visit_id=visit_id)
    if visit.status != "planned":
        raise Conflict("이미 기록했거나 취소된 점검입니다.")
    on = checked_on or today
    if not visit.window_start <= on <= visit.window_end:
        raise Invalid(
            f"점검일은 {visit.window_start}~{visit.window_end} 사이여야 합니다.", field="checked_on"
        )
    template = checklists.template_for_channel(db, principal=principal, channel=visit.channel)
    unit = org_service.get_unit(db_session=db, unit_id=visit.unit_id)
    officer = (
        org_service.get_staff(db_session=db, staff_id=visit.officer_id)
        if visit.officer_id
        else None
    )
    check = checks.record(
        db,
        principal=_as_office_staff(principal, visit.office_id),
        data=checks.CheckIn(
            kind="mystery",
            template_id=template.id,
            target="officer" if officer else ("counter" if unit.is_front_desk else "unit"),
            unit=unit.code,
            officer=officer.login if officer else None,
            checked_on=on,
            note=note,
            marks=marks,
        ),
        today=today,
        visit_id=visit.id,
    )
    visit.status = "done"
    db.flush()
    return check


def _as_office_staff(principal: Principal, office_id: int) -> Principal:
    """The observer acting within the visited office (an observer may come from another
    office of the organisation; the plan is what lets them in)."""
    return Principal(
        principal.staff_id,
        principal.login,
        principal.name,
        principal.role,
        office_id,
        principal.unit_id,
    )


def cancel(db: Session, *, principal: Principal, visit_id: int) -> MysteryVisit:
    """Cancel a planned visit (CS manager, admin)."""
    visit = get(db, principal=principal, visit_id=visit_id)
    if not is_planner(principal) or (
        principal.role == CS_MANAGER and principal.office_id != visit.office_id
    ):
        raise Forbidden("암행 점검은 CS 담당이 취소합니다.")
    if visit.status != "planned":
        raise Conflict("예정된 점검만 취소할 수 있습니다.")
    visit.status = "cancelled"
    db.flush()
    return visit


def check_of(db: Session, visit_id: int) -> QualityCheck | None:
    """The check recorded on a visit, if any."""
    return db.scalars(select(QualityCheck).where(QualityCheck.visit_id == visit_id)).first()
