"""The incident log of 특이·악성민원: record an incident, follow it up (measures, report to the
investigating authority, support to the officer), list and read it — with the staff involved
named only for the unit lead, the CS manager and the admin."""

from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from minwon.errors import Forbidden, Invalid, NotFound
from minwon.org import service as org_service
from minwon.org.models import Office, Staff, Unit
from minwon.org.roles import Principal
from minwon.protection import access
from minwon.protection.models import Incident, IncidentStaff
from minwon.protection.schemas import IncidentCreate, IncidentRead, IncidentUpdate
from minwon.timeutil import KST, as_aware, to_kst
from minwon.voices import service as voice_service

MAX_ID = 2**63
LIST_LIMIT = 200
CLOCK_SKEW = timedelta(minutes=5)


def create(
    *, db_session: Session, data: IncidentCreate, principal: Principal, now: datetime
) -> Incident:
    """Record an incident of a unit in the caller's office (any staff member who writes)."""
    access.require_writer(principal)
    unit = _unit(db_session, data.unit, principal)
    occurred = as_aware(data.occurred_at, KST)
    if occurred > now + CLOCK_SKEW:
        raise Invalid("발생 일시가 미래입니다.", field="occurred_at")
    if occurred.year < 2000:
        raise Invalid("발생 일시를 확인해 주세요.", field="occurred_at")
    staff = _staff(db_session, data.staff, unit.office_id)
    voice_id = _voice_id(db_session, data.voice, principal)
    incident = Incident(
        office_id=unit.office_id,
        unit_id=unit.id,
        occurred_at=occurred,
        place=data.place,
        channel=data.channel,
        what_happened=data.what_happened,
        voice_id=voice_id,
        created_by_id=principal.staff_id,
        created_at=now,
        updated_at=now,
    )
    _apply(incident, data)
    db_session.add(incident)
    db_session.flush()
    db_session.add_all(IncidentStaff(incident_id=incident.id, staff_id=s.id) for s in staff)
    db_session.flush()
    return incident


def _apply(incident: Incident, data: IncidentCreate | IncidentUpdate) -> None:
    incident.measures = list(dict.fromkeys(data.measures))
    incident.measures_note = data.measures_note
    incident.reported, incident.reported_note = data.reported, data.reported_note
    incident.support = list(dict.fromkeys(data.support))
    incident.support_note = data.support_note


def update(
    *,
    db_session: Session,
    incident_id: int,
    data: IncidentUpdate,
    principal: Principal,
    now: datetime,
) -> Incident:
    """Record the follow-up of an incident (its unit lead, the CS manager or an admin)."""
    incident = get(db_session=db_session, incident_id=incident_id, principal=principal)
    if not access.may_edit_incident(principal, incident.office_id, incident.unit_id):
        raise Forbidden("조치와 지원 내용은 부서장, CS 담당, 관리자만 고칠 수 있습니다.")
    _apply(incident, data)
    incident.updated_at = now
    db_session.flush()
    return incident


def _unit(db: Session, code: str, principal: Principal) -> Unit:
    unit = db.scalar(select(Unit).where(Unit.code == code))
    if unit is None or not access.in_office(principal, unit.office_id):
        raise Invalid(f"부서를 찾을 수 없습니다: {code}", field="unit")
    return unit


def _staff(db: Session, logins: list[str], office_id: int) -> list[Staff]:
    found = []
    for login in dict.fromkeys(x for x in logins if x):
        staff = db.scalar(select(Staff).where(Staff.login == login))
        if staff is None or staff.office_id != office_id:
            raise Invalid(f"이 기관의 직원이 아닙니다: {login}", field="staff")
        found.append(staff)
    return found


def _voice_id(db: Session, ledger_no: str, principal: Principal) -> int | None:
    if not ledger_no:
        return None
    try:
        voice = voice_service.get_by_ledger_no(
            db_session=db, ledger_no=ledger_no, principal=principal
        )
    except NotFound:
        raise Invalid(f"관련 민원을 찾을 수 없습니다: {ledger_no}", field="voice") from None
    return voice.id


def get(*, db_session: Session, incident_id: int, principal: Principal) -> Incident:
    """An incident of the caller's offices; one of another office is not found."""
    access.require_staff(principal)
    incident = db_session.get(Incident, incident_id) if 0 < incident_id < MAX_ID else None
    if incident is None or not access.in_office(principal, incident.office_id):
        raise NotFound("사건 기록을 찾을 수 없습니다.")
    return incident


def list_for(
    *, db_session: Session, principal: Principal, limit: int = LIST_LIMIT
) -> list[Incident]:
    """The incidents of the caller's offices, newest first."""
    access.require_staff(principal)
    query = select(Incident).order_by(Incident.occurred_at.desc(), Incident.id.desc())
    if not principal.all_offices:
        query = query.where(Incident.office_id == principal.office_id)
    return list(db_session.scalars(query.limit(limit)))


def read(db: Session, incident: Incident, principal: Principal) -> IncidentRead:
    """The incident as the caller may see it (staff named or redacted)."""
    unit = db.get_one(Unit, incident.unit_id)
    office = db.get_one(Office, incident.office_id)
    shown = access.sees_incident_staff(principal, incident.office_id, incident.unit_id)
    names = _names(db, incident) if shown else None
    recorder = db.get(Staff, incident.created_by_id) if incident.created_by_id else None
    ledger_no = (
        voice_service.ledger_no_of(db_session=db, voice_id=incident.voice_id)
        if incident.voice_id
        else None
    )
    return IncidentRead(
        id=incident.id,
        office=office.code,
        unit=unit.code,
        unit_name=unit.name,
        occurred_at=to_kst(incident.occurred_at),
        place=incident.place,
        channel=incident.channel,
        what_happened=incident.what_happened,
        voice=ledger_no,
        measures=list(incident.measures),  # type: ignore[arg-type]
        measures_note=incident.measures_note,
        reported=incident.reported,
        reported_note=incident.reported_note,
        support=list(incident.support),  # type: ignore[arg-type]
        support_note=incident.support_note,
        staff=names,
        recorded_by=recorder.name if (shown and recorder) else None,
        redacted=not shown,
        created_at=to_kst(incident.created_at),
        updated_at=to_kst(incident.updated_at),
    )


def _names(db: Session, incident: Incident) -> list[str]:
    query = (
        select(Staff.name)
        .join(IncidentStaff, IncidentStaff.staff_id == Staff.id)
        .where(IncidentStaff.incident_id == incident.id)
        .order_by(Staff.name)
    )
    return list(db.scalars(query))


def units_for(db: Session, principal: Principal) -> list[Unit]:
    """The units of the caller's office an incident may belong to."""
    if principal.office_id is None:
        return []
    return org_service.list_units(db_session=db, office_id=principal.office_id)


def unit_code(db: Session, unit_id: int) -> str:
    """The code of a unit (to preset the form with the caller's own)."""
    return org_service.get_unit(db_session=db, unit_id=unit_id).code


def staff_choices(db: Session, principal: Principal) -> list[Staff]:
    """The staff of the caller's office to name in a new incident."""
    if principal.office_id is None:
        return []
    return [
        s
        for u in org_service.list_units(db_session=db, office_id=principal.office_id)
        for s in org_service.unit_staff(db_session=db, unit_id=u.id)
    ]


def count_by_office(db: Session, office_id: int, since: datetime) -> int:
    """How many incidents an office recorded since ``since`` (for summaries)."""
    query = select(func.count(Incident.id)).where(
        Incident.office_id == office_id, Incident.occurred_at >= since
    )
    return db.scalar(query) or 0
