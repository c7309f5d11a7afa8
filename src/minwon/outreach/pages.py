"""Outreach pages: the officer's phone page (log a resident met, today's progress), the unit
lead's achievement table, campaigns with their reach and response, and printable cards."""

from datetime import date, timedelta
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from minwon.errors import Invalid, MinwonError
from minwon.org import service as org_service
from minwon.org.roles import LEADS, WRITERS
from minwon.outreach import service
from minwon.outreach.models import Campaign
from minwon.outreach.service import HOUSING, REACH_KINDS, ContactIn
from minwon.timeutil import to_kst, utcnow
from minwon.web.deps import CsrfDep, SessionDep
from minwon.web.pages import FormDep, PageStaff, flash, redirect, tr
from minwon.web.templating import render

router = APIRouter(include_in_schema=False)
TRUE = {"on", "true", "1", "yes"}


def _campaigns(db: Any, office_id: int | None) -> list[Campaign]:
    from sqlalchemy import select

    if office_id is None:
        return []
    query = select(Campaign).where(Campaign.office_id == office_id, Campaign.active.is_(True))
    return list(db.scalars(query.order_by(Campaign.id.desc())))


def _phone_page(
    request: Request, db: Any, principal: Any, status: int = 200, **extra: Any
) -> Response:
    return render(
        request,
        "outreach/phone.html",
        status,
        progress=service.my_progress(db, principal=principal),
        recent=service.recent_contacts(db, principal=principal),
        campaigns=_campaigns(db, principal.office_id),
        HOUSING=HOUSING,
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
        contact = service.log_contact(db, principal=principal, data=data)
    except MinwonError as exc:
        db.rollback()
        return _phone_page(
            request, db, principal, 422, values=form, errors={exc.field or "form": exc.message}
        )
    except ValueError as exc:  # pydantic validation of the request's contact fields
        db.rollback()
        errors = {"citizen_phone": tr(request, "err_phone") if "phone" in str(exc) else str(exc)}
        return _phone_page(request, db, principal, 422, values=form, errors=errors)
    from minwon.surveys.service import outreach_invitation

    issued = outreach_invitation(
        db, principal=principal, now=utcnow(), campaign=data.campaign or ""
    )
    db.commit()
    key = "or_logged_request" if contact.voice_id else "or_logged"
    flash(request, tr(request, key))
    return redirect(f"/outreach?survey={issued.invitation.short_code}" if issued else "/outreach")


def _period(params: Any) -> tuple[date, date]:
    today = to_kst(utcnow()).date()
    try:
        end = date.fromisoformat(params["end"]) if params.get("end") else today
        start = (
            date.fromisoformat(params["start"]) if params.get("start") else end - timedelta(days=13)
        )
    except ValueError as exc:
        raise Invalid("날짜는 YYYY-MM-DD 형식이어야 합니다.", field="start") from exc
    return start, end


@router.get("/outreach/team")
def team(request: Request, db: SessionDep, principal: PageStaff) -> Response:
    """The unit lead's table: officers × days, achievement rates, streaks and gaps."""
    units = [
        u
        for u in org_service.list_units(db_session=db, office_id=principal.office_id)
        if principal.all_offices or u.office_id == principal.office_id
    ]
    code = request.query_params.get("unit")
    unit = next((u for u in units if u.code == code), None) or next(
        (u for u in units if u.id == principal.unit_id), units[0] if units else None
    )
    if unit is None or principal.role not in LEADS:
        return render(request, "reports/error.html", 403, message=tr(request, "or_team_only"))
    try:
        start, end = _period(request.query_params)
        table, names = service.team_table(
            db, principal=principal, unit_id=unit.id, start=start, end=end
        )
    except (Invalid, ValueError) as exc:
        message = exc.message if isinstance(exc, Invalid) else str(exc)
        return render(request, "reports/error.html", 422, message=message)
    return render(
        request,
        "outreach/team.html",
        table=table,
        names=names,
        unit=unit,
        units=units,
        start=start,
        end=end,
        daily=service.daily_target(db, unit.id),
    )


@router.post("/outreach/team/target", dependencies=[CsrfDep])
def set_target(request: Request, db: SessionDep, principal: PageStaff, form: FormDep) -> Response:
    """A lead sets the unit's daily target per officer."""
    unit = org_service.find_unit_for(db_session=db, principal=principal, ref=form.get("unit", ""))
    try:
        daily = int(form.get("daily", ""))
        service.set_daily_target(db, principal=principal, unit_id=unit.id, daily=daily)
    except (ValueError, Invalid) as exc:
        db.rollback()
        flash(request, getattr(exc, "message", tr(request, "or_bad_target")), "error")
        return redirect(f"/outreach/team?unit={unit.code}")
    db.commit()
    flash(request, tr(request, "or_target_saved"))
    return redirect(f"/outreach/team?unit={unit.code}")


@router.post("/outreach/team/roster", dependencies=[CsrfDep])
def roster(request: Request, db: SessionDep, principal: PageStaff, form: FormDep) -> Response:
    """A lead sets an officer's working days for a span: the weekdays worked, less days off."""
    unit_code = form.get("unit", "")
    try:
        start, end = date.fromisoformat(form["start"]), date.fromisoformat(form["end"])
        if end < start or (end - start).days > 92:
            raise Invalid(tr(request, "or_roster_span"), field="end")
        weekdays = {int(d) for d in form.get("weekdays_list", "").split(",") if d.strip().isdigit()}
        weekdays |= {i for i in range(7) if form.get(f"wd{i}") in TRUE}
        off = {date.fromisoformat(d.strip()) for d in form.get("off", "").split(",") if d.strip()}
        days = [
            start + timedelta(days=i)
            for i in range((end - start).days + 1)
            if (start + timedelta(days=i)).weekday() in weekdays
            and start + timedelta(days=i) not in off
        ]
        officer = org_service.staff_by_login(db_session=db, login=form.get("officer", ""))
        service.set_roster(db, principal=principal, officer_id=officer.id, days=days)
    except (KeyError, ValueError):
        db.rollback()
        flash(request, tr(request, "or_roster_bad"), "error")
        return redirect(f"/outreach/team?unit={unit_code}")
    except MinwonError as exc:
        db.rollback()
        flash(request, exc.message, "error")
        return redirect(f"/outreach/team?unit={unit_code}")
    db.commit()
    flash(request, tr(request, "or_roster_saved", n=len(days)))
    return redirect(f"/outreach/team?unit={unit_code}&start={start}&end={end}")


@router.get("/outreach/campaigns")
def campaigns(request: Request, db: SessionDep, principal: PageStaff) -> Response:
    """Campaigns with their material, reach and response by 행정동 and housing type."""
    return render(
        request,
        "outreach/campaigns.html",
        results=service.campaign_results(db, principal=principal),
        HOUSING=HOUSING,
        REACH_KINDS=REACH_KINDS,
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
        service.create_campaign(
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
        flash(request, exc.message, "error")
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
        service.log_reach(
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


@router.get("/outreach/cards")
def cards(request: Request, db: SessionDep, principal: PageStaff) -> Response:
    """Print request cards with a QR code tagged with the unit, the officer and a campaign."""
    from minwon.config import get_settings
    from minwon.outreach.cards import Card, CardSize, render_cards

    params = request.query_params
    if params.get("print") != "1":
        return render(
            request,
            "outreach/cards.html",
            campaigns=_campaigns(db, principal.office_id),
            units=org_service.list_units(db_session=db, office_id=principal.office_id),
        )
    try:
        count = max(1, min(int(params.get("count") or 10), 500))
    except ValueError:
        count = 10
    unit = org_service.find_unit_for(
        db_session=db, principal=principal, ref=params.get("unit") or ""
    )
    office = org_service.get_office(db_session=db, office_id=unit.office_id)
    campaign = next(
        (c for c in _campaigns(db, principal.office_id) if c.code == params.get("campaign")), None
    )
    card = Card(
        unit_code=unit.code,
        unit_name=unit.name,
        office_name=office.name,
        phone=params.get("phone", "")[:40] or "182",
        officer_name=principal.name if params.get("mine") == "1" else None,
        officer_login=principal.login if params.get("mine") == "1" else None,
        campaign_name=campaign.name if campaign else None,
        campaign_code=campaign.code if campaign else None,
    )
    size: CardSize = "business" if params.get("size") == "business" else "a6"
    pdf = render_cards([card] * count, size=size, base_url=get_settings().base_url)
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="minwon-cards-{unit.code}.pdf"'},
    )
