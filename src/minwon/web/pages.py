"""Pages every visitor shares — home, login, logout — and the page helpers the other page
routers use: the caller kept for the layout, staff-only pages, flash messages, form data."""

from collections.abc import Mapping
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from minwon.errors import MinwonError, field_messages
from minwon.org import sessions
from minwon.org.roles import Principal
from minwon.timeutil import utcnow
from minwon.web.deps import CsrfDep, LoginRequired, PrincipalDep, SessionDep
from minwon.web.error_texts import in_language
from minwon.web.i18n import translate
from minwon.web.templating import language, render
from minwon.web.text_route import TextRoute

router = APIRouter(route_class=TextRoute, include_in_schema=False)


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


def said(request: Request, exc: MinwonError) -> str:
    """An error's message in the request's language, for a page or a flash message (the
    API keeps the service's Korean)."""
    if exc.key:
        return tr(request, exc.key)
    return in_language(language(request), exc.message)


def refused_filter(
    request: Request,
    template: str,
    exc: MinwonError,
    *,
    status: int | None = None,
    typed: Mapping[str, str] | None = None,
) -> Response:
    """The error page ``template`` for a refused filter (a period too long, an office not
    found): the message in the reader's language and the filter as typed (``typed``, the
    query by default) with the wrong field marked, to fix and send again."""
    return render(
        request,
        template,
        status or exc.status,
        message=said(request, exc),
        params=request.query_params if typed is None else typed,
        field=exc.field,
    )


def said_text(request: Request, text: str) -> str:
    """A service's Korean text that a page shows as it is (a refusal returned, not raised)
    in the request's language."""
    return in_language(language(request), text)


def named_codes(request: Request, prefix: str, codes: Mapping[str, str]) -> dict[str, str]:
    """The codes' names in the reader's language (the catalog's ``prefix_code``), in their
    order; a code the catalog lacks keeps the Korean name it came with."""
    named = {}
    for code, korean in codes.items():
        key = f"{prefix}_{code}"
        text = tr(request, key)
        named[code] = korean if text == key else text
    return named


def said_fields(request: Request, exc: MinwonError) -> dict[str, str]:
    """Every field's message of ``exc`` in the request's language, for a form to mark."""
    if exc.key:
        return {exc.field or "form": tr(request, exc.key)}
    lang = language(request)
    return {field: in_language(lang, text) for field, text in field_messages(exc).items()}


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
