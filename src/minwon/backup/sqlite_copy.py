"""SQLite backups through SQLite's online backup API.

The copy runs in steps (for progress) inside one read transaction held on the source, so it is
one consistent snapshot: in WAL mode the server keeps reading and writing meanwhile, and the
backup never restarts however busy the server is (without the held transaction every commit of
another connection would restart it). The backup file is a plain SQLite database in rollback-
journal mode, one self-contained file that the ``sqlite3`` tool opens as it is.
"""

import sqlite3
from collections.abc import Callable
from contextlib import closing
from pathlib import Path

from sqlalchemy.engine import make_url

from minwon.backup.common import (
    BackupError,
    BackupInfo,
    Progress,
    check_minwon_tables,
    check_source_revision,
    partial_file,
)

STEP_PAGES = 2048


def database_path(url: str) -> Path:
    """The file of a ``sqlite:///`` URL; an in-memory database has none to back up."""
    name = make_url(url).database
    if not name or name == ":memory:" or name.startswith("file:"):
        raise BackupError(
            "메모리 데이터베이스는 백업하거나 복원할 수 없습니다: 파일 경로가 있는 "
            "sqlite:///경로 주소를 쓰세요.",
            "An in-memory database cannot be backed up or restored; use a sqlite:///path URL.",
        )
    return Path(name)


def backup(url: str, dest: Path, progress: Progress) -> BackupInfo:
    """Copy the live database of ``url`` to ``dest`` as one consistent snapshot."""
    source = database_path(url)
    if not source.is_file():
        raise BackupError(
            f"데이터베이스 파일이 없습니다: {source}", f"The database file {source} does not exist."
        )
    with closing(sqlite3.connect(source, timeout=30, isolation_level=None)) as src:
        src.execute("BEGIN")
        revision = check_source_revision(_revision(src))
        with partial_file(dest) as tmp, closing(sqlite3.connect(tmp, isolation_level=None)) as dst:
            src.backup(dst, pages=STEP_PAGES, progress=_pages(progress))
            dst.execute("PRAGMA journal_mode=DELETE")
        src.execute("COMMIT")
    return BackupInfo(path=dest, engine="sqlite", revision=revision, size=dest.stat().st_size)


def inspect(path: Path) -> tuple[str | None, int]:
    """The schema revision and number of tables of a SQLite backup, after SQLite's quick check of
    the whole file (a damaged backup is refused before it can overwrite anything)."""
    try:
        with closing(_open_read_only(path)) as conn:
            check = conn.execute("PRAGMA quick_check").fetchone()[0]
            if check != "ok":
                raise sqlite3.DatabaseError(check)
            tables = {
                r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")
            }
            check_minwon_tables(tables, path)
            return _revision(conn), len(tables)
    except sqlite3.Error as exc:
        raise BackupError(
            f"백업 파일 {path}이(가) 손상되었거나 읽을 수 없습니다: {exc}",
            f"The backup file {path} is damaged or unreadable: {exc}",
        ) from exc


def restore(url: str, path: Path, progress: Progress) -> None:
    """Replace the database of ``url`` with the backup at ``path``, all or nothing: the copy is
    one write transaction on the target, which keeps its WAL mode."""
    target = database_path(url)
    target.parent.mkdir(parents=True, exist_ok=True)
    with (
        closing(_open_read_only(path)) as src,
        closing(sqlite3.connect(target, timeout=30, isolation_level=None)) as dst,
    ):
        dst.execute("PRAGMA busy_timeout=30000")
        src.backup(dst, pages=STEP_PAGES, progress=_pages(progress))
        dst.execute("PRAGMA journal_mode=WAL")


def _open_read_only(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, isolation_level=None)


def _revision(conn: sqlite3.Connection) -> str | None:
    try:
        row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.OperationalError:
        return None
    return row[0] if row else None


def _pages(progress: Progress) -> Callable[[int, int, int], None]:
    def report(_status: int, remaining: int, total: int) -> None:
        progress(total - remaining, total)

    return report
