"""HTTP API of outreach (/api/v1/outreach) and patrol requests (/api/v1/patrols): what the
outreach and patrol pages do, through the same service functions, with the same office and role
rules and messages; thin — parse, call the service, commit, answer."""

from dataclasses import asdict
from typing import Annotated

from fastapi import APIRouter, File, Form, Query, Response, UploadFile
from sqlalchemy.orm import Session

from minwon.org import service as org_service
from minwon.org.models import Office, Staff, Unit
from minwon.outreach import campaigns, patrol_service, service
from minwon.outreach.campaigns import CampaignResult
from minwon.outreach.models import Campaign, Contact, PatrolLog, PatrolPlan, PatrolRequest
from minwon.outreach.schemas import (
    CampaignIn,
    CampaignRead,
    ContactCreate,
    ContactCreated,
    ContactRead,
    CoverageRead,
    DayCellRead,
    DayTotalRead,
    IncidentsRead,
    OfficerRowRead,
    PatrolLogIn,
    PatrolLogRead,
    PatrolRequestIn,
    PatrolRequestRead,
    PatrolsRead,
    PlaceRead,
    PlanIn,
    PlanItemRead,
    PlanRead,
    ProgressRead,
    ReachIn,
    ReachRead,
    RosterIn,
    RosterRead,
    SurveyHandout,
    TargetIn,
    TargetRead,
    TeamRead,
)
from minwon.outreach.service import HOUSING, ContactIn
from minwon.voices.models import Voice
from minwon.web.deps import DbId, SessionDep, StaffDep

router = APIRouter(prefix="/api/v1/outreach", tags=["outreach"])
patrol_router = APIRouter(prefix="/api/v1/patrols", tags=["patrols"])

UnitQuery = Annotated[
    str | None, Query(max_length=64, description="unit code / 부서 코드 (기본: 내 부서)")
]
DayQuery = Annotated[str | None, Query(max_length=32, description="YYYY-MM-DD")]


def _contact_read(db: Session, contact: Contact) -> ContactRead:
    officer = db.get_one(Staff, contact.officer_id)
    unit = db.get_one(Unit, contact.unit_id)
    campaign = db.get(Campaign, contact.campaign_id) if contact.campaign_id else None
    voice = db.get(Voice, contact.voice_id) if contact.voice_id else None
    return ContactRead(
        id=contact.id,
        at=contact.at,
        officer=officer.login,
        unit=unit.code,
        housing=contact.housing,
        housing_label=HOUSING.get(contact.housing, contact.housing),
        dong=contact.dong,
        address=contact.address,
        lat=contact.lat,
        lon=contact.lon,
        topic=contact.topic,
        card_given=contact.card_given,
        campaign=campaign.code if campaign else None,
        voice_id=contact.voice_id,
        ledger_no=voice.ledger_no if voice else None,
    )


@router.get(
    "/contacts",
    response_model=list[ContactRead],
    summary="현장 면담 목록 / Residents met",
    description="기간(기본 오늘까지 14일), 직원, 부서로 거른 현장 면담, 최근 순. 직원은 자기 "
    "기록만, 팀장·CS 담당은 기관의 기록을, 관리자는 모든 기관의 기록을 봅니다.\n\n"
    "Residents met in a period (default: the 14 days up to today), by officer and unit, newest "
    "first: an officer sees their own, leads and CS managers the office's, admins every "
    "office's.",
)
def list_contacts(
    db: SessionDep,
    principal: StaffDep,
    start: DayQuery = None,
    end: DayQuery = None,
    officer: Annotated[str | None, Query(max_length=64, description="staff login")] = None,
    unit: UnitQuery = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> list[ContactRead]:
    """The contacts the caller may see."""
    first, last = service.parse_period(start, end)
    unit_id = None
    if unit:
        unit_id = org_service.find_unit_for(db_session=db, principal=principal, ref=unit).id
    rows = service.list_contacts(
        db,
        principal=principal,
        start=first,
        end=last,
        officer=officer,
        unit_id=unit_id,
        limit=limit,
    )
    return [_contact_read(db, c) for c in rows]


@router.post(
    "/contacts",
    response_model=ContactCreated,
    status_code=201,
    summary="현장 면담 기록 / Log a resident met",
    description="부서 직원이 만난 주민을 기록합니다. 요청을 적으면 부서 민원 대장에 민원으로 "
    "올라가고(경로 outreach, 카드로 받았으면 card), 면담 뒤 설문이 있으면 주민에게 보여 줄 "
    "코드와 주소를 돌려줍니다.\n\nAn officer of a unit logs a resident met; a request becomes a "
    "voice in the unit's ledger (channel outreach, or card), and the after-meeting survey, when "
    "the organisation has one, comes back to show the resident.",
)
def log_contact(body: ContactCreate, db: SessionDep, principal: StaffDep) -> ContactCreated:
    """Log one resident met, as the phone page does."""
    from minwon.config import get_settings
    from minwon.surveys.qr import code_link

    data = ContactIn(
        housing=body.housing,
        dong=body.dong,
        address=body.address,
        lat=body.lat,
        lon=body.lon,
        topic=body.topic,
        card_given=body.card_given,
        campaign=body.campaign or None,
        request=body.request,
        request_channel="card" if body.from_card else "outreach",
        citizen_name=body.citizen_name,
        citizen_phone=body.citizen_phone,
        consent=body.consent,
    )
    contact, issued = service.log_contact_with_handout(db, principal=principal, data=data)
    db.commit()
    survey = None
    if issued is not None:
        from minwon.surveys import invitations

        code = issued.invitation.short_code
        survey = SurveyHandout(
            code=invitations.display_code(code), url=code_link(get_settings().base_url, code)
        )
    return ContactCreated(**_contact_read(db, contact).model_dump(), survey=survey)


@router.get(
    "/progress",
    response_model=ProgressRead,
    summary="오늘 실적 / My progress today",
    description="부서 직원의 오늘 면담 수와 일일 목표, 남은 수(휴무일이면 목표 0). 현장 면담 "
    "페이지 위쪽과 같습니다.\n\nThe calling officer's residents met today against the daily "
    "target and what is left (target 0 on a day off), as at the top of the phone page.",
)
def progress(db: SessionDep, principal: StaffDep) -> ProgressRead:
    """The caller's progress today."""
    return ProgressRead(**asdict(service.my_progress(db, principal=principal)))


@router.get(
    "/team",
    response_model=TeamRead,
    summary="팀 달성 현황 / Team progress against daily targets",
    description="부서 직원 × 날짜 표: 일일 목표 대비 실적, 달성률, 연속 달성, 빈 날. 팀장·CS "
    "담당·관리자만. 기간은 기본 오늘까지 14일(최대 366일).\n\n"
    "The unit's officers by day against the daily target: achievement rates, streaks and gaps; "
    "leads, CS managers and admins only. Default period: the 14 days up to today (at most 366).",
)
def team(
    db: SessionDep,
    principal: StaffDep,
    unit: UnitQuery = None,
    start: DayQuery = None,
    end: DayQuery = None,
) -> TeamRead:
    """The lead's table of a unit."""
    found, _ = service.team_unit(db, principal=principal, code=unit, strict=True)
    first, last = service.parse_period(start, end)
    table, names = service.team_table(
        db, principal=principal, unit_id=found.id, start=first, end=last
    )
    return TeamRead(
        unit=found.code,
        unit_name=found.name,
        start=table.start,
        end=table.end,
        daily_target=service.daily_target(db, found.id),
        rows=[
            OfficerRowRead(
                officer=r.officer,
                name=names.get(r.officer, r.officer),
                cells=[DayCellRead(**asdict(c)) for c in r.cells],
                done=r.done,
                target=r.target,
                rate=r.rate,
                current_streak=r.current_streak,
                longest_streak=r.longest_streak,
                gaps=list(r.gaps),
            )
            for r in table.rows
        ],
        totals=[DayTotalRead(**asdict(t)) for t in table.totals],
    )


@router.put(
    "/targets",
    response_model=TargetRead,
    summary="일일 목표 설정 / Set a unit's daily target",
    description="부서 직원 한 사람의 하루 면담 목표(0~100명). 그 부서의 팀장, CS 담당, 관리자.\n\n"
    "The unit's daily target per officer (0–100 residents): its lead, a CS manager or an admin.",
)
def set_target(body: TargetIn, db: SessionDep, principal: StaffDep) -> TargetRead:
    """Set the unit's daily target, as the team page does."""
    unit = org_service.find_unit_for(db_session=db, principal=principal, ref=body.unit)
    service.set_daily_target(db, principal=principal, unit_id=unit.id, daily=body.daily)
    db.commit()
    return TargetRead(unit=unit.code, daily=service.daily_target(db, unit.id))


@router.put(
    "/roster",
    response_model=RosterRead,
    summary="근무표 설정 / Set an officer's working days",
    description="기간(92일 이내)의 근무 요일에서 쉬는 날을 뺀 날을 그 직원의 근무일로 바꿉니다. "
    "팀장·CS 담당·관리자.\n\nReplaces an officer's working days in a span of at most 92 days: "
    "the weekdays worked, less the days off; leads, CS managers and admins.",
)
def set_roster(body: RosterIn, db: SessionDep, principal: StaffDep) -> RosterRead:
    """Set an officer's roster, as the team page does."""
    start, end, days = service.keep_roster(
        db,
        principal=principal,
        officer=body.officer,
        start=body.start,
        end=body.end,
        weekdays=set(body.weekdays),
        off=list(body.off),
    )
    db.commit()
    return RosterRead(officer=body.officer, start=start, end=end, days=sorted(set(days)))


def _campaign_read(db: Session, result: CampaignResult) -> CampaignRead:
    c = result.campaign
    return CampaignRead(
        id=c.id,
        office=db.get_one(Office, c.office_id).code,
        code=c.code,
        name=c.name,
        housing=list(c.housing or []),
        broadcast_script=c.broadcast_script,
        flyer_text=c.flyer_text,
        talk_points=c.talk_points,
        starts_on=c.starts_on,
        ends_on=c.ends_on,
        active=c.active,
        reach=result.reach,
        contacts=result.contacts,
        cards=result.cards,
        voices=result.voices,
        surveys=result.surveys,
        by_place=[
            PlaceRead(dong=d, housing=h, reached=n, voices=v) for d, h, n, v in result.by_place
        ],
    )


@router.get(
    "/campaigns",
    response_model=list[CampaignRead],
    summary="캠페인과 결과 / Campaigns with reach and response",
    description="기관의 캠페인(본부 분석·관리자는 모든 기관)과 활동량, 면담, 카드, 돌아온 민원·"
    "설문, 행정동·주거 형태별 결과.\n\nThe office's campaigns (every office's for HQ and "
    "admins) with their reach, contacts, cards, the voices and surveys that came back, by "
    "행정동 and housing type.",
)
def list_campaigns(db: SessionDep, principal: StaffDep) -> list[CampaignRead]:
    """Campaign results, newest first."""
    return [_campaign_read(db, r) for r in campaigns.campaign_results(db, principal=principal)]


@router.post(
    "/campaigns",
    response_model=CampaignRead,
    status_code=201,
    summary="캠페인 만들기 / Start a campaign",
    description="팀장·CS 담당이 대상 주거 형태와 방송 원고, 전단 문구, 면담 요점을 정해 "
    "캠페인을 만듭니다. 같은 기관에 같은 코드가 있으면 409.\n\nA lead or CS manager starts a "
    "campaign with its housing types and material per channel; a code the office already has "
    "is a 409.",
)
def create_campaign(body: CampaignIn, db: SessionDep, principal: StaffDep) -> CampaignRead:
    """Start a campaign, as the campaigns page does."""
    campaign = campaigns.create_campaign(
        db,
        principal=principal,
        code=body.code,
        name=body.name,
        housing=list(body.housing),
        broadcast_script=body.broadcast_script,
        flyer_text=body.flyer_text,
        talk_points=body.talk_points,
    )
    db.commit()
    result = next(
        r
        for r in campaigns.campaign_results(db, principal=principal)
        if r.campaign.id == campaign.id
    )
    return _campaign_read(db, result)


@router.post(
    "/campaigns/{campaign_id}/reach",
    response_model=ReachRead,
    status_code=201,
    summary="캠페인 활동 기록 / Log a campaign's reach",
    description="아파트 방송, 우편함 전단, 카드 배부, 일대일 면담의 수량(1~10,000)을 행정동·"
    "주거 형태와 함께 기록합니다. 부서 직원만; 다른 기관의 캠페인은 404.\n\nLogs a broadcast, "
    "flyers, cards or talks (1–10,000) with the 행정동 and housing type; officers of a unit "
    "only; another office's campaign is a 404.",
)
def log_reach(campaign_id: DbId, body: ReachIn, db: SessionDep, principal: StaffDep) -> ReachRead:
    """Log what a campaign reached, as the campaigns page does."""
    row = campaigns.log_reach(
        db,
        principal=principal,
        campaign_id=campaign_id,
        kind=body.kind,
        count=body.count,
        dong=body.dong,
        housing=body.housing,
    )
    db.commit()
    return ReachRead(
        id=row.id,
        campaign_id=row.campaign_id,
        kind=row.kind,
        count=row.count,
        dong=row.dong,
        housing=row.housing,
        at=row.at,
    )


@router.get(
    "/cards",
    summary="요청 카드 인쇄 / Printable request cards (PDF)",
    description="부서, 직원(mine=true), 캠페인이 담긴 QR 코드를 넣은 요청 카드 PDF(1~500장, "
    "A6 또는 명함 크기).\n\nRequest cards as a PDF with a QR code tagged with the unit, the "
    "caller (mine=true) and a campaign: 1–500 cards, A6 or business-card size.",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}, "description": "PDF"}},
)
def cards(
    db: SessionDep,
    principal: StaffDep,
    unit: Annotated[str, Query(max_length=64, description="unit code / 부서 코드")] = "",
    count: Annotated[int, Query(ge=1, le=500)] = 10,
    campaign: Annotated[str | None, Query(max_length=64)] = None,
    phone: Annotated[str, Query(max_length=40, description="phone on the card / 문의 전화")] = "",
    mine: bool = False,
    size: Annotated[str, Query(pattern="^(a6|business)$")] = "a6",
) -> Response:
    """Print request cards, as the cards page does."""
    pdf, unit_code = service.card_sheet(
        db,
        principal=principal,
        unit=unit,
        count=count,
        campaign=campaign,
        phone=phone,
        mine=mine,
        size=size,
    )
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="minwon-cards-{unit_code}.pdf"'},
    )


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
    data = patrol_service.request_in(body.model_dump(), body.source)
    row = patrol_service.submit(db, data=data, principal=principal)
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
    log, told = patrol_service.log_patrol(
        db, principal=principal, unit_id=unit.id, place=body.place, note=body.note
    )
    db.commit()
    return _log_read(db, log, told)


@patrol_router.post(
    "/incidents",
    response_model=IncidentsRead,
    summary="사건 통계 올리기 / Upload incident counts",
    description="분기의 사건 건수(112 신고 등)를 '장소,시(0~23),건수' UTF-8 CSV로 올려 바꿉니다"
    "(최대 50,000줄, 업로드 크기 제한 동일). 한 줄이라도 틀리면 아무것도 들어가지 않고 그 줄을 "
    "알려 줍니다. 팀장·CS 담당·관리자.\n\nReplaces the quarter's incident counts from a UTF-8 "
    "CSV of place,hour (0–23),count (at most 50,000 lines, the upload size limit as for any "
    "file); a bad line imports nothing and is named; leads, CS managers and admins.",
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
    n = patrol_service.import_incident_file(
        db, principal=principal, unit_id=found.id, quarter=quarter, data=data
    )
    db.commit()
    return IncidentsRead(unit=found.code, quarter=quarter, imported=n)
