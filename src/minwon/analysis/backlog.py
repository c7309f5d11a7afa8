"""Voices whose analysis is made after they entered the ledger: an import puts a hundred
thousand historical voices in within minutes, and reading each (masking, content words, routing
suggestion, tone, the similar-voice index) takes tens of milliseconds, so the import only queues
them here and the worker catches up, a small batch per short transaction.

Catching up makes exactly the analysis intake makes (``service.read`` masks the text before
anything else reads it; ``service.record`` stores it), except that an imported voice is never
moved: its unit came from the file or the routing rules, and a confident suggestion for one that
named no unit puts it in the triage list instead.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from sqlalchemy import Engine, delete, func, select
from sqlalchemy.orm import Session

from minwon.analysis import service
from minwon.analysis.models import AnalysisBacklog, VoiceAnalysis
from minwon.analysis.tokenize import tokenize_many
from minwon.db import Yielding, insert_rows, session_factory, write_session
from minwon.org.rules import office_rules
from minwon.voices import queries
from minwon.voices.models import Voice

BATCH = 32
"""Voices read per step (their texts are tokenized together)."""
WRITE_SECONDS = 0.25
"""About how long one write transaction storing analyses lasts (then other writers' turn)."""


@dataclass(frozen=True)
class Queued:
    """A voice to analyse later, and whether its unit was named (not chosen by rules)."""

    voice_id: int
    import_id: int | None
    addressed: bool


def queue(*, db_session: Session, items: Iterable[Queued]) -> None:
    """Queue voices for the worker's analysis, in the caller's transaction."""
    rows = [
        {"voice_id": q.voice_id, "import_id": q.import_id, "addressed": q.addressed} for q in items
    ]
    insert_rows(db_session, AnalysisBacklog, rows)


def waiting(*, db_session: Session, import_ids: list[int]) -> dict[int, int]:
    """How many voices of each of these imports still wait for their analysis."""
    if not import_ids:
        return {}
    query = (
        select(AnalysisBacklog.import_id, func.count())
        .where(AnalysisBacklog.import_id.in_(import_ids))
        .group_by(AnalysisBacklog.import_id)
    )
    return {int(i): int(n) for i, n in db_session.execute(query) if i is not None}


def catch_up(engine: Engine, *, budget: float = 20.0, batch: int = BATCH) -> int:
    """Analyse queued voices, oldest first, for about ``budget`` seconds; returns how many.

    Reading (the slow part) happens outside any transaction; the analyses are then stored in
    short write transactions that claim their queue rows, so two workers never store one twice.
    """
    done = 0
    deadline = time.monotonic() + budget
    with Yielding(engine) as pause:
        while time.monotonic() < deadline:
            step = _step(engine, batch, pause)
            if step == 0:
                break
            done += step
    return done


def _step(engine: Engine, batch: int, pause: Callable[[], None]) -> int:
    with session_factory(engine)() as db:
        queued = list(
            db.scalars(select(AnalysisBacklog).order_by(AnalysisBacklog.voice_id).limit(batch))
        )
        if not queued:
            return 0
        voices = queries.by_ids(db_session=db, ids=[q.voice_id for q in queued])
        readings = _read(voices)
        suggestions = {v.id: _suggest(db, v, readings[v.id]) for v in voices}
    addressed = {q.voice_id: q.addressed for q in queued}
    pending = voices
    while pending:
        stored = _store_some(engine, pending, readings, suggestions, addressed)
        pending = pending[stored:]
        if pending:
            pause()
    return len(queued)


def _store_some(
    engine: Engine,
    voices: list[Voice],
    readings: dict[int, service.Reading],
    suggestions: dict[int, service.Suggestion],
    addressed: dict[int, bool],
) -> int:
    """Store the first of these voices' analyses in one write transaction of about
    ``WRITE_SECONDS``; returns how many were handled."""
    started = time.monotonic()
    with write_session(engine) as db:
        claimed, todo = _claim(db, [v.id for v in voices])
        handled = []
        for voice in voices:
            if voice.id in todo:
                _store(db, voice, readings[voice.id], suggestions[voice.id], addressed[voice.id])
            handled.append(voice.id)
            if time.monotonic() - started > WRITE_SECONDS:
                break
        done = claimed.intersection(handled)
        db.execute(delete(AnalysisBacklog).where(AnalysisBacklog.voice_id.in_(done)))
    return len(handled)


def _read(voices: list[Voice]) -> dict[int, service.Reading]:
    """Mask every text first, then take the content words of the masked texts in one batch."""
    masked = {v.id: service.mask_voice(v.title, v.body, _names(v)) for v in voices}
    tokens = tokenize_many(m.text for m in masked.values())
    return {
        voice_id: service.Reading(masked=m, tokens=t)
        for (voice_id, m), t in zip(masked.items(), tokens, strict=True)
    }


def _names(voice: Voice) -> list[str]:
    contact = voice.contact
    return [contact.name] if contact is not None and contact.name else []


def _suggest(db: Session, voice: Voice, reading: service.Reading) -> service.Suggestion:
    organization_id = office_rules(db_session=db, office_id=voice.office_id).organization_id
    if not service.has_models(db, organization_id):
        return service.Suggestion(unit=None, category=None)
    return service.suggest_tokens(
        db_session=db,
        organization_id=organization_id,
        tokens=reading.tokens,
        office_id=voice.office_id,
    )


def _claim(db: Session, voice_ids: list[int]) -> tuple[set[int], set[int]]:
    """The queue rows this transaction takes (still queued and, on PostgreSQL, not being
    stored by another worker right now), and those of them that still lack an analysis."""
    query = select(AnalysisBacklog.voice_id).where(AnalysisBacklog.voice_id.in_(voice_ids))
    if db.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    claimed = set(db.scalars(query))
    done = select(VoiceAnalysis.voice_id).where(VoiceAnalysis.voice_id.in_(claimed))
    return claimed, claimed - set(db.scalars(done))


def _store(
    db: Session,
    voice: Voice,
    reading: service.Reading,
    suggestion: service.Suggestion,
    addressed: bool,
) -> None:
    contact = voice.contact
    service.record(
        db_session=db,
        voice=voice,
        reading=reading,
        contact=(contact.phone or "", contact.email or "") if contact else None,
        suggestion=suggestion,
        auto_routed=False,
        needs_triage=not addressed and suggestion.unit is not None,
    )
