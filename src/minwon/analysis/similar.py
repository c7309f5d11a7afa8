"""Similar, repeated and duplicated voices, found through the band index (never a scan).

At intake each voice is compared with the earlier voices of its office:

- **반복민원 (repeat)**: the same citizen (same phone or e-mail) raised the same matter (word
  overlap ``SAME_MATTER`` or more) at least twice before, so this is the third time or more.
- **중복 (duplicate)**: the same matter arrived earlier through another channel within
  ``DUPLICATE_DAYS`` days, from the same citizen, or, when either voice has no contact, with
  an overlap of ``DUPLICATE_ALONE`` or more.
- **다수인 (mass)**: voices whose overlap reaches ``CLUSTER`` are grouped; a group with
  ``MASS_CITIZENS`` or more different citizens (a voice without contact counts as one) is one
  matter raised by many, and every voice in it is marked.

Concurrency: the marks of a new voice are made in its intake transaction, so they are there
the moment the voice is. Joining a group writes rows of *other* voices (their group and their
다수인 mark), which concurrent intakes of the same matter write too; each intake would lock them
in its own order and PostgreSQL would find deadlocks. So the whole comparison of one office is
serialised (``lock_office``): before reading its candidates a new voice takes the office's
lock, held to commit, and the transactions that compare voices of one office run one after the
other, each seeing every voice committed before it, exactly as if intake were serial. It is the
only shared lock this part takes, and an intake waits for it holding nothing that the holder
would wait for (the holder already has its own ledger counter; the other voices' rows are only
written under the lock), so no cycle can form. SQLite's write transactions are exclusive
already.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import String, cast, delete, func, insert, select, text, union_all, update
from sqlalchemy.orm import Session

from minwon.analysis.models import VoiceAnalysis, VoiceBand
from minwon.analysis.similarity import (
    band_keys,
    jaccard,
    matter_terms,
    parse_tokens,
    stored_terms,
    terms_text,
)
from minwon.timeutil import as_aware

SAME_MATTER = 0.5
DUPLICATE_ALONE = 0.7
CLUSTER = 0.6
SHOW = 0.2
REPEAT_AFTER = 2
MASS_CITIZENS = 5
DUPLICATE_DAYS = 30
CANDIDATES = 40
BAND_SCAN = 500
CITIZEN_HISTORY = 200
LOCK_SPACE = 0x6D617373  # the first key of the advisory locks of this module ("mass")

_DIGITS = re.compile(r"\D")


@dataclass(frozen=True)
class Match:
    """An earlier voice about the same matter and how much of its wording it shares."""

    row: VoiceAnalysis
    score: float


def citizen_key(phone: str | None, email: str | None) -> str | None:
    """A join key for "the same citizen" from a phone number or e-mail address (or None).

    The key only links a citizen's voices within the database that already holds the contact;
    the e-mail wins over the phone because it is the more specific of the two.
    """
    email = (email or "").strip().lower()
    digits = _DIGITS.sub("", phone or "")
    if digits.startswith("82") and len(digits) > 10:
        digits = "0" + digits[2:]
    value = f"e:{email}" if email else (f"p:{digits}" if len(digits) >= 8 else "")
    if not value:
        return None
    return hashlib.sha256(f"minwon-citizen|{value}".encode()).hexdigest()[:32]


def index(db: Session, *, office_id: int, voice_id: int, terms: frozenset[str]) -> int:
    """Put a voice's bands in the index; returns how many (none for a voice of few words)."""
    keys = sorted(set(band_keys(terms)))
    if keys:
        db.execute(
            insert(VoiceBand),
            [{"office_id": office_id, "band": k, "voice_id": voice_id} for k in keys],
        )
    return len(keys)


def candidates(
    db: Session,
    *,
    office_id: int,
    terms: frozenset[str],
    exclude: int | None = None,
    limit: int = CANDIDATES,
) -> list[int]:
    """Voices of the office sharing a band with these words, those sharing most bands first.

    Each band is read only for its newest ``BAND_SCAN`` voices, so a band that thousands of
    voices share (a common pair of words) costs no more than a rare one.
    """
    keys = band_keys(terms)
    if not keys:
        return []
    per_band = [
        select(VoiceBand.voice_id)
        .where(VoiceBand.office_id == office_id, VoiceBand.band == key)
        .order_by(VoiceBand.voice_id.desc())
        .limit(BAND_SCAN)
        .subquery()
        for key in keys
    ]
    scanned = union_all(*(select(sub.c.voice_id) for sub in per_band)).subquery()
    hits = func.count().label("hits")
    query = (
        select(scanned.c.voice_id, hits)
        .group_by(scanned.c.voice_id)
        .order_by(hits.desc(), scanned.c.voice_id.desc())
        .limit(limit)
    )
    if exclude is not None:
        query = query.where(scanned.c.voice_id != exclude)
    return [voice_id for voice_id, _ in db.execute(query)]


def matches(
    db: Session,
    *,
    office_id: int,
    terms: frozenset[str],
    exclude: int | None = None,
    min_score: float = SHOW,
    before: datetime | None = None,
    limit: int = 5,
) -> list[Match]:
    """The voices most like these words (overlap ``min_score`` or more), best first.

    Candidates are scored on their stored words alone; only the best are loaded whole, afresh
    even when the session already holds them (their group and mark may have changed since).
    """
    ids = candidates(db, office_id=office_id, terms=terms, exclude=exclude)
    if not ids:
        return []
    light = select(VoiceAnalysis.voice_id, VoiceAnalysis.terms, VoiceAnalysis.received_at).where(
        VoiceAnalysis.voice_id.in_(ids)
    )
    scored = [
        (jaccard(terms, stored_terms(stored)), voice_id)
        for voice_id, stored, received in db.execute(light)
        if before is None or received is None or as_aware(received) <= before
    ]
    best = sorted((s for s in scored if s[0] >= min_score), key=lambda s: (-s[0], -s[1]))[:limit]
    if not best:
        return []
    rows = {
        r.voice_id: r
        for r in db.scalars(
            select(VoiceAnalysis)
            .where(VoiceAnalysis.voice_id.in_([v for _, v in best]))
            .execution_options(populate_existing=True)
        )
    }
    return [Match(rows[voice_id], score) for score, voice_id in best if voice_id in rows]


def _same_citizen(db: Session, row: VoiceAnalysis, terms: frozenset[str]) -> list[Match]:
    if row.citizen_key is None:
        return []
    query = (
        select(VoiceAnalysis)
        .where(
            VoiceAnalysis.citizen_key == row.citizen_key,
            VoiceAnalysis.office_id == row.office_id,
            VoiceAnalysis.voice_id != row.voice_id,
        )
        .order_by(VoiceAnalysis.voice_id.desc())
        .limit(CITIZEN_HISTORY)
    )
    found = (
        Match(r, jaccard(terms, stored_terms(r.terms) or matter_terms(parse_tokens(r.tokens))))
        for r in db.scalars(query)
    )
    return [m for m in found if m.score >= SAME_MATTER]


def _duplicate_of(row: VoiceAnalysis, mine: list[Match], others: list[Match]) -> int | None:
    if row.received_at is None:
        return None
    start = as_aware(row.received_at) - timedelta(days=DUPLICATE_DAYS)
    pool = mine + [
        m
        for m in others
        if m.score >= DUPLICATE_ALONE and (m.row.citizen_key is None or row.citizen_key is None)
    ]
    earlier = [
        m.row
        for m in pool
        if m.row.channel != row.channel
        and m.row.received_at is not None
        and start <= as_aware(m.row.received_at) <= as_aware(row.received_at)
    ]
    return min((r.voice_id for r in earlier), default=None)


def lock_office(db: Session, office_id: int) -> None:
    """Take the office's lock of the similar-voice groups until the transaction ends.

    Every transaction that writes the groups, marks or index rows of an office's voices takes
    it first: a transaction-scoped advisory lock on PostgreSQL (two-key space, so it never
    meets a lock of another module), nothing on SQLite, whose write transactions are exclusive.
    """
    if db.get_bind().dialect.name == "postgresql":
        db.execute(
            text("SELECT pg_advisory_xact_lock(:space, :office)"),
            {"space": LOCK_SPACE, "office": office_id},
        )


def _join_cluster(db: Session, row: VoiceAnalysis, near: Sequence[VoiceAnalysis]) -> None:
    if not near:
        return
    ids = {r.cluster_id if r.cluster_id is not None else r.voice_id for r in near}
    cluster = min(ids | {row.voice_id})
    loose = [r.voice_id for r in near if r.cluster_id is None]
    if loose:
        db.execute(
            update(VoiceAnalysis)
            .where(VoiceAnalysis.voice_id.in_(loose))
            .values(cluster_id=cluster)
        )
    merged = [c for c in ids if c != cluster]
    if merged:
        db.execute(
            update(VoiceAnalysis)
            .where(VoiceAnalysis.cluster_id.in_(merged))
            .values(cluster_id=cluster)
        )
    row.cluster_id = cluster
    db.flush()
    # a group that takes in a 다수인 voice has all of that voice's citizens: no need to count
    if any(r.mass for r in near) or citizens_in(db, cluster) >= MASS_CITIZENS:
        db.execute(
            update(VoiceAnalysis)
            .where(VoiceAnalysis.cluster_id == cluster, VoiceAnalysis.mass.is_(False))
            .values(mass=True)
        )
        row.mass = True


def citizens_in(db: Session, cluster_id: int) -> int:
    """How many different citizens raised the matter of a group (no contact counts as one)."""
    who = func.coalesce(VoiceAnalysis.citizen_key, cast(VoiceAnalysis.voice_id, String))
    query = select(func.count(func.distinct(who))).where(VoiceAnalysis.cluster_id == cluster_id)
    return int(db.scalar(query) or 0)


def assess(db: Session, row: VoiceAnalysis) -> list[Match]:
    """Mark a new voice as a repeat, a duplicate or part of a mass matter, and index it.

    Runs in the intake transaction after the voice's analysis row is added; returns the earlier
    voices about the same matter that were found. Takes the office's lock first (see the
    module's docstring), so what it reads and writes is what a serial intake would.
    """
    terms = stored_terms(row.terms) or matter_terms(parse_tokens(row.tokens))
    if not terms:
        return []
    lock_office(db, row.office_id)
    others = matches(
        db,
        office_id=row.office_id,
        terms=terms,
        exclude=row.voice_id,
        min_score=SAME_MATTER,
        limit=CANDIDATES,
    )
    mine = _same_citizen(db, row, terms)
    row.repeat_count = len(mine)
    row.duplicate_of = _duplicate_of(row, mine, others)
    _join_cluster(db, row, [m.row for m in others if m.score >= CLUSTER])
    index(db, office_id=row.office_id, voice_id=row.voice_id, terms=terms)
    return others


def is_repeat(row: VoiceAnalysis) -> bool:
    """Whether the voice is the citizen's third (or later) voice about the same matter."""
    return row.repeat_count >= REPEAT_AFTER


def rebuild(db: Session, *, office_id: int | None = None) -> int:
    """Rebuild the band index from the stored words (after a change of ``SCHEME``), office by
    office, each under its lock so that intake meanwhile waits instead of meeting it."""
    offices = select(VoiceAnalysis.office_id).distinct().order_by(VoiceAnalysis.office_id)
    if office_id is not None:
        offices = offices.where(VoiceAnalysis.office_id == office_id)
    return sum(_rebuild_office(db, office) for office in db.scalars(offices).all())


def _rebuild_office(db: Session, office_id: int) -> int:
    lock_office(db, office_id)
    db.execute(delete(VoiceBand).where(VoiceBand.office_id == office_id))
    rows = select(VoiceAnalysis.voice_id, VoiceAnalysis.tokens).where(
        VoiceAnalysis.office_id == office_id
    )
    total = 0
    for voice_id, tokens in db.execute(rows).all():
        terms = matter_terms(parse_tokens(tokens))
        db.execute(
            update(VoiceAnalysis)
            .where(VoiceAnalysis.voice_id == voice_id)
            .values(terms=terms_text(terms))
        )
        total += index(db, office_id=office_id, voice_id=voice_id, terms=terms)
    return total
