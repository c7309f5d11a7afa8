"""A voice as a reader who sees no personal data reads it (an HQ analyst: every office, no
personal data). The citizen writes their phone number, address or resident registration
number into the text itself, and staff quote them in answers and notes; such a reader gets
every text masked as analysis masks it (``analysis.masking``), with the citizen's own name
masked too. Staff who see personal data read the text as written.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from minwon.analysis.masking import mask_text
from minwon.org.roles import Principal
from minwon.voices.models import VoiceContact, VoiceEvent


def for_reader(text: str, principal: Principal, names: Iterable[str] = ()) -> str:
    """``text`` as ``principal`` may read it: masked (with ``names``, the citizen's, masked
    too) for a reader who sees no personal data, else as written."""
    if principal.sees_personal_data or not text:
        return text
    return mask_text(text, names=[n for n in names if n])


def citizen_names(
    db: Session, voice_ids: Sequence[int], reader: Principal | None = None
) -> dict[int, list[str]]:
    """The name each voice's citizen gave (to be masked where the text quotes it); nothing,
    and no query, for a ``reader`` who sees personal data and so reads the text as written."""
    if not voice_ids or (reader is not None and reader.sees_personal_data):
        return {}
    query = select(VoiceContact.voice_id, VoiceContact.name).where(
        VoiceContact.voice_id.in_(voice_ids), VoiceContact.name != ""
    )
    return {voice_id: [name] for voice_id, name in db.execute(query)}


@dataclass(frozen=True)
class ShownEvent:
    """One line of a voice's history with its note as the reader may read it."""

    id: int
    kind: str
    actor_label: str
    at: datetime
    before: dict[str, Any]
    after: dict[str, Any]
    note: str


def events_for_reader(
    events: Sequence[VoiceEvent], principal: Principal, names: Iterable[str] = ()
) -> list[VoiceEvent] | list[ShownEvent]:
    """A history as ``principal`` may read it: the notes masked for a reader who sees no
    personal data (the events themselves are never changed)."""
    if principal.sees_personal_data:
        return list(events)
    kept = list(names)
    return [
        ShownEvent(
            id=e.id,
            kind=e.kind,
            actor_label=e.actor_label,
            at=e.at,
            before=e.before,
            after=e.after,
            note=for_reader(e.note or "", principal, kept),
        )
        for e in events
    ]
