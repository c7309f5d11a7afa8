"""POST requests: a service request filed by an Open311 client becomes a voice through the
ledger's own intake (number, deadline, analysis, routing), channel ``open311``."""

import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import ValidationError
from sqlalchemy.orm import Session

from minwon.analysis.intake import AnalysisAdvisor
from minwon.analysis.masking import mask_text
from minwon.errors import Conflict, MinwonError
from minwon.open311 import definitions, keys
from minwon.open311.formats import Open311Error, w3c
from minwon.open311.models import Open311Key, Open311Request, Open311Service
from minwon.org.models import Category, Office
from minwon.org.roles import Principal
from minwon.voices import service as voices
from minwon.voices.models import Voice
from minwon.voices.schemas import VoiceCreate

TITLE_LENGTH = 80
MAX_IDEMPOTENCY = 150
FIELDS = (
    "jurisdiction_id service_code lat long address_string address_id email device_id "
    "account_id first_name last_name phone description media_url"
).split()


@dataclass(frozen=True)
class Posted:
    """A POST's arguments: the plain fields (blank ones dropped, as if absent) and every
    ``attribute[code]`` with its values (a multi-value list repeats the argument)."""

    fields: dict[str, str]
    attributes: dict[str, list[str]]

    @classmethod
    def read(cls, items: list[tuple[str, str]]) -> "Posted":
        """Sort the posted pairs into fields and attributes."""
        fields: dict[str, str] = {}
        attributes: dict[str, list[str]] = {}
        for name, value in items:
            if name.startswith("attribute[") and name.endswith("]"):
                code = name[len("attribute[") : -1]
                code = code[:-2] if code.endswith("[]") else code
                attributes.setdefault(code, []).append(value)
            elif value.strip():
                fields[name] = value.strip()
        return cls(fields, attributes)


def file_request(
    *,
    db_session: Session,
    key: Open311Key,
    posted: Posted,
    now: datetime,
    idempotency_key: str | None = None,
) -> dict[str, Any]:
    """File one request with an authenticated key; answers the spec's POST response (the
    ledger number as ``service_request_id``, the deadline as notice, a lookup token). With
    an ``Idempotency-Key`` a retried POST (same key, same body) gets the same answer and
    files nothing twice."""
    f = posted.fields
    office = _office(db_session, key, f.get("jurisdiction_id"))
    if "service_code" not in f:
        raise Open311Error(400, "service_code is required")
    service = definitions.service_by_code(db_session, office, f["service_code"])
    lat, lon = _location(f)
    kept = definitions.check_attributes(service, posted.attributes)
    description = f.get("description", "")
    if len(description) > definitions.MAX_TEXT:
        raise Open311Error(400, f"description is longer than {definitions.MAX_TEXT} characters")
    voice_in = _voice_in(db_session, service, office, f, kept, lat, lon)
    voice, replayed = _intake(db_session, voice_in, key, now, idempotency_key)
    if replayed:
        return _created(voice, db_session.get_one(Open311Request, voice.id))
    names = _names(f)
    link = Open311Request(
        voice_id=voice.id,
        office_id=office.id,
        service_id=service.id,
        key_id=key.id,
        token=secrets.token_urlsafe(16),
        requested_at=voice.received_at,
        attributes=kept,
        public_description=mask_text(description, names=names),
        public_address=mask_text(f.get("address_string", "")),
        media_url=f.get("media_url", "")[:500],
    )
    db_session.add(link)
    key.last_used_at = now
    db_session.flush()
    return _created(voice, link)


def _created(voice: Voice, link: Open311Request) -> dict[str, Any]:
    return {
        "service_request_id": voice.ledger_no,
        "token": link.token,
        "service_notice": f"처리기한(expected): {w3c(voice.due_at) or '-'}",
        "account_id": None,
    }


def _intake(
    db: Session, voice_in: VoiceCreate, key: Open311Key, now: datetime, idempotency: str | None
) -> tuple[Voice, bool]:
    """The voice through the ledger's intake (a replay of an idempotent POST: the stored one)."""
    principal = Principal(None, f"open311:{key.id}", key.name, None, None, None)
    try:
        if idempotency is None:
            voice, _ = voices.create(
                db_session=db,
                voice_in=voice_in,
                principal=principal,
                now=now,
                advisor=AnalysisAdvisor(),
            )
            return voice, False
        if len(idempotency) > MAX_IDEMPOTENCY:
            raise Open311Error(400, f"Idempotency-Key is longer than {MAX_IDEMPOTENCY} characters")
        voice, _, replayed = voices.create_idempotent(
            db_session=db,
            voice_in=voice_in,
            principal=principal,
            key=f"open311:{key.id}:{idempotency}",
            now=now,
            advisor=AnalysisAdvisor(),
        )
        return voice, replayed
    except Conflict as exc:
        raise Open311Error(409, exc.message) from exc
    except MinwonError as exc:
        raise Open311Error(400, exc.message) from exc


def _office(db: Session, key: Open311Key, jurisdiction_id: str | None) -> Office:
    """The office the request goes to: the one named, else the key's only office, else the
    deployment's only one; it must be one the key may file into."""
    allowed = keys.office_ids_of(key)
    if not jurisdiction_id and len(allowed) == 1:
        office = db.get_one(Office, next(iter(allowed)))
    else:
        found = definitions.jurisdiction(db, jurisdiction_id)
        if found is None:
            raise Open311Error(404, "no jurisdiction offers services")
        office = found
    if office.id not in allowed:
        raise Open311Error(403, f"api_key may not file requests into {office.code}")
    return office


def _location(f: Mapping[str, str]) -> tuple[float | None, float | None]:
    """``lat``/``long`` (both or neither); a request needs them, an address or an address id."""
    if ("lat" in f) != ("long" in f):
        raise Open311Error(400, "lat and long go together")
    if "lat" in f:
        try:
            lat, lon = float(f["lat"]), float(f["long"])
        except ValueError as exc:
            raise Open311Error(400, "lat and long must be numbers") from exc
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            raise Open311Error(400, "lat or long out of range")
        return lat, lon
    if "address_string" not in f and "address_id" not in f:
        raise Open311Error(
            400, "a location is required: lat and long, address_string or address_id"
        )
    return None, None


def _voice_in(
    db: Session,
    service: Open311Service,
    office: Office,
    f: Mapping[str, str],
    kept: dict[str, Any],
    lat: float | None,
    lon: float | None,
) -> VoiceCreate:
    """The intake body of the voice: the description with the attribute answers below it."""
    description = f.get("description", "")
    first_line = description.strip().splitlines()[0] if description.strip() else ""
    title = f"{service.name}: {first_line}" if first_line else service.name
    if len(title) > TITLE_LENGTH:
        title = title[: TITLE_LENGTH - 1] + "…"
    answers = [
        f"- {_question(service, code)}: {definitions.value_label(service, code, value)}"
        for code, value in kept.items()
    ]
    body = "\n\n".join(p for p in (description, "\n".join(answers)) if p) or service.name
    category = db.get(Category, service.category_id) if service.category_id else None
    name = _names(f)[0] if _names(f) else ""
    contact = {"name": name[:100], "phone": f.get("phone", ""), "email": f.get("email", "")}
    address = f.get("address_string", "") or f.get("address_id", "")
    try:
        return VoiceCreate.model_validate(
            {
                "kind": service.kind,
                "channel": "open311",
                "title": title,
                "body": body,
                "category": category.code if category else None,
                "address": address[:300],
                "lat": lat,
                "lon": lon,
                "office": office.code,
                "contact": contact if any(contact.values()) else None,
            }
        )
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        field = {"contact.phone": "phone", "contact.email": "email"}.get(where, where)
        raise Open311Error(400, f"{field}: {first['msg']}") from exc


def _names(f: Mapping[str, str]) -> list[str]:
    """The citizen's name as written (Korean: family name first, no space), then its parts,
    to keep as contact and to mask out of the published text."""
    first, last = f.get("first_name", ""), f.get("last_name", "")
    if first and last:
        whole = last + first if not (first + last).isascii() else f"{first} {last}"
        return [whole, first, last]
    return [n for n in (first, last) if n]


def _question(service: Open311Service, code: str) -> str:
    attribute = next((a for a in service.attributes if a.code == code), None)
    return attribute.description if attribute else code
