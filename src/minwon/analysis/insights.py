"""Why and where people complain, for an office and a period: the causes (topic clusters of
the masked texts) with their Pareto shares and movement against the previous period of the
same length, and the 행정동 hot spots."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from minwon.analysis.models import VoiceAnalysis
from minwon.analysis.similarity import parse_tokens
from minwon.analysis.topics import Cause, TopicDoc, find_causes
from minwon.errors import Invalid
from minwon.timeutil import KST, as_aware

MAX_DAYS = 400
MAX_DOCS = 50_000
NO_PLACE = "(동 미상)"


@dataclass(frozen=True)
class Period:
    """A period of whole days in Korean time, [start, end), and the one just before it."""

    first_day: date
    last_day: date
    start: datetime
    end: datetime
    previous_start: datetime

    @property
    def days(self) -> int:
        """Its length in days."""
        return (self.last_day - self.first_day).days + 1


def period(first_day: date, last_day: date) -> Period:
    """The period from ``first_day`` to ``last_day`` inclusive (KST), checked."""
    if last_day < first_day:
        raise Invalid("기간의 끝이 시작보다 앞섭니다.", field="end")
    days = (last_day - first_day).days + 1
    if days > MAX_DAYS:
        raise Invalid(f"기간은 {MAX_DAYS}일 이내여야 합니다.", field="end")
    start = datetime.combine(first_day, time(), KST)
    end = datetime.combine(last_day + timedelta(days=1), time(), KST)
    return Period(first_day, last_day, start, end, start - timedelta(days=days))


def default_period(today: date, days: int = 30) -> Period:
    """The last ``days`` days up to and including today."""
    return period(today - timedelta(days=days - 1), today)


@dataclass(frozen=True)
class Example:
    """A voice shown as an example of a cause: its id and the start of its masked text."""

    voice_id: int
    excerpt: str


@dataclass(frozen=True)
class CauseView:
    """One cause with its example voices (masked)."""

    cause: Cause
    examples: list[Example]


@dataclass(frozen=True)
class HotSpot:
    """A 행정동 with its voices in the period and the one before, and how many were urgent."""

    dong: str
    current: int
    previous: int
    change: float | None
    urgent: int
    angry: int


def _rows(db: Session, office_id: int | None, p: Period) -> list[VoiceAnalysis]:
    query = select(VoiceAnalysis).where(
        VoiceAnalysis.received_at >= p.previous_start, VoiceAnalysis.received_at < p.end
    )
    if office_id is not None:
        query = query.where(VoiceAnalysis.office_id == office_id)
    query = query.order_by(VoiceAnalysis.received_at.desc()).limit(MAX_DOCS)
    return list(db.scalars(query))


def _current(row: VoiceAnalysis, p: Period) -> bool:
    return row.received_at is not None and as_aware(row.received_at) >= p.start


def excerpt(masked_text: str, limit: int = 80) -> str:
    """The first line of a masked text, cut to ``limit`` characters."""
    line = masked_text.strip().split("\n", 1)[0].strip()
    return line if len(line) <= limit else line[: limit - 1] + "…"


def causes(
    db: Session, *, office_id: int | None, p: Period, max_causes: int = 10
) -> list[CauseView]:
    """The top causes of an office's voices (every office's: ``office_id`` None) in a period,
    with movement and examples."""
    rows = _rows(db, office_id, p)
    docs = [TopicDoc(r.voice_id, parse_tokens(r.tokens), _current(r, p)) for r in rows]
    found = find_causes(docs, max_topics=max_causes)
    texts = {r.voice_id: r.masked_text for r in rows}
    return [
        CauseView(c, [Example(i, excerpt(texts.get(i, ""))) for i in c.examples]) for c in found
    ]


def _change(current: int, previous: int) -> float | None:
    return None if previous == 0 else (current - previous) / previous


def hot_spots(db: Session, *, office_id: int | None, p: Period, limit: int = 20) -> list[HotSpot]:
    """The 행정동 with the most voices of an office (every office's: ``office_id`` None) in the
    period (those without a place counted apart)."""
    rows = _rows(db, office_id, p)
    now: Counter[str] = Counter()
    before: Counter[str] = Counter()
    urgent: Counter[str] = Counter()
    angry: Counter[str] = Counter()
    for r in rows:
        place = r.dong.strip() or NO_PLACE
        if _current(r, p):
            now[place] += 1
            urgent[place] += int(r.urgent)
            angry[place] += int(r.tone_label == "angry")
        else:
            before[place] += 1
    ranked = sorted(now, key=lambda d: (d == NO_PLACE, -now[d], d))[:limit]
    return [
        HotSpot(d, now[d], before[d], _change(now[d], before[d]), urgent[d], angry[d])
        for d in ranked
    ]
