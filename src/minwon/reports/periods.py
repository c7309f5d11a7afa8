"""The days a period may name (``timeutil.FIRST_DAY`` to ``LAST_DAY``), checked by every date
filter (dashboard, fans, ledger, analysis, monthly report) before its date arithmetic:
0001-01-01 and 9999-12-31 are typing slips, and the day after or the period before them
overflows ``date``."""

from datetime import date

from minwon.errors import Invalid
from minwon.timeutil import FIRST_DAY, LAST_DAY


def within_calendar(day: date | None, field: str) -> date | None:
    """``day`` as given (None stays None) when a period may name it; otherwise refused as
    ``field``'s mistake, so the caller sees a 422 instead of an overflow deeper down."""
    if day is not None and not FIRST_DAY <= day <= LAST_DAY:
        raise Invalid(
            f"기간은 {FIRST_DAY.year}년부터 {LAST_DAY.year}년 사이의 날짜여야 합니다.", field=field
        )
    return day
