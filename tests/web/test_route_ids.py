"""Every route that takes an id answers an id beyond the database's integer range with 404 or
422, never 500: ids are checked at the edge, for routes added later too (the routes are
enumerated from the app)."""

from typing import Any

import pytest
from factories import build_world
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from minwon.app import create_app

HUGE = 80920404023204099687186432  # beyond 64 bits, as in the report that found the 500


def _int_params(params: list[Any]) -> list[str]:
    return [p.name for p in params if p.field_info.annotation in (int, int | None)]


def _cases(app: Any) -> list[tuple[str, str, dict[str, int]]]:
    cases = []
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        if not isinstance(route, APIRoute):
            continue
        path_ints = _int_params(route.dependant.path_params)
        query_ints = [n for n in _int_params(route.dependant.query_params) if n.endswith("id")]
        if not path_ints and not query_ints:
            continue
        path = context.path_format or route.path_format
        for name in path_ints:
            path = path.replace("{" + name + "}", str(HUGE))
        path = path.replace("{", "").replace("}", "")
        for method in sorted((context.methods or route.methods) - {"HEAD"}):
            cases.append((method, path, dict.fromkeys(query_ints, HUGE)))
    return cases


def test_routes_with_ids_are_enumerated(engine: Engine) -> None:
    cases = _cases(create_app(engine=engine))
    paths = {path for _, path, _ in cases}
    assert len(cases) >= 20
    assert f"/api/v1/actions/{HUGE}" in paths and f"/voices/{HUGE}" in paths


@pytest.mark.parametrize("who", ["admin", "gr_lead"])
def test_ids_beyond_the_integer_range_are_404_or_422(engine: Engine, who: str) -> None:
    world = build_world(engine)
    client = TestClient(create_app(engine=engine), raise_server_exceptions=False)
    failures = []
    for method, path, query in _cases(client.app):
        r = client.request(method, path, params=query, headers=world.auth(who), json={})
        if r.status_code >= 500 or r.status_code not in (401, 403, 404, 405, 422):
            failures.append(f"{method} {path} {query} -> {r.status_code}")
    assert failures == []


def test_ids_and_amounts_in_an_action_body_are_checked(engine: Engine) -> None:
    world = build_world(engine)
    client = TestClient(create_app(engine=engine), raise_server_exceptions=False)
    base = {"title": "야간 순찰 강화"}
    for extra in ({"voice_ids": [HUGE]}, {"cluster_id": HUGE}, {"cost": HUGE}):
        r = client.post("/api/v1/actions", json=base | extra, headers=world.auth("gr_cs"))
        assert r.status_code == 422, (extra, r.status_code)
    assert client.get("/api/v1/actions", headers=world.auth("gr_cs")).json() == []
