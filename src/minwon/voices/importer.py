"""Import a ledger kept elsewhere (CSV or XLSX) into minwon: every row is checked first, then
every row is written — or, if any row is wrong, nothing is written and the report names each
bad row (its line as the file shows it) and column.

File: CSV (UTF-8 with or without BOM, CP949/EUC-KR as Korean Excel saves it, or Excel's
UTF-16 "유니코드 텍스트"; comma or tab separated), XLSX or the older XLS (the first sheet).
The header is the first row naming at least two known columns, among the first ten non-empty
rows: a title, a period or notes above it are skipped. Fully empty rows are skipped. Header
names may be the English codes or the Korean names below, in any order; case, spaces, ``_``
and a trailing ``(…)`` are ignored. Columns not listed here are ignored and named in the report.

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
- `citizen_name` · 성명 (이름, 민원인), `citizen_phone` · 전화 (전화번호, 연락처; a Korean
  number — mobile, area code, 070, 1588-type — stored as `010-1234-5678`),
  `citizen_email` · 이메일 (전자우편), `consent` · 동의 (연락동의; Y/N, 예/아니오,
  동의/미동의, O/X, 1/0; empty: N).

Other systems' names count too when no name above gives that column (``LOOSE_ALIASES`` in
``import_columns``: 신청일자, 민원구분, 신청경로, 신청내용, 처리과, 처리부서명, 진행상태,
회신내용, 처리일자, 신청인, 휴대전화 …): a file with 답변일자 and 처리일자 takes 답변일자.

Dates: ISO 8601 (`2026-03-02T14:05:00+09:00`), `2026-03-02 14:05`, `2026.03.02`,
`2026-03-02`, `2026. 3. 2. 오후 2:05`, `2026.03.02(월) 14:05`, or Excel date cells; without a
zone they are Korean time, a date alone is 00:00. Kind, channel and status take the code or the
Korean label (kinds include the organisation's own), or what other systems write (접수완료,
검토중, 처리종결; 국민신문고, 정부24, 우편, 내방; 고충민원 — ``import_values``). The office
of a row is its `office` cell, else the office of its unit (by code), else `--office`, else the
importer's own office; unit names are looked up in that office. With `--create-units` an
unknown unit is created in the row's office (admins and CS managers only), named as the file
writes it; its code is that name when it can be a code, else the name's letters and digits
(기획·예산팀 → 기획예산팀), numbered past codes already taken (-2, -3, …).

Rows already in the ledger are left out and named in the report: exports overlap, and a row
with the same office, received time, title and body as a recorded voice is that
voice (``import_known``). Of two overlapping files imported at the same moment, the second to
reserve its numbers is refused as a whole (``import_overlap``). A file an earlier import saved
is refused as a whole. ``again`` imports every row as written.

Each voice gets what intake gives it (ledger number of its unit and year, legal deadline
counted from `received_at`, a `received` history event) and an `imported` event naming the
file, line and original status. Answered/closed rows get their answer as sent at `answered_at`
(closed rows are closed at that time too), without notifying anyone: no mail, no survey
invitation; only unit leads, CS managers and admins may import them. A row without a unit goes
where the office's routing rules send it, else to its front desk; the analysis (masking,
routing suggestion, similar voices, tone) is made afterwards by `minwon worker`.

How a big file stays out of everyone's way: the checking pass stages the good rows in short
batches (``import_stage``); once the whole file passed, one short transaction reserves every
unit's and year's block of ledger numbers, and the staged rows become voices in short batches
(``import_load``) that cannot fail on the data, resumed after a crash. Other writers wait for
one batch at most. XLSX formulas are read by their saved results; a formula without one is an
error (open and save the file in Excel first). The report lists the first 1,000 problems and
counts all of them.
"""

import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from minwon.analysis import backlog
from minwon.db import session_factory
from minwon.errors import MinwonError
from minwon.org.roles import WRITERS, Principal
from minwon.timeutil import utcnow
from minwon.voices import import_jobs, import_load
from minwon.voices.catalog import ANSWERED, CLOSED
from minwon.voices.import_check import _Checker, _Row
from minwon.voices.import_columns import COLUMNS, REQUIRED, _find_header, _read_header
from minwon.voices.import_known import KnownVoices
from minwon.voices.import_lookup import NewUnit, _Resolver
from minwon.voices.import_read import (
    _CsvSource,
    _FileProblem,
    _nonempty_rows,
    _open_source,
    _Source,
)
from minwon.voices.import_report import MAX_LISTED_ERRORS, ImportIssue, ImportReport
from minwon.voices.import_stage import STAGE_BATCH, Stager
from minwon.voices.import_values import _Bad, parse_when

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
_KNOWN_BATCH = 500  # rows looked up in the ledger together
CHECK, LOAD = "check", "load"


@dataclass
class _Ticker:
    """Calls ``progress(done, total)`` every so often; total is 2 × rows (check, then write),
    and ``phase(name)`` when the import moves from checking to loading."""

    progress: Callable[[int, int], None] | None
    phase: Callable[[str], None] | None = None
    total: int = 0

    def tick(self, done: int, force: bool = False) -> None:
        if self.progress is not None and (force or done % _PROGRESS_EVERY == 0):
            self.total = max(self.total, done)
            self.progress(done, self.total)

    def enter(self, name: str) -> None:
        if self.phase is not None:
            self.phase(name)


def import_file(
    *,
    engine: Engine,
    path: Path,
    principal: Principal,
    create_units: bool = False,
    office: str | None = None,
    progress: Callable[[int, int], None] | None = None,
    phase: Callable[[str], None] | None = None,
    import_id: int | None = None,
    again: bool = False,
    check_only: bool = False,
) -> ImportReport:
    """Import a CSV or XLSX ledger file: every row, or none at all.

    Every row is checked (a streaming pass that stages the good rows); only a file without any
    problem reaches the ledger, with the numbers, deadlines and history intake gives. Problems
    never raise: they are in the returned report (``report.ok`` is False, ``report.format()``
    shows them). ``office`` is the office (code or name) of rows that name none;
    ``create_units`` lets unknown unit codes become new units of the row's office. The import
    is recorded (``import_jobs``) under ``import_id``, or a new record. A file whose voices an
    earlier import already saved is refused unless ``again``: importing a ledger twice by
    mistake would put every voice in it twice. ``check_only`` reads and checks everything
    and reports what an import would do — voices to save, rows already in the ledger, units to
    create, answered and open rows — and saves nothing.
    """
    path = Path(path)
    report = ImportReport(file=path.name, check_only=check_only)
    report.import_id = import_id or import_jobs.start(engine, file=path.name, principal=principal)
    ticker = _Ticker(progress, phase)
    try:
        _run(engine, path, principal, create_units, office, report, ticker, again)
    except _FileProblem as problem:
        report.add(ImportIssue(problem.line, "", problem.message))
    except MinwonError as exc:
        report.add(ImportIssue(None, "", exc.message))
    except SQLAlchemyError as exc:
        log.exception("import of %s failed", path)
        report.resumable = report.voices_created < report.rows_read and _reserved(engine, report)
        report.add(ImportIssue(None, "", f"데이터베이스 오류로 가져오기가 멈췄습니다: {exc}"))
    import_jobs.close(engine, import_id=report.import_id, report=report)
    return report


def _run(
    engine: Engine,
    path: Path,
    principal: Principal,
    create_units: bool,
    office: str | None,
    report: ImportReport,
    ticker: _Ticker,
    again: bool = False,
) -> None:
    if principal.role not in WRITERS:
        raise _FileProblem("이 역할로는 민원을 가져올 수 없습니다.")
    source = _open_source(path)
    report.file_format = source.label
    ticker.total = 2 * source.estimate()
    ticker.enter(CHECK)
    with session_factory(engine)() as db:
        stager = Stager(engine, db, report.import_id or 0)
        new_units = _check_all(
            db, source, principal, office, create_units, report, ticker, stager, again
        )
    if new_units is None or not report.ok:
        return
    digest = _digest(path)
    earlier = import_jobs.record_digest(
        engine, import_id=report.import_id or 0, digest=digest, file_format=source.label
    )
    if earlier is not None and not again:
        raise _FileProblem(import_load.already_imported(earlier))
    if report.check_only:
        report.units_created = [new.shown for new in new_units.values()]
        return
    if report.skipped_count:
        import_jobs.keep_report(engine, import_id=stager.import_id, report=report)
    import_load.reserve(
        engine,
        import_id=stager.import_id,
        counts=dict(stager.ordinals),
        new_units=new_units,
        once="" if again else digest,
    )
    report.units_created = [new.shown for new in new_units.values()]
    ticker.enter(LOAD)

    def loaded(n: int) -> None:
        report.voices_created = n
        ticker.tick(report.rows_read + n, force=True)

    report.voices_created = import_load.load(engine, import_id=stager.import_id, progress=loaded)
    ticker.tick(report.rows_read + report.voices_created, force=True)
    with session_factory(engine)() as db:
        waiting = backlog.waiting(db_session=db, import_ids=[stager.import_id])
    report.waiting_analysis = waiting.get(stager.import_id, 0)


class _GoodRows:
    """Good rows on their way to the stager, a batch at a time: those already in the ledger
    (``known``; none when the import is asked ``again``) are left out and reported instead."""

    def __init__(self, stager: Stager, report: ImportReport, known: KnownVoices | None) -> None:
        self.stager, self.report, self.known = stager, report, known
        self.waiting: list[tuple[int, _Row]] = []

    def add(self, line: int, row: _Row) -> None:
        """Take one checked row (staged at the next ``settle``)."""
        self.waiting.append((line, row))
        if len(self.waiting) >= _KNOWN_BATCH:
            self.settle()

    def settle(self) -> None:
        """Stage the waiting rows but those already in the ledger, in the file's order (none
        once a bad row stopped the stager: the file saves nothing, so nothing is looked up)."""
        if self.stager.stopped:
            self.waiting.clear()
            return
        rows = [row for _, row in self.waiting]
        numbers = (
            self.known.numbers(
                [(r.office_id, r.received_at, r.voice_in.title, r.voice_in.body) for r in rows]
            )
            if self.known is not None
            else [None] * len(rows)
        )
        now = utcnow()
        for (line, row), number in zip(self.waiting, numbers, strict=True):
            if number is not None:
                self.report.skip(line, number)
            else:
                due = self.stager.add(row)
                answered = row.status in (ANSWERED, CLOSED)
                self.report.count_outcome(
                    answered, overdue=not answered and due is not None and due <= now
                )
        self.waiting.clear()


def _digest(path: Path) -> str:
    """The file's SHA-256, in hex."""
    with path.open("rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


def _reserved(engine: Engine, report: ImportReport) -> bool:
    """Whether the import got past its point of no return (its numbers are reserved)."""
    try:
        return import_jobs.state_of(engine, import_id=report.import_id or 0) == import_jobs.LOADING
    except SQLAlchemyError:
        return False


def _check_all(
    db: Session,
    source: _Source,
    principal: Principal,
    office: str | None,
    create_units: bool,
    report: ImportReport,
    ticker: _Ticker,
    stager: Stager,
    again: bool = False,
) -> dict[str, NewUnit] | None:
    """Check every row, staging the good ones and leaving out those already in the ledger
    (unless ``again``); the units to create, or None for a bad header."""
    found = _find_header(_nonempty_rows(source))
    if found is None:
        raise _FileProblem("파일이 비어 있습니다.")
    first, rows = found
    header = _read_header(*first, report)
    if header is None or not report.ok:
        return None
    resolver = _Resolver(db, principal, office, create_units)
    checker = _Checker(header, resolver, principal, report, isinstance(source, _CsvSource))
    good = _GoodRows(stager, report, None if again else KnownVoices(db))
    for line, cells in rows:
        report.rows_read += 1
        row = checker.check(line, cells)
        if row is None:
            stager.stop()
        else:
            good.add(line, row)
        if report.rows_read % STAGE_BATCH == 0:
            good.settle()
            stager.flush(report.rows_read, ticker.total // 2)
        ticker.tick(report.rows_read)
    good.settle()
    if report.rows_read == 0:
        report.add(ImportIssue(header.line, "", "머리글만 있고 가져올 행이 없습니다."))
    ticker.total = 2 * report.rows_read
    stager.flush(report.rows_read, report.rows_read)
    ticker.tick(report.rows_read, force=True)
    return resolver.new_units()
