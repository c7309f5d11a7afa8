"""What staff see of similar voices: the earlier voices most like one voice (or a draft text)
with the answers that were sent, so a good answer can be reused, and the groups of voices that
are one matter raised many times."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from minwon.analysis import similar
from minwon.analysis.masking import mask_text
from minwon.analysis.models import VoiceAnalysis
from minwon.analysis.similarity import MAX_STORED, matter_terms, parse_tokens, stored_terms
from minwon.errors import Invalid, NotFound
from minwon.org.roles import Principal
from minwon.timeutil import as_aware
from minwon.voices import masked_view, workflow
from minwon.voices import service as voice_service

MAX_LIMIT = 20


@dataclass(frozen=True)
class SimilarVoice:
    """An earlier voice like the one looked at, with its sent answer when there is one."""

    voice_id: int
    ledger_no: str
    title: str
    status: str
    channel: str
    received_at: datetime
    score: float
    answer: str | None


@dataclass(frozen=True)
class Marks:
    """How a voice relates to others: repeat, duplicate, part of a mass matter."""

    repeat_count: int
    repeat: bool
    duplicate_of: int | None
    duplicate_of_no: str | None
    cluster_id: int | None
    cluster_size: int
    cluster_citizens: int
    mass: bool


def _check_limit(limit: int) -> None:
    if not 1 <= limit <= MAX_LIMIT:
        raise Invalid(f"limit은 1~{MAX_LIMIT} 사이여야 합니다.", field="limit")


def for_voice(
    *, db_session: Session, principal: Principal, voice_id: int, limit: int = 5
) -> list[SimilarVoice]:
    """The earlier voices of the same office most like this one, best first."""
    _check_limit(limit)
    voice = voice_service.get(db_session=db_session, voice_id=voice_id, principal=principal)
    row = db_session.get(VoiceAnalysis, voice.id)
    if row is None:
        return []
    found = similar.matches(
        db_session,
        office_id=row.office_id,
        terms=stored_terms(row.terms) or matter_terms(parse_tokens(row.tokens)),
        exclude=row.voice_id,
        before=as_aware(voice.received_at),
        limit=limit,
    )
    return _shown(db_session, principal, found)


def for_text(
    *, db_session: Session, principal: Principal, office_id: int, text: str, limit: int = 5
) -> list[SimilarVoice]:
    """The voices of an office most like a text being written (the intake form)."""
    _check_limit(limit)
    from minwon.analysis.tokenize import content_tokens

    terms = matter_terms(content_tokens(mask_text(text))[:MAX_STORED])
    found = similar.matches(db_session, office_id=office_id, terms=terms, limit=limit)
    return _shown(db_session, principal, found)


def _shown(db: Session, principal: Principal, found: list[similar.Match]) -> list[SimilarVoice]:
    """The matches the caller may see, their text masked for a reader who sees no personal
    data."""
    out: list[SimilarVoice] = []
    citizens = masked_view.citizen_names(db, [m.row.voice_id for m in found], principal)
    for match in found:
        try:
            voice = voice_service.get(
                db_session=db, voice_id=match.row.voice_id, principal=principal
            )
        except NotFound:
            continue
        answer = workflow.sent_answer(db_session=db, voice_id=voice.id)
        citizen = citizens.get(voice.id, [])
        out.append(
            SimilarVoice(
                voice_id=voice.id,
                ledger_no=voice.ledger_no,
                title=masked_view.for_reader(voice.title, principal, citizen),
                status=voice.status,
                channel=voice.channel,
                received_at=as_aware(voice.received_at),
                score=round(match.score, 3),
                answer=masked_view.for_reader(answer.body, principal, citizen) if answer else None,
            )
        )
    return out


def marks(*, db_session: Session, row: VoiceAnalysis) -> Marks:
    """The repeat, duplicate and mass marks of an analysed voice, with the group's size."""
    size = citizens = 0
    if row.cluster_id is not None:
        size = int(
            db_session.scalar(
                select(func.count()).where(VoiceAnalysis.cluster_id == row.cluster_id)
            )
            or 0
        )
        citizens = similar.citizens_in(db_session, row.cluster_id)
    duplicate_no = None
    if row.duplicate_of is not None:
        original = voice_service.ledger_no_of(db_session=db_session, voice_id=row.duplicate_of)
        duplicate_no = original
    return Marks(
        repeat_count=row.repeat_count,
        repeat=similar.is_repeat(row),
        duplicate_of=row.duplicate_of,
        duplicate_of_no=duplicate_no,
        cluster_id=row.cluster_id,
        cluster_size=size,
        cluster_citizens=citizens,
        mass=row.mass,
    )


@dataclass(frozen=True)
class Cluster:
    """A group of voices about one matter: how many, from how many citizens, since when."""

    cluster_id: int
    size: int
    citizens: int
    mass: bool
    first_at: datetime | None
    last_at: datetime | None
    excerpt: str
    voice_ids: list[int]


def clusters(
    *,
    db_session: Session,
    office_id: int | None,
    start: datetime | None = None,
    end: datetime | None = None,
    limit: int = 50,
) -> list[Cluster]:
    """The office's (every office's: ``office_id`` None) groups of voices about one matter
    with voices in [start, end), the largest first (sizes count the voices in the period)."""
    from minwon.analysis.insights import excerpt

    size = func.count().label("size")
    where = [VoiceAnalysis.cluster_id.is_not(None), *_within(start, end)]
    if office_id is not None:
        where.append(VoiceAnalysis.office_id == office_id)
    query = (
        select(
            VoiceAnalysis.cluster_id,
            size,
            func.min(VoiceAnalysis.received_at),
            func.max(VoiceAnalysis.received_at),
        )
        .where(*where)
        .group_by(VoiceAnalysis.cluster_id)
        .having(func.count() >= 2)
        .order_by(size.desc(), VoiceAnalysis.cluster_id.desc())
        .limit(limit)
    )
    out = []
    for cluster_id, n, first, last in db_session.execute(query).all():
        if cluster_id is None:  # excluded by the query; narrows the type
            continue
        members = list(
            db_session.scalars(
                select(VoiceAnalysis)
                .where(VoiceAnalysis.cluster_id == cluster_id, *_within(start, end))
                .order_by(VoiceAnalysis.voice_id)
                .limit(50)
            )
        )
        out.append(
            Cluster(
                cluster_id=cluster_id,
                size=int(n),
                citizens=similar.citizens_in(db_session, cluster_id),
                mass=any(m.mass for m in members),
                first_at=as_aware(first) if first else None,
                last_at=as_aware(last) if last else None,
                excerpt=excerpt(members[0].masked_text) if members else "",
                voice_ids=[m.voice_id for m in members],
            )
        )
    return out


def _within(start: datetime | None, end: datetime | None) -> list[Any]:
    conditions: list[Any] = []
    if start is not None:
        conditions.append(VoiceAnalysis.received_at >= start)
    if end is not None:
        conditions.append(VoiceAnalysis.received_at < end)
    return conditions


def cluster_members(*, db_session: Session, office_id: int, cluster_id: int) -> list[int]:
    """The voices of one group of an office (for an action that answers the whole group)."""
    query = select(VoiceAnalysis.voice_id).where(
        VoiceAnalysis.office_id == office_id, VoiceAnalysis.cluster_id == cluster_id
    )
    return list(db_session.scalars(query.order_by(VoiceAnalysis.voice_id)))


def sentiments(*, db_session: Session, voice_ids: list[int]) -> dict[int, float]:
    """The tone (sentiment, −1..1) of these voices, by id."""
    found: dict[int, float] = {}
    for start in range(0, len(voice_ids), 900):
        chunk = voice_ids[start : start + 900]
        query = select(VoiceAnalysis.voice_id, VoiceAnalysis.sentiment).where(
            VoiceAnalysis.voice_id.in_(chunk)
        )
        found.update(dict(db_session.execute(query).all()))
    return found
