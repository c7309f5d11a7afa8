"""Import a ledger kept elsewhere (CSV or XLSX) into minwon: every row is checked first, then
every row is written in one transaction — or, if any row is wrong, nothing is written and the
report names each bad row (its line as the file shows it) and column.

File: CSV (UTF-8 with or without BOM, CP949/EUC-KR as Korean Excel saves it, or Excel's
UTF-16 "유니코드 텍스트"; comma or tab separated) or XLSX (the first sheet). The first non-empty
row is the header; fully empty rows are skipped. Header names may be the English codes or the
Korean names below, in any order; case, spaces, ``_`` and a trailing ``(…)`` are ignored.
Columns not listed here are ignored and named in the report.

Columns (`code` · 한국어 머리글 (other accepted names)):

- `received_at` · 접수일시 (접수일자, 접수일) — required; a date, see below; not in the future.
- `kind` · 종류 (민원종류, 유형) — required; code (`complaint`) or label (`불만`).
- `channel` · 경로 (접수경로) — required; code (`phone`) or label (`전화`).
- `title` · 제목 — required; up to 300 characters.
- `body` · 내용 (민원내용, 본문) — required; up to 100,000 characters.
- `unit` · 부서 (처리부서, 담당부서) — unit code or name; empty: the office's routing rules
  (category, 행정동), else its front desk.
- `category` · 분류 — category code or name.
- `status` · 상태 (처리상태) — 접수 `received`, 처리 중 `in_progress`, 답변 완료 `answered`
  or 종결 `closed`; empty: 답변 완료 when an answer is given, else 접수.
- `answer` · 답변 (답변내용) — required for 답변 완료/종결: the answer that was sent.
- `answered_at` · 답변일시 (답변일자) — required for 답변 완료/종결; not before 접수일시.
- `dong` · 행정동 — used by routing rules. `address` · 주소.
- `office` · 기관 (본부, 경찰서) — office code or name.
- `citizen_name` · 성명 (이름, 민원인), `citizen_phone` · 전화 (전화번호, 연락처; digits and
  `+ - ( )`), `citizen_email` · 이메일 (전자우편), `consent` · 동의 (연락동의; Y/N, 예/아니오,
  동의/미동의, O/X, 1/0; empty: N).

Dates: ISO 8601 (`2026-03-02T14:05:00+09:00`), `2026-03-02 14:05`, `2026.03.02`,
`2026-03-02`, `2026. 3. 2. 오후 2:05`, or Excel date cells; without a zone they are Korean time,
a date alone is 00:00. Kind, channel and status take the code or the Korean label (kinds include
the organisation's own). The office of a row is its `office` cell, else the office of its unit
(by code), else `--office`, else the importer's own office; unit names are looked up in that
office. With `--create-units` an unknown unit code creates that unit (code and name = the
value) in the row's office (admins and CS managers only).

Each voice is created like any other intake (ledger number of its unit and year, legal deadline
counted from `received_at`) and gets an `imported` history event naming the file, line and
original status. Answered/closed rows get their answer as sent at `answered_at` (closed rows
are closed at that time too), without notifying anyone; only unit leads, CS managers and admins
may import them. XLSX formulas are read by their saved results; a formula without one is an
error (open and save the file in Excel first). The report lists the first 1,000 problems and
counts all of them.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from minwon.analysis.intake import AnalysisAdvisor
from minwon.db import session_factory, write_session
from minwon.errors import MinwonError
from minwon.org import service as org_service
from minwon.org.roles import WRITERS, Principal
from minwon.timeutil import to_kst
from minwon.voices import history, service
from minwon.voices.catalog import ANSWERED, CLOSED
from minwon.voices.import_check import _Checker, _Row
from minwon.voices.import_columns import COLUMNS, REQUIRED, _Header, _read_header
from minwon.voices.import_lookup import _Resolver
from minwon.voices.import_read import (
    _CsvSource,
    _FileProblem,
    _nonempty_rows,
    _open_source,
    _Source,
)
from minwon.voices.import_report import MAX_LISTED_ERRORS, ImportIssue, ImportReport
from minwon.voices.import_values import _Bad, parse_when
from minwon.voices.models import Answer, Voice

# The names other code imports from here; the helpers live in the import_* modules.
__all__ = [
    "COLUMNS",
    "MAX_LISTED_ERRORS",
    "REQUIRED",
    "ImportIssue",
    "ImportReport",
    "_Bad",
    "import_file",
    "parse_when",
]

log = logging.getLogger("minwon")
_PROGRESS_EVERY = 100


class _Abort(Exception):
    """Stop writing and roll back; the report says why."""


@dataclass
class _Ticker:
    """Calls ``progress(done, total)`` every so often; total is 2 × rows (check, then write)."""

    progress: Callable[[int, int], None] | None
    total: int = 0

    def tick(self, done: int, force: bool = False) -> None:
        if self.progress is not None and (force or done % _PROGRESS_EVERY == 0):
            self.total = max(self.total, done)
            self.progress(done, self.total)


@dataclass
class _Plan:
    """What the checking pass learned for the writing pass."""

    header: _Header
    pending_units: dict[str, int]
    strict_width: bool


def import_file(
    *,
    engine: Engine,
    path: Path,
    principal: Principal,
    create_units: bool = False,
    office: str | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> ImportReport:
    """Import a CSV or XLSX ledger file: all rows in one transaction, or none at all.

    Every row is checked first (a streaming pass); only a file without any problem is written,
    through ``service.create`` so numbers and deadlines are the normal ones. Problems never
    raise: they are in the returned report (``report.ok`` is False, ``report.format()`` shows
    them). ``office`` is the office (code or name) of rows that name none; ``create_units``
    lets unknown unit codes become new units of the row's office.
    """
    path = Path(path)
    report = ImportReport(file=path.name)
    ticker = _Ticker(progress)
    try:
        if principal.role not in WRITERS:
            raise _FileProblem("이 역할로는 민원을 가져올 수 없습니다.")
        source = _open_source(path)
        report.file_format = source.label
        ticker.total = 2 * source.estimate()
        with session_factory(engine)() as db:
            plan = _check_all(db, source, principal, office, create_units, report, ticker)
        if plan is not None and report.ok:
            _write_all(engine, source, plan, principal, office, report, ticker)
    except _FileProblem as problem:
        report.add(ImportIssue(problem.line, "", problem.message))
    except SQLAlchemyError as exc:
        log.exception("import of %s failed", path)
        report.add(ImportIssue(None, "", f"데이터베이스 오류로 가져오지 못했습니다: {exc}"))
    return report


def _check_all(
    db: Session,
    source: _Source,
    principal: Principal,
    office: str | None,
    create_units: bool,
    report: ImportReport,
    ticker: _Ticker,
) -> _Plan | None:
    rows = _nonempty_rows(source)
    first = next(rows, None)
    if first is None:
        raise _FileProblem("파일이 비어 있습니다.")
    header = _read_header(*first, report)
    if header is None or not report.ok:
        return None
    resolver = _Resolver(db, principal, office, create_units)
    strict = isinstance(source, _CsvSource)
    checker = _Checker(header, resolver, principal, report, strict)
    for line, cells in rows:
        report.rows_read += 1
        checker.check(line, cells)
        ticker.tick(report.rows_read)
    if report.rows_read == 0:
        report.add(ImportIssue(header.line, "", "머리글만 있고 가져올 행이 없습니다."))
    ticker.total = 2 * report.rows_read
    ticker.tick(report.rows_read, force=True)
    return _Plan(header, dict(resolver.pending_units), strict)


def _write_all(
    engine: Engine,
    source: _Source,
    plan: _Plan,
    principal: Principal,
    office: str | None,
    report: ImportReport,
    ticker: _Ticker,
) -> None:
    created = 0
    try:
        with write_session(engine) as db:
            units = _create_units(db, plan.pending_units)
            pinned = _pin_organisation(db)  # noqa: F841  (kept alive for the loop)
            resolver = _Resolver(db, principal, office, create=False)
            checker = _Checker(plan.header, resolver, principal, report, plan.strict_width)
            for line, cells in _nonempty_rows(source, checked=True):
                if line <= plan.header.line:
                    continue
                row = checker.check(line, cells)
                if row is None:
                    raise _Abort
                _write_row(db, row, principal, plan.header, report)
                created += 1
                ticker.tick(report.rows_read + created)
    except _Abort:
        return
    report.voices_created, report.units_created = created, units
    ticker.tick(report.rows_read + created, force=True)


def _pin_organisation(db: Session) -> list[Any]:
    """Hold the units, offices and organisations for the whole import.

    The session's identity map keeps only objects someone refers to; holding these makes each
    intake's ``unit.office.organization`` a lookup in memory instead of two SELECTs per row.
    """
    units = org_service.list_units(db_session=db)
    offices = {unit.office for unit in units}
    return [*units, *offices, *{office.organization for office in offices}]


def _create_units(db: Session, pending: dict[str, int]) -> list[str]:
    for code, office_id in pending.items():
        office = org_service.get_office(db_session=db, office_id=office_id)
        org_service.create_unit(db_session=db, office=office, code=code, name=code)
    return list(pending)


def _write_row(
    db: Session, row: _Row, principal: Principal, header: _Header, report: ImportReport
) -> None:
    try:
        with db.no_autoflush:  # the previous row's events go out with this row's insert
            voice, _secret = service.create(
                advisor=AnalysisAdvisor(), db_session=db, voice_in=row.voice_in, principal=principal
            )
    except MinwonError as exc:
        col = exc.field if exc.field in COLUMNS else None
        report.add(ImportIssue(row.line, header.label(col) if col else "", exc.message))
        raise _Abort from exc
    _record_outcome(db, voice, row, principal, report.file)


def _record_outcome(db: Session, voice: Voice, row: _Row, principal: Principal, file: str) -> None:
    """Give the voice its status and answer from the file, with one truthful history event."""
    before = voice.status
    if row.status in (ANSWERED, CLOSED) and row.answered_at is not None:
        at = row.answered_at
        db.add(
            Answer(
                voice_id=voice.id,
                body=row.answer,
                status="sent",
                created_at=at,
                approved_at=at,
                sent_at=at,
            )
        )
        voice.answered_at = at
        voice.closed_at = at if row.status == CLOSED else None
    voice.status = row.status
    after: dict[str, Any] = {"status": row.status, "file": file, "line": row.line}
    if row.status_text:
        after["original_status"] = row.status_text
    if row.answered_at is not None:
        after["answered_at"] = to_kst(row.answered_at).isoformat()
    note = f"{file} {row.line}행에서 가져옴"
    note += f" (원본 상태: {row.status_text})" if row.status_text else ""
    history.record(
        db_session=db,
        voice=voice,
        actor=principal,
        kind="imported",
        before={"status": before},
        after=after,
        note=note,
    )
