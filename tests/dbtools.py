"""Whole databases for tests that need more than the ``engine`` fixture: a second database of
the same engine, schema revisions, row counts of every table, and the ledger's invariants."""

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from alembic import command
from conftest import PG_ADMIN_URL, pg_url
from sqlalchemy import Engine, create_engine, func, select, text

from minwon import migrate
from minwon.config import get_settings
from minwon.db import Base, get_engine
from minwon.voices.models import LedgerCounter, Voice


def url_of(engine: Engine) -> str:
    """The engine's URL as minwon's settings would hold it (password included)."""
    return engine.url.render_as_string(hide_password=False)


def stamp_head(engine: Engine) -> None:
    """Record the newest schema revision in a database built with ``create_all`` (which has
    the same tables, see tests/test_migrations.py), as ``minwon db upgrade`` would have."""
    command.stamp(migrate.alembic_config(url_of(engine)), "head")


@contextmanager
def configured(url: str) -> Iterator[Engine]:
    """``get_engine()`` and the settings point at ``url`` inside the block, as the commands'
    (``minwon worker``, ``minwon rollups``) would on a server configured for it."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("MINWON_DATABASE_URL", url)
        get_settings.cache_clear()
        get_engine.cache_clear()
        try:
            yield get_engine()
        finally:
            get_engine().dispose()
            get_settings.cache_clear()
            get_engine.cache_clear()


def _pg_admin(sql: str) -> None:
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(sql))
    admin.dispose()


@contextmanager
def second_database(kind: str, tmp_path: Path, name: str) -> Iterator[str]:
    """The URL of a new, empty database of engine ``kind``, removed afterwards."""
    if kind == "sqlite":
        yield f"sqlite:///{tmp_path / f'{name}.db'}"
        return
    db = f"minwon_test_{os.getpid()}_{name}"
    _pg_admin(f"DROP DATABASE IF EXISTS {db} WITH (FORCE)")
    _pg_admin(f"CREATE DATABASE {db}")
    try:
        yield pg_url(db)
    finally:
        _pg_admin(f"DROP DATABASE IF EXISTS {db} WITH (FORCE)")


def table_counts(engine: Engine) -> dict[str, int]:
    """Rows in every minwon table, and the schema revision recorded."""
    with engine.connect() as conn:
        counts = {
            t.name: conn.scalar(select(func.count()).select_from(t)) or 0
            for t in Base.metadata.sorted_tables
        }
        counts["alembic_version"] = conn.scalar(text("SELECT count(*) FROM alembic_version")) or 0
    return counts


def ledger_problems(engine: Engine) -> list[str]:
    """What breaks the ledger's rules: per (unit, year) the numbers are exactly 1..n, unique,
    and the counter says n. Empty when the ledger is sound."""
    problems = []
    with engine.connect() as conn:
        seqs: dict[tuple[int, int], list[int]] = {}
        for unit, year, seq in conn.execute(
            select(Voice.unit_id, Voice.ledger_year, Voice.ledger_seq)
        ):
            seqs.setdefault((unit, year), []).append(seq)
        counters = {
            (unit, year): last
            for unit, year, last in conn.execute(
                select(LedgerCounter.unit_id, LedgerCounter.year, LedgerCounter.last)
            )
        }
    for key, numbers in seqs.items():
        if sorted(numbers) != list(range(1, len(numbers) + 1)):
            problems.append(f"unit/year {key}: numbers {sorted(numbers)} are not 1..{len(numbers)}")
        if counters.get(key) != len(numbers):
            problems.append(f"unit/year {key}: counter {counters.get(key)} != {len(numbers)}")
    for key, last in counters.items():
        if key not in seqs and last:
            problems.append(f"unit/year {key}: counter {last} without voices")
    return problems
