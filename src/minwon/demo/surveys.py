"""Demo survey answers: about half of the citizens of answered demo voices answer the survey,
one to five days after the answer (never after now: a citizen answered a recent voice's survey
only if that day has come), more happily when the answer came on time, and each unit has its
own level of service (the land corporation's offices a little better all along, like the OK
team's branch that topped the nationwide survey two years running); a few counter-kiosk answers
each week, which answer no invitation. So the dashboards, rankings and reports have something
true-to-life to show."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from minwon.db import write_session
from minwon.org import service as org_service
from minwon.org.roles import ADMIN, Principal
from minwon.surveys import invitations, templates
from minwon.surveys.invitations import Target
from minwon.surveys.responses import submit
from minwon.timeutil import as_aware, utcnow
from minwon.voices.models import Voice

_EVERYONE = Principal(None, "demo", "demo", ADMIN, None, None)

COMMENTS = [
    "친절하게 설명해 주셔서 감사합니다.",
    "처리가 빨라서 좋았습니다.",
    "답변이 늦어서 답답했습니다.",
    "담당자와 통화가 잘 안 됐어요.",
    "",
    "",
    "",
]


KIOSK_WEEKS, KIOSK_PER_WEEK = 8, 3
# The OK team's office keeps its lead year after year, so rankings show a streak on any date.
OFFICE_LEVEL = {"DJ": 0.6}


def _levels(db: Session, rng: random.Random) -> dict[int, float]:
    """Each unit's level of service: its own, plus its office's lasting lead if it has one."""
    codes = {o.id: o.code for o in org_service.list_offices(db_session=db, principal=_EVERYONE)}
    return {
        u.id: rng.uniform(-0.6, 0.5) + OFFICE_LEVEL.get(codes.get(u.office_id, ""), 0.0)
        for u in org_service.list_units(db_session=db)
    }


def load_demo_responses(
    engine: Engine, *, seed: int = 7, share: float = 0.55, now: datetime | None = None
) -> int:
    """Answer the after-answer survey for a share of the answered demo voices (answers due
    after ``now`` are not given yet) and add a few kiosk answers per office; returns how many
    answers were given."""
    now = now or utcnow()
    rng = random.Random(seed)
    with write_session(engine) as db:
        org = org_service.find_organization(db_session=db, ref="DEMO")
        template = templates.ensure_defaults(db_session=db, organization_id=org.id)[0]
        voices = list(
            db.scalars(
                select(Voice)
                .where(Voice.answered_at.is_not(None), Voice.status.in_(("answered", "closed")))
                .order_by(Voice.id)
            )
        )
        level = _levels(db, rng)
        made = 0
        for voice in voices:
            if voice.answered_at is None:
                continue
            answered = as_aware(voice.answered_at)
            target = Target(
                office_id=voice.office_id,
                unit_id=voice.unit_id,
                officer_id=voice.assignee_id,
                voice_id=voice.id,
                category_id=voice.category_id,
                channel=voice.channel,
            )
            issued = invitations.issue(db, template, target, via="email", now=answered)
            if issued is None or rng.random() > share:
                continue
            late = voice.due_at is not None and answered > as_aware(voice.due_at)
            mean = 4.1 + level.get(voice.unit_id, 0.0) - (0.9 if late else 0.0)
            csat = max(1, min(5, round(rng.gauss(mean, 0.8))))
            nps = max(0, min(10, round(rng.gauss(mean * 2 - 0.5, 1.6))))
            answers = {
                "csat": csat,
                "kind": max(1, min(5, csat + rng.choice((-1, 0, 0, 1)))),
                "speed": max(1, min(5, csat - (1 if late else 0))),
                "nps": nps,
                "clear": "yes" if csat >= 3 else "no",
                "comment": rng.choice(COMMENTS),
            }
            when = answered + timedelta(hours=rng.randint(24, 24 * 5))
            if when > now:
                continue
            submit(
                db,
                issued.invitation,
                answers,
                mode="web",
                now=min(when, as_aware(issued.invitation.expires_at)),
            )
            made += 1
        made += _kiosk_visits(db, org.id, rng, now)
    return made


def _kiosk_visits(db: Session, organization_id: int, rng: random.Random, now: datetime) -> int:
    """A few counter-kiosk answers at each office's front desk over the last weeks."""
    template = templates.ensure_defaults(db_session=db, organization_id=organization_id)[1]
    made = 0
    for unit in org_service.list_units(db_session=db):
        if not unit.is_front_desk:
            continue
        for _ in range(KIOSK_WEEKS * KIOSK_PER_WEEK):
            at = now - timedelta(hours=rng.randint(1, KIOSK_WEEKS * 7 * 24))
            target = Target(office_id=unit.office_id, unit_id=unit.id, channel="visit")
            issued = invitations.issue(db, template, target, via="kiosk", now=at)
            if issued is None:
                continue
            csat = max(1, min(5, round(rng.gauss(4.2, 0.7))))
            answers: dict[str, object] = {"csat": csat, "kind": csat, "speed": csat}
            answers |= {"nps": min(10, csat * 2), "clear": "yes", "comment": ""}
            submit(db, issued.invitation, answers, mode="kiosk", now=at)
            made += 1
    return made
