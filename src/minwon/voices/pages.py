"""The ledger's pages: the 민원 처리부 list, deadlines, staff intake, a voice with its
workflow forms, and the citizens' submit and track pages. Thin: parse, call, render."""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from pydantic import ValidationError
from sqlalchemy.orm import Session
from starlette.exceptions import HTTPException

from minwon.actions.service import actions_for_voice
from minwon.analysis import lookup
from minwon.analysis import service as analysis_service
from minwon.analysis.intake import AnalysisAdvisor
from minwon.errors import Forbidden, Invalid, MinwonError, NotFound
from minwon.org import service as org_service
from minwon.org.roles import CITIZEN, WRITERS, Principal
from minwon.protection import settings as protection_settings
from minwon.protection import suspensions
from minwon.surveys.pages import survey_card
from minwon.timeutil import utcnow
from minwon.voices import attachments, history, queries, service, views, workflow
from minwon.voices.catalog import OPEN_STATUSES
from minwon.voices.models import Voice
from minwon.voices.routes import track_read
from minwon.voices.schemas import MAX_BODY, AnswerIn, AssignIn, ExtendIn, NoteIn, TransferIn
from minwon.web.deps import CsrfDep, DbId, SessionDep, check_csrf, client_address
from minwon.web.files import ALLOWED, file_response
from minwon.web.pages import FormDep, PagePrincipal, PageStaff, flash, redirect, said, said_text, tr
from minwon.web.templating import kst, language, render
from minwon.web.throttle import message as throttle_message
from minwon.web.throttle import throttle_of, with_retry_after

router = APIRouter(include_in_schema=False)
DEADLINE_LIMIT = 200
SOON = timedelta(hours=24)
INTAKE_DEFAULTS = {"kind": "complaint", "channel": "visit"}
MAX_LEDGER_NO, MAX_SECRET = 48, 32
"""The tracking form's maxima (a ledger number, a receipt secret), in characters."""


def _times() -> dict:
    now = utcnow()
    return {"now": now, "soon": now + SOON, "open_statuses": OPEN_STATUSES}


def _choices(db: Session, principal: Principal) -> dict:
    return {
        "units": views.units_for(db, principal),
        "categories": views.categories_for(db, principal),
        "kinds": views.kinds_for_principal(db, principal),
    }


@router.get("/ledger")
def ledger(request: Request, db: SessionDep, principal: PageStaff) -> Response:
    """The 민원 처리부: filtered, sorted, keyset-paged, with a capped count."""
    choices = _choices(db, principal)
    own_unit = views.own_unit_code(principal, choices["units"])
    context = {
        **choices,
        **_times(),
        "own_unit": own_unit,
        "cap": queries.COUNT_CAP,
        "field_errors": {},
    }
    try:
        lq = views.ledger_query(request.query_params, own_unit)
        limit = request.app.state.settings.page_size
        rows, next_cursor = queries.page(
            db_session=db, principal=principal, flt=lq.flt, cursor=lq.cursor, limit=limit
        )
        total = queries.count(db_session=db, principal=principal, flt=lq.flt)
    except Invalid as exc:
        params = {k: v for k, v in request.query_params.items() if k != "cursor"}
        message = said(request, exc)
        context.update(params=params, items=[], total=None, error=message, links={})
        context["field_errors"] = {exc.field: message} if exc.field else {}
        return render(request, "voices/ledger.html", 422, **context)
    query = urlencode(lq.params)
    links = {
        "first": f"/ledger?{query}" if lq.cursor else "",
        "next": f"/ledger?{urlencode({**lq.params, 'cursor': next_cursor})}" if next_cursor else "",
        "export": f"/ledger/export.xlsx?{query}",
    }
    items = queries.read_many(db, rows, principal)
    urgent = analysis_service.urgent_open(db_session=db, principal=principal)
    context.update(
        params=lq.params,
        items=items,
        total=total,
        error=None,
        links=links,
        urgent_items=queries.read_many(db, urgent, principal) if not lq.cursor else [],
        urgent_ids=analysis_service.urgent_among(db_session=db, voice_ids=[v.id for v in rows])
        | {v.id for v in urgent},
    )
    return render(request, "voices/ledger.html", **context)


@router.get("/ledger/deadlines")
def deadlines(request: Request, db: SessionDep, principal: PageStaff) -> Response:
    """기한 관리: overdue and due-within-24h voices of the caller's unit or office."""
    unit = views.own_unit_code(principal, views.units_for(db, principal))
    pages = {}
    for name in ("overdue", "due_soon"):
        flt = queries.LedgerFilter(
            unit=unit or None,
            sort="due",
            overdue=name == "overdue",
            due_soon=name == "due_soon",
        )
        pages[name] = queries.page(
            db_session=db, principal=principal, flt=flt, limit=DEADLINE_LIMIT
        )
    reads = queries.read_many(db, [v for rows, _ in pages.values() for v in rows], principal)
    split = len(pages["overdue"][0])
    lists = {"overdue": reads[:split], "due_soon": reads[split:]}
    more = {
        name: f"/ledger?{urlencode({'unit': unit, name: '1', 'sort': 'due'})}"
        for name, (_, cursor) in pages.items()
        if cursor
    }
    return render(request, "voices/deadlines.html", lists=lists, more=more, unit=unit, **_times())


def _require_writer(principal: Principal) -> None:
    if principal.role not in WRITERS:
        raise Forbidden("이 역할로는 민원을 등록할 수 없습니다.")


def _intake_page(
    request: Request,
    db: Session,
    principal: Principal,
    values: Mapping[str, str],
    errors: dict[str, str],
) -> Response:
    return render(
        request,
        "voices/new.html",
        422 if errors else 200,
        **_choices(db, principal),
        values=values,
        errors=errors,
        max_received=kst(utcnow(), "%Y-%m-%dT%H:%M"),
        lengths=protection_settings.for_office(db, principal.office_id)
        if principal.office_id
        else None,
    )


@router.get("/voices/new")
def new_voice_form(request: Request, db: SessionDep, principal: PageStaff) -> Response:
    """The staff intake form (visits, calls, paper cards, back-entry)."""
    _require_writer(principal)
    return _intake_page(request, db, principal, INTAKE_DEFAULTS, {})


def _error_field(field: str | None) -> str:
    return {"office": "unit", None: "form"}.get(field, field or "form")


@router.post("/voices/new", dependencies=[CsrfDep])
def new_voice(request: Request, db: SessionDep, principal: PageStaff, form: FormDep) -> Response:
    """Record the voice; on success show its number and receipt secret to pass on."""
    _require_writer(principal)
    try:
        voice_in = views.voice_create_from_form(form, staff=True)
        voice, secret = service.create(
            db_session=db, voice_in=voice_in, principal=principal, advisor=AnalysisAdvisor()
        )
    except ValidationError as exc:
        db.rollback()
        errors = views.field_errors(exc, language(request))
        return _intake_page(request, db, principal, form, errors)
    except MinwonError as exc:
        db.rollback()
        return _intake_page(
            request, db, principal, form, {_error_field(exc.field): said(request, exc)}
        )
    db.commit()
    text = tr(request, "intake_done", no=voice.ledger_no)
    flash(request, text, "receipt", ledger_no=voice.ledger_no, secret=secret)
    return redirect(f"/voices/{voice.id}")


@router.get("/voices/{voice_id:int}")
def voice_page(request: Request, voice_id: int, db: SessionDep, principal: PageStaff) -> Response:
    """A voice with its answers, history and the workflow forms the caller may use."""
    return _voice_view(request, db, principal, voice_id)


def _voice_view(
    request: Request,
    db: Session,
    principal: Principal,
    voice_id: int,
    kept: Mapping[str, object] | None = None,
) -> Response:
    """The voice page; ``kept`` (a refused workflow form: its step, what was typed and the
    message) comes back filled in, with a 422."""
    voice = service.get(db_session=db, voice_id=voice_id, principal=principal)
    draft = workflow.current_draft(db_session=db, voice_id=voice.id)
    actions = views.allowed_actions(principal, voice, draft)
    analysis = analysis_service.get(db_session=db, voice_id=voice.id)
    events = history.events(db_session=db, voice_id=voice.id)
    suggested = (analysis.suggested_unit,) if analysis else ()
    return render(
        request,
        "voices/voice.html",
        422 if kept else 200,
        kept=kept or {"step": "", "values": {}, "error": ""},
        v=queries.read_many(db, [voice], principal)[0],
        voice=voice,
        draft=draft,
        actions=actions,
        answers=workflow.answers_read(db_session=db, voice_id=voice.id),
        events=events,
        names=history.names_in(db_session=db, events=events, unit_codes=suggested),
        analysis=analysis,
        marks=lookup.marks(db_session=db, row=analysis) if analysis else None,
        similar=lookup.for_voice(db_session=db, principal=principal, voice_id=voice.id),
        survey=survey_card(db, voice),
        actions_taken=actions_for_voice(db, voice.id),
        files=attachments.listed(db, voice=voice, principal=principal),
        assignees=(
            org_service.unit_staff(db_session=db, unit_id=voice.unit_id)
            if "assign" in actions
            else []
        ),
        targets=views.transfer_targets(db, voice, principal) if "transfer" in actions else [],
        past_due=(
            said_text(request, workflow.past_due_message(voice))
            if "extend_past_due" in actions
            else ""
        ),
        **_times(),
    )


@router.get("/voices/{voice_id:int}/attachments/{attachment_id:int}")
def attachment_file(
    voice_id: DbId, attachment_id: DbId, db: SessionDep, principal: PageStaff
) -> Response:
    """Download a file the citizen attached (staff of the voice's office who see personal
    data), under its original name, with the type its bytes show, never rendered inline."""
    item = attachments.fetch(
        db, voice_id=voice_id, attachment_id=attachment_id, principal=principal
    )
    return file_response(item.content, item.file_name, "attachment", cache="private, no-store")


Step = Callable[[Session, Voice, Principal, Mapping[str, str]], tuple[str, dict]]


def _assign(db: Session, voice: Voice, p: Principal, form: Mapping[str, str]) -> tuple[str, dict]:
    login = AssignIn(assignee=form.get("assignee", "")).assignee
    workflow.assign(db_session=db, voice=voice, principal=p, assignee_login=login)
    return "done_assign", {}


def _start(db: Session, voice: Voice, p: Principal, form: Mapping[str, str]) -> tuple[str, dict]:
    workflow.start(db_session=db, voice=voice, principal=p)
    return "done_start", {}


def _answer(db: Session, voice: Voice, p: Principal, form: Mapping[str, str]) -> tuple[str, dict]:
    body = AnswerIn(body=form.get("body", "").strip()).body
    workflow.draft_answer(db_session=db, voice=voice, principal=p, body=body)
    return "done_answer", {}


def _approve(db: Session, voice: Voice, p: Principal, form: Mapping[str, str]) -> tuple[str, dict]:
    workflow.approve_answer(db_session=db, voice=voice, principal=p)
    return "done_approve", {}


def _return(db: Session, voice: Voice, p: Principal, form: Mapping[str, str]) -> tuple[str, dict]:
    note = NoteIn(note=form.get("note", "").strip()).note
    workflow.return_answer(db_session=db, voice=voice, principal=p, note=note)
    return "done_return", {}


def _close(db: Session, voice: Voice, p: Principal, form: Mapping[str, str]) -> tuple[str, dict]:
    workflow.close(db_session=db, voice=voice, principal=p)
    return "done_close", {}


def _reopen(db: Session, voice: Voice, p: Principal, form: Mapping[str, str]) -> tuple[str, dict]:
    note = NoteIn(note=form.get("note", "").strip()).note
    workflow.reopen(db_session=db, voice=voice, principal=p, note=note)
    return "done_reopen", {}


def _transfer(db: Session, voice: Voice, p: Principal, form: Mapping[str, str]) -> tuple[str, dict]:
    body = TransferIn(unit=form.get("unit", ""), note=form.get("note", "").strip())
    new = workflow.transfer(
        db_session=db, voice=voice, principal=p, unit_code=body.unit, note=body.note
    )
    return "done_transfer", {"no": new.ledger_no}


def _extend(db: Session, voice: Voice, p: Principal, form: Mapping[str, str]) -> tuple[str, dict]:
    body = ExtendIn(days=form.get("days", ""), reason=form.get("reason", "").strip())
    workflow.extend(db_session=db, voice=voice, principal=p, days=body.days, reason=body.reason)
    return "done_extend", {}


def _form_shown(db: Session, principal: Principal, voice_id: int, step: str) -> bool:
    """Whether the voice page shows the form of ``step`` to the caller now."""
    voice = service.get(db_session=db, voice_id=voice_id, principal=principal)
    draft = workflow.current_draft(db_session=db, voice_id=voice.id)
    actions = views.allowed_actions(principal, voice, draft)
    # past its deadline the extension form gives way to a note, which keeps the typed reason
    return step in actions or (step == "extend" and "extend_past_due" in actions)


TYPED_STEPS = frozenset({"answer", "return", "reopen", "transfer", "extend"})
"""Steps whose forms carry text; a refused one is shown again with the text kept."""

STEPS: dict[str, Step] = {
    "assign": _assign,
    "start": _start,
    "answer": _answer,
    "approve": _approve,
    "return": _return,
    "close": _close,
    "reopen": _reopen,
    "transfer": _transfer,
    "extend": _extend,
}


@router.post("/voices/{voice_id:int}/{action}", dependencies=[CsrfDep])
def voice_action(
    request: Request,
    voice_id: int,
    action: str,
    db: SessionDep,
    principal: PageStaff,
    form: FormDep,
) -> Response:
    """Run one workflow step, commit, and go back to the voice with a flash message."""
    step = STEPS.get(action)
    if step is None:
        raise NotFound("찾으시는 페이지가 없습니다.")
    voice = service.get(db_session=db, voice_id=voice_id, principal=principal)
    try:
        key, params = step(db, voice, principal, form)
    except ValidationError as exc:
        db.rollback()
        errors = views.field_errors(exc, language(request))
        text = " · ".join(f"{tr(request, 'f_' + k)}: {m}" for k, m in errors.items())
    except MinwonError as exc:
        db.rollback()
        text = said(request, exc)
    else:
        db.commit()
        flash(request, tr(request, key, **params))
        return redirect(f"/voices/{voice_id}")
    if action in TYPED_STEPS and _form_shown(db, principal, voice_id, action):
        # the text typed (an answer of pages) comes back in its own form, with the message
        kept = {"step": action, "values": dict(form), "error": text}
        return _voice_view(request, db, principal, voice_id, kept=kept)
    flash(request, text, "error")  # no form to put it back in (e.g. a second extension)
    return redirect(f"/voices/{voice_id}")


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
    }
    return redirect("/submit/done")


@router.get("/submit/done")
def submit_done(request: Request, principal: PagePrincipal) -> Response:
    """The receipt, shown once; coming back later leads to the tracking page."""
    receipt = request.session.pop("receipt", None)
    if not receipt:
        return redirect("/track")
    return render(request, "voices/submit_done.html", receipt=receipt)


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
