"""The rules an office's intake needs (organisation settings and working calendar), cached.

Intake runs on every voice; these rows change a few times a year. Each process keeps them for
``TTL`` seconds; writers in this process call ``forget()`` so their change applies at once.
"""

import threading
import time
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from minwon.errors import NotFound
from minwon.org.models import Office, Organization
from minwon.voices.deadlines import WorkCalendar

TTL = 30.0


@dataclass(frozen=True)
class OfficeRules:
    """What intake needs to know about an office: its organisation's settings and calendar."""

    office_id: int
    organization_id: int
    settings: dict[str, Any]
    calendar: WorkCalendar


_cache: dict[tuple[str, int], tuple[float, OfficeRules]] = {}
_lock = threading.Lock()


def office_rules(*, db_session: Session, office_id: int) -> OfficeRules:
    """The office's rules, from the cache when fresh, else read (and cached)."""
    key = (str(db_session.get_bind().engine.url), office_id)
    now = time.monotonic()
    with _lock:
        hit = _cache.get(key)
    if hit is not None and now - hit[0] < TTL:
        return hit[1]
    rules = _load(db_session, office_id)
    with _lock:
        _cache[key] = (now, rules)
    return rules


def _load(db: Session, office_id: int) -> OfficeRules:
    from minwon.org.service import calendar_for

    row = db.execute(
        select(Office.organization_id, Organization)
        .join(Organization, Organization.id == Office.organization_id)
        .where(Office.id == office_id)
    ).first()
    if row is None:
        raise NotFound("기관을 찾을 수 없습니다.", field="office")
    org = row[1]
    calendar = calendar_for(db_session=db, organization=org)
    return OfficeRules(office_id, org.id, dict(org.settings or {}), calendar)


def forget() -> None:
    """Drop every cached rule (after settings or closed days change)."""
    with _lock:
        _cache.clear()
