"""Patrol requests (탄력순찰) as residents give them — on the web form, on cards, through
request boxes, by phone or at the police box — checked and filed under the quarter of the day
asked for."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy.orm import Session

from minwon.errors import Forbidden, Invalid, InvalidFields
from minwon.org import service as org_service
from minwon.org.models import Unit
from minwon.org.roles import WRITERS, Principal
from minwon.outreach import patrols
from minwon.outreach.models import PatrolRequest
from minwon.outreach.patrol_quarters import quarter_label
from minwon.textutil import whole_number
from minwon.timeutil import to_kst, utcnow

SOURCES = {
    "web": "인터넷",
    "card": "카드",
    "box": "요청함(주민센터)",
    "phone": "전화",
    "police_box": "지구대·파출소",
}


@dataclass(frozen=True)
class RequestIn:
    """A patrol request as a resident gives it."""

    unit: str
    place: str
    day: date
    start_hour: int
    end_hour: int
    reason: str = ""
    dong: str = ""
    lat: float | None = None
    lon: float | None = None
    source: str = "web"
    email: str = ""
    consent: bool = False


PATROL_WORDS = ("지구대", "파출소", "치안센터", "순찰", "police", "patrol")
"""Words in a unit's kind or name that mark it as one that patrols the streets."""


def patrol_units(db: Session) -> list[Unit]:
    """The units a resident may ask for a patrol: 지구대, 파출소 and the like (by kind or name),
    so the form never offers a land corporation's team; every unit when none looks so."""
    units = org_service.list_units(db_session=db)
    found = [u for u in units if any(w in f"{u.kind} {u.name}".lower() for w in PATROL_WORDS)]
    return found or units


def offered_unit(db: Session, code: str) -> Unit | None:
    """The unit a resident's request names by its code, if it is one the form offers
    (``patrol_units``, the very list of its dropdown); None for any other: another agency's
    team, a front desk, a code that does not exist, none at all."""
    code = code.strip()
    return next((u for u in patrol_units(db) if code and u.code == code), None)


MAX_PLACE, MAX_DONG, MAX_REASON, MAX_EMAIL = 200, 100, 2000, 200
"""The stated maxima of the request form's text fields, in characters."""

UNREADABLE_DAY = date(1900, 1, 1)
"""The day ``request_in`` gives a request whose day cannot be read (refused by the checks)."""


def request_days(today: date) -> tuple[date, date]:
    """The first and last day a patrol request may name: from ``today`` (KST) to the last day
    of the next quarter. A day gone by cannot be patrolled; a request is filed under the
    quarter of its day, and plans are made for this quarter and the next, not further ahead."""
    following = patrols.quarter_of(patrols.quarter_of(today).end + timedelta(days=1))
    return today, following.end


def _placeable(lat: float | None, lon: float | None) -> bool:
    """Whether a request's position is none at all or a point on the globe (both given)."""
    if lat is None and lon is None:
        return True
    if lat is None or lon is None:
        return False
    return math.isfinite(lat) and math.isfinite(lon) and abs(lat) <= 90 and abs(lon) <= 180


def _check_request(data: RequestIn, unit: Unit | None) -> tuple[Unit, str]:
    """The request's unit (``unit``, None when the request names none it may go to) and its
    e-mail address as stored; InvalidFields naming every field at fault (no unit to send it
    to, a place too long, a reason over 2,000 characters, wrong hours, an e-mail address left
    without consent …) so the form marks them all."""
    from minwon.outbox.service import validate_recipient

    errors: dict[str, str] = {}
    if unit is None:
        errors["unit"] = "순찰을 부탁할 지구대·파출소를 고르세요."
    if not data.place.strip() or len(data.place.strip()) > MAX_PLACE:
        errors["place"] = f"장소를 1~{MAX_PLACE}자로 적어 주세요."
    if len(data.dong.strip()) > MAX_DONG:
        errors["dong"] = f"행정동은 {MAX_DONG}자 이내로 적어 주세요."
    if not all(0 <= h <= 24 for h in (data.start_hour, data.end_hour)) or (
        data.start_hour == data.end_hour
    ):
        errors["start_hour"] = "시간대를 확인해 주세요 (0~24시, 시작과 끝이 달라야 합니다)."
    first, last = request_days(to_kst(utcnow()).date())
    if data.day == UNREADABLE_DAY:
        errors["day"] = "날짜를 YYYY-MM-DD 형식으로 골라 주세요."
    elif data.day < first:
        errors["day"] = (
            f"지난 날짜로는 순찰을 신청할 수 없습니다. 오늘({first:%Y-%m-%d})이나 "
            "그 뒤의 날짜를 골라 주세요."
        )
    elif data.day > last:
        errors["day"] = f"순찰 신청은 다음 분기가 끝나는 {last:%Y-%m-%d}까지의 날짜로 받습니다."
    if not _placeable(data.lat, data.lon):
        errors["lat"] = "위치를 읽을 수 없습니다. 위도(-90~90)와 경도(-180~180)를 함께 보내 주세요."
    if len(data.reason.strip()) > MAX_REASON:
        errors["reason"] = (
            f"바라는 점은 {MAX_REASON:,}자까지 쓸 수 있습니다(지금 {len(data.reason.strip()):,}자)."
        )
    email = data.email.strip()
    if len(email) > MAX_EMAIL:
        errors["email"] = f"전자우편 주소는 {MAX_EMAIL}자 이내로 적어 주세요."
    elif email:
        try:
            email = validate_recipient(email)
        except ValueError:
            errors["email"] = "전자우편 주소를 확인해 주세요."
    if email and not data.consent:  # the rule and the words of the citizens' form (/submit)
        errors["consent"] = (
            "연락처를 남기시려면 개인정보 수집·이용에 동의해 주세요. "
            "동의하지 않으시면 연락처를 지워 주세요."
        )
    if errors or unit is None:
        raise InvalidFields(errors)
    return unit, email


def request_in(values: Mapping[str, object], source: str) -> RequestIn:
    """A request from a form's or an API body's values, read the same way for both: a day
    or an hour that cannot be read is one the checks refuse with their own message."""

    def text(name: str) -> str:
        value = values.get(name)
        return "" if value is None else str(value)

    def hour(name: str) -> int:
        value = values.get(name)
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        number = whole_number(text(name), digits=2)
        return -1 if number is None else number

    def coordinate(name: str) -> float | None:
        value = values.get(name)
        if isinstance(value, float | int) and not isinstance(value, bool):
            return float(value)
        try:
            return float(text(name)) if text(name) else None
        except ValueError:
            return None

    try:
        day = date.fromisoformat(text("day"))
    except ValueError:
        day = UNREADABLE_DAY
    return RequestIn(
        lat=coordinate("lat"),
        lon=coordinate("lon"),
        unit=text("unit"),
        place=text("place"),
        day=day,
        start_hour=hour("start_hour"),
        end_hour=hour("end_hour"),
        reason=text("reason"),
        dong=text("dong"),
        source=source,
        email=text("email"),
        consent=values.get("consent") in (True, "on", "true", "1", "yes"),
    )


def submit(db: Session, *, data: RequestIn, principal: Principal | None = None) -> PatrolRequest:
    """Take a request (citizens on the web form; staff for cards, boxes, calls, counters),
    filed under the quarter of the day asked for (``request_days``: today to the end of the
    next quarter), so a request for January counts in the first quarter's plan, not in
    December's.

    A resident may send it only to a unit the form offers (``offered_unit``), and leave an
    e-mail address only with consent to its use (staff entering a card alike); else nothing
    is stored and every field at fault is named."""
    unit: Unit | None
    if principal is None:
        unit = offered_unit(db, data.unit)
    elif not data.unit.strip():
        raise Invalid("순찰을 부탁할 지구대·파출소를 고르세요.", field="unit")
    else:
        unit = org_service.find_unit_for(db_session=db, principal=principal, ref=data.unit)
    if data.source not in SOURCES:
        raise Invalid("접수 경로가 올바르지 않습니다.", field="source")
    if principal is None and data.source != "web":
        raise Invalid("접수 경로가 올바르지 않습니다.", field="source")
    if principal is not None and principal.role not in WRITERS:
        raise Forbidden("순찰 요청은 직원이 대신 접수할 수 있습니다.")
    unit, email = _check_request(data, unit)
    check = patrols.PatrolRequest(
        "new",
        data.place,
        data.day,
        data.start_hour % 24,
        data.end_hour % 24 or 24,
        lat=data.lat,
        lon=data.lon,
    )
    row = PatrolRequest(
        office_id=unit.office_id,
        unit_id=unit.id,
        place=data.place.strip(),
        place_key=check.key,
        dong=data.dong.strip(),
        lat=data.lat,
        lon=data.lon,
        day=data.day,
        start_hour=data.start_hour,
        end_hour=data.end_hour,
        reason=data.reason.strip(),
        source=data.source,
        email=email,
        consent=data.consent and bool(email),
        quarter=quarter_label(data.day),
    )
    db.add(row)
    db.flush()
    return row
