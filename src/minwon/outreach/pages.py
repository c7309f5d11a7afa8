"""Outreach pages: the officer's phone page (log a resident met, today's progress), the unit
lead's achievement table, campaigns with their reach and response, and printable cards."""

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from minwon.errors import MinwonError
from minwon.org import service as org_service
from minwon.org.roles import LEADS, WRITERS, Principal
from minwon.outreach import campaigns as campaign_service
from minwon.outreach import service
from minwon.outreach.campaigns import REACH_KINDS
from minwon.outreach.service import HOUSING, ContactIn
from minwon.textutil import whole_number
from minwon.timeutil import utcnow
from minwon.web.deps import CsrfDep, SessionDep
from minwon.web.pages import (
    FormDep,
    PageStaff,
    flash,
    named_codes,
    redirect,
    refused_filter,
    said,
    tr,
)
from minwon.web.templating import render
from minwon.web.text_route import TextRoute

router = APIRouter(route_class=TextRoute, include_in_schema=False)
TRUE = {"on", "true", "1", "yes"}


def _phone_page(
    request: Request, db: Any, principal: Any, status: int = 200, **extra: Any
) -> Response:
    return render(
        request,
        "outreach/phone.html",
        status,
        progress=service.my_progress(db, principal=principal),
        recent=service.recent_contacts(db, principal=principal),
        campaigns=service.active_campaigns(db, principal.office_id),
        HOUSING=named_codes(request, "housing", HOUSING),
        values=extra.pop("values", {}),
        errors=extra.pop("errors", {}),
        survey=extra.pop("survey", None),
        **extra,
    )


@router.get("/outreach")
def phone(request: Request, db: SessionDep, principal: PageStaff) -> Response:
    """The officer's page in the street: log a resident met, see today's progress."""
    if principal.unit_id is None:  # no street work: leads see the team, HQ the campaigns
        return redirect("/outreach/team" if principal.role in LEADS else "/outreach/campaigns")
    return _phone_page(request, db, principal, survey=_handout(db, principal, request))


def _handout(db: Any, principal: Any, request: Request) -> dict[str, str] | None:
    """The after-meeting survey the officer just got to show the resident (QR and code)."""
    from minwon.config import get_settings
    from minwon.surveys import invitations
    from minwon.surveys.qr import code_link, qr_svg

    code = request.query_params.get("survey", "")
    found = invitations.by_code(db, code) if code else None
    if found is None or found.officer_id != principal.staff_id:
        return None
    if invitations.state(found, utcnow()) != "open":
        return None
    url = code_link(get_settings().base_url, found.short_code)
    shown = invitations.display_code(found.short_code)
    return {"code": shown, "url": url, "qr": qr_svg(url, label=shown)}


def _float(value: str | None) -> float | None:
    try:
        return float(value) if value else None
    except ValueError:
        return None


@router.post("/outreach", dependencies=[CsrfDep])
def log(request: Request, db: SessionDep, principal: PageStaff, form: FormDep) -> Response:
    """Log one resident met; a request goes into the unit's ledger."""
    data = ContactIn(
        housing=form.get("housing", ""),
        dong=form.get("dong", ""),
        address=form.get("address", ""),
        lat=_float(form.get("lat")),
        lon=_float(form.get("lon")),
        topic=form.get("topic", ""),
        card_given=form.get("card_given") in TRUE,
        campaign=form.get("campaign") or None,
        request=form.get("request", ""),
        request_channel="card" if form.get("from_card") in TRUE else "outreach",
        citizen_name=form.get("citizen_name", ""),
        citizen_phone=form.get("citizen_phone", ""),
        consent=form.get("consent") in TRUE,
    )
    try:
        contact, issued = service.log_contact_with_handout(db, principal=principal, data=data)
    except MinwonError as exc:
        db.rollback()
        errors = {exc.field or "form": said(request, exc)}
        return _phone_page(request, db, principal, 422, values=form, errors=errors)
    db.commit()
    key = "or_logged_request" if contact.voice_id else "or_logged"
    flash(request, tr(request, key))
    return redirect(f"/outreach?survey={issued.invitation.short_code}" if issued else "/outreach")


@router.get("/outreach/team")
def team(request: Request, db: SessionDep, principal: PageStaff) -> Response:
    """The unit lead's table: officers × days, achievement rates, streaks and gaps."""
    params = request.query_params
    return _team_page(request, db, principal, params.get("unit"), params)


def _team_page(
    request: Request,
    db: Session,
    principal: Principal,
    code: str | None,
    period: Mapping[str, str],
    status: int = 200,
    roster: dict[str, str] | None = None,
    error: str = "",
) -> Response:
    """The team page of the unit ``code`` for the ``period`` (``start``/``end``); after a
    refused roster, with the roster form open as typed (``roster``) and the ``error``."""
    try:
        unit, units = service.team_unit(db, principal=principal, code=code)
        start, end = service.parse_period(period.get("start"), period.get("end"))
        table, names = service.team_table(
            db, principal=principal, unit_id=unit.id, start=start, end=end
        )
    except MinwonError as exc:
        if exc.status == 403:  # not allowed at all: nothing to fix in the period
            return render(request, "reports/error.html", exc.status, message=said(request, exc))
        return refused_filter(request, "reports/error.html", exc, typed=period)
    return render(
        request,
        "outreach/team.html",
        status,
        table=table,
        names=names,
        unit=unit,
        units=units,
        start=start,
        end=end,
        daily=service.daily_target(db, unit.id),
        may_manage=service.may_manage_unit(principal, unit.id),
        staff=service.roster_staff(db, unit.id),
        roster=roster or {},
        roster_error=error,
    )


@router.post("/outreach/team/target", dependencies=[CsrfDep])
def set_target(request: Request, db: SessionDep, principal: PageStaff, form: FormDep) -> Response:
    """A lead sets the unit's daily target per officer; a refusal (a number out of range,
    another unit's target) comes back as a message on the team page."""
    code = form.get("unit", "")
    try:
        unit = org_service.find_unit_for(db_session=db, principal=principal, ref=code)
        code = unit.code
        daily = int(form.get("daily", ""))
        service.set_daily_target(db, principal=principal, unit_id=unit.id, daily=daily)
    except (ValueError, MinwonError) as exc:
        db.rollback()
        text = said(request, exc) if isinstance(exc, MinwonError) else tr(request, "or_bad_target")
        flash(request, text, "error")
        return redirect(f"/outreach/team?{urlencode({'unit': code})}")
    db.commit()
    flash(request, tr(request, "or_target_saved"))
    return redirect(f"/outreach/team?{urlencode({'unit': unit.code})}")


@router.post("/outreach/team/roster", dependencies=[CsrfDep])
def roster(request: Request, db: SessionDep, principal: PageStaff, form: FormDep) -> Response:
    """A lead sets an officer's working days for a span: the weekdays worked, less days off.
    A refused roster shows the team page again with the form open as typed and the reason."""
    unit_code = form.get("unit", "")
    listed = (whole_number(d, digits=1) for d in form.get("weekdays_list", "").split(","))
    weekdays = {d for d in listed if d is not None}
    weekdays |= {i for i in range(7) if form.get(f"wd{i}") in TRUE}
    try:
        start, end, days = service.keep_roster(
            db,
            principal=principal,
            officer=form.get("officer", ""),
            start=form.get("start", ""),
            end=form.get("end", ""),
            weekdays=weekdays,
            off=form.get("off", "").split(","),
        )
    except MinwonError as exc:
        db.rollback()
        typed = dict(form) | {"weekdays": ",".join(str(d) for d in sorted(weekdays))}
        status = 403 if exc.status == 403 else 422
        return _team_page(
            request, db, principal, unit_code, {}, status, roster=typed, error=said(request, exc)
        )
    db.commit()
    flash(request, tr(request, "or_roster_saved", n=len(days)))
    query = urlencode({"unit": unit_code, "start": start, "end": end})
    return redirect(f"/outreach/team?{query}")


@router.get("/outreach/campaigns")
def campaigns(request: Request, db: SessionDep, principal: PageStaff) -> Response:
    """Campaigns with their material, reach and response by 행정동 and housing type."""
    return render(
        request,
        "outreach/campaigns.html",
        results=campaign_service.campaign_results(db, principal=principal),
        HOUSING=named_codes(request, "housing", HOUSING),
        REACH_KINDS=named_codes(request, "reach", REACH_KINDS),
        may_create=principal.role in LEADS and principal.office_id is not None,
        may_log=principal.role in WRITERS and principal.unit_id is not None,
        values={},
        errors={},
    )


@router.post("/outreach/campaigns", dependencies=[CsrfDep])
def create_campaign(
    request: Request, db: SessionDep, principal: PageStaff, form: FormDep
) -> Response:
    """Start a campaign."""
    try:
        campaign_service.create_campaign(
            db,
            principal=principal,
            code=form.get("code", ""),
            name=form.get("name", ""),
            housing=[h for h in HOUSING if form.get(f"housing_{h}") in TRUE],
            broadcast_script=form.get("broadcast_script", ""),
            flyer_text=form.get("flyer_text", ""),
            talk_points=form.get("talk_points", ""),
        )
    except MinwonError as exc:
        db.rollback()
        flash(request, said(request, exc), "error")
        return redirect("/outreach/campaigns")
    db.commit()
    flash(request, tr(request, "or_campaign_saved"))
    return redirect("/outreach/campaigns")


@router.post("/outreach/campaigns/{campaign_id:int}/reach", dependencies=[CsrfDep])
def reach(
    request: Request, campaign_id: int, db: SessionDep, principal: PageStaff, form: FormDep
) -> Response:
    """Log a broadcast, flyers, cards or talks of a campaign."""
    try:
        campaign_service.log_reach(
            db,
            principal=principal,
            campaign_id=campaign_id,
            kind=form.get("kind", ""),
            count=int(form.get("count") or 0),
            dong=form.get("dong", ""),
            housing=form.get("housing", ""),
        )
    except (MinwonError, ValueError) as exc:
        db.rollback()
        flash(request, getattr(exc, "message", tr(request, "or_bad_count")), "error")
        return redirect("/outreach/campaigns")
    db.commit()
    flash(request, tr(request, "or_reach_saved"))
    return redirect("/outreach/campaigns")


def _cards_page(
    request: Request,
    db: Session,
    principal: Principal,
    status: int = 200,
    *,
    values: Mapping[str, str] | None = None,
    errors: dict[str, str] | None = None,
) -> Response:
    """The card printing form; after a refusal, as it was filled in with the reason."""
    return render(
        request,
        "outreach/cards.html",
        status,
        campaigns=service.active_campaigns(db, principal.office_id),
        units=org_service.list_units(db_session=db, office_id=principal.office_id),
        values=values,
        errors=errors or {},
    )


@router.get("/outreach/cards")
def cards(request: Request, db: SessionDep, principal: PageStaff) -> Response:
    """Print request cards with a QR code tagged with the unit, the officer and a campaign."""
    params = request.query_params
    if params.get("print") != "1":
        return _cards_page(request, db, principal)
    try:
        pdf, unit_code = service.card_sheet(
            db,
            principal=principal,
            unit=params.get("unit") or "",
            count=params.get("count"),
            campaign=params.get("campaign"),
            phone=params.get("phone", ""),
            mine=params.get("mine") == "1",
            size=params.get("size", "a6"),
        )
    except MinwonError as exc:
        if exc.field != "phone":
            raise
        errors = {"phone": said(request, exc)}
        return _cards_page(request, db, principal, exc.status, values=params, errors=errors)
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="minwon-cards-{unit_code}.pdf"'},
    )
