"""The days a period may name, the one rule every date filter (dashboard, ledger, analysis,
monthly report) checks before it does date arithmetic: 0001-01-01 and 9999-12-31 are typing
slips, and the day after or the period before them overflows ``date``."""

from datetime import date

from minwon.errors import Invalid

EARLIEST = date(1900, 1, 1)
LATEST = date(2999, 12, 31)


def within_calendar(day: date | None, field: str) -> date | None:
    """``day`` as given (None stays None) when a period may name it; otherwise refused as
    ``field``'s mistake, so the caller sees a 422 instead of an overflow deeper down."""
    if day is not None and not EARLIEST <= day <= LATEST:
        raise Invalid(
            f"기간은 {EARLIEST.year}년부터 {LATEST.year}년 사이의 날짜여야 합니다.", field=field
        )
    return day
