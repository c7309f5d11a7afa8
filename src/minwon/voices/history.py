"""The append-only history of a voice (also the audit log)."""

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from minwon import commit_order
from minwon.commit_order import Position
from minwon.db import Query
from minwon.org.models import Staff, Unit
from minwon.org.roles import Principal
from minwon.voices.models import Voice, VoiceEvent


def record(
    *,
    db_session: Session,
    voice: Voice,
    actor: Principal,
    kind: str,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    note: str = "",
) -> VoiceEvent:
    """Append one event to a voice's history in the caller's transaction."""
    event = VoiceEvent(
        voice_id=voice.id,
        actor_id=actor.staff_id,
        actor_label=actor.name if actor.is_staff else "민원인",
        kind=kind,
        before=before or {},
        after=after or {},
        note=note,
    )
    db_session.add(event)
    return event


def events(*, db_session: Session, voice_id: int) -> list[VoiceEvent]:
    """A voice's history, oldest first."""
    query = select(VoiceEvent).where(VoiceEvent.voice_id == voice_id)
    return list(db_session.scalars(query.order_by(VoiceEvent.at, VoiceEvent.id)))


def was_imported(*, db_session: Session, voice_id: int) -> bool:
    """Whether the voice came in by an import of another system's ledger (its answer, if any,
    was sent there, before minwon knew it)."""
    query = select(VoiceEvent.id).where(
        VoiceEvent.voice_id == voice_id, VoiceEvent.kind == "imported"
    )
    return db_session.scalar(query.limit(1)) is not None


@dataclass(frozen=True)
class EventNames:
    """Names for the codes a history keeps (an assignee's login, a unit's code), so a person
    reads "정유진", "구로지구대" rather than "gr01.1", "GR01"."""

    staff: dict[str, str]
    units: dict[str, str]


def names_in(
    *, db_session: Session, events: list[VoiceEvent], unit_codes: tuple[str | None, ...] = ()
) -> EventNames:
    """The names of the staff and units the events name, and of ``unit_codes`` besides."""
    logins = {str(e.after.get("assignee")) for e in events if e.after.get("assignee")}
    codes = {str(e.after.get("unit")) for e in events if e.after.get("unit")}
    codes |= {c for c in unit_codes if c}
    staff = select(Staff.login, Staff.name).where(Staff.login.in_(logins))
    units = select(Unit.code, Unit.name).where(Unit.code.in_(codes))
    return EventNames(
        staff=dict(db_session.execute(staff).all()),
        units=dict(db_session.execute(units).all()),
    )


@dataclass(frozen=True)
class Transfer:
    """A voice moved by staff to another unit: the routing that should have happened."""

    position: Position  # of its event in the ledger's stream
    from_voice_id: int
    to_voice_id: int
    office_id: int
    unit_code: str


def _after(query: Query, after: Position) -> Query:
    """``query`` on the ledger's events limited to the final ones after ``after``, in commit
    order."""
    return commit_order.after(query, VoiceEvent.txid, VoiceEvent.id, after)


def transfers_since(*, db_session: Session, after: Position, limit: int = 500) -> list[Transfer]:
    """Transfers recorded after ``after``, in commit order (read by the routing learner)."""
    query = _after(
        select(
            VoiceEvent.txid,
            VoiceEvent.id,
            VoiceEvent.after,
            Voice.id,
            Voice.transferred_from_id,
            Voice.office_id,
        )
        .join(Voice, Voice.id == VoiceEvent.voice_id)
        .where(VoiceEvent.kind == "received", Voice.transferred_from_id.is_not(None)),
        after,
    ).limit(limit)
    return [
        Transfer(
            Position(txid, event_id),
            from_id,
            voice_id,
            office_id,
            str((data or {}).get("unit", "")),
        )
        for txid, event_id, data, voice_id, from_id, office_id in db_session.execute(query)
    ]


def events_since(
    *, db_session: Session, kind: str, after: Position, limit: int = 500
) -> list[tuple[Position, int]]:
    """``(position, voice id)`` of events of one kind after ``after``, in commit order (for
    background jobs that act once on each, e.g. surveys after an answer is sent)."""
    query = _after(
        select(VoiceEvent.txid, VoiceEvent.id, VoiceEvent.voice_id).where(VoiceEvent.kind == kind),
        after,
    ).limit(limit)
    return [(Position(t, i), v) for t, i, v in db_session.execute(query)]


def changes_since(
    *, db_session: Session, kinds: tuple[str, ...], after: Position, limit: int = 5000
) -> list[tuple[Position, int, str]]:
    """``(position, voice id, kind)`` of events of these kinds after ``after``, in commit
    order (the rollups read the ledger's changes through this)."""
    query = _after(
        select(VoiceEvent.txid, VoiceEvent.id, VoiceEvent.voice_id, VoiceEvent.kind).where(
            VoiceEvent.kind.in_(kinds)
        ),
        after,
    ).limit(limit)
    return [(Position(t, i), v, k) for t, i, v, k in db_session.execute(query)]
