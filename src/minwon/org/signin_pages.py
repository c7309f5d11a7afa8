"""The staff sign-in pages: the password, then (when on or required) the authenticator code
or a recovery code, or the first set-up of the authenticator. Thin: throttle, call the
sign-in services, render.

Between the password and the second factor the browser's cookie holds only "password checked
for staff N at time T" (signed, five minutes); the session itself starts after the code.
"""

import secrets
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from minwon.org import sessions, signin, twofactor
from minwon.org.models import Staff
from minwon.surveys.qr import qr_svg
from minwon.timeutil import utcnow
from minwon.web.deps import CsrfDep, SessionDep, client_address
from minwon.web.pages import FormDep, PagePrincipal, flash, redirect, safe_next, tr
from minwon.web.templating import render
from minwon.web.text_route import TextRoute
from minwon.web.throttle import message as throttle_message
from minwon.web.throttle import throttle_of, with_retry_after

router = APIRouter(route_class=TextRoute, include_in_schema=False)
PENDING_SECONDS = 300
"""How long the password step stays valid while the person fetches their phone."""
MAX_CODE = 40


@router.get("/login")
def login_form(request: Request, principal: PagePrincipal, next: str = "/") -> Response:
    """The staff login form (already logged in: straight on)."""
    if principal.is_staff:
        return redirect(safe_next(next))
    return render(request, "login.html", next=safe_next(next), login="", error=None)


@router.post("/login", dependencies=[CsrfDep])
def login(request: Request, db: SessionDep, form: FormDep) -> Response:
    """Check the password. Over the per-login or per-address limit, or while the account waits
    after repeated failures, the answer is 429 without checking it. A right password signs in
    at once, or leads to the second factor when it is on or the role requires it."""
    login_name, target = form.get("login", "").strip(), safe_next(form.get("next"))
    request.state.principal = None
    wait = _throttled(request, login_name)
    if wait:
        return _login_page(request, 429, target, login_name, throttle_message(request, wait), wait)
    now = utcnow()
    attempt = signin.try_password(
        db_session=db,
        login=login_name,
        password=form.get("password", ""),
        now=now,
        policy=_policy(request),
        client=_client(request),
    )
    if attempt.wait:
        db.commit()
        message = throttle_message(request, attempt.wait)
        return _login_page(request, 429, target, login_name, message, attempt.wait)
    if attempt.staff is None:
        _count_failure(request, login_name)
        db.commit()
        return _login_page(request, 400, target, login_name, tr(request, "login_failed"))
    staff = attempt.staff
    if staff.totp_enabled_at is not None or twofactor.is_required(db_session=db, staff=staff):
        signin.log_attempt(
            db_session=db,
            login=staff.login,
            staff=staff,
            result="password_ok",
            now=now,
            client=_client(request),
        )
        db.commit()
        _hold(request, staff, target, now)
        return redirect("/login/code" if staff.totp_enabled_at else "/login/setup")
    return _sign_in(request, db, staff, target, now, "ok")


@router.get("/login/code")
def code_form(request: Request, db: SessionDep) -> Response:
    """The second step: the authenticator's six digits, or a recovery code."""
    staff = _held(request, db)
    if staff is None or staff.totp_enabled_at is None:
        return _expired(request)
    return _code_page(request, 200, staff, None)


@router.post("/login/code", dependencies=[CsrfDep])
def code_check(request: Request, db: SessionDep, form: FormDep) -> Response:
    """Check the code; a wrong one counts towards the account's delay and lock like a wrong
    password does, so the six digits cannot be guessed either."""
    staff = _held(request, db)
    if staff is None or staff.totp_enabled_at is None:
        return _expired(request)
    now, code = utcnow(), form.get("code", "").strip()[:MAX_CODE]
    wait = max(_throttled(request, staff.login), _account_wait(request, staff, now))
    if wait:
        return with_retry_after(
            _code_page(request, 429, staff, throttle_message(request, wait)), wait
        )
    if twofactor.verify_code(staff, code, now=now):
        return _sign_in(request, db, staff, _target(request), now, "ok")
    if twofactor.use_recovery_code(db_session=db, staff=staff, code=code, now=now):
        left = twofactor.recovery_codes_left(db_session=db, staff_id=staff.id)
        flash(request, tr(request, "recovery_used", left=left))
        return _sign_in(request, db, staff, _target(request), now, "ok_recovery")
    _code_failed(request, db, staff, now)
    db.commit()
    return _code_page(request, 400, staff, tr(request, "code_failed"))


@router.get("/login/setup")
def setup_form(request: Request, db: SessionDep) -> Response:
    """First sign-in of a role that must use two-factor: the QR code and the secret to enter
    in an authenticator app, and a field for the first code."""
    staff = _held(request, db)
    if staff is None or staff.totp_enabled_at is not None:
        return _expired(request)
    if not twofactor.secret_of(staff):
        twofactor.offer_secret(staff)
        db.commit()
    return _setup_page(request, 200, staff, None)


@router.post("/login/setup", dependencies=[CsrfDep])
def setup_confirm(request: Request, db: SessionDep, form: FormDep) -> Response:
    """Turn two-factor on once the first code proves the app holds the secret, sign in and
    show the recovery codes once."""
    staff = _held(request, db)
    if staff is None or staff.totp_enabled_at is not None or not twofactor.secret_of(staff):
        return _expired(request)
    now, code = utcnow(), form.get("code", "").strip()[:MAX_CODE]
    wait = max(_throttled(request, staff.login), _account_wait(request, staff, now))
    if wait:
        page = _setup_page(request, 429, staff, throttle_message(request, wait))
        return with_retry_after(page, wait)
    if not twofactor.confirms_setup(staff, code, now=now):
        _code_failed(request, db, staff, now)
        db.commit()
        return _setup_page(request, 400, staff, tr(request, "code_failed"))
    codes = twofactor.enable(db_session=db, staff=staff, now=now)
    target = _target(request)
    _sign_in(request, db, staff, target, now, "ok")
    return render(
        request,
        "recovery_codes.html",
        codes=[twofactor.format_recovery_code(c) for c in codes],
        next=target,
    )


def _sign_in(
    request: Request, db: Session, staff: Staff, target: str, now: datetime, result: str
) -> Response:
    """Complete a sign-in: end the browser's old session, start a fresh one (a new token,
    kept on the server) with a new CSRF token, and record it."""
    signin.record_success(staff=staff)
    client = _client(request)
    signin.log_attempt(
        db_session=db, login=staff.login, staff=staff, result=result, now=now, client=client
    )
    old = request.session.get("sid")
    if isinstance(old, str) and old:
        sessions.end_session(db_session=db, token=old, now=now, reason="login")
    token = sessions.start_session(
        db_session=db, staff=staff, now=now, ip=client.ip, user_agent=client.user_agent
    )
    db.commit()
    messages = request.session.get("flash")
    request.session.clear()
    if messages:
        request.session["flash"] = messages
    request.session["sid"] = token
    request.session["csrf"] = secrets.token_urlsafe(24)
    return redirect(target)


def _hold(request: Request, staff: Staff, target: str, now: datetime) -> None:
    """Remember in the cookie that ``staff`` passed the password step (no session yet)."""
    request.session.pop("sid", None)
    request.session["pending"] = {"staff": staff.id, "at": now.timestamp(), "next": target}


def _held(request: Request, db: Session) -> Staff | None:
    """The active staff member whose password step is recent enough, or None."""
    pending: Any = request.session.get("pending")
    if not isinstance(pending, dict) or not isinstance(pending.get("staff"), int):
        return None
    at = pending.get("at")
    if not isinstance(at, int | float) or utcnow().timestamp() - at > PENDING_SECONDS:
        request.session.pop("pending", None)
        return None
    staff = db.get(Staff, pending["staff"])
    return staff if staff is not None and staff.active else None


def _target(request: Request) -> str:
    pending: Any = request.session.get("pending") or {}
    return safe_next(pending.get("next") if isinstance(pending, dict) else None)


def _expired(request: Request) -> Response:
    request.session.pop("pending", None)
    flash(request, tr(request, "signin_expired"), "error")
    return redirect("/login")


def _code_failed(request: Request, db: Session, staff: Staff, now: datetime) -> None:
    client = _client(request)
    signin.record_failure(
        db_session=db, staff=staff, now=now, policy=_policy(request), client=client
    )
    signin.log_attempt(
        db_session=db, login=staff.login, staff=staff, result="bad_code", now=now, client=client
    )
    _count_failure(request, staff.login)


def _throttled(request: Request, login_name: str) -> int:
    """Seconds to wait under the per-login and per-address limits (0: go on)."""
    throttle = throttle_of(request)
    waits = (
        throttle.blocked("login_account", login_name.casefold()[:200]),
        throttle.blocked("login_address", client_address(request)),
    )
    return max(v.retry_after for v in waits)


def _count_failure(request: Request, login_name: str) -> None:
    throttle = throttle_of(request)
    throttle.hit("login_account", login_name.casefold()[:200])
    throttle.hit("login_address", client_address(request))


def _account_wait(request: Request, staff: Staff, now: datetime) -> int:
    return signin.wait_seconds(staff, now=now, policy=_policy(request))


def _policy(request: Request) -> signin.LockPolicy:
    return signin.LockPolicy.from_settings(request.app.state.settings)


def _client(request: Request) -> signin.Client:
    return signin.Client(client_address(request), request.headers.get("user-agent", ""))


def _login_page(
    request: Request, status: int, target: str, login_name: str, error: str, wait: int = 0
) -> Response:
    page = render(request, "login.html", status, next=target, login=login_name, error=error)
    return with_retry_after(page, wait) if wait else page


def _code_page(request: Request, status: int, staff: Staff, error: str | None) -> Response:
    return render(request, "login_code.html", status, error=error, login=staff.login)


def _setup_page(request: Request, status: int, staff: Staff, error: str | None) -> Response:
    return totp_setup_page(request, staff, status, error, action="/login/setup", required=True)


def totp_setup_page(
    request: Request, staff: Staff, status: int, error: str | None, *, action: str, required: bool
) -> Response:
    """The authenticator set-up: the QR code and the secret in groups of four, and a field for
    the first code posted to ``action`` (the sign-in step, or the person's own page)."""
    secret = twofactor.secret_of(staff)
    uri = twofactor.provisioning_uri(
        secret, login=staff.login, issuer=request.app.state.settings.totp_issuer
    )
    return render(
        request,
        "totp_setup.html",
        status,
        error=error,
        action=action,
        qr=qr_svg(uri, label=tr(request, "totp_qr_label")),
        secret=" ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
        required=required,
    )
