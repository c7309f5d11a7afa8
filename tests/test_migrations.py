"""Alembic migrations build the same schema as the models, from empty, on both engines."""

import os

import pytest
from alembic import command
from conftest import PG_ADMIN_URL, PG_OK, pg_url
from sqlalchemy import create_engine, inspect, text

from minwon import migrate
from minwon.db import Base


def _check(url: str) -> None:
    migrate.upgrade(url)
    command.check(migrate.alembic_config(url))
    engine = create_engine(url)
    assert set(inspect(engine).get_table_names()) >= set(Base.metadata.tables)
    engine.dispose()
    migrate.downgrade(url)
    engine = create_engine(url)
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    engine.dispose()
    migrate.upgrade(url)


def test_sqlite_from_empty(tmp_path) -> None:
    _check(f"sqlite:///{tmp_path}/m.db")


@pytest.mark.skipif(not PG_OK, reason="PostgreSQL not reachable")
def test_postgresql_from_empty() -> None:
    name = f"minwon_migrations_test_{os.getpid()}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        conn.execute(text(f"CREATE DATABASE {name}"))
    try:
        _check(pg_url(name))
    finally:
        with admin.connect() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        admin.dispose()
