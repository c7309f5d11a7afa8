"""Pages every visitor shares — home, login, logout — and the page helpers the other page
routers use: the caller kept for the layout, staff-only pages, flash messages, form data."""

import secrets
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from minwon.errors import Unauthorized
from minwon.org import service as org_service
from minwon.org import sessions
from minwon.org.roles import Principal
from minwon.timeutil import utcnow
from minwon.web.deps import CsrfDep, LoginRequired, PrincipalDep, SessionDep, client_address
from minwon.web.i18n import translate
from minwon.web.templating import language, render
from minwon.web.throttle import message as throttle_message
from minwon.web.throttle import throttle_of, with_retry_after

router = APIRouter(include_in_schema=False)


def page_principal(request: Request, principal: PrincipalDep) -> Principal:
    """The caller, also kept on ``request.state`` so the layout shows the right navigation."""
    request.state.principal = principal
    return principal


PagePrincipal = Annotated[Principal, Depends(page_principal)]


def page_staff(principal: PagePrincipal) -> Principal:
    """The caller of a staff page; anyone else is sent to the login page."""
    if not principal.is_staff:
        raise LoginRequired("로그인이 필요합니다.")
    return principal


PageStaff = Annotated[Principal, Depends(page_staff)]


async def form_data(request: Request) -> dict[str, str]:
    """The posted form as plain strings (files are ignored), for pages with many fields."""
    form = await request.form()
    return {key: value for key, value in form.items() if isinstance(value, str)}


FormDep = Annotated[dict[str, str], Depends(form_data)]


def flash(request: Request, text: str, kind: str = "ok", **extra: str) -> None:
    """Queue a message for the next page the layout renders (``kind``: ok, error, receipt)."""
    request.session["flash"] = [
        *request.session.get("flash", []),
        {"kind": kind, "text": text, **extra},
    ]


def tr(request: Request, key: str, **params: object) -> str:
    """The interface text for ``key`` in the request's language (for flash messages)."""
    return translate(language(request), key, **params)


def redirect(url: str) -> RedirectResponse:
    """A 303 redirect, the answer to every successful form post."""
    return RedirectResponse(url, status_code=303)


def safe_next(target: str | None) -> str:
    """A local path to go to after login; anything else (other hosts, ``//x``) is home."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return "/"
    return target


@router.get("/")
def home(request: Request, principal: PagePrincipal, db: SessionDep) -> Response:
    """Staff see what to do next for their role; citizens see the two things they can do."""
    if principal.is_staff:
        from minwon.reports import home as staff_home
        from minwon.reports.views import names

        screen = staff_home.first_screen(db, principal)
        return render(request, "reports/home.html", home=screen, names=names(db, principal))
    return render(request, "home.html")


@router.get("/login")
def login_form(request: Request, principal: PagePrincipal, next: str = "/") -> Response:
    """The staff login form (already logged in: straight on)."""
    if principal.is_staff:
        return redirect(safe_next(next))
    return render(request, "login.html", next=safe_next(next), login="", error=None)


@router.post("/login", dependencies=[CsrfDep])
def login(request: Request, db: SessionDep, form: FormDep) -> Response:
    """Check the password; on success end the browser's old session and start a fresh one
    (a new token, kept on the server) with a new CSRF token. Failures are counted per login
    name and per address; over either limit the answer is 429 without checking the password."""
    login_name, target = form.get("login", "").strip(), safe_next(form.get("next"))
    throttle, account = throttle_of(request), login_name.casefold()[:200]
    address = client_address(request)
    waits = (throttle.blocked("login_account", account), throttle.blocked("login_address", address))
    wait = max(v.retry_after for v in waits)
    if wait:
        request.state.principal = None
        error = throttle_message(request, wait)
        page = render(request, "login.html", 429, next=target, login=login_name, error=error)
        return with_retry_after(page, wait)
    try:
        staff = org_service.authenticate(
            db_session=db, login=login_name, password=form.get("password", "")
        )
    except Unauthorized:
        throttle.hit("login_account", account)
        throttle.hit("login_address", address)
        request.state.principal = None
        error = tr(request, "login_failed")
        return render(request, "login.html", 400, next=target, login=login_name, error=error)
    now, old = utcnow(), request.session.get("sid")
    if isinstance(old, str) and old:
        sessions.end_session(db_session=db, token=old, now=now, reason="login")
    token = sessions.start_session(
        db_session=db,
        staff=staff,
        now=now,
        ip=client_address(request),
        user_agent=request.headers.get("user-agent", ""),
    )
    db.commit()
    request.session.clear()
    request.session["sid"] = token
    request.session["csrf"] = secrets.token_urlsafe(24)
    return redirect(target)


@router.post("/logout", dependencies=[CsrfDep])
def logout(request: Request, db: SessionDep) -> Response:
    """End the session on the server (the cookie's token is worthless from now on) and go
    back to the login page."""
    token = request.session.get("sid")
    if isinstance(token, str) and token:
        sessions.end_session(db_session=db, token=token, now=utcnow(), reason="logout")
        db.commit()
    request.session.clear()
    flash(request, tr(request, "logged_out"))
    return redirect("/login")
