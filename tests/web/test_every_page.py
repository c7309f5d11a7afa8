"""Every page answers, for every role: each demo account logs in and opens every page its menu
links to and every page linked from those (breadth first, a few URLs per pattern), on a demo
database built once per engine: no 5xx, no dead end, no raw error text."""

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import time_machine
import yaml
from conftest import ENGINES, PG_ADMIN_URL, TEST_NOW
from fastapi.testclient import TestClient
from sqlalchemy import Engine, create_engine, text

from minwon.app import create_app
from minwon.config import get_settings
from minwon.db import get_engine
from minwon.demo.setup import DEMO_ORG, load_demo
from web.crawl import crawl
from web.pagetools import login

DEMO_VOICES = 150
DEMO_PASSWORD = "minwon-demo"
ACCOUNTS = [s["login"] for s in yaml.safe_load(DEMO_ORG.read_text(encoding="utf-8"))["staff"]]


def _fresh_pg_database(name: str) -> str:
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        conn.execute(text(f"CREATE DATABASE {name}"))
    admin.dispose()
    return PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name


def _drop_pg_database(name: str) -> None:
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
    admin.dispose()


@pytest.fixture(scope="module", params=ENGINES)
def demo_engine(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Engine]:
    """The demo (a modest number of voices), loaded once per engine on the test clock."""
    pg_name = f"minwon_every_page_{os.getpid()}"
    if request.param == "postgresql":
        url = _fresh_pg_database(pg_name)
    else:
        url = f"sqlite:///{Path(tmp_path_factory.mktemp('demo')) / 'demo.db'}"
    with pytest.MonkeyPatch.context() as mp, time_machine.travel(TEST_NOW, tick=True):
        mp.setenv("MINWON_DATABASE_URL", url)
        get_settings.cache_clear()
        get_engine.cache_clear()
        try:
            load_demo(voices=DEMO_VOICES)
            yield get_engine()
        finally:
            get_engine().dispose()
            get_settings.cache_clear()
            get_engine.cache_clear()
            if request.param == "postgresql":
                _drop_pg_database(pg_name)


@pytest.mark.parametrize("account", ACCOUNTS)
def test_every_page_linked_for_the_account_answers(demo_engine: Engine, account: str) -> None:
    client = TestClient(create_app(engine=demo_engine), raise_server_exceptions=False)
    assert login(client, account, DEMO_PASSWORD).url.path == "/ledger"
    visits = crawl(client.get, ["/"], per_pattern=2)
    bad = [f"{v.url} (from {v.source}): {', '.join(v.problems)}" for v in visits if v.problems]
    assert not bad, f"{account}: {len(bad)} of {len(visits)} pages\n" + "\n".join(bad)
    opened = {v.url.split("?", 1)[0] for v in visits}
    assert {"/ledger", "/dashboard", "/analysis", "/surveys", "/actions"} <= opened
