"""A staff member's own security page /account/security: change the password, turn two-factor
sign-in on or off, get new recovery codes, and see their own sign-in history (so that they
notice a sign-in that was not theirs)."""

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from minwon.db import restart_as_write
from minwon.errors import Invalid
from minwon.org import service, signin, twofactor
from minwon.org.models import Staff
from minwon.org.passwords import MIN_LENGTH
from minwon.org.roles import Principal
from minwon.org.security import verify_password
from minwon.org.signin_pages import totp_setup_page
from minwon.timeutil import utcnow
from minwon.web.deps import CsrfDep, SessionDep
from minwon.web.pages import FormDep, PageStaff, flash, redirect, said, tr
from minwon.web.templating import render
from minwon.web.text_route import TextRoute

router = APIRouter(route_class=TextRoute, include_in_schema=False)
HISTORY = 30
MAX_FIELD = 200


@router.get("/account/security")
def security_page(request: Request, db: SessionDep, principal: PageStaff) -> Response:
    """Password, two-factor state and the latest sign-ins of the caller."""
    return _page(request, db, principal)


@router.post("/account/password", dependencies=[CsrfDep])
def change_password(
    request: Request, db: SessionDep, principal: PageStaff, form: FormDep
) -> Response:
    """Change the caller's password (the current one first); every browser of theirs, this
    one included, is signed out and signs in again with the new one."""
    staff = _me(db, principal)
    current, new = form.get("current", "")[:MAX_FIELD], form.get("new", "")[:MAX_FIELD]
    errors: dict[str, str] = {}
    if not verify_password(staff.password_hash, current):
        errors["current"] = tr(request, "password_current_wrong")
    elif new != form.get("confirm", "")[:MAX_FIELD]:
        errors["confirm"] = tr(request, "password_confirm_differs")
    else:
        try:
            service.set_password(db_session=db, staff=staff, password=new)
        except Invalid as exc:
            errors["new"] = said(request, exc)
    if errors:
        db.rollback()
        return _page(request, db, principal, status=400, errors=errors)
    signin.audit(
        db_session=db, action="password_changed", staff=staff, actor_id=staff.id, now=utcnow()
    )
    db.commit()
    request.session.clear()
    flash(request, tr(request, "password_changed"))
    return redirect("/login")


@router.get("/account/totp")
def totp_setup(request: Request, db: SessionDep, principal: PageStaff) -> Response:
    """Set up an authenticator app: a fresh secret as a QR code, confirmed by a first code."""
    restart_as_write(db)
    staff = _me(db, principal)
    if staff.totp_enabled_at is not None:
        return redirect("/account/security")
    twofactor.offer_secret(staff)
    db.commit()
    return _setup_page(request, staff, 200, None)


@router.post("/account/totp", dependencies=[CsrfDep])
def totp_enable(request: Request, db: SessionDep, principal: PageStaff, form: FormDep) -> Response:
    """Turn two-factor on once a first code proves the app holds the secret; show the
    recovery codes once."""
    staff = _me(db, principal)
    if staff.totp_enabled_at is not None or not twofactor.secret_of(staff):
        return redirect("/account/security")
    now = utcnow()
    if not twofactor.confirms_setup(staff, form.get("code", "")[:40], now=now):
        return _setup_page(request, staff, 400, tr(request, "code_failed"))
    codes = twofactor.enable(db_session=db, staff=staff, now=now)
    db.commit()
    return _codes_page(request, codes)


@router.post("/account/totp/recovery", dependencies=[CsrfDep])
def new_recovery_codes(
    request: Request, db: SessionDep, principal: PageStaff, form: FormDep
) -> Response:
    """New recovery codes (the old ones stop working), after a current authenticator code."""
    staff = _me(db, principal)
    now = utcnow()
    if staff.totp_enabled_at is None or not twofactor.verify_code(
        staff, form.get("code", "")[:40], now=now
    ):
        db.rollback()
        return _page(request, db, principal, 400, {"code": tr(request, "code_failed")})
    codes = twofactor.new_recovery_codes(db_session=db, staff=staff)
    signin.audit(db_session=db, action="recovery_renewed", staff=staff, actor_id=staff.id, now=now)
    db.commit()
    return _codes_page(request, codes)


@router.post("/account/totp/off", dependencies=[CsrfDep])
def totp_disable(request: Request, db: SessionDep, principal: PageStaff, form: FormDep) -> Response:
    """Turn two-factor off with the current password, unless the caller's role requires it."""
    staff = _me(db, principal)
    if twofactor.is_required(db_session=db, staff=staff):
        return _page(request, db, principal, 400, {"off": tr(request, "totp_required_role")})
    if not verify_password(staff.password_hash, form.get("password", "")[:MAX_FIELD]):
        return _page(request, db, principal, 400, {"off": tr(request, "password_current_wrong")})
    twofactor.turn_off(db_session=db, staff=staff, now=utcnow())
    db.commit()
    flash(request, tr(request, "totp_disabled"))
    return redirect("/account/security")


def _me(db: Session, principal: Principal) -> Staff:
    return service.get_staff(db_session=db, staff_id=principal.staff_id or 0)


def _page(
    request: Request,
    db: Session,
    principal: Principal,
    status: int = 200,
    errors: dict[str, str] | None = None,
) -> Response:
    staff = _me(db, principal)
    return render(
        request,
        "account_security.html",
        status,
        staff=staff,
        errors=errors or {},
        min_length=MIN_LENGTH,
        required=twofactor.is_required(db_session=db, staff=staff),
        codes_left=twofactor.recovery_codes_left(db_session=db, staff_id=staff.id),
        attempts=signin.history(db_session=db, staff_id=staff.id, limit=HISTORY),
    )


def _setup_page(request: Request, staff: Staff, status: int, error: str | None) -> Response:
    return totp_setup_page(request, staff, status, error, action="/account/totp", required=False)


def _codes_page(request: Request, codes: list[str]) -> Response:
    return render(
        request,
        "recovery_codes.html",
        codes=[twofactor.format_recovery_code(c) for c in codes],
        next="/account/security",
    )
