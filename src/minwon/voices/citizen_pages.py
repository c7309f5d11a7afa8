"""The citizens' pages: the public form (with files, a QR card's unit, officer and campaign),
the receipt shown once, and tracking by ledger number and secret. Throttled; a refusal comes
back on the form with what was typed. Thin: parse, call, render."""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from pydantic import ValidationError
from sqlalchemy.orm import Session
from starlette.exceptions import HTTPException

from minwon.analysis.intake import AnalysisAdvisor
from minwon.config import get_settings
from minwon.errors import Invalid, MinwonError, NotFound
from minwon.org import service as org_service
from minwon.org.roles import CITIZEN
from minwon.protection import suspensions
from minwon.timeutil import utcnow
from minwon.voices import attachments, receipt_mail, service, views
from minwon.voices.routes import track_read
from minwon.voices.schemas import MAX_BODY
from minwon.web.deps import CsrfDep, SessionDep, check_csrf, client_address
from minwon.web.files import ALLOWED
from minwon.web.pages import FormDep, PagePrincipal, redirect, said, tr
from minwon.web.templating import kst, language, render
from minwon.web.text_route import TextRoute
from minwon.web.throttle import message as throttle_message
from minwon.web.throttle import throttle_of, with_retry_after

router = APIRouter(route_class=TextRoute, include_in_schema=False)
MAX_LEDGER_NO, MAX_SECRET = 48, 32
"""The tracking form's maxima (a ledger number, a receipt secret), in characters."""

_NEVER_SHOWN = ("officer", "campaign", "channel")
"""Fields the citizen's form carries hidden (from a QR code or a campaign link)."""


def _placed(errors: dict[str, str], preset: bool) -> dict[str, str]:
    """The form's errors, those of fields it does not show (the hidden ones, and the office
    or the unit, whichever is not offered) moved into the message above the form: a refusal
    always says what was wrong, never "fix the marked fields" with nothing marked."""
    hidden = (*_NEVER_SHOWN, "office" if preset else "unit")
    unplaced = [errors[k] for k in hidden if k in errors]
    if not unplaced:
        return errors
    placed = {k: v for k, v in errors.items() if k not in hidden}
    placed["form"] = " ".join([*([placed["form"]] if "form" in placed else []), *unplaced])
    return placed


def _submit_page(
    request: Request, db: Session, values: Mapping[str, str], errors: dict[str, str]
) -> Response:
    preset = views.unit_by_code(db, values.get("unit", ""))
    settings = request.app.state.settings
    return render(
        request,
        "voices/submit.html",
        422 if errors else 200,
        preset=preset,
        offices=[] if preset else views.public_offices(db),
        citizen_kinds=views.CITIZEN_KINDS,
        values=values,
        errors=_placed(errors, preset is not None),
        unknown_unit=bool(values.get("unit")) and preset is None,
        max_files=settings.max_attachments,
        max_file_mb=settings.max_upload_bytes // (1024 * 1024),
        accept=",".join(sorted({f".{k.ext}" for k in ALLOWED} | {k.mime for k in ALLOWED})),
    )


@router.get("/submit")
def submit_form(
    request: Request,
    db: SessionDep,
    principal: PagePrincipal,
    unit: str = "",
    channel: str = "",
    officer: str = "",
    campaign: str = "",
) -> Response:
    """The public form; a QR card's address presets the unit, ``channel=card``, and tags the
    voice with the officer who handed the card out and the campaign."""
    values = {
        "kind": "complaint",
        "unit": unit.strip(),
        "officer": officer.strip()[:64],
        "campaign": "".join(c for c in campaign if c.isascii() and (c.isalnum() or c in "-_"))[:32],
    }
    values["channel"] = channel if channel in views.CITIZEN_CHANNELS else "web"
    return _submit_page(request, db, values, {})


def _citizen_checks(request: Request, form: Mapping[str, str]) -> dict[str, str]:
    errors = {}
    if form.get("kind") not in views.CITIZEN_KINDS:
        errors["kind"] = tr(request, "err_choice")
    if not form.get("unit") and not form.get("office"):
        errors["office"] = tr(request, "err_office")
    given = any(form.get(f"contact_{k}", "").strip() for k in ("name", "phone", "email"))
    if given and form.get("contact_consent") not in views.TRUE_WORDS:
        errors["contact_consent"] = tr(request, "err_consent")
    return errors


@dataclass
class SubmitIn:
    """The public form as posted: its text fields, the files attached (read and sniffed), and
    what was wrong with the post as a whole or with the files."""

    form: dict[str, str]
    files: list[attachments.Incoming] = field(default_factory=list)
    chosen: int = 0
    errors: dict[str, str] = field(default_factory=dict)


async def submit_input(request: Request) -> SubmitIn:
    """Read the public form (urlencoded, or multipart with files), then check its CSRF token.
    A post the form parser cannot take (a text part over 1 MB) comes back as the form with a
    Korean message instead of a bare 400; files are read under the upload limit and sniffed
    here so that a refused one is reported on the form with the text kept."""
    try:
        posted = await request.form()
    except HTTPException:
        return SubmitIn(form={}, errors={"form": tr(request, "submit_unreadable", n=MAX_BODY)})
    await check_csrf(request)
    form = {k: v for k, v in posted.items() if isinstance(v, str)}
    uploads = attachments.chosen(posted.getlist(attachments.FIELD))
    settings = request.app.state.settings
    try:
        files = await attachments.read_all(
            uploads, count=settings.max_attachments, limit=settings.max_upload_bytes
        )
    except Invalid as exc:
        return SubmitIn(
            form=form, chosen=len(uploads), errors={attachments.FIELD: said(request, exc)}
        )
    return SubmitIn(form=form, files=files, chosen=len(uploads))


SubmitDep = Annotated[SubmitIn, Depends(submit_input)]


@router.post("/submit")
def submit(
    request: Request, db: SessionDep, principal: PagePrincipal, posted: SubmitDep
) -> Response:
    """Take a citizen's voice and the files they attached; the receipt (number and secret) is
    shown once after it. Anything refused comes back on the form with the text kept."""
    form = posted.form
    channel = form.get("channel") if form.get("channel") in views.CITIZEN_CHANNELS else "web"
    data = {**form, "channel": channel or "web"}
    if data.get("unit"):
        data["office"] = ""
    throttle, address = throttle_of(request), client_address(request)
    verdict = throttle.blocked("submit", address)
    if not verdict.allowed:
        errors = {"form": throttle_message(request, verdict.retry_after, "throttled_form")}
        page = _submit_page(request, db, data, errors)
        page.status_code = 429
        return with_retry_after(page, verdict.retry_after)
    if "form" in posted.errors:
        page = _submit_page(request, db, data, posted.errors)
        page.status_code = 413
        return page
    errors = {**_citizen_checks(request, data), **posted.errors}
    try:
        voice_in = views.voice_create_from_form(data, staff=False)
        if not errors:
            suspensions.check_submission(db_session=db, voice_in=voice_in, now=utcnow())
            voice, secret = service.create(
                db_session=db, voice_in=voice_in, principal=CITIZEN, advisor=AnalysisAdvisor()
            )
            attachments.store(db, voice=voice, files=posted.files)
            mailed = receipt_mail.queue_receipt(
                db, voice=voice, secret=secret, base_url=get_settings().base_url
            )
    except ValidationError as exc:
        errors = {**views.field_errors(exc, language(request)), **errors}
    except suspensions.Suspended as exc:
        errors["form"] = tr(request, "submit_suspended", **exc.params)
    except MinwonError as exc:
        errors[exc.field or "form"] = said(request, exc)
    if errors:
        db.rollback()
        if posted.chosen and attachments.FIELD not in errors:
            errors[attachments.FIELD] = tr(request, "submit_files_again", n=posted.chosen)
        return _submit_page(request, db, data, errors)
    db.commit()
    throttle.hit("submit", address)
    unit = org_service.get_unit(db_session=db, unit_id=voice.unit_id)
    request.session["receipt"] = {
        "ledger_no": voice.ledger_no,
        "secret": secret,
        "due_at": kst(voice.due_at),
        "received_at": kst(voice.received_at),
        "unit": unit.name,
        "files": str(len(posted.files)),
        "mailed": "1" if mailed else "",
        "until": (utcnow() + RECEIPT_KEPT).isoformat(),
    }
    return redirect("/submit/done")


RECEIPT_KEPT = timedelta(minutes=30)
"""How long the receipt page can be opened again in the browser that filed the voice: a reload,
or a phone that dropped the page while the citizen wrote the code down, must not lose it."""


@router.get("/submit/done")
def submit_done(request: Request, principal: PagePrincipal) -> Response:
    """The receipt, again on a reload for ``RECEIPT_KEPT``; later the tracking page, with the
    number filled in."""
    receipt = request.session.get("receipt")
    if not receipt:
        return redirect("/track")
    until = receipt.get("until")
    if until is None or datetime.fromisoformat(until) <= utcnow():
        request.session.pop("receipt", None)
        return redirect(f"/track?no={quote(receipt.get('ledger_no', ''))}")
    return render(
        request, "voices/submit_done.html", receipt=receipt, kept_minutes=_minutes(RECEIPT_KEPT)
    )


def _minutes(span: timedelta) -> int:
    return int(span.total_seconds() // 60)


@router.get("/track")
def track_form(request: Request, principal: PagePrincipal, no: str = "") -> Response:
    """The form to follow a voice with its ledger number and secret."""
    return render(request, "voices/track.html", ledger_no=no.strip(), result=None, error=None)


@router.post("/track", dependencies=[CsrfDep])
def track(request: Request, db: SessionDep, principal: PagePrincipal, form: FormDep) -> Response:
    """Status, deadline and the sent answer; a wrong pair gets one message for both cases."""
    ledger_no, secret = form.get("ledger_no", "").strip(), form.get("secret", "").strip()
    throttle, address = throttle_of(request), client_address(request)
    verdict = throttle.blocked("track", address)
    if not verdict.allowed:
        error = throttle_message(request, verdict.retry_after)
        page = render(
            request, "voices/track.html", 429, ledger_no=ledger_no, result=None, error=error
        )
        return with_retry_after(page, verdict.retry_after)
    if len(ledger_no) > MAX_LEDGER_NO or len(secret) > MAX_SECRET:
        throttle.hit("track", address)
        error = tr(request, "track_too_long", no=MAX_LEDGER_NO, secret=MAX_SECRET)
        return render(
            request, "voices/track.html", 422, ledger_no=ledger_no, result=None, error=error
        )
    try:
        if not ledger_no or not secret:
            raise NotFound("접수번호 또는 확인 코드가 맞지 않습니다.")
        voice = service.track(db_session=db, ledger_no=ledger_no, secret=secret)
    except NotFound:
        db.rollback()
        throttle.hit("track", address)
        error = tr(request, "track_failed")
        return render(
            request, "voices/track.html", 404, ledger_no=ledger_no, result=None, error=error
        )
    # the number as printed (not as typed) tells the page whether the voice was transferred
    return render(
        request,
        "voices/track.html",
        ledger_no=voice.ledger_no,
        result=track_read(db, voice),
        error=None,
    )
