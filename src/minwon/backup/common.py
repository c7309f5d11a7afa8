"""What both engines' backups share: errors in two languages, what a backup file is, the schema
revision it carries, and writing a file so that a half-written one never takes its name."""

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Connection, inspect, text

from minwon.errors import MinwonError
from minwon.migrate import revisions

Progress = Callable[[int, int], None]

ENGINE_NAMES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
SQLITE_MAGIC = b"SQLite format 3\x00"
PG_CUSTOM_MAGIC = b"PGDMP"
MINWON_TABLES = frozenset({"alembic_version", "voice", "ledger_counter", "unit"})


class BackupError(MinwonError):
    """A backup or restore that cannot go ahead; the message says why in Korean, then English."""

    def __init__(self, korean: str, english: str) -> None:
        super().__init__(f"{korean}\n{english}")
        self.korean = korean
        self.english = english


@dataclass(frozen=True)
class BackupInfo:
    """A checked backup file: its engine, the schema revision it holds, its size and (when
    read back) how many tables it holds data for."""

    path: Path
    engine: str
    revision: str
    size: int
    tables: int = 0

    @property
    def engine_label(self) -> str:
        """The engine as people write it (SQLite, PostgreSQL)."""
        return ENGINE_NAMES[self.engine]


def no_progress(done: int, total: int) -> None:
    """The progress callback used when the caller shows none."""


def file_engine(path: Path) -> str:
    """Which engine wrote the backup at ``path``, from the file's first bytes."""
    try:
        with path.open("rb") as f:
            head = f.read(len(SQLITE_MAGIC))
    except OSError as exc:
        raise BackupError(
            f"백업 파일을 읽을 수 없습니다: {path} ({exc.strerror})",
            f"Cannot read the backup file {path} ({exc.strerror}).",
        ) from exc
    if head.startswith(SQLITE_MAGIC):
        return "sqlite"
    if head.startswith(PG_CUSTOM_MAGIC):
        return "postgresql"
    raise BackupError(
        f"{path}은(는) minwon 백업 파일이 아닙니다 (SQLite 파일도, pg_dump 사용자 지정 형식도 "
        "아닙니다).",
        f"{path} is not a minwon backup (neither a SQLite file nor a pg_dump custom-format "
        "archive).",
    )


def check_same_engine(backup_engine: str, database_engine: str) -> None:
    """Refuse a backup of one engine for a database of the other."""
    if backup_engine == database_engine:
        return
    theirs, ours = ENGINE_NAMES[backup_engine], ENGINE_NAMES[database_engine]
    raise BackupError(
        f"이 파일은 {theirs} 백업인데 복원할 데이터베이스는 {ours}입니다. 같은 종류의 "
        "데이터베이스에만 복원할 수 있습니다 (MINWON_DATABASE_URL을 확인하세요).",
        f"This file is a {theirs} backup but the database to restore into is {ours}; a backup "
        "restores only into the same engine (check MINWON_DATABASE_URL).",
    )


def check_minwon_tables(tables: set[str], path: Path) -> None:
    """Refuse a file of the right engine that does not hold a minwon database."""
    missing = sorted(MINWON_TABLES - tables)
    if missing:
        raise BackupError(
            f"{path}은(는) minwon 백업이 아닙니다: 표 {', '.join(missing)}이(가) 없습니다.",
            f"{path} is not a minwon backup: it lacks the table(s) {', '.join(missing)}.",
        )


def head_revision() -> str:
    """The schema revision this minwon runs on."""
    return revisions()[0]


def check_backup_revision(revision: str | None, path: Path) -> str:
    """The backup's schema revision, if this minwon can restore it (the same or an older one,
    which is brought up to date after the restore)."""
    if revision is None:
        raise BackupError(
            f"{path}에는 스키마 버전(alembic_version)이 없습니다: minwon 백업이 아닙니다.",
            f"{path} holds no schema revision (alembic_version): it is not a minwon backup.",
        )
    if revision not in revisions():
        raise BackupError(
            f"이 백업의 스키마 버전 {revision}을(를) 이 minwon은 모릅니다 (지금 버전: "
            f"{head_revision()}). 백업을 만든 것과 같거나 더 새 minwon으로 복원하세요.",
            f"This backup's schema revision {revision} is unknown to this minwon (which runs "
            f"{head_revision()}); restore it with the minwon version that made it, or a newer one.",
        )
    return revision


def check_source_revision(revision: str | None) -> str:
    """The live database's schema revision; a database without one is not minwon's."""
    if revision is None or revision not in revisions():
        raise BackupError(
            "이 데이터베이스는 minwon 스키마 버전이 없거나 모르는 버전입니다: 먼저 "
            "`minwon db upgrade`를 실행하세요.",
            "This database carries no known minwon schema revision; run `minwon db upgrade` first.",
        )
    return revision


def read_revision(conn: Connection) -> str | None:
    """The Alembic revision recorded in a database, or None when it has none."""
    if not inspect(conn).has_table("alembic_version"):
        return None
    return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()


@contextmanager
def partial_file(dest: Path) -> Iterator[Path]:
    """A temporary name beside ``dest`` to write to; on success the file is flushed to disk and
    renamed to ``dest`` in one step, on failure it is removed, so ``dest`` is never half-written."""
    tmp = dest.with_name(f".{dest.name}.partial")
    tmp.unlink(missing_ok=True)
    try:
        yield tmp
        _fsync(tmp)
        os.replace(tmp, dest)
        _fsync(dest.parent)
    finally:
        tmp.unlink(missing_ok=True)


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
