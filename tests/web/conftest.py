"""The demo database that the page crawl and the browser tests of every role share: loaded once
per engine for the whole session, on the test clock."""

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import time_machine
from conftest import ENGINES, PG_ADMIN_URL, TEST_NOW
from sqlalchemy import Engine, create_engine, text

from minwon.config import get_settings
from minwon.db import get_engine
from minwon.demo.setup import load_demo

DEMO_VOICES = 150


def _pg_admin(statement: str) -> None:
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(statement))
    admin.dispose()


@pytest.fixture(scope="session", params=ENGINES)
def demo_engine(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Engine]:
    """The demo with a modest number of voices, loaded once per engine on the test clock."""
    pg_name = f"minwon_demo_pages_{os.getpid()}"
    if request.param == "postgresql":
        _pg_admin(f"DROP DATABASE IF EXISTS {pg_name} WITH (FORCE)")
        _pg_admin(f"CREATE DATABASE {pg_name}")
        url = PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + pg_name
    else:
        url = f"sqlite:///{Path(tmp_path_factory.mktemp('demo')) / 'demo.db'}"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("MINWON_DATABASE_URL", url)
        get_settings.cache_clear()
        get_engine.cache_clear()
        try:
            with time_machine.travel(TEST_NOW, tick=True):
                load_demo(voices=DEMO_VOICES)
            yield get_engine()
        finally:
            get_engine().dispose()
            get_settings.cache_clear()
            get_engine.cache_clear()
            if request.param == "postgresql":
                _pg_admin(f"DROP DATABASE IF EXISTS {pg_name} WITH (FORCE)")
