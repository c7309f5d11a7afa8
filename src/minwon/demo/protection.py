"""Demo staff protection and role-play: the scenario library, four months of role-play sessions
in 구로경찰서 and 대전본부 (scores rising as the habit forms), two incidents (a visit to the
민원실 that needed the whole ladder, an abusive call), the recommended lengths of 구로경찰서
and one running suspension — all placed relative to ``now``."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from minwon.db import write_session
from minwon.errors import MinwonError
from minwon.org import service as org_service
from minwon.org.roles import Principal
from minwon.protection import incidents, practice, scenarios, settings, suspensions
from minwon.protection.models import Scenario
from minwon.protection.roleplay_schemas import SessionCreate
from minwon.protection.schemas import (
    IncidentCreate,
    IncidentUpdate,
    OfficeSettingsIn,
    SuspensionCreate,
)
from minwon.timeutil import to_kst

UNITS = {"GR01": "gr01.lead", "GR02": "gr02.lead", "DJ00": "dj00.lead"}
COACHING = [
    "요지를 되짚어 확인하는 습관이 자리 잡았습니다. 사과는 변명 없이 먼저.",
    "공감 한마디 뒤에 바로 규정을 읽지 말고 선택지를 주세요.",
    "다음 연락 일정과 담당자 이름을 꼭 남기세요.",
    "목소리를 낮추고 거리를 두니 민원인도 누그러졌습니다.",
    "경고 문구를 정확히 말했습니다. 비상벨 위치를 미리 확인해 두세요.",
    "배웅 인사까지 해서 인상이 좋았습니다.",
]


def _principal(db: Session, login: str) -> Principal | None:
    try:
        return org_service.principal_for(org_service.staff_by_login(db_session=db, login=login))
    except MinwonError:
        return None


def load_demo_protection(engine: Engine, *, now: datetime, seed: int = 15) -> int:
    """Load the demo's protection and practice records; returns the sessions made (0 when the
    demo organisation is not there)."""
    with write_session(engine) as db:
        lead = _principal(db, "gr.cs")
        if lead is None:
            return 0
        org_id = scenarios.organization_id_of(db, lead)
        scenarios.ensure_defaults(db, org_id, now)
        _settings(db, lead, now)
        _incidents(db, now)
        _suspension(db, lead, now)
        library = scenarios.library(db_session=db, principal=lead)
        return _sessions(db, library, now, random.Random(seed))


def _settings(db: Session, cs: Principal, now: datetime) -> None:
    data = OfficeSettingsIn(
        call_minutes=20,
        visit_minutes=40,
        appeal_contact="구로경찰서 민원실 (평일 09–18시, 방문·전화·서면)",
    )
    assert cs.office_id is not None
    settings.save(db_session=db, office_id=cs.office_id, data=data, principal=cs, now=now)


def _at(now: datetime, days: int, hour: int) -> datetime:
    return to_kst(now - timedelta(days=days)).replace(hour=hour, minute=20, second=0, microsecond=0)


def _incidents(db: Session, now: datetime) -> None:
    officer, lead = _principal(db, "gr00.1"), _principal(db, "gr00.lead")
    phone_officer = _principal(db, "gr01.2")
    if officer is None or lead is None or phone_officer is None:
        return
    visit = incidents.create(
        db_session=db,
        principal=officer,
        now=now,
        data=IncidentCreate(
            unit="GR00",
            occurred_at=_at(now, 25, 15),
            place="1층 민원실 상담 창구",
            channel="visit",
            what_happened="사고 후 미조치 사건 당사자가 조사 결과에 항의하며 욕설을 하고 "
            "책상을 내리친 뒤 서류철을 던짐. 대기 중이던 방문객 2명이 놀람.",
            staff=["gr00.1"],
        ),
    )
    incidents.update(
        db_session=db,
        incident_id=visit.id,
        principal=lead,
        now=now,
        data=IncidentUpdate(
            measures=[
                "calm",
                "first_warning",
                "second_warning",
                "emergency_bell",
                "protect",
                "hand_over",
                "supervisor",
            ],
            measures_note="2차 경고 뒤 비상벨, 청원경찰이 방문객을 안내하고 형사과에 인계.",
            reported=True,
            reported_note="구로경찰서 형사과 접수 (업무방해)",
            support=["rest", "counselling"],
            support_note="당일 오후 휴식, 직원 심리상담 2회 연계.",
        ),
    )
    incidents.create(
        db_session=db,
        principal=phone_officer,
        now=now,
        data=IncidentCreate(
            unit="GR01",
            occurred_at=_at(now, 9, 11),
            place="지구대 전화 상담",
            channel="phone",
            what_happened="순찰 요청 처리 결과에 불만을 품은 민원인이 20분 넘게 욕설과 "
            "협박(찾아가겠다)을 함.",
            staff=["gr01.2"],
            measures=["phone_warning", "phone_end"],
            measures_note="경고 안내 후에도 계속되어 통화 종료 안내를 하고 끊음. 녹음 보관.",
            support=["counselling"],
        ),
    )


def _suspension(db: Session, cs: Principal, now: datetime) -> None:
    data = SuspensionCreate(
        identity="010-0000-4321",
        reason_code="repeat",
        reason="같은 내용(이웃 주차)의 민원을 두 달 동안 31건 제출, 두 차례 답변 후에도 반복.",
        ends_at=to_kst(now + timedelta(days=14)).replace(tzinfo=None),
    )
    suspensions.create(db_session=db, data=data, principal=cs, now=now - timedelta(days=16))


def _sessions(db: Session, library: list[Scenario], now: datetime, rng: random.Random) -> int:
    made = 0
    for unit_code, lead_login in UNITS.items():
        lead = _principal(db, lead_login)
        if lead is None:
            continue
        unit = org_service.find_unit(db_session=db, ref=unit_code)
        people = [
            s.login
            for s in org_service.unit_staff(db_session=db, unit_id=unit.id)
            if s.role == "officer"
        ]
        for weeks_ago in range(17, 0, -2):
            progress = (17 - weeks_ago) / 17
            scenario = rng.choice(library)
            chosen = rng.sample(people, k=min(len(people), rng.choice((1, 2))))
            items = [str(i["code"]) for i in scenario.rubric]
            observer = {p: _scores(items, 2.2 + 2 * progress, rng) for p in chosen}
            own = {
                p: _scores(items, 3.0 + 1.5 * progress, rng) for p in chosen if rng.random() < 0.8
            }
            data = SessionCreate(
                scenario_id=scenario.id,
                held_at=_at(now, weeks_ago * 7 + rng.randint(0, 3), 16),
                participants=chosen,
                observer=lead_login,
                observer_scores=observer,
                self_scores=own,
                coaching=rng.choice(COACHING),
            )
            practice.record(db_session=db, data=data, principal=lead, now=now)
            made += 1
    return made


def _scores(items: list[str], level: float, rng: random.Random) -> dict[str, int]:
    return {i: max(1, min(5, round(level + rng.uniform(-1, 1)))) for i in items}
