"""The admin's sign-in security actions, shared by /admin/security, /admin and the API: which
roles must use two-factor sign-in, signing everyone out, clearing the throttle, and who is
locked or lacks two-factor. Each action is recorded in the staff audit trail."""

from datetime import datetime

from sqlalchemy.orm import Session

from minwon.org import service, sessions, signin, twofactor
from minwon.org.models import Staff
from minwon.org.roles import ROLES, Principal
from minwon.web.throttle import Throttle


def set_totp_roles(
    db: Session, *, principal: Principal, roles: list[str], now: datetime
) -> frozenset[str]:
    """Decide which roles must use two-factor sign-in (admin); unknown roles are ignored, as
    the page's check boxes only name known ones. The new set, recorded."""
    service.require_admin(principal)
    chosen = twofactor.set_required_roles(db_session=db, roles=[r for r in roles if r in ROLES])
    signin.audit(
        db_session=db,
        action="totp_policy",
        staff=None,
        actor_id=principal.staff_id,
        now=now,
        detail={"roles": sorted(chosen)},
    )
    return chosen


def end_everyone(db: Session, *, principal: Principal, now: datetime) -> int:
    """Sign every staff member out at once, the admin included (admin); sessions ended."""
    service.require_admin(principal)
    ended = sessions.end_all_sessions(db_session=db, now=now, reason="everyone")
    signin.audit(
        db_session=db,
        action="signed_everyone_out",
        staff=None,
        actor_id=principal.staff_id,
        now=now,
        detail={"sessions": ended},
    )
    return ended


def clear_throttle(db: Session, *, principal: Principal, throttle: Throttle, now: datetime) -> None:
    """Forget every throttle counter (admin), recorded."""
    service.require_admin(principal)
    throttle.reset()
    signin.audit(
        db_session=db, action="throttle_cleared", staff=None, actor_id=principal.staff_id, now=now
    )


def unlock(db: Session, *, principal: Principal, staff: Staff, now: datetime) -> None:
    """End a staff member's lock and delays at once (admin)."""
    service.require_admin(principal)
    signin.unlock(db_session=db, staff=staff, actor_id=principal.staff_id, now=now)


def reset_totp(db: Session, *, principal: Principal, staff: Staff, now: datetime) -> None:
    """Turn a staff member's two-factor off and sign them out (admin)."""
    service.require_admin(principal)
    twofactor.reset(db_session=db, staff=staff, actor_id=principal.staff_id, now=now)


def missing_totp(db: Session, staff: list[Staff]) -> list[Staff]:
    """Active staff whose role requires two-factor but who have not set it up yet."""
    required = twofactor.required_roles(db_session=db)
    return [s for s in staff if s.active and s.role in required and s.totp_enabled_at is None]
