"""Demo survey answers: about half of the citizens of answered demo voices answer the survey,
more happily when the answer came on time, and each unit has its own level of service, so the
dashboards, rankings and reports have something true-to-life to show."""

from __future__ import annotations

import random
from datetime import timedelta

from sqlalchemy import Engine, select

from minwon.db import write_session
from minwon.org import service as org_service
from minwon.surveys import invitations, templates
from minwon.surveys.invitations import Target
from minwon.surveys.responses import submit
from minwon.timeutil import as_aware
from minwon.voices.models import Voice

COMMENTS = [
    "친절하게 설명해 주셔서 감사합니다.",
    "처리가 빨라서 좋았습니다.",
    "답변이 늦어서 답답했습니다.",
    "담당자와 통화가 잘 안 됐어요.",
    "",
    "",
    "",
]


def load_demo_responses(engine: Engine, *, seed: int = 7, share: float = 0.55) -> int:
    """Answer the after-answer survey for a share of the answered demo voices; returns how many."""
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
        level = {u.id: rng.uniform(-0.6, 0.5) for u in org_service.list_units(db_session=db)}
        made = 0
        for voice in voices:
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
            submit(
                db,
                issued.invitation,
                answers,
                mode="web",
                now=min(when, issued.invitation.expires_at),
            )
            made += 1
    return made
