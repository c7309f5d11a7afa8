"""The append-only history of a voice (also the audit log)."""

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

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
