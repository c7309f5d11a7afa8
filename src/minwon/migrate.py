"""Schema migrations (Alembic) driven from code, so ``minwon db upgrade`` works anywhere."""

from pathlib import Path

from alembic import command
from alembic.config import Config

from minwon.config import get_settings

SCRIPTS = Path(__file__).parent / "migrations"


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
