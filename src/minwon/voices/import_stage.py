"""Staging the checked rows of an import: each row gets its unit (named in the file, else by
the office's routing rules, else its front desk), its ledger year, its place among the file's
rows of that unit and year, its deadline and the voice's fields, and is written to
``voice_import_row`` in short batches while the file is still being checked.

Nothing here touches the ledger: staged rows become voices only after the whole file passed
(``import_load``). Rows are staged until the first bad row; after that the check goes on only
to report every problem, and what was staged is deleted again.
"""

from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, delete, select, update
from sqlalchemy.orm import Session

from minwon.db import insert_rows, write_session
from minwon.org import service as org_service
from minwon.org.rules import OfficeRules, office_rules
from minwon.timeutil import KST, utcnow
from minwon.voices.catalog import period_for
from minwon.voices.deadlines import due_at
from minwon.voices.import_check import _Row
from minwon.voices.models import VoiceImport, VoiceImportRow

STAGE_BATCH = 2000
DISCARD_BATCH = 5000


def stamp(moment: datetime | None) -> str | None:
    """An instant as staged: ISO 8601 in UTC (read back with ``datetime.fromisoformat``)."""
    return None if moment is None else moment.astimezone(UTC).isoformat()


class _Places:
    """Units by routing rule or front desk, category ids and office rules, looked up once."""

    def __init__(self, db: Session) -> None:
        self.db = db
        self._units: dict[tuple[int, int | None, str], str] = {}
        self._categories: dict[tuple[int, str], int] = {}
        self._rules: dict[int, OfficeRules] = {}

    def rules(self, office_id: int) -> OfficeRules:
        """The office's settings and calendar, read once for the whole import."""
        if office_id not in self._rules:
            self._rules[office_id] = office_rules(db_session=self.db, office_id=office_id)
        return self._rules[office_id]

    def category_id(self, organization_id: int, code: str | None) -> int | None:
        """The id of a category code the checker found."""
        if not code:
            return None
        key = (organization_id, code)
        if key not in self._categories:
            found = org_service.find_category(
                db_session=self.db, organization_id=organization_id, ref=code
            )
            self._categories[key] = found.id
        return self._categories[key]

    def unit_for(self, office_id: int, category_id: int | None, dong: str) -> str:
        """The unit an unaddressed voice goes to: the routing rules, else the front desk."""
        key = (office_id, category_id, dong)
        if key not in self._units:
            unit = org_service.route(
                db_session=self.db, office_id=office_id, category_id=category_id, dong=dong
            ) or org_service.front_desk(db_session=self.db, office_id=office_id)
            self._units[key] = unit.code
        return self._units[key]


class Stager:
    """Collects checked rows and writes them to the staging table a batch at a time."""

    def __init__(self, engine: Engine, db: Session, import_id: int) -> None:
        self.engine, self.db, self.import_id = engine, db, import_id
        self.places = _Places(db)
        self.ordinals: Counter[tuple[str, int]] = Counter()
        self.pending: list[dict[str, Any]] = []
        self.staged = 0
        self.stopped = False

    def add(self, row: _Row) -> datetime | None:
        """Stage one good row (until ``stop``: a file with a bad row stages nothing more);
        returns the voice's legal deadline, so the check can tell an open voice already past
        it (None for a kind without one, or once stopped)."""
        if self.stopped:
            return None
        rules = self.places.rules(row.office_id)
        category_id = self.places.category_id(rules.organization_id, row.voice_in.category)
        unit = row.voice_in.unit or self.places.unit_for(
            row.office_id, category_id, row.voice_in.dong
        )
        year = row.received_at.astimezone(KST).year
        period = period_for(rules.settings, row.voice_in.kind)
        due = due_at(row.received_at, period, rules.calendar)
        self.pending.append(
            {
                "import_id": self.import_id,
                "position": self.staged + len(self.pending),
                "unit_code": unit,
                "year": year,
                "ordinal": self.ordinals[(unit, year)],
                "data": _data(row, category_id, period, due),
            }
        )
        self.ordinals[(unit, year)] += 1
        return due

    def stop(self) -> None:
        """A bad row was found: stage nothing more."""
        self.stopped = True
        self.pending.clear()

    def flush(self, checked: int, total: int) -> None:
        """Write the collected rows and the check's progress in one short transaction."""
        with write_session(self.engine) as db:
            if self.pending and not self.stopped:
                insert_rows(db, VoiceImportRow, self.pending)
                self.staged += len(self.pending)
            db.execute(
                update(VoiceImport)
                .where(VoiceImport.id == self.import_id)
                .values(rows_checked=checked, rows_total=total, updated_at=utcnow())
            )
        self.pending.clear()
        self.db.commit()  # ends the reading snapshot, so the database can checkpoint

    def due(self) -> bool:
        """Whether enough rows are collected for a batch."""
        return len(self.pending) >= STAGE_BATCH


def _data(
    row: _Row, category_id: int | None, period: int | None, due: datetime | None
) -> dict[str, Any]:
    v = row.voice_in
    contact = v.contact
    return {
        "line": row.line,
        "office": row.office_id,
        "kind": v.kind,
        "channel": v.channel,
        "title": v.title,
        "body": v.body,
        "category": category_id,
        "received": stamp(row.received_at),
        "period": period,
        "due": stamp(due),
        "dong": v.dong,
        "address": v.address,
        "contact": [contact.name, contact.phone, contact.email, contact.consent]
        if contact
        else None,
        "status": row.status,
        "status_text": row.status_text,
        "answer": row.answer,
        "answered": stamp(row.answered_at),
        "addressed": v.unit is not None,
    }


def discard(engine: Engine, import_id: int, pause: Callable[[], None] = lambda: None) -> None:
    """Delete an import's staged rows, a batch per short transaction."""
    while True:
        with write_session(engine) as db:
            positions = select(VoiceImportRow.position).where(VoiceImportRow.import_id == import_id)
            last = db.scalar(positions.order_by(VoiceImportRow.position).offset(DISCARD_BATCH))
            gone = delete(VoiceImportRow).where(VoiceImportRow.import_id == import_id)
            if last is not None:
                gone = gone.where(VoiceImportRow.position < last)
            db.execute(gone)
        if last is None:
            return
        pause()
