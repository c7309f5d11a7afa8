"""What of a voice may be published (Open311 reads, open data): the line it lives on now
after transfers, its sent answers, the public steps of its history, and the names to mask.
Never contact data: names are returned only to be masked out of published text."""

from collections import defaultdict
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from minwon.org.models import Unit
from minwon.voices.models import Answer, Voice, VoiceContact, VoiceEvent

PUBLIC_EVENTS = (
    "received",
    "assigned",
    "started",
    "answer_sent",
    "closed",
    "reopened",
    "extended",
    "transferred",
)
"""History steps a citizen may follow; drafts, returned drafts and notes stay internal."""
MAX_HOPS = 20


def current_lines(*, db_session: Session, voices: list[Voice]) -> dict[int, list[Voice]]:
    """Each voice's lines, first to current (a transferred voice continues on a new line)."""
    chains = {v.id: [v] for v in voices}
    pending = {v.id: v.transferred_to_id for v in voices if v.transferred_to_id}
    for _ in range(MAX_HOPS):
        if not pending:
            break
        found = {
            v.id: v for v in db_session.scalars(select(Voice).where(Voice.id.in_(pending.values())))
        }
        nxt = {}
        for root, target in pending.items():
            line = found.get(target)
            if line is not None:
                chains[root].append(line)
                if line.transferred_to_id:
                    nxt[root] = line.transferred_to_id
        pending = nxt
    return chains


def sent_answers(*, db_session: Session, voice_ids: list[int]) -> dict[int, list[Answer]]:
    """The answers sent to the citizen, per voice, oldest first."""
    found: dict[int, list[Answer]] = defaultdict(list)
    if not voice_ids:
        return found
    query = select(Answer).where(Answer.voice_id.in_(voice_ids), Answer.status == "sent")
    for answer in db_session.scalars(query.order_by(Answer.sent_at, Answer.id)):
        found[answer.voice_id].append(answer)
    return found


def names_to_mask(*, db_session: Session, voice_ids: list[int]) -> dict[int, list[str]]:
    """The citizen's name per voice, for masking it out of published text (never shown)."""
    if not voice_ids:
        return {}
    query = select(VoiceContact.voice_id, VoiceContact.name).where(
        VoiceContact.voice_id.in_(voice_ids), VoiceContact.name != ""
    )
    return {voice_id: [name, *name.split()] for voice_id, name in db_session.execute(query)}


def unit_names(*, db_session: Session, unit_ids: set[int]) -> dict[int, str]:
    """Unit names by id (``agency_responsible``)."""
    if not unit_ids:
        return {}
    return dict(db_session.execute(select(Unit.id, Unit.name).where(Unit.id.in_(unit_ids))).all())


def public_events(*, db_session: Session, voice_ids: list[int]) -> list[VoiceEvent]:
    """The public steps of the given lines' histories, oldest first."""
    if not voice_ids:
        return []
    query = select(VoiceEvent).where(
        VoiceEvent.voice_id.in_(voice_ids), VoiceEvent.kind.in_(PUBLIC_EVENTS)
    )
    return list(db_session.scalars(query.order_by(VoiceEvent.at, VoiceEvent.id)))


def channel_events(
    *, db_session: Session, channel: str, start: datetime, end: datetime, limit: int, offset: int
) -> list[VoiceEvent]:
    """Public steps of the channel's voices in [start, end], oldest first, one page."""
    query = (
        select(VoiceEvent)
        .join(Voice, Voice.id == VoiceEvent.voice_id)
        .where(
            Voice.channel == channel,
            VoiceEvent.kind.in_(PUBLIC_EVENTS),
            VoiceEvent.at >= start,
            VoiceEvent.at <= end,
        )
        .order_by(VoiceEvent.at, VoiceEvent.id)
    )
    return list(db_session.scalars(query.offset(offset).limit(limit)))


def first_lines(*, db_session: Session, voice_ids: set[int]) -> dict[int, int]:
    """The first line of each given line (before any transfer), by line id."""
    roots = {i: i for i in voice_ids}
    parent = dict(
        db_session.execute(
            select(Voice.id, Voice.transferred_from_id).where(Voice.id.in_(voice_ids))
        ).all()
    )
    for _ in range(MAX_HOPS):
        todo = {i: p for i, p in parent.items() if p}
        if not todo:
            break
        for line, up in todo.items():
            for key, root in roots.items():
                if root == line:
                    roots[key] = up
        parent = dict(
            db_session.execute(
                select(Voice.id, Voice.transferred_from_id).where(Voice.id.in_(set(todo.values())))
            ).all()
        )
    return roots
