"""HTTP API of outreach (/api/v1/outreach): what the outreach pages do, through the same
service functions, with the same office and role rules and messages (patrols are
``patrol_routes``); thin — parse, call the service, commit, answer."""

from dataclasses import asdict
from typing import Annotated

from fastapi import APIRouter, Query, Response
from sqlalchemy.orm import Session

from minwon.org import service as org_service
from minwon.org.models import Office, Staff, Unit
from minwon.outreach import campaigns, service
from minwon.outreach.campaigns import CampaignResult
from minwon.outreach.models import Campaign, Contact
from minwon.outreach.schemas import (
    CampaignIn,
    CampaignRead,
    ContactCreate,
    ContactCreated,
    ContactRead,
    DayCellRead,
    DayTotalRead,
    OfficerRowRead,
    PlaceRead,
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
from minwon.web.text_route import TextRoute

router = APIRouter(route_class=TextRoute, prefix="/api/v1/outreach", tags=["outreach"])

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
