"""The analysis pages: causes with a Pareto chart and hot spots (/analysis), surge alerts,
drop-away signals, groups of voices about one matter, and the routing triage list."""

from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from minwon.analysis import alerts, dropaway, insights, lookup, service, surges
from minwon.analysis.insight_routes import office_for, period_for
from minwon.errors import Forbidden, Invalid, NotFound
from minwon.org import service as org_service
from minwon.org.models import Office
from minwon.org.roles import HQ_ANALYST, LEADS, Principal
from minwon.timeutil import utcnow
from minwon.voices import queries
from minwon.web.charts import bar_svg, pareto_svg
from minwon.web.deps import CsrfDep, SessionDep
from minwon.web.pages import PageStaff, flash, form_data, redirect, refused_filter, tr
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


def _office(db: Any, principal: Principal, code: str | None) -> Office | None:
    """The office a page is about: the one asked for, else the caller's own; None (every
    office) for HQ and admins who asked for none."""
    if code is None and principal.all_offices:
        return None
    return office_for(db, principal, code)


def _scope(request: Request, db: Any, principal: Principal) -> tuple[Office | None, dict[str, Any]]:
    """The office (None: every office) and period a page is about, from its query string,
    and the form's state."""
    params = request.query_params
    office = _office(db, principal, params.get("office") or None)
    p = period_for(_day(params.get("start"), "start"), _day(params.get("end"), "end"))
    offices = org_service.list_offices(db_session=db, principal=principal)
    code = office.code if office else ""
    form = {
        "office": office,
        "office_name": office.name if office else tr(request, "db_all_offices"),
        "offices": offices if principal.all_offices else [],
        "period": p,
        "start": p.first_day.isoformat(),
        "end": p.last_day.isoformat(),
        "query": f"office={code}&start={p.first_day}&end={p.last_day}",
    }
    return office, form


def _page(request: Request, db: Any, principal: Principal, name: str, build: Any) -> Response:
    """An analysis tab for the chosen office and period (``build`` makes its content), or the
    refused filter shown again as typed."""
    try:
        office, form = _scope(request, db, principal)
        context = build(office.id if office else None, form["period"])
    except (Invalid, NotFound) as exc:
        return refused_filter(request, "analysis/error.html", exc)
    return render(request, name, **form, **context)


@router.get("/analysis")
def overview(request: Request, db: SessionDep, principal: PageStaff) -> Response:
    """Why and where people complained in a period: causes, Pareto chart, hot spots."""

    def build(office_id: int | None, p: insights.Period) -> dict[str, Any]:
        views = insights.causes(db, office_id=office_id, p=p)
        spots = insights.hot_spots(db, office_id=office_id, p=p, limit=15)
        title = tr(request, "an_pareto_title")
        count, share = tr(request, "an_chart_count"), tr(request, "an_chart_share")
        words = (count, share, tr(request, "an_chart_more"), tr(request, "an_chart_no_data"))
        place_names = {insights.NO_PLACE: tr(request, "an_dong_unknown")}
        return {
            "causes": views,
            "total": sum(v.cause.current for v in views),
            "pareto": pareto_svg(
                [v.cause.label for v in views],
                [v.cause.current for v in views],
                title=title,
                words=words,
            ),
            "spots": spots,
            "place_names": place_names,
            "spots_chart": bar_svg(
                [place_names.get(s.dong, s.dong) for s in spots[:10]],
                [s.current for s in spots[:10]],
                title=tr(request, "an_spots_title"),
                words=(tr(request, "chart_omitted"), tr(request, "an_chart_no_data")),
            ),
            "recent_alerts": alerts.recent_alerts(db, office_id=office_id, limit=5),
        }

    return _page(request, db, principal, "analysis/overview.html", build)


@router.get("/analysis/surges")
def surge_page(request: Request, db: SessionDep, principal: PageStaff) -> Response:
    """The office's surge alerts and the rule behind them."""

    def build(office_id: int | None, p: insights.Period) -> dict[str, Any]:
        return {
            "alerts": alerts.recent_alerts(db, office_id=office_id),
            "rule": surges.RULE_KO,
            "may_check": principal.role in LEADS and office_id is not None,
            "kinds": alerts.KINDS,
        }

    return _page(request, db, principal, "analysis/surges.html", build)


@router.post("/analysis/surges/check", dependencies=[CsrfDep])
async def surge_check(request: Request, db: SessionDep, principal: PageStaff) -> Response:
    """Check the office for surges now (leads); new alerts go to the unit leads by e-mail."""
    if principal.role not in LEADS:
        raise Forbidden("급증 점검은 팀장·CS 담당·관리자만 할 수 있습니다.")
    form = await form_data(request)
    office = office_for(db, principal, form.get("office") or None)
    new = alerts.check(db, office_id=office.id, now=utcnow())
    db.commit()
    flash(request, tr(request, "an_checked", n=len(new)))
    return redirect(f"/analysis/surges?office={office.code}")


@router.get("/analysis/dropaway")
def dropaway_page(request: Request, db: SessionDep, principal: PageStaff) -> Response:
    """Citizens with drop-away signals, with their history (masked), for the CS manager."""
    if principal.role not in LEADS and principal.role != HQ_ANALYST:
        raise Forbidden("이탈 신호는 팀장·CS 담당·본부 분석가만 볼 수 있습니다.")

    def build(office_id: int | None, p: insights.Period) -> dict[str, Any]:
        found = dropaway.signals(db, office_id=office_id, start=p.start, end=p.end)
        ids = [h.voice_id for c in found for h in c.history]
        numbers = queries.ledger_numbers(db_session=db, principal=principal, ids=ids)
        return {"citizens": found, "signal_names": dropaway.SIGNALS, "ledger_nos": numbers}

    return _page(request, db, principal, "analysis/dropaway.html", build)


@router.get("/analysis/clusters")
def cluster_page(request: Request, db: SessionDep, principal: PageStaff) -> Response:
    """Groups of voices about one matter: 다수인 when many citizens raised it."""

    def build(office_id: int | None, p: insights.Period) -> dict[str, Any]:
        found = lookup.clusters(db_session=db, office_id=office_id, start=p.start, end=p.end)
        return {"clusters": found}

    return _page(request, db, principal, "analysis/clusters.html", build)


@router.get("/analysis/triage")
def triage_page(request: Request, db: SessionDep, principal: PageStaff) -> Response:
    """Voices the routing model was unsure of, waiting for a person to route them."""

    def build(office_id: int | None, p: insights.Period) -> dict[str, Any]:
        rows = service.triage(db_session=db, principal=principal, limit=100)
        ids = [r.voice_id for r in rows if office_id in (None, r.office_id)]
        voices = queries.open_by_ids(db_session=db, principal=principal, ids=ids)
        return {
            "items": queries.read_many(db, voices, principal),
            "suggested": {r.voice_id: r for r in rows},
            "unit_names": {u.code: u.name for u in org_service.list_units(db_session=db)},
            "now": utcnow(),
            "soon": utcnow(),
            "open_statuses": queries.OPEN_STATUSES,
        }

    return _page(request, db, principal, "analysis/triage.html", build)


@router.post("/analysis/similar-preview", dependencies=[CsrfDep])
async def similar_preview(request: Request, db: SessionDep, principal: PageStaff) -> Response:
    """Earlier voices like the one being typed on the intake form, with their answers."""
    form = await form_data(request)
    text = f"{form.get('title', '')}\n{form.get('body', '')}".strip()
    found = []
    if principal.office_id is not None and len(text) >= 10:
        found = lookup.for_text(
            db_session=db,
            principal=principal,
            office_id=principal.office_id,
            text=text[:20_000],
            limit=3,
        )
    return render(request, "analysis/_similar_preview.html", similar=found)
