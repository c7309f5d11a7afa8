"""Temporary suspension of a citizen's web submissions (repeats, automated submissions): who
is suspended (phone number or e-mail, as voices identify citizens), why, until when, the audit
trail (created, appeal noted, lifted), and the check the public form and API make."""

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from minwon.errors import Conflict, Forbidden, Invalid, NotFound
from minwon.org import service as org_service
from minwon.org.models import Office, Unit
from minwon.org.roles import Principal
from minwon.protection import access, settings
from minwon.protection.catalog import MAX_SUSPENSION_DAYS, SUSPENSION_REASONS
from minwon.protection.models import Suspension, SuspensionEvent
from minwon.protection.schemas import SuspensionCreate, SuspensionEventRead, SuspensionRead
from minwon.timeutil import KST, as_aware, to_kst
from minwon.voices import phones
from minwon.voices.schemas import VoiceCreate

MAX_ID = 2**63
LIST_LIMIT = 200


class Suspended(Forbidden):
    """A web submission refused because its sender is suspended; the message says until
    when, why, and how to appeal (``params`` hold them for a page in another language)."""

    def __init__(self, message: str, *, params: dict[str, str]) -> None:
        super().__init__(message, field="form")
        self.params = params


def identity_of(text: str) -> tuple[str, str]:
    """(kind, identity) of a phone number or an e-mail in the one form voices store."""
    value = text.strip()
    if "@" in value:
        local, _, domain = value.rpartition("@")
        if not local or "." not in domain or " " in value or len(value) > 200:
            raise Invalid("전자우편 주소 형식이 올바르지 않습니다.", field="identity")
        return "email", value.lower()
    try:
        return "phone", phones.normalise(value)
    except phones.NotAPhoneNumber:
        raise Invalid(
            "전화번호(010-1234-5678 등)나 전자우편 주소를 입력해 주세요.", field="identity"
        ) from None


def create(
    *, db_session: Session, data: SuspensionCreate, principal: Principal, now: datetime
) -> Suspension:
    """Suspend a citizen's web submissions to an office until ``ends_at`` (its CS manager or
    an admin), with the reason; at most one running suspension per identity and office."""
    access.require_manager(principal)
    office_id = settings.office_of(db_session, principal, data.office)
    kind, identity = identity_of(data.identity)
    ends = as_aware(data.ends_at, KST)
    if ends <= now:
        raise Invalid("종료 일시는 지금 이후여야 합니다.", field="ends_at")
    if ends > now + timedelta(days=MAX_SUSPENSION_DAYS):
        raise Invalid(f"제한 기간은 {MAX_SUSPENSION_DAYS}일을 넘을 수 없습니다.", field="ends_at")
    if _running(db_session, office_id, [identity], now):
        raise Conflict("이 연락처는 이미 제출이 제한되어 있습니다.")
    row = Suspension(
        office_id=office_id,
        identity_kind=kind,
        identity=identity,
        reason_code=data.reason_code,
        reason=data.reason,
        starts_at=now,
        ends_at=ends,
        created_by_id=principal.staff_id,
        created_at=now,
    )
    db_session.add(row)
    db_session.flush()
    until = f"{to_kst(ends):%Y-%m-%d %H:%M}까지"
    _event(db_session, row, principal, now, "created", f"{until} · {data.reason}")
    return row


def _event(
    db: Session, row: Suspension, principal: Principal, now: datetime, kind: str, note: str
) -> None:
    db.add(
        SuspensionEvent(
            suspension_id=row.id,
            at=now,
            actor_id=principal.staff_id,
            actor_label=principal.name,
            kind=kind,
            note=note,
        )
    )
    db.flush()


def _running(db: Session, office_id: int, identities: list[str], now: datetime) -> list[Suspension]:
    query = select(Suspension).where(
        Suspension.office_id == office_id,
        Suspension.identity.in_(identities),
        Suspension.lifted_at.is_(None),
        Suspension.starts_at <= now,
        Suspension.ends_at > now,
    )
    return list(db.scalars(query.order_by(Suspension.ends_at.desc())))


def get(*, db_session: Session, suspension_id: int, principal: Principal) -> Suspension:
    """A suspension of the caller's offices (CS manager, admin; a unit lead may look)."""
    access.require_staff(principal)
    row = db_session.get(Suspension, suspension_id) if 0 < suspension_id < MAX_ID else None
    if row is None or not access.in_office(principal, row.office_id) or not _may_see(principal):
        raise NotFound("제한 기록을 찾을 수 없습니다.")
    return row


def _may_see(principal: Principal) -> bool:
    """Suspensions name a citizen's contact: not for HQ (no personal data)."""
    return principal.sees_personal_data


def list_for(*, db_session: Session, principal: Principal) -> list[Suspension]:
    """The suspensions of the caller's offices, newest first."""
    access.require_staff(principal)
    if not _may_see(principal):
        raise Forbidden("제한 기록에는 개인정보가 있어 볼 수 없습니다.")
    query = select(Suspension).order_by(Suspension.created_at.desc(), Suspension.id.desc())
    if not principal.all_offices:
        query = query.where(Suspension.office_id == principal.office_id)
    return list(db_session.scalars(query.limit(LIST_LIMIT)))


def lift(
    *, db_session: Session, suspension_id: int, principal: Principal, note: str, now: datetime
) -> Suspension:
    """End a running suspension early, with the reason (an appeal upheld, a mistake)."""
    access.require_manager(principal)
    row = get(db_session=db_session, suspension_id=suspension_id, principal=principal)
    if not note.strip():
        raise Invalid("해제 사유를 적어 주세요.", field="note")
    if not is_active(row, now):
        raise Conflict("이미 끝났거나 해제된 제한입니다.")
    row.lifted_at = now
    _event(db_session, row, principal, now, "lifted", note.strip())
    return row


def note_appeal(
    *, db_session: Session, suspension_id: int, principal: Principal, note: str, now: datetime
) -> Suspension:
    """Record a citizen's appeal (이의신청) and what was decided, in the audit trail."""
    access.require_manager(principal)
    row = get(db_session=db_session, suspension_id=suspension_id, principal=principal)
    if not note.strip():
        raise Invalid("이의신청 내용을 적어 주세요.", field="note")
    _event(db_session, row, principal, now, "appeal", note.strip())
    return row


def is_active(row: Suspension, now: datetime) -> bool:
    """Whether the suspension is running at ``now``."""
    return row.lifted_at is None and row.starts_at <= now < row.ends_at


def events(db: Session, row: Suspension) -> list[SuspensionEvent]:
    """The suspension's audit trail, oldest first."""
    query = select(SuspensionEvent).where(SuspensionEvent.suspension_id == row.id)
    return list(db.scalars(query.order_by(SuspensionEvent.at, SuspensionEvent.id)))


def read(db: Session, row: Suspension, now: datetime) -> SuspensionRead:
    """The suspension with its state and trail, for the API."""
    office = db.get_one(Office, row.office_id)
    return SuspensionRead(
        id=row.id,
        office=office.code,
        identity_kind=row.identity_kind,
        identity=row.identity,
        reason_code=row.reason_code,
        reason=row.reason,
        starts_at=row.starts_at,
        ends_at=row.ends_at,
        lifted_at=row.lifted_at,
        active=is_active(row, now),
        events=[
            SuspensionEventRead(at=e.at, actor=e.actor_label, kind=e.kind, note=e.note)
            for e in events(db, row)
        ],
    )


def _target_office(db: Session, voice_in: VoiceCreate) -> int | None:
    if voice_in.unit:
        return db.scalar(select(Unit.office_id).where(Unit.code == voice_in.unit))
    if voice_in.office:
        return db.scalar(select(Office.id).where(Office.code == voice_in.office))
    return None


def check_submission(*, db_session: Session, voice_in: VoiceCreate, now: datetime) -> None:
    """Refuse a citizen's web submission while its phone number or e-mail is suspended by
    the office it goes to: ``Suspended`` says until when, why, and how to appeal."""
    contact = voice_in.contact
    if contact is None:
        return
    identities = [x for x in (contact.phone, str(contact.email).lower()) if x]
    office_id = _target_office(db_session, voice_in)
    if not identities or office_id is None:
        return
    running = _running(db_session, office_id, identities, now)
    if not running:
        return
    row = running[0]
    office = org_service.get_office(db_session=db_session, office_id=office_id)
    params = {
        "until": f"{to_kst(row.ends_at):%Y-%m-%d %H:%M}",
        "office": office.name,
        "reason": SUSPENSION_REASONS.get(row.reason_code, row.reason_code),
        "appeal": settings.appeal_path(db_session, office_id),
    }
    raise Suspended(
        f"이 연락처로는 {params['until']}까지 {office.name}에 인터넷 민원을 신청하실 수 "
        f"없습니다 (사유: {params['reason']}, 민원처리법에 따른 일시 제한). "
        f"이의가 있으시면: {params['appeal']}",
        params=params,
    )
