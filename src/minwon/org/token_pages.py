"""The admin page /admin/tokens: API tokens of the admin's office (name, owner, scopes,
dates, state), a form to make one (shown once) and a button to revoke one. Thin: parse, call
:mod:`minwon.org.tokens`, render; a refused form comes back with what was typed and why."""

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from minwon.errors import MinwonError
from minwon.org import tokens
from minwon.org.pages import PageAdmin
from minwon.org.roles import ROLE_LABELS, Principal
from minwon.timeutil import utcnow
from minwon.web.deps import CsrfDep, DbId, SessionDep
from minwon.web.pages import FormDep, flash, redirect, said_fields, tr
from minwon.web.templating import render
from minwon.web.text_route import TextRoute

router = APIRouter(route_class=TextRoute, include_in_schema=False)


def _page(
    request: Request, db: Session, principal: Principal, status: int = 200, **extra: Any
) -> Response:
    now = utcnow()
    rows = tokens.list_tokens(db_session=db, principal=principal)
    return render(
        request,
        "tokens_admin.html",
        status,
        rows=[(t, tokens.state(t, now)) for t in rows],
        staff=tokens.manageable_staff(db_session=db, principal=principal),
        role_labels=ROLE_LABELS,
        me=principal.login,
        scopes=tokens.SCOPES,
        default_days=tokens.DEFAULT_DAYS,
        max_days=tokens.MAX_DAYS,
        values=extra.pop("values", {}),
        errors=extra.pop("errors", {}),
        **extra,
    )


@router.get("/admin/tokens")
def tokens_page(request: Request, db: SessionDep, principal: PageAdmin) -> Response:
    """The API tokens of the admin's office, with the form to make one."""
    return _page(request, db, principal)


def _days(text: str) -> int:
    """The form's day count; anything not a whole number is refused like an out-of-range one."""
    try:
        return int(text.strip())
    except ValueError:
        return 0


@router.post("/admin/tokens", dependencies=[CsrfDep])
def create_token(request: Request, db: SessionDep, principal: PageAdmin, form: FormDep) -> Response:
    """Make a token; the plain token is shown once, on this answer, never again."""
    chosen = [s for s in tokens.SCOPES if form.get(f"scope_{s}") in ("on", "1", "true")]
    try:
        token, raw = tokens.create(
            db_session=db,
            principal=principal,
            login=form.get("login", ""),
            name=form.get("name", ""),
            scopes=chosen,
            expires_in_days=_days(form.get("expires_in_days", str(tokens.DEFAULT_DAYS))),
            now=utcnow(),
        )
    except MinwonError as exc:
        db.rollback()
        return _page(request, db, principal, 422, values=form, errors=said_fields(request, exc))
    db.commit()
    return _page(request, db, principal, new_token=raw, new_token_row=token)


@router.post("/admin/tokens/{token_id}/revoke", dependencies=[CsrfDep])
def revoke_token(
    request: Request, db: SessionDep, principal: PageAdmin, token_id: DbId
) -> Response:
    """Revoke a token at once: every later call with it gets a 401."""
    token = tokens.revoke(db_session=db, principal=principal, token_id=token_id, now=utcnow())
    db.commit()
    flash(request, tr(request, "tk_revoked_flash", name=token.name, login=token.staff.login))
    return redirect("/admin/tokens")
