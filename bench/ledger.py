"""Ledger page latency at scale: the list API and the HTML ledger, scoped and unscoped.

Timed through a running uvicorn (one process) from this process, one request at a time, so
each figure is one page's full cost: routing, auth, queries, serialisation, HTTP. Then the
statements of each API case are replayed in-process (``TestClient`` with a statement timer)
and the slowest statement of each case is explained: ``EXPLAIN QUERY PLAN`` on SQLite,
``EXPLAIN (ANALYZE, BUFFERS)`` on PostgreSQL.
"""

from __future__ import annotations

import os
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import Engine, event

from bench.bulkload import Loaded
from bench.common import Server, explain, log, start_server, summarize_ms
from minwon.db import make_engine

API = "/api/v1/voices"
DEEP_PAGE = 200
ROLES = {"officer": "gr_officer", "admin": "admin"}


@dataclass
class Case:
    """One thing to time: an API query (params) or a special walk."""

    name: str
    params: dict[str, str] = field(default_factory=dict)
    kind: str = "api"  # api | deep | html


CASES = [
    Case("first page", {}),
    Case(f"page {DEEP_PAGE} (cursor)", {}, "deep"),
    Case("status=in_progress", {"status": "in_progress"}),
    Case("unit=GR01", {"unit": "GR01"}),
    Case("date range (1 month)", {"date_from": "2025-06-01", "date_to": "2025-06-30"}),
    Case("overdue=true", {"overdue": "true"}),
    Case("HTML /ledger", {}, "html"),
]


def _time_requests(
    client: httpx.Client, url: str, params: dict[str, str], headers: dict[str, str], n: int,
    max_seconds: float,
) -> dict[str, Any]:  # fmt: skip
    latencies: list[float] = []
    statuses: dict[str, int] = {}
    items = None
    for _ in range(2):  # warm-up
        client.get(url, params=params, headers=headers)
    deadline = time.perf_counter() + max_seconds
    while len(latencies) < n and time.perf_counter() < deadline:
        started = time.perf_counter()
        resp = client.get(url, params=params, headers=headers)
        resp.read()
        latencies.append((time.perf_counter() - started) * 1000)
        statuses[str(resp.status_code)] = statuses.get(str(resp.status_code), 0) + 1
        if items is None and resp.headers.get("content-type", "").startswith("application/json"):
            items = len(resp.json().get("items", []))
    return {**summarize_ms(latencies), "statuses": statuses, "rows": items}


def _walk_to_deep_page(
    client: httpx.Client, base: str, headers: dict[str, str], max_seconds: float
) -> dict:
    """Follow ``next_cursor`` from the first page to page ``DEEP_PAGE`` (or as far as
    ``max_seconds`` allow); the cursor of the page reached."""
    cursor, latencies, page = None, [], 1
    deadline = time.perf_counter() + max_seconds
    while page < DEEP_PAGE and time.perf_counter() < deadline:
        started = time.perf_counter()
        resp = client.get(base + API, params={"cursor": cursor} if cursor else {}, headers=headers)
        latencies.append((time.perf_counter() - started) * 1000)
        resp.raise_for_status()
        cursor = resp.json()["next_cursor"]
        if cursor is None:
            break
        page += 1
    return {"cursor": cursor, "page": page, "walk": summarize_ms(latencies)}


def _html_available(client: httpx.Client, base: str, headers: dict[str, str]) -> str | None:
    """None when ``GET /ledger`` answers a page; else why it is skipped."""
    resp = client.get(base + "/ledger", headers=headers, follow_redirects=False)
    if resp.status_code == 200:
        return None
    if resp.status_code == 404:
        return "GET /ledger answers 404: the HTML ledger page is not built yet"
    return f"GET /ledger answers {resp.status_code} {resp.headers.get('location', '')}".strip()


def _measure_role(
    client: httpx.Client, server: Server, headers: dict[str, str], args: Any
) -> tuple[dict[str, Any], dict[str, dict[str, str]]]:
    """Every case for one caller; returns figures and the params used (cursor included)."""
    results: dict[str, Any] = {}
    used: dict[str, dict[str, str]] = {}
    base = server.base_url
    for case in CASES:
        params = dict(case.params)
        url = base + API
        extra: dict[str, Any] = {}
        if case.kind == "deep":
            walk = _walk_to_deep_page(client, base, headers, 2 * args.ledger_max_seconds)
            if walk["cursor"] is None:
                results[case.name] = {"skipped": f"fewer than {DEEP_PAGE} pages"}
                continue
            params["cursor"] = walk["cursor"]
            extra = {"page": walk["page"], "walk_to_page": walk["walk"]}
        if case.kind == "html":
            reason = _html_available(client, base, headers)
            if reason:
                results[case.name] = {"skipped": reason}
                continue
            url = base + "/ledger"
        figures = _time_requests(
            client, url, params, headers, args.ledger_requests, args.ledger_max_seconds
        )
        results[case.name] = figures | extra
        used[case.name] = {"path": url.removeprefix(base), **params}
    return results, used


# --- EXPLAIN ---------------------------------------------------------------------------------


@dataclass
class _Captured:
    statements: list[tuple[float, str, Any]] = field(default_factory=list)


def _capture(engine: Engine) -> _Captured:
    captured = _Captured()

    @event.listens_for(engine, "before_cursor_execute")
    def _before(conn: Any, cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        conn.info["bench_t0"] = time.perf_counter()

    @event.listens_for(engine, "after_cursor_execute")
    def _after(conn: Any, cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        elapsed = (time.perf_counter() - conn.info.pop("bench_t0", time.perf_counter())) * 1000
        captured.statements.append((elapsed, statement, parameters))

    return captured


def explain_cases(url: str, world: Any, used: dict[str, dict[str, dict[str, str]]]) -> dict:
    """For each role and API case: statements, the slowest one and its plan."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient

    from minwon.app import create_app
    from minwon.config import Settings

    engine = make_engine(url)
    captured = _capture(engine)
    app = create_app(Settings(database_url=url, secret_key="bench"), engine)
    out: dict[str, Any] = {}
    with TestClient(app) as client:
        for role, login in ROLES.items():
            for name, used_params in used.get(role, {}).items():
                params = dict(used_params)
                path = params.pop("path")
                client.get(path, params=params, headers=world.auth(login))  # warm
                captured.statements.clear()
                client.get(path, params=params, headers=world.auth(login))
                stmts = [
                    s for s in captured.statements if s[1].lstrip().upper().startswith("SELECT")
                ]
                slowest = max(stmts, key=lambda s: s[0])
                out[f"{role}: {name}"] = {
                    "statements": len(captured.statements),
                    "db_ms_total": round(sum(s[0] for s in captured.statements), 2),
                    "slowest_ms": round(slowest[0], 2),
                    "slowest_sql": slowest[1],
                    "slowest_params": repr(slowest[2]),
                    "plan": explain(engine, slowest[1], slowest[2]),
                }
    engine.dispose()
    return out


# --- entry -----------------------------------------------------------------------------------


def run_ledger(engine_name: str, loaded: Loaded, args: Any, run_dir: Path) -> dict:
    """Time every case for an office officer and an admin on the big ledger; explain them."""
    server = start_server(
        f"minwon-ledger-{engine_name}", "minwon.app:create_app",
        {"MINWON_DATABASE_URL": loaded.url, "MINWON_SECRET_KEY": "bench"},
        run_dir / f"ledger-{engine_name}",
    )  # fmt: skip
    results: dict[str, Any] = {}
    used: dict[str, dict[str, dict[str, str]]] = {}
    load_before = os.getloadavg()[0]
    try:
        with httpx.Client(trust_env=False, timeout=120) as client:
            for role, login in ROLES.items():
                log(f"[{engine_name}] ledger: timing {len(CASES)} cases as {role} ({login})")
                results[role], used[role] = _measure_role(
                    client, server, loaded.world.auth(login), args
                )
                for name, fig in results[role].items():
                    shown = (
                        fig.get("skipped")
                        or f"p50 {fig['p50_ms']:.1f} ms, p95 {fig['p95_ms']:.1f} ms"
                    )
                    log(f"[{engine_name}]   {role:7s} {name:24s} {shown}")
    finally:
        server.stop()
    load_after = os.getloadavg()[0]
    log(f"[{engine_name}] ledger: explaining the slowest statement of each case")
    plans = explain_cases(loaded.url, loaded.world, used)
    return {
        "engine": engine_name,
        "voices": loaded.voices,
        "database": loaded.url,
        "reused_cache": loaded.reused,
        "load_seconds": loaded.load_seconds,
        "requests_per_case": args.ledger_requests,
        "target_ms": 100,
        "loadavg_1m": [round(load_before, 2), round(load_after, 2)],
        "cases": results,
        "explain": plans,
    }
