"""Each office's protection settings: the recommended length of a call and of a visit (the
amendment's 응대 시간 권고, shown to staff) and the appeal contact shown to a suspended citizen."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from minwon.errors import Invalid
from minwon.org import service as org_service
from minwon.org.models import Office
from minwon.org.roles import Principal
from minwon.protection import access
from minwon.protection.models import OfficeProtection
from minwon.protection.schemas import OfficeSettingsIn

DEFAULT_CALL_MINUTES = 20
DEFAULT_VISIT_MINUTES = 60


@dataclass(frozen=True)
class OfficeSettings:
    """An office's settings, defaults filled in when it never set them."""

    office_id: int
    office_code: str
    office_name: str
    call_minutes: int
    visit_minutes: int
    appeal_contact: str
    updated_at: datetime | None


def for_office(db: Session, office_id: int) -> OfficeSettings:
    """The settings of ``office_id`` (defaults when none were saved)."""
    office = org_service.get_office(db_session=db, office_id=office_id)
    row = db.get(OfficeProtection, office_id)
    return OfficeSettings(
        office_id=office.id,
        office_code=office.code,
        office_name=office.name,
        call_minutes=row.call_minutes if row else DEFAULT_CALL_MINUTES,
        visit_minutes=row.visit_minutes if row else DEFAULT_VISIT_MINUTES,
        appeal_contact=row.appeal_contact if row else "",
        updated_at=row.updated_at if row else None,
    )


def appeal_path(db: Session, office_id: int) -> str:
    """Where a suspended citizen appeals: the office's stated contact, else its 민원실."""
    found = for_office(db, office_id)
    if found.appeal_contact:
        return found.appeal_contact
    return f"{found.office_name} 민원실에 방문·전화·서면으로 이의를 신청하실 수 있습니다."


def office_of(db: Session, principal: Principal, code: str = "") -> int:
    """The office a manager acts on: the named one (admins; or their own), else their own."""
    if code:
        office = db.scalar(select(Office).where(Office.code == code))
        if office is None or not access.in_office(principal, office.id):
            raise Invalid(f"기관을 찾을 수 없습니다: {code}", field="office")
        return office.id
    if principal.office_id is None:
        raise Invalid("기관(office)을 정해 주세요.", field="office")
    return principal.office_id


def save(
    *,
    db_session: Session,
    office_id: int,
    data: OfficeSettingsIn,
    principal: Principal,
    now: datetime,
) -> OfficeSettings:
    """Set an office's recommended lengths and appeal contact (its CS manager, an admin)."""
    access.require_manager(principal)
    access.check_office(principal, office_id, "기관")
    row = db_session.get(OfficeProtection, office_id)
    if row is None:
        row = OfficeProtection(office_id=office_id)
        db_session.add(row)
    row.call_minutes, row.visit_minutes = data.call_minutes, data.visit_minutes
    row.appeal_contact = data.appeal_contact
    row.updated_by_id, row.updated_at = principal.staff_id, now
    db_session.flush()
    return for_office(db_session, office_id)
