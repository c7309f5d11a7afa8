"""The dashboard page (/dashboard): volume and backlog, deadlines met, satisfaction with
intervals and its trend, the fair ranking, top categories and the overdue list, per role."""

from datetime import date, timedelta
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from minwon.errors import Invalid, NotFound
from minwon.org import service as org_service
from minwon.reports import dashboard, views
from minwon.reports.views import Choice
from minwon.surveys import rankings
from minwon.timeutil import to_kst, utcnow
from minwon.voices import queries
from minwon.voices.catalog import CHANNELS
from minwon.web.deps import SessionDep
from minwon.web.pages import PageStaff, refused_filter, said, tr
from minwon.web.templating import render
from minwon.web.text_route import TextRoute

router = APIRouter(route_class=TextRoute, include_in_schema=False)


def _day(value: str | None, field: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise Invalid("날짜는 YYYY-MM-DD 형식이어야 합니다.", field=field) from exc


def choice_from(params: Any) -> Choice:
    """The dashboard choice from a query string (empty unit = all units)."""
    return Choice(
        office=params.get("office") or None,
        unit=params.get("unit") if "unit" in params else None,
        category=params.get("category") or None,
        start=_day(params.get("start"), "start"),
        end=_day(params.get("end"), "end"),
    )


@router.get("/dashboard")
def dashboard_page(request: Request, db: SessionDep, principal: PageStaff) -> Response:
    """The caller's dashboard, read from the rollups; its charts load as images of their own
    (``/dashboard/charts/…``), so the figures show before the charts are drawn."""
    try:
        scope, period = views.scope_for(db, principal, choice_from(request.query_params))
    except (Invalid, NotFound) as exc:
        return refused_filter(request, "reports/error.html", exc, status=422)
    names = views.names(db, principal, staff=principal.role == "officer")
    names.channels = {code: tr(request, f"channel_{code}") for code in CHANNELS}
    names.uncategorised = tr(request, "uncategorised")
    level = _level(scope)
    overdue, _ = queries.page(
        db_session=db,
        principal=principal,
        flt=queries.LedgerFilter(overdue=True, sort="due", unit=_unit_code(db, scope.unit_id)),
        limit=10,
    )
    return render(
        request,
        "reports/dashboard.html",
        scope=scope,
        period=period,
        volume=dashboard.volume(db, scope),
        backlog=dashboard.backlog(db, scope),
        total=dashboard.satisfaction(db, scope)[None].score,
        standing=dashboard.ranking(db, scope, level=level),
        level=level,
        names=names,
        by_unit=views.table(db, scope, "unit", names) if level == "unit" else [],
        by_channel=views.table(db, scope, "channel", names),
        by_category=views.table(db, scope, "category", names),
        mine=views.table(db, scope, "officer", names) if principal.role == "officer" else [],
        rule=rankings.RULE_KO,
        charts={name: f"/dashboard/charts/{name}.svg?{request.url.query}" for name in CHARTS},
        overdue=queries.read_many(db, overdue, principal),
        offices=org_service.list_offices(db_session=db, principal=principal),
        units=_units(db, scope),
        categories=views._categories(db, principal),
        params=request.query_params,
    )


CHARTS = {"daily": "db_daily", "trend": "db_trend", "categories": "db_categories"}
"""The dashboard's charts and the interface text of their titles."""


@router.get("/dashboard/charts/{name}.svg")
def dashboard_chart(request: Request, name: str, db: SessionDep, principal: PageStaff) -> Response:
    """One chart of the dashboard as an SVG image, for the same choice of office, unit,
    category and period (the caller's scope rules apply as on the page)."""
    if name not in CHARTS:
        return render(request, "reports/error.html", 404, message=tr(request, "db_no_chart"))
    try:
        scope, _ = views.scope_for(db, principal, choice_from(request.query_params))
    except (Invalid, NotFound) as exc:  # an image: the page itself shows the form
        return render(request, "reports/error.html", 422, message=said(request, exc))
    words = {
        "접수": tr(request, "db_received"),
        "답변": tr(request, "db_answered"),
        "미분류": tr(request, "uncategorised"),
    }
    svg = views.chart(
        db,
        principal,
        scope,
        name,
        title=tr(request, CHARTS[name]),
        words=words,
        chart_words=(tr(request, "chart_omitted"), tr(request, "an_chart_no_data")),
    )
    return Response(
        svg,
        media_type="image/svg+xml",
        headers={"Cache-Control": "private, max-age=300"},
    )


def _level(scope: dashboard.Scope) -> str:
    """Offices are ranked when several are in view, the units of one office otherwise."""
    return views.level_of(scope)


def _unit_code(db: Any, unit_id: int | None) -> str | None:
    if unit_id is None:
        return None
    return org_service.get_unit(db_session=db, unit_id=unit_id).code


def _units(db: Any, scope: dashboard.Scope) -> list[Any]:
    """The units to pick from: those of the chosen office (with every office in view, a
    nationwide list of units would be too long to use; an office is picked first)."""
    if scope.office_ids is None:
        return [org_service.get_unit(db_session=db, unit_id=scope.unit_id)] if scope.unit_id else []
    return [
        u
        for office_id in scope.office_ids
        for u in org_service.list_units(db_session=db, office_id=office_id)
    ]


FORMATS = {
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@router.get("/reports/monthly")
def monthly(request: Request, db: SessionDep, principal: PageStaff) -> Response:
    """Choose a month and download its CS report as PDF or Excel."""
    from minwon.reports import monthly as monthly_report
    from minwon.reports.pdf import render_pdf
    from minwon.reports.xlsx import render_xlsx

    params = request.query_params
    month, fmt = params.get("month", ""), params.get("format", "")
    offices = org_service.list_offices(db_session=db, principal=principal)
    if not month or fmt not in FORMATS:
        return render(
            request,
            "reports/monthly.html",
            offices=offices,
            month=month or _last_month(),
            office=params.get("office", ""),
            error=None,
        )
    try:
        report = monthly_report.build(
            db, principal=principal, office=params.get("office") or None, month=month
        )
    except (Invalid, NotFound) as exc:
        return render(
            request,
            "reports/monthly.html",
            422,
            offices=offices,
            month=month,
            office=params.get("office", ""),
            error=said(request, exc),
        )
    data = render_pdf(report) if fmt == "pdf" else render_xlsx(report)
    name = f"minwon-cs-report-{month}.{fmt}"
    return Response(
        data,
        media_type=FORMATS[fmt],
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def _last_month() -> str:
    first = to_kst(utcnow()).date().replace(day=1)
    return (first - timedelta(days=1)).strftime("%Y-%m")


@router.get("/fans")
def fans_page(request: Request, db: SessionDep, principal: PageStaff) -> Response:
    """Returning citizens and promoters of the office, and the history of consenting fans."""
    from minwon.reports import fans

    try:
        scope, period = views.scope_for(db, principal, choice_from(request.query_params))
    except (Invalid, NotFound) as exc:
        return refused_filter(request, "reports/error.html", exc, status=422)
    office_ids = scope.office_ids or tuple(
        o.id for o in org_service.list_offices(db_session=db, principal=principal)
    )
    names = views.names(db, principal)
    rows = [
        (
            names.offices.get(o, str(o)),
            fans.rates(db, office_id=o, start=scope.start, end=scope.end),
        )
        for o in office_ids
    ]
    people = (
        fans.fans(db, office_id=office_ids[0], start=scope.start, end=scope.end)
        if len(office_ids) == 1 and principal.sees_personal_data
        else []
    )
    return render(request, "reports/fans.html", rows=rows, people=people, period=period)
