"""HTTP API of the reports under /api/v1/reports: each role's first screen, the dashboard with
its chart series, the monthly CS report (PDF/Excel) and the fans — the same scope rules as
the pages (thin: parse, call the services, answer)."""

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response
from sqlalchemy.orm import Session

from minwon.org import service as org_service
from minwon.org.roles import Principal
from minwon.reports import dashboard, fans, home, views
from minwon.reports.schemas import (
    CountRead,
    DashboardRead,
    DayRead,
    DriverRead,
    FanRead,
    FansRead,
    FanVoiceRead,
    HomeRead,
    ProgressRead,
    RatesRead,
    VolumeRead,
    WaitingRead,
)
from minwon.reports.views import Choice
from minwon.surveys.schemas import PeriodQuery, ScoreRead, StandingRead
from minwon.voices import queries
from minwon.voices.todo import Waiting
from minwon.web.deps import SessionDep, StaffDep
from minwon.web.text_route import TextRoute

router = APIRouter(route_class=TextRoute, prefix="/api/v1/reports", tags=["reports"])
PeriodDep = Annotated[PeriodQuery, Depends()]


def _waiting(db: Session, principal: Principal, w: Waiting | None) -> WaitingRead | None:
    if w is None:
        return None
    return WaitingRead(count=w.count, voices=queries.read_many(db, list(w.voices), principal))


@router.get("/home", response_model=HomeRead, summary="첫 화면 (할 일) · First screen: what next")
def first_screen(db: SessionDep, principal: StaffDep) -> HomeRead:
    """역할별 첫 화면: 부서장은 승인할 답변과 기한 넘긴 민원, 담당자는 맡은 민원과 오늘의 연락,
    CS 담당은 이달 만족도와 낮은 요인, 본청·관리자는 기관 순위. Each role's first screen after
    signing in, as the home page shows it."""
    screen = home.first_screen(db, principal)
    names = views.names(db, principal)
    out = screen.outreach
    return HomeRead(
        role=screen.role,
        today=screen.today,
        approval=_waiting(db, principal, screen.approval),
        overdue=_waiting(db, principal, screen.overdue),
        assigned=_waiting(db, principal, screen.assigned),
        outreach=ProgressRead(
            day=out.day,
            working=out.working,
            done=out.done,
            target=out.target,
            remaining=out.remaining,
            share=out.share,
        )
        if out
        else None,
        month_start=screen.month_start,
        month=ScoreRead.of(None, "이번 달", screen.month) if screen.month else None,
        worst=[
            DriverRead(
                attribute=d.attribute,
                value=str(d.value),
                n=d.n,
                mean=d.mean,
                rest_mean=d.rest_mean,
                diff=d.diff,
            )
            for d in screen.worst
        ],
        since=screen.since,
        standings=[
            StandingRead.of(s, screen.office_names.get(s.key) or names.of("office", s.key))
            for s in screen.standings
        ],
    )


def _choice(q: PeriodQuery) -> Choice:
    """The page's choice: no ``unit`` is the caller's default, an empty one all units."""
    return Choice(office=q.office, unit=q.unit, category=q.category, start=q.start, end=q.end)


@router.get(
    "/dashboard", response_model=DashboardRead, summary="대시보드 · Dashboard with chart series"
)
def dashboard_read(q: PeriodDep, db: SessionDep, principal: StaffDep) -> DashboardRead:
    """접수·처리량, 기한 준수, 만족도와 순위, 분류별 표, 기한 넘긴 민원과 그래프 자료. Volume and
    backlog, deadlines met, satisfaction with intervals, the fair ranking, tables by unit,
    channel and category, the overdue list and the series the dashboard's charts draw — for
    the scope the caller may see (officers and leads their unit, CS managers their office)."""
    scope, _ = views.scope_for(db, principal, _choice(q))
    names = views.names(db, principal, staff=principal.role == "officer")
    level = views.level_of(scope)
    unit = (
        org_service.get_unit(db_session=db, unit_id=scope.unit_id).code if scope.unit_id else None
    )
    overdue, _ = queries.page(
        db_session=db,
        principal=principal,
        flt=queries.LedgerFilter(overdue=True, sort="due", unit=unit),
        limit=10,
    )
    volume = dashboard.volume(db, scope)

    def table(by: str) -> list[ScoreRead]:
        return [ScoreRead.of(r.key, r.name, r.score) for r in views.table(db, scope, by, names)]

    return DashboardRead(
        start=scope.start,
        end=scope.end,
        level=level,
        volume=VolumeRead(
            received=volume.received,
            answered=volume.answered,
            on_time=volume.on_time,
            late=volume.late,
            closed=volume.closed,
            reopened=volume.reopened,
            transferred_out=volume.transferred_out,
            met_share=volume.met_share,
            average_days=volume.average_days,
        ),
        backlog=dashboard.backlog(db, scope),
        satisfaction=ScoreRead.of(None, "전체", dashboard.satisfaction(db, scope)[None].score),
        standings=[
            StandingRead.of(s, names.of(level, s.key))
            for s in dashboard.ranking(db, scope, level=level)
        ],
        by_unit=table("unit") if level == "unit" else [],
        by_channel=table("channel"),
        by_category=table("category"),
        mine=table("officer") if principal.role == "officer" else [],
        overdue=queries.read_many(db, overdue, principal),
        daily=[
            DayRead(day=d, received=r, answered=a) for d, r, a in dashboard.chart_rows(db, scope)
        ],
        trend=[
            ScoreRead.of(month, month, s)
            for month, s in dashboard.monthly_csat(db, views.trend_scope(scope))
        ],
        categories=[
            CountRead(key=None if k is None else str(k), name=names.of("category", k), count=n)
            for k, n in dashboard.counts_by(db, scope, "category_id")[:10]
        ],
    )


FORMATS = {
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@router.get(
    "/monthly",
    response_class=Response,
    summary="월간 CS 보고서 (PDF·엑셀) · Monthly CS report",
    responses={200: {"content": {m: {} for m in FORMATS.values()}}},
)
def monthly(
    db: SessionDep,
    principal: StaffDep,
    month: Annotated[str, Query(max_length=7, description="YYYY-MM")],
    format: Annotated[str, Query(pattern="^(pdf|xlsx)$")] = "pdf",
    office: Annotated[str | None, Query(max_length=40)] = None,
) -> Response:
    """한 달의 CS 보고서를 PDF나 엑셀로 내려받습니다 (보고서 페이지와 같은 범위). The CS report of
    a month for an office (or every office the caller sees) as PDF or Excel."""
    from minwon.reports import monthly as monthly_report
    from minwon.reports.pdf import render_pdf
    from minwon.reports.xlsx import render_xlsx

    report = monthly_report.build(db, principal=principal, office=office or None, month=month)
    data = render_pdf(report) if format == "pdf" else render_xlsx(report)
    name = f"minwon-cs-report-{month}.{format}"
    return Response(
        data,
        media_type=FORMATS[format],
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.get("/fans", response_model=FansRead, summary="단골·추천 시민 · Returning citizens, fans")
def fans_read(q: PeriodDep, db: SessionDep, principal: StaffDep) -> FansRead:
    """기관별 재방문율과 추천 비율, 한 기관이면 동의한 단골 시민의 이력 (개인정보 열람 직원만).
    Returning citizens and promoters per office, and — for one office, to staff who see
    personal data — the history of consenting returning citizens."""
    scope, _ = views.scope_for(db, principal, _choice(q))
    office_ids = scope.office_ids or tuple(
        o.id for o in org_service.list_offices(db_session=db, principal=principal)
    )
    names = views.names(db, principal)
    rates = []
    for o in office_ids:
        r = fans.rates(db, office_id=o, start=scope.start, end=scope.end)
        rates.append(
            RatesRead(
                office=names.offices.get(o, str(o)),
                citizens=r.citizens,
                returning=r.returning,
                returning_rate=r.returning_rate,
                responses=r.responses,
                promoters=r.promoters,
                promoter_share=r.promoter_share,
            )
        )
    people = (
        fans.fans(db, office_id=office_ids[0], start=scope.start, end=scope.end)
        if len(office_ids) == 1 and principal.sees_personal_data
        else []
    )
    return FansRead(
        start=scope.start,
        end=scope.end,
        rates=rates,
        fans=[
            FanRead(
                name=f.name,
                voices=[FanVoiceRead(received_at=a, ledger_no=n, title=t) for a, n, t in f.voices],
                meetings=f.meetings,
                surveys=f.surveys,
                promoter=f.promoter,
            )
            for f in people
        ],
    )
