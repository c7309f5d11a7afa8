"""Request-scoped dependencies: one session per request, the caller, CSRF for forms."""

import secrets
from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime
from typing import Annotated

from fastapi import Depends, Path, Request
from sqlalchemy.orm import Session

from minwon.config import Settings
from minwon.db import MAX_DB_ID, begin_write
from minwon.errors import Forbidden, MinwonError, Unauthorized
from minwon.org import service as org_service
from minwon.org import sessions, tokens
from minwon.org.roles import CITIZEN, Principal
from minwon.timeutil import utcnow

WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}

DbId = Annotated[int, Path(ge=1, le=MAX_DB_ID, description="a row id")]
"""A row id in a path, checked at the edge: beyond 64 bits is a 422, never a database error."""


def get_db(request: Request) -> Iterator[Session]:
    """One session per request; writes start as write transactions; errors roll back."""
    with request.app.state.sessions() as db:
        if request.method in WRITE_METHODS:
            begin_write(db)
        try:
            yield db
        except BaseException:
            db.rollback()
            raise


SessionDep = Annotated[Session, Depends(get_db)]


def get_principal(request: Request, db: SessionDep) -> Principal:
    """The caller: a bearer token's owner, the logged-in staff member, or a citizen."""
    auth = request.headers.get("authorization", "")
    if auth:
        scheme, _, token = auth.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Unauthorized("Authorization 헤더는 'Bearer 토큰' 형식이어야 합니다.")
        return _token_principal(request, db, token.strip())
    sid = request.session.get("sid")
    if not isinstance(sid, str) or not sid:
        return CITIZEN
    now = utcnow()
    found = sessions.look_up(
        db_session=db, token=sid, now=now, timeouts=session_timeouts(request.app.state.settings)
    )
    if found.needs_write:
        _record(request, db, found, now)
    if found.staff is not None:
        return org_service.principal_for(found.staff)
    request.session.pop("sid", None)
    return CITIZEN


def _token_principal(request: Request, db: Session, token: str) -> Principal:
    """A bearer token's owner, limited to the token's scopes: read-only tokens may only read
    (GET, HEAD); expired, revoked or unknown tokens are a 401 saying which.

    A form post looks the token up and writes its ``last_used_at`` in the request's own write
    transaction. A read looks it up in a short session of its own and writes ``last_used_at``
    (at most once a minute) in another, before the request's session has read anything: a
    read that then writes (defaults made on first look) never meets a snapshot gone stale."""
    now = utcnow()
    if request.method in WRITE_METHODS:
        bearer = tokens.authenticate(db_session=db, token=token, now=now)
        principal = org_service.principal_for(bearer.staff)
        if bearer.record_use:
            tokens.record_use(db_session=db, token_id=bearer.token_id, now=now)
    else:
        with request.app.state.sessions() as lookup:
            bearer = tokens.authenticate(db_session=lookup, token=token, now=now)
            principal = org_service.principal_for(bearer.staff)
        if bearer.record_use:
            with request.app.state.sessions() as writer:
                begin_write(writer)
                tokens.record_use(db_session=writer, token_id=bearer.token_id, now=now)
                writer.commit()
    tokens.check_method(bearer.scopes, request.method)
    return replace(principal, scopes=bearer.scopes)


def session_timeouts(settings: Settings) -> sessions.Timeouts:
    """The idle and absolute timeouts of staff sessions, from the settings."""
    return sessions.Timeouts(idle=settings.session_idle_timeout, absolute=settings.session_max_age)


def _record(request: Request, db: Session, found: sessions.Lookup, now: datetime) -> None:
    """Write a session's new ``last_seen_at`` or its end: inside the request's own write
    transaction on a form post, else in a short write of its own (a page view reads only)."""
    if request.method in WRITE_METHODS:
        sessions.record(db_session=db, lookup=found, now=now)
        return
    with request.app.state.sessions() as writer:
        begin_write(writer)
        sessions.record(db_session=writer, lookup=found, now=now)
        writer.commit()


def client_address(request: Request) -> str:
    """The caller's address as uvicorn saw it (kept on the session row, counted by the
    throttles; behind a proxy see the README's note on ``--proxy-headers``)."""
    return request.client.host if request.client else "unknown"


PrincipalDep = Annotated[Principal, Depends(get_principal)]


class LoginRequired(MinwonError):
    """A page needs a logged-in staff member; the handler redirects to the login page."""

    status = 401


async def get_staff(principal: PrincipalDep) -> Principal:
    """The caller, who must be staff (API: 401; pages: redirect to login)."""
    if not principal.is_staff:
        raise LoginRequired("로그인이 필요합니다.")
    return principal


StaffDep = Annotated[Principal, Depends(get_staff)]


def csrf_token(request: Request) -> str:
    """The session's CSRF token, created on first use; forms carry it in a hidden field."""
    token = request.session.get("csrf")
    if not token:
        token = secrets.token_urlsafe(24)
        request.session["csrf"] = token
    return token


async def check_csrf(request: Request) -> None:
    """Refuse a form post whose hidden CSRF token does not match the session's."""
    if request.method not in WRITE_METHODS:
        return
    form = await request.form()
    sent = str(form.get("csrf_token", ""))
    expected = request.session.get("csrf", "")
    if not expected or not secrets.compare_digest(sent, expected):
        raise Forbidden("보안 토큰이 만료되었습니다. 페이지를 새로 고친 뒤 다시 시도하세요.")


CsrfDep = Depends(check_csrf)
