"""Shared steps of the quality tests: a client on the test organisation, a template's items,
marks for every item."""

from typing import Any

from factories import World, build_world
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from minwon.app import create_app


def setup(engine: Engine) -> tuple[TestClient, World]:
    """The test organisation and an API client."""
    world = build_world(engine)
    return TestClient(create_app(engine=engine)), world


def template(
    client: TestClient, world: World, channel: str = "visit", login: str = "gr_cs"
) -> dict:
    """The organisation's checklist for a channel."""
    r = client.get("/api/v1/quality/templates", headers=world.auth(login))
    assert r.status_code == 200, r.text
    return next(t for t in r.json() if t["channel"] == channel)


def marks(tpl: dict, missed: set[str] = frozenset(), promise: bool | None = None) -> list[dict]:
    """Every item met except the texts in ``missed``; the promise item only if ``promise``."""
    found: list[dict[str, Any]] = []
    for item in tpl["items"]:
        if item["is_promise"]:
            if promise is not None:
                found.append({"item_id": item["id"], "met": promise, "note": ""})
            continue
        found.append({"item_id": item["id"], "met": item["text"] not in missed, "note": ""})
    return found
