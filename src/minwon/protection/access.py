"""Who may do what in staff protection and role-play: office scoping, and the rule that staff
identities in incident records are seen only by the unit lead, the CS manager and the admin."""

from minwon.errors import Forbidden, NotFound
from minwon.org.roles import ADMIN, CS_MANAGER, HQ_ANALYST, UNIT_LEAD, WRITERS, Principal

MANAGERS = frozenset({CS_MANAGER, ADMIN})


def require_staff(principal: Principal) -> None:
    """Protection and practice pages are for staff only."""
    if not principal.is_staff:
        raise Forbidden("직원만 볼 수 있습니다.")


def require_writer(principal: Principal) -> None:
    """Recording incidents and sessions: officers, unit leads, CS managers, admins."""
    if principal.role not in WRITERS:
        raise Forbidden("이 역할로는 기록할 수 없습니다.")


def require_manager(principal: Principal) -> None:
    """Office settings and suspensions: the CS manager of the office, or an admin."""
    if principal.role not in MANAGERS:
        raise Forbidden("이 작업은 CS 담당이나 관리자만 할 수 있습니다.")


def in_office(principal: Principal, office_id: int) -> bool:
    """Whether a row of ``office_id`` lies within the caller's offices."""
    return principal.all_offices or principal.office_id == office_id


def check_office(principal: Principal, office_id: int, what: str) -> None:
    """A row of another office is simply not found (ids leak nothing)."""
    if not in_office(principal, office_id):
        raise NotFound(f"{what}을(를) 찾을 수 없습니다.")


def sees_incident_staff(principal: Principal, office_id: int, unit_id: int) -> bool:
    """Staff identities of an incident: the lead of its unit, the office's CS manager, an
    admin; everyone else (the officers, other units' leads, HQ) sees them redacted."""
    if principal.role == ADMIN:
        return True
    if principal.role == HQ_ANALYST or principal.office_id != office_id:
        return False
    if principal.role == CS_MANAGER:
        return True
    return principal.role == UNIT_LEAD and principal.unit_id == unit_id


def may_edit_incident(principal: Principal, office_id: int, unit_id: int) -> bool:
    """Measures, report and support are updated by those who see the identities."""
    return sees_incident_staff(principal, office_id, unit_id)
