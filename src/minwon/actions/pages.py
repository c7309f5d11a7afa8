"""Action pages: the office's actions, one action with its voices, evidence, status and effect,
and the public "you said, we did" board (no login; the voices behind each action masked)."""

from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session
from starlette.datastructures import UploadFile

from minwon.actions import effects, service
from minwon.actions.effect import MIN_VALUES, MIN_VOICES
from minwon.actions.models import Action
from minwon.actions.service import STATUSES, ActionIn
from minwon.errors import Invalid, MinwonError
from minwon.org import service as org_service
from minwon.org.roles import LEADS, Principal
from minwon.textutil import whole_number
from minwon.voices import queries
from minwon.web.deps import CsrfDep, DbId, SessionDep
from minwon.web.files import (
    ALLOWED,
    checked_upload,
    file_response,
    read_upload,
)
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

router = APIRouter(route_class=TextRoute, include_in_schema=False)
BOARD_VOICES = 5
"""The most voices the public board lists under an action; the rest are counted."""


def _date(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _voice_ids(db: Any, principal: Any, text: str) -> list[int]:
    """The voices named in the form by receipt number (접수번호), separated by commas, spaces
    or lines; a bare number is an id (links of older pages)."""
    parts = text.replace(",", " ").split()
    ids = [whole_number(p) for p in parts]
    numbers = [p for p, i in zip(parts, ids, strict=True) if i is None]
    found = queries.ids_of_ledger_numbers(db_session=db, principal=principal, numbers=numbers)
    return [i for i in ids if i is not None] + found


def _cluster_voice_ids(db: Any, principal: Any, typed: str) -> list[int]:
    """The voices of the group whose number was typed (none when the field is empty)."""
    if not typed.strip():
        return []
    cluster_id = whole_number(typed)
    if cluster_id is None:
        raise Invalid("묶음을 찾을 수 없습니다.", field="cluster")
    return effects.cluster_voice_ids(db, principal=principal, cluster_id=cluster_id)


def _action_in(form: dict[str, str]) -> ActionIn:
    """The action as the form gives it; a cost that is no whole number is one the checks
    refuse (-1)."""
    cost = whole_number(form.get("cost") or "0", digits=12)
    return ActionIn(
        title=form.get("title", ""),
        description=form.get("description", ""),
        owner_login=form.get("owner", "").strip() or None,
        unit=form.get("unit", "").strip() or None,
        dong=form.get("dong", ""),
        starts_on=_date(form.get("starts_on")),
        due_on=_date(form.get("due_on")),
        cost=-1 if cost is None else cost,
        public=form.get("public") == "on",
    )


def _list_page(
    request: Request,
    db: Session,
    principal: Principal,
    typed: dict[str, str],
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    """The office's actions and the form to record one, filled with ``typed``; the owner
    offered first is the caller (the service's default)."""
    params = request.query_params
    actions = service.list_actions(db, principal=principal, status=params.get("status") or None)
    owners = [(s.login, s.name) for s in service.owners(db, principal=principal)]
    sent = typed.get("owner", "")
    typed = {**typed, "owner": sent or principal.login}
    return render(
        request,
        "actions/list.html",
        status_code,
        actions=actions,
        owners_of=service.owners_of(db, actions),
        owners=_kept(owners, sent, sent),
        STATUSES=STATUSES,
        may_create=principal.role in LEADS,
        prefill=typed,
        errors=errors or {},
        office_code=org_service.get_office(db_session=db, office_id=principal.office_id).code
        if principal.office_id
        else "",
    )


@router.get("/actions")
def list_page(request: Request, db: SessionDep, principal: PageStaff) -> Response:
    """The office's actions and a form to record one (prefilled from a voice or a group)."""
    params = request.query_params
    typed = {"voices": params.get("voices", ""), "cluster": params.get("cluster", "")}
    return _list_page(request, db, principal, typed)


@router.post("/actions", dependencies=[CsrfDep])
def create(request: Request, db: SessionDep, principal: PageStaff, form: FormDep) -> Response:
    """Record an action from the form; a refused one shows the form again as typed, with the
    reason beside the field at fault."""
    try:
        ids = _voice_ids(db, principal, form.get("voices", ""))
        ids += _cluster_voice_ids(db, principal, form.get("cluster", ""))
        action = service.create(db, principal=principal, data=_action_in(form), voice_ids=ids)
    except MinwonError as exc:
        db.rollback()
        typed = {k: v for k, v in form.items() if k != "csrf_token"}
        typed["public"] = "on" if form.get("public") == "on" else ""
        status = 403 if exc.status == 403 else 422
        return _list_page(request, db, principal, typed, said_fields(request, exc), status)
    db.commit()
    flash(request, tr(request, "ac_saved"))
    return redirect(f"/actions/{action.id}")


@router.get("/actions/voice-search")
def voice_search(request: Request, db: SessionDep, principal: PageStaff, q: str = "") -> Response:
    """Voices of the caller's office matching a receipt number, title or text, to add to an
    action by their receipt number (a fragment for the action form)."""
    found: list[Any] = []
    if len(q.strip()) >= 2:
        flt = queries.LedgerFilter(q=q.strip()[:200])
        found, _ = queries.page(db_session=db, principal=principal, flt=flt, limit=10)
    return render(request, "actions/_voice_search.html", found=found, q=q)


def _as_typed(data: ActionIn) -> dict[str, str]:
    """The action's current values as the edit form shows them."""
    return {
        "title": data.title,
        "description": data.description,
        "owner": data.owner_login or "",
        "unit": data.unit or "",
        "dong": data.dong,
        "starts_on": data.starts_on.isoformat() if data.starts_on else "",
        "due_on": data.due_on.isoformat() if data.due_on else "",
        "cost": str(data.cost),
        "public": "on" if data.public else "",
    }


def _kept(options: list[tuple[str, str]], value: str, text: str) -> list[tuple[str, str]]:
    """``options`` with ``value`` added (shown as ``text``) when it is not among them: a
    current owner no longer active, or a refused value kept as sent beside its reason."""
    if value and value not in {v for v, _ in options}:
        return [*options, (value, text)]
    return options


def _detail_page(
    request: Request,
    db: Session,
    principal: Principal,
    action: Action,
    typed: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    """One action's page; for a lead of its office with the edit form, filled with ``typed``
    (after a refusal) or with the action's current values."""
    effect = None
    if action.done_at is not None and (action.dong or action.category_id):
        try:
            effect = effects.of_action(db, action=action, days=90)
        except MinwonError:
            effect = None
    owner = service.owners_of(db, [action]).get(action.id)
    unit = org_service.get_unit(db_session=db, unit_id=action.unit_id) if action.unit_id else None
    may_change = service.may_change(principal, action)
    edit: dict[str, Any] = {}
    if may_change:
        current = _as_typed(service.written(db, action))
        values = typed if typed is not None else current
        owners = [(s.login, s.name) for s in service.owners(db, principal=principal)]
        owners = _kept(owners, current["owner"], owner.name if owner else current["owner"])
        units = [
            (u.code, u.name)
            for u in org_service.list_units(db_session=db, office_id=action.office_id)
        ]
        units = _kept(units, values.get("unit", ""), values.get("unit", ""))
        edit = {
            "values": values,
            "errors": errors or {},
            "owners": _kept(owners, values.get("owner", ""), values.get("owner", "")),
            "units": units,
            "unit_blank": action.unit_id is None,
        }
    return render(
        request,
        "actions/detail.html",
        status_code,
        action=action,
        owner=owner,
        unit=unit,
        voices=service.voices_of(db, action.id),
        evidence=service.evidence_of(db, action.id),
        effect=effect,
        rule=tr(request, "ac_effect_rule_text", min_voices=MIN_VOICES, min_values=MIN_VALUES),
        STATUSES=STATUSES,
        may_change=may_change,
        edit=edit,
        note_kept=request.session.pop(f"evidence_note_{action.id}", ""),
        accepted=", ".join(kind.ext.upper() for kind in ALLOWED),
    )


@router.get("/actions/{action_id:int}")
def detail(request: Request, action_id: DbId, db: SessionDep, principal: PageStaff) -> Response:
    """One action: the voices it answers, evidence, status, and its effect once done; a lead
    of its office also sees the form to change it."""
    action = service.get(db, principal=principal, action_id=action_id)
    return _detail_page(request, db, principal, action)


@router.post("/actions/{action_id:int}/edit", dependencies=[CsrfDep])
def edit(
    request: Request, action_id: DbId, db: SessionDep, principal: PageStaff, form: FormDep
) -> Response:
    """Change an action from its page's form (a lead of its office; anyone else is refused
    before the form is read); a refused change shows the page again with the form as typed
    and the reason beside the field at fault, the action unchanged."""
    action = service.get(db, principal=principal, action_id=action_id)
    service.check_may_change(principal, action)
    try:
        service.update(db, principal=principal, action=action, data=_action_in(form))
    except MinwonError as exc:
        db.rollback()
        typed = {k: v for k, v in form.items() if k != "csrf_token"}
        typed["public"] = "on" if form.get("public") == "on" else ""
        action = service.get(db, principal=principal, action_id=action_id)
        return _detail_page(request, db, principal, action, typed, said_fields(request, exc), 422)
    db.commit()
    flash(request, tr(request, "ac_changed"))
    return redirect(f"/actions/{action_id}")


@router.post("/actions/{action_id:int}/status", dependencies=[CsrfDep])
def status(
    request: Request, action_id: DbId, db: SessionDep, principal: PageStaff, form: FormDep
) -> Response:
    """Move an action on; done tells the citizens who asked and consented."""
    action = service.get(db, principal=principal, action_id=action_id)
    service.check_may_change(principal, action)
    try:
        told = service.set_status(
            db, principal=principal, action=action, status=form.get("status", "")
        )
    except MinwonError as exc:
        db.rollback()
        flash(request, said(request, exc), "error")
        return redirect(f"/actions/{action_id}")
    db.commit()
    flash(request, tr(request, "ac_status_saved", n=told))
    return redirect(f"/actions/{action_id}")


@router.post("/actions/{action_id:int}/evidence", dependencies=[CsrfDep])
async def evidence(
    request: Request, action_id: DbId, db: SessionDep, principal: PageStaff
) -> Response:
    """Attach a note and optionally a file as evidence; the file's type is sniffed from its
    bytes and must be on the allow-list (photos, PDF, office and Hangul documents)."""
    action = service.get(db, principal=principal, action_id=action_id)
    service.check_may_change(principal, action)
    form = await request.form()
    upload = form.get("file")
    try:
        content, kind = None, None
        if isinstance(upload, UploadFile) and upload.filename:
            content = await read_upload(upload, service.MAX_FILE)
            kind = checked_upload(content) if content else None
        service.add_evidence(
            db,
            principal=principal,
            action=action,
            note=str(form.get("note", "")),
            file_name=getattr(upload, "filename", "") or "",
            content_type=kind.mime if kind else "",
            content=content or None,
        )
    except MinwonError as exc:
        db.rollback()
        flash(request, said(request, exc), "error")
        # the note typed with a refused file waits in the form (a short, bounded text)
        request.session[f"evidence_note_{action_id}"] = str(form.get("note", ""))[:2000]
        return redirect(f"/actions/{action_id}")
    db.commit()
    flash(request, tr(request, "ac_evidence_saved"))
    return redirect(f"/actions/{action_id}")


@router.get("/actions/evidence/{evidence_id:int}")
def evidence_file(evidence_id: DbId, db: SessionDep, principal: PageStaff) -> Response:
    """Download an evidence file (staff of the office) under its original name, with the type
    its bytes show, never rendered by the browser."""
    item = service.evidence_file(db, principal=principal, evidence_id=evidence_id)
    # files stored before sniffing carry the uploader's claim: served as their bytes show
    return file_response(item.content or b"", item.file_name, "evidence")


@router.get("/board/{office}")
def board(request: Request, office: str, db: SessionDep, principal: PagePrincipal) -> Response:
    """The public "you said, we did" board of an office, readable without login."""
    from minwon.analysis.masking import mask_text

    found = org_service.find_office(db_session=db, ref=office)
    items: list[tuple[Any, list[str], int]] = []
    for action in service.public_board(db, office_id=found.id):
        voices = service.voices_of(db, action.id)
        said = [
            mask_text(v.title, names=[v.contact.name] if v.contact and v.contact.name else [])
            for v in voices[:BOARD_VOICES]
        ]
        items.append((action, said, len(voices) - len(said)))
    return render(request, "actions/board.html", office=found, items=items)
