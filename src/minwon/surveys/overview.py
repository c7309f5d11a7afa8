"""What the CS manager reads on the survey page: the PCSI-style index of every office with its
absolute and peer-group grade, year-by-year ranks with streaks, the drivers of low scores, and
what citizens wrote (masked) with its tone and topics."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from minwon.quality import practice
from minwon.reports.dashboard import Scope, ranking, survey_sums
from minwon.surveys import drivers, pcsi, rankings
from minwon.surveys.models import SurveyInvitation, SurveyResponse
from minwon.timeutil import KST, as_aware
from minwon.voices import queries

ITEMS = (pcsi.Item("csat", "1-5", 0.7), pcsi.Item("nps", "0-10", 0.3))
"""The index items and weights read from the rollups (CSAT and NPS, 7:3 by default)."""


def _settings(settings: dict[str, Any]) -> dict[str, Any]:
    return settings.get("surveys", {}) if isinstance(settings, dict) else {}


def index_items(settings: dict[str, Any]) -> tuple[pcsi.Item, ...]:
    """The index items with the organisation's weights (``surveys.pcsi_weights``)."""
    weights = _settings(settings).get("pcsi_weights", {})
    return tuple(pcsi.Item(i.key, i.scale, float(weights.get(i.key, i.weight))) for i in ITEMS)


def office_index(
    db: Session,
    *,
    offices: dict[int, str],
    peer_groups: dict[int, str],
    start: date,
    end: date,
    settings: dict[str, Any],
) -> list[pcsi.PcsiResult]:
    """Each office's 100-point index over the period with its grades."""
    columns = ("csat_n", "csat_sum", "nps_n", "nps_sum", "responses")
    scope = Scope(tuple(offices), start, end)
    items = index_items(settings)
    found: dict[Any, pcsi.OfficeIndex] = {}
    for office_id, v in survey_sums(db, scope, columns, "office").items():
        sums = {
            "csat": (int(v["csat_n"]), float(v["csat_sum"])),
            "nps": (int(v["nps_n"]), float(v["nps_sum"])),
        }
        found[office_id] = pcsi.index_from_sums(sums, items, n=int(v["responses"]))
    if not found:
        return []
    conf = _settings(settings)
    return pcsi.grade_offices(
        found,
        {k: peer_groups.get(k, "기타") for k in found},
        min_n=int(conf.get("pcsi_min_n", 30)),
        min_group=int(conf.get("pcsi_min_group", 5)),
    )


def yearly_ranks(
    db: Session, *, years: list[int], level: str = "office", min_n: int = 30
) -> dict[Any, dict[int, int | None]]:
    """Each office's (or unit's) rank in each of these years."""
    history: dict[Any, dict[int, int | None]] = defaultdict(dict)
    for year in years:
        scope = Scope(None, date(year, 1, 1), date(year, 12, 31))
        for s in ranking(db, scope, level=level, min_n=min_n):
            history[s.key][year] = s.ranked.rank
    return dict(history)


def streaks(history: dict[Any, dict[int, Any]], *, as_of: int) -> dict[Any, rankings.Streak]:
    """The longest current streak of each office (1st place runs), by key."""
    found: dict[Any, rankings.Streak] = {}
    for s in rankings.streaks(history, as_of=as_of):
        if s.key not in found or s.years > found[s.key].years:
            found[s.key] = s
    return found


def _bounds(start: date, end: date) -> tuple[datetime, datetime]:
    return datetime.combine(start, time(), KST), datetime.combine(
        end + timedelta(days=1), time(), KST
    )


ATTRIBUTES = (
    "category",
    "channel",
    "deadline_missed",
    "reopened",
    "practised_90d",
    "compliant_90d",
)
"""The driver table's attributes: the voice's own, and the practice of the officer who handled
it in the 90 days before the answer (role-play practised; checklist compliance of at least
85 % over at least three checks, unknown with fewer)."""


def driver_table(db: Session, *, office_id: int, start: date, end: date) -> list[drivers.Driver]:
    """Which categories, channels, deadline misses and reopenings go with lower CSAT — and
    whether answers about officers who practised (role-play, checklists) in the 90 days before
    differ from the rest, by the same rule and the same small-sample honesty."""
    since, until = _bounds(start, end)
    rows = db.execute(
        select(
            SurveyResponse.csat,
            SurveyResponse.category_id,
            SurveyResponse.channel,
            SurveyInvitation.voice_id,
            SurveyResponse.officer_id,
            SurveyResponse.submitted_at,
        )
        .join(SurveyInvitation, SurveyInvitation.id == SurveyResponse.invitation_id)
        .where(
            SurveyResponse.office_id == office_id,
            SurveyResponse.submitted_at >= since,
            SurveyResponse.submitted_at < until,
            SurveyResponse.csat.is_not(None),
        )
        .limit(200_000)
    ).all()
    voice_ids = [r[3] for r in rows if r[3] is not None]
    facts = queries.count_facts(db_session=db, ids=voice_ids)
    reopened = queries.reopened_among(db_session=db, voice_ids=voice_ids)
    practised = practice.practice_before(
        db, office_id=office_id, answers=[(r[4], r[5]) for r in rows]
    )
    records = []
    for (csat, category_id, channel, voice_id, _, _), (trained, compliant) in zip(
        rows, practised, strict=True
    ):
        fact = facts.get(voice_id) if voice_id else None
        missed = None
        if fact is not None and fact.answered_at is not None and fact.due_at is not None:
            missed = as_aware(fact.answered_at) > as_aware(fact.due_at)
        records.append(
            {
                "csat": csat,
                "category": category_id,
                "channel": channel or None,
                "deadline_missed": missed,
                "reopened": (voice_id in reopened) if voice_id else None,
                "practised_90d": trained,
                "compliant_90d": compliant,
            }
        )
    return drivers.drivers(records, attributes=list(ATTRIBUTES))


@dataclass(frozen=True)
class Comment:
    """A citizen's written answer (masked) with its tone."""

    submitted_at: datetime
    text: str
    tone_label: str
    csat: int | None


def comments(
    db: Session, *, office_id: int, start: date, end: date, limit: int = 30
) -> list[Comment]:
    """The newest written answers of the period (masked at submission)."""
    since, until = _bounds(start, end)
    query = (
        select(SurveyResponse)
        .where(
            SurveyResponse.office_id == office_id,
            SurveyResponse.submitted_at >= since,
            SurveyResponse.submitted_at < until,
            SurveyResponse.free_text != "",
        )
        .order_by(SurveyResponse.submitted_at.desc())
        .limit(limit)
    )
    return [
        Comment(as_aware(r.submitted_at), r.free_text, r.tone_label, r.csat)
        for r in db.scalars(query)
    ]


def comment_topics(db: Session, *, office_id: int, start: date, end: date) -> list:
    """Topics of what citizens wrote in the period, against the period before."""
    from minwon.analysis.tokenize import tokenize_many
    from minwon.analysis.topics import TopicDoc, find_causes

    days = (end - start).days + 1
    since, until = _bounds(start - timedelta(days=days), end)
    current_from, _ = _bounds(start, end)
    rows = db.execute(
        select(SurveyResponse.id, SurveyResponse.free_text, SurveyResponse.submitted_at)
        .where(
            SurveyResponse.office_id == office_id,
            SurveyResponse.submitted_at >= since,
            SurveyResponse.submitted_at < until,
            SurveyResponse.free_text != "",
        )
        .limit(20_000)
    ).all()
    tokens = tokenize_many([text for _, text, _ in rows])
    docs = [
        TopicDoc(i, t, as_aware(at) >= current_from)
        for (i, _, at), t in zip(rows, tokens, strict=True)
    ]
    return find_causes(docs, max_topics=6)
