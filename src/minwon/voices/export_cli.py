"""``minwon export``: the ledger (민원 처리부) as Excel or CSV, as one staff member sees it
(``voices.exporter`` writes it; this command checks the file, the office and the unit first)."""

from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy.orm import Session

from minwon.cli_output import check_output_file, console, principal_as, refuse, unwritable
from minwon.org.roles import Principal
from minwon.voices.queries import LedgerFilter


def export(
    out: Annotated[Path, typer.Argument(help="file to write (.xlsx or .csv)")],
    office: Annotated[str | None, typer.Option(help="office code")] = None,
    unit: Annotated[str | None, typer.Option(help="unit code")] = None,
    as_login: Annotated[
        str, typer.Option("--as", help="staff login whose view is exported")
    ] = "admin",
) -> None:
    """Export the ledger (민원 처리부) as Excel or CSV."""
    from minwon.db import get_engine, session_factory
    from minwon.voices import exporter

    writers = {".xlsx": exporter.export_ledger_xlsx, ".csv": exporter.export_ledger_csv}
    write = writers.get(out.suffix.lower())
    if write is None:
        refuse(f"내보낼 파일 이름은 .xlsx(엑셀) 또는 .csv로 끝나야 합니다: {out}", code=2)
    check_output_file(out)
    with session_factory(get_engine())() as db:
        principal = principal_as(db, as_login)
        flt = _ledger_filter(db, principal, office=office, unit=unit)
        try:
            rows = write(db_session=db, principal=principal, flt=flt, out=out)
        except OSError as exc:
            unwritable(out, exc)
    console.print(f"{out}에 {rows}건을 썼습니다.")


def _ledger_filter(
    db: Session, principal: Principal, *, office: str | None, unit: str | None
) -> LedgerFilter:
    """The export's filter, the office and unit (code or name) as their codes; one that does
    not exist or lies outside the caller's offices stops the command (exit code 1), as
    ``report`` does, instead of an empty file."""
    from minwon.errors import NotFound
    from minwon.org import service as org_service

    try:
        found = org_service.find_office(db_session=db, ref=office) if office else None
    except NotFound as exc:
        refuse(exc.message)
    if found and not principal.all_offices and found.id != principal.office_id:
        refuse(f"기관을 찾을 수 없습니다: {office}")  # another office's: as one that is none
    try:
        if unit and found:
            unit = org_service.find_unit(db_session=db, ref=unit, office_id=found.id).code
        elif unit:
            unit = org_service.find_unit_for(db_session=db, principal=principal, ref=unit).code
    except NotFound as exc:
        refuse(exc.message)
    return LedgerFilter(office=found.code if found else None, unit=unit)
