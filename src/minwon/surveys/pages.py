"""Survey pages: the citizen's one-minute survey behind a link, QR code or short code (a used or
expired one gets a kind page, never an error), the counter kiosk, and the happy-call entry."""

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from minwon.errors import Conflict, Invalid, field_messages
from minwon.surveys import invitations, service
from minwon.surveys.models import SurveyInvitation
from minwon.timeutil import utcnow
from minwon.web.deps import CsrfDep, SessionDep, client_address
from minwon.web.pages import FormDep, PagePrincipal, PageStaff, flash, redirect, tr
from minwon.web.templating import render
from minwon.web.throttle import message as throttle_message
from minwon.web.throttle import throttle_of, too_many, with_retry_after

router = APIRouter(include_in_schema=False)


def _form(
    request: Request,
    db: Any,
    invitation: SurveyInvitation,
    action: str,
    *,
    values: dict | None = None,
    errors: dict | None = None,
    status: int = 200,
    kiosk: bool = False,
) -> Response:
    template, questions = service.survey_of(db, invitation)
    return render(
        request,
        "surveys/survey.html",
        status,
        template=template,
        questions=questions,
        action=action,
        values=values or {},
        errors=errors or {},
        kiosk=kiosk,
    )


def _closed(request: Request, state: str) -> Response:
    return render(request, "surveys/closed.html", 200 if state != "unknown" else 404, state=state)


def _answer(
    request: Request, db: Any, invitation: SurveyInvitation | None, form: dict, action: str
) -> Response:
    now = utcnow()
    state = invitations.state(invitation, now)
    if invitation is None or state != "open":
        return _closed(request, state)
    try:
        service.submit(db, invitation, form, mode="web", now=now)
    except Invalid as exc:
        errors = field_messages(exc)
        return _form(request, db, invitation, action, values=form, errors=errors, status=422)
    except Conflict:
        db.rollback()
        return _closed(request, "used")
    db.commit()
    return render(request, "surveys/thanks.html")


@router.get("/s")
def code_page(request: Request, principal: PagePrincipal, code: str = "") -> Response:
    """Enter the short code printed on an answer letter or read out on the phone."""
    return render(request, "surveys/code.html", code=code, error=None)


@router.post("/s", dependencies=[CsrfDep])
def code_open(
    request: Request, db: SessionDep, principal: PagePrincipal, form: FormDep
) -> Response:
    """Open the survey a short code names; unknown codes are counted per address and too many
    get 429 (the typed code stays in the field)."""
    typed = form.get("code", "")
    verdict = throttle_of(request).blocked("survey_code", client_address(request))
    if not verdict.allowed:
        error = throttle_message(request, verdict.retry_after)
        page = render(request, "surveys/code.html", 429, code=typed, error=error)
        return with_retry_after(page, verdict.retry_after)
    invitation = _lookup_code(request, db, typed)
    if invitation is None:
        error = tr(request, "sv_code_unknown")
        return render(request, "surveys/code.html", 404, code=typed, error=error)
    return redirect(f"/s/c/{invitation.short_code}")


def _lookup_code(request: Request, db: Any, code: str) -> SurveyInvitation | None:
    """The invitation of a typed code; an unknown code counts against the caller's address."""
    invitation = invitations.by_code(db, code)
    if invitation is None:
        throttle_of(request).hit("survey_code", client_address(request))
    return invitation


def _code_gate(request: Request) -> None:
    """Refuse a code lookup (429) from an address that has guessed wrong too often: the answer
    to a blocked caller must not tell a right code from a wrong one."""
    verdict = throttle_of(request).blocked("survey_code", client_address(request))
    if not verdict.allowed:
        raise too_many(request, verdict.retry_after)


@router.get("/s/c/{code}")
def by_code(request: Request, code: str, db: SessionDep, principal: PagePrincipal) -> Response:
    """The survey of a short code."""
    _code_gate(request)
    invitation = _lookup_code(request, db, code)
    state = invitations.state(invitation, utcnow())
    if invitation is None or state != "open":
        return _closed(request, state)
    return _form(request, db, invitation, f"/s/c/{invitation.short_code}")


@router.post("/s/c/{code}", dependencies=[CsrfDep])
def answer_by_code(
    request: Request, code: str, db: SessionDep, principal: PagePrincipal, form: FormDep
) -> Response:
    """Store the answers given through a short code."""
    _code_gate(request)
    invitation = _lookup_code(request, db, code)
    return _answer(request, db, invitation, form, f"/s/c/{code}")


@router.get("/s/{token}")
def by_token(request: Request, token: str, db: SessionDep, principal: PagePrincipal) -> Response:
    """The survey behind an e-mailed link or a QR code."""
    invitation = invitations.by_token(db, token)
    state = invitations.state(invitation, utcnow())
    if invitation is None or state != "open":
        return _closed(request, state)
    return _form(request, db, invitation, f"/s/{token}")


@router.post("/s/{token}", dependencies=[CsrfDep])
def answer_by_token(
    request: Request, token: str, db: SessionDep, principal: PagePrincipal, form: FormDep
) -> Response:
    """Store the answers given through a link; the link is then used up."""
    return _answer(request, db, invitations.by_token(db, token), form, f"/s/{token}")


@router.get("/kiosk")
def kiosk(request: Request, db: SessionDep, principal: PageStaff) -> Response:
    """The counter tablet: one fresh survey per visit, no citizen login."""
    issued = service.kiosk_invitation(db, principal=principal, now=utcnow())
    db.commit()
    return _form(request, db, issued.invitation, f"/kiosk/{issued.token}", kiosk=True)


@router.post("/kiosk/{token}", dependencies=[CsrfDep])
def kiosk_answer(
    request: Request, token: str, db: SessionDep, principal: PageStaff, form: FormDep
) -> Response:
    """Store one visitor's answers, thank them, and get ready for the next visitor."""
    invitation = invitations.by_token(db, token)
    now = utcnow()
    if invitation is None or invitation.via != "kiosk":
        return _closed(request, "unknown")
    if invitations.state(invitation, now) != "open":
        return redirect("/kiosk")
    try:
        service.submit(db, invitation, form, mode="kiosk", now=now)
    except Invalid as exc:
        errors = field_messages(exc)
        return _form(
            request,
            db,
            invitation,
            f"/kiosk/{token}",
            values=form,
            errors=errors,
            status=422,
            kiosk=True,
        )
    except Conflict:
        db.rollback()
        return redirect("/kiosk")
    db.commit()
    return render(request, "surveys/thanks.html", kiosk=True)


@router.get("/surveys/happycall/{voice_id:int}")
def happy_call_form(
    request: Request, voice_id: int, db: SessionDep, principal: PageStaff
) -> Response:
    """Enter the answers a citizen gave in a call-back (해피콜)."""
    from minwon.voices import service as voice_service

    voice = voice_service.get(db_session=db, voice_id=voice_id, principal=principal)
    org_id = _organization_id(db, voice.office_id)
    template = service.templates.for_trigger(
        db_session=db, organization_id=org_id, trigger="answer_sent"
    )
    questions = (
        service.templates.questions(db_session=db, template_id=template.id) if template else []
    )
    return render(
        request,
        "surveys/happycall.html",
        voice=voice,
        template=template,
        questions=questions,
        values={},
        errors={},
    )


def _organization_id(db: Any, office_id: int) -> int:
    from minwon.org import service as org_service

    return org_service.get_office(db_session=db, office_id=office_id).organization_id


@router.post("/surveys/happycall/{voice_id:int}", dependencies=[CsrfDep])
def happy_call(
    request: Request, voice_id: int, db: SessionDep, principal: PageStaff, form: FormDep
) -> Response:
    """Store happy-call answers, marked as entered by staff."""
    try:
        service.happy_call(db, principal=principal, voice_id=voice_id, answers=form, now=utcnow())
    except (Invalid, Conflict) as exc:
        db.rollback()
        flash(request, " · ".join(field_messages(exc).values()), "error")
        return redirect(f"/surveys/happycall/{voice_id}")
    db.commit()
    flash(request, tr(request, "sv_happycall_saved"))
    return redirect(f"/voices/{voice_id}")


def survey_card(db: Any, voice: Any) -> dict[str, Any] | None:
    """What the voice page shows of its survey: the code and QR code to print on the answer
    letter (never whether or how the citizen answered), or nothing before an answer."""
    from minwon.config import get_settings
    from minwon.surveys.qr import code_link, qr_svg

    if voice.status not in ("answered", "closed"):
        return None
    found = invitations.for_voice(db, voice.id)
    if found is None:
        return {"invitation": None}
    url = code_link(get_settings().base_url, found.short_code)
    return {
        "invitation": found,
        "url": url,
        "qr": qr_svg(url, label=invitations.display_code(found.short_code)),
        "code": invitations.display_code(found.short_code),
        "expired": invitations.state(found, utcnow()) == "expired",
    }


@router.post("/surveys/invite/{voice_id:int}", dependencies=[CsrfDep])
def invite(request: Request, voice_id: int, db: SessionDep, principal: PageStaff) -> Response:
    """Invite the citizen of an answered voice now (code and QR for the answer letter)."""
    from minwon.config import get_settings
    from minwon.voices import service as voice_service

    voice = voice_service.get(db_session=db, voice_id=voice_id, principal=principal)
    done = service.invite_after_answer(
        db, voice_id=voice.id, base_url=get_settings().base_url, now=utcnow()
    )
    db.commit()
    key = "sv_invited" if done.issued else f"sv_not_invited_{done.reason.replace('-', '_')}"
    flash(request, tr(request, key), "ok" if done.issued else "error")
    return redirect(f"/voices/{voice.id}")
