"""HTTP API of patrol requests (/api/v1/patrols): what the patrol pages do, through the same
service functions, with the same office and role rules and messages; thin — parse, call the
service, commit, answer."""

from typing import Annotated

from fastapi import APIRouter, File, Form, Query, UploadFile
from sqlalchemy.orm import Session

from minwon.org import service as org_service
from minwon.org.models import Unit
from minwon.outreach import incident_files, patrol_logs, patrol_requests, patrol_service
from minwon.outreach.models import PatrolLog, PatrolPlan, PatrolRequest
from minwon.outreach.routes import UnitQuery
from minwon.outreach.schemas import (
    CoverageRead,
    IncidentsRead,
    PatrolLogIn,
    PatrolLogRead,
    PatrolRequestIn,
    PatrolRequestRead,
    PatrolsRead,
    PlanIn,
    PlanItemRead,
    PlanRead,
)
from minwon.web.deps import SessionDep, StaffDep
from minwon.web.text_route import TextRoute

patrol_router = APIRouter(route_class=TextRoute, prefix="/api/v1/patrols", tags=["patrols"])


def _request_read(db: Session, row: PatrolRequest) -> PatrolRequestRead:
    return PatrolRequestRead(
        id=row.id,
        unit=db.get_one(Unit, row.unit_id).code,
        place=row.place,
        dong=row.dong,
        lat=row.lat,
        lon=row.lon,
        day=row.day,
        start_hour=row.start_hour,
        end_hour=row.end_hour,
        reason=row.reason,
        source=row.source,
        has_email=bool(row.email),
        consent=row.consent,
        quarter=row.quarter,
        notified_at=row.notified_at,
        created_at=row.created_at,
    )


def _plan_read(db: Session, plan: PatrolPlan) -> PlanRead:
    return PlanRead(
        id=plan.id,
        unit=db.get_one(Unit, plan.unit_id).code,
        quarter=plan.quarter,
        items=[PlanItemRead(**i) for i in plan.items],
        created_at=plan.created_at,
    )


def _log_read(db: Session, log: PatrolLog, told: int | None = None) -> PatrolLogRead:
    return PatrolLogRead(
        id=log.id,
        unit=db.get_one(Unit, log.unit_id).code,
        place=log.place,
        at=log.at,
        note=log.note,
        told=told,
    )


@patrol_router.get(
    "",
    response_model=PatrolsRead,
    summary="탄력순찰 현황 / A unit's patrol requests, plan and patrols",
    description="부서의 분기별 순찰 요청(요청자 전자우편은 보이지 않음), 제안 계획, 확정 계획, "
    "이번 주 순찰 현황, 최근 순찰 기록. 기관 직원이면 누구나; 다른 기관의 부서는 404.\n\n"
    "A unit's patrol requests of a quarter (requesters' addresses hidden), the suggested and "
    "the adopted plan, this week's coverage and the latest patrols; any staff of the office; "
    "another office's unit is a 404.",
)
def patrols(
    db: SessionDep,
    principal: StaffDep,
    unit: UnitQuery = None,
    quarter: Annotated[str | None, Query(max_length=8, description="e.g. 2026Q4")] = None,
) -> PatrolsRead:
    """A unit's patrol page as data."""
    view = patrol_service.unit_view(
        db, principal=principal, code=unit, quarter=quarter, strict=True
    )
    return PatrolsRead(
        unit=view.unit.code,
        unit_name=view.unit.name,
        units=[u.code for u in view.units],
        quarter=view.quarter,
        current=view.current,
        quarters=view.quarters,
        requests=[_request_read(db, r) for r in view.requests],
        suggested=[
            PlanItemRead(
                place=e.place,
                band=e.band.label,
                start=e.band.start,
                end=e.band.end,
                per_week=e.per_week,
                score=float(e.score),
                requests=len(e.request_ids),
            )
            for e in view.draft.entries
        ],
        plan=_plan_read(db, view.plan) if view.plan else None,
        coverage=[
            CoverageRead(
                place=c.place,
                band=c.band.label,
                per_week=c.per_week,
                patrols=c.patrols,
                remaining=c.remaining,
                covered=c.covered,
            )
            for c in view.covered
        ],
        focus=view.focus,
        focus_until=view.focus_until,
        logs=[_log_read(db, log) for log in view.logs],
    )


@patrol_router.post(
    "/requests",
    response_model=PatrolRequestRead,
    status_code=201,
    summary="순찰 요청 대리 접수 / Enter a patrol request",
    description="카드, 요청함, 전화, 지구대·파출소에서 받은 순찰 요청을 직원이 입력합니다. "
    "잘못된 칸은 모두 errors에 담겨 422로 돌아옵니다. 주민용 공개 양식은 /patrols/request "
    "페이지입니다.\n\nStaff enter a request taken on a card, from a request box, by phone or at "
    "the police box; every field at fault comes back in ``errors`` (422). Residents use the "
    "public page /patrols/request.",
)
def staff_request(body: PatrolRequestIn, db: SessionDep, principal: StaffDep) -> PatrolRequestRead:
    """Enter a patrol request, as the unit page does."""
    data = patrol_requests.request_in(body.model_dump(), body.source)
    row = patrol_requests.submit(db, data=data, principal=principal)
    db.commit()
    return _request_read(db, row)


@patrol_router.post(
    "/plans",
    response_model=PlanRead,
    status_code=201,
    summary="순찰 계획 확정 / Adopt the suggested plan",
    description="분기의 요청과 사건 통계로 제안된 계획을 부서의 계획으로 확정합니다(팀장·CS "
    "담당·관리자).\n\nStores the plan the quarter's requests and incidents suggest as the "
    "unit's plan (leads, CS managers, admins).",
)
def adopt_plan(body: PlanIn, db: SessionDep, principal: StaffDep) -> PlanRead:
    """Adopt the plan, as the unit page does."""
    unit = org_service.find_unit_for(db_session=db, principal=principal, ref=body.unit)
    plan = patrol_service.adopt_plan(db, principal=principal, unit_id=unit.id, quarter=body.quarter)
    db.commit()
    return _plan_read(db, plan)


@patrol_router.post(
    "/logs",
    response_model=PatrolLogRead,
    status_code=201,
    summary="순찰 기록 / Log a patrol done",
    description="다녀온 순찰을 기록합니다. 그 장소·시간대를 요청하고 연락에 동의한 주민에게 "
    "한 번 알립니다(told).\n\nRecords a patrol done; each consenting requester of that place "
    "and time is told once (``told``).",
)
def log_patrol(body: PatrolLogIn, db: SessionDep, principal: StaffDep) -> PatrolLogRead:
    """Log a patrol, as the unit page does."""
    unit = org_service.find_unit_for(db_session=db, principal=principal, ref=body.unit)
    log, told = patrol_logs.log_patrol(
        db, principal=principal, unit_id=unit.id, place=body.place, at=body.at, note=body.note
    )
    db.commit()
    return _log_read(db, log, told)


@patrol_router.post(
    "/incidents",
    response_model=IncidentsRead,
    summary="사건 통계 올리기 / Upload incident counts",
    description="분기의 사건 건수(112 신고 등)를 '장소,시(0~23),건수' UTF-8 CSV로 올려 바꿉니다"
    "(최대 50,000줄, 업로드 크기 제한 동일). 한 줄이라도 틀리면 아무것도 들어가지 않고 그 줄을 "
    "알려 줍니다. 줄이 하나도 없는 파일(빈 파일, 머리줄만)은 거절하고 통계를 그대로 둡니다. "
    "팀장·CS 담당·관리자.\n\nReplaces the quarter's incident counts from a UTF-8 "
    "CSV of place,hour (0–23),count (at most 50,000 lines, the upload size limit as for any "
    "file); a bad line imports nothing and is named, and a file with no line (empty, a header "
    "alone) is refused, the counts left as they were; leads, CS managers and admins.",
)
async def incidents(
    db: SessionDep,
    principal: StaffDep,
    unit: Annotated[str, Form(max_length=64, description="unit code / 부서 코드")],
    quarter: Annotated[str, Form(max_length=8, description="e.g. 2026Q4 / 분기")],
    file: Annotated[UploadFile, File(description="CSV: place,hour,count")],
) -> IncidentsRead:
    """Import incident counts, as the unit page does."""
    data = await file.read()
    found = org_service.find_unit_for(db_session=db, principal=principal, ref=unit)
    n = incident_files.import_incident_file(
        db, principal=principal, unit_id=found.id, quarter=quarter, data=data
    )
    db.commit()
    return IncidentsRead(unit=found.code, quarter=quarter, imported=n)
