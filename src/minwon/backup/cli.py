"""``minwon backup`` and ``minwon restore``: the database to a file while minwon serves, and
back from it (``backup.service`` does the work; these commands say what happens and ask before
replacing a database that holds data)."""

from pathlib import Path
from typing import Annotated

import typer

from minwon.cli_output import console, err, progress_on_first_step
from minwon.config import get_settings


def backup(
    file: Annotated[Path, typer.Argument(dir_okay=False, help="backup file to write")],
    force: Annotated[bool, typer.Option("--force", help="replace FILE if it exists")] = False,
) -> None:
    """Back up the database to FILE while minwon keeps serving (SQLite: online backup API;
    PostgreSQL: pg_dump custom format)."""
    from minwon.backup.service import backup_database

    with progress_on_first_step("백업하는 중") as progress:
        info = backup_database(
            url=get_settings().database_url, dest=file, force=force, progress=progress
        )
    console.print(
        f"백업을 만들었습니다: {info.path} ({info.engine_label}, 스키마 {info.revision}, "
        f"{info.size / 1e6:,.1f} MB)"
    )


def restore(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="backup to restore")],
    force: Annotated[
        bool, typer.Option("--force", help="replace a database that holds data")
    ] = False,
    yes: Annotated[
        bool, typer.Option("--yes", "-y", help="with --force, do not ask on a terminal")
    ] = False,
) -> None:
    """Replace the database with a backup made by `minwon backup` (stop serve and worker
    first). A database that holds data is replaced only with --force."""
    from minwon.backup import service as backups

    url = get_settings().database_url
    info = backups.inspect_backup(url=url, path=file)
    console.print(
        f"백업 {file}: {info.engine_label}, 스키마 {info.revision}, {info.size / 1e6:,.1f} MB"
    )
    content = backups.database_content(url=url)
    if force and not content.empty:
        console.print(
            f"지금 데이터베이스에는 {content.describe()[0]}이 있습니다. 복원하면 모두 지워지고 "
            "백업 시점의 내용으로 바뀝니다.",
            markup=False,
        )
        if not yes and _interactive():
            typer.confirm("덮어쓸까요? (Replace the database?)", abort=True)
    with progress_on_first_step("복원하는 중") as progress:
        done = backups.restore_database(url=url, path=file, force=force, progress=progress)
    console.print(f"복원했습니다: {file} → {_shown_url(url)}")
    if done.upgraded:
        console.print(f"백업의 스키마 {info.revision}을(를) {done.revision}(으)로 올렸습니다.")
    if done.unreadable:
        from minwon.startup import unreadable_message

        err.print(unreadable_message(done.unreadable), markup=False, highlight=False)


def _interactive() -> bool:
    import sys

    return sys.stdin.isatty()


def _shown_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)
