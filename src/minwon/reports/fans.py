"""Fans: citizens who come back. For an office and a period, the returning-citizen rate (of the
citizens with a voice in the period, the share who had more than one) and the promoter share
(NPS 9–10 among survey answers); and, for citizens who consented to be contacted, their history
across voices, outreach meetings and surveys — the OK team's "customers who come back as fans"."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import cast

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from minwon.analysis.models import VoiceAnalysis
from minwon.outreach.models import Contact
from minwon.reports.dashboard import Scope, survey_sums
from minwon.surveys.models import SurveyInvitation, SurveyResponse
from minwon.timeutil import KST, as_aware
from minwon.voices.models import Voice, VoiceContact


@dataclass(frozen=True)
class Rates:
    """An office's returning-citizen rate and promoter share in a period."""

    citizens: int
    returning: int
    responses: int
    promoters: int

    @property
    def returning_rate(self) -> float | None:
        """Share of citizens with a voice in the period who had two or more."""
        return self.returning / self.citizens if self.citizens else None

    @property
    def promoter_share(self) -> float | None:
        """Share of NPS answers that were 9 or 10."""
        return self.promoters / self.responses if self.responses else None


@dataclass
class Fan:
    """A consenting citizen's history with the office."""

    name: str
    voices: list[tuple[datetime, str, str]] = field(default_factory=list)
    meetings: int = 0
    surveys: int = 0
    promoter: bool = False


def _bounds(start: date, end: date) -> tuple[datetime, datetime]:
    return datetime.combine(start, time(), KST), datetime.combine(
        end + timedelta(days=1), time(), KST
    )


def rates(db: Session, *, office_id: int, start: date, end: date) -> Rates:
    """Returning-citizen rate and promoter share of an office in a period."""
    since, until = _bounds(start, end)
    per_citizen = (
        select(VoiceAnalysis.citizen_key, func.count().label("n"))
        .where(
            VoiceAnalysis.office_id == office_id,
            VoiceAnalysis.citizen_key.is_not(None),
            VoiceAnalysis.received_at >= since,
            VoiceAnalysis.received_at < until,
        )
        .group_by(VoiceAnalysis.citizen_key)
        .subquery()
    )
    citizens, returning = db.execute(
        select(func.count(), func.coalesce(func.sum(case((per_citizen.c.n >= 2, 1), else_=0)), 0))
    ).one()
    sums = survey_sums(db, Scope((office_id,), start, end), ("nps_n", "promoters"), "office")
    mine = sums.get(office_id, {})
    return Rates(
        int(citizens or 0),
        int(returning or 0),
        int(mine.get("nps_n", 0)),
        int(mine.get("promoters", 0)),
    )


def fans(db: Session, *, office_id: int, start: date, end: date, limit: int = 100) -> list[Fan]:
    """Consenting citizens with two or more voices in the period, with their history, most
    voices first."""
    since, until = _bounds(start, end)
    rows = db.execute(
        select(
            VoiceAnalysis.citizen_key,
            Voice.id,
            Voice.received_at,
            Voice.ledger_no,
            Voice.title,
            VoiceContact.name,
        )
        .join(Voice, Voice.id == VoiceAnalysis.voice_id)
        .join(VoiceContact, VoiceContact.voice_id == Voice.id)
        .where(
            VoiceAnalysis.office_id == office_id,
            VoiceAnalysis.citizen_key.is_not(None),
            VoiceContact.consent.is_(True),
            Voice.received_at >= since,
            Voice.received_at < until,
        )
        .order_by(Voice.received_at)
    ).all()
    by_key: dict[str, Fan] = {}
    ids: dict[str, list[int]] = defaultdict(list)
    for citizen_key, voice_id, at, ledger_no, title, name in rows:
        key = cast(str, citizen_key)  # the query keeps only rows that have a citizen key
        fan = by_key.setdefault(key, Fan(name=name or "—"))
        fan.voices.append((as_aware(at), ledger_no, title))
        ids[key].append(voice_id)
    chosen = sorted(
        (k for k, f in by_key.items() if len(f.voices) >= 2), key=lambda k: -len(by_key[k].voices)
    )
    for key in chosen[:limit]:
        fan = by_key[key]
        fan.meetings = int(
            db.scalar(
                select(func.count()).select_from(Contact).where(Contact.voice_id.in_(ids[key]))
            )
            or 0
        )
        answers = db.execute(
            select(SurveyResponse.nps)
            .join(SurveyInvitation, SurveyInvitation.id == SurveyResponse.invitation_id)
            .where(SurveyInvitation.voice_id.in_(ids[key]))
        ).all()
        fan.surveys = len(answers)
        fan.promoter = any(nps is not None and nps >= 9 for (nps,) in answers)
    return [by_key[k] for k in chosen[:limit]]
