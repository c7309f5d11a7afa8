"""PostgreSQL backups through ``pg_dump`` / ``pg_restore`` in the custom format (``-Fc``).

``pg_dump`` reads one consistent snapshot while the server keeps serving. ``pg_restore`` replaces
the archive's objects (``--clean --if-exists``) in one transaction, so a failed restore leaves
the database as it was. The tools are taken from PATH, else from the newest
``/usr/lib/postgresql/*/bin``; the connection comes from minwon's database URL (its password
through ``PGPASSWORD``, never on a command line).
"""

import os
import re
import shutil
import subprocess
import time
from glob import glob
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from minwon.backup.common import (
    BackupError,
    BackupInfo,
    Progress,
    check_minwon_tables,
    check_source_revision,
    partial_file,
    read_revision,
)

PG_BIN_GLOB = "/usr/lib/postgresql/*/bin"
TOC_ENTRY = re.compile(r"^\d+; \d+ \d+ (TABLE DATA|TABLE) (\S+) (\S+) ")
NOISE = ("error", "warning", "fatal", "detail", "hint", "command was")


def find_tool(name: str) -> str:
    """The path of PostgreSQL client program ``name``, or a message saying how to get it."""
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob(f"{PG_BIN_GLOB}/{name}"), key=_major_version, reverse=True)
    if candidates:
        return candidates[0]
    raise BackupError(
        f"{name}을(를) 찾을 수 없습니다 (PATH와 {PG_BIN_GLOB}을 찾아봤습니다). PostgreSQL "
        "클라이언트 도구를 설치하세요 (Debian/Ubuntu: apt-get install postgresql-client).",
        f"{name} was not found on PATH nor in {PG_BIN_GLOB}; install the PostgreSQL client "
        "tools (Debian/Ubuntu: apt-get install postgresql-client).",
    )


def _major_version(path: str) -> int:
    digits = Path(path).parent.parent.name
    return int(digits) if digits.isdigit() else 0


def libpq_target(url: str) -> tuple[str, dict[str, str]]:
    """The libpq connection URI of a SQLAlchemy URL (without its password) and the
    environment that carries the password to the PostgreSQL tools."""
    parsed = make_url(url)
    env = dict(os.environ)
    if parsed.password:
        env["PGPASSWORD"] = str(parsed.password)
    plain = parsed.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def backup(url: str, dest: Path, progress: Progress) -> BackupInfo:
    """Dump the database of ``url`` to ``dest`` in pg_dump's custom format."""
    pg_dump = find_tool("pg_dump")
    revision, tables = _source_facts(url)
    conninfo, env = libpq_target(url)
    with partial_file(dest) as tmp:
        cmd = [pg_dump, "--format=custom", "--verbose", f"--file={tmp}", f"--dbname={conninfo}"]
        _run(cmd, env, marker="dumping contents of table", total=tables, progress=progress)
    return BackupInfo(path=dest, engine="postgresql", revision=revision, size=dest.stat().st_size)


def _source_facts(url: str) -> tuple[str, int]:
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            revision = check_source_revision(read_revision(conn))
            tables = conn.execute(
                text(
                    "SELECT count(*) FROM pg_tables "
                    "WHERE schemaname NOT IN ('pg_catalog', 'information_schema')"
                )
            ).scalar_one()
    finally:
        engine.dispose()
    return revision, int(tables)


def inspect(path: Path) -> tuple[str | None, int]:
    """The schema revision of a custom-format archive and how many tables' data it holds."""
    pg_restore = find_tool("pg_restore")
    listing = _read(pg_restore, ["--list", str(path)], path)
    tables, data = set(), 0
    for line in listing.splitlines():
        match = TOC_ENTRY.match(line)
        if match and match.group(1) == "TABLE":
            tables.add(match.group(3))
        elif match:
            data += 1
    check_minwon_tables(tables, path)
    script = _read(
        pg_restore, ["--data-only", "--table=alembic_version", "--file=-", str(path)], path
    )
    return _copied_revision(script), data


def _copied_revision(script: str) -> str | None:
    lines = script.splitlines()
    for i, line in enumerate(lines):
        if line.startswith("COPY ") and "alembic_version" in line and i + 1 < len(lines):
            value = lines[i + 1].strip()
            return None if value == "\\." else value
    return None


def _read(pg_restore: str, args: list[str], path: Path) -> str:
    done = subprocess.run([pg_restore, *args], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        reason = done.stderr.strip().splitlines()[-1] if done.stderr.strip() else "?"
        raise BackupError(
            f"백업 파일 {path}을(를) 읽을 수 없습니다 (손상되었거나 pg_dump 파일이 "
            f"아닙니다): {reason}",
            f"Cannot read the backup file {path} (damaged, or not a pg_dump archive): {reason}",
        )
    return done.stdout


CLOSING_GRACE = 2.0
"""Seconds a connection that was just closed may still be listed while its server process
ends (our own check of the database's content, a moment before): listed longer, it is in use."""


def other_sessions(url: str, *, grace: float = CLOSING_GRACE) -> list[str]:
    """Who else is connected to the database of ``url`` (application name and address), as
    long as they stay connected: sessions that end within ``grace`` seconds are not counted."""
    deadline = time.monotonic() + grace
    while (found := _sessions(url)) and time.monotonic() < deadline:
        time.sleep(0.05)
    return found


def _sessions(url: str) -> list[str]:
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                text(
                    "SELECT coalesce(nullif(application_name, ''), '?'), "
                    "coalesce(host(client_addr), 'local') FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid() "
                    "AND backend_type = 'client backend'"
                )
            ).all()
    finally:
        engine.dispose()
    return [f"{name}@{addr}" for name, addr in rows]


def restore(url: str, path: Path, progress: Progress, tables: int) -> None:
    """Replace the archive's tables in the database of ``url`` in one transaction, then refresh
    the planner's statistics (pg_restore leaves none)."""
    pg_restore = find_tool("pg_restore")
    conninfo, env = libpq_target(url)
    cmd = [
        pg_restore, "--clean", "--if-exists", "--no-owner", "--no-privileges",
        "--single-transaction", "--exit-on-error", "--verbose", f"--dbname={conninfo}", str(path),
    ]  # fmt: skip
    _run(cmd, env, marker="processing data for table", total=tables, progress=progress)
    engine = create_engine(url, poolclass=NullPool, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(text("ANALYZE"))
    finally:
        engine.dispose()


def _run(
    cmd: list[str], env: dict[str, str], *, marker: str, total: int, progress: Progress
) -> None:
    """Run a PostgreSQL tool, advancing ``progress`` on each verbose line naming ``marker``;
    a failure becomes a BackupError quoting what the tool said."""
    tool = Path(cmd[0]).name
    said: list[str] = []
    done = 0
    progress(0, total)
    with subprocess.Popen(
        cmd, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE, text=True,
    ) as proc:  # fmt: skip
        assert proc.stderr is not None
        for line in proc.stderr:
            if marker in line:
                done += 1
                progress(min(done, total), max(total, done))
            elif any(word in line.lower() for word in NOISE):
                said.append(line.rstrip())
    if proc.returncode != 0:
        reason = " / ".join(said[-4:]) or f"exit {proc.returncode}"
        raise BackupError(f"{tool}이(가) 실패했습니다: {reason}", f"{tool} failed: {reason}")
