"""Patrol request pages: the residents' form (순찰신문고, no login), and the unit's page with
requests by place and hour, the ranked plan, this week's coverage, patrols logged, incident
counts imported, and earlier quarters kept as history."""

from collections.abc import Mapping
from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session
from starlette.datastructures import UploadFile

from minwon.errors import Forbidden, Invalid, MinwonError, NotFound
from minwon.org import service as org_service
from minwon.org.roles import Principal
from minwon.outreach import (
    incident_files,
    patrol_logs,
    patrol_quarters,
    patrol_requests,
    patrol_service,
    patrols,
)
from minwon.outreach.patrol_requests import SOURCES, RequestIn
from minwon.timeutil import to_kst, utcnow
from minwon.web.deps import CsrfDep, SessionDep, client_address
from minwon.web.pages import (
    FormDep,
    PagePrincipal,
    PageStaff,
    flash,
    redirect,
    said,
    said_fields,
    tr,
)
from minwon.web.templating import render
from minwon.web.text_route import TextRoute
from minwon.web.throttle import message as throttle_message
from minwon.web.throttle import throttle_of, with_retry_after

router = APIRouter(route_class=TextRoute, include_in_schema=False)
TRUE = {"on", "true", "1", "yes"}


def _request_in(form: dict[str, str], source: str) -> RequestIn:
    return patrol_requests.request_in(form, source)


def _units(db: Any) -> list[Any]:
    return patrol_requests.patrol_units(db)


def _days() -> dict[str, str]:
    """The first and last day the form's date field offers (``request_days``)."""
    first, last = patrol_requests.request_days(to_kst(utcnow()).date())
    return {"first": first.isoformat(), "last": last.isoformat()}


def _thanks_lead(request: Request, day: date) -> str:
    """The thanks page's lead, naming the quarter of the day asked for ("2027년 1분기"),
    which is not always this one (a request in December for a day in January)."""
    quarter = patrols.quarter_of(day)
    return tr(request, "pt_thanks_lead", year=quarter.year, n=quarter.number)


@router.get("/patrols/request")
def public_form(
    request: Request, db: SessionDep, principal: PagePrincipal, unit: str = ""
) -> Response:
    """The residents' patrol request form."""
    today = to_kst(utcnow()).date()
    return render(
        request,
        "outreach/patrol_request.html",
        units=_units(db),
        values={"unit": unit, "day": today.isoformat(), "start_hour": "22", "end_hour": "2"},
        errors={},
        days=_days(),
    )


@router.post("/patrols/request", dependencies=[CsrfDep])
def public_submit(
    request: Request, db: SessionDep, principal: PagePrincipal, form: FormDep
) -> Response:
    """Take a resident's request; tell them how it will be used. Requests are counted per
    address; over the limit the form comes back as typed with a Korean message (429)."""
    throttle, address = throttle_of(request), client_address(request)
    verdict = throttle.blocked("patrol", address)
    if not verdict.allowed:
        errors = {"form": throttle_message(request, verdict.retry_after, "throttled_form")}
        page = render(
            request,
            "outreach/patrol_request.html",
            429,
            units=_units(db),
            values=form,
            errors=errors,
            days=_days(),
        )
        return with_retry_after(page, verdict.retry_after)
    try:
        row = patrol_requests.submit(db, data=_request_in(form, "web"))
    except MinwonError as exc:
        db.rollback()
        errors = said_fields(request, exc)
        return render(
            request,
            "outreach/patrol_request.html",
            422,
            units=_units(db),
            values=form,
            errors=errors,
            days=_days(),
        )
    db.commit()
    throttle.hit("patrol", address)
    return render(request, "outreach/patrol_thanks.html", lead=_thanks_lead(request, row.day))


@router.get("/patrols")
def unit_page(request: Request, db: SessionDep, principal: PageStaff) -> Response:
    """A unit's patrol requests of a quarter, the plan and this week's coverage."""
    params = request.query_params
    return _unit_page(request, db, principal, params.get("unit"), params.get("quarter"))


def _status(exc: MinwonError) -> int:
    """A refused entry's status: 403 when the caller may not make it at all, else 422 (the
    form comes back to be fixed, a unit not found included)."""
    return 403 if isinstance(exc, Forbidden) else 422


def _quarter_or_none(text: str) -> str | None:
    """The quarter a form names (``2026Q4``), or None (the current one) when it names none."""
    try:
        return patrol_quarters.checked_quarter(text)
    except Invalid:
        return None


def _unit_page(
    request: Request,
    db: Session,
    principal: Principal,
    code: str | None,
    quarter: str | None,
    *,
    status: int = 200,
    refused: tuple[str, Mapping[str, str], dict[str, str]] | None = None,
) -> Response:
    """The unit's patrol page; after a refused entry, ``refused`` is (which form, as typed,
    its fields' messages), so that form comes back filled in with the wrong fields marked."""
    try:
        view = patrol_service.unit_view(db, principal=principal, code=code, quarter=quarter)
    except NotFound:
        return render(request, "reports/error.html", 404, message=tr(request, "pt_no_unit"))
    except Invalid as exc:
        return render(request, "reports/error.html", 422, message=said(request, exc))
    today = to_kst(utcnow()).date()
    first_at, last_at = patrol_logs.log_window(utcnow())
    typed = {
        "staff": {"day": today.isoformat()},
        "log": {"at": f"{last_at:%Y-%m-%dT%H:%M}"},
        "incidents": {},
    }
    errors: dict[str, dict[str, str]] = {"staff": {}, "log": {}, "incidents": {}}
    if refused:
        which, values, messages = refused
        typed[which], errors[which] = dict(values), messages
    return render(
        request,
        "outreach/patrols.html",
        status,
        unit=view.unit,
        units=view.units,
        quarter=view.quarter,
        current=view.current,
        quarters=view.quarters,
        requests=view.requests,
        draft=view.draft,
        plan=view.plan,
        covered=view.covered,
        focus=view.focus,
        focus_until=view.focus_until,
        logs=view.logs,
        points=[
            {"lat": r.lat, "lon": r.lon, "place": r.place, "hours": f"{r.start_hour}–{r.end_hour}"}
            for r in view.requests
            if r.lat is not None and r.lon is not None
        ],
        SOURCES=SOURCES,
        weight=patrols.DEFAULT_INCIDENT_WEIGHT,
        values=typed["staff"],
        errors=errors["staff"],
        log_values=typed["log"],
        log_errors=errors["log"],
        incident_errors=errors["incidents"],
        days=_days(),
        log_window={"min": f"{first_at:%Y-%m-%dT%H:%M}", "max": f"{last_at:%Y-%m-%dT%H:%M}"},
    )


@router.post("/patrols/staff-request", dependencies=[CsrfDep])
def staff_request(
    request: Request, db: SessionDep, principal: PageStaff, form: FormDep
) -> Response:
    """Enter a request taken on a card, from a request box, by phone or at the police box."""
    source = form.get("source", "card")
    try:
        patrol_requests.submit(db, data=_request_in(form, source), principal=principal)
    except MinwonError as exc:
        db.rollback()
        refused = ("staff", form, said_fields(request, exc))
        code = None if exc.field == "unit" else form.get("unit")  # else the caller's own unit
        return _unit_page(request, db, principal, code, None, status=_status(exc), refused=refused)
    db.commit()
    flash(request, tr(request, "pt_saved"))
    return redirect(f"/patrols?unit={form.get('unit', '')}")


@router.post("/patrols/plan", dependencies=[CsrfDep])
def adopt(request: Request, db: SessionDep, principal: PageStaff, form: FormDep) -> Response:
    """Adopt the suggested plan for the quarter (unit lead)."""
    unit = org_service.find_unit_for(db_session=db, principal=principal, ref=form.get("unit", ""))
    try:
        patrol_service.adopt_plan(
            db, principal=principal, unit_id=unit.id, quarter=form.get("quarter", "")
        )
    except MinwonError as exc:
        db.rollback()
        flash(request, said(request, exc), "error")
        return redirect(f"/patrols?unit={unit.code}")
    db.commit()
    flash(request, tr(request, "pt_plan_saved"))
    return redirect(f"/patrols?unit={unit.code}")


@router.post("/patrols/log", dependencies=[CsrfDep])
def log(request: Request, db: SessionDep, principal: PageStaff, form: FormDep) -> Response:
    """Log a patrol done; consenting requesters of that place and time are told."""
    unit = org_service.find_unit_for(db_session=db, principal=principal, ref=form.get("unit", ""))
    try:
        _, told = patrol_logs.log_patrol(
            db,
            principal=principal,
            unit_id=unit.id,
            place=form.get("place", ""),
            at=patrol_logs.patrol_at_of(form.get("at", "")),
            note=form.get("note", ""),
        )
    except MinwonError as exc:
        db.rollback()
        refused = ("log", form, said_fields(request, exc))
        return _unit_page(
            request, db, principal, unit.code, None, status=exc.status, refused=refused
        )
    db.commit()
    flash(request, tr(request, "pt_logged", n=told))
    return redirect(f"/patrols?unit={unit.code}")


@router.post("/patrols/incidents", dependencies=[CsrfDep])
async def incidents(request: Request, db: SessionDep, principal: PageStaff) -> Response:
    """Import incident counts (place, hour, count) for the quarter from a CSV file."""
    form = await request.form()
    unit = org_service.find_unit_for(
        db_session=db, principal=principal, ref=str(form.get("unit", ""))
    )
    upload = form.get("file")
    data = await upload.read() if isinstance(upload, UploadFile) else b""
    try:
        n = incident_files.import_incident_file(
            db,
            principal=principal,
            unit_id=unit.id,
            quarter=str(form.get("quarter", "")),
            data=data,
        )
    except MinwonError as exc:
        db.rollback()
        # the page of the unit and quarter the file was for, with the reason by the upload
        # form (a file field cannot be filled in again); that quarter's counts as they were
        quarter = _quarter_or_none(str(form.get("quarter", "")))
        refused: tuple[str, Mapping[str, str], dict[str, str]]
        refused = ("incidents", {}, {"form": said(request, exc)})
        return _unit_page(
            request, db, principal, unit.code, quarter, status=_status(exc), refused=refused
        )
    db.commit()
    flash(request, tr(request, "pt_imported", n=n))
    return redirect(f"/patrols?unit={unit.code}")
