"""Recognising rows of an import file that are already in the ledger.

Agencies import their ledgers period by period, and their systems' exports overlap (January to
March, then March to May): a row whose voice an earlier import or intake already recorded — the
same office, the same received time to the second, the same title and body — is that voice, and
importing it again would count it twice. The voices of the day are read once per office and
kept for the last ``_DAYS`` days looked at, since exports come sorted by date.
"""

from collections import OrderedDict
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from minwon.timeutil import KST, as_aware
from minwon.voices.models import Voice

_DAYS = 64
_Key = tuple[int, str, str]  # received (epoch seconds), title, body


class KnownVoices:
    """The voices already in the ledger, looked up by office and received day."""

    def __init__(self, db: Session) -> None:
        self.db = db
        self._days: OrderedDict[tuple[int, str], dict[_Key, str]] = OrderedDict()

    def ledger_no(self, office_id: int, received_at: datetime, title: str, body: str) -> str | None:
        """The ledger number of the voice this row already is, or None for a new one."""
        day = self._day(office_id, received_at)
        return day.get((_second(received_at), title, body))

    def _day(self, office_id: int, received_at: datetime) -> dict[_Key, str]:
        local = received_at.astimezone(KST)
        key = (office_id, local.date().isoformat())
        if key in self._days:
            self._days.move_to_end(key)
            return self._days[key]
        start = local.replace(hour=0, minute=0, second=0, microsecond=0)
        query = select(Voice.received_at, Voice.title, Voice.body, Voice.ledger_no).where(
            Voice.office_id == office_id,
            Voice.received_at >= start,
            Voice.received_at < start + timedelta(days=1),
        )
        found = {(_second(at), title, body): no for at, title, body, no in self.db.execute(query)}
        self._days[key] = found
        if len(self._days) > _DAYS:
            self._days.popitem(last=False)
        return found


def _second(moment: datetime) -> int:
    return int(as_aware(moment).timestamp())
