"""What the ``minwon`` commands print through: the consoles (standard output and error), the
progress bars of long commands (demo, backup, restore), and the refusals common to several
commands (a file that cannot be written, a login ``--as`` that is no one's)."""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeRemainingColumn,
)

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from minwon.org.roles import Principal

console = Console()
err = Console(stderr=True)
AS_HINT = "(--as 로 다른 아이디를 지정하세요)"


def progress_bar(label: str) -> Progress:
    """A bar with the label, done of total and the time left, on standard output."""
    return Progress(
        TextColumn(label),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=console,
    )


@contextmanager
def progress_on_first_step(label: str) -> Iterator[Callable[[int, int], None]]:
    """A progress callback whose bar appears at its first call, so that a refusal found before
    any work is shown as a message alone."""
    bar = progress_bar(label)
    tasks: list[TaskID] = []

    def update(done: int, total: int) -> None:
        if not tasks:
            bar.start()
            tasks.append(bar.add_task(label, total=total))
        bar.update(tasks[0], completed=done, total=total)

    try:
        yield update
    finally:
        bar.stop()


def refuse(message: str, code: int = 1) -> NoReturn:
    """Stop the command with ``message`` on standard error and exit code ``code`` (a user's
    mistake: no traceback); the message is printed as it is, never read as markup, and not
    broken inside a path or a value to fit the terminal."""
    err.print(message, markup=False, highlight=False, soft_wrap=True)
    raise typer.Exit(code)


def check_output_file(path: Path) -> None:
    """Stop (exit code 1) before any work when ``path`` cannot be written as a file: it is a
    folder, or its folder does not exist (the words of ``minwon backup``)."""
    if path.is_dir():
        refuse(f"오류: {path}은(는) 폴더입니다: 파일 이름을 주세요.")
    if not path.parent.is_dir():
        refuse(f"오류: 폴더 {path.parent}이(가) 없습니다.")


def unwritable(path: Path, exc: OSError) -> NoReturn:
    """Stop (exit code 1) saying that writing ``path`` failed and why (no permission, a full
    disk …)."""
    refuse(f"오류: {path}에 쓸 수 없습니다: {exc.strerror or exc}")


def principal_as(db: "Session", login: str) -> "Principal":
    """Whom a command acts as (``--as LOGIN``): an unknown login stops it (exit code 1), saying
    so and how to name another, in every command alike."""
    from minwon.errors import NotFound
    from minwon.org import service as org_service

    try:
        staff = org_service.staff_by_login(db_session=db, login=login)
    except NotFound as exc:
        refuse(f"{exc.message} {AS_HINT}")
    return org_service.principal_for(staff)
