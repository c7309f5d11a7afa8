"""Open311 fixtures: the test organisation with its Open311 services and keys."""

import pytest
from factories import build_world
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from minwon.app import create_app
from open311.world import Open311World, add_services, issue_key


@pytest.fixture
def o311(engine: Engine) -> Open311World:
    """The test organisation with Open311 services and keys."""
    world = build_world(engine)
    add_services(engine)
    client = TestClient(create_app(engine=engine), raise_server_exceptions=False)
    return Open311World(client, world, engine, issue_key(engine, ["GR"]), issue_key(engine, ["DJ"]))
