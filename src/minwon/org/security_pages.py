"""The admin's sign-in security page /admin/security: which roles must use two-factor
sign-in, locked accounts (unlock), staff whose phone is lost (reset two-factor), the throttle
counters (clear after an incident), every sign-in attempt and every change to who may do
what. Thin: parse, call the services, render."""

from fastapi import APIRouter, Request
from fastapi.responses import Response

from minwon.org import admin_security, service, signin, twofactor
from minwon.org.pages import PageAdmin
from minwon.org.roles import ROLES
from minwon.timeutil import utcnow
from minwon.web.deps import CsrfDep, DbId, SessionDep
from minwon.web.pages import FormDep, flash, redirect, tr
from minwon.web.templating import render
from minwon.web.text_route import TextRoute
from minwon.web.throttle import throttle_of

router = APIRouter(route_class=TextRoute, include_in_schema=False)
SHOWN = 200
ACTIONS = (
    "staff_created",
    "staff_changed",
    "password_changed",
    "totp_enabled",
    "totp_disabled",
    "totp_reset",
    "recovery_renewed",
    "locked",
    "unlocked",
    "totp_policy",
    "token_issued",
    "token_revoked",
    "throttle_cleared",
    "signed_everyone_out",
)
"""Audited changes, each shown with its ``sec_action_<code>`` text."""


def _role_labels(request: Request) -> dict[str, str]:
    """Every role's name in the request's language."""
    return {role: tr(request, f"role_{role}") for role in ROLES}


@router.get("/admin/security")
def security_page(
    request: Request, db: SessionDep, principal: PageAdmin, result: str = ""
) -> Response:
    """The sign-in security of the whole deployment, newest events first."""
    now = utcnow()
    wanted = result if result in signin.RESULTS else ""
    role_labels = _role_labels(request)
    staff = service.list_staff(db_session=db, principal=principal)
    return render(
        request,
        "admin_security.html",
        now=now,
        roles=list(role_labels.items()),
        required=twofactor.required_roles(db_session=db),
        locked=signin.locked_accounts(db_session=db, now=now),
        with_totp=[s for s in staff if s.totp_enabled_at is not None],
        without_totp=admin_security.missing_totp(db, staff),
        unreadable_totp=twofactor.unreadable(staff),
        attempts=signin.history(db_session=db, result=wanted or None, limit=SHOWN),
        result=wanted,
        result_labels={code: tr(request, f"signin_{code}") for code in signin.RESULTS},
        events=signin.audit_events(db_session=db, limit=SHOWN),
        action_labels={code: tr(request, f"sec_action_{code}") for code in ACTIONS},
        role_labels=role_labels,
    )


@router.post("/admin/security/totp-roles", dependencies=[CsrfDep])
def set_totp_roles(
    request: Request, db: SessionDep, principal: PageAdmin, form: FormDep
) -> Response:
    """Decide which roles must use two-factor sign-in (their members set it up at their next
    sign-in)."""
    roles = [role for role in ROLES if form.get(f"role_{role}") == "on"]
    chosen = admin_security.set_totp_roles(db, principal=principal, roles=roles, now=utcnow())
    db.commit()
    labels = _role_labels(request)
    names = ", ".join(labels[r] for r in ROLES if r in chosen) or tr(request, "sec_none")
    flash(request, tr(request, "sec_roles_saved", names=names))
    return redirect("/admin/security")


@router.post("/admin/security/unlock/{staff_id}", dependencies=[CsrfDep])
def unlock(request: Request, db: SessionDep, principal: PageAdmin, staff_id: DbId) -> Response:
    """End a staff member's lock and delays at once."""
    staff = service.get_staff(db_session=db, staff_id=staff_id)
    admin_security.unlock(db, principal=principal, staff=staff, now=utcnow())
    db.commit()
    flash(request, tr(request, "sec_unlocked_flash", name=staff.name, login=staff.login))
    return redirect("/admin/security")


@router.post("/admin/security/totp-reset/{staff_id}", dependencies=[CsrfDep])
def reset_totp(request: Request, db: SessionDep, principal: PageAdmin, staff_id: DbId) -> Response:
    """Turn a staff member's two-factor off (a lost or replaced phone) and sign them out; a
    role that requires it sets it up again at the next sign-in."""
    staff = service.get_staff(db_session=db, staff_id=staff_id)
    admin_security.reset_totp(db, principal=principal, staff=staff, now=utcnow())
    db.commit()
    flash(request, tr(request, "sec_totp_reset_flash", name=staff.name, login=staff.login))
    return redirect("/admin/security")


@router.post("/admin/security/throttle-reset", dependencies=[CsrfDep])
def clear_throttle(request: Request, db: SessionDep, principal: PageAdmin) -> Response:
    """Forget every throttle counter (logins, tracking, survey codes, public forms), e.g. once
    an attack has been blocked upstream and an office's shared address is locked out."""
    admin_security.clear_throttle(
        db, principal=principal, throttle=throttle_of(request), now=utcnow()
    )
    db.commit()
    flash(request, tr(request, "sec_throttle_cleared_flash"))
    return redirect("/admin/security")
