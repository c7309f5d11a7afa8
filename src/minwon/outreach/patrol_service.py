"""Patrol requests (탄력순찰) of a unit: taken from the web form, cards, request boxes, the phone
or the police box; clustered by place and time band and ranked with imported incident counts;
turned into a quarterly plan; patrols logged against it; each consenting requester told when
their place was patrolled. Requests reset each quarter (the history stays)."""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from minwon.errors import Forbidden, Invalid, InvalidFields, NotFound
from minwon.org import service as org_service
from minwon.org.models import Unit
from minwon.org.roles import LEADS, WRITERS, Principal
from minwon.outreach import patrols
from minwon.outreach.models import IncidentCount, PatrolLog, PatrolPlan, PatrolRequest
from minwon.textutil import whole_number
from minwon.timeutil import as_aware, to_kst, utcnow

SOURCES = {
    "web": "인터넷",
    "card": "카드",
    "box": "요청함(주민센터)",
    "phone": "전화",
    "police_box": "지구대·파출소",
}
MAX_INCIDENT_ROWS = 50_000
MAX_INCIDENT_COUNT = 999_999
LOG_BACK_DAYS = 7
"""How many days back a patrol may be logged (a night patrol written up the next morning, or
after days off); older ones would no longer tell anyone or count for this week."""
LOG_SKEW = timedelta(minutes=1)
"""How far past the server's clock a patrol time may be (a device's clock running fast)."""


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


def quarter_label(day: date) -> str:
    """A quarter as stored: ``2026Q4``."""
    q = patrols.quarter_of(day)
    return f"{q.year}Q{q.number}"


_QUARTER = re.compile(r"(19|2[0-9])[0-9]{2}Q[1-4]")


def checked_quarter(quarter: str) -> str:
    """A quarter named by a caller, as stored (``2026Q4``); ``Invalid`` for anything else, so
    that counts and plans are never filed under a quarter no day belongs to."""
    if not _QUARTER.fullmatch(quarter):
        raise Invalid("분기는 2026Q4처럼 연도와 1~4분기로 적어 주십시오.", field="quarter")
    return quarter


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


def _require_unit_staff(principal: Principal, unit_id: int, db: Session) -> None:
    unit = org_service.get_unit(db_session=db, unit_id=unit_id)
    if principal.role not in WRITERS or (
        not principal.all_offices and unit.office_id != principal.office_id
    ):
        raise Forbidden("이 부서의 순찰 요청을 볼 수 없습니다.")


def requests_of(db: Session, *, unit_id: int, quarter: str) -> list[PatrolRequest]:
    """A unit's requests of one quarter, oldest first."""
    query = select(PatrolRequest).where(
        PatrolRequest.unit_id == unit_id, PatrolRequest.quarter == quarter
    )
    return list(db.scalars(query.order_by(PatrolRequest.id)))


def _pure(rows: list[PatrolRequest]) -> list[patrols.PatrolRequest]:
    return [
        patrols.PatrolRequest(
            str(r.id),
            r.place,
            to_kst(r.created_at),
            r.start_hour % 24,
            r.end_hour % 24 or 24,
            r.reason,
            r.lat,
            r.lon,
            has_contact=bool(r.email),
            consented=r.consent,
        )
        for r in rows
    ]


def incidents_of(db: Session, *, unit_id: int, quarter: str) -> dict[tuple[str, int], int]:
    """Imported incident counts of a unit and quarter by (place key, hour)."""
    query = select(IncidentCount).where(
        IncidentCount.unit_id == unit_id, IncidentCount.quarter == quarter
    )
    return {(r.place_key, r.hour): r.count for r in db.scalars(query)}


def import_incident_file(
    db: Session, *, principal: Principal, unit_id: int, quarter: str, data: bytes
) -> int:
    """Import an uploaded incident file (UTF-8 CSV, a byte-order mark allowed) for the quarter:
    the unit page's upload and the API's."""
    from minwon.outreach.service import Said

    try:
        text = data.decode("utf-8-sig") if data else ""
    except UnicodeDecodeError as exc:
        raise Said("pt_bad_file", field="file") from exc
    return import_incidents(db, principal=principal, unit_id=unit_id, quarter=quarter, text=text)


def _bad_incident_line(number: int) -> Invalid:
    return Invalid(
        f"{number}번째 줄: '장소,시(0~23),건수' 형식이어야 합니다(건수는 999,999까지).",
        field="file",
    )


def _incident_line(number: int, row: list[str]) -> tuple[tuple[str, int], int]:
    """One line of an incident file as ((place key, hour), count); ``Invalid`` naming the line
    when it is not ``place,hour,count`` with an hour of 0–23 and a count of at most 999,999."""
    read = [whole_number(cell, digits=6) for cell in row[1:3]] if len(row) == 3 else []
    if len(read) != 2 or read[0] is None or read[1] is None or len(row[0].strip()) > MAX_PLACE:
        raise _bad_incident_line(number)
    hour, count = read[0], read[1]
    if not 0 <= hour <= 23:
        raise Invalid(f"{number}번째 줄: 시는 0~23입니다.", field="file")
    place = patrols.place_key(row[0])
    if not place:
        raise Invalid(f"{number}번째 줄: 장소가 비어 있습니다.", field="file")
    return (place, hour), count


def _incident_rows(text: str) -> list[tuple[int, list[str]]]:
    """The rows of an incident file after its header (a first row whose last cell is no
    number), blank rows left out, each with the line of the file it ends on, so that a message
    names the line the file's reader sees; ``Invalid`` for a file of more than
    ``MAX_INCIDENT_ROWS`` rows, and naming the line of a cell too long for the CSV reader."""
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    rows: list[tuple[int, list[str]]] = []
    read = 0  # the rows after the header, blank ones included
    try:
        for index, row in enumerate(reader):
            if index == 0 and row and not row[-1].strip().isdigit():
                continue  # the header: its last cell is a name, not a count
            read += 1
            if read > MAX_INCIDENT_ROWS:
                raise Invalid(
                    f"한 번에 {MAX_INCIDENT_ROWS:,}줄까지 올릴 수 있습니다.", field="file"
                )
            if any(cell.strip() for cell in row):
                rows.append((reader.line_num, row))
    except csv.Error as exc:  # a cell past the reader's field size limit (process-wide)
        raise _bad_incident_line(reader.line_num) from exc
    return rows


def import_incidents(
    db: Session, *, principal: Principal, unit_id: int, quarter: str, text: str
) -> int:
    """Replace the quarter's incident counts from a CSV of ``place,hour,count`` (e.g. 112 calls);
    a file with any bad line imports nothing and names the line, and a file with no line at
    all (empty, a header alone, blank lines) is refused, leaving the counts as they were."""
    _require_unit_staff(principal, unit_id, db)
    if principal.role not in LEADS:
        raise Forbidden("사건 통계는 팀장이 올립니다.")
    checked_quarter(quarter)
    counts: dict[tuple[str, int], int] = {}
    rows = _incident_rows(text)
    for number, row in rows:
        key, count = _incident_line(number, row)
        counts[key] = counts.get(key, 0) + count
        if counts[key] > MAX_INCIDENT_COUNT:
            raise _bad_incident_line(number)
    if not counts:
        raise Invalid("파일에 '장소,시(0~23),건수' 형식의 줄이 없습니다.", field="file")
    db.execute(
        delete(IncidentCount).where(
            IncidentCount.unit_id == unit_id, IncidentCount.quarter == quarter
        )
    )
    for (place, hour), count in counts.items():
        db.add(
            IncidentCount(unit_id=unit_id, quarter=quarter, place_key=place, hour=hour, count=count)
        )
    return len(counts)


def current_plan(db: Session, *, unit_id: int, quarter: str) -> PatrolPlan | None:
    """The newest plan of a unit for a quarter."""
    query = select(PatrolPlan).where(PatrolPlan.unit_id == unit_id, PatrolPlan.quarter == quarter)
    return db.scalars(query.order_by(PatrolPlan.id.desc())).first()


def draft(db: Session, *, unit_id: int, quarter: str, top: int = 10) -> patrols.PatrolPlan:
    """The plan the requests and incidents suggest now (not stored)."""
    rows = requests_of(db, unit_id=unit_id, quarter=quarter)
    return patrols.patrol_plan(
        _pure(rows),
        top=top,
        incidents=incidents_of(db, unit_id=unit_id, quarter=quarter),
        merge_within_m=50,
    )


def adopt_plan(
    db: Session, *, principal: Principal, unit_id: int, quarter: str, top: int = 10
) -> PatrolPlan:
    """Store the suggested plan as the unit's plan for the quarter (unit lead)."""
    _require_unit_staff(principal, unit_id, db)
    if principal.role not in LEADS:
        raise Forbidden("순찰 계획은 팀장이 정합니다.")
    checked_quarter(quarter)
    plan = draft(db, unit_id=unit_id, quarter=quarter, top=top)
    if not plan.entries:
        raise Invalid("이번 분기에 들어온 순찰 요청이 없습니다.", field="quarter")
    row = PatrolPlan(
        unit_id=unit_id,
        quarter=quarter,
        created_by_id=principal.staff_id,
        items=[
            {
                "place": e.place,
                "band": e.band.label,
                "start": e.band.start,
                "end": e.band.end,
                "per_week": e.per_week,
                "score": float(e.score),
                "requests": len(e.request_ids),
            }
            for e in plan.entries
        ],
    )
    db.add(row)
    db.flush()
    return row


def log_window(now: datetime) -> tuple[datetime, datetime]:
    """The earliest and latest moment a patrol may be logged at, in Korean time, to the
    minute: from ``LOG_BACK_DAYS`` days before ``now`` up to ``now`` (the page's date-time
    field offers these as its min and max)."""
    latest = to_kst(now).replace(second=0, microsecond=0)
    return latest - timedelta(days=LOG_BACK_DAYS), latest


def patrol_at_of(text: str) -> datetime | None:
    """The patrol time a form gives (``YYYY-MM-DDTHH:MM``, Korean time), None when left
    empty (now); Invalid naming the field when it cannot be read."""
    text = text.strip()
    if not text:
        return None
    try:
        return as_aware(datetime.fromisoformat(text))
    except ValueError:
        raise Invalid("순찰 시각을 YYYY-MM-DD HH:MM 형식으로 적어 주세요.", field="at") from None


def checked_patrol_at(at: datetime | None, now: datetime) -> datetime:
    """When a patrol was done: ``at`` (naive taken as Korean time), or ``now`` when not
    given; Invalid when it is in the future or more than ``LOG_BACK_DAYS`` days back. The
    one rule of the API and the page."""
    if at is None:
        return now
    at = as_aware(at)
    first, _ = log_window(now)
    if at > now + LOG_SKEW:
        raise Invalid("앞으로의 시각으로는 순찰을 기록할 수 없습니다.", field="at")
    if at < first:
        raise Invalid(
            f"순찰은 {LOG_BACK_DAYS}일 전({first:%Y-%m-%d %H:%M})부터의 시각으로 기록합니다.",
            field="at",
        )
    return at


def log_patrol(
    db: Session,
    *,
    principal: Principal,
    unit_id: int,
    place: str,
    at: datetime | None = None,
    note: str = "",
) -> tuple[PatrolLog, int]:
    """Record a patrol done at a place (at ``at``, by default now; see
    ``checked_patrol_at``) and tell each consenting requester whose place and hours it covered
    (once); returns the log and how many were told."""
    _require_unit_staff(principal, unit_id, db)
    if not place.strip():
        raise Invalid("장소를 적어 주세요.", field="place")
    at = checked_patrol_at(at, utcnow())
    log = PatrolLog(
        unit_id=unit_id,
        officer_id=principal.staff_id,
        place=place.strip()[:200],
        place_key=patrols.place_key(place),
        at=at,
        note=note.strip()[:2000],
    )
    db.add(log)
    db.flush()
    return log, notify_patrolled(db, unit_id=unit_id)


def notify_patrolled(db: Session, *, unit_id: int) -> int:
    """Queue "your place was patrolled" to the consenting requesters not told yet."""
    from minwon.outbox import service as outbox

    quarter = quarter_label(to_kst(utcnow()).date())
    rows = requests_of(db, unit_id=unit_id, quarter=quarter)
    by_id = {str(r.id): r for r in rows}
    logs = [
        patrols.PatrolLog(p.place_key, to_kst(p.at))
        for p in db.scalars(select(PatrolLog).where(PatrolLog.unit_id == unit_id))
    ]
    place_of = patrols.patrol_plan(_pure(rows), merge_within_m=50).place_of if rows else {}
    told = {str(r.id) for r in rows if r.notified_at is not None}
    due = patrols.notices(_pure(rows), logs, place_of=place_of, already_told=told)
    for notice in due:
        request = by_id[notice.request_id]
        at = to_kst(notice.patrolled_at)
        outbox.enqueue(
            db_session=db,
            recipient=request.email,
            subject=f"요청하신 '{request.place}' 순찰을 다녀왔습니다",
            body=(
                f"안녕하십니까. 요청하신 {request.place} 주변을 {at:%m월 %d일 %H시 %M분}에 "
                "순찰했습니다.\n앞으로도 요청하신 시간대에 순찰을 이어 가겠습니다. 감사합니다.\n"
            ),
            topic="patrolled",
            dedupe_key=f"patrolled:{request.id}",
        )
        request.notified_at = utcnow()
    return len(due)


def quarters(db: Session, *, unit_id: int) -> list[str]:
    """Quarters with requests for a unit, newest first (the history kept after each reset)."""
    query = select(PatrolRequest.quarter).where(PatrolRequest.unit_id == unit_id).distinct()
    return sorted(set(db.scalars(query)), reverse=True)


def unit_logs(db: Session, unit_id: int, limit: int = 500) -> list[PatrolLog]:
    """A unit's patrols logged, newest first."""
    query = select(PatrolLog).where(PatrolLog.unit_id == unit_id).order_by(PatrolLog.at.desc())
    return list(db.scalars(query.limit(limit)))


@dataclass(frozen=True)
class UnitView:
    """What a unit's patrol page and ``GET /api/v1/patrols`` show: the quarter's requests,
    the suggested and the adopted plan, this week's coverage and the latest patrols."""

    unit: Unit
    units: list[Unit]
    quarter: str
    current: str
    quarters: list[str]
    requests: list[PatrolRequest]
    draft: patrols.PatrolPlan
    plan: PatrolPlan | None
    covered: tuple[patrols.Coverage, ...]
    focus: bool
    focus_until: date
    logs: list[PatrolLog]


def staff_units(db: Session, *, principal: Principal) -> list[Unit]:
    """The units whose patrols a staff member sees: every unit of their office (of every
    office for admins and HQ), not only police boxes."""
    every = org_service.list_units(db_session=db)
    return [u for u in every if principal.all_offices or u.office_id == principal.office_id]


def unit_view(
    db: Session,
    *,
    principal: Principal,
    code: str | None,
    quarter: str | None = None,
    strict: bool = False,
) -> UnitView:
    """A unit's patrol requests, plan and coverage: the unit named by ``code``, else the
    caller's own, else the first they see (``strict``, the API: a code not among the caller's
    units is not found); the current quarter unless ``quarter`` names one."""
    units = staff_units(db, principal=principal)
    unit = next((u for u in units if u.code == code), None)
    if strict and code and unit is None:
        raise NotFound(f"부서를 찾을 수 없습니다: {code}", field="unit")
    unit = unit or next(
        (u for u in units if u.id == principal.unit_id), units[0] if units else None
    )
    if unit is None:
        raise NotFound("부서를 찾을 수 없습니다.", field="unit")
    today = to_kst(utcnow()).date()
    current = quarter_label(today)
    quarter = checked_quarter(quarter) if quarter else current
    suggested = draft(db, unit_id=unit.id, quarter=quarter)
    plan = current_plan(db, unit_id=unit.id, quarter=quarter)
    logs = unit_logs(db, unit.id)
    covered: tuple[patrols.Coverage, ...] = ()
    if plan is not None:
        stored = patrols.PatrolPlan(
            tuple(
                patrols.PlanEntry(
                    i["place"],
                    patrols.Band(i["start"], i["end"]),
                    i["per_week"],
                    i["score"],
                    n + 1,
                    (),
                )
                for n, i in enumerate(plan.items)
            ),
            (),
            suggested.bands,
            suggested.place_of,
        )
        done = [patrols.PatrolLog(p.place_key, to_kst(p.at)) for p in logs]
        covered = patrols.coverage(stored, done, today)
    split = patrols.split_quarter([], today)
    return UnitView(
        unit=unit,
        units=units,
        quarter=quarter,
        current=current,
        quarters=quarters(db, unit_id=unit.id) or [current],
        requests=requests_of(db, unit_id=unit.id, quarter=quarter),
        draft=suggested,
        plan=plan,
        covered=covered,
        focus=split.focus,
        focus_until=split.focus_until,
        logs=logs[:20],
    )
