"""Staff protection pages: the overview (recommended lengths, the drill ladder), the incident
log, submission suspensions, and closing a voice for cause. Thin: parse, call, render; a
refused form comes back with what was typed."""

from collections.abc import Mapping
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import ValidationError
from sqlalchemy.orm import Session

from minwon.errors import MinwonError, NotFound
from minwon.org.roles import WRITERS, Principal
from minwon.protection import access, incidents, settings, suspensions
from minwon.protection.catalog import (
    CLOSING_REASONS,
    INCIDENT_CHANNELS,
    LADDERS,
    MEASURES,
    SUPPORT,
    SUSPENSION_REASONS,
)
from minwon.protection.schemas import (
    CloseIn,
    IncidentCreate,
    IncidentUpdate,
    LiftIn,
    OfficeSettingsIn,
    SuspensionCreate,
)
from minwon.timeutil import utcnow
from minwon.voices import service as voice_service
from minwon.voices import workflow
from minwon.voices.catalog import OPEN_STATUSES
from minwon.voices.views import field_errors
from minwon.web.deps import CsrfDep, DbId, SessionDep
from minwon.web.pages import FormDep, PageStaff, flash, named_codes, redirect, said_fields, tr
from minwon.web.templating import kst, language, render
from minwon.web.text_route import TextRoute

router = APIRouter(route_class=TextRoute, include_in_schema=False)


def _vocab(request: Request) -> dict[str, Any]:
    """The protection vocabulary in the reader's language (the drill ladders' steps keep
    their Korean words: they are what staff say to a citizen)."""
    return {
        "LADDERS": LADDERS,
        "MEASURES": named_codes(request, "prm", MEASURES),
        "SUPPORT": named_codes(request, "prs", SUPPORT),
        "INCIDENT_CHANNELS": named_codes(request, "prch", INCIDENT_CHANNELS),
        "SUSPENSION_REASONS": named_codes(request, "prsr", SUSPENSION_REASONS),
        "CLOSING_REASONS": named_codes(request, "prcr", CLOSING_REASONS),
    }


def form_errors(request: Request, exc: Exception) -> dict[str, str]:
    """One message per form field of a refused form (pydantic's or the service's)."""
    if isinstance(exc, ValidationError):
        return field_errors(exc, language(request))
    assert isinstance(exc, MinwonError)
    return said_fields(request, exc)


def _checked(form: Mapping[str, str], prefix: str, codes: Mapping[str, str]) -> list[str]:
    return [c for c in codes if form.get(f"{prefix}_{c}")]


@router.get("/protection")
def overview(request: Request, db: SessionDep, principal: PageStaff) -> Response:
    """The recommended contact lengths and the drill ladder for every staff member; the
    settings form for the CS manager and admin."""
    office_id = principal.office_id
    found = settings.for_office(db, office_id) if office_id else None
    return render(
        request,
        "protection/overview.html",
        found=found,
        values={},
        errors={},
        may_manage=principal.role in access.MANAGERS and office_id is not None,
        **_vocab(request),
    )


@router.post("/protection/settings", dependencies=[CsrfDep])
def save_settings(
    request: Request, db: SessionDep, principal: PageStaff, form: FormDep
) -> Response:
    """Save the office's recommended lengths and appeal contact."""
    try:
        access.require_manager(principal)
        data = OfficeSettingsIn(
            call_minutes=form.get("call_minutes", ""),  # type: ignore[arg-type]
            visit_minutes=form.get("visit_minutes", ""),  # type: ignore[arg-type]
            appeal_contact=form.get("appeal_contact", ""),
        )
        office_id = settings.office_of(db, principal)
        settings.save(
            db_session=db, office_id=office_id, data=data, principal=principal, now=utcnow()
        )
    except (ValidationError, MinwonError) as exc:
        db.rollback()
        if isinstance(exc, MinwonError) and exc.status == 403:
            raise
        found = settings.for_office(db, principal.office_id) if principal.office_id else None
        return render(
            request,
            "protection/overview.html",
            422,
            found=found,
            values=form,
            errors=form_errors(request, exc),
            may_manage=True,
            **_vocab(request),
        )
    db.commit()
    flash(request, tr(request, "pr_settings_saved"))
    return redirect("/protection")


@router.get("/protection/incidents")
def incident_list(request: Request, db: SessionDep, principal: PageStaff) -> Response:
    """The incident log of the caller's offices (staff redacted unless allowed)."""
    rows = incidents.list_for(db_session=db, principal=principal)
    items = [incidents.read(db, r, principal) for r in rows]
    return render(
        request,
        "protection/incidents.html",
        items=items,
        may_write=principal.role in WRITERS and principal.office_id is not None,
        **_vocab(request),
    )


def _incident_form(
    request: Request, db: Session, principal: Principal, values: Mapping[str, Any], errors: dict
) -> Response:
    access.require_writer(principal)
    return render(
        request,
        "protection/incident_new.html",
        422 if errors else 200,
        values=values,
        errors=errors,
        units=incidents.units_for(db, principal),
        staff=incidents.staff_choices(db, principal),
        max_at=kst(utcnow(), "%Y-%m-%dT%H:%M"),
        **_vocab(request),
    )


@router.get("/protection/incidents/new")
def incident_new(request: Request, db: SessionDep, principal: PageStaff) -> Response:
    """The form to record an incident (a phone page: tap the steps taken)."""
    values = {"occurred_at": kst(utcnow(), "%Y-%m-%dT%H:%M"), "channel": "visit"}
    if principal.unit_id:
        values["unit"] = incidents.unit_code(db, principal.unit_id)
    return _incident_form(request, db, principal, values, {})


def _staff_checked(form: Mapping[str, str]) -> list[str]:
    return [k.removeprefix("staff_") for k in form if k.startswith("staff_") and form[k]]


@router.post("/protection/incidents", dependencies=[CsrfDep])
def incident_create(
    request: Request, db: SessionDep, principal: PageStaff, form: FormDep
) -> Response:
    """Record the incident and show it."""
    try:
        data = IncidentCreate(
            unit=form.get("unit", ""),
            occurred_at=form.get("occurred_at", ""),  # type: ignore[arg-type]
            place=form.get("place", ""),
            channel=form.get("channel", ""),  # type: ignore[arg-type]
            what_happened=form.get("what_happened", ""),
            staff=_staff_checked(form),
            voice=form.get("voice", ""),
            **_follow_up(form),
        )
        row = incidents.create(db_session=db, data=data, principal=principal, now=utcnow())
    except (ValidationError, MinwonError) as exc:
        db.rollback()
        if isinstance(exc, MinwonError) and exc.status == 403:
            raise
        return _incident_form(request, db, principal, form, form_errors(request, exc))
    db.commit()
    flash(request, tr(request, "pr_incident_saved"))
    return redirect(f"/protection/incidents/{row.id}")


def _follow_up(form: Mapping[str, str]) -> dict[str, Any]:
    return {
        "measures": _checked(form, "measure", MEASURES),
        "measures_note": form.get("measures_note", ""),
        "reported": form.get("reported") in ("on", "1", "true"),
        "reported_note": form.get("reported_note", ""),
        "support": _checked(form, "support", SUPPORT),
        "support_note": form.get("support_note", ""),
    }


def _incident_page(
    request: Request, db: Session, principal: Principal, incident_id: int, values: Any, errors: dict
) -> Response:
    row = incidents.get(db_session=db, incident_id=incident_id, principal=principal)
    item = incidents.read(db, row, principal)
    return render(
        request,
        "protection/incident.html",
        422 if errors else 200,
        item=item,
        values=values if values is not None else _values_of(item),
        errors=errors,
        may_edit=access.may_edit_incident(principal, row.office_id, row.unit_id),
        **_vocab(request),
    )


def _values_of(item: Any) -> dict[str, str]:
    values = {f"measure_{m}": "on" for m in item.measures}
    values.update({f"support_{s}": "on" for s in item.support})
    values.update(
        measures_note=item.measures_note,
        reported="on" if item.reported else "",
        reported_note=item.reported_note,
        support_note=item.support_note,
    )
    return values


@router.get("/protection/incidents/{incident_id}")
def incident_page(
    request: Request, incident_id: DbId, db: SessionDep, principal: PageStaff
) -> Response:
    """One incident; its follow-up form for those who may edit it."""
    return _incident_page(request, db, principal, incident_id, None, {})


@router.post("/protection/incidents/{incident_id}", dependencies=[CsrfDep])
def incident_update(
    request: Request, incident_id: DbId, db: SessionDep, principal: PageStaff, form: FormDep
) -> Response:
    """Save the follow-up: measures, report, support."""
    try:
        data = IncidentUpdate(**_follow_up(form))
        incidents.update(
            db_session=db, incident_id=incident_id, data=data, principal=principal, now=utcnow()
        )
    except (ValidationError, MinwonError) as exc:
        db.rollback()
        if isinstance(exc, MinwonError) and exc.status in (403, 404):
            raise
        return _incident_page(request, db, principal, incident_id, form, form_errors(request, exc))
    db.commit()
    flash(request, tr(request, "pr_incident_saved"))
    return redirect(f"/protection/incidents/{incident_id}")


def _suspension_list(
    request: Request, db: Session, principal: Principal, values: Mapping[str, str], errors: dict
) -> Response:
    rows = suspensions.list_for(db_session=db, principal=principal)
    now = utcnow()
    return render(
        request,
        "protection/suspensions.html",
        422 if errors else 200,
        rows=[(r, suspensions.is_active(r, now)) for r in rows],
        values=values,
        errors=errors,
        may_manage=principal.role in access.MANAGERS and principal.office_id is not None,
        **_vocab(request),
    )


@router.get("/protection/suspensions")
def suspension_list(request: Request, db: SessionDep, principal: PageStaff) -> Response:
    """Suspensions of the caller's office and the form to add one (CS manager, admin)."""
    return _suspension_list(request, db, principal, {"reason_code": "repeat"}, {})


@router.post("/protection/suspensions", dependencies=[CsrfDep])
def suspension_create(
    request: Request, db: SessionDep, principal: PageStaff, form: FormDep
) -> Response:
    """Suspend a citizen's web submissions; a refused form keeps what was typed."""
    try:
        access.require_manager(principal)
        data = SuspensionCreate(
            identity=form.get("identity", ""),
            reason_code=form.get("reason_code", ""),  # type: ignore[arg-type]
            reason=form.get("reason", ""),
            ends_at=form.get("ends_at", ""),  # type: ignore[arg-type]
        )
        row = suspensions.create(db_session=db, data=data, principal=principal, now=utcnow())
    except (ValidationError, MinwonError) as exc:
        db.rollback()
        if isinstance(exc, MinwonError) and exc.status == 403:
            raise
        return _suspension_list(request, db, principal, form, form_errors(request, exc))
    db.commit()
    flash(request, tr(request, "pr_suspension_saved"))
    return redirect(f"/protection/suspensions/{row.id}")


@router.get("/protection/suspensions/{suspension_id}")
def suspension_page(
    request: Request, suspension_id: DbId, db: SessionDep, principal: PageStaff
) -> Response:
    """One suspension with its audit trail and the lift and appeal forms."""
    row = suspensions.get(db_session=db, suspension_id=suspension_id, principal=principal)
    return render(
        request,
        "protection/suspension.html",
        row=row,
        active=suspensions.is_active(row, utcnow()),
        events=suspensions.events(db, row),
        may_manage=principal.role in access.MANAGERS,
        **_vocab(request),
    )


@router.post("/protection/suspensions/{suspension_id}/{step}", dependencies=[CsrfDep])
def suspension_step(
    request: Request,
    suspension_id: DbId,
    step: str,
    db: SessionDep,
    principal: PageStaff,
    form: FormDep,
) -> Response:
    """Lift a suspension or note an appeal, with the note; back to the suspension."""
    steps = {"lift": suspensions.lift, "appeal": suspensions.note_appeal}
    if step not in steps:
        raise NotFound("찾으시는 페이지가 없습니다.")
    try:
        note = LiftIn(note=form.get("note", "")).note
        steps[step](
            db_session=db, suspension_id=suspension_id, principal=principal, note=note, now=utcnow()
        )
    except (ValidationError, MinwonError) as exc:
        db.rollback()
        if isinstance(exc, MinwonError) and exc.status in (403, 404):
            raise
        flash(request, next(iter(form_errors(request, exc).values())), "error")
        return redirect(f"/protection/suspensions/{suspension_id}")
    db.commit()
    flash(request, tr(request, f"pr_{step}_saved"))
    return redirect(f"/protection/suspensions/{suspension_id}")


def _close_page(
    request: Request, db: Session, principal: Principal, voice_id: int, values: Any, errors: dict
) -> Response:
    voice = voice_service.get(db_session=db, voice_id=voice_id, principal=principal)
    return render(
        request,
        "protection/close.html",
        422 if errors else 200,
        voice=voice,
        is_open=voice.status in OPEN_STATUSES,
        answered_before=workflow.answered_before(db_session=db, voice=voice),
        values=values,
        errors=errors,
        **_vocab(request),
    )


@router.get("/protection/voices/{voice_id}/close")
def close_form(request: Request, voice_id: DbId, db: SessionDep, principal: PageStaff) -> Response:
    """The form to close a voice for cause (abusive, or a 3+ repeat), with the reason; only
    for those who may close it (the form shows facts drawn from the citizen's contact)."""
    voice = voice_service.get(db_session=db, voice_id=voice_id, principal=principal)
    workflow.require_closer(principal, voice)
    return _close_page(request, db, principal, voice_id, {"cause": "abusive"}, {})


@router.post("/protection/voices/{voice_id}/close", dependencies=[CsrfDep])
def close_voice(
    request: Request, voice_id: DbId, db: SessionDep, principal: PageStaff, form: FormDep
) -> Response:
    """Close the voice for cause; the citizen is sent the notice."""
    voice = voice_service.get(db_session=db, voice_id=voice_id, principal=principal)
    try:
        data = CloseIn(cause=form.get("cause", ""), reason=form.get("reason", ""))  # type: ignore[arg-type]
        workflow.close_for_cause(
            db_session=db, voice=voice, principal=principal, cause=data.cause, reason=data.reason
        )
    except (ValidationError, MinwonError) as exc:
        db.rollback()
        if isinstance(exc, MinwonError) and exc.status == 403:
            raise
        return _close_page(request, db, principal, voice_id, form, form_errors(request, exc))
    db.commit()
    flash(request, tr(request, "pr_closed", no=voice.ledger_no))
    return redirect(f"/voices/{voice_id}")
