"""The analysis work the worker does in the background: learn from transfers every round, and
check every office for surges once an hour (each in its own short write transaction)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Engine

from minwon.analysis import alerts, learning
from minwon.analysis.models import AnalysisCursor
from minwon.db import write_session
from minwon.org import service as org_service
from minwon.org.roles import Principal
from minwon.timeutil import utcnow

SURGE_EVERY = timedelta(hours=1)
SURGE_CURSOR = "surges"
_SYSTEM = Principal(None, "system", "minwon", "admin", None, None)


@dataclass(frozen=True)
class Round:
    """What one round of background analysis did."""

    learned: int
    alerts: int
    checked_offices: int


def _surges_due(engine: Engine, now: datetime, force: bool) -> bool:
    with write_session(engine) as db:
        cursor = db.get(AnalysisCursor, SURGE_CURSOR, with_for_update=True)
        if cursor is None:
            cursor = AnalysisCursor(name=SURGE_CURSOR, position=0)
            db.add(cursor)
        stamp = int(now.timestamp())
        if not force and stamp - cursor.position < SURGE_EVERY.total_seconds():
            return False
        cursor.position = stamp
        return True


def check_surges(engine: Engine, *, now: datetime) -> tuple[int, int]:
    """Check every office for surges now; returns (offices checked, new alerts)."""
    with write_session(engine) as db:
        office_ids = [o.id for o in org_service.list_offices(db_session=db, principal=_SYSTEM)]
    sent = 0
    for office_id in office_ids:
        with write_session(engine) as db:
            sent += len(alerts.check(db, office_id=office_id, now=now))
    return len(office_ids), sent


def run_once(engine: Engine, *, now: datetime | None = None, force: bool = False) -> Round:
    """One round: learn from new transfers; check surges when an hour has passed (or forced)."""
    now = now or utcnow()
    with write_session(engine) as db:
        learned = learning.learn_from_transfers(db).learned
    offices = sent = 0
    if _surges_due(engine, now, force):
        offices, sent = check_surges(engine, now=now)
    return Round(learned, sent, offices)
