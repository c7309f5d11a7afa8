"""The patrol log: patrols done at a place, logged at the time they were done, and the notice
to each consenting requester whose place and hours a patrol covered."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from minwon.errors import Invalid
from minwon.org.roles import Principal
from minwon.outreach import patrols
from minwon.outreach.models import PatrolLog
from minwon.outreach.patrol_quarters import (
    pure_requests,
    quarter_label,
    requests_of,
    require_unit_staff,
)
from minwon.timeutil import as_aware, to_kst, utcnow

LOG_BACK_DAYS = 7
"""How many days back a patrol may be logged (a night patrol written up the next morning, or
after days off); older ones would no longer tell anyone or count for this week."""
LOG_SKEW = timedelta(minutes=1)
"""How far past the server's clock a patrol time may be (a device's clock running fast)."""


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
    require_unit_staff(principal, unit_id, db)
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
    place_of = patrols.patrol_plan(pure_requests(rows), merge_within_m=50).place_of if rows else {}
    told = {str(r.id) for r in rows if r.notified_at is not None}
    due = patrols.notices(pure_requests(rows), logs, place_of=place_of, already_told=told)
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


def unit_logs(db: Session, unit_id: int, limit: int = 500) -> list[PatrolLog]:
    """A unit's patrols logged, newest first."""
    query = select(PatrolLog).where(PatrolLog.unit_id == unit_id).order_by(PatrolLog.at.desc())
    return list(db.scalars(query.limit(limit)))
