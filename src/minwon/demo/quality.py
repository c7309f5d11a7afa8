"""Demo service quality: four months of self checks, peer observations and mystery visits and
calls in both demo offices, getting better month by month as practice takes hold (the greeting
bow, offering a seat and seeing the visitor out are missed most at first, as the Songpa traffic
investigators found); promises for most units (교통조사계 changed its promise two months ago);
mystery checks still to make and one cancelled; and counter surveys that ask whether the unit
kept its promise — so every quality page and the monthly report have something to show."""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from minwon.db import write_session
from minwon.org import service as org_service
from minwon.org.models import Staff, Unit
from minwon.org.roles import CS_MANAGER, OFFICER, UNIT_LEAD, Principal
from minwon.quality import checklists, checks, mystery, promises
from minwon.quality.models import ChecklistItem, QualityCheck
from minwon.quality.scores import PROMISE_QUESTION
from minwon.surveys import invitations, templates
from minwon.surveys.invitations import Target
from minwon.surveys.responses import submit
from minwon.timeutil import KST, to_kst

DAYS = 120
PROMISES = {
    "GR00": [(150, "모든 방문객을 일어서서 맞이하고 문 앞까지 배웅합니다")],
    "GR01": [(140, "신고하신 분께 출동 결과를 꼭 다시 알려 드립니다")],
    "GR03": [
        (150, "조사 일정을 미리 알려 드립니다"),
        (60, "사고 처리 진행 상황을 먼저 전화로 알려 드립니다"),
    ],
    "DJ00": [(150, "한 번 방문으로 끝나도록 필요한 서류를 미리 안내합니다")],
    "DJ01": [(120, "보상금 산정 근거를 쉬운 말로 설명해 드립니다")],
}
"""unit code → [(days ago it started, the promise)]."""
HARD = ("의자를", "배웅", "듣고 싶은 말", "요점을", "세 번")
"""Words of the items missed most at first."""
SCENARIOS = {
    "visit": [
        "교통사고 사실확인원을 떼러 왔으나 신분증 사본을 빠뜨린 민원인",
        "뺑소니 사건 진행 상황을 묻는 피해자 가족, 처음엔 목소리가 높음",
        "보상금 산정 이의를 어떻게 내는지 묻는 토지 소유자",
    ],
    "call": [
        "밤마다 골목 순찰을 늘려 달라는 주민의 전화",
        "분양 잔금 납부일을 확인하는 전화, 담당자 연결이 필요함",
        "지난주 응대가 불친절했다는 항의 전화",
    ],
}
PROMISE_SURVEY = templates.QuestionIn(
    PROMISE_QUESTION,
    "yesno",
    "직원들이 이 부서가 내건 서비스 약속을 지켰다고 느끼셨습니까?",
    required=False,
)


def load_demo_quality(engine: object, *, now: datetime, seed: int = 15) -> int:
    """Promises, checks, mystery visits and promise surveys in the demo; returns the checks
    made (none when the demo already has checks, so a second run changes nothing)."""
    rng = random.Random(seed)
    today = to_kst(now).date()
    with write_session(engine) as db:  # type: ignore[arg-type]
        if (db.scalar(select(func.count(QualityCheck.id))) or 0) > 0:
            return 0
        org = org_service.find_organization(db_session=db, ref="DEMO")
        checklists.ensure_defaults(db, organization_id=org.id)
        units = {u.code: u for u in org_service.list_units(db_session=db)}
        _promises(db, units, today)
        made = 0
        for unit in units.values():
            made += _unit_checks(db, rng, unit, today)
        for office in org_service.list_offices(db_session=db, principal=_ADMIN):
            made += _mystery(db, rng, office.id, today)
        _promise_survey(db, rng, org.id, units, now)
    return made


_ADMIN = Principal(None, "demo", "demo", "admin", None, None)


def _as(staff: Staff) -> Principal:
    return org_service.principal_for(staff)


def _promises(db: Session, units: dict[str, Unit], today: date) -> None:
    cs = _ADMIN
    for code, history in PROMISES.items():
        if code not in units:
            continue
        for days_ago, text in history:
            promises.set_promise(
                db, principal=cs, unit_ref=code, text=text, since=today - timedelta(days=days_ago)
            )


def _chance(item: ChecklistItem, level: float, progress: float) -> float:
    """How likely an item is met: the unit's level, better as the months go by, and the hard
    items (the bow, the seat, seeing out) clearly worse at first."""
    hard = any(word in item.text for word in HARD)
    return min(0.98, level + 0.15 * progress - (0.25 * (1 - progress) if hard else 0.0))


def _marks(
    db: Session, rng: random.Random, template_id: int, level: float, progress: float, promised: bool
) -> list[checks.Mark]:
    found = []
    for item in checklists.items(db, template_id=template_id):
        if item.is_promise and not promised:
            continue
        met = rng.random() < _chance(item, level, progress)
        note = (
            ""
            if met or rng.random() < 0.6
            else rng.choice(("바빠서 놓침", "다음엔 꼭", "개선 필요"))
        )
        found.append(checks.Mark(item_id=item.id, met=met, note=note))
    return found


def _template_id(db: Session, principal: Principal, channel: str) -> int:
    return checklists.template_for_channel(db, principal=principal, channel=channel).id


def _unit_checks(db: Session, rng: random.Random, unit: Unit, today: date) -> int:
    """Self checks every three weeks or so and a monthly peer observation by the lead; each
    officer a little better or worse than the unit (so the drivers table has officers who met
    85 % of the items and officers who did not)."""
    people = org_service.unit_staff(db_session=db, unit_id=unit.id)
    officers = [s for s in people if s.role in (OFFICER, UNIT_LEAD)]
    lead = next((s for s in people if s.role == UNIT_LEAD), None)
    level = rng.uniform(0.68, 0.82)
    channel = "visit" if unit.is_front_desk or rng.random() < 0.5 else "call"
    made = 0
    for person in officers:
        day = today - timedelta(days=DAYS - rng.randint(0, 14))
        # some officers keep to the list better; a generator of their own leaves the rest of
        # the demo (surveys, rankings) as it was
        own = level + random.Random(person.login).uniform(-0.04, 0.12)
        while day < today:
            made += _check(db, rng, _as(person), "self", unit, person, day, own, today, channel)
            if lead is not None and person.id != lead.id and rng.random() < 0.5:
                made += _check(db, rng, _as(lead), "peer", unit, person, day, own, today, channel)
            day += timedelta(days=rng.randint(16, 26))
    return made


def _check(
    db: Session,
    rng: random.Random,
    principal: Principal,
    kind: str,
    unit: Unit,
    person: Staff,
    day: date,
    level: float,
    today: date,
    channel: str,
) -> int:
    progress = 1 - (today - day).days / DAYS
    template_id = _template_id(db, principal, channel)
    promised = promises.current(db, unit_id=unit.id, on=day) is not None
    checks.record(
        db,
        principal=principal,
        data=checks.CheckIn(
            kind=kind,
            template_id=template_id,
            target="officer",
            unit=unit.code,
            officer=person.login,
            checked_on=day,
            marks=_marks(db, rng, template_id, level, progress, promised),
        ),
        today=day,
    )
    return 1


def _mystery(db: Session, rng: random.Random, office_id: int, today: date) -> int:
    """A mystery visit or call per unit each month, recorded by an officer of another unit;
    two still to make and one cancelled."""
    staff = org_service.staff_of_units(
        db_session=db,
        unit_ids=[u.id for u in org_service.list_units(db_session=db, office_id=office_id)],
    )
    cs = next((s for s in staff if s.role == CS_MANAGER), None)
    if cs is None:
        return 0
    planner = _as(cs)
    units = org_service.list_units(db_session=db, office_id=office_id)
    made = 0
    for months_ago in (4, 3, 2, 1):
        start = today - timedelta(days=30 * months_ago)
        for unit in units:
            observers = [s for s in staff if s.unit_id != unit.id and s.role == OFFICER]
            channel = rng.choice(("visit", "call"))
            visit = mystery.plan(
                db,
                principal=planner,
                data=mystery.VisitIn(
                    unit=unit.code,
                    channel=channel,
                    scenario=rng.choice(SCENARIOS[channel]),
                    window_start=start,
                    window_end=start + timedelta(days=14),
                    observer=rng.choice(observers).login,
                ),
                today=start,
            )
            observer = org_service.get_staff(db_session=db, staff_id=visit.observer_id or 0)
            day = start + timedelta(days=rng.randint(0, 13))
            progress = 1 - (today - day).days / DAYS
            template_id = _template_id(db, planner, channel)
            promised = promises.current(db, unit_id=unit.id, on=day) is not None
            mystery.record(
                db,
                principal=_as(observer),
                visit_id=visit.id,
                marks=_marks(db, rng, template_id, rng.uniform(0.62, 0.78), progress, promised),
                note=rng.choice(("", "대기 시간이 길었음", "끝까지 친절했음", "")),
                checked_on=day,
                today=day,
            )
            made += 1
    for n, unit in enumerate(units[:3]):
        observers = [s for s in staff if s.unit_id != unit.id and s.role == OFFICER]
        visit = mystery.plan(
            db,
            principal=planner,
            data=mystery.VisitIn(
                unit=unit.code,
                channel="visit" if n else "call",
                scenario=SCENARIOS["visit" if n else "call"][n % 3],
                window_start=today + timedelta(days=2 * n),
                window_end=today + timedelta(days=14 + 2 * n),
                observer=observers[0].login if observers else None,
            ),
            today=today,
        )
        if n == 2:
            mystery.cancel(db, principal=planner, visit_id=visit.id)
    return made


def _promise_survey(
    db: Session, rng: random.Random, organization_id: int, units: dict[str, Unit], now: datetime
) -> None:
    """A counter survey with the promise question, answered a few times a month at the units
    that keep a promise."""
    survey = templates.create_template(
        db_session=db,
        organization_id=organization_id,
        code="PROMISE",
        name="우리 부서의 약속 설문",
        intro="부서가 내건 약속을 지켰는지 알려 주십시오.",
        trigger="manual",
        questions=[*templates.DEFAULT_QUESTIONS, PROMISE_SURVEY],
        delay_hours=0,
        quiet_days=0,
    )
    for code in PROMISES:
        unit = units.get(code)
        if unit is None:
            continue
        keep = rng.uniform(0.65, 0.9)
        for _ in range(rng.randint(8, 14)):
            at = datetime.combine(
                to_kst(now).date() - timedelta(days=rng.randint(1, 100)), time(11), tzinfo=KST
            )
            issued = invitations.issue(
                db,
                survey,
                Target(office_id=unit.office_id, unit_id=unit.id, channel="visit"),
                via="kiosk",
                now=at,
            )
            if issued is None:
                continue
            csat = max(1, min(5, round(rng.gauss(4.0, 0.8))))
            answers: dict[str, object] = {"csat": csat, "kind": csat, "speed": csat}
            answers |= {
                "nps": min(10, csat * 2),
                PROMISE_QUESTION: "yes" if rng.random() < keep else "no",
            }
            submit(db, issued.invitation, answers, mode="kiosk", now=at)
