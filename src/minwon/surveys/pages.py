"""Survey pages: the citizen's one-minute survey behind a link, QR code or short code (a used or
expired one gets a kind page, never an error), the counter kiosk, and the happy-call entry."""

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from minwon.db import restart_as_write
from minwon.errors import Conflict, Forbidden, Invalid
from minwon.org.roles import Principal
from minwon.surveys import invitations, service
from minwon.surveys.models import SurveyInvitation
from minwon.timeutil import utcnow
from minwon.voices import history
from minwon.web.deps import CsrfDep, SessionDep, client_address
from minwon.web.pages import (
    FormDep,
    PagePrincipal,
    PageStaff,
    flash,
    redirect,
    said,
    said_fields,
    said_text,
    tr,
)
from minwon.web.templating import render
from minwon.web.text_route import TextRoute
from minwon.web.throttle import message as throttle_message
from minwon.web.throttle import throttle_of, too_many, with_retry_after

router = APIRouter(route_class=TextRoute, include_in_schema=False)


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
        errors = said_fields(request, exc)
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
    restart_as_write(db)
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
        errors = said_fields(request, exc)
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


def _happy_call_page(
    request: Request,
    form: service.HappyCallForm,
    *,
    values: dict | None = None,
    errors: dict | None = None,
    notice: str | None = None,
    status: int = 200,
) -> Response:
    """The happy-call page: the form to fill in when the caller may enter answers; otherwise
    why not, said at once — with whatever was already typed shown again, never lost."""
    return render(
        request,
        "surveys/happycall.html",
        status,
        voice=form.voice,
        template=form.template,
        questions=form.questions,
        offered=form.offered,
        refusal=form.refusal and said_text(request, form.refusal),
        closed=form.closed and said_text(request, form.closed),
        state=form.state,
        notice=notice,
        values=values or {},
        errors=errors or {},
    )


@router.get("/surveys/happycall/{voice_id:int}")
def happy_call_form(
    request: Request, voice_id: int, db: SessionDep, principal: PageStaff
) -> Response:
    """Enter the answers a citizen gave in a call-back (해피콜); someone who may not enter them
    (HQ, the voice's own officer) or a survey already answered or past its deadline is told
    before any form is offered."""
    form = service.happy_call_form(db, principal=principal, voice_id=voice_id, now=utcnow())
    return _happy_call_page(request, form, status=403 if form.refusal else 200)


@router.post("/surveys/happycall/{voice_id:int}", dependencies=[CsrfDep])
def happy_call(
    request: Request, voice_id: int, db: SessionDep, principal: PageStaff, form: FormDep
) -> Response:
    """Store happy-call answers, marked as entered by staff; a refusal, a closed survey or a
    wrong answer shows the page again with everything typed kept and nothing stored."""
    now = utcnow()
    try:
        service.happy_call(db, principal=principal, voice_id=voice_id, answers=form, now=now)
    except (Forbidden, Conflict, Invalid) as exc:
        db.rollback()
        page = service.happy_call_form(db, principal=principal, voice_id=voice_id, now=now)
        errors = said_fields(request, exc) if isinstance(exc, Invalid) else {}
        notice = None
        if not errors:
            why = said_text(request, page.refusal or page.closed or "") or said(request, exc)
            notice = f"{why} {tr(request, 'hc_kept')}"
        values = {k: v for k, v in form.items() if k != "csrf_token"}
        return _happy_call_page(
            request, page, values=values, errors=errors, notice=notice, status=exc.status
        )
    db.commit()
    flash(request, tr(request, "sv_happycall_saved"))
    return redirect(f"/voices/{voice_id}")


def survey_card(db: Any, voice: Any, principal: Principal) -> dict[str, Any] | None:
    """What the voice page shows of its survey: the code and QR code to print on the answer
    letter (never whether or how the citizen answered), or nothing before an answer; and
    ``may_happy_call(principal)``, whether the viewer is offered the happy-call form (the
    voice page passes no caller to this card, so the template asks with its ``principal``)."""
    from minwon.config import get_settings
    from minwon.surveys.qr import code_link, qr_svg

    if voice.status not in ("answered", "closed"):
        return None
    now = utcnow()
    found = invitations.for_voice(db, voice.id)

    def may_happy_call(principal: Principal | None) -> bool:
        """Whether the page's viewer is offered the happy-call form (see
        ``service.may_enter_happy_call``)."""
        return service.may_enter_happy_call(principal, voice, found, now)

    if found is None:
        imported = history.was_imported(db_session=db, voice_id=voice.id)
        return {"invitation": None, "imported": imported, "may_happy_call": may_happy_call}
    withheld = service.code_refusal(principal, voice, found)
    if withheld is not None:
        return {
            "invitation": found,
            "withheld": withheld,
            "expired": invitations.state(found, now) == "expired",
            "may_happy_call": may_happy_call,
        }
    url = code_link(get_settings().base_url, found.short_code)
    return {
        "invitation": found,
        "withheld": None,
        "url": url,
        "qr": qr_svg(url, label=invitations.display_code(found.short_code)),
        "code": invitations.display_code(found.short_code),
        "expired": invitations.state(found, now) == "expired",
        "may_happy_call": may_happy_call,
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
