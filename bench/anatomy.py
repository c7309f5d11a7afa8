"""What one intake costs inside minwon: SQL statements by kind and in-process time.

Posts prepared requests through ``TestClient`` (no network, one at a time) on an engine whose
statements are counted, so that the figures say where the work goes, independent of load.
"""

from __future__ import annotations

import re
import time
import warnings
from collections import Counter
from typing import Any

from sqlalchemy import event

from minwon.db import make_engine

_LABEL = [
    (re.compile(r"^\s*SELECT\b.*?\bFROM\s+\"?(\w+)", re.S | re.I), "SELECT {}"),
    (re.compile(r"^\s*INSERT INTO\s+\"?(\w+)", re.I), "INSERT {}"),
    (re.compile(r"^\s*UPDATE\s+\"?(\w+)", re.I), "UPDATE {}"),
    (re.compile(r"^\s*(\w+)", re.I), "{}"),
]


def label(statement: str) -> str:
    """A short name for a statement: its verb and first table."""
    for pattern, fmt in _LABEL:
        found = pattern.match(statement)
        if found:
            return fmt.format(found.group(1).upper() if fmt == "{}" else found.group(1))
    return statement[:30]


def intake_anatomy(url: str, requests: list[dict], warm: int = 10) -> dict[str, Any]:
    """Statements per intake by kind, and sequential in-process milliseconds per intake."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient

    from minwon.app import create_app
    from minwon.config import Settings

    engine = make_engine(url)
    counts: Counter[str] = Counter()
    counting = [False]

    @event.listens_for(engine, "before_cursor_execute")
    def _count(_conn: Any, _cur: Any, statement: str, *_: Any) -> None:
        if counting[0]:
            counts[label(statement)] += 1

    app = create_app(Settings(database_url=url, secret_key="bench"), engine)
    measured = requests[warm:]
    with TestClient(app) as client:
        for item in requests[:warm]:
            client.post("/api/v1/voices", content=item["body"], headers=item["headers"])
        counting[0] = True
        started = time.perf_counter()
        for item in measured:
            client.post("/api/v1/voices", content=item["body"], headers=item["headers"])
        elapsed = time.perf_counter() - started
    engine.dispose()
    n = max(len(measured), 1)
    return {
        "requests": len(measured),
        "statements_per_request": round(sum(counts.values()) / n, 2),
        "by_kind": {k: round(v / n, 2) for k, v in counts.most_common()},
        "in_process_ms_per_request": round(elapsed * 1000 / n, 2),
    }
