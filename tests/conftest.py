"""Test fixtures: every database test runs on a fresh SQLite file and, when reachable, on
PostgreSQL (``MINWON_TEST_PG``; CI must reach one)."""

import dataclasses
import hashlib
import logging
import os
import secrets
import shutil
from collections.abc import Iterator
from datetime import datetime, time
from pathlib import Path
from typing import Any

import pytest
import time_machine
from hypothesis import settings as hypothesis_settings
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.orm import Session

import minwon.models  # noqa: F401  (registers every table)
from minwon.db import Base, make_engine, session_factory
from minwon.timeutil import KST

os.environ["MINWON_SECRET_KEY"] = secrets.token_urlsafe(48)
"""Every app and Settings() of the suite signs cookies with a long random key (never the
shipped default, which ``minwon serve`` refuses)."""

PG_ADMIN_URL = os.environ.get("MINWON_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
PG_DB = f"minwon_test_{os.getpid()}"


def _pg_reachable() -> bool:
    try:
        eng = create_engine(PG_ADMIN_URL, connect_args={"connect_timeout": 3})
        with eng.connect() as conn:
            conn.execute(text("select 1"))
        eng.dispose()
        return True
    except Exception:
        return False


def _test_now() -> datetime:
    """The instant every test starts at: ``MINWON_TEST_NOW`` (a date, or a date and time with an
    offset), by default a fixed Wednesday morning in Seoul. A date alone means 10:30 in Seoul."""
    raw = os.environ.get("MINWON_TEST_NOW", "").strip() or DEFAULT_TEST_NOW
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError as exc:
        raise RuntimeError(f"MINWON_TEST_NOW={raw!r} is not an ISO date or date and time") from exc
    if len(raw) == 10:
        moment = datetime.combine(moment.date(), time(10, 30))
    return moment if moment.tzinfo else moment.replace(tzinfo=KST)


DEFAULT_TEST_NOW = "2026-11-25T10:30:00+09:00"
TEST_NOW = _test_now()


@pytest.fixture(autouse=True)
def clock() -> Iterator[time_machine.Traveller]:
    """Every test runs on a controlled clock that starts at ``TEST_NOW`` and ticks from there,
    never on the machine's date; a test moves it with ``clock.move_to`` or ``clock.shift``."""
    with time_machine.travel(TEST_NOW, tick=True) as traveller:
        yield traveller


def pytest_report_header() -> str:
    """Say which instant the suite's clock starts at, so a failing run can be repeated."""
    profile = os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") else "dev")
    return (
        f"minwon test clock: {TEST_NOW.isoformat()} (MINWON_TEST_NOW); "
        f"property tests: {profile} profile (HYPOTHESIS_PROFILE)"
    )


LONG_MODULES = (
    "test_crash_safety.py",
    "web/test_route_access.py",
    "web/test_browser_every_role.py",
    "demo/test_demo.py",
    "web/test_openapi_fuzz.py",
    "web/test_prefork.py",
)
"""Modules holding single tests of twenty seconds and more (servers started and killed, a
browser walking every role's pages, the demo loaded at size, every route asked by every role)."""


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Run the long modules first (each kept whole and in order, the rest in their usual
    order): under ``pytest -n`` the workers then finish on short tests together, instead of one
    waiting for the other's last long test."""
    tests_dir = Path(__file__).parent

    def is_long(item: pytest.Item) -> bool:
        return item.path.relative_to(tests_dir).as_posix() in LONG_MODULES

    items.sort(key=lambda item: not is_long(item))


hypothesis_settings.register_profile("ci", derandomize=True, database=None, print_blob=True)
hypothesis_settings.register_profile("dev", print_blob=True)
hypothesis_settings.register_profile("thorough", print_blob=True)  # 20× examples: props.py
hypothesis_settings.load_profile(
    os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") == "true" else "dev")
)

PG_OK = _pg_reachable()
if not PG_OK and os.environ.get("CI") == "true":
    raise RuntimeError(f"CI must reach PostgreSQL at {PG_ADMIN_URL}")
ENGINES = ["sqlite", "postgresql"] if PG_OK else ["sqlite"]
if os.environ.get("MINWON_TEST_ENGINES"):  # e.g. "sqlite": a second run on a moved clock
    ENGINES = [e for e in ENGINES if e in os.environ["MINWON_TEST_ENGINES"].split(",")]


def pg_url(name: str = PG_DB) -> str:
    """The URL of database ``name`` on the test PostgreSQL server (by default this process's)."""
    return PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name


def run_folder(basetemp: Path) -> Path:
    """The temporary folder common to every process of this run: under pytest-xdist the
    parent of each worker's own (the controller's), else this process's own."""
    return basetemp.parent if os.environ.get("PYTEST_XDIST_WORKER") else basetemp


def demo_template(run: Path) -> str:
    """The PostgreSQL database the run's first process loads the demo into and the others
    copy (tests/demodb.py); dropped when the run ends."""
    return f"minwon_demo_template_{hashlib.sha256(str(run).encode()).hexdigest()[:12]}"


def pytest_sessionfinish(session: pytest.Session) -> None:
    """At the end of the run (in the controller under pytest-xdist, after every worker):
    drop the run's PostgreSQL demo template, if one was loaded."""
    if os.environ.get("PYTEST_XDIST_WORKER") or not PG_OK:
        return
    run = run_folder(session.config._tmp_path_factory.getbasetemp())  # type: ignore[attr-defined]
    if (run / "minwon-demo" / "demo-postgresql.loaded").exists():
        admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS {demo_template(run)} WITH (FORCE)"))
        admin.dispose()


@pytest.fixture(scope="session")
def pg_engine() -> Iterator[Engine]:
    """One PostgreSQL database for the session, schema created once."""
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {PG_DB} WITH (FORCE)"))
        conn.execute(text(f"CREATE DATABASE {PG_DB}"))
    admin.dispose()
    engine = make_engine(pg_url())
    Base.metadata.create_all(engine)
    yield engine
    engine.dispose()
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {PG_DB} WITH (FORCE)"))
    admin.dispose()


_EMPTY_EVERY_TABLE = ";".join(
    f'DELETE FROM "{t.name}"' for t in reversed(Base.metadata.sorted_tables)
)
"""Children before parents, so no foreign key is ever left dangling."""

_RESTART_USED_SEQUENCES = (
    "SELECT setval(format('%I.%I', schemaname, sequencename)::regclass, start_value, false) "
    "FROM pg_sequences WHERE schemaname = current_schema() AND last_value IS NOT NULL"
)


def _empty_tables(engine: Engine) -> None:
    """Empty every table and restart every used id sequence, as ``TRUNCATE ... RESTART
    IDENTITY`` would. DELETE on the few rows a test leaves takes milliseconds, whereas TRUNCATE
    of eighty tables takes a third of a second and gives every table and index a new file,
    which each checkpoint (and so each DROP DATABASE of the suite) must then sync."""
    with engine.begin() as conn:
        conn.execute(text(_EMPTY_EVERY_TABLE))
        conn.execute(text(_RESTART_USED_SEQUENCES))


@pytest.fixture(params=ENGINES)
def engine(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Engine:
    """A database with every table and no rows, on each engine the suite can reach."""
    if request.param == "postgresql":
        eng = request.getfixturevalue("pg_engine")
        _empty_tables(eng)
        return eng
    path = tmp_path_factory.mktemp("db") / "minwon.db"
    shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
    eng = make_engine(f"sqlite:///{path}")
    request.addfinalizer(eng.dispose)
    return eng


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An empty SQLite database with every table, made once per worker: each test copies the
    file, which is twenty times quicker than creating eighty tables again."""
    path = tmp_path_factory.mktemp("template") / "minwon.db"
    eng = make_engine(f"sqlite:///{path}")
    Base.metadata.create_all(eng)
    eng.dispose()
    return path


@pytest.fixture
def db(engine: Engine) -> Iterator[Session]:
    """A session on the test database; tests commit as the application would."""
    with session_factory(engine)() as session:
        yield session


@pytest.fixture(autouse=True, scope="session")
def _cheap_password_hashing() -> Iterator[None]:
    """Argon2 with test-sized cost: the same code path, a fraction of the time."""
    from argon2 import PasswordHasher

    from minwon.org import security

    original = security._hasher
    security._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    yield
    security._hasher = original


@pytest.fixture(autouse=True, scope="session")
def _routes_prepared_once() -> Iterator[None]:
    """FastAPI prepares an included route (its dependencies, parameter and response models:
    pydantic schemas) for each app anew, on the app's first request that reaches its router;
    with an app per test that took a third of the time of tests/voices and tests/org. Here
    each route is prepared once per process, and that shared by every app that includes it
    the same way.

    What is prepared depends on the route and the inclusion (prefix, dependencies, response
    class ...), which are the same in every app ``create_app`` builds; the app itself enters
    only as the provider of ``dependency_overrides``, which nothing in minwon or its tests
    sets (an app with overrides is prepared on its own)."""
    try:
        from fastapi.routing import _EffectiveRouteContext
    except ImportError:  # another FastAPI: every app prepares its routes, only slower
        yield
        return
    prepare = _EffectiveRouteContext.from_api_route
    prepared: dict[int, list[tuple[Any, Any, _EffectiveRouteContext]]] = {}

    def from_api_route(
        cls: type[_EffectiveRouteContext], *, original_route: Any, include_context: Any
    ) -> _EffectiveRouteContext:
        if getattr(include_context.dependency_overrides_provider, "dependency_overrides", None):
            return prepare(original_route=original_route, include_context=include_context)
        inclusion = dataclasses.replace(include_context, dependency_overrides_provider=None)
        same_route = prepared.setdefault(id(original_route), [])
        for route, seen, context in same_route:
            if route is original_route and seen == inclusion:
                return context
        context = prepare(original_route=original_route, include_context=include_context)
        same_route.append((original_route, inclusion, context))  # keeps the route: ids stay
        return context

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(_EffectiveRouteContext, "from_api_route", classmethod(from_api_route))
        yield


@pytest.fixture(autouse=True)
def _fresh_throttle() -> None:
    """Throttle counters (logins, codes, forms) start at zero in every test."""
    from minwon.web import throttle

    throttle.reset_all()


@pytest.fixture(autouse=True)
def _quiet_minwon_logger() -> Iterator[None]:
    """``minwon serve`` and ``minwon worker`` give the ``minwon`` logger a handler and the INFO
    level (``minwon.logs``); a test that runs them leaves the logger as it found it."""
    logger = logging.getLogger("minwon")
    handlers, level = list(logger.handlers), logger.level
    yield
    logger.handlers[:] = handlers
    logger.setLevel(level)


@pytest.fixture(autouse=True)
def _fresh_office_rules() -> None:
    """Each test's database is new, so cached office rules from an earlier test must go."""
    from minwon.org import rules

    rules.forget()


# Imported last: the demo module takes the helpers above from this one.
from demodb import demo_engine  # noqa: E402, F401
