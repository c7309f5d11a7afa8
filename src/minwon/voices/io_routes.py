"""Ledger downloads: the 민원 처리부 as XLSX for the ledger page, as CSV/XLSX for machines.

Mount this router before ``voices.routes`` (whose ``/api/v1/voices/{voice_id}`` would
otherwise take ``/api/v1/voices/export.csv``).
"""

import tempfile
from collections.abc import Iterator
from datetime import date
from typing import IO, Annotated, BinaryIO, Literal, cast

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import StreamingResponse
from sqlalchemy.orm import Session

from minwon.org.roles import Principal
from minwon.voices import exporter, queries, views
from minwon.web.deps import SessionDep, StaffDep
from minwon.web.files import content_disposition
from minwon.web.text_route import TextRoute

router = APIRouter(route_class=TextRoute)

MEDIA_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}
SPOOL_BYTES = 16 * 1024 * 1024
READ_BYTES = 64 * 1024


def ledger_filter(
    status: str | None = None,
    kind: str | None = None,
    channel: str | None = None,
    category: str | None = None,
    unit: str | None = None,
    office: str | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    overdue: bool = False,
    due_soon: bool = False,
    q: Annotated[str | None, Query(max_length=200)] = None,
    sort: str = "-received",
) -> queries.LedgerFilter:
    """The ledger filter from the same query parameters as the API list (``GET /voices``)."""
    return queries.LedgerFilter(
        status=status or None,
        kind=kind or None,
        channel=channel or None,
        category=category or None,
        unit=unit or None,
        office=office or None,
        date_from=date_from,
        date_to=date_to,
        overdue=overdue,
        due_soon=due_soon,
        q=q or None,
        sort=sort,
    )


FilterDep = Annotated[queries.LedgerFilter, Depends(ledger_filter)]


def _stream(spool: IO[bytes]) -> Iterator[bytes]:
    try:
        while chunk := spool.read(READ_BYTES):
            yield chunk
    finally:
        spool.close()


def _download(
    db: Session, principal: Principal, flt: queries.LedgerFilter, fmt: Literal["xlsx", "csv"]
) -> StreamingResponse:
    """Write the export to a spooled file (memory, then disk), then stream it out."""
    write = exporter.export_ledger_xlsx if fmt == "xlsx" else exporter.export_ledger_csv
    spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)
    try:
        rows = write(db_session=db, principal=principal, flt=flt, out=cast(BinaryIO, spool))
    except BaseException:
        spool.close()
        raise
    spool.seek(0)
    name = exporter.export_filename(fmt)
    fallback = name.replace("민원처리부", "minwon-ledger")
    headers = {
        "Content-Disposition": content_disposition(name, fallback),
        "X-Row-Count": str(rows),
    }
    return StreamingResponse(_stream(spool), media_type=MEDIA_TYPES[fmt], headers=headers)


@router.get("/ledger/export.xlsx", include_in_schema=False)
def ledger_page_export(request: Request, db: SessionDep, principal: StaffDep) -> StreamingResponse:
    """The ledger page's download: the 민원 처리부 as Excel, filtered as the page reads it."""
    flt = views.ledger_query(request.query_params).flt
    flt.office = request.query_params.get("office", "").strip() or None
    return _download(db, principal, flt, "xlsx")


@router.get(
    "/api/v1/voices/export.xlsx",
    tags=["voices"],
    response_class=StreamingResponse,
    summary="민원 처리부 엑셀 내려받기 · Ledger as XLSX",
)
def api_export_xlsx(db: SessionDep, principal: StaffDep, flt: FilterDep) -> StreamingResponse:
    """The filtered ledger as XLSX (personal data masked; none for HQ analysts)."""
    return _download(db, principal, flt, "xlsx")


@router.get(
    "/api/v1/voices/export.csv",
    tags=["voices"],
    response_class=StreamingResponse,
    summary="민원 처리부 CSV 내려받기 · Ledger as CSV",
)
def api_export_csv(db: SessionDep, principal: StaffDep, flt: FilterDep) -> StreamingResponse:
    """The filtered ledger as CSV, UTF-8 with BOM (personal data masked; none for HQ)."""
    return _download(db, principal, flt, "csv")
