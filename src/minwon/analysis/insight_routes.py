"""HTTP API of causes, hot spots, surges, drop-away signals and clusters under
/api/v1/analysis (an office's own staff, or HQ and admins with ``office``)."""

from dataclasses import asdict
from datetime import date, timedelta
from typing import Annotated

from fastapi import APIRouter, Query
from sqlalchemy.orm import Session

from minwon.analysis import alerts, dropaway, insights, lookup
from minwon.analysis.insight_schemas import (
    CauseRead,
    CausesRead,
    ClusterRead,
    DropAwayRead,
    ExampleRead,
    HotSpotRead,
    PeriodRead,
    SurgeRead,
)
from minwon.errors import Forbidden, Invalid, NotFound
from minwon.org import service as org_service
from minwon.org.models import Office
from minwon.org.roles import HQ_ANALYST, LEADS, Principal
from minwon.timeutil import to_kst, utcnow, within_calendar
from minwon.web.deps import SessionDep, StaffDep
from minwon.web.text_route import TextRoute

router = APIRouter(route_class=TextRoute, prefix="/api/v1/analysis", tags=["analysis"])

OfficeQ = Annotated[str | None, Query(max_length=32, description="office code (HQ, admin)")]
DayQ = Annotated[date | None, Query(description="KST day, inclusive")]


def office_for(db: Session, principal: Principal, office: str | None) -> Office:
    """The office a caller asks about: their own, or any for HQ and admins."""
    if office is None:
        if principal.office_id is None:
            raise Invalid("office를 지정하세요.", field="office")
        return org_service.get_office(db_session=db, office_id=principal.office_id)
    found = org_service.find_office(db_session=db, ref=office)
    if not principal.all_offices and found.id != principal.office_id:
        raise NotFound("기관을 찾을 수 없습니다.", field="office")
    return found


def period_for(start: date | None, end: date | None, days: int = 30) -> insights.Period:
    """The period asked for; by default the last ``days`` days up to today (KST). A day outside
    the calendar a period may name is refused before any date arithmetic overflows on it."""
    within_calendar(start, "start")
    within_calendar(end, "end")
    last = end or to_kst(utcnow()).date()
    first = start or last - timedelta(days=days - 1)
    return insights.period(first, last)


def period_read(p: insights.Period) -> PeriodRead:
    """The API form of a period and the one before it."""
    return PeriodRead(
        first_day=p.first_day,
        last_day=p.last_day,
        previous_first_day=p.first_day - timedelta(days=p.days),
        previous_last_day=p.first_day - timedelta(days=1),
    )


@router.get("/causes", response_model=CausesRead, summary="주요 원인 · Top causes")
def causes(
    db: SessionDep,
    principal: StaffDep,
    office: OfficeQ = None,
    start: DayQ = None,
    end: DayQ = None,
) -> CausesRead:
    """The top causes of an office's voices in a period, moved against the period before."""
    found_office = office_for(db, principal, office)
    p = period_for(start, end)
    views = insights.causes(db, office_id=found_office.id, p=p)
    return CausesRead(
        office=found_office.code,
        period=period_read(p),
        total=sum(v.cause.current for v in views),
        causes=[
            CauseRead(
                **{k: v for k, v in asdict(view.cause).items() if k != "examples"},
                examples=[
                    ExampleRead(voice_id=e.voice_id, excerpt=e.excerpt) for e in view.examples
                ],
            )
            for view in views
        ],
    )


@router.get("/hotspots", response_model=list[HotSpotRead])
def hotspots(
    db: SessionDep,
    principal: StaffDep,
    office: OfficeQ = None,
    start: DayQ = None,
    end: DayQ = None,
) -> list[HotSpotRead]:
    """The 행정동 with the most voices in a period, with the period before."""
    found_office = office_for(db, principal, office)
    spots = insights.hot_spots(db, office_id=found_office.id, p=period_for(start, end))
    return [HotSpotRead(**asdict(s)) for s in spots]


def _surge_read(a: object) -> SurgeRead:
    return SurgeRead.model_validate(a, from_attributes=True)


@router.get("/surges", response_model=list[SurgeRead], summary="급증 알림 목록 · Surge alerts")
def surges(db: SessionDep, principal: StaffDep, office: OfficeQ = None) -> list[SurgeRead]:
    """The office's surge alerts, newest first."""
    found_office = office_for(db, principal, office)
    return [_surge_read(a) for a in alerts.recent_alerts(db, office_id=found_office.id)]


@router.post(
    "/surges/check", response_model=list[SurgeRead], summary="급증 지금 확인 · Check for surges now"
)
def check_surges(db: SessionDep, principal: StaffDep, office: OfficeQ = None) -> list[SurgeRead]:
    """Check the office for surges now; new ones are stored and sent to the unit leads."""
    if principal.role not in LEADS:
        raise Forbidden("급증 점검은 팀장·CS 담당·관리자만 할 수 있습니다.")
    found_office = office_for(db, principal, office)
    new = alerts.check(db, office_id=found_office.id, now=utcnow())
    read = [_surge_read(a) for a in new]
    db.commit()
    return read


@router.get(
    "/dropaway",
    response_model=list[DropAwayRead],
    summary="이탈 징후 시민 · Citizens drifting away",
)
def drop_away(
    db: SessionDep,
    principal: StaffDep,
    office: OfficeQ = None,
    start: DayQ = None,
    end: DayQ = None,
) -> list[DropAwayRead]:
    """Citizens with drop-away signals (angrier, reopened, escalated), with their history."""
    if principal.role not in LEADS and principal.role != HQ_ANALYST:
        raise Forbidden("이탈 신호는 팀장·CS 담당·본부 분석가만 볼 수 있습니다.")
    found_office = office_for(db, principal, office)
    p = period_for(start, end, days=180)
    found = dropaway.signals(db, office_id=found_office.id, start=p.start, end=p.end)
    return [DropAwayRead.model_validate(asdict(d)) for d in found]


@router.get("/clusters", response_model=list[ClusterRead])
def clusters(
    db: SessionDep,
    principal: StaffDep,
    office: OfficeQ = None,
    start: DayQ = None,
    end: DayQ = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> list[ClusterRead]:
    """Groups of voices about one matter (다수인 when many citizens) with voices in a period
    (by default the last 30 days), largest first."""
    found_office = office_for(db, principal, office)
    p = period_for(start, end)
    groups = lookup.clusters(
        db_session=db, office_id=found_office.id, start=p.start, end=p.end, limit=limit
    )
    return [ClusterRead(**asdict(c)) for c in groups]
