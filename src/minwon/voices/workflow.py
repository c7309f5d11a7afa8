"""The life of a voice after intake: assign, work, answer, approve, close, reopen, transfer,
extend. Each step checks the caller's role and the voice's state and appends to its history."""

from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from minwon.errors import Conflict, Forbidden, Invalid
from minwon.org import service as org_service
from minwon.org.models import Staff
from minwon.org.roles import ADMIN, CS_MANAGER, LEADS, UNIT_LEAD, WRITERS, Principal
from minwon.outbox import service as outbox
from minwon.timeutil import to_kst, utcnow
from minwon.voices import attachments, history, ledger, masked_view
from minwon.voices.catalog import (
    ANSWERED,
    ASSIGNED,
    CLOSED,
    CLOSING_CAUSES,
    DONE_STATUSES,
    IN_PROGRESS,
    OPEN_STATUSES,
    RECEIVED,
    REPEAT_ANSWERED_BEFORE,
    STATUSES,
    TRANSFERRED,
)
from minwon.voices.deadlines import due_at
from minwon.voices.models import Answer, Voice, VoiceContact
from minwon.voices.schemas import AnswerRead


def _require_lead(principal: Principal, voice: Voice) -> None:
    """Unit leads act on their own unit; CS managers on their office; admins anywhere."""
    if principal.role == ADMIN or principal.role == CS_MANAGER:
        return
    if principal.role == UNIT_LEAD and principal.unit_id == voice.unit_id:
        return
    raise Forbidden("이 작업은 담당 부서의 팀장(지구대장)이나 CS 담당만 할 수 있습니다.")


def _require_worker(principal: Principal, voice: Voice) -> None:
    """Officers work on their own unit's voices or those assigned to them."""
    if principal.role in LEADS and principal.role != UNIT_LEAD:
        return
    if principal.role not in WRITERS:
        raise Forbidden("이 역할로는 민원을 처리할 수 없습니다.")
    if principal.unit_id == voice.unit_id or principal.staff_id == voice.assignee_id:
        return
    raise Forbidden("담당 부서의 직원만 이 민원을 처리할 수 있습니다.")


def _require_status(voice: Voice, *allowed: str) -> None:
    if voice.status not in allowed:
        names = ", ".join(STATUSES[s] for s in allowed)
        raise Conflict(
            f"현재 상태({STATUSES[voice.status]})에서는 할 수 없습니다. 가능한 상태: {names}"
        )


def _set_status(
    db: Session,
    voice: Voice,
    actor: Principal,
    status: str,
    kind: str,
    note: str = "",
    **extra: str,
) -> None:
    before = {"status": voice.status}
    voice.status = status
    history.record(
        db_session=db,
        voice=voice,
        actor=actor,
        kind=kind,
        before=before,
        after={"status": status, **extra},
        note=note,
    )


def assign(
    *, db_session: Session, voice: Voice, principal: Principal, assignee_login: str
) -> Voice:
    """Give a voice to a staff member of its unit (unit lead, CS manager or admin)."""
    _require_lead(principal, voice)
    _require_status(voice, RECEIVED, ASSIGNED, IN_PROGRESS)
    staff = db_session.scalar(select(Staff).where(Staff.login == assignee_login))
    if staff is None or staff.unit_id != voice.unit_id or not staff.active:
        raise Invalid("담당자는 이 민원을 맡은 부서의 직원이어야 합니다.", field="assignee")
    voice.assignee_id = staff.id
    status = ASSIGNED if voice.status == RECEIVED else voice.status
    _set_status(db_session, voice, principal, status, "assigned", assignee=staff.login)
    return voice


def start(*, db_session: Session, voice: Voice, principal: Principal) -> Voice:
    """Mark a voice as being worked on."""
    _require_worker(principal, voice)
    _require_status(voice, RECEIVED, ASSIGNED)
    if voice.assignee_id is None and principal.staff_id is not None:
        voice.assignee_id = principal.staff_id
    _set_status(db_session, voice, principal, IN_PROGRESS, "started")
    return voice


def draft_answer(*, db_session: Session, voice: Voice, principal: Principal, body: str) -> Answer:
    """Write (or rewrite) the answer draft; the voice is then in progress."""
    _require_worker(principal, voice)
    _require_status(voice, RECEIVED, ASSIGNED, IN_PROGRESS)
    answer = current_draft(db_session=db_session, voice_id=voice.id)
    if answer is None:
        answer = Answer(voice_id=voice.id, body=body, author_id=principal.staff_id)
        db_session.add(answer)
    answer.body, answer.status, answer.author_id = body, "draft", principal.staff_id
    if voice.status != IN_PROGRESS:
        _set_status(db_session, voice, principal, IN_PROGRESS, "answer_drafted")
    else:
        history.record(db_session=db_session, voice=voice, actor=principal, kind="answer_drafted")
    db_session.flush()
    return answer


def current_draft(*, db_session: Session, voice_id: int) -> Answer | None:
    """The answer under work (draft or returned), if any."""
    query = select(Answer).where(
        Answer.voice_id == voice_id, Answer.status.in_(("draft", "returned"))
    )
    return db_session.scalars(query.order_by(Answer.id.desc())).first()


def sent_answer(*, db_session: Session, voice_id: int) -> Answer | None:
    """The latest answer that went out to the citizen."""
    query = select(Answer).where(Answer.voice_id == voice_id, Answer.status == "sent")
    return db_session.scalars(query.order_by(Answer.id.desc())).first()


def return_answer(*, db_session: Session, voice: Voice, principal: Principal, note: str) -> Answer:
    """Send a draft back to its author with a reason."""
    _require_lead(principal, voice)
    answer = _draft_or_conflict(db_session, voice)
    answer.status = "returned"
    history.record(
        db_session=db_session, voice=voice, actor=principal, kind="answer_returned", note=note
    )
    return answer


def approve_answer(
    *, db_session: Session, voice: Voice, principal: Principal, now: datetime | None = None
) -> Answer:
    """Approve the draft and send it: the voice is answered and the citizen notified."""
    _require_lead(principal, voice)
    _require_status(voice, IN_PROGRESS)
    answer = _draft_or_conflict(db_session, voice)
    now = now or utcnow()
    answer.status, answer.approver_id = "sent", principal.staff_id
    answer.approved_at = answer.sent_at = now
    voice.answered_at = now
    _set_status(db_session, voice, principal, ANSWERED, "answer_sent")
    _notify(db_session, voice, "answer", _answer_mail(voice, answer))
    return answer


def _draft_or_conflict(db: Session, voice: Voice) -> Answer:
    answer = current_draft(db_session=db, voice_id=voice.id)
    if answer is None or answer.status != "draft":
        raise Conflict("승인할 답변 초안이 없습니다.")
    return answer


def close(
    *, db_session: Session, voice: Voice, principal: Principal, now: datetime | None = None
) -> Voice:
    """Close an answered voice."""
    _require_lead(principal, voice)
    _require_status(voice, ANSWERED)
    voice.closed_at = now or utcnow()
    _set_status(db_session, voice, principal, CLOSED, "closed")
    return voice


def require_closer(principal: Principal, voice: Voice) -> None:
    """Refuse (``Forbidden``) anyone who may not close ``voice`` for cause, before they are
    shown the form: its unit's lead, a CS manager or an admin may."""
    _require_lead(principal, voice)


def close_for_cause(
    *,
    db_session: Session,
    voice: Voice,
    principal: Principal,
    cause: str,
    reason: str,
    now: datetime | None = None,
) -> Voice:
    """Close (종결) an open voice without an answer because it is abusive or a third or later
    repeat of what was answered twice: the reason goes into the history and the citizen is
    sent a notice (by e-mail through the outbox when they left an address)."""
    _require_lead(principal, voice)
    _require_status(voice, *OPEN_STATUSES)
    if cause not in CLOSING_CAUSES:
        raise Invalid(f"알 수 없는 종결 사유입니다: {cause}", field="cause")
    if not reason.strip():
        raise Invalid("종결 사유를 구체적으로 적어 주세요.", field="reason")
    earlier = answered_before(db_session=db_session, voice=voice)
    if cause == "repeat" and earlier < REPEAT_ANSWERED_BEFORE:
        raise Conflict(
            "반복 민원 종결은 같은 민원인의 같은 내용 민원에 두 번 이상 답변한 뒤에만 "
            f"할 수 있습니다 (지금까지 답변 {earlier}건)."
        )
    voice.closed_at = now or utcnow()
    notice = _has_email(db_session, voice)
    _set_status(
        db_session,
        voice,
        principal,
        CLOSED,
        "closed_for_cause",
        note=reason.strip(),
        cause=cause,
        notice="email" if notice else "none",
    )
    _notify(db_session, voice, "closing", _closing_mail(voice, cause, reason.strip()))
    return voice


def answered_before(*, db_session: Session, voice: Voice) -> int:
    """How many earlier voices of the same citizen (same phone number or e-mail) the office
    has answered or closed — the count the repeat rule (3회 이상 반복) is about."""
    contact = db_session.get(VoiceContact, voice.id)
    if contact is None or not (contact.phone or contact.email):
        return 0
    same = []
    if contact.phone:
        same.append(VoiceContact.phone == contact.phone)
    if contact.email:
        same.append(func.lower(VoiceContact.email) == contact.email.lower())
    query = (
        select(func.count())
        .select_from(Voice)
        .join(VoiceContact, VoiceContact.voice_id == Voice.id)
        .where(
            Voice.office_id == voice.office_id,
            Voice.id != voice.id,
            Voice.received_at <= voice.received_at,
            Voice.status.in_(DONE_STATUSES),
            or_(*same),
        )
    )
    return db_session.scalar(query) or 0


def _has_email(db: Session, voice: Voice) -> bool:
    contact = db.get(VoiceContact, voice.id)
    return contact is not None and bool(contact.email)


def _closing_mail(voice: Voice, cause: str, reason: str) -> tuple[str, str]:
    subject = f"[민원 종결 안내] {voice.ledger_no}"
    body = (
        f"접수번호 {voice.ledger_no} 민원은 다음 사유로 종결 처리되었음을 알려 드립니다.\n\n"
        f"종결 사유: {CLOSING_CAUSES[cause]}\n{reason}\n\n"
        "이 처리에 이의가 있으시면 담당 기관의 민원실로 서면 또는 전화로 알려 주십시오. "
        "새로운 내용의 민원은 언제든 다시 신청하실 수 있습니다.\n"
    )
    return subject, body


def reopen(*, db_session: Session, voice: Voice, principal: Principal, note: str) -> Voice:
    """Take an answered or closed voice up again, with a reason."""
    _require_lead(principal, voice)
    _require_status(voice, ANSWERED, CLOSED)
    voice.closed_at = None
    _set_status(db_session, voice, principal, IN_PROGRESS, "reopened", note=note)
    return voice


def transfer(
    *, db_session: Session, voice: Voice, principal: Principal, unit_code: str, note: str
) -> Voice:
    """Move an open voice to another unit of the organisation: it gets that unit's next ledger
    number (same receipt time and deadline — it is the same agency), and both lines link."""
    _require_lead(principal, voice)
    _require_status(voice, *OPEN_STATUSES)
    target = org_service.find_unit(db_session=db_session, ref=unit_code)
    _check_target(db_session, voice, principal, target.office_id, target.id)
    seq = ledger.next_sequence(db_session=db_session, unit_id=target.id, year=voice.ledger_year)
    new = _copy_to(voice, target.id, target.office_id, seq, target.code)
    db_session.add(new)
    db_session.flush()
    _copy_contact(db_session, voice, new)
    attachments.copy_to(db_session, old=voice, new=new)
    voice.transferred_to_id = new.id
    _set_status(
        db_session, voice, principal, TRANSFERRED, "transferred", note=note, to=new.ledger_no
    )
    history.record(
        db_session=db_session,
        voice=new,
        actor=principal,
        kind="received",
        after={"status": RECEIVED, "unit": target.code, "from": voice.ledger_no},
        note=note,
    )
    return new


def _check_target(
    db: Session, voice: Voice, principal: Principal, office_id: int, unit_id: int
) -> None:
    if unit_id == voice.unit_id:
        raise Invalid("같은 부서로는 이송할 수 없습니다.", field="unit")
    same_org = org_service.get_office(db_session=db, office_id=office_id).organization_id == (
        org_service.get_office(db_session=db, office_id=voice.office_id).organization_id
    )
    if not same_org or (principal.role != ADMIN and office_id != voice.office_id):
        raise Invalid("이송할 수 있는 부서가 아닙니다.", field="unit")
    if not org_service.get_unit(db_session=db, unit_id=unit_id).takes_voices:
        raise Invalid("더 이상 민원을 받지 않는 부서로는 이송할 수 없습니다.", field="unit")


def _copy_to(voice: Voice, unit_id: int, office_id: int, seq: int, unit_code: str) -> Voice:
    fields = (
        "kind channel title body category_id received_at period_days due_at extended "
        "extension_reason dong address lat lon created_by_id receipt_secret_hash ledger_year"
    ).split()
    new = Voice(**{f: getattr(voice, f) for f in fields})
    new.unit_id, new.office_id, new.ledger_seq, new.status = unit_id, office_id, seq, RECEIVED
    new.ledger_no = ledger.format_number(unit_code, voice.ledger_year, seq)
    new.transferred_from_id = voice.id
    return new


def _copy_contact(db: Session, old: Voice, new: Voice) -> None:
    contact = db.get(VoiceContact, old.id)
    if contact is not None:
        db.add(
            VoiceContact(
                voice_id=new.id,
                name=contact.name,
                phone=contact.phone,
                email=contact.email,
                consent=contact.consent,
            )
        )


def too_late_to_extend(voice: Voice, now: datetime | None = None) -> bool:
    """Whether the voice's deadline has passed, so that it can no longer be extended: the
    extension is decided within the processing period (민원 처리에 관한 법률)."""
    return voice.due_at is not None and voice.due_at <= (now or utcnow())


def past_due_message(voice: Voice) -> str:
    """Why a voice whose deadline has passed can no longer be extended (the refusal of
    ``extend`` and the note the voice page shows instead of the extension form)."""
    due = f"({to_kst(voice.due_at):%Y-%m-%d %H:%M})" if voice.due_at else ""
    return (
        f"처리기한{due}이 이미 지나 연장할 수 없습니다. 연장은 처리기간 안에만 결정할 수 "
        "있으니, 지연된 민원은 바로 처리해 답변해 주세요."
    )


def extend(
    *,
    db_session: Session,
    voice: Voice,
    principal: Principal,
    days: int,
    reason: str,
    now: datetime | None = None,
) -> Voice:
    """Extend the deadline once, by at most the original period, and tell the citizen why.

    The extension must be decided within the processing period (민원 처리에 관한 법률): once
    the deadline has passed it is refused, so an overdue voice cannot leave the overdue list
    by a late extension and the citizen gets no notice of one."""
    _require_lead(principal, voice)
    _require_status(voice, *OPEN_STATUSES)
    if voice.extended:
        raise Conflict("처리기한은 한 번만 연장할 수 있습니다.")
    if voice.due_at is None or voice.period_days is None:
        raise Conflict("처리기한이 없는 민원은 연장할 수 없습니다.")
    if too_late_to_extend(voice, now):
        raise Conflict(past_due_message(voice))
    if days > max(voice.period_days, 1):
        raise Invalid(
            f"연장은 처리기간({voice.period_days}일) 이내로만 할 수 있습니다.", field="days"
        )
    before = voice.due_at
    voice.due_at = _extended_due(db_session, voice, before, days)
    voice.extended, voice.extension_reason = True, reason
    history.record(
        db_session=db_session,
        voice=voice,
        actor=principal,
        kind="extended",
        before={"due_at": to_kst(before).isoformat()},
        after={"due_at": to_kst(voice.due_at).isoformat(), "days": days},
        note=reason,
    )
    _notify(db_session, voice, "extension", _extension_mail(voice))
    return voice


def _extended_due(db: Session, voice: Voice, due: datetime, days: int) -> datetime:
    """Further ``days`` counted from the current deadline ``due`` by the same legal rules."""
    org = org_service.organization_of_office(db_session=db, office_id=voice.office_id)
    calendar = org_service.calendar_for(db_session=db, organization=org)
    current = to_kst(due)
    if days <= 5:
        extended = due_at(current, days, calendar)
    else:
        start = calendar.next_working_day(current.date())
        extended = due_at(
            datetime.combine(start, calendar.work_start, current.tzinfo), days, calendar
        )
    if extended is None:
        raise Invalid("연장 기한을 계산할 수 없습니다.", field="days")
    return extended


def _notify(db: Session, voice: Voice, topic: str, mail: tuple[str, str]) -> None:
    contact = db.get(VoiceContact, voice.id)
    if contact is None or not contact.email:
        return
    subject, body = mail
    outbox.enqueue(
        db_session=db,
        recipient=contact.email,
        subject=subject,
        body=body,
        topic=topic,
        voice_id=voice.id,
        dedupe_key=f"{topic}:{voice.id}:{voice.answered_at or voice.due_at}",
    )


def _answer_mail(voice: Voice, answer: Answer) -> tuple[str, str]:
    subject = f"[민원 답변] {voice.ledger_no} {voice.title}"
    body = (
        f"접수번호 {voice.ledger_no}로 주신 민원에 답변드립니다.\n\n"
        f"제목: {voice.title}\n\n{answer.body}\n\n"
        "접수번호와 확인 코드로 민원 조회 페이지에서 다시 보실 수 있습니다."
    )
    return subject, body


def _extension_mail(voice: Voice) -> tuple[str, str]:
    due = to_kst(voice.due_at)
    subject = f"[처리기한 연장] {voice.ledger_no}"
    body = (
        f"접수번호 {voice.ledger_no} 민원의 처리기한을 {due:%Y-%m-%d %H:%M}까지 연장합니다.\n\n"
        f"연장 사유: {voice.extension_reason}\n"
    )
    return subject, body


def answers_read(*, db_session: Session, voice_id: int, principal: Principal) -> list[AnswerRead]:
    """A voice's answers in the order they were written, with author and approver names (the
    text masked for a reader who sees no personal data: answers quote the citizen)."""
    rows = list(
        db_session.scalars(select(Answer).where(Answer.voice_id == voice_id).order_by(Answer.id))
    )
    ids = {i for a in rows for i in (a.author_id, a.approver_id) if i}
    names = dict(db_session.execute(select(Staff.id, Staff.name).where(Staff.id.in_(ids))).all())
    citizen = masked_view.citizen_names(db_session, [voice_id], principal).get(voice_id, [])
    return [
        AnswerRead(
            id=a.id,
            body=masked_view.for_reader(a.body, principal, citizen),
            status=a.status,
            author=names.get(a.author_id) if a.author_id is not None else None,
            approver=names.get(a.approver_id) if a.approver_id is not None else None,
            created_at=a.created_at,
            sent_at=a.sent_at,
        )
        for a in rows
    ]
