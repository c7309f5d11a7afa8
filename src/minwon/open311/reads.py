"""GET requests, requests/{id}, tokens/{token} and FixMyStreet's servicerequestupdates: the
requests filed over Open311, as the public may see them (masked text, no contact data)."""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, aliased

from minwon.analysis.masking import mask_text
from minwon.open311 import definitions
from minwon.open311.formats import Open311Error
from minwon.open311.models import Open311Request, Open311Service
from minwon.org.models import Office
from minwon.timeutil import KST
from minwon.voices import public
from minwon.voices.catalog import ANSWERED, CLOSED
from minwon.voices.models import Voice, VoiceEvent

WINDOW = timedelta(days=90)
DEFAULT_LIMIT = 1000
MAX_IDS = 1000
CLOSED_STATES = (ANSWERED, CLOSED)
UPDATE_STATUS = {
    "received": "open",
    "assigned": "open",
    "started": "in_progress",
    "answer_sent": "closed",
    "closed": "closed",
    "reopened": "in_progress",
    "extended": "open",
    "transferred": "open",
}
UPDATE_TEXT = {
    "received": "접수되었습니다.",
    "assigned": "담당자가 정해졌습니다.",
    "started": "처리 중입니다.",
    "closed": "종결되었습니다.",
    "reopened": "다시 처리합니다.",
    "extended": "처리기한이 연장되었습니다.",
    "transferred": "담당 부서가 바뀌었습니다.",
}


# ---------------------------------------------------------------- arguments


def _moment(name: str, raw: str) -> datetime:
    try:
        moment = datetime.fromisoformat(raw.replace(" ", "+"))
    except ValueError as exc:
        raise Open311Error(
            400, f"{name} must be a W3C date-time such as 2026-11-01T00:00:00Z"
        ) from exc
    return moment if moment.tzinfo else moment.replace(tzinfo=KST)


def date_range(args: Mapping[str, str], now: datetime) -> tuple[datetime, datetime]:
    """``start_date``/``end_date`` as the spec reads them: at most 90 days apart; a missing
    end is 90 days after the start (or now), a missing start 90 days before the end."""
    start = _moment("start_date", args["start_date"]) if "start_date" in args else None
    end = _moment("end_date", args["end_date"]) if "end_date" in args else None
    if start is None and end is None:
        return now - WINDOW, now
    if start is None:
        assert end is not None
        return end - WINDOW, end
    if end is None:
        return start, min(start + WINDOW, max(now, start))
    if end < start:
        raise Open311Error(400, "end_date is before start_date")
    if end - start > WINDOW:
        raise Open311Error(400, "start_date and end_date may not span more than 90 days")
    return start, end


def paging(args: Mapping[str, str]) -> tuple[int, int]:
    """``page`` (from 1) and ``page_size`` (1–1,000; default 1,000, the spec's cap)."""
    try:
        page = int(args.get("page", "1"))
        size = int(args.get("page_size", str(DEFAULT_LIMIT)))
    except ValueError as exc:
        raise Open311Error(400, "page and page_size must be whole numbers") from exc
    if page < 1 or page > 1_000_000 or not 1 <= size <= DEFAULT_LIMIT:
        raise Open311Error(400, f"page must be 1 or more and page_size 1 to {DEFAULT_LIMIT}")
    return page, size


def _listed(args: Mapping[str, str], name: str) -> list[str]:
    values = [v.strip() for v in args.get(name, "").split(",") if v.strip()]
    if len(values) > MAX_IDS:
        raise Open311Error(400, f"at most {MAX_IDS} values of {name}")
    return values


def _statuses(args: Mapping[str, str]) -> set[str]:
    wanted = {s.lower() for s in _listed(args, "status")}
    if not wanted <= {"open", "closed"}:
        raise Open311Error(400, "status must be open or closed")
    return wanted


def extended(args: Mapping[str, str]) -> bool:
    """Whether ``extensions=true`` asks for the extended attributes and notes."""
    return args.get("extensions", "").lower() in ("true", "1", "yes")


# ---------------------------------------------------------------- requests


@dataclass(frozen=True)
class Row:
    """A request with its first ledger line."""

    link: Open311Request
    voice: Voice


def _base() -> Select:
    return select(Open311Request, Voice).join(Voice, Voice.id == Open311Request.voice_id)


def list_requests(
    *, db_session: Session, args: Mapping[str, str], office: Office | None, now: datetime
) -> list[dict[str, Any]]:
    """GET requests: by ``service_request_id`` list (which overrides the other arguments), or
    by service codes, date range, status and jurisdiction, newest first, paged."""
    page, size = paging(args)
    ids = _listed(args, "service_request_id")
    query = _base()
    if ids:
        query = query.where(Voice.ledger_no.in_(ids))
    else:
        query = _filtered(db_session, query, args, office, now)
    query = query.order_by(Open311Request.requested_at.desc(), Open311Request.voice_id.desc())
    rows = db_session.execute(query.offset((page - 1) * size).limit(size)).all()
    return present(db_session, [Row(link, voice) for link, voice in rows], extended(args))


def _filtered(
    db: Session, query: Select, args: Mapping[str, str], office: Office | None, now: datetime
) -> Select:
    start, end = date_range(args, now)
    query = query.where(Open311Request.requested_at >= start, Open311Request.requested_at <= end)
    if office is not None:
        query = query.where(Open311Request.office_id == office.id)
    codes = _listed(args, "service_code")
    if codes:
        service_ids = select(Open311Service.id).where(Open311Service.code.in_(codes))
        query = query.where(Open311Request.service_id.in_(service_ids))
    wanted = _statuses(args)
    if len(wanted) == 1:
        current = aliased(Voice)
        query = query.outerjoin(current, current.id == Voice.transferred_to_id)
        state = func.coalesce(current.status, Voice.status)
        closed = state.in_(CLOSED_STATES)
        query = query.where(closed if wanted == {"closed"} else ~closed)
    return query


def get_request(*, db_session: Session, request_id: str, with_extensions: bool) -> dict[str, Any]:
    """GET requests/{id}: one request by its ledger number; 404 if none was filed so."""
    found = db_session.execute(_base().where(Voice.ledger_no == request_id)).first()
    if found is None:
        raise Open311Error(404, f"service_request_id not found: {request_id}")
    return present(db_session, [Row(*found)], with_extensions)[0]


def by_token(*, db_session: Session, token: str) -> dict[str, Any]:
    """GET tokens/{token}: the ledger number of the request the token was given for."""
    found = db_session.execute(
        select(Open311Request.token, Voice.ledger_no)
        .join(Voice, Voice.id == Open311Request.voice_id)
        .where(Open311Request.token == token)
    ).first()
    if found is None:
        raise Open311Error(404, "token not found")
    return {"token": found.token, "service_request_id": found.ledger_no}


# ---------------------------------------------------------------- presenting


@dataclass(frozen=True)
class Facts:
    """What presenting a page of requests needs, read in a few queries."""

    chains: dict[int, list[Voice]]
    answers: dict[int, list]
    names: dict[int, list[str]]
    units: dict[int, str]
    services: dict[int, Open311Service]
    events: dict[int, list[VoiceEvent]]


def _facts(db: Session, rows: list[Row], with_events: bool) -> Facts:
    chains = public.current_lines(db_session=db, voices=[r.voice for r in rows])
    lines = [v.id for chain in chains.values() for v in chain]
    events: dict[int, list[VoiceEvent]] = {}
    if with_events:
        for event in public.public_events(db_session=db, voice_ids=lines):
            events.setdefault(event.voice_id, []).append(event)
    service_ids = {r.link.service_id for r in rows}
    services = {
        s.id: s
        for s in db.scalars(select(Open311Service).where(Open311Service.id.in_(service_ids)))
    }
    return Facts(
        chains=chains,
        answers=public.sent_answers(db_session=db, voice_ids=lines),
        names=public.names_to_mask(db_session=db, voice_ids=[r.voice.id for r in rows]),
        units=public.unit_names(
            db_session=db, unit_ids={v.unit_id for c in chains.values() for v in c}
        ),
        services=services,
        events=events,
    )


def present(db: Session, rows: list[Row], with_extensions: bool) -> list[dict[str, Any]]:
    """Requests as the spec shows them; ``extensions`` adds extended attributes and notes."""
    facts = _facts(db, rows, with_extensions)
    return [_one(row, facts, with_extensions) for row in rows]


def _one(row: Row, facts: Facts, with_extensions: bool) -> dict[str, Any]:
    chain = facts.chains[row.voice.id]
    current = chain[-1]
    names = facts.names.get(row.voice.id, [])
    answer = next(
        (a for line in reversed(chain) for a in reversed(facts.answers.get(line.id, []))), None
    )
    service = facts.services[row.link.service_id]
    item: dict[str, Any] = {
        "service_request_id": row.voice.ledger_no,
        "status": "closed" if current.status in CLOSED_STATES else "open",
        "status_notes": mask_text(answer.body, names=names) if answer else None,
        "service_name": service.name,
        "service_code": service.code,
        "description": row.link.public_description,
        "agency_responsible": facts.units.get(current.unit_id, ""),
        "service_notice": None,
        "requested_datetime": row.voice.received_at,
        "updated_datetime": max(v.updated_at for v in chain),
        "expected_datetime": current.due_at,
        "address": row.link.public_address,
        "address_id": None,
        "zipcode": None,
        "lat": row.voice.lat,
        "long": row.voice.lon,
        "media_url": row.link.media_url or None,
    }
    if with_extensions:
        item["extended_attributes"] = {
            "ledger_no": current.ledger_no,
            "kind": current.kind,
            "channel": "open311",
            "deadline_extended": current.extended,
            "attributes": _masked(row.link.attributes, names),
        }
        item["notes"] = [
            {
                "datetime": e.at,
                "summary": UPDATE_TEXT.get(e.kind, "답변을 보냈습니다."),
                "type": e.kind,
                "description": _update_text(e, facts, names),
            }
            for line in chain
            for e in facts.events.get(line.id, [])
            if not (e.kind == "received" and line is not chain[0])
        ]
    return item


def _masked(attributes: dict[str, Any], names: list[str]) -> dict[str, Any]:
    return {
        code: [mask_text(str(v), names=names) for v in value]
        if isinstance(value, list)
        else mask_text(str(value), names=names)
        for code, value in attributes.items()
    }


def _update_text(event: VoiceEvent, facts: Facts, names: list[str]) -> str:
    """What a public step says: the sent answer itself, an extension's reason, or a line."""
    if event.kind == "answer_sent":
        sent = [
            a for a in facts.answers.get(event.voice_id, []) if a.sent_at and a.sent_at <= event.at
        ]
        sent = sent or facts.answers.get(event.voice_id, [])
        return mask_text(sent[-1].body, names=names) if sent else "답변을 보냈습니다."
    if event.kind == "extended" and event.note:
        return f"{UPDATE_TEXT['extended']} {mask_text(event.note, names=names)}"
    return UPDATE_TEXT.get(event.kind, "")


# ---------------------------------------------------------------- FixMyStreet updates


def list_updates(
    *, db_session: Session, args: Mapping[str, str], office: Office | None, now: datetime
) -> list[dict[str, Any]]:
    """GET servicerequestupdates (FixMyStreet): each public step of the requests' histories
    in the date range, oldest first, with ``update_id``, status, time and description."""
    start, end = date_range(args, now)
    page, size = paging(args)
    events = public.channel_events(
        db_session=db_session,
        channel="open311",
        start=start,
        end=end,
        limit=size,
        offset=(page - 1) * size,
    )
    roots = public.first_lines(db_session=db_session, voice_ids={e.voice_id for e in events})
    query = _base().where(Open311Request.voice_id.in_(set(roots.values())))
    if office is not None:
        query = query.where(Open311Request.office_id == office.id)
    rows = {link.voice_id: Row(link, voice) for link, voice in db_session.execute(query)}
    facts = _facts(db_session, list(rows.values()), with_events=False)
    updates = []
    for event in events:
        row = rows.get(roots.get(event.voice_id, -1))
        if row is None or (event.kind == "received" and event.voice_id != row.voice.id):
            continue
        names = facts.names.get(row.voice.id, [])
        updates.append(
            {
                "update_id": str(event.id),
                "service_request_id": row.voice.ledger_no,
                "status": UPDATE_STATUS[event.kind],
                "updated_datetime": event.at,
                "description": _update_text(event, facts, names),
                "media_url": None,
            }
        )
    return updates


def jurisdiction_filter(db: Session, jurisdiction_id: str | None) -> Office | None:
    """The office a read is limited to (none: every office's requests)."""
    if not jurisdiction_id:
        return None
    return definitions.jurisdiction(db, jurisdiction_id)
