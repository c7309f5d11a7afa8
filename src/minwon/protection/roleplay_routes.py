"""HTTP API of role-play practice under /api/v1/roleplay: the scenario library, sessions with
observer and self scores, an officer's practice history. Thin: parse, call, commit, answer."""

from fastapi import APIRouter

from minwon.protection import practice, scenarios
from minwon.protection.roleplay_schemas import (
    HistoryRead,
    ScenarioIn,
    ScenarioRead,
    SelfScoresIn,
    SessionCreate,
    SessionRead,
)
from minwon.timeutil import utcnow
from minwon.web.deps import DbId, SessionDep, StaffDep
from minwon.web.text_route import TextRoute

router = APIRouter(route_class=TextRoute, prefix="/api/v1/roleplay", tags=["roleplay"])


@router.get(
    "/scenarios",
    response_model=list[ScenarioRead],
    summary="Scenario library / 역할극 시나리오",
    description="기관의 역할극 시나리오(응대 회복 5종, 특이민원 대응 훈련 2종): 민원인의 모습, "
    "원하는 것, 점점 격해지는 대사, 1–5점 채점 기준.\n\nThe organisation's scenarios: "
    "persona, what the citizen wants, escalating lines, a rubric with 1–5 anchors.",
)
def list_scenarios(db: SessionDep, principal: StaffDep) -> list[ScenarioRead]:
    """The scenario library (shipped defaults copied in on first use)."""
    scenarios.ensure_library(db_session=db, principal=principal, now=utcnow())
    return [scenarios.read(s) for s in scenarios.library(db_session=db, principal=principal)]


@router.get(
    "/scenarios/{scenario_id}", response_model=ScenarioRead, summary="One scenario / 시나리오"
)
def get_scenario(scenario_id: DbId, db: SessionDep, principal: StaffDep) -> ScenarioRead:
    """One scenario of the caller's organisation."""
    return scenarios.read(
        scenarios.get(db_session=db, scenario_id=scenario_id, principal=principal)
    )


@router.put(
    "/scenarios/{scenario_id}",
    response_model=ScenarioRead,
    summary="Edit a scenario / 시나리오 고치기",
    description="관리자만. Admins only; rubric item codes must be distinct.",
)
def put_scenario(
    scenario_id: DbId, body: ScenarioIn, db: SessionDep, principal: StaffDep
) -> ScenarioRead:
    """Change a scenario's text, lines and rubric."""
    row = scenarios.update(
        db_session=db, scenario_id=scenario_id, data=body, principal=principal, now=utcnow()
    )
    read = scenarios.read(row)
    db.commit()
    return read


@router.post(
    "/scenarios/{scenario_id}/reset",
    response_model=ScenarioRead,
    summary="Back to the default / 기본값으로 되돌리기",
)
def reset_scenario(scenario_id: DbId, db: SessionDep, principal: StaffDep) -> ScenarioRead:
    """Put a shipped scenario back to minwon's default (admins)."""
    row = scenarios.reset(db_session=db, scenario_id=scenario_id, principal=principal, now=utcnow())
    read = scenarios.read(row)
    db.commit()
    return read


@router.get(
    "/sessions",
    response_model=list[SessionRead],
    summary="Sessions / 역할극 기록",
    description="볼 수 있는 기록: 참가자·관찰자 본인, 부서장(자기 부서), CS 담당(기관), 관리자."
    "\n\nSessions the caller may see: their own, their unit's (leads), the office's (CS).",
)
def list_sessions(db: SessionDep, principal: StaffDep) -> list[SessionRead]:
    """Sessions the caller may see, newest first."""
    return [practice.read(db, r) for r in practice.list_for(db_session=db, principal=principal)]


@router.post(
    "/sessions",
    response_model=SessionRead,
    status_code=201,
    summary="Record a session / 역할극 기록하기",
    description="참가자, 관찰자, 항목별 관찰자 점수와 자기 평가(1–5), 코칭 메모.\n\n"
    "Participants, observer, per-item observer and self scores (1–5), coaching notes.",
)
def create_session(body: SessionCreate, db: SessionDep, principal: StaffDep) -> SessionRead:
    """Record a role-play session of the caller's office."""
    row = practice.record(db_session=db, data=body, principal=principal, now=utcnow())
    read = practice.read(db, row)
    db.commit()
    return read


@router.get("/sessions/{session_id}", response_model=SessionRead, summary="One session / 기록")
def get_session(session_id: DbId, db: SessionDep, principal: StaffDep) -> SessionRead:
    """One session the caller may see."""
    return practice.read(
        db, practice.get(db_session=db, session_id=session_id, principal=principal)
    )


@router.put(
    "/sessions/{session_id}/self",
    response_model=SessionRead,
    summary="Self scores / 자기 평가",
    description="참가자 본인만. Only the participant themself.",
)
def put_self_scores(
    session_id: DbId, body: SelfScoresIn, db: SessionDep, principal: StaffDep
) -> SessionRead:
    """Give or change one's own scores for a session."""
    row = practice.set_self_scores(
        db_session=db, session_id=session_id, scores=body.scores, principal=principal
    )
    read = practice.read(db, row)
    db.commit()
    return read


@router.get(
    "/people/{staff_id}",
    response_model=HistoryRead,
    summary="Practice history / 연습 이력",
    description="직원의 역할극 이력과 항목별 평균. 본인, 부서장, CS 담당, 관리자.\n\n"
    "An officer's sessions and per-item means; the officer, their lead, CS, admins.",
)
def person_history(staff_id: DbId, db: SessionDep, principal: StaffDep) -> HistoryRead:
    """An officer's practice history."""
    return practice.history(db_session=db, staff_id=staff_id, principal=principal)
