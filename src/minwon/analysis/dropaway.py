"""Drop-away (이탈) signals: citizens who may be giving up on the agency, for the CS manager.

A citizen (the same phone or e-mail) with two or more voices in the period shows a signal when
- **angrier**: their latest voice reads clearly worse than their first (sentiment down by
  ``WORSE`` or more, or newly angry);
- **reopened**: an answer to one of their voices was reopened (the answer did not settle it);
- **escalated**: they raised the same matter again through another channel (web, then phone,
  then a visit ...), as marked at intake (duplicate) or seen in their history.
Citizens are listed with the most signals first, then the most recent.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from minwon.analysis.models import VoiceAnalysis
from minwon.analysis.similarity import jaccard, stored_terms
from minwon.timeutil import as_aware
from minwon.voices import queries

WORSE = 0.3
SAME_MATTER = 0.5
MAX_ROWS = 100_000
SIGNALS = {
    "angrier": "더 화가 남",
    "reopened": "재민원(답변 재개)",
    "escalated": "다른 경로로 재제기",
}


@dataclass(frozen=True)
class Step:
    """One voice in a citizen's history, as the CS manager sees it (masked)."""

    voice_id: int
    received_at: datetime
    channel: str
    tone_label: str
    sentiment: float
    excerpt: str


@dataclass(frozen=True)
class DropAway:
    """A citizen with drop-away signals and their voices, oldest first."""

    citizen: str
    signals: list[str]
    history: list[Step]

    @property
    def last_at(self) -> datetime:
        """When they last raised something."""
        return self.history[-1].received_at


def _angrier(rows: list[VoiceAnalysis]) -> bool:
    first, last = rows[0], rows[-1]
    newly_angry = last.tone_label == "angry" and first.tone_label != "angry"
    return newly_angry or last.sentiment <= first.sentiment - WORSE


def _escalated(rows: list[VoiceAnalysis]) -> bool:
    if any(r.duplicate_of is not None for r in rows[1:]):
        return True
    for i, later in enumerate(rows[1:], start=1):
        terms = stored_terms(later.terms)
        for earlier in rows[:i]:
            if earlier.channel != later.channel and (
                jaccard(terms, stored_terms(earlier.terms)) >= SAME_MATTER
            ):
                return True
    return False


def signals(
    db: Session, *, office_id: int | None, start: datetime, end: datetime, limit: int = 100
) -> list[DropAway]:
    """Citizens of an office (of every office: ``office_id`` None) with drop-away signals among
    their voices in [start, end)."""
    from minwon.analysis.insights import excerpt

    query = select(VoiceAnalysis).where(
        VoiceAnalysis.citizen_key.is_not(None),
        VoiceAnalysis.received_at >= start,
        VoiceAnalysis.received_at < end,
    )
    if office_id is not None:
        query = query.where(VoiceAnalysis.office_id == office_id)
    query = query.order_by(VoiceAnalysis.received_at, VoiceAnalysis.voice_id).limit(MAX_ROWS)
    by_citizen: dict[str, list[VoiceAnalysis]] = defaultdict(list)
    for row in db.scalars(query):
        by_citizen[str(row.citizen_key)].append(row)
    groups = {k: v for k, v in by_citizen.items() if len(v) >= 2}
    reopened = queries.reopened_among(
        db_session=db, voice_ids=[r.voice_id for rows in groups.values() for r in rows]
    )
    found = []
    for key, rows in groups.items():
        marks = [
            name
            for name, hit in (
                ("angrier", _angrier(rows)),
                ("reopened", any(r.voice_id in reopened for r in rows)),
                ("escalated", _escalated(rows)),
            )
            if hit
        ]
        if marks:
            history = [
                Step(
                    r.voice_id,
                    as_aware(r.received_at) if r.received_at else as_aware(r.analysed_at),
                    r.channel,
                    r.tone_label,
                    r.sentiment,
                    excerpt(r.masked_text),
                )
                for r in rows
            ]
            found.append(DropAway(key[:8], marks, history))
    found.sort(key=lambda d: (-len(d.signals), -d.last_at.timestamp()))
    return found[:limit]
