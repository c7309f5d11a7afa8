"""Recognising rows of an import file that are already in the ledger.

Agencies import their ledgers period by period, and their systems' exports overlap (January to
March, then March to May): a row whose voice an earlier import already recorded — the same
office, the same received time, the same title and body — is that voice, and importing it
again would count it twice. Rows are looked up a batch at a time, by office and received time
(an indexed lookup), so a file in any order costs a few queries per thousand rows.
"""

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from minwon.timeutil import as_aware
from minwon.voices.models import Voice

_CHUNK = 500  # received times per query: well under every engine's limit on bound values
Candidate = tuple[int, datetime, str, str]  # office id, received at, title, body


class KnownVoices:
    """The voices already in the ledger, looked up by office and received time."""

    def __init__(self, db: Session) -> None:
        self.db = db

    def numbers(self, rows: Sequence[Candidate]) -> list[str | None]:
        """For each row, the ledger number of the voice it already is, or None for a new one."""
        times: defaultdict[int, set[datetime]] = defaultdict(set)
        for office_id, received_at, _, _ in rows:
            times[office_id].add(received_at)
        found: dict[Candidate, str] = {}
        for office_id, moments in times.items():
            ordered = sorted(moments)
            for start in range(0, len(ordered), _CHUNK):
                query = select(Voice.received_at, Voice.title, Voice.body, Voice.ledger_no).where(
                    Voice.office_id == office_id,
                    Voice.received_at.in_(ordered[start : start + _CHUNK]),
                )
                for at, title, body, number in self.db.execute(query):
                    found[(office_id, as_aware(at), title, body)] = number
        return [found.get((o, as_aware(at), title, body)) for o, at, title, body in rows]
