"""Reading the ledger: filtered, sorted, keyset-paged lists and their display form."""

import base64
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Select, func, literal, or_, select, tuple_
from sqlalchemy.orm import Session, selectinload

from minwon.db import Query, UTCDateTime
from minwon.errors import Invalid
from minwon.org.models import Category, Office, Staff, Unit
from minwon.org.roles import Principal
from minwon.timeutil import KST, utcnow, within_calendar
from minwon.voices import masked_view
from minwon.voices.catalog import CHANNELS, OPEN_STATUSES, STATUSES
from minwon.voices.models import Voice, VoiceContact, VoiceEvent
from minwon.voices.schemas import CategoryRef, ContactRead, UnitRef, VoiceRead
from minwon.voices.service import scoped

SORTS = {"-received": "최근 접수순", "received": "오래된 접수순", "due": "처리기한 임박순"}
COUNT_CAP = 10_000


@dataclass
class LedgerFilter:
    """What a ledger listing is narrowed to; every field is optional."""

    status: str | None = None
    kind: str | None = None
    channel: str | None = None
    category: str | None = None
    unit: str | None = None
    office: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    overdue: bool = False
    due_soon: bool = False
    q: str | None = None
    sort: str = "-received"
    extra: dict = field(default_factory=dict)

    def validate(self) -> None:
        """Reject values no ledger has, naming the field (a day outside the calendar a period
        may name too, before the day after it overflows)."""
        if self.status and self.status not in STATUSES:
            raise Invalid(f"알 수 없는 상태입니다: {self.status}", field="status")
        if self.channel and self.channel not in CHANNELS:
            raise Invalid(f"알 수 없는 접수 경로입니다: {self.channel}", field="channel")
        if self.sort not in SORTS:
            raise Invalid(f"알 수 없는 정렬입니다: {self.sort}", field="sort")
        within_calendar(self.date_from, "date_from")
        within_calendar(self.date_to, "date_to")
        if self.date_from and self.date_to and self.date_from > self.date_to:
            raise Invalid("시작일이 종료일보다 늦습니다.", field="date_from")
        if self.q is not None and len(self.q) > 200:
            raise Invalid("검색어는 200자 이내로 입력하세요.", field="q")


def _filtered(db: Session, flt: LedgerFilter, principal: Principal, now: datetime) -> Select:
    flt.validate()
    query = scoped(select(Voice), principal)
    query = query.where(*_conditions(db, flt, now, masked=not principal.sees_personal_data))
    return query


def _conditions(db: Session, flt: LedgerFilter, now: datetime, *, masked: bool = False) -> list:
    conds: list = []
    simple = {"status": flt.status, "kind": flt.kind, "channel": flt.channel}
    conds += [getattr(Voice, name) == value for name, value in simple.items() if value]
    if flt.unit:
        conds.append(Voice.unit_id.in_(select(Unit.id).where(Unit.code == flt.unit)))
    if flt.office:
        conds.append(Voice.office_id.in_(select(Office.id).where(Office.code == flt.office)))
    if flt.category:
        conds.append(
            Voice.category_id.in_(select(Category.id).where(Category.code == flt.category))
        )
    if flt.date_from:
        conds.append(Voice.received_at >= datetime.combine(flt.date_from, time(), KST))
    if flt.date_to:
        end = datetime.combine(flt.date_to + timedelta(days=1), time(), KST)
        conds.append(Voice.received_at < end)
    if flt.overdue:
        conds += [Voice.status.in_(OPEN_STATUSES), Voice.due_at < now]
    if flt.due_soon:
        conds += [Voice.status.in_(OPEN_STATUSES), Voice.due_at >= now]
        conds.append(Voice.due_at < now + timedelta(hours=24))
    if flt.q:
        conds.append(_search(f"%{_escape_like(flt.q.strip())}%", masked))
    return conds


def _search(like: str, masked: bool) -> Any:
    """Voices whose number or text holds the words; a reader who sees no personal data
    searches the masked text, so a phone number or a name finds nothing."""
    if masked:
        from minwon.analysis import service as analysis_service

        return or_(
            Voice.id.in_(analysis_service.voices_whose_text_has(like)),
            Voice.ledger_no.like(like, escape="\\"),
        )
    return or_(
        Voice.title.like(like, escape="\\"),
        Voice.body.like(like, escape="\\"),
        Voice.ledger_no.like(like, escape="\\"),
    )


def _id_of(db: Session, model: type[Unit] | type[Office], code: str) -> int:
    """The id behind a code, looked up first so the voice query compares plain integers."""
    return db.scalar(select(model.id).where(model.code == code)) or -1


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _order(query: Select, sort: str) -> Select:
    if sort == "received":
        return query.order_by(Voice.received_at, Voice.id)
    if sort == "due":
        return query.where(Voice.due_at.is_not(None)).order_by(Voice.due_at, Voice.id)
    return query.order_by(Voice.received_at.desc(), Voice.id.desc())


def _after(query: Select, sort: str, cursor: str) -> Select:
    """Rows after the cursor, as a row-value comparison so the index seeks straight there."""
    at, last_id = decode_cursor(cursor)
    key = Voice.due_at if sort == "due" else Voice.received_at
    row = tuple_(key, Voice.id)
    mark = tuple_(literal(at, UTCDateTime()), literal(last_id))
    return query.where(row < mark if sort == "-received" else row > mark)


def encode_cursor(at: datetime, voice_id: int) -> str:
    """An opaque page cursor for the row last shown."""
    return base64.urlsafe_b64encode(f"{at.isoformat()}|{voice_id}".encode()).decode()


def decode_cursor(cursor: str) -> tuple[datetime, int]:
    """The (instant, id) a cursor stands for; a tampered cursor is a clear 422."""
    try:
        at, voice_id = base64.urlsafe_b64decode(cursor.encode()).decode().split("|")
        return datetime.fromisoformat(at), int(voice_id)
    except (ValueError, UnicodeDecodeError) as exc:
        raise Invalid("페이지 커서가 올바르지 않습니다.", field="cursor") from exc


def page(
    *,
    db_session: Session,
    principal: Principal,
    flt: LedgerFilter,
    cursor: str | None = None,
    limit: int = 50,
    now: datetime | None = None,
) -> tuple[list[Voice], str | None]:
    """One page of the ledger and the cursor of the next page (None at the end)."""
    if not 1 <= limit <= 500:
        raise Invalid("limit은 1~500 사이여야 합니다.", field="limit")
    query = _order(_filtered(db_session, flt, principal, now or utcnow()), flt.sort)
    if cursor:
        query = _after(query, flt.sort, cursor)
    rows = list(db_session.scalars(query.limit(limit + 1)))
    if len(rows) <= limit:
        return rows, None
    last = rows[limit - 1]
    key = last.due_at if flt.sort == "due" else last.received_at
    return rows[:limit], encode_cursor(key, last.id)


def count(
    *, db_session: Session, principal: Principal, flt: LedgerFilter, now: datetime | None = None
) -> int:
    """How many voices match, counted up to COUNT_CAP + 1 so big ledgers stay fast."""
    query = _filtered(db_session, flt, principal, now or utcnow()).with_only_columns(Voice.id)
    capped = query.limit(COUNT_CAP + 1).subquery()
    return int(db_session.scalar(select(func.count()).select_from(capped)) or 0)


def stream(
    *, db_session: Session, principal: Principal, flt: LedgerFilter, now: datetime | None = None
):
    """Every matching voice in ledger order, fetched in chunks (for exports)."""
    query = _order(_filtered(db_session, flt, principal, now or utcnow()), flt.sort)
    yield from db_session.scalars(query.execution_options(yield_per=1000))


@dataclass
class Names:
    """Look-ups that turn ids on a page of voices into names, loaded once per page."""

    units: dict[int, Unit]
    offices: dict[int, Office]
    categories: dict[int, Category]
    staff: dict[int, str]
    ledger_nos: dict[int, str]
    contacts: dict[int, VoiceContact]
    citizens: dict[int, list[str]] = field(default_factory=dict)
    """Citizens' names to mask in the text, for a reader who sees no personal data."""


def names_for(db: Session, voices: list[Voice], with_contacts: bool) -> Names:
    """Load every name a page of voices needs in a handful of queries."""
    unit_ids = {v.unit_id for v in voices}
    cat_ids = {v.category_id for v in voices if v.category_id}
    staff_ids = {v.assignee_id for v in voices if v.assignee_id}
    link_ids = {i for v in voices for i in (v.transferred_from_id, v.transferred_to_id) if i}
    voice_ids = [v.id for v in voices]
    units = {u.id: u for u in db.scalars(select(Unit).where(Unit.id.in_(unit_ids)))}
    office_ids = {u.office_id for u in units.values()}
    return Names(
        units=units,
        offices={o.id: o for o in db.scalars(select(Office).where(Office.id.in_(office_ids)))},
        categories={c.id: c for c in db.scalars(select(Category).where(Category.id.in_(cat_ids)))},
        staff=dict(db.execute(select(Staff.id, Staff.name).where(Staff.id.in_(staff_ids))).all()),
        ledger_nos=dict(
            db.execute(select(Voice.id, Voice.ledger_no).where(Voice.id.in_(link_ids))).all()
        ),
        contacts=(
            {
                c.voice_id: c
                for c in db.scalars(
                    select(VoiceContact).where(VoiceContact.voice_id.in_(voice_ids))
                )
            }
            if with_contacts
            else {}
        ),
        citizens={} if with_contacts else masked_view.citizen_names(db, voice_ids),
    )


def to_read(
    voice: Voice, names: Names, principal: Principal, now: datetime | None = None
) -> VoiceRead:
    """The display form of a voice; contact data only for those who may see it, and the text
    masked for those who see no personal data (``masked_view``)."""
    now = now or utcnow()
    unit = names.units[voice.unit_id]
    cat = names.categories.get(voice.category_id) if voice.category_id else None
    contact = names.contacts.get(voice.id) if principal.sees_personal_data else None
    citizen = names.citizens.get(voice.id, [])

    def shown(text: str) -> str:
        return masked_view.for_reader(text, principal, citizen)

    return VoiceRead(
        id=voice.id,
        ledger_no=voice.ledger_no,
        status=voice.status,
        kind=voice.kind,
        channel=voice.channel,
        title=shown(voice.title),
        body=shown(voice.body),
        office=names.offices[unit.office_id].code,
        unit=UnitRef(code=unit.code, name=unit.name),
        category=CategoryRef(code=cat.code, name=cat.name) if cat else None,
        received_at=voice.received_at,
        due_at=voice.due_at,
        extended=voice.extended,
        overdue=is_overdue(voice, now),
        dong=voice.dong,
        address=shown(voice.address) if voice.address else voice.address,
        lat=voice.lat,
        lon=voice.lon,
        assignee=names.staff.get(voice.assignee_id) if voice.assignee_id else None,
        answered_at=voice.answered_at,
        closed_at=voice.closed_at,
        transferred_from=names.ledger_nos.get(voice.transferred_from_id or 0),
        transferred_to=names.ledger_nos.get(voice.transferred_to_id or 0),
        contact=ContactRead.model_validate(contact, from_attributes=True) if contact else None,
    )


def is_overdue(voice: Voice, now: datetime) -> bool:
    """An open voice past its deadline."""
    return voice.status in OPEN_STATUSES and voice.due_at is not None and voice.due_at < now


def read_many(db: Session, voices: list[Voice], principal: Principal) -> list[VoiceRead]:
    """Display forms of a list of voices, with names loaded in bulk."""
    names = names_for(db, voices, principal.sees_personal_data)
    return [to_read(v, names, principal) for v in voices]


def open_by_ids(
    *,
    db_session: Session,
    principal: Principal,
    ids: list[int],
    flt: LedgerFilter | None = None,
) -> list[Voice]:
    """The open voices among ``ids`` that the caller may see, newest first; with ``flt``,
    only those the ledger filtered by it lists."""
    if not ids:
        return []
    query = select(Voice).where(Voice.id.in_(ids), Voice.status.in_(OPEN_STATUSES))
    query = scoped(query, principal)
    if flt is not None:
        masked = not principal.sees_personal_data
        query = query.where(*_conditions(db_session, flt, utcnow(), masked=masked))
    return list(db_session.scalars(query.order_by(Voice.received_at.desc(), Voice.id.desc())))


def ledger_numbers(*, db_session: Session, principal: Principal, ids: list[int]) -> dict[int, str]:
    """The receipt numbers (접수번호) of the voices among ``ids`` the caller may see, by id:
    what a page shows a person instead of an internal id."""
    if not ids:
        return {}
    query = scoped(select(Voice.id, Voice.ledger_no).where(Voice.id.in_(ids)), principal)
    return dict(db_session.execute(query).all())


def ids_of_ledger_numbers(
    *, db_session: Session, principal: Principal, numbers: list[str]
) -> list[int]:
    """The ids of the voices with these receipt numbers (접수번호) that the caller may see, in
    the order given; a number not found (or of another office) is refused by name."""
    wanted = list(dict.fromkeys(n.strip() for n in numbers if n.strip()))
    if not wanted:
        return []
    spelled = {*wanted, *(n.upper() for n in wanted)}  # gr01-2026-000012 is GR01-2026-000012
    query = scoped(select(Voice.ledger_no, Voice.id).where(Voice.ledger_no.in_(spelled)), principal)
    found = dict(db_session.execute(query).all())
    ids = {n: found.get(n, found.get(n.upper())) for n in wanted}
    missing = [n for n, voice_id in ids.items() if voice_id is None]
    if missing:
        raise Invalid(f"찾을 수 없는 접수번호입니다: {', '.join(missing)}", field="voices")
    return [voice_id for voice_id in ids.values() if voice_id is not None]


DONE_FOR_LEARNING = ("answered", "closed")


def labelled(
    *, db_session: Session, organization_id: int, target: str
) -> list[tuple[int, str, str, str]]:
    """Answered voices of an organisation with where they ended up, oldest first:
    ``(voice_id, title, body, label)`` with the unit code or category code as the label."""
    label = Unit.code if target == "unit" else Category.code
    query = _labelled(select(Voice.id, Voice.title, Voice.body, label), organization_id, target)
    query = query.order_by(Voice.received_at, Voice.id)
    return [(i, title, body, code) for i, title, body, code in db_session.execute(query)]


def count_labelled(*, db_session: Session, organization_id: int, target: str) -> int:
    """How many voices ``labelled`` gives: what a training would learn from, counted."""
    query = _labelled(select(func.count(Voice.id)), organization_id, target)
    return int(db_session.scalar(query) or 0)


def _labelled(query: Query, organization_id: int, target: str) -> Query:
    join_on = Unit.id == Voice.unit_id if target == "unit" else Category.id == Voice.category_id
    return (
        query.select_from(Voice)
        .join(Office, Office.id == Voice.office_id)
        .join(Unit if target == "unit" else Category, join_on)
        .where(Office.organization_id == organization_id, Voice.status.in_(DONE_FOR_LEARNING))
    )


@dataclass(frozen=True)
class VoiceFact:
    """The plain facts of a voice that analysis counts by: when, where, which unit and category."""

    id: int
    received_at: datetime
    unit_id: int
    category_code: str | None
    category_name: str | None
    dong: str
    channel: str
    status: str


def facts(
    *, db_session: Session, office_id: int, start: datetime, end: datetime
) -> list[VoiceFact]:
    """Facts of an office's voices received in [start, end), oldest first (transferred-away
    lines left out, so a moved voice is counted once, where it ended up)."""
    query = (
        select(
            Voice.id,
            Voice.received_at,
            Voice.unit_id,
            Category.code,
            Category.name,
            Voice.dong,
            Voice.channel,
            Voice.status,
        )
        .outerjoin(Category, Category.id == Voice.category_id)
        .where(
            Voice.office_id == office_id,
            Voice.received_at >= start,
            Voice.received_at < end,
            Voice.status != "transferred",
        )
        .order_by(Voice.received_at, Voice.id)
    )
    return [VoiceFact(*row) for row in db_session.execute(query)]


def reopened_among(*, db_session: Session, voice_ids: list[int]) -> set[int]:
    """Which of these voices were ever reopened after an answer."""
    found: set[int] = set()
    for start in range(0, len(voice_ids), 900):
        chunk = voice_ids[start : start + 900]
        query = select(VoiceEvent.voice_id).where(
            VoiceEvent.voice_id.in_(chunk), VoiceEvent.kind == "reopened"
        )
        found.update(db_session.scalars(query))
    return found


def with_status(*, db_session: Session, ids: list[int], status: str) -> set[int]:
    """Which of these voices are in ``status`` now."""
    found: set[int] = set()
    for start in range(0, len(ids), 900):
        chunk = ids[start : start + 900]
        query = select(Voice.id).where(Voice.id.in_(chunk), Voice.status == status)
        found.update(db_session.scalars(query))
    return found


@dataclass(frozen=True)
class CountFact:
    """What the rollups count a voice by: where it is, what it is, and its times."""

    id: int
    office_id: int
    unit_id: int
    category_id: int | None
    channel: str
    received_at: datetime
    answered_at: datetime | None
    due_at: datetime | None
    closed_at: datetime | None = None


def count_facts(*, db_session: Session, ids: list[int]) -> dict[int, CountFact]:
    """The counting facts of these voices, by id."""
    found: dict[int, CountFact] = {}
    cols = (
        Voice.id,
        Voice.office_id,
        Voice.unit_id,
        Voice.category_id,
        Voice.channel,
        Voice.received_at,
        Voice.answered_at,
        Voice.due_at,
        Voice.closed_at,
    )
    for start in range(0, len(ids), 900):
        chunk = ids[start : start + 900]
        for row in db_session.execute(select(*cols).where(Voice.id.in_(chunk))):
            found[row[0]] = CountFact(*row)
    return found


def campaign_voices(*, db_session: Session, office_id: int, campaign: str) -> list[tuple[int, str]]:
    """``(voice id, 행정동)`` of the office's voices tagged with an outreach campaign."""
    query = select(Voice.id, Voice.dong).where(
        Voice.office_id == office_id, Voice.campaign == campaign, Voice.status != "transferred"
    )
    return [(i, d) for i, d in db_session.execute(query)]


def by_ids(*, db_session: Session, ids: list[int]) -> list[Voice]:
    """Voices by id with their contacts, in id order, whatever their office (for background
    work such as the analysis of imported voices; never for a person's view)."""
    if not ids:
        return []
    query = select(Voice).options(selectinload(Voice.contact)).where(Voice.id.in_(ids))
    return list(db_session.scalars(query.order_by(Voice.id)))
