"""Intake and lookup of voices: numbering, deadlines, routing, office scoping."""

import hashlib
import json
import re
import secrets
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy import Select, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from minwon.errors import Conflict, Forbidden, Invalid, NotFound
from minwon.org import service as org_service
from minwon.org import staff_refs, unit_status
from minwon.org.models import Office, Unit
from minwon.org.roles import WRITERS, Principal
from minwon.org.rules import OfficeRules, office_rules
from minwon.org.security import token_digest
from minwon.textutil import typed_plainly
from minwon.timeutil import KST, as_aware, to_kst, utcnow
from minwon.voices import history, ledger
from minwon.voices.catalog import CHANNELS, kinds_for, period_for
from minwon.voices.deadlines import due_at
from minwon.voices.models import IdempotencyKey, Voice, VoiceContact
from minwon.voices.schemas import VoiceCreate

SECRET_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
CLOCK_SKEW = timedelta(minutes=5)
MAX_ID = 2**63


def new_receipt_secret() -> str:
    """A short secret a citizen can read aloud or type (no 0/O, 1/I look-alikes)."""
    return "".join(secrets.choice(SECRET_ALPHABET) for _ in range(8))


class IntakeAdvisor(Protocol):
    """Something that may pick a unit for a voice and learn about it once it is in the ledger
    (the analysis domain), without the ledger importing it."""

    def unit_for(self, db: Session, office: OfficeRules, voice_in: VoiceCreate) -> str | None:
        """A unit code to route an unaddressed voice to, or None to leave it to the rules."""
        ...

    def after_intake(
        self, db: Session, voice: Voice, voice_in: VoiceCreate, addressed: bool
    ) -> None:
        """Called in the intake transaction once the voice has its number."""
        ...


def create(
    *,
    db_session: Session,
    voice_in: VoiceCreate,
    principal: Principal,
    now: datetime | None = None,
    advisor: IntakeAdvisor | None = None,
) -> tuple[Voice, str]:
    """Put a new voice into a unit's ledger: number, deadline, history; returns its secret.

    Runs in the caller's (write) transaction; nothing is committed here. Without a named unit
    the advisor (automatic routing) may choose one, then the routing rules, then the front desk.
    """
    now = now or utcnow()
    if principal.is_staff and principal.role not in WRITERS:
        raise Forbidden("이 역할로는 민원을 등록할 수 없습니다.")
    office_id, unit = _target(db_session, voice_in, principal)
    addressed = unit is not None
    office = office_rules(db_session=db_session, office_id=office_id)
    _check_kind(office.settings, voice_in.kind)
    category_id = _category_id(db_session, office.organization_id, voice_in.category)
    if unit is None and advisor is not None:
        unit = _advised_unit(db_session, advisor, office, voice_in)
    if unit is None:
        unit = org_service.route(
            db_session=db_session, office_id=office_id, category_id=category_id, dong=voice_in.dong
        ) or org_service.front_desk(db_session=db_session, office_id=office_id)
    received = _received_at(voice_in, principal, now)
    secret = new_receipt_secret()
    voice = _insert(db_session, voice_in, principal, office, unit, category_id, received, secret)
    _add_contact(db_session, voice, voice_in)
    history.record(
        db_session=db_session,
        voice=voice,
        actor=principal,
        kind="received",
        after={"status": voice.status, "unit": unit.code, "ledger_no": voice.ledger_no},
    )
    if advisor is not None:
        advisor.after_intake(db_session, voice, voice_in, addressed)
    return voice, secret


CITIZEN_CHANNELS = ("web", "card")
"""The ways a citizen sends a voice themselves: the web form, or the form a QR card opens."""


def check_citizen_channel(voice_in: VoiceCreate) -> None:
    """Refuse a citizen's own voice that names a channel staff record (a visit, a call): it
    would count where the voice did not come from, in the channel figures and the marks of
    the same matter raised through another channel."""
    if voice_in.channel not in CITIZEN_CHANNELS:
        raise Invalid(
            "민원인이 직접 보내는 민원의 접수 경로는 인터넷(web)이나 일일열사 카드(card)입니다.",
            field="channel",
        )


def _advised_unit(
    db: Session, advisor: IntakeAdvisor, office: OfficeRules, voice_in: VoiceCreate
) -> Unit | None:
    code = advisor.unit_for(db, office, voice_in)
    if not code:
        return None
    return db.scalar(
        select(Unit).where(
            Unit.code == code, Unit.office_id == office.office_id, Unit.takes_voices.is_(True)
        )
    )


def _insert(
    db: Session,
    voice_in: VoiceCreate,
    principal: Principal,
    office: OfficeRules,
    unit: Unit,
    category_id: int | None,
    received: datetime,
    secret: str,
) -> Voice:
    year = to_kst(received).year
    seq = ledger.next_sequence(db_session=db, unit_id=unit.id, year=year)
    period = period_for(office.settings, voice_in.kind)
    voice = Voice(
        office_id=office.office_id,
        unit_id=unit.id,
        ledger_year=year,
        ledger_seq=seq,
        ledger_no=ledger.format_number(unit.code, year, seq),
        kind=voice_in.kind,
        channel=voice_in.channel,
        title=voice_in.title,
        body=voice_in.body,
        category_id=category_id,
        status="received",
        received_at=received,
        period_days=period,
        due_at=due_at(received, period, office.calendar),
        dong=voice_in.dong,
        address=voice_in.address,
        lat=voice_in.lat,
        lon=voice_in.lon,
        created_by_id=principal.staff_id,
        receipt_secret_hash=token_digest(secret),
        source_officer_id=staff_refs.staff_named_in_office(db, voice_in.officer, office.office_id),
        campaign=voice_in.campaign or "",
    )
    db.add(voice)
    db.flush()
    return voice


def _target(db: Session, voice_in: VoiceCreate, principal: Principal) -> tuple[int, Unit | None]:
    """The office the voice goes to, and its unit when the caller named one."""
    if voice_in.unit:
        unit = db.scalar(select(Unit).where(Unit.code == voice_in.unit))
        if unit is None or not _may_write_office(principal, unit.office_id):
            raise Invalid(f"부서를 찾을 수 없습니다: {voice_in.unit}", field="unit")
        return unit.office_id, _taking_unit(db, unit, principal)
    if voice_in.office:
        office_id = db.scalar(select(Office.id).where(Office.code == voice_in.office))
        if office_id is None or not _may_write_office(principal, office_id):
            raise Invalid(f"기관을 찾을 수 없습니다: {voice_in.office}", field="office")
        return office_id, None
    if principal.office_id is None:
        raise Invalid("민원을 받을 기관(office)이나 부서(unit)를 정해 주세요.", field="office")
    return principal.office_id, None


def _taking_unit(db: Session, unit: Unit, principal: Principal) -> Unit | None:
    """The unit that takes a voice addressed to ``unit``: itself, or the unit it was merged
    into. A closed unit refuses staff; a citizen's voice (a QR card printed before the unit
    closed) goes to the office, where routing decides, rather than being lost."""
    now = unit_status.successor(db, unit)
    if now is None and principal.is_staff:
        raise Invalid(f"{unit.name} 부서는 더 이상 민원을 받지 않습니다.", field="unit")
    return now


def _category_id(db: Session, organization_id: int, ref: str | None) -> int | None:
    if not ref:
        return None
    return org_service.find_category(db_session=db, organization_id=organization_id, ref=ref).id


def _may_write_office(principal: Principal, office_id: int) -> bool:
    return not principal.is_staff or principal.all_offices or principal.office_id == office_id


def _check_kind(settings: dict, kind: str) -> None:
    if kind not in kinds_for(settings):
        allowed = ", ".join(kinds_for(settings))
        raise Invalid(f"알 수 없는 민원 종류입니다: {kind} (가능: {allowed})", field="kind")


def _received_at(voice_in: VoiceCreate, principal: Principal, now: datetime) -> datetime:
    if voice_in.received_at is None:
        return now
    if not principal.is_staff:
        raise Invalid("접수 일시는 직원만 입력할 수 있습니다.", field="received_at")
    received = as_aware(voice_in.received_at, KST)
    if received > now + CLOCK_SKEW:
        raise Invalid("접수 일시가 미래입니다.", field="received_at")
    if received.year < 2000:
        raise Invalid("접수 일시가 너무 오래되었습니다.", field="received_at")
    return received


def _add_contact(db: Session, voice: Voice, voice_in: VoiceCreate) -> None:
    c = voice_in.contact
    if c is None or not (c.name or c.phone or c.email):
        return
    db.add(
        VoiceContact(
            voice_id=voice.id, name=c.name, phone=c.phone, email=c.email, consent=c.consent
        )
    )


def request_hash(voice_in: VoiceCreate) -> str:
    """A fingerprint of an intake request, to tell a replay from a different body."""
    payload = json.dumps(voice_in.model_dump(mode="json"), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(payload.encode()).hexdigest()


def create_idempotent(
    *,
    db_session: Session,
    voice_in: VoiceCreate,
    principal: Principal,
    key: str,
    now: datetime | None = None,
    advisor: IntakeAdvisor | None = None,
) -> tuple[Voice, str | None, bool]:
    """Intake honouring an Idempotency-Key: (voice, secret or None on replay, replayed?).

    The key row is written first so that a concurrent twin waits on it and then replays.
    """
    digest = request_hash(voice_in)
    if len(key) > 200 or not key.strip():
        raise Invalid("Idempotency-Key는 1~200자여야 합니다.", field="Idempotency-Key")
    try:
        with db_session.begin_nested():
            row = IdempotencyKey(key=key, caller=principal.caller_key, request_hash=digest)
            db_session.add(row)
    except IntegrityError:
        return _replay(db_session, key, principal, digest), None, True
    voice, secret = create(
        db_session=db_session, voice_in=voice_in, principal=principal, now=now, advisor=advisor
    )
    row.voice_id = voice.id
    return voice, secret, False


def _replay(db: Session, key: str, principal: Principal, digest: str) -> Voice:
    row = db.scalar(
        select(IdempotencyKey).where(
            IdempotencyKey.key == key, IdempotencyKey.caller == principal.caller_key
        )
    )
    if row is None or row.voice_id is None:
        raise Conflict("같은 Idempotency-Key의 요청이 처리 중입니다. 잠시 후 다시 시도하세요.")
    if row.request_hash != digest:
        raise Conflict("이 Idempotency-Key는 다른 내용의 요청에 이미 쓰였습니다.")
    return db.get_one(Voice, row.voice_id)


def scoped(query: Select, principal: Principal) -> Select:
    """Limit a voice query to the caller's offices (the one place office scoping happens)."""
    if not principal.is_staff:
        raise Forbidden("직원만 민원 대장을 볼 수 있습니다.")
    if principal.all_offices:
        return query
    return query.where(Voice.office_id == principal.office_id)


def get(*, db_session: Session, voice_id: int, principal: Principal) -> Voice:
    """A voice the caller may see; one of another office is simply not found."""
    if not 0 < voice_id < MAX_ID:
        raise NotFound("민원을 찾을 수 없습니다.")
    voice = db_session.scalar(scoped(select(Voice), principal).where(Voice.id == voice_id))
    if voice is None:
        raise NotFound("민원을 찾을 수 없습니다.")
    return voice


def get_by_ledger_no(*, db_session: Session, ledger_no: str, principal: Principal) -> Voice:
    """A voice by its ledger number, within the caller's offices."""
    query = scoped(select(Voice), principal).where(Voice.ledger_no == ledger_no)
    voice = db_session.scalar(query)
    if voice is None:
        raise NotFound("민원을 찾을 수 없습니다.")
    return voice


def typed_ledger_numbers(ledger_no: str) -> list[str]:
    """The ledger numbers a citizen may have meant by what they typed: without any spaces, as
    typed and in upper case (numbers are printed in upper case, e.g. ``GR01-2026-000123``,
    but a receipt copied by hand or read out on the phone often comes in lower case), with
    full-width letters and digits and any dash read as their plain forms (a Korean input method
    may type ``ＧＲ０１－２０２６``)."""
    compact = "".join(typed_plainly(ledger_no).split())
    return list(dict.fromkeys((compact.upper(), compact)))


_SECRET_SEPARATORS = re.compile(r"[\s-]+")


def track(*, db_session: Session, ledger_no: str, secret: str) -> Voice:
    """The voice a citizen follows with its ledger number and receipt secret; the number is
    matched whatever its case and spaces, the secret whatever its case, spaces and hyphens
    (``vg5d fpwk``, ``VG5D-FPWK``), as survey codes are.

    A wrong number and a wrong secret give the same answer, so neither can be probed.
    """
    query = select(Voice).where(Voice.ledger_no.in_(typed_ledger_numbers(ledger_no)))
    digest = token_digest(_SECRET_SEPARATORS.sub("", typed_plainly(secret)).upper())
    for voice in db_session.scalars(query.order_by(Voice.id)):
        if secrets.compare_digest(voice.receipt_secret_hash, digest):
            return voice
    raise NotFound("접수번호 또는 확인 코드가 맞지 않습니다.")


def channel_label(code: str) -> str:
    """The Korean name of a channel code."""
    return CHANNELS.get(code, code)


def ledger_no_of(*, db_session: Session, voice_id: int) -> str | None:
    """The ledger number of a voice by id (for links from other domains), None if unknown."""
    return db_session.scalar(select(Voice.ledger_no).where(Voice.id == voice_id))
