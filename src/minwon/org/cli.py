"""``minwon org ...``: load the organisation from a file, and turn a staff member's
two-factor sign-in off when no admin can."""

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

org_app = typer.Typer(
    help="Organisation tree, staff, categories and routing rules.", rich_markup_mode="markdown"
)
console = Console()
err = Console(stderr=True)


@org_app.command("load")
def org_load(file: Annotated[Path, typer.Argument(exists=True, dir_okay=False)]) -> None:
    """Load or update the organisation from a YAML or XLSX file (all or nothing)."""
    from minwon.db import write_session
    from minwon.org.loader import OrgFileError, load_org_file

    try:
        with write_session() as db:
            report = load_org_file(db_session=db, path=file)
    except OrgFileError as exc:
        err.print(f"[red]불러오지 못했습니다 ({len(exc.problems)}건):[/red]")
        for problem in exc.problems:
            err.print(f"  {problem.place}: {problem.message}")
        raise typer.Exit(1) from exc
    for line in report.lines():
        console.print(line)


@org_app.command("totp-reset")
def org_totp_reset(login: str) -> None:
    """Turn a staff member's two-factor sign-in off and sign them out everywhere (recorded), for
    when no admin can do it on /admin/security: the last admin's phone lost, or a secret no key
    opens. A role that requires it sets it up again at the next sign-in."""
    from minwon.db import write_session
    from minwon.errors import MinwonError
    from minwon.org import service as org_service
    from minwon.org import twofactor
    from minwon.timeutil import utcnow

    try:
        with write_session() as db:
            staff = org_service.staff_by_login(db_session=db, login=login)
            twofactor.reset(db_session=db, staff=staff, actor_id=None, now=utcnow())
    except MinwonError as exc:
        err.print(exc.message)
        raise typer.Exit(1) from exc
    console.print(f"{login}의 2단계 인증을 껐습니다. 다음 로그인 때 다시 등록합니다.")
