"""The demo's Open311 services, requests and fresh key; ``minwon open311`` issues, lists and
revokes keys and lists services."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from factories import build_world
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from typer.testing import CliRunner

from minwon import cli
from minwon.app import create_app
from minwon.config import get_settings
from minwon.db import Base, get_engine, make_engine, write_session
from minwon.demo.open311 import load_demo_open311
from minwon.demo.setup import DEMO_ORG
from minwon.org.loader import load_org_file
from minwon.timeutil import utcnow


def test_the_demo_offers_services_requests_and_a_fresh_key(engine: Engine) -> None:
    with write_session(engine) as db:
        load_org_file(db_session=db, path=DEMO_ORG)
    first = load_demo_open311(engine, now=utcnow())
    second = load_demo_open311(engine, now=utcnow())  # a second run: services kept, new key
    assert first != second and first.startswith("o311_")
    client = TestClient(create_app(engine=engine))
    services = client.get("/open311/v2/services.json?jurisdiction_id=GR").json()
    assert {s["service_code"] for s in services} == {"streetlight", "illegal-parking", "noise"}
    definition = client.get("/open311/v2/services/streetlight.json?jurisdiction_id=GR").json()
    assert len({a["datatype"] for a in definition["attributes"]}) == 6
    requests = client.get("/open311/v2/requests.json").json()
    assert len(requests) == 3 and {r["status"] for r in requests} == {"open"}
    post = {"api_key": first, "service_code": "noise", "address_string": "구로동"}
    assert client.post("/open311/v2/requests.json", data=post).status_code == 403  # revoked
    post["api_key"] = second
    assert client.post("/open311/v2/requests.json", data=post).status_code == 200


@pytest.fixture
def cli_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Engine]:
    """The test organisation in a SQLite file the ``minwon`` command is pointed at."""
    url = f"sqlite:///{tmp_path}/cli.db"
    monkeypatch.setenv("MINWON_DATABASE_URL", url)
    get_settings.cache_clear()
    get_engine.cache_clear()
    engine = make_engine(url)
    Base.metadata.create_all(engine)
    build_world(engine)
    yield engine
    engine.dispose()
    get_settings.cache_clear()
    get_engine.cache_clear()


def test_the_command_issues_lists_and_revokes_keys(cli_db: Engine) -> None:
    runner = CliRunner()
    issued = runner.invoke(cli.app, ["open311", "issue-key", "구로 앱", "--office", "GR"])
    assert issued.exit_code == 0, issued.output
    raw = issued.output.strip()
    assert raw.startswith("o311_")
    listed = runner.invoke(cli.app, ["open311", "keys"])
    assert "구로 앱" in listed.output and raw not in listed.output and "live" in listed.output
    assert runner.invoke(cli.app, ["open311", "revoke-key", "1"]).exit_code == 0
    assert "revoked" in runner.invoke(cli.app, ["open311", "keys"]).output
    refused = runner.invoke(cli.app, ["open311", "issue-key", "x", "--office", "XX"])
    assert refused.exit_code == 1 and "XX" in refused.output
    not_admin = runner.invoke(cli.app, ["open311", "keys", "--as", "gr_cs"])
    assert not_admin.exit_code == 1
    assert runner.invoke(cli.app, ["open311", "services"]).exit_code == 0
