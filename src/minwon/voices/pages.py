"""The ledger's pages: the 민원 처리부 list, deadlines, staff intake and a voice with its
workflow forms (the citizens' submit and track pages are ``citizen_pages``). Thin: parse,
call, render."""

from collections.abc import Callable, Mapping
from datetime import timedelta
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import ValidationError
from sqlalchemy.orm import Session

from minwon.actions.service import actions_for_voice
from minwon.analysis import lookup
from minwon.analysis import service as analysis_service
from minwon.analysis.intake import AnalysisAdvisor
from minwon.errors import Forbidden, Invalid, MinwonError, NotFound
from minwon.org import service as org_service
from minwon.org.roles import WRITERS, Principal
from minwon.protection import settings as protection_settings
from minwon.surveys.pages import survey_card
from minwon.timeutil import utcnow
from minwon.voices import attachments, history, masked_view, queries, service, views, workflow
from minwon.voices.catalog import OPEN_STATUSES
from minwon.voices.models import Voice
from minwon.voices.schemas import AnswerIn, AssignIn, ExtendIn, NoteIn, TransferIn
from minwon.web.deps import CsrfDep, DbId, SessionDep
from minwon.web.files import file_response
from minwon.web.pages import FormDep, PageStaff, flash, redirect, said, said_text, tr
from minwon.web.templating import kst, language, render
from minwon.web.text_route import TextRoute

router = APIRouter(route_class=TextRoute, include_in_schema=False)
DEADLINE_LIMIT = 200
SOON = timedelta(hours=24)
INTAKE_DEFAULTS = {"kind": "complaint", "channel": "visit"}


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
    urgent = analysis_service.urgent_open(db_session=db, principal=principal, flt=lq.flt)
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
    shown = queries.read_many(db, [voice], principal)[0]
    citizen = masked_view.citizen_names(db, [voice.id], principal).get(voice.id, [])
    return render(
        request,
        "voices/voice.html",
        422 if kept else 200,
        kept=kept or {"step": "", "values": {}, "error": ""},
        v=shown,
        voice=voice,
        draft=draft,
        actions=actions,
        answers=workflow.answers_read(db_session=db, voice_id=voice.id, principal=principal),
        events=masked_view.events_for_reader(events, principal, citizen),
        names=history.names_in(db_session=db, events=events, unit_codes=suggested),
        analysis=analysis,
        marks=lookup.marks(db_session=db, row=analysis) if analysis else None,
        similar=lookup.for_voice(db_session=db, principal=principal, voice_id=voice.id),
        survey=survey_card(db, voice, principal),
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
