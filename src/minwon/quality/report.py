"""The quality section of the monthly CS report: checklists, mystery visits and calls, how
well each unit kept its promise, and practice beside satisfaction (role-play per unit and
rubric item, incidents per unit without staff names, and each unit's compliance, practice,
incidents and CSAT side by side), as plain report data for the PDF and Excel renderers."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from minwon.org.models import Unit
from minwon.org.roles import Principal
from minwon.protection import catalog
from minwon.protection import practice as roleplay
from minwon.protection.models import (
    Incident,
    PracticeParticipant,
    PracticeScore,
    PracticeSession,
    Scenario,
)
from minwon.quality import practice, promises, scores
from minwon.quality.defaults import STAGE_LABELS
from minwon.reports import document
from minwon.timeutil import KST

RULE = (
    "준수율 = 지킨 항목 ÷ 표시한 항목 (자가 점검·동료 관찰·암행 점검). 약속 이행률은 점검표의 "
    f"'약속을 지켰다' 항목과 설문의 약속 질문으로 셉니다. 점검 {scores.MIN_CHECKS}건 미만은 "
    "'표본 적음'으로 표시합니다."
)
PRACTICE_RULE = (
    "역할극: 부서별로 연 횟수와 참가 인원, 관찰자가 준 채점 항목별 평균 점수(1~5). "
    f"{practice.SESSIONS_MIN}회 미만은 '표본 적음'. 특이민원: 부서별 건수, 경로, 수사기관 신고 "
    "여부, 직원 지원 — 직원 이름은 싣지 않습니다. " + practice.RULE
)


def _share(rate: scores.Rate) -> float | None:
    return rate.met / rate.total if rate.total else None


def monthly_section(
    db: Session,
    *,
    principal: Principal,
    office_ids: tuple[int, ...] | None,
    first: date,
    last: date,
) -> document.Quality:
    """The month's checks, most-missed items, mystery results and promises per unit; its
    role-play practice and incidents per unit; and practice beside satisfaction."""
    overall = scores.summarize(
        db, principal=principal, first=first, last=last, office_ids=office_ids
    )
    mystery = scores.summarize(
        db, principal=principal, first=first, last=last, office_ids=office_ids, kind="mystery"
    )
    span = (
        datetime.combine(first, time(0), tzinfo=KST),
        datetime.combine(last + timedelta(days=1), time(0), tzinfo=KST),
    )
    roleplay_units, roleplay_items = _roleplay(db, principal, office_ids, span)
    mystery_units = {r.key: r.rate for r in mystery.units}
    kept = {r.key: r.rate for r in overall.promise_units}
    units = []
    for row in overall.units:
        unit = db.get(Unit, int(row.key))
        promise = promises.current(db, unit_id=unit.id, on=last) if unit else None
        m = mystery_units.get(row.key, scores.Rate())
        p = kept.get(row.key, scores.Rate())
        units.append(
            document.QualityUnit(
                unit=row.label,
                checks=row.rate.checks,
                compliance=_share(row.rate),
                mystery=m.checks,
                mystery_compliance=_share(m),
                promise=promise.text if promise else "",
                promise_kept=_share(p),
                promise_checks=p.total,
                small=row.rate.small,
            )
        )
    return document.Quality(
        checks=overall.checks,
        compliance=_share(overall.overall),
        kinds=[document.QualityKind(r.label, r.rate.checks, _share(r.rate)) for r in overall.kinds],
        missed=[
            document.QualityItem(
                label=r.label,
                stage=STAGE_LABELS.get(r.extra, r.extra),
                missed=r.rate.total - r.rate.met,
                marked=r.rate.total,
            )
            for r in overall.missed
        ],
        units=units,
        promise_kept=_share(overall.promise),
        survey_promise=_share(overall.survey_promise),
        survey_promise_n=overall.survey_promise.total,
        basis=RULE,
        roleplay=roleplay_units,
        roleplay_items=roleplay_items,
        incidents=_incidents(db, principal, office_ids, span),
        beside=_beside(db, principal, office_ids, first, last),
        practice_basis=PRACTICE_RULE,
    )


def _beside(
    db: Session,
    principal: Principal,
    office_ids: tuple[int, ...] | None,
    first: date,
    last: date,
) -> list[document.PracticeBeside]:
    """Each unit's month side by side (units only: the report names no officer)."""
    beside = practice.beside_satisfaction(
        db, principal=principal, first=first, last=last, office_ids=office_ids
    )
    return [
        document.PracticeBeside(
            unit=line.label,
            compliance=_share(line.total.checks),
            checks=line.total.checks.checks,
            checks_small=line.total.checks.small,
            sessions=line.total.sessions,
            practice_score=line.total.score,
            sessions_small=line.total.sessions_small,
            incidents=line.total.incidents,
            csat=line.total.csat,
            answers=line.total.csat_n,
            csat_small=line.total.csat_small,
        )
        for line in beside.units
    ]


def _names(db: Session, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    query = select(Unit.id, Unit.name).where(Unit.id.in_(ids))
    return dict(db.execute(query).all())


def _roleplay(
    db: Session,
    principal: Principal,
    office_ids: tuple[int, ...] | None,
    span: tuple[datetime, datetime],
) -> tuple[list[document.PracticeUnit], list[document.PracticeItem]]:
    """Sessions, participants and the observers' mean scores per unit and rubric item, for
    the sessions the caller may see."""
    query = select(PracticeSession.id, PracticeSession.unit_id, PracticeSession.scenario_id).where(
        roleplay.visible(principal),  # type: ignore[arg-type]
        PracticeSession.held_at >= span[0],
        PracticeSession.held_at < span[1],
    )
    if office_ids is not None:
        query = query.where(PracticeSession.office_id.in_(office_ids))
    held = {sid: (unit or 0, scenario) for sid, unit, scenario in db.execute(query)}
    if not held:
        return [], []
    labels: dict[str, str] = {}
    for rubric in db.scalars(
        select(Scenario.rubric).where(Scenario.id.in_({s for _, s in held.values()}))
    ):
        labels.update({str(i["code"]): str(i.get("name") or i["code"]) for i in rubric})
    sessions: Counter[int] = Counter(unit for unit, _ in held.values())
    people: Counter[int] = Counter()
    for (sid,) in db.execute(
        select(PracticeParticipant.session_id).where(PracticeParticipant.session_id.in_(held))
    ):
        people[held[sid][0]] += 1
    per_unit: dict[int, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
    overall: dict[str, list[int]] = defaultdict(list)
    observed = select(PracticeScore.session_id, PracticeScore.item, PracticeScore.score).where(
        PracticeScore.session_id.in_(held), PracticeScore.by == roleplay.OBSERVER
    )
    for sid, item, score in db.execute(observed):
        per_unit[held[sid][0]][item].append(score)
        overall[item].append(score)
    order = list(labels)

    def _items(found: dict[str, list[int]]) -> list[document.PracticeItem]:
        keys = sorted(found, key=lambda k: (order.index(k) if k in order else len(order), k))
        return [
            document.PracticeItem(labels.get(k, k), round(sum(v) / len(v), 2), len(v))
            for k, v in ((k, found[k]) for k in keys)
        ]

    names = _names(db, set(sessions))
    units = []
    for unit in sorted(sessions, key=lambda u: names.get(u, "")):
        scored = [x for v in per_unit[unit].values() for x in v]
        units.append(
            document.PracticeUnit(
                unit=names.get(unit, "부서 없음"),
                sessions=sessions[unit],
                participants=people[unit],
                mean=round(sum(scored) / len(scored), 2) if scored else None,
                items=_items(per_unit[unit]),
                small=sessions[unit] < practice.SESSIONS_MIN,
            )
        )
    return units, _items(overall)


def _incidents(
    db: Session,
    principal: Principal,
    office_ids: tuple[int, ...] | None,
    span: tuple[datetime, datetime],
) -> list[document.IncidentUnit]:
    """Incidents per unit of the caller's offices: counts by channel, reported or not, the
    support given — never who was involved."""
    if not principal.is_staff:
        return []
    query = select(Incident.unit_id, Incident.channel, Incident.reported, Incident.support).where(
        Incident.occurred_at >= span[0], Incident.occurred_at < span[1]
    )
    if not principal.all_offices:
        query = query.where(Incident.office_id == (principal.office_id or 0))
    if office_ids is not None:
        query = query.where(Incident.office_id.in_(office_ids))
    count: Counter[int] = Counter()
    channels: dict[int, Counter[str]] = defaultdict(Counter)
    reported: Counter[int] = Counter()
    supported: Counter[int] = Counter()
    support: dict[int, Counter[str]] = defaultdict(Counter)
    for unit, channel, was_reported, given in db.execute(query):
        count[unit] += 1
        channels[unit][catalog.INCIDENT_CHANNELS.get(channel, channel)] += 1
        reported[unit] += bool(was_reported)
        supported[unit] += bool(given)
        for kind in given or ():
            support[unit][catalog.SUPPORT.get(kind, kind)] += 1
    names = _names(db, set(count))
    return [
        document.IncidentUnit(
            unit=names.get(unit, ""),
            incidents=count[unit],
            by_channel=sorted(channels[unit].items(), key=lambda kv: (-kv[1], kv[0])),
            reported=reported[unit],
            supported=supported[unit],
            support=sorted(support[unit].items(), key=lambda kv: (-kv[1], kv[0])),
        )
        for unit in sorted(count, key=lambda u: names.get(u, ""))
    ]
