"""Quality pages: the office's (or unit's) compliance, trends and most-missed items; recording
a self or peer check; one check; a unit's results (mystery checks without the observer); the
CS manager's mystery visits and the observer's phone page; checklists an admin edits; the
units' promises."""

from datetime import date
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from minwon.errors import MinwonError
from minwon.org import service as org_service
from minwon.org.roles import ADMIN, WRITERS, Principal
from minwon.quality import checklists, checks, mystery, practice, promises, scores, views
from minwon.quality.defaults import CHANNELS, STAGE_LABELS, STAGES
from minwon.quality.models import ChecklistTemplate
from minwon.textutil import whole_number
from minwon.timeutil import utcnow
from minwon.web.deps import CsrfDep, DbId, SessionDep
from minwon.web.pages import FormDep, PageStaff, flash, redirect, said, said_fields, tr
from minwon.web.templating import render
from minwon.web.text_route import TextRoute

router = APIRouter(route_class=TextRoute, include_in_schema=False)


def _date(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _int(value: str | None, default: int, low: int, high: int) -> int:
    number = whole_number(value)
    return default if number is None else max(low, min(high, number))


def _marks(form: dict[str, str], items: list) -> list[checks.Mark]:
    """The items the form marked: ``m_<id>`` yes/no and ``n_<id>`` a note."""
    found = []
    for item in items:
        value = form.get(f"m_{item.id}", "")
        if value in ("yes", "no"):
            found.append(
                checks.Mark(item_id=item.id, met=value == "yes", note=form.get(f"n_{item.id}", ""))
            )
    return found


def _stages(db: Session, template: ChecklistTemplate) -> list[tuple[str, list]]:
    """The template's active items grouped by stage, in stage order."""
    items = checklists.items(db, template_id=template.id)
    return [
        (stage, [i for i in items if i.stage == stage])
        for stage in STAGES.get(template.channel, ())
        if any(i.stage == stage for i in items)
    ]


def _unit_options(db: Session, principal: Principal) -> list:
    office_id = None if principal.all_offices else principal.office_id
    if office_id is None and not principal.all_offices:
        return []
    units = org_service.list_units(db_session=db, office_id=office_id)
    return [u for u in units if u.merged_into_id is None]


def _staff_name(db: Session, staff_id: int | None) -> str:
    return org_service.get_staff(db_session=db, staff_id=staff_id).name if staff_id else ""


def _staff_of(db: Session, units: list) -> list:
    """Staff of these units, for the pickers."""
    return org_service.staff_of_units(db_session=db, unit_ids=[u.id for u in units])


@router.get("/quality")
def overview(request: Request, db: SessionDep, principal: PageStaff) -> Response:
    """Compliance of the checks the caller sees: trend by month, units, officers, items, the
    items most often missed, promises kept; recent checks."""
    params = request.query_params
    months = _int(params.get("months"), 6, 1, 36)
    kind = params.get("kind") if params.get("kind") in checks.KINDS else None
    last = views.today()
    first = views.months_back(last, months)
    summary = scores.summarize(db, principal=principal, first=first, last=last, kind=kind)
    recent = checks.list_checks(db, principal=principal, kind=kind, limit=20)
    page = render(
        request,
        "quality/overview.html",
        s=summary,
        months=months,
        kind=kind or "",
        first=first,
        last=last,
        recent=recent,
        unit_names={u.id: u.name for u in org_service.list_units(db_session=db)},
        KINDS=checks.KINDS,
        STAGE_LABELS=STAGE_LABELS,
        MIN_CHECKS=scores.MIN_CHECKS,
        is_planner=mystery.is_planner(principal),
        is_admin=principal.role == ADMIN,
        may_self=principal.unit_id is not None and principal.role in WRITERS,
        may_peer=principal.office_id is not None and principal.role in WRITERS,
        my_unit=principal.unit_id,
    )
    db.commit()
    return page


def _check_form(
    request: Request,
    db: Session,
    principal: Principal,
    *,
    kind: str,
    channel: str,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    template = checklists.template_for_channel(db, principal=principal, channel=channel)
    values = values or {}
    unit_ref = values.get("unit") or ""
    promise = None
    unit_id = principal.unit_id if kind == "self" else None
    if unit_ref:
        try:
            unit_id = org_service.find_unit_for(db_session=db, principal=principal, ref=unit_ref).id
        except MinwonError:
            unit_id = None
    if unit_id is not None:
        promise = promises.current(db, unit_id=unit_id, on=views.today())
    units = _unit_options(db, principal)
    page = render(
        request,
        "quality/check_form.html",
        status_code=status_code,
        kind=kind,
        channel=channel,
        template=template,
        stages=_stages(db, template),
        STAGE_LABELS=STAGE_LABELS,
        CHANNELS=CHANNELS,
        TARGETS=checks.TARGETS,
        KINDS=checks.KINDS,
        values=values,
        errors=errors or {},
        promise=promise,
        units=units,
        staff=_staff_of(db, units) if kind == "peer" else [],
        today=views.today(),
    )
    db.commit()
    return page


@router.get("/quality/checks/new")
def new_check(request: Request, db: SessionDep, principal: PageStaff) -> Response:
    """The checklist to fill in: a self check (the caller) or a peer observation."""
    params = request.query_params
    kind = params.get("kind", "")
    kind = kind if kind in ("self", "peer") else "self"
    channel = params.get("channel", "")
    channel = channel if channel in CHANNELS else "visit"
    return _check_form(
        request, db, principal, kind=kind, channel=channel, values={"unit": params.get("unit", "")}
    )


@router.post("/quality/checks", dependencies=[CsrfDep])
def create_check(request: Request, db: SessionDep, principal: PageStaff, form: FormDep) -> Response:
    """Record a self or peer check; on a mistake the form comes back with what was marked."""
    kind = form.get("kind", "")
    channel = form.get("channel", "")
    channel = channel if channel in CHANNELS else "visit"
    try:
        template = checklists.template_for_channel(db, principal=principal, channel=channel)
        items = checklists.items(db, template_id=template.id)
        check = checks.record(
            db,
            principal=principal,
            data=checks.CheckIn(
                kind=kind,
                template_id=template.id,
                target=form.get("target", "officer"),
                unit=form.get("unit") or None,
                officer=form.get("officer") or None,
                checked_on=_date(form.get("checked_on")),
                note=form.get("note", ""),
                marks=_marks(form, items),
            ),
            today=views.today(),
        )
    except MinwonError as exc:
        db.rollback()
        return _check_form(
            request,
            db,
            principal,
            kind=kind if kind in ("self", "peer") else "self",
            channel=channel,
            values=form,
            errors=said_fields(request, exc),
            status_code=422,
        )
    db.commit()
    flash(request, tr(request, "q_saved", score=checks.score(check) or 0))
    return redirect(f"/quality/checks/{check.id}")


@router.get("/quality/checks/{check_id:int}")
def check_detail(
    request: Request, check_id: DbId, db: SessionDep, principal: PageStaff
) -> Response:
    """One check, item by item (a mystery check names no observer to the unit)."""
    check = checks.get(db, principal=principal, check_id=check_id)
    read = views.check_read(db, principal, check)
    unit = org_service.get_unit(db_session=db, unit_id=check.unit_id)
    officer = (
        org_service.get_staff(db_session=db, staff_id=check.officer_id)
        if check.officer_id and checks.may_see_names(principal)
        else None
    )
    observer = (
        org_service.get_staff(db_session=db, staff_id=check.observer_id)
        if check.observer_id and checks.sees_observer(principal, check)
        else None
    )
    return render(
        request,
        "quality/check.html",
        check=check,
        read=read,
        unit=unit,
        officer=officer,
        observer=observer,
        KINDS=checks.KINDS,
        TARGETS=checks.TARGETS,
        STAGE_LABELS=STAGE_LABELS,
    )


@router.get("/quality/units/{unit_id:int}")
def unit_page(request: Request, unit_id: DbId, db: SessionDep, principal: PageStaff) -> Response:
    """A unit's results: its promise and history, compliance by month, its checks — mystery
    results included, never saying who observed."""
    unit = promises.unit_in_scope(db, principal=principal, unit_id=unit_id)
    last = views.today()
    first = views.months_back(last, 6)
    summary = scores.summarize(db, principal=principal, first=first, last=last, unit_id=unit.id)
    found = checks.list_checks(db, principal=principal, unit_id=unit.id, limit=50)
    beside = practice.beside_satisfaction(
        db, principal=principal, first=first, last=last, unit_id=unit.id
    )
    return render(
        request,
        "quality/unit.html",
        practice=beside,
        unit=unit,
        s=summary,
        first=first,
        last=last,
        found=found,
        promise=promises.current(db, unit_id=unit.id, on=last),
        history=promises.history(db, principal=principal, unit_id=unit.id),
        may_set=promises.may_set(principal, unit),
        KINDS=checks.KINDS,
        STAGE_LABELS=STAGE_LABELS,
        MIN_CHECKS=scores.MIN_CHECKS,
        observers={
            c.id: org_service.get_staff(db_session=db, staff_id=c.observer_id).name
            for c in found
            if c.observer_id and checks.sees_observer(principal, c)
        },
        names=checks.may_see_names(principal),
        staff_names={s.id: s.name for s in _staff_of(db, [unit])},
    )


@router.get("/quality/visits")
def visits(request: Request, db: SessionDep, principal: PageStaff) -> Response:
    """The CS manager's plans and form; an observer's visits to make."""
    found = mystery.list_visits(db, principal=principal)
    units = _unit_options(db, principal) if mystery.is_planner(principal) else []
    return render(
        request,
        "quality/visits.html",
        visits=[(v, views.visit_read(db, v)) for v in found],
        unit_names={u.id: u.name for u in org_service.list_units(db_session=db)},
        is_planner=mystery.is_planner(principal),
        units=units,
        staff=_staff_of(db, units),
        CHANNELS=CHANNELS,
        STATUSES=mystery.STATUSES,
        values=request.session.pop("visit_form", {}),
        today=views.today(),
    )


@router.post("/quality/visits", dependencies=[CsrfDep])
def plan_visit(request: Request, db: SessionDep, principal: PageStaff, form: FormDep) -> Response:
    """Plan a mystery visit or call from the form (the typed scenario is kept on a mistake)."""
    start, end = _date(form.get("window_start")), _date(form.get("window_end"))
    try:
        if start is None or end is None:
            raise MinwonError("기간(시작·끝)을 입력하세요.", field="window_start")
        visit = mystery.plan(
            db,
            principal=principal,
            data=mystery.VisitIn(
                unit=form.get("unit", ""),
                officer=form.get("officer") or None,
                channel=form.get("channel", ""),
                scenario=form.get("scenario", ""),
                window_start=start,
                window_end=end,
                observer=form.get("observer") or None,
            ),
            today=views.today(),
        )
    except MinwonError as exc:
        db.rollback()
        flash(request, said(request, exc), "error")
        request.session["visit_form"] = {k: v[:2000] for k, v in form.items() if k != "csrf_token"}
        return redirect("/quality/visits")
    db.commit()
    flash(request, tr(request, "q_visit_planned_msg"))
    return redirect(f"/quality/visits/{visit.id}")


def _visit_page(
    request: Request,
    db: Session,
    principal: Principal,
    visit_id: int,
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    visit = mystery.get(db, principal=principal, visit_id=visit_id)
    template = checklists.template_for_channel(db, principal=principal, channel=visit.channel)
    unit = org_service.get_unit(db_session=db, unit_id=visit.unit_id)
    page = render(
        request,
        "quality/visit.html",
        status_code=status_code,
        visit=visit,
        read=views.visit_read(db, visit),
        observer_name=_staff_name(db, visit.observer_id),
        officer_name=_staff_name(db, visit.officer_id),
        unit=unit,
        template=template,
        stages=_stages(db, template),
        promise=promises.current(db, unit_id=unit.id, on=views.today()),
        STAGE_LABELS=STAGE_LABELS,
        CHANNELS=CHANNELS,
        STATUSES=mystery.STATUSES,
        values=values or {},
        errors=errors or {},
        today=views.today(),
        is_planner=mystery.is_planner(principal),
    )
    db.commit()
    return page


@router.get("/quality/visits/{visit_id:int}")
def visit_page(request: Request, visit_id: DbId, db: SessionDep, principal: PageStaff) -> Response:
    """A visit's plan and, while planned, the checklist to record on a phone."""
    return _visit_page(request, db, principal, visit_id)


@router.post("/quality/visits/{visit_id:int}", dependencies=[CsrfDep])
def record_visit(
    request: Request, visit_id: DbId, db: SessionDep, principal: PageStaff, form: FormDep
) -> Response:
    """Record the observer's checklist; on a mistake the page comes back as marked."""
    try:
        visit = mystery.get(db, principal=principal, visit_id=visit_id)
        template = checklists.template_for_channel(db, principal=principal, channel=visit.channel)
        check = mystery.record(
            db,
            principal=principal,
            visit_id=visit_id,
            marks=_marks(form, checklists.items(db, template_id=template.id)),
            note=form.get("note", ""),
            checked_on=_date(form.get("checked_on")),
            today=views.today(),
        )
    except MinwonError as exc:
        db.rollback()
        return _visit_page(
            request,
            db,
            principal,
            visit_id,
            values=form,
            errors=said_fields(request, exc),
            status_code=422,
        )
    db.commit()
    flash(request, tr(request, "q_saved", score=checks.score(check) or 0))
    return redirect(f"/quality/visits/{visit_id}")


@router.post("/quality/visits/{visit_id:int}/cancel", dependencies=[CsrfDep])
def cancel_visit(
    request: Request, visit_id: DbId, db: SessionDep, principal: PageStaff
) -> Response:
    """Cancel a planned visit (CS manager)."""
    try:
        mystery.cancel(db, principal=principal, visit_id=visit_id)
    except MinwonError as exc:
        db.rollback()
        flash(request, said(request, exc), "error")
        return redirect(f"/quality/visits/{visit_id}")
    db.commit()
    flash(request, tr(request, "q_visit_cancelled_msg"))
    return redirect("/quality/visits")


@router.get("/quality/checklists")
def checklist_page(request: Request, db: SessionDep, principal: PageStaff) -> Response:
    """The checklists, stage by stage; an admin adds, rewords, retires and restores items."""
    found = checklists.list_templates(db, principal=principal)
    page = render(
        request,
        "quality/checklists.html",
        templates=[views.template_read(db, t, True) for t in found],
        is_admin=principal.role == ADMIN,
        STAGES=STAGES,
        STAGE_LABELS=STAGE_LABELS,
        CHANNELS=CHANNELS,
    )
    db.commit()
    return page


@router.post("/quality/checklists/{template_id:int}/items", dependencies=[CsrfDep])
def add_item(
    request: Request, template_id: DbId, db: SessionDep, principal: PageStaff, form: FormDep
) -> Response:
    """Add an item (admin)."""
    try:
        checklists.add_item(
            db,
            principal=principal,
            template_id=template_id,
            stage=form.get("stage", ""),
            text=form.get("text", ""),
        )
    except MinwonError as exc:
        db.rollback()
        flash(request, said(request, exc), "error")
        return redirect("/quality/checklists")
    db.commit()
    flash(request, tr(request, "q_item_saved"))
    return redirect("/quality/checklists")


@router.post("/quality/items/{item_id:int}", dependencies=[CsrfDep])
def edit_item(
    request: Request, item_id: DbId, db: SessionDep, principal: PageStaff, form: FormDep
) -> Response:
    """Reword, retire or restore an item (admin); past checks keep their words."""
    what = form.get("do", "edit")
    try:
        checklists.edit_item(
            db,
            principal=principal,
            item_id=item_id,
            now=utcnow(),
            text=form.get("text") if what == "edit" else None,
            stage=form.get("stage") or None if what == "edit" else None,
            retired={"retire": True, "restore": False}.get(what),
        )
    except MinwonError as exc:
        db.rollback()
        flash(request, said(request, exc), "error")
        return redirect("/quality/checklists")
    db.commit()
    flash(request, tr(request, "q_item_saved"))
    return redirect("/quality/checklists")


@router.get("/quality/promises")
def promise_page(request: Request, db: SessionDep, principal: PageStaff) -> Response:
    """Each unit's promise today, and the form to state one."""
    units = _unit_options(db, principal)
    current = promises.of_units(db, unit_ids=[u.id for u in units], on=views.today())
    rows: list[tuple[Any, Any, bool]] = [
        (u, current.get(u.id), promises.may_set(principal, u)) for u in units
    ]
    return render(
        request,
        "quality/promises.html",
        rows=rows,
        settable=[u for u, _, may in rows if may],
        today=views.today(),
        values=request.session.pop("promise_form", {}),
    )


@router.post("/quality/promises", dependencies=[CsrfDep])
def set_promise(request: Request, db: SessionDep, principal: PageStaff, form: FormDep) -> Response:
    """State a unit's promise (the one before ends that day and stays in the history)."""
    since = _date(form.get("since")) or views.today()
    try:
        promise = promises.set_promise(
            db,
            principal=principal,
            unit_ref=form.get("unit", ""),
            text=form.get("text", ""),
            since=since,
        )
    except MinwonError as exc:
        db.rollback()
        flash(request, said(request, exc), "error")
        request.session["promise_form"] = {
            "unit": form.get("unit", "")[:200],
            "text": form.get("text", "")[:1000],
        }
        return redirect("/quality/promises")
    db.commit()
    flash(request, tr(request, "q_promise_saved"))
    return redirect(f"/quality/units/{promise.unit_id}?{urlencode({'from': 'promises'})}")
