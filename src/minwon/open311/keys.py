"""Client keys of Open311: issued by an admin, shown once, kept as SHA-256, revocable, each
with a rate limit and the offices it may file requests into."""

import math
import secrets
import time
from dataclasses import dataclass
from datetime import datetime

from limits import parse
from limits.errors import StorageError
from limits.strategies import RateLimiter
from sqlalchemy import select
from sqlalchemy.orm import Session

from minwon.errors import Forbidden, Invalid, NotFound
from minwon.open311.models import Open311Key, Open311KeyOffice
from minwon.open311.schemas import KeyCreate
from minwon.org.models import Office
from minwon.org.roles import Principal
from minwon.org.security import token_digest

PREFIX = "o311_"


def require_admin(principal: Principal) -> None:
    """Only admins set up Open311 (keys hand out a right to file into an office's ledger)."""
    if not principal.is_admin:
        raise Forbidden("Open311 설정은 관리자만 할 수 있습니다.")


def visible_office_ids(db: Session, principal: Principal) -> set[int]:
    """The offices an admin manages: all for an admin of the whole organisation, else theirs."""
    if principal.all_offices:
        return set(db.scalars(select(Office.id)))
    return {principal.office_id} if principal.office_id else set()


def _office_ids(db: Session, codes: list[str], allowed: set[int]) -> list[int]:
    ids = []
    for code in dict.fromkeys(c.strip() for c in codes if c.strip()):
        office_id = db.scalar(select(Office.id).where(Office.code == code))
        if office_id is None or office_id not in allowed:
            raise Invalid(f"기관을 찾을 수 없습니다: {code}", field="offices")
        ids.append(office_id)
    if not ids:
        raise Invalid("키가 민원을 넣을 기관을 하나 이상 고르세요.", field="offices")
    return ids


def issue(
    *, db_session: Session, key_in: KeyCreate, principal: Principal, now: datetime
) -> tuple[Open311Key, str]:
    """A new client key: the row and the key itself, which is shown once and never again."""
    require_admin(principal)
    office_ids = _office_ids(db_session, key_in.offices, visible_office_ids(db_session, principal))
    raw = PREFIX + secrets.token_urlsafe(32)
    key = Open311Key(
        name=key_in.name,
        key_hash=token_digest(raw),
        hint=raw[: len(PREFIX) + 4],
        rate_limit=key_in.rate_limit,
        created_at=now,
        created_by_id=principal.staff_id,
        offices=[Open311KeyOffice(office_id=o) for o in office_ids],
    )
    db_session.add(key)
    db_session.flush()
    return key, raw


def list_keys(*, db_session: Session, principal: Principal) -> list[Open311Key]:
    """The keys touching the admin's offices, newest first (revoked ones too, marked)."""
    require_admin(principal)
    allowed = visible_office_ids(db_session, principal)
    keys = db_session.scalars(select(Open311Key).order_by(Open311Key.id.desc()))
    return [k for k in keys if {o.office_id for o in k.offices} & allowed]


def revoke(*, db_session: Session, key_id: int, principal: Principal, now: datetime) -> Open311Key:
    """Revoke a key: from now on it files nothing (its requests stay in the ledger)."""
    key = next(
        (k for k in list_keys(db_session=db_session, principal=principal) if k.id == key_id), None
    )
    if key is None:
        raise NotFound("Open311 키를 찾을 수 없습니다.")
    if key.revoked_at is None:
        key.revoked_at = now
    return key


def authenticate(*, db_session: Session, raw: str | None) -> Open311Key | None:
    """The live key ``raw`` names, or None for a missing, unknown or revoked one."""
    if not raw or not raw.strip() or len(raw) > 200:
        return None
    key = db_session.scalar(
        select(Open311Key).where(Open311Key.key_hash == token_digest(raw.strip()))
    )
    if key is None or key.revoked_at is not None:
        return None
    return key


def office_ids_of(key: Open311Key) -> set[int]:
    """The offices the key may file into."""
    return {o.office_id for o in key.offices}


@dataclass(frozen=True)
class RateVerdict:
    """Whether the key may post once more now; if not, the seconds to wait."""

    allowed: bool
    retry_after: int = 0


def take_slot(limiter: RateLimiter, key: Open311Key) -> RateVerdict:
    """Count one post against the key's own limit (shared by every process through the
    application's throttle storage); a storage outage lets the post through."""
    item = parse(key.rate_limit)
    try:
        if limiter.hit(item, "open311", str(key.id)):
            return RateVerdict(True)
        stats = limiter.get_window_stats(item, "open311", str(key.id))
    except StorageError:
        return RateVerdict(True)
    return RateVerdict(False, max(1, math.ceil(stats.reset_time - time.time())))
