"""Does practice move satisfaction? For each unit (and officer) and month: checklist
compliance beside the survey's mean satisfaction (CSAT, 1–5), each with its sample size. Side
by side only — a month where both rose does not show that the checks raised satisfaction — and
small samples are marked as the rankings mark them (fewer than ``SURVEY_MIN`` answers, fewer
than ``scores.MIN_CHECKS`` checks)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from minwon.org.models import Staff, Unit
from minwon.org.roles import Principal
from minwon.quality import checks, scores
from minwon.quality.models import QualityCheck
from minwon.surveys.models import SurveyResponse
from minwon.timeutil import KST, to_kst

SURVEY_MIN = 30
"""Answers below which a satisfaction figure is a small sample (the rankings' threshold)."""
RULE = (
    "같은 달의 점검 준수율과 설문 만족도(CSAT, 1~5)를 나란히 보여 줄 뿐, 점검이 만족도를 "
    f"올렸다는 증거는 아닙니다. 응답 {SURVEY_MIN}건 미만, 점검 {scores.MIN_CHECKS}건 미만은 "
    "'표본 적음'으로 표시합니다 (순위와 같은 기준)."
)


@dataclass
class Cell:
    """One group's month: compliance of its checks and the mean CSAT of its answers."""

    checks: scores.Rate = field(default_factory=scores.Rate)
    csat_sum: int = 0
    csat_n: int = 0

    @property
    def csat(self) -> float | None:
        """Mean satisfaction (1–5), None without answers."""
        return round(self.csat_sum / self.csat_n, 2) if self.csat_n else None

    @property
    def csat_small(self) -> bool:
        """Too few answers to read much into."""
        return self.csat_n < SURVEY_MIN


@dataclass
class Line:
    """A unit or an officer: a cell per month and one for the whole period."""

    key: int
    label: str
    months: dict[str, Cell] = field(default_factory=lambda: defaultdict(Cell))
    total: Cell = field(default_factory=Cell)


@dataclass
class Practice:
    """The table of the satisfaction page and the API."""

    months: list[str]
    units: list[Line]
    officers: list[Line]
    rule: str = RULE


def _months(first: date, last: date) -> list[str]:
    found, day = [], first.replace(day=1)
    while day <= last:
        found.append(day.strftime("%Y-%m"))
        day = (day.replace(day=28) + timedelta(days=4)).replace(day=1)
    return found


def beside_satisfaction(
    db: Session, *, principal: Principal, first: date, last: date, unit_id: int | None = None
) -> Practice:
    """Compliance and CSAT per unit and officer and month, for the checks and answers the
    caller sees (officer names only for those who see names)."""
    units: dict[int, Line] = {}
    officers: dict[int, Line] = {}
    query = select(QualityCheck).where(
        checks.visible(principal),  # type: ignore[arg-type]
        QualityCheck.checked_on >= first,
        QualityCheck.checked_on <= last,
    )
    if unit_id is not None:
        query = query.where(QualityCheck.unit_id == unit_id)
    for c in db.scalars(query):
        month = c.checked_on.strftime("%Y-%m")
        groups = [(units, c.unit_id)] + ([(officers, c.officer_id)] if c.officer_id else [])
        for lines, key in groups:
            line = lines.setdefault(key, Line(key, ""))
            for cell in (line.months[month], line.total):
                scores._add(cell.checks, c.met, c.total)
    start = datetime.combine(first, time(0), tzinfo=KST)
    end = datetime.combine(last + timedelta(days=1), time(0), tzinfo=KST)
    answers = select(
        SurveyResponse.unit_id,
        SurveyResponse.officer_id,
        SurveyResponse.csat,
        SurveyResponse.submitted_at,
    ).where(
        SurveyResponse.csat.is_not(None),
        SurveyResponse.submitted_at >= start,
        SurveyResponse.submitted_at < end,
    )
    if not principal.all_offices:
        answers = answers.where(SurveyResponse.office_id == (principal.office_id or 0))
    if unit_id is not None:
        answers = answers.where(SurveyResponse.unit_id == unit_id)
    for unit, officer, csat, at in db.execute(answers):
        month = to_kst(at).strftime("%Y-%m")
        for lines, found in ((units, unit), (officers, officer)):
            hit = lines.get(found) if found is not None else None
            if hit is None or csat is None:
                continue
            for cell in (hit.months[month], hit.total):
                cell.csat_sum += int(csat)
                cell.csat_n += 1
    _label(db, units, Unit)
    if checks.may_see_names(principal):
        _label(db, officers, Staff)
    else:
        officers = {}
    order = lambda line: line.label  # noqa: E731
    return Practice(
        months=_months(first, last),
        units=sorted(units.values(), key=order),
        officers=sorted(officers.values(), key=order),
    )


def _label(db: Session, lines: dict[int, Line], model: type[Unit] | type[Staff]) -> None:
    if not lines:
        return
    query = select(model.id, model.name).where(model.id.in_(lines))
    for key, name in db.execute(query):
        lines[key].label = name
