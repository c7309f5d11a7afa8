"""The background work `minwon worker` does beside delivering mail, round by round: learn
routing from transfers, check surges hourly, invite citizens to surveys after answers, keep the
dashboards' rollups current, finish imports a crash interrupted and analyse imported voices (for
``ANALYSIS_BUDGET`` seconds a round, rounds following at once while any wait).

Any number of workers may run these rounds on one database: each job runs under its lease
(``minwon.leases``), so at any moment one worker runs it and the others skip it for that round;
a worker that dies loses its leases after ``LEASE`` and another one takes the jobs over.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TypeVar

from sqlalchemy import Engine

from minwon import leases
from minwon.timeutil import utcnow

log = logging.getLogger(__name__)
T = TypeVar("T")

LEASE = timedelta(minutes=5)
"""How long a worker may hold a job before another may take it over: well above a round's
length (seconds), short enough that the jobs of a crashed worker resume within minutes."""
ANALYSIS_BUDGET = 20.0
"""Seconds a round spends analysing imported voices; workers share that queue row by row."""


@dataclass(frozen=True)
class Round:
    """What one background round did, and which jobs it left to another worker running them."""

    learned: int
    alerts: int
    invited: int
    counted: int
    busy: tuple[str, ...] = ()
    analysed: int = 0


def _leased(
    engine: Engine, job: str, work: Callable[[], T], idle: T, *, holder: str, busy: list[str]
) -> T:
    with leases.held(engine, f"background:{job}", holder=holder, ttl=LEASE) as taken:
        if taken:
            return work()
    busy.append(job)
    return idle


def run_once(
    engine: Engine,
    *,
    base_url: str,
    now: datetime | None = None,
    force: bool = False,
    holder: str | None = None,
) -> Round:
    """One round of every background job whose lease this worker (``holder``, a fresh name by
    default) can take, each job in its own short transactions; imported voices waiting for
    their analysis are shared among all workers."""
    from minwon.analysis import backlog, jobs
    from minwon.reports import rollups
    from minwon.surveys import service as surveys
    from minwon.voices import import_jobs

    now = now or utcnow()
    holder = holder or leases.new_holder()
    busy: list[str] = []
    analysed = _leased(
        engine,
        "analysis",
        lambda: jobs.run_once(engine, now=now, force=force),
        jobs.Round(0, 0, 0),
        holder=holder,
        busy=busy,
    )
    invited = _leased(
        engine,
        "survey-invitations",
        lambda: surveys.invite_answered(engine, base_url=base_url, now=now),
        0,
        holder=holder,
        busy=busy,
    )
    counted = _leased(
        engine, "rollups", lambda: rollups.update(engine).total, 0, holder=holder, busy=busy
    )
    _leased(
        engine,
        "import-recovery",
        lambda: import_jobs.recover(engine, now=now),
        0,
        holder=holder,
        busy=busy,
    )
    _leased(
        engine, "sign-in-pruning", lambda: _prune_sign_ins(engine, now), 0, holder=holder, busy=busy
    )
    caught_up = backlog.catch_up(engine, budget=ANALYSIS_BUDGET)
    return Round(analysed.learned, analysed.alerts, invited, counted, tuple(busy), caught_up)


PRUNE_EVERY = timedelta(hours=1)
_last_prune: list[datetime] = []


def _prune_sign_ins(engine: Engine, now: datetime) -> int:
    """Delete old staff sessions and sign-in attempts, at most once an hour per process."""
    from minwon.config import get_settings
    from minwon.db import write_session
    from minwon.org import sessions

    if _last_prune and now - _last_prune[-1] < PRUNE_EVERY:
        return 0
    _last_prune[:] = [now]
    timeouts = sessions.Timeouts(
        idle=get_settings().session_idle_timeout, absolute=get_settings().session_max_age
    )
    with write_session(engine) as db:
        return sessions.prune(db_session=db, now=now, timeouts=timeouts)


def run_forever(
    engine: Engine, stop: threading.Event, *, base_url: str, poll_seconds: float = 30.0
) -> None:
    """Run ``run_once`` every ``poll_seconds`` until ``stop`` is set; a failed round is logged
    and the next one tries again, so one bad record never stops the worker."""
    holder = leases.new_holder()
    while not stop.is_set():
        busy = False
        try:
            busy = run_once(engine, base_url=base_url, holder=holder).analysed > 0
        except Exception:
            log.exception("background round failed")
        stop.wait(0.0 if busy else poll_seconds)
