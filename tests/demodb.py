"""The demo database that the demo's own tests, the page crawl and the browser tests of every
role share: loaded once per engine for the whole run on the test clock, and copied for each test
process (the fixture is registered by tests/conftest.py)."""

import fcntl
import os
import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path

import pytest
import time_machine
from conftest import ENGINES, PG_ADMIN_URL, TEST_NOW, demo_template, pg_url, run_folder
from dbtools import configured
from sqlalchemy import Engine, create_engine, text

from minwon.demo.setup import load_demo

DEMO_VOICES = 150


def _pg_admin(statement: str) -> None:
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(statement))
    admin.dispose()


def _load(url: str) -> None:
    with configured(url), time_machine.travel(TEST_NOW, tick=True):
        load_demo(voices=DEMO_VOICES)


@contextmanager
def _run_lock(shared: Path, kind: str) -> Iterator[bool]:
    """Held by one test process of the run at a time; says whether the demo of ``kind`` is
    already loaded (by this or another process) for copying."""
    shared.mkdir(parents=True, exist_ok=True)
    with (shared / f"demo-{kind}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        done = shared / f"demo-{kind}.loaded"
        try:
            yield done.exists()
            done.touch()
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _copy_sqlite(source: Path, target: Path) -> None:
    with closing(sqlite3.connect(source)) as src, closing(sqlite3.connect(target)) as dst:
        src.backup(dst)


@pytest.fixture(scope="session", params=ENGINES)
def demo_engine(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Engine]:
    """The demo with a modest number of voices, loaded on the test clock once per engine for
    the whole run (the first test process to need it loads it; the others copy it: under
    ``pytest -n`` every process used to load its own, a dozen seconds each); each process
    works on its own copy."""
    shared = run_folder(tmp_path_factory.getbasetemp()) / "minwon-demo"
    if request.param == "postgresql":
        template = demo_template(shared.parent)
        pg_name = f"minwon_demo_pages_{os.getpid()}"
        with _run_lock(shared, "postgresql") as loaded:
            if not loaded:
                _pg_admin(f"DROP DATABASE IF EXISTS {template} WITH (FORCE)")
                _pg_admin(f"CREATE DATABASE {template}")
                _load(pg_url(template))
            _pg_admin(f"DROP DATABASE IF EXISTS {pg_name} WITH (FORCE)")
            _pg_admin(f"CREATE DATABASE {pg_name} TEMPLATE {template}")
        url = pg_url(pg_name)
    else:
        built = shared / "demo.db"
        with _run_lock(shared, "sqlite") as loaded:
            if not loaded:
                _load(f"sqlite:///{built}")
        own = Path(tmp_path_factory.mktemp("demo")) / "demo.db"
        _copy_sqlite(built, own)
        url = f"sqlite:///{own}"
    with configured(url) as engine:
        try:
            yield engine
        finally:
            if request.param == "postgresql":
                engine.dispose()
                _pg_admin(f"DROP DATABASE IF EXISTS {pg_name} WITH (FORCE)")
