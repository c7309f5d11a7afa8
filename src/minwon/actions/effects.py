"""Gathering what the effect of a done action is measured on: the voices of its place or
category and of the rest of the office in equal windows before and after, with their tone and
the satisfaction citizens gave (see ``effect`` for the rule)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy.orm import Session

from minwon.actions.effect import Effect, Window, measure
from minwon.actions.models import Action
from minwon.errors import Invalid, NotFound
from minwon.org.roles import Principal
from minwon.timeutil import as_aware, to_kst, utcnow
from minwon.voices import queries

MAX_DAYS = 365


@dataclass(frozen=True)
class Measured:
    """An action's effect and the windows it compared."""

    before_start: date
    after_end: date
    effect: Effect


def cluster_voice_ids(db: Session, *, principal: Principal, cluster_id: int) -> list[int]:
    """The voices of a group of the caller's office, or NotFound."""
    from minwon.analysis.lookup import cluster_members

    if principal.office_id is None:
        raise NotFound("묶음을 찾을 수 없습니다.")
    ids = cluster_members(db_session=db, office_id=principal.office_id, cluster_id=cluster_id)
    if not ids:
        raise NotFound("묶음을 찾을 수 없습니다.")
    return ids


def _windows(
    db: Session, action: Action, start: datetime, end: datetime, category: str | None
) -> tuple[Window, Window]:
    from minwon.analysis.lookup import sentiments
    from minwon.surveys.service import csat_of_voices

    facts = queries.facts(db_session=db, office_id=action.office_id, start=start, end=end)
    ids = [f.id for f in facts]
    tone = sentiments(db_session=db, voice_ids=ids)
    csat = csat_of_voices(db, ids)
    target: list[int] = []
    rest: list[int] = []
    for f in facts:
        hit = (action.dong and f.dong == action.dong) or (category and f.category_code == category)
        (target if hit else rest).append(f.id)

    def window(group: list[int]) -> Window:
        return Window(
            len(group),
            [tone[i] for i in group if i in tone],
            [float(csat[i]) for i in group if i in csat],
        )

    return window(target), window(rest)


def of_action(
    db: Session, *, action: Action, days: int = 90, now: datetime | None = None
) -> Measured:
    """The effect of a done action over ``days`` before and after (after capped at today)."""
    from minwon.org.models import Category

    if action.done_at is None:
        raise Invalid("완료된 조치만 효과를 볼 수 있습니다.", field="status")
    if not 7 <= days <= MAX_DAYS:
        raise Invalid(f"비교 기간은 7~{MAX_DAYS}일이어야 합니다.", field="days")
    category = db.get_one(Category, action.category_id).code if action.category_id else None
    if not action.dong and category is None:
        raise Invalid("효과를 보려면 조치에 장소(행정동)나 분류가 있어야 합니다.", field="dong")
    done = as_aware(action.done_at)
    length = min(timedelta(days=days), max((now or utcnow()) - done, timedelta(days=1)))
    before = _windows(db, action, done - length, done, category)
    after = _windows(db, action, done, done + length, category)
    effect = measure(before[0], after[0], before[1], after[1])
    return Measured(to_kst(done - length).date(), to_kst(done + length).date(), effect)
