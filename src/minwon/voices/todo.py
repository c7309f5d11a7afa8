"""What waits for someone in the ledger: drafts a unit lead has to approve, voices assigned to
an officer. Read by each role's first screen; the office scoping is the ledger's own."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from minwon.org.roles import Principal
from minwon.timeutil import utcnow
from minwon.voices.catalog import OPEN_STATUSES
from minwon.voices.models import Answer, Voice
from minwon.voices.queries import is_overdue
from minwon.voices.service import scoped


@dataclass(frozen=True)
class Waiting:
    """How many voices wait, and the first few of them (soonest deadline first), as read at
    ``now``."""

    count: int
    voices: list[Voice]
    now: datetime = field(default_factory=utcnow)

    def overdue(self, voice: Voice) -> bool:
        """Whether ``voice`` is open and past its deadline at ``now``: a first screen marks it
        기한 경과 as the ledger does."""
        return is_overdue(voice, self.now)


def _waiting(db: Session, query: Select, limit: int) -> Waiting:
    total = db.scalar(select(func.count()).select_from(query.subquery())) or 0
    first = query.order_by(Voice.due_at.is_(None), Voice.due_at, Voice.id).limit(limit)
    return Waiting(total, list(db.scalars(first)))


def awaiting_approval(*, db_session: Session, principal: Principal, limit: int = 5) -> Waiting:
    """Voices of the caller's unit (their office without one) with an answer drafted and not
    yet approved or returned: what a unit lead signs off next."""
    drafted = select(Answer.voice_id).where(Answer.status == "draft")
    query = scoped(select(Voice), principal).where(Voice.id.in_(drafted))
    if principal.unit_id is not None:
        query = query.where(Voice.unit_id == principal.unit_id)
    return _waiting(db_session, query, limit)


def assigned_to(*, db_session: Session, principal: Principal, limit: int = 5) -> Waiting:
    """Open voices assigned to the caller: an officer's own work list."""
    query = scoped(select(Voice), principal).where(
        Voice.assignee_id == principal.staff_id, Voice.status.in_(OPEN_STATUSES)
    )
    return _waiting(db_session, query, limit)
