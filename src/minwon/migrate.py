"""Schema migrations (Alembic) driven from code, so ``minwon db upgrade`` works anywhere."""

from functools import lru_cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect

from minwon.config import get_settings

SCRIPTS = Path(__file__).parent / "migrations"


class SchemaBehind(RuntimeError):
    """The database has not been brought up to this minwon's schema yet."""

    def __init__(self) -> None:
        super().__init__(
            "데이터베이스 스키마가 이 minwon보다 오래되었습니다. 먼저 `minwon db upgrade`를 "
            "실행하세요.\nThe database schema is older than this minwon: run "
            "`minwon db upgrade` first."
        )


def alembic_config(url: str | None = None) -> Config:
    """An Alembic config pointing at minwon's migrations and the given (or configured) URL."""
    cfg = Config()
    cfg.set_main_option("script_location", str(SCRIPTS))
    cfg.set_main_option("sqlalchemy.url", (url or get_settings().database_url).replace("%", "%%"))
    return cfg


def upgrade(url: str | None = None, revision: str = "head") -> None:
    """Bring the database schema up to ``revision`` (default: the newest)."""
    command.upgrade(alembic_config(url), revision)


def downgrade(url: str | None = None, revision: str = "base") -> None:
    """Take the database schema back to ``revision``."""
    command.downgrade(alembic_config(url), revision)


def current(url: str | None = None) -> None:
    """Print the revision the database is at."""
    command.current(alembic_config(url))


@lru_cache
def revisions() -> tuple[str, ...]:
    """Every schema revision this minwon knows, newest first."""
    scripts = ScriptDirectory.from_config(alembic_config("sqlite://"))
    return tuple(script.revision for script in scripts.walk_revisions())


def is_behind(engine: Engine) -> bool:
    """Whether the database records an older schema revision than this minwon's, i.e. needs
    ``minwon db upgrade`` before this minwon writes to it; an empty database is, and so is one
    taken back to the base revision (``minwon db downgrade``). One without a revision table
    but with the tables (built directly from the models) or at a revision this minwon does not
    know is not."""
    with engine.connect() as conn:
        tables = inspect(conn)
        if not tables.has_table("alembic_version"):
            return not tables.has_table("staff")
        current = MigrationContext.configure(conn).get_current_revision()
    return current is None or current in revisions()[1:]
