"""``minwon report`` (the monthly CS report as PDF or Excel) and ``minwon rollups`` (the
tables the dashboards and reports read): the reports domain's commands."""

from pathlib import Path
from typing import Annotated

import typer

from minwon.cli_output import check_output_file, console, err, principal_as, refuse, unwritable

rollups_app = typer.Typer(
    help="Rollup tables the dashboards and reports read.", rich_markup_mode="markdown"
)


@rollups_app.command("update")
def rollups_update() -> None:
    """Add what happened since the last round to the rollups now (the worker does this too)."""
    from minwon.db import get_engine
    from minwon.reports import rollups

    done = rollups.update(get_engine())
    console.print(
        f"기록 {done.events:,}건, 초대 {done.invitations:,}건, "
        f"응답 {done.responses:,}건을 더했습니다."
    )


@rollups_app.command("rebuild")
def rollups_rebuild() -> None:
    """Refill the month and all-office rollups from the day rows (after a bulk load or a
    repair); the day rows themselves are kept."""
    from minwon.db import get_engine
    from minwon.reports import rollups

    for table, rows in rollups.rebuild_derived(get_engine()).items():
        console.print(f"{table}: {rows:,}행")


def report(
    month: Annotated[str, typer.Option(help="month as YYYY-MM")],
    office: Annotated[str | None, typer.Option(help="office code; all offices without")] = None,
    format_: Annotated[str, typer.Option("--format", help="pdf or xlsx")] = "pdf",
    output: Annotated[Path | None, typer.Option(help="file to write")] = None,
    as_login: Annotated[str, typer.Option("--as", help="staff login the report is for")] = "admin",
) -> None:
    """Write the monthly CS report of an office (or of all offices) as PDF or Excel."""
    from minwon.db import get_engine, session_factory
    from minwon.errors import MinwonError
    from minwon.reports import monthly, rollups
    from minwon.reports.pdf import render_pdf
    from minwon.reports.xlsx import render_xlsx

    if format_ not in ("pdf", "xlsx"):
        err.print("--format은 pdf 또는 xlsx입니다.")
        raise typer.Exit(2)
    try:
        monthly.month_bounds(month)
    except MinwonError as exc:
        refuse(exc.message)
    target = output or Path(f"minwon-cs-report-{office or 'all'}-{month}.{format_}")
    check_output_file(target)
    engine = get_engine()
    with session_factory(engine)() as db:
        principal = principal_as(db, as_login)
    rollups.update(engine)
    with session_factory(engine)() as db:
        try:
            built = monthly.build(db, principal=principal, office=office, month=month)
        except MinwonError as exc:
            refuse(exc.message)
    data = render_pdf(built) if format_ == "pdf" else render_xlsx(built)
    try:
        target.write_bytes(data)
    except OSError as exc:
        unwritable(target, exc)
    console.print(f"{target} ({len(data):,} 바이트)")
