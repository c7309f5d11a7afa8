"""The analysis work the worker does in the background: learn from transfers every round,
check every office for surges once an hour (each in its own short write transaction), and
once a day retrain the routing models whose history has grown by a tenth."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Engine

from minwon import commit_order
from minwon.analysis import alerts, learning, service, training
from minwon.analysis.models import AnalysisCursor
from minwon.db import session_factory, write_session
from minwon.errors import Invalid
from minwon.org import service as org_service
from minwon.org.roles import Principal
from minwon.timeutil import utcnow

SURGE_EVERY = timedelta(hours=1)
SURGE_CURSOR = "surges"
RETRAIN_EVERY = timedelta(days=1)
RETRAIN_CURSOR = "retraining"
_SYSTEM = Principal(None, "system", "minwon", "admin", None, None)


@dataclass(frozen=True)
class Round:
    """What one round of background analysis did."""

    learned: int
    alerts: int
    checked_offices: int
    retrained: int = 0


def _due(engine: Engine, name: str, every: timedelta, now: datetime, force: bool) -> bool:
    """Whether ``every`` has passed since the job ``name`` last ran (or ``force``); if so,
    the job is marked as run now."""
    with write_session(engine) as db:
        cursor = db.get(AnalysisCursor, name, with_for_update=True)
        if cursor is None:
            cursor = AnalysisCursor(name=name, position=0)
            db.add(cursor)
        stamp = int(now.timestamp())
        if not force and stamp - cursor.position < every.total_seconds():
            return False
        cursor.position = stamp
        return True


def retrain_grown(engine: Engine) -> int:
    """Retrain every organisation's routing models whose history has grown by a tenth since
    they were trained (``training.grown``); returns how many models were stored. Training
    holds no write transaction while it fits, so intake goes on meanwhile."""
    with session_factory(engine)() as db:
        due = [
            (org.id, target)
            for org in org_service.list_organizations(db_session=db)
            for target in service.TARGETS
            if training.grown(db, org.id, target)
        ]
    stored = 0
    for organization_id, target in due:
        try:
            stored += len(
                training.train_apart(engine, organization_id=organization_id, target=target)
            )
        except Invalid:
            continue
    return stored


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
    commit_order.settle(engine)
    with write_session(engine) as db:
        learned = learning.learn_from_transfers(db).learned
    offices = sent = retrained = 0
    if _due(engine, SURGE_CURSOR, SURGE_EVERY, now, force):
        offices, sent = check_surges(engine, now=now)
    if _due(engine, RETRAIN_CURSOR, RETRAIN_EVERY, now, force=False):
        retrained = retrain_grown(engine)
    return Round(learned, sent, offices, retrained)
