"""API bearer tokens: issued with scopes (read, write, admin) and an expiry, listed for an
admin's office or a staff member's own, revoked at once; checked on every API call.

A token never carries more than its staff member's role allows (read and write for all staff,
whose role still decides what a write may change; admin for admins only), and at each call
its scopes are cut again to what the role allows *now*, so a demoted admin's old token loses
its admin scope at once."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session, joinedload

from minwon.errors import Forbidden, Invalid, NotFound, Unauthorized
from minwon.org import signin
from minwon.org.models import ApiToken, Staff
from minwon.org.roles import ADMIN, Principal
from minwon.org.security import new_token, token_digest
from minwon.timeutil import to_kst

READ = "read"
WRITE = "write"
ADMIN_SCOPE = "admin"
SCOPES = (READ, WRITE, ADMIN_SCOPE)
"""Every scope, in the order they are shown."""
DEFAULT_DAYS = 90
MAX_DAYS = 365
USE_INTERVAL = timedelta(minutes=1)
"""``last_used_at`` is written at most this often per token (a busy client costs no writes)."""
READ_METHODS = frozenset({"GET", "HEAD"})
MAX_NAME = 100


def allowed_scopes(role: str | None) -> frozenset[str]:
    """The scopes a role may hold: read and write for all staff (what a write may change is
    still the role's to decide: an HQ analyst's POST asks for a routing suggestion, it cannot
    record a voice), admin for admins only."""
    if role is None:
        return frozenset()
    return frozenset({READ, WRITE, ADMIN_SCOPE} if role == ADMIN else {READ, WRITE})


def parse_scopes(value: str | Iterable[str]) -> frozenset[str]:
    """Scopes from ``"read write"`` or a list; an unknown or missing scope is Invalid."""
    words = value.replace(",", " ").split() if isinstance(value, str) else list(value)
    words = [w.strip().lower() for w in words if w and w.strip()]
    unknown = sorted(set(words) - set(SCOPES))
    if unknown:
        raise Invalid(
            f"알 수 없는 범위입니다: {', '.join(unknown)} (read, write, admin 중에서 고르세요)",
            field="scopes",
        )
    if not words:
        raise Invalid("범위(read, write, admin)를 하나 이상 고르세요.", field="scopes")
    return frozenset(words)


def scope_text(scopes: Iterable[str]) -> str:
    """Scopes as stored and shown: space separated, in the order read, write, admin."""
    chosen = set(scopes)
    return " ".join(s for s in SCOPES if s in chosen)


def scopes_of(token: ApiToken) -> frozenset[str]:
    """The scopes written on a token."""
    return frozenset(token.scopes.split())


def effective_scopes(token: ApiToken, staff: Staff) -> frozenset[str]:
    """What the token may do now: its scopes cut to what its staff member's role allows."""
    return scopes_of(token) & allowed_scopes(staff.role)


State = Literal["active", "expired", "revoked"]


def state(token: ApiToken, now: datetime) -> State:
    """``revoked``, ``expired`` or ``active``."""
    if token.revoked:
        return "revoked"
    return "expired" if token.expires_at <= now else "active"


def _check_days(days: int) -> int:
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= MAX_DAYS:
        raise Invalid(
            f"유효 기간은 1일에서 {MAX_DAYS}일 사이여야 합니다 (기본 {DEFAULT_DAYS}일).",
            field="expires_in_days",
        )
    return days


def _check_name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise Invalid("토큰 이름(쓰는 곳)을 적어 주세요.", field="name")
    if len(name) > MAX_NAME:
        raise Invalid(f"토큰 이름은 {MAX_NAME}자 이내로 적어 주세요.", field="name")
    return name


def _within_role(staff: Staff, scopes: str | Iterable[str] | None) -> frozenset[str]:
    """The scopes asked for (None: all the role allows), refused if beyond the role."""
    ceiling = allowed_scopes(staff.role)
    chosen = ceiling if scopes is None else parse_scopes(scopes)
    beyond = chosen - ceiling
    if beyond:
        raise Invalid(
            f"{staff.login}의 역할로는 줄 수 없는 범위입니다: {scope_text(beyond)}",
            field="scopes",
        )
    return chosen


def issue(
    *,
    db_session: Session,
    staff: Staff,
    name: str,
    scopes: str | Iterable[str] | None,
    expires_in_days: int = DEFAULT_DAYS,
    now: datetime,
    created_by_id: int | None = None,
) -> tuple[ApiToken, str]:
    """A new token for ``staff``: the row and the plain token, returned once and never kept.
    ``scopes`` None means all the role allows; more than the role allows is Invalid."""
    name = _check_name(name)
    days = _check_days(expires_in_days)
    chosen = _within_role(staff, scopes)
    if not staff.active:
        raise Invalid(f"쓰지 않는 계정에는 토큰을 만들 수 없습니다: {staff.login}", field="login")
    raw = new_token()
    token = ApiToken(
        staff_id=staff.id,
        name=name,
        token_hash=token_digest(raw),
        scopes=scope_text(chosen),
        created_at=now,
        expires_at=now + timedelta(days=days),
        created_by_id=created_by_id,
        revoked=False,
    )
    db_session.add(token)
    db_session.flush()
    return token, raw


def _manages(principal: Principal, staff: Staff) -> bool:
    """An admin (with the admin scope, if calling with a token) manages the tokens of staff
    of their office; an admin of no office (the whole organisation's), everyone's."""
    if not principal.is_admin:
        return False
    return principal.office_id is None or staff.office_id == principal.office_id


def create(
    *,
    db_session: Session,
    principal: Principal,
    login: str | None,
    name: str,
    scopes: str | Iterable[str] | None,
    expires_in_days: int,
    now: datetime,
) -> tuple[ApiToken, str]:
    """Issue a token as ``principal``: for themselves, or (admins) for staff of their office.
    A caller using a token cannot hand out more scopes than their own token has."""
    if not principal.is_staff or principal.staff_id is None:
        raise Forbidden("API 토큰은 직원만 만들 수 있습니다.")
    own = login is None or not login.strip() or login.strip() == principal.login
    staff = (
        db_session.get(Staff, principal.staff_id)
        if own
        else db_session.scalar(select(Staff).where(Staff.login == (login or "").strip()))
    )
    if staff is None:
        raise NotFound(f"직원을 찾을 수 없습니다: {login}", field="login")
    if not own:
        if not principal.is_admin:
            raise Forbidden("다른 직원의 토큰은 관리자만 만들 수 있습니다.", field="login")
        if not _manages(principal, staff):
            raise NotFound(f"직원을 찾을 수 없습니다: {login}", field="login")
    chosen = _within_role(staff, scopes)
    if principal.scopes is not None:
        if scopes is None:
            chosen = chosen & principal.scopes
        elif chosen - principal.scopes:
            raise Forbidden(
                "지금 쓰는 토큰에 없는 범위는 줄 수 없습니다: "
                f"{scope_text(chosen - principal.scopes)}",
                field="scopes",
            )
    token, raw = issue(
        db_session=db_session,
        staff=staff,
        name=name,
        scopes=chosen,
        expires_in_days=expires_in_days,
        now=now,
        created_by_id=principal.staff_id,
    )
    signin.audit(
        db_session=db_session,
        action="token_issued",
        staff=staff,
        actor_id=principal.staff_id,
        now=now,
        detail={
            "name": token.name,
            "scopes": token.scopes,
            "expires_at": token.expires_at.isoformat(),
        },
    )
    return token, raw


def list_tokens(*, db_session: Session, principal: Principal) -> list[ApiToken]:
    """Tokens the caller may see, newest first: an admin's office's (everyone's for an admin
    of no office, who runs the whole organisation) and their own; anyone else's own only.
    Revoked and expired ones too, marked by :func:`state`."""
    query = select(ApiToken).join(Staff, Staff.id == ApiToken.staff_id)
    own = ApiToken.staff_id == principal.staff_id
    if principal.is_admin and principal.office_id is None:
        pass
    elif principal.is_admin:
        query = query.where(or_(own, Staff.office_id == principal.office_id))
    else:
        query = query.where(own)
    query = query.options(joinedload(ApiToken.staff)).order_by(ApiToken.id.desc())
    return list(db_session.scalars(query))


def list_for_office(*, db_session: Session, office_id: int) -> list[ApiToken]:
    """Every token of the staff of one office, newest first (for reports and the CLI)."""
    query = (
        select(ApiToken)
        .join(Staff, Staff.id == ApiToken.staff_id)
        .where(Staff.office_id == office_id)
        .options(joinedload(ApiToken.staff))
        .order_by(ApiToken.id.desc())
    )
    return list(db_session.scalars(query))


def revoke(*, db_session: Session, principal: Principal, token_id: int, now: datetime) -> ApiToken:
    """Revoke a token the caller may see (their own, or as admin their office's): from now on
    every call with it is refused. Revoking twice changes nothing."""
    token = next(
        (t for t in list_tokens(db_session=db_session, principal=principal) if t.id == token_id),
        None,
    )
    if token is None:
        raise NotFound("API 토큰을 찾을 수 없습니다.", field="token_id")
    if not token.revoked:
        token.revoked = True
        token.revoked_at = now
        signin.audit(
            db_session=db_session,
            action="token_revoked",
            staff=token.staff,
            actor_id=principal.staff_id,
            now=now,
            detail={"name": token.name},
        )
    return token


@dataclass(frozen=True)
class Bearer:
    """A bearer token that passed: its owner, the scopes it may use now, and whether its
    ``last_used_at`` is due for a write."""

    staff: Staff
    token_id: int
    scopes: frozenset[str]
    record_use: bool


def authenticate(*, db_session: Session, token: str, now: datetime) -> Bearer:
    """The live token ``token`` names, or Unauthorized saying why (unknown, revoked, expired,
    account off): the client's operator can tell what to fix."""
    row = None
    if 0 < len(token) <= 200:
        row = db_session.scalar(select(ApiToken).where(ApiToken.token_hash == token_digest(token)))
    if row is None or not row.staff.active:
        raise Unauthorized("API 토큰이 올바르지 않습니다.")
    if row.revoked:
        raise Unauthorized("폐기된 API 토큰입니다. 관리자에게 새 토큰을 받으세요.")
    if row.expires_at <= now:
        when = to_kst(row.expires_at).strftime("%Y-%m-%d %H:%M")
        raise Unauthorized(
            f"API 토큰이 만료되었습니다({when} 만료). 새 토큰을 만들어 쓰세요 (/admin/tokens)."
        )
    due = row.last_used_at is None or now - row.last_used_at >= USE_INTERVAL
    return Bearer(row.staff, row.id, effective_scopes(row, row.staff), due)


def record_use(*, db_session: Session, token_id: int, now: datetime) -> None:
    """Write ``last_used_at`` unless another request did within the last minute (one
    conditional UPDATE: concurrent requests write it once)."""
    db_session.execute(
        update(ApiToken)
        .where(
            ApiToken.id == token_id,
            or_(ApiToken.last_used_at.is_(None), ApiToken.last_used_at <= now - USE_INTERVAL),
        )
        .values(last_used_at=now)
    )


def check_method(scopes: frozenset[str], method: str) -> None:
    """A read-only token reads (GET, HEAD); anything that changes data needs write."""
    if method.upper() not in READ_METHODS and WRITE not in scopes:
        raise Forbidden(
            "이 API 토큰은 읽기(read) 범위만 있습니다. 바꾸는 요청(POST·PUT·PATCH·DELETE)에는 "
            "write 범위가 필요합니다."
        )


def manageable_staff(*, db_session: Session, principal: Principal) -> list[Staff]:
    """Active staff an admin may make tokens for (their office's; everyone for an admin of no
    office), by login; anyone else: themselves."""
    query = select(Staff).where(Staff.active.is_(True)).order_by(Staff.login)
    if principal.is_admin and principal.office_id is None:
        return list(db_session.scalars(query))
    if principal.is_admin:
        query = query.where(
            or_(Staff.office_id == principal.office_id, Staff.id == principal.staff_id)
        )
        return list(db_session.scalars(query))
    return list(db_session.scalars(query.where(Staff.id == principal.staff_id)))
