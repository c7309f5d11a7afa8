"""Does practice move satisfaction? For each unit (and officer) and month: checklist
compliance, role-play practice (sessions, participants, the observer's mean rubric score) and
incidents (특이·악성민원, per unit only) beside the survey's mean satisfaction (CSAT, 1–5), each
with its sample size. Side by side only — a month where both rose does not show that practice
raised satisfaction — and small samples are marked as the rankings mark them (fewer than
``SURVEY_MIN`` answers, fewer than ``scores.MIN_CHECKS`` checks, fewer than ``SESSIONS_MIN``
sessions).

Who sees what: checks as the quality pages show them, sessions as the role-play pages show
them (participants, observer, the unit's lead, the CS manager, admins; HQ none), incidents as
counts per unit of the caller's offices — never which officer an incident involved."""

from __future__ import annotations

from bisect import bisect_left
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from minwon.errors import Invalid
from minwon.org.models import Staff, Unit
from minwon.org.roles import Principal
from minwon.protection import practice as roleplay
from minwon.protection.models import Incident, PracticeParticipant, PracticeScore, PracticeSession
from minwon.quality import checks, scores
from minwon.quality.models import QualityCheck
from minwon.surveys.models import SurveyResponse
from minwon.timeutil import KST, as_aware, to_kst

SURVEY_MIN = 30
"""Answers below which a satisfaction figure is a small sample (the rankings' threshold)."""
SESSIONS_MIN = 3
"""Role-play sessions below which a practice figure (and its mean score) is a small sample."""
MAX_MONTHS = 36
"""The longest period the table covers."""
RULE = (
    "같은 달의 점검 준수율, 역할극 연습(횟수·관찰자 평균 점수), 특이민원 건수(부서별)와 설문 "
    "만족도(CSAT, 1~5)를 나란히 보여 줄 뿐, 연습이 만족도를 올렸다는 증거는 아닙니다. "
    f"응답 {SURVEY_MIN}건 미만, 점검 {scores.MIN_CHECKS}건 미만, 역할극 {SESSIONS_MIN}회 미만은 "
    "'표본 적음'으로 표시합니다 (순위와 같은 기준). 특이민원은 부서 단위로만 셉니다."
)


@dataclass
class Cell:
    """One group's month: compliance of its checks, its role-play practice, its incidents
    (units only) and the mean CSAT of its answers."""

    checks: scores.Rate = field(default_factory=scores.Rate)
    csat_sum: int = 0
    csat_n: int = 0
    sessions: int = 0
    participants: int = 0
    score_sum: int = 0
    score_n: int = 0
    incidents: int = 0

    @property
    def csat(self) -> float | None:
        """Mean satisfaction (1–5), None without answers."""
        return round(self.csat_sum / self.csat_n, 2) if self.csat_n else None

    @property
    def csat_small(self) -> bool:
        """Too few answers to read much into."""
        return self.csat_n < SURVEY_MIN

    @property
    def score(self) -> float | None:
        """The observers' mean rubric score (1–5) in the sessions, None without scores."""
        return round(self.score_sum / self.score_n, 2) if self.score_n else None

    @property
    def sessions_small(self) -> bool:
        """Too few sessions to read much into."""
        return self.sessions < SESSIONS_MIN


@dataclass
class Line:
    """A unit or an officer: a cell per month and one for the whole period."""

    key: int
    label: str
    months: dict[str, Cell] = field(default_factory=lambda: defaultdict(Cell))
    total: Cell = field(default_factory=Cell)

    def cells(self, month: str) -> tuple[Cell, Cell]:
        """The month's cell and the period's, to add one observation to both."""
        return self.months[month], self.total


@dataclass
class Practice:
    """The table of the satisfaction page, the unit's page, the API and the monthly report."""

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


def check_period(first: date, last: date) -> None:
    """A period runs forwards and covers at most ``MAX_MONTHS`` months."""
    if first > last:
        raise Invalid("기간의 시작이 끝보다 늦습니다.", field="first")
    if len(_months(first, last)) > MAX_MONTHS:
        raise Invalid(f"기간은 {MAX_MONTHS}개월까지입니다.", field="months")


def beside_satisfaction(
    db: Session,
    *,
    principal: Principal,
    first: date,
    last: date,
    unit_id: int | None = None,
    office_ids: tuple[int, ...] | None = None,
) -> Practice:
    """Compliance, role-play practice, incidents and CSAT per unit and officer and month, for
    the checks, sessions, incidents and answers the caller sees (officer names only for those
    who see names; incidents per unit only). ``office_ids`` narrows to those offices."""
    check_period(first, last)
    units: dict[int, Line] = {}
    officers: dict[int, Line] = {}
    start = datetime.combine(first, time(0), tzinfo=KST)
    end = datetime.combine(last + timedelta(days=1), time(0), tzinfo=KST)
    _checks(db, principal, first, last, unit_id, office_ids, units, officers)
    _sessions(db, principal, (start, end), unit_id, office_ids, units, officers)
    _incidents(db, principal, (start, end), unit_id, office_ids, units)
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
    if office_ids is not None:
        answers = answers.where(SurveyResponse.office_id.in_(office_ids))
    if unit_id is not None:
        answers = answers.where(SurveyResponse.unit_id == unit_id)
    for unit, officer, csat, at in db.execute(answers):
        month = to_kst(at).strftime("%Y-%m")
        for lines, found in ((units, unit), (officers, officer)):
            hit = lines.get(found) if found is not None else None
            if hit is None or csat is None:
                continue
            for cell in hit.cells(month):
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


def _line(lines: dict[int, Line], key: int) -> Line:
    return lines.setdefault(key, Line(key, ""))


def _checks(
    db: Session,
    principal: Principal,
    first: date,
    last: date,
    unit_id: int | None,
    office_ids: tuple[int, ...] | None,
    units: dict[int, Line],
    officers: dict[int, Line],
) -> None:
    query = select(QualityCheck).where(
        checks.visible(principal),  # type: ignore[arg-type]
        QualityCheck.checked_on >= first,
        QualityCheck.checked_on <= last,
    )
    if unit_id is not None:
        query = query.where(QualityCheck.unit_id == unit_id)
    if office_ids is not None:
        query = query.where(QualityCheck.office_id.in_(office_ids))
    for c in db.scalars(query):
        month = c.checked_on.strftime("%Y-%m")
        groups = [(units, c.unit_id)] + ([(officers, c.officer_id)] if c.officer_id else [])
        for lines, key in groups:
            for cell in _line(lines, key).cells(month):
                scores._add(cell.checks, c.met, c.total)


def _sessions(
    db: Session,
    principal: Principal,
    span: tuple[datetime, datetime],
    unit_id: int | None,
    office_ids: tuple[int, ...] | None,
    units: dict[int, Line],
    officers: dict[int, Line],
) -> None:
    """Sessions held per unit (participants counted), sessions attended per officer, and the
    observers' mean score of each."""
    query = select(PracticeSession.id, PracticeSession.unit_id, PracticeSession.held_at).where(
        roleplay.visible(principal),  # type: ignore[arg-type]
        PracticeSession.held_at >= span[0],
        PracticeSession.held_at < span[1],
    )
    if unit_id is not None:
        query = query.where(PracticeSession.unit_id == unit_id)
    if office_ids is not None:
        query = query.where(PracticeSession.office_id.in_(office_ids))
    held = {sid: (unit, to_kst(at).strftime("%Y-%m")) for sid, unit, at in db.execute(query)}
    if not held:
        return
    for unit, month in held.values():
        if unit is not None:
            for cell in _line(units, unit).cells(month):
                cell.sessions += 1
    ids = list(held)
    took_part = select(PracticeParticipant.session_id, PracticeParticipant.staff_id).where(
        PracticeParticipant.session_id.in_(ids)
    )
    for sid, staff_id in db.execute(took_part):
        unit, month = held[sid]
        if unit is not None:
            for cell in _line(units, unit).cells(month):
                cell.participants += 1
        for cell in _line(officers, staff_id).cells(month):
            cell.sessions += 1
            cell.participants += 1
    observed = select(PracticeScore.session_id, PracticeScore.staff_id, PracticeScore.score).where(
        PracticeScore.session_id.in_(ids), PracticeScore.by == roleplay.OBSERVER
    )
    for sid, staff_id, score in db.execute(observed):
        unit, month = held[sid]
        targets = [_line(officers, staff_id)] + ([_line(units, unit)] if unit is not None else [])
        for line in targets:
            for cell in line.cells(month):
                cell.score_sum += int(score)
                cell.score_n += 1


def _incidents(
    db: Session,
    principal: Principal,
    span: tuple[datetime, datetime],
    unit_id: int | None,
    office_ids: tuple[int, ...] | None,
    units: dict[int, Line],
) -> None:
    """Incidents per unit of the caller's offices (counts only: no staff, no text)."""
    if not principal.is_staff:
        return
    query = select(Incident.unit_id, Incident.occurred_at).where(
        Incident.occurred_at >= span[0], Incident.occurred_at < span[1]
    )
    if not principal.all_offices:
        query = query.where(Incident.office_id == (principal.office_id or 0))
    if office_ids is not None:
        query = query.where(Incident.office_id.in_(office_ids))
    if unit_id is not None:
        query = query.where(Incident.unit_id == unit_id)
    for unit, at in db.execute(query):
        for cell in _line(units, unit).cells(to_kst(at).strftime("%Y-%m")):
            cell.incidents += 1


def _label(db: Session, lines: dict[int, Line], model: type[Unit] | type[Staff]) -> None:
    if not lines:
        return
    query = select(model.id, model.name).where(model.id.in_(lines))
    for key, name in db.execute(query):
        lines[key].label = name


PRACTICE_DAYS = 90
"""How far back from a survey answer the drivers table looks for the officer's practice."""
COMPLIANT_AT = 0.85
"""The checklist compliance (items met of items marked) the drivers table calls compliant."""


def practice_before(
    db: Session, *, office_id: int, answers: Sequence[tuple[int | None, datetime]]
) -> list[tuple[bool | None, bool | None]]:
    """For each answer (officer id, when answered): whether that officer practised role-play
    in the ``PRACTICE_DAYS`` before it, and whether their checklist compliance in those days
    was at least ``COMPLIANT_AT`` — None when the officer is unknown, and compliance None when
    they had fewer than ``scores.MIN_CHECKS`` checks (a small sample says nothing either way).
    Aggregates of the office for the drivers table: no names leave this function."""
    officers = {o for o, _ in answers if o is not None}
    if not officers:
        return [(None, None) for _ in answers]
    window = timedelta(days=PRACTICE_DAYS)
    since = min(at for _, at in answers) - window
    until = max(at for _, at in answers)
    held: dict[int, list[datetime]] = defaultdict(list)
    took_part = (
        select(PracticeParticipant.staff_id, PracticeSession.held_at)
        .join(PracticeSession, PracticeSession.id == PracticeParticipant.session_id)
        .where(
            PracticeSession.office_id == office_id,
            PracticeParticipant.staff_id.in_(officers),
            PracticeSession.held_at >= since,
            PracticeSession.held_at < until,
        )
    )
    for staff_id, at in db.execute(took_part):
        held[staff_id].append(as_aware(at))
    checked: dict[int, list[tuple[date, int, int]]] = defaultdict(list)
    observed = select(
        QualityCheck.officer_id, QualityCheck.checked_on, QualityCheck.met, QualityCheck.total
    ).where(
        QualityCheck.office_id == office_id,
        QualityCheck.officer_id.in_(officers),
        QualityCheck.checked_on >= to_kst(since).date(),
        QualityCheck.checked_on <= to_kst(until).date(),
    )
    for officer, day, met, total in db.execute(observed):
        if officer is not None:
            checked[officer].append((day, met, total))
    sessions = {k: sorted(v) for k, v in held.items()}
    days = {k: sorted(v) for k, v in checked.items()}
    out: list[tuple[bool | None, bool | None]] = []
    for officer, at in answers:
        if officer is None:
            out.append((None, None))
            continue
        at = as_aware(at)
        times = sessions.get(officer, [])
        practised = bisect_left(times, at) > bisect_left(times, at - window)
        day = to_kst(at).date()
        found = [
            (met, total) for d, met, total in days.get(officer, []) if day - window <= d <= day
        ]
        marked = sum(t for _, t in found)
        compliant = None
        if len(found) >= scores.MIN_CHECKS and marked:
            compliant = sum(m for m, _ in found) / marked >= COMPLIANT_AT
        out.append((practised, compliant))
    return out
