"""Time helpers: minwon stores UTC and shows Asia/Seoul."""

from datetime import UTC, date, datetime
from typing import overload
from zoneinfo import ZoneInfo

from minwon.errors import Invalid

KST = ZoneInfo("Asia/Seoul")

FIRST_DAY = date(1900, 1, 1)
LAST_DAY = date(2999, 12, 31)
"""The days a person may name (a period, a due date): anything else is a typing slip, and the
far ends of the calendar overflow date arithmetic."""


def within_calendar(day: date | None, field: str) -> date | None:
    """``day`` as given (None stays None) when a period may name it; otherwise refused as
    ``field``'s mistake, so the caller sees a 422 instead of an overflow deeper down (every
    date filter checks its days with this before its date arithmetic)."""
    if day is not None and not FIRST_DAY <= day <= LAST_DAY:
        raise Invalid(
            f"기간은 {FIRST_DAY.year}년부터 {LAST_DAY.year}년 사이의 날짜여야 합니다.", field=field
        )
    return day


def utcnow() -> datetime:
    """The current instant, timezone-aware in UTC."""
    return datetime.now(UTC)


@overload
def to_kst(value: datetime) -> datetime: ...


@overload
def to_kst(value: None) -> None: ...


def to_kst(value: datetime | None) -> datetime | None:
    """The same instant shown in Korean time; naive values are taken as UTC."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(KST)


def as_aware(value: datetime, default_tz: ZoneInfo = KST) -> datetime:
    """Attach ``default_tz`` to a naive datetime (input from forms and files is Korean time)."""
    return value if value.tzinfo is not None else value.replace(tzinfo=default_tz)
