"""Actions (반영 조치): a CS manager or unit lead records what the agency did because of one
voice or a group of them; when it is done, every citizen who asked and consented is told
through the outbox ("you said, we did"), and the public board shows it with masked voices."""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from minwon.actions.models import Action, ActionEvidence, ActionVoice
from minwon.db import MAX_INT32
from minwon.errors import Forbidden, Invalid, NotFound
from minwon.org.models import Staff
from minwon.org.roles import LEADS, Principal
from minwon.timeutil import FIRST_DAY, LAST_DAY, utcnow
from minwon.voices import service as voice_service
from minwon.voices.models import Voice

STATUSES = {"planned": "계획", "in_progress": "진행 중", "done": "완료", "dropped": "취소"}
MAX_FILE = 5 * 1024 * 1024
MAX_NOTE = 2000
"""The longest evidence note, in characters."""
MAX_DONG = 100
"""The longest place (행정동) an action names, in characters (its column's length)."""


@dataclass(frozen=True)
class ActionIn:
    """An action as a lead writes it."""

    title: str
    description: str = ""
    owner_login: str | None = None
    unit: str | None = None
    category_id: int | None = None
    dong: str = ""
    starts_on: date | None = None
    due_on: date | None = None
    cost: int = 0
    public: bool = True


def _require_lead(principal: Principal) -> None:
    if principal.role not in LEADS or principal.office_id is None:
        raise Forbidden("조치는 팀장·CS 담당이 기록합니다.")


def _check(data: ActionIn) -> None:
    if not data.title.strip() or len(data.title) > 300:
        raise Invalid("조치 제목은 1~300자여야 합니다.", field="title")
    if len(data.dong.strip()) > MAX_DONG:
        raise Invalid(f"행정동은 {MAX_DONG}자 이내로 입력해 주세요.", field="dong")
    if data.cost < 0:
        raise Invalid("비용은 0 이상이어야 합니다.", field="cost")
    if data.cost > MAX_INT32:
        raise Invalid(f"비용은 {MAX_INT32:,}원 이하여야 합니다.", field="cost")
    for field, day in (("starts_on", data.starts_on), ("due_on", data.due_on)):
        if day is not None and not FIRST_DAY <= day <= LAST_DAY:
            raise Invalid(
                f"날짜는 {FIRST_DAY.year}년부터 {LAST_DAY.year}년 사이여야 합니다.", field=field
            )
    if data.starts_on and data.due_on and data.due_on < data.starts_on:
        raise Invalid("완료 예정일이 시작일보다 앞섭니다.", field="due_on")


def create(db: Session, *, principal: Principal, data: ActionIn, voice_ids: list[int]) -> Action:
    """Record an action of the caller's office, citing the voices it answers."""
    from minwon.org import service as org_service

    _require_lead(principal)
    _check(data)
    voices = [voice_service.get(db_session=db, voice_id=v, principal=principal) for v in voice_ids]
    owner = _owner(db, principal, data.owner_login) if data.owner_login else None
    unit = None
    if data.unit:
        unit = org_service.find_unit(db_session=db, ref=data.unit, office_id=principal.office_id)
    action = Action(
        office_id=principal.office_id,
        title=data.title.strip(),
        description=data.description.strip(),
        owner_id=owner.id if owner else principal.staff_id,
        unit_id=unit.id if unit else principal.unit_id,
        category_id=data.category_id or _common(v.category_id for v in voices),
        dong=data.dong.strip() or _common(v.dong for v in voices) or "",
        starts_on=data.starts_on,
        due_on=data.due_on,
        cost=data.cost,
        public=data.public,
        status="planned",
        created_by_id=principal.staff_id,
    )
    db.add(action)
    db.flush()
    link(db, principal=principal, action=action, voice_ids=[v.id for v in voices])
    return action


def may_change(principal: Principal, action: Action) -> bool:
    """Whether the caller may edit ``action`` (its page shows the form only then): a unit lead,
    CS manager or admin of the action's own office — those who could have recorded it there.
    HQ analysts and admins see every office's actions but change only their own office's."""
    return (
        principal.role in LEADS
        and principal.office_id is not None
        and action.office_id == principal.office_id
    )


def check_may_change(principal: Principal, action: Action) -> None:
    """Refuse (403) a caller who may see ``action`` but not change it: anyone but a lead, and
    a lead (an admin) of another office; the page asks this before it reads the form."""
    _require_lead(principal)
    if action.office_id != principal.office_id:
        raise Forbidden("다른 기관의 조치는 고칠 수 없습니다.")


def written(db: Session, action: Action) -> ActionIn:
    """The action as a lead wrote it (its current values, owner and unit by login and code):
    what the edit form shows, and what a partial change through the API applies to."""
    from minwon.org import service as org_service

    owner = owners_of(db, [action]).get(action.id)
    unit = org_service.get_unit(db_session=db, unit_id=action.unit_id) if action.unit_id else None
    return ActionIn(
        title=action.title,
        description=action.description,
        owner_login=owner.login if owner else None,
        unit=unit.code if unit else None,
        category_id=action.category_id,
        dong=action.dong,
        starts_on=action.starts_on,
        due_on=action.due_on,
        cost=action.cost,
        public=action.public,
    )


def update(db: Session, *, principal: Principal, action: Action, data: ActionIn) -> Action:
    """Change what an action says — title, description, owner, unit, place, dates, cost and
    whether the public board shows it — as teams do when its owner moves or its date slips.

    ``data`` is the whole action as it is to be (``written`` gives the current one); an owner
    or unit left out (None) stays as it is, and the category, status and voices are not
    changed here. Only a lead of the action's office may; the same checks as ``create`` apply,
    a new owner must be active staff of the office, a unit one of the office's; on a refusal
    nothing is changed. A done or dropped action may still be corrected (its status stays,
    and no citizen is told again)."""
    from minwon.org import service as org_service

    check_may_change(principal, action)
    _check(data)
    owner_id = action.owner_id
    if data.owner_login and data.owner_login.strip() != written(db, action).owner_login:
        owner_id = _owner(db, principal, data.owner_login).id
    unit_id = action.unit_id
    if data.unit and data.unit.strip():
        try:
            unit = org_service.find_unit(
                db_session=db, ref=data.unit.strip(), office_id=action.office_id
            )
        except NotFound as exc:  # a wrong value in the request, not a missing action
            raise Invalid(exc.message, field="unit") from exc
        unit_id = unit.id
    action.title = data.title.strip()
    action.description = data.description.strip()
    action.owner_id = owner_id
    action.unit_id = unit_id
    action.dong = data.dong.strip()
    action.starts_on = data.starts_on
    action.due_on = data.due_on
    action.cost = data.cost
    action.public = data.public
    db.flush()
    return action


def owners(db: Session, *, principal: Principal) -> list[Staff]:
    """The staff an action of the caller's office may be given to: the office's active staff,
    by name (actions belong to the office, so any of its units)."""
    if principal.office_id is None:
        return []
    query = select(Staff).where(Staff.office_id == principal.office_id, Staff.active.is_(True))
    return list(db.scalars(query.order_by(Staff.name, Staff.login)))


def _owner(db: Session, principal: Principal, login: str) -> Staff:
    """The owner named by ``login``: active staff of the caller's office. A login unknown or
    of another office is refused alike (nothing said of other offices' staff)."""
    owner = db.scalar(select(Staff).where(Staff.login == login.strip()))
    if owner is None or owner.office_id != principal.office_id:
        raise Invalid("담당자는 같은 기관 직원이어야 합니다.", field="owner")
    if not owner.active:
        raise Invalid("활동 중이 아닌 직원은 담당자로 정할 수 없습니다.", field="owner")
    return owner


def owners_of(db: Session, actions: list[Action]) -> dict[int, Staff]:
    """The owner of each action, by action id; actions without one are absent."""
    ids = {a.owner_id for a in actions if a.owner_id is not None}
    if not ids:
        return {}
    found = {s.id: s for s in db.scalars(select(Staff).where(Staff.id.in_(ids)))}
    return {
        a.id: found[a.owner_id] for a in actions if a.owner_id is not None and a.owner_id in found
    }


_H = TypeVar("_H", bound=Hashable)


def _common(values: Iterable[_H | None]) -> _H | None:
    """The one value the voices share (blanks aside), else None."""
    found = {v for v in values if v}
    return found.pop() if len(found) == 1 else None


def get(db: Session, *, principal: Principal, action_id: int) -> Action:
    """An action the caller may see (their office's; all for HQ and admins)."""
    action = db.get(Action, action_id)
    if action is None or (not principal.all_offices and action.office_id != principal.office_id):
        raise NotFound("조치를 찾을 수 없습니다.")
    return action


def link(db: Session, *, principal: Principal, action: Action, voice_ids: list[int]) -> int:
    """Cite more voices of the office; returns how many were new."""
    have = set(db.scalars(select(ActionVoice.voice_id).where(ActionVoice.action_id == action.id)))
    added = 0
    for voice_id in dict.fromkeys(voice_ids):
        voice = voice_service.get(db_session=db, voice_id=voice_id, principal=principal)
        if voice.office_id != action.office_id:
            raise NotFound("민원을 찾을 수 없습니다.")
        if voice.id not in have:
            db.add(ActionVoice(action_id=action.id, voice_id=voice.id))
            added += 1
    return added


def voices_of(db: Session, action_id: int) -> list[Voice]:
    """The voices an action cites, oldest first."""
    query = (
        select(Voice)
        .join(ActionVoice, ActionVoice.voice_id == Voice.id)
        .where(ActionVoice.action_id == action_id)
        .order_by(Voice.received_at, Voice.id)
    )
    return list(db.scalars(query))


def actions_for_voice(db: Session, voice_id: int) -> list[Action]:
    """The actions that cite a voice (shown on the voice's page)."""
    query = (
        select(Action)
        .join(ActionVoice, ActionVoice.action_id == Action.id)
        .where(ActionVoice.voice_id == voice_id)
        .order_by(Action.id)
    )
    return list(db.scalars(query))


def add_evidence(
    db: Session,
    *,
    principal: Principal,
    action: Action,
    note: str,
    file_name: str = "",
    content_type: str = "",
    content: bytes | None = None,
) -> ActionEvidence:
    """Attach a note and, optionally, a small file (photo, document) as evidence: a lead of
    the action's office only (``check_may_change``)."""
    check_may_change(principal, action)
    if not note.strip() and not content:
        raise Invalid("메모나 파일 중 하나는 있어야 합니다.", field="note")
    if len(note) > MAX_NOTE:
        raise Invalid(f"메모는 {MAX_NOTE:,}자 이내로 입력해 주세요.", field="note")
    if content is not None and len(content) > MAX_FILE:
        raise Invalid("파일은 5MB 이하여야 합니다.", field="file")
    evidence = ActionEvidence(
        action_id=action.id,
        note=note.strip(),
        file_name=file_name[:200],
        content_type=content_type[:100],
        content=content,
        added_by_id=principal.staff_id,
    )
    db.add(evidence)
    db.flush()
    return evidence


def set_status(
    db: Session, *, principal: Principal, action: Action, status: str, now: datetime | None = None
) -> int:
    """Move an action on; when it becomes done, tell each consenting citizen who asked (once).
    Returns how many notices were queued. A lead of the action's office only
    (``check_may_change``)."""
    check_may_change(principal, action)
    if status not in STATUSES:
        raise Invalid(f"알 수 없는 상태입니다: {status}", field="status")
    if action.status == "done" and status == "done":
        return 0
    action.status = status
    if status != "done":
        action.done_at = None
        return 0
    action.done_at = now or utcnow()
    return notify_done(db, action)


def notify_done(db: Session, action: Action) -> int:
    """Queue the "you said, we did" notice to every citizen who asked, consented and gave an
    e-mail address — one notice per address, never to anyone who did not consent."""
    from minwon.outbox import service as outbox

    sent: set[str] = set()
    for voice in voices_of(db, action.id):
        contact = voice.contact
        if contact is None or not contact.consent or not contact.email:
            continue
        address = contact.email.strip().lower()
        if address in sent:
            continue
        sent.add(address)
        outbox.enqueue(
            db_session=db,
            recipient=contact.email,
            subject=f"[{voice.ledger_no}] 말씀하신 일에 이렇게 조치했습니다",
            body=_notice(action, voice),
            topic="action-done",
            voice_id=voice.id,
            dedupe_key=f"action:{action.id}:{address}",
        )
    return len(sent)


def _notice(action: Action, voice: Voice) -> str:
    lines = [
        f"안녕하십니까. 접수번호 {voice.ledger_no}로 주신 말씀에 대해 알려 드립니다.",
        "",
        f"조치: {action.title}",
    ]
    if action.description:
        lines.append(action.description)
    lines += ["", "소중한 의견 덕분에 바뀐 일입니다. 감사합니다."]
    return "\n".join(lines) + "\n"


def list_actions(
    db: Session, *, principal: Principal, status: str | None = None, limit: int = 200
) -> list[Action]:
    """The office's actions, newest first."""
    query = select(Action)
    if not principal.all_offices:
        query = query.where(Action.office_id == principal.office_id)
    if status:
        query = query.where(Action.status == status)
    return list(db.scalars(query.order_by(Action.id.desc()).limit(limit)))


def public_board(db: Session, *, office_id: int, limit: int = 50) -> list[Action]:
    """The office's done, public actions for the "you said, we did" board, newest first."""
    query = (
        select(Action)
        .where(Action.office_id == office_id, Action.status == "done", Action.public.is_(True))
        .order_by(Action.done_at.desc(), Action.id.desc())
        .limit(limit)
    )
    return list(db.scalars(query))


def evidence_of(db: Session, action_id: int) -> list[ActionEvidence]:
    """An action's evidence, oldest first."""
    query = select(ActionEvidence).where(ActionEvidence.action_id == action_id)
    return list(db.scalars(query.order_by(ActionEvidence.id)))


def evidence_file(db: Session, *, principal: Principal, evidence_id: int) -> ActionEvidence:
    """An evidence file of an action the caller may see (the page's and the API's download);
    a note without a file, or another office's, is not found."""
    item = db.get(ActionEvidence, evidence_id)
    if item is None or item.content is None:
        raise NotFound("파일을 찾을 수 없습니다.")
    get(db, principal=principal, action_id=item.action_id)
    return item
