"""Back up the configured database to a file and restore one, on either engine.

A backup is taken while minwon serves. A restore checks the file first (a minwon backup of the
same engine, of a schema revision this minwon knows), refuses to replace a database that holds
data unless forced, replaces everything at once or nothing, and brings an older schema up to
this minwon's revision afterwards.
"""

from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import create_engine, func, inspect, select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.pool import NullPool

import minwon.models  # noqa: F401  (registers every table)
from minwon import migrate, startup
from minwon.backup import pg_tools, sqlite_copy
from minwon.backup.common import (
    ENGINE_NAMES,
    BackupError,
    BackupInfo,
    Progress,
    check_backup_revision,
    check_same_engine,
    file_engine,
    head_revision,
    no_progress,
)
from minwon.db import Base


@dataclass(frozen=True)
class Content:
    """What a database holds now: rows per minwon table it has."""

    rows: dict[str, int]

    @property
    def empty(self) -> bool:
        """Whether no minwon table holds a row."""
        return not any(self.rows.values())

    def describe(self) -> tuple[str, str]:
        """A short account of the content, in Korean and in English."""
        voices, staff = self.rows.get("voice", 0), self.rows.get("staff", 0)
        total = sum(self.rows.values())
        return (
            f"민원 {voices:,}건, 직원 {staff:,}명, 모두 {total:,}행",
            f"{voices:,} voices, {staff:,} staff, {total:,} rows in all",
        )


@dataclass(frozen=True)
class Restored:
    """What a restore did: the backup it read, what it replaced, and the revision it left."""

    backup: BackupInfo
    replaced: Content
    revision: str
    unreadable: list[str] = field(default_factory=list)
    """Staff using two-factor whose secret this deployment's keys do not open (a backup of a
    deployment with another ``MINWON_SECRET_KEY``)."""

    @property
    def upgraded(self) -> bool:
        """Whether the backup's older schema was brought up to this minwon's revision."""
        return self.revision != self.backup.revision


def engine_of(url: str) -> str:
    """``sqlite`` or ``postgresql`` for a database URL; any other engine is refused."""
    name = make_url(url).get_backend_name()
    if name not in ENGINE_NAMES:
        raise BackupError(
            f"{name} 데이터베이스는 백업할 수 없습니다 (SQLite와 PostgreSQL만 됩니다).",
            f"Cannot back up a {name} database (only SQLite and PostgreSQL).",
        )
    return name


def backup_database(
    *, url: str, dest: Path, force: bool = False, progress: Progress = no_progress
) -> BackupInfo:
    """Write a consistent backup of the database at ``url`` to ``dest`` while it keeps serving;
    an existing ``dest`` is replaced only with ``force``, and only once the new one is whole."""
    engine = engine_of(url)
    _check_destination(dest, force=force)
    if engine == "sqlite":
        if sqlite_copy.database_path(url).resolve() == dest.resolve():
            raise BackupError(
                "백업 파일이 데이터베이스 파일 자신입니다: 다른 파일 이름을 주세요.",
                "The backup file is the database file itself; give another file name.",
            )
        return sqlite_copy.backup(url, dest, progress)
    return pg_tools.backup(url, dest, progress)


def _check_destination(dest: Path, *, force: bool) -> None:
    if dest.is_dir():
        raise BackupError(f"{dest}은(는) 폴더입니다: 파일 이름을 주세요.", f"{dest} is a folder.")
    if not dest.parent.is_dir():
        raise BackupError(
            f"폴더 {dest.parent}이(가) 없습니다.", f"The folder {dest.parent} does not exist."
        )
    if dest.exists() and not force:
        raise BackupError(
            f"{dest}이(가) 이미 있습니다: 다른 이름을 주거나, 바꾸려면 --force를 붙이세요.",
            f"{dest} already exists; give another name, or add --force to replace it.",
        )


def inspect_backup(*, url: str, path: Path) -> BackupInfo:
    """Check that ``path`` is a minwon backup that can be restored into the database of
    ``url``: same engine, readable, a schema revision this minwon knows."""
    engine = engine_of(url)
    check_same_engine(file_engine(path), engine)
    read = sqlite_copy.inspect if engine == "sqlite" else pg_tools.inspect
    revision, tables = read(path)
    revision = check_backup_revision(revision, path)
    size = path.stat().st_size
    return BackupInfo(path=path, engine=engine, revision=revision, size=size, tables=tables)


def database_content(*, url: str) -> Content:
    """Rows per minwon table in the database of ``url`` (none for a SQLite file not there)."""
    if engine_of(url) == "sqlite" and not sqlite_copy.database_path(url).exists():
        return Content(rows={})
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            present = set(inspect(conn).get_table_names())
            tables = [t for t in Base.metadata.sorted_tables if t.name in present]
            rows = {t.name: conn.scalar(select(func.count()).select_from(t)) or 0 for t in tables}
    except SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        raise BackupError(
            f"데이터베이스에 연결할 수 없습니다: {reason}", f"Cannot open the database: {reason}"
        ) from exc
    finally:
        engine.dispose()
    return Content(rows=rows)


def restore_database(
    *, url: str, path: Path, force: bool = False, progress: Progress = no_progress
) -> Restored:
    """Replace the database at ``url`` with the backup at ``path``. A database holding data is
    replaced only with ``force``; a PostgreSQL database others are connected to, never (stop
    the servers and workers first). An older schema is migrated to this minwon's afterwards."""
    info = inspect_backup(url=url, path=path)
    content = database_content(url=url)
    if not content.empty and not force:
        ko, en = content.describe()
        raise BackupError(
            f"복원할 데이터베이스가 비어 있지 않습니다 ({ko}). 복원하면 이 내용이 모두 백업 "
            "시점의 내용으로 바뀝니다. 그래도 하려면 --force를 붙이세요.",
            f"The database to restore into is not empty ({en}). A restore replaces all of it "
            "with the backup's content; add --force to do so.",
        )
    if info.engine == "sqlite":
        sqlite_copy.restore(url, path, progress)
    else:
        _refuse_if_in_use(url)
        pg_tools.restore(url, path, progress, info.tables)
    if info.revision != head_revision():
        migrate.upgrade(url)
    prepared = _prepare(url)
    return Restored(
        backup=info, replaced=content, revision=head_revision(), unreadable=prepared.unreadable
    )


def _prepare(url: str) -> startup.Prepared:
    """Let the worker's cursors read on after a restore and seal the two-factor secrets under
    this deployment's key, as ``minwon serve`` would (``startup.prepare``)."""
    engine = create_engine(url, poolclass=NullPool)
    try:
        return startup.prepare(engine)
    finally:
        engine.dispose()


def _refuse_if_in_use(url: str) -> None:
    others = pg_tools.other_sessions(url)
    if others:
        who = ", ".join(sorted(set(others)))
        raise BackupError(
            f"다른 연결 {len(others)}개가 이 데이터베이스를 쓰고 있습니다 ({who}): minwon serve와 "
            "minwon worker를 멈춘 뒤 다시 복원하세요.",
            f"{len(others)} other connection(s) use this database ({who}); stop minwon serve "
            "and minwon worker, then restore again.",
        )
