"""The background work `minwon worker` does beside delivering mail, round by round: learn
routing from transfers, check surges hourly, invite citizens to surveys after answers, keep
the dashboards' rollups current, finish imports a crash interrupted and analyse imported
voices (for ``ANALYSIS_BUDGET`` seconds a round, rounds following at once while any wait)."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine

from minwon.timeutil import utcnow

log = logging.getLogger(__name__)
ANALYSIS_BUDGET = 20.0


@dataclass(frozen=True)
class Round:
    """What one background round did."""

    learned: int
    alerts: int
    invited: int
    counted: int
    analysed: int = 0


def run_once(
    engine: Engine, *, base_url: str, now: datetime | None = None, force: bool = False
) -> Round:
    """One round of every background job, each in its own short transactions."""
    from minwon.analysis import backlog, jobs
    from minwon.reports import rollups
    from minwon.surveys import service as surveys
    from minwon.voices import import_jobs

    now = now or utcnow()
    analysed = jobs.run_once(engine, now=now, force=force)
    invited = surveys.invite_answered(engine, base_url=base_url, now=now)
    counted = rollups.update(engine).total
    import_jobs.recover(engine, now=now)
    caught_up = backlog.catch_up(engine, budget=ANALYSIS_BUDGET)
    return Round(analysed.learned, analysed.alerts, invited, counted, caught_up)


def run_forever(
    engine: Engine, stop: threading.Event, *, base_url: str, poll_seconds: float = 30.0
) -> None:
    """Run ``run_once`` every ``poll_seconds`` until ``stop`` is set; a failed round is logged
    and the next one tries again, so one bad record never stops the worker."""
    while not stop.is_set():
        busy = False
        try:
            busy = run_once(engine, base_url=base_url).analysed > 0
        except Exception:
            log.exception("background round failed")
        stop.wait(0.0 if busy else poll_seconds)
