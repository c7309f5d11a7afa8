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

import codecs
import csv
import logging
import re
import unicodedata
import warnings
import zipfile
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import Any, NamedTuple, Protocol

from openpyxl import load_workbook
from openpyxl.utils.datetime import from_excel
from openpyxl.utils.exceptions import InvalidFileException
from pydantic import ValidationError
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from minwon.analysis.intake import AnalysisAdvisor
from minwon.db import session_factory, write_session
from minwon.errors import MinwonError, NotFound
from minwon.org import service as org_service
from minwon.org.roles import ADMIN, CS_MANAGER, LEADS, WRITERS, Principal
from minwon.timeutil import KST, to_kst, utcnow
from minwon.voices import history, service
from minwon.voices.catalog import (
    ANSWERED,
    ASSIGNED,
    CHANNELS,
    CLOSED,
    IN_PROGRESS,
    RECEIVED,
    STATUSES,
    TRANSFERRED,
    kinds_for,
)
from minwon.voices.models import Answer, Voice
from minwon.voices.schemas import MAX_BODY, VoiceCreate

log = logging.getLogger("minwon")

# canonical column -> (Korean name, other accepted header names)
COLUMNS: dict[str, tuple[str, tuple[str, ...]]] = {
    "received_at": ("접수일시", ("접수일자", "접수일", "접수시각", "접수날짜")),
    "kind": ("종류", ("민원종류", "유형", "민원유형")),
    "channel": ("경로", ("접수경로", "채널")),
    "title": ("제목", ("민원제목",)),
    "body": ("내용", ("민원내용", "본문")),
    "unit": ("부서", ("처리부서", "담당부서")),
    "category": ("분류", ("민원분류",)),
    "status": ("상태", ("처리상태",)),
    "answer": ("답변", ("답변내용",)),
    "answered_at": ("답변일시", ("답변일자", "답변일")),
    "dong": ("행정동", ("동",)),
    "address": ("주소", ()),
    "office": ("기관", ("본부", "경찰서")),
    "citizen_name": ("성명", ("이름", "민원인", "name")),
    "citizen_phone": ("전화", ("전화번호", "연락처", "phone")),
    "citizen_email": ("이메일", ("전자우편", "email")),
    "consent": ("동의", ("연락동의", "수신동의")),
}
REQUIRED = ("received_at", "kind", "channel", "title", "body")
MAX_LISTED_ERRORS = 1000
EXCEL_ERRORS = frozenset(
    {"#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A", "#GETTING_DATA"}
)
IMPORTABLE_STATUSES = (RECEIVED, IN_PROGRESS, ANSWERED, CLOSED)
STATUS_ALIASES = {
    "처리중": IN_PROGRESS,
    "진행중": IN_PROGRESS,
    "답변": ANSWERED,
    "답변완료": ANSWERED,
    "처리완료": ANSWERED,
    "완료": ANSWERED,
    "종료": CLOSED,
}
CHANNEL_ALIASES = {
    "카드": "card",
    "일일열사": "card",
    "이메일": "email",
    "메일": "email",
    "웹": "web",
    "홈페이지": "web",
    "온라인": "web",
    "면담": "outreach",
}
KIND_ALIASES = {"건의": "request", "요청": "request"}
YES = frozenset({"y", "yes", "예", "네", "동의", "o", "1", "true", "t"})
NO = frozenset({"n", "no", "아니오", "아니요", "미동의", "비동의", "x", "0", "false", "f", ""})
_DATE_TEXT = re.compile(
    r"^(\d{4})\s*[-./년]\s*(\d{1,2})\s*[-./월]\s*(\d{1,2})\s*[.일]?"
    r"(?:\s*(오전|오후|AM|PM)?\s*(\d{1,2})\s*[:시]\s*(\d{1,2})\s*분?"
    r"(?:\s*:\s*(\d{1,2})\s*초?)?\s*(AM|PM)?)?$",
    re.IGNORECASE,
)
_EXCEL_SERIALS = (36526, 73051)  # 2000-01-01 .. 2099-12-31
_PROGRESS_EVERY = 100


class ImportIssue(NamedTuple):
    """One problem: the line as the file shows it (None: the file as a whole), column, message."""

    line: int | None
    column: str
    message: str


@dataclass
class ImportReport:
    """What an import read, created and found wrong; ``format()`` is the text for people."""

    file: str
    file_format: str = ""
    rows_read: int = 0
    voices_created: int = 0
    errors: list[ImportIssue] = field(default_factory=list)
    error_count: int = 0
    bad_lines: set[int] = field(default_factory=set)
    ignored_columns: list[str] = field(default_factory=list)
    units_created: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when the file was imported (no errors at all)."""
        return self.error_count == 0

    def add(self, issue: ImportIssue) -> None:
        """Record an issue; only the first MAX_LISTED_ERRORS are kept, all are counted."""
        self.error_count += 1
        if issue.line is not None:
            self.bad_lines.add(issue.line)
        if len(self.errors) < MAX_LISTED_ERRORS:
            self.errors.append(issue)

    def format(self) -> str:
        """A readable Korean summary, with a table of errors (line, column, message)."""
        head = f"민원 가져오기: {self.file}" + (
            f" ({self.file_format})" if self.file_format else ""
        )
        lines = [head]
        if self.ignored_columns:
            lines.append("무시한 열: " + ", ".join(self.ignored_columns))
        if self.ok:
            lines.append(
                f"민원 {self.voices_created:,}건을 가져왔습니다 (읽은 행 {self.rows_read:,}개)."
            )
            if self.units_created:
                lines.append("새로 만든 부서: " + ", ".join(self.units_created))
            return "\n".join(lines)
        lines.append(
            f"오류 {self.error_count:,}건 (행 {len(self.bad_lines):,}개, "
            f"읽은 행 {self.rows_read:,}개) — 아무것도 저장하지 않았습니다. "
            "고친 뒤 파일 전체를 다시 가져오세요."
        )
        lines += _error_table(self.errors)
        if self.error_count > len(self.errors):
            lines.append(f"… 외 {self.error_count - len(self.errors):,}건")
        return "\n".join(lines)


def _error_table(errors: list[ImportIssue]) -> list[str]:
    rows = [("줄", "열", "오류")] + [
        (str(e.line) if e.line is not None else "—", e.column or "—", e.message) for e in errors
    ]
    w0 = max(_width(r[0]) for r in rows)
    w1 = max(_width(r[1]) for r in rows)
    out = [f"{_pad(a, w0, right=True)} │ {_pad(b, w1)} │ {c}" for a, b, c in rows]
    out.insert(1, "─" * (w0 + 1) + "┼" + "─" * (w1 + 2) + "┼" + "─" * 30)
    return out


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int, right: bool = False) -> str:
    space = " " * (width - _width(text))
    return space + text if right else text + space


# --- reading files -------------------------------------------------------------------------


class _FileProblem(Exception):
    """The file as a whole cannot be read (not one row's fault)."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


@dataclass(frozen=True)
class _NoFormulaResult:
    """An XLSX cell holding a formula whose result was never saved."""

    formula: str


class _Source(Protocol):
    label: str

    def estimate(self) -> int: ...

    def rows(self, checked: bool = False) -> Iterator[tuple[int, list[Any]]]: ...


class _CsvSource:
    """A delimited text file, read as a stream of (line where the record starts, cells)."""

    def __init__(self, path: Path, encoding: str, label: str) -> None:
        self.path, self.encoding, self.label = path, encoding, label
        csv.field_size_limit(max(csv.field_size_limit(), 64 * 1024 * 1024))
        with path.open(encoding=encoding, newline="") as fh:
            first = fh.readline()
        self.delimiter = "\t" if first.count("\t") > first.count(",") else ","

    def estimate(self) -> int:
        with self.path.open("rb") as fh:
            return sum(chunk.count(b"\n") for chunk in iter(lambda: fh.read(1 << 20), b""))

    def rows(self, checked: bool = False) -> Iterator[tuple[int, list[Any]]]:
        with self.path.open(encoding=self.encoding, newline="") as fh:
            reader = csv.reader(fh, delimiter=self.delimiter)
            start = 1
            try:
                for record in reader:
                    yield start, record
                    start = reader.line_num + 1
            except csv.Error as exc:
                raise _FileProblem(f"CSV 형식이 잘못되었습니다: {exc}", reader.line_num) from exc


class _XlsxSource:
    """The first sheet of a workbook, streamed read-only; formulas give their saved results."""

    label = "XLSX"

    def __init__(self, path: Path) -> None:
        self.path = path
        with self._book(data_only=True) as book:
            sheet = book.worksheets[0]
            self._rows = sheet.max_row or self._count_rows(getattr(sheet, "_worksheet_path", ""))

    def _count_rows(self, sheet_xml: str) -> int:
        """Rows in the sheet's XML when the file does not state its size (a quick byte scan)."""
        try:
            with zipfile.ZipFile(self.path) as archive, archive.open(sheet_xml) as xml:
                return sum(chunk.count(b"<row ") for chunk in iter(lambda: xml.read(1 << 20), b""))
        except (KeyError, OSError, zipfile.BadZipFile):
            return 0

    @contextmanager
    def _book(self, data_only: bool) -> Iterator[Any]:
        """The workbook, opened from the file object so the file's extension does not matter."""
        with self.path.open("rb") as fh:
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    book = load_workbook(fh, read_only=True, data_only=data_only)
            except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError) as exc:
                raise _FileProblem(
                    "XLSX 파일을 열 수 없습니다: 손상되었거나 Excel 통합 문서(.xlsx)가 아닙니다."
                ) from exc
            try:
                if not book.worksheets:
                    raise _FileProblem("XLSX 파일에 워크시트가 없습니다.")
                yield book
            finally:
                book.close()

    def estimate(self) -> int:
        return self._rows

    def rows(self, checked: bool = False) -> Iterator[tuple[int, list[Any]]]:
        """Rows of saved values; unless ``checked`` (a pass that already found every formula
        without a result), such cells are marked by reading the formulas alongside."""
        with ExitStack() as stack:
            books = [stack.enter_context(self._book(data_only=True))]
            if not checked:
                books.append(stack.enter_context(self._book(data_only=False)))
            sheets = [book.worksheets[0] for book in books]
            for sheet in sheets:
                sheet.reset_dimensions()  # the stored size may be wrong; read every row
            rows = zip(*(sheet.iter_rows(values_only=True) for sheet in sheets), strict=False)
            try:
                for line, (cells, *formulas) in enumerate(rows, start=1):
                    yield line, _with_formulas(list(cells), formulas[0] if formulas else ())
            except (SyntaxError, ValueError, KeyError, EOFError, zipfile.BadZipFile) as exc:
                raise _FileProblem("XLSX 파일의 내용이 손상되어 끝까지 읽을 수 없습니다.") from exc


def _with_formulas(cells: list[Any], raw: tuple[Any, ...]) -> list[Any]:
    for i, formula in enumerate(raw[: len(cells)]):
        if cells[i] is None and formula is not None:
            text = formula if isinstance(formula, str) else getattr(formula, "text", "")
            if str(text).startswith("=") or type(formula).__name__.endswith("Formula"):
                cells[i] = _NoFormulaResult(str(text))
    return cells


def _open_source(path: Path) -> _Source:
    """Recognise the file by its first bytes: XLSX, delimited text, or something unreadable."""
    if not path.is_file():
        raise _FileProblem(f"파일을 찾을 수 없습니다: {path}")
    with path.open("rb") as fh:
        head = fh.read(8192)
    if not head.lstrip(codecs.BOM_UTF8).strip():
        raise _FileProblem("파일이 비어 있습니다.")
    if head.startswith(b"PK\x03\x04"):
        return _XlsxSource(path)
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise _FileProblem(
            "옛 Excel(.xls) 형식이거나 다른 문서 파일입니다. Excel에서 .xlsx나 CSV로 저장해 주세요."
        )
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return _CsvSource(path, "utf-16", "유니코드 텍스트(UTF-16)")
    if b"\x00" in head:
        raise _FileProblem("CSV나 XLSX 파일이 아닙니다 (이진 파일입니다).")
    encoding = _text_encoding(path)
    return _CsvSource(path, encoding, "CSV, " + ("UTF-8" if encoding == "utf-8-sig" else "CP949"))


def _text_encoding(path: Path) -> str:
    for encoding, name in (("utf-8", "utf-8-sig"), ("cp949", "cp949")):
        decoder = codecs.getincrementaldecoder(encoding)()
        try:
            with path.open("rb") as fh:
                for chunk in iter(lambda fh=fh: fh.read(1 << 20), b""):
                    decoder.decode(chunk)
            decoder.decode(b"", final=True)
            return name
        except UnicodeDecodeError:
            continue
    raise _FileProblem(
        "글자를 읽을 수 없습니다: UTF-8이나 CP949(EUC-KR) 텍스트가 아닙니다. "
        "CSV(UTF-8)나 XLSX로 저장해 주세요."
    )


def _is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _nonempty_rows(source: _Source, checked: bool = False) -> Iterator[tuple[int, list[Any]]]:
    for line, cells in source.rows(checked):
        if not all(_is_blank(c) for c in cells):
            yield line, cells


# --- header ----------------------------------------------------------------------------------


def _header_key(name: Any) -> str:
    text = str(name or "").replace("\ufeff", "").strip().strip('"')
    text = re.sub(r"\(.*\)\s*$", "", text)
    return re.sub(r"[\s_\-*.·]", "", text).lower()


_HEADER_KEYS: dict[str, str] = {
    _header_key(alias): col
    for col, (korean, others) in COLUMNS.items()
    for alias in (col, korean, *others)
}


@dataclass
class _Header:
    """Where each understood column is, and what the file calls it."""

    line: int
    index: dict[str, int]
    names: dict[str, str]
    width: int

    def label(self, col: str) -> str:
        """The column's name as the file writes it, or its Korean name (code) when absent."""
        return self.names.get(col) or f"{COLUMNS[col][0]}({col})"


def _read_header(line: int, cells: list[Any], report: ImportReport) -> _Header | None:
    index: dict[str, int] = {}
    names: dict[str, str] = {}
    for i, cell in enumerate(cells):
        col = _HEADER_KEYS.get(_header_key(cell))
        if col is None:
            if not _is_blank(cell):
                report.ignored_columns.append(str(cell).strip())
        elif col in index:
            report.add(ImportIssue(line, str(cell), f"'{names[col]}' 열과 같은 열이 또 있습니다."))
        else:
            index[col], names[col] = i, str(cell).strip().lstrip("\ufeff")
    missing = [col for col in REQUIRED if col not in index]
    if len(missing) == len(REQUIRED) or (missing and _looks_like_data(cells)):
        expected = ", ".join(f"{COLUMNS[c][0]}({c})" for c in REQUIRED)
        report.add(
            ImportIssue(line, "", f"첫 줄에 머리글(열 이름)이 없습니다. 필요한 열: {expected}")
        )
        return None
    for col in missing:
        report.add(ImportIssue(line, f"{COLUMNS[col][0]}({col})", "필수 열이 없습니다."))
    return _Header(line=line, index=index, names=names, width=len(cells))


def _looks_like_data(cells: list[Any]) -> bool:
    """A row holding a date is a data row, not a header."""
    for cell in cells:
        if isinstance(cell, datetime | date):
            return True
        try:
            _parse_date_text(_text(cell))
            return True
        except _Bad:
            continue
    return False


# --- values ----------------------------------------------------------------------------------


class _Bad(Exception):
    """A cell's value is wrong; the message says how."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime | date | time):
        return value.isoformat(sep=" ") if isinstance(value, datetime) else value.isoformat()
    return str(value).replace("\x00", "").replace("\r\n", "\n").strip()


def _shown(value: Any, limit: int = 40) -> str:
    """A cell value quoted in a message, shortened so one long cell cannot flood the table."""
    text = _text(value)
    return f"'{text[:limit]}…'" if len(text) > limit else f"'{text}'"


def _key(value: str) -> str:
    return re.sub(r"\s", "", re.sub(r"[ㆍ・/,]", "·", value)).lower()


def parse_when(value: Any, now: datetime) -> datetime:
    """A timezone-aware instant from a cell: Excel date, serial number or text (Korean time)."""
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime.combine(value, time())
    elif isinstance(value, int | float) and not isinstance(value, bool):
        if not _EXCEL_SERIALS[0] <= value <= _EXCEL_SERIALS[1]:
            raise _Bad(f"날짜를 읽을 수 없습니다: {value}")
        moment = from_excel(value)
    else:
        moment = _parse_date_text(_text(value))
    moment = moment if moment.tzinfo is not None else moment.replace(tzinfo=KST)
    if moment > now:
        raise _Bad(f"미래의 날짜입니다: {to_kst(moment):%Y-%m-%d %H:%M}")
    if moment.year < 2000:
        raise _Bad("2000년 이전의 날짜는 가져올 수 없습니다.")
    return moment


def _parse_date_text(text: str) -> datetime:
    if not text:
        raise _Bad("비어 있습니다.")
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        pass
    match = _DATE_TEXT.match(text.rstrip("."))
    try:
        if match is None:
            raise ValueError(text)
        year, month, day, ampm, hour, minute, second, ampm2 = match.groups()
        hour_n = int(hour or 0)
        half = (ampm or ampm2 or "").upper()
        if half in ("오후", "PM") and hour_n < 12:
            hour_n += 12
        elif half in ("오전", "AM") and hour_n == 12:
            hour_n = 0
        return datetime(int(year), int(month), int(day), hour_n, int(minute or 0), int(second or 0))
    except ValueError as exc:
        raise _Bad(
            f"날짜를 읽을 수 없습니다: {_shown(text)} (예: 2026-03-02 14:05, 2026.03.02)"
        ) from exc


def _consent(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = _key(_text(value))
    if text in YES:
        return True
    if text in NO:
        return False
    raise _Bad(f"동의 여부를 읽을 수 없습니다: {_shown(value)} (Y/N, 예/아니오, 동의/미동의)")


def _lookup(value: Any, table: dict[str, str], what: str, allowed: list[str]) -> str:
    text = _text(value)
    if not text:
        raise _Bad("비어 있습니다.")
    code = table.get(_key(text))
    if code is None:
        raise _Bad(f"알 수 없는 {what}입니다: {_shown(text)} (쓸 수 있는 값: {', '.join(allowed)})")
    return code


def _table(labels: dict[str, str], aliases: dict[str, str]) -> dict[str, str]:
    table = {_key(alias): code for alias, code in aliases.items() if code in labels}
    for code, label in labels.items():
        table[_key(code)] = table[_key(label)] = code
    return table


CHANNEL_TABLE = _table(CHANNELS, CHANNEL_ALIASES)
STATUS_TABLE = _table(STATUSES, STATUS_ALIASES)


def _phone(value: Any) -> str:
    """Phone text; a number cell lost its leading zero in Excel (1012345678 → 01012345678)."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        digits = _text(value)
        return digits if digits.startswith("0") else "0" + digits
    return _text(value)


# --- looking things up -----------------------------------------------------------------------


@dataclass
class _Office:
    """What checking a row needs to know about an office."""

    id: int
    code: str
    organization_id: int
    kinds: dict[str, str]
    kind_table: dict[str, str]
    has_units: bool


def _unit_code_ok(code: str) -> bool:
    return len(code) <= 32 and code.replace("-", "").replace("_", "").isalnum()


class _Resolver:
    """Offices, units and categories named in a file, looked up once per distinct value."""

    def __init__(self, db: Session, principal: Principal, office: str | None, create: bool) -> None:
        self.db, self.principal, self.create = db, principal, create
        self._offices: dict[int, _Office] = {}
        self._memo: dict[tuple[str, ...], Any] = {}
        self.pending_units: dict[str, int] = {}
        self.default: _Office | None = None
        if office:
            try:
                self.default = self.office(office)
            except _Bad as bad:
                raise _FileProblem(bad.message) from bad

    def _may_write(self, office_id: int) -> bool:
        return self.principal.all_offices or self.principal.office_id == office_id

    def home(self) -> _Office | None:
        """The office of rows that name neither office nor a known unit."""
        if self.default is not None:
            return self.default
        pid = self.principal.office_id
        return self.office_by_id(pid) if pid is not None else None

    def office_by_id(self, office_id: int) -> _Office:
        """An office's facts, loaded once."""
        if office_id not in self._offices:
            office = org_service.get_office(db_session=self.db, office_id=office_id)
            units = org_service.list_units(db_session=self.db, office_id=office_id)
            kinds = kinds_for(office.organization.settings)
            self._offices[office_id] = _Office(
                id=office.id,
                code=office.code,
                organization_id=office.organization_id,
                kinds=kinds,
                kind_table=_table(kinds, KIND_ALIASES),
                has_units=bool(units),
            )
        return self._offices[office_id]

    def _memoised(self, key: tuple[str, ...], find: Callable[[], Any]) -> Any:
        if key not in self._memo:
            try:
                self._memo[key] = find()
            except _Bad as bad:
                self._memo[key] = bad
        found = self._memo[key]
        if isinstance(found, _Bad):
            raise found
        return found

    def office(self, value: Any) -> _Office:
        """An office by code or name that the importer may write to."""
        ref = _text(value)
        return self._memoised(("office", ref), lambda: self._find_office(ref))

    def _find_office(self, ref: str) -> _Office:
        try:
            office = org_service.find_office(db_session=self.db, ref=ref)
        except NotFound as exc:
            raise _Bad(f"기관을 찾을 수 없습니다: {_shown(ref)}") from exc
        if not self._may_write(office.id):
            raise _Bad(f"기관을 찾을 수 없습니다: {_shown(ref)}")
        return self.office_by_id(office.id)

    def unit(self, value: Any, office: _Office | None) -> tuple[str, _Office]:
        """(unit code, its office) for a unit code or name; plans a new unit when allowed."""
        ref = _text(value)
        key = ("unit", ref, str(office.id if office else ""))
        return self._memoised(key, lambda: self._find_unit(ref, office))

    def _find_unit(self, ref: str, office: _Office | None) -> tuple[str, _Office]:
        if ref in self.pending_units:
            planned = self.office_by_id(self.pending_units[ref])
            if office is None or office.id == planned.id:
                return ref, planned
        by_code = self._unit_by_code(ref)
        if by_code is not None and self._may_write(by_code.office_id):
            if office is None or by_code.office_id == office.id:
                return by_code.code, self.office_by_id(by_code.office_id)
            raise _Bad(f"부서 {_shown(ref)}는 기관 '{office.code}' 소속이 아닙니다.")
        home = office or self.home()
        if home is not None:
            try:
                unit = org_service.find_unit(db_session=self.db, ref=ref, office_id=home.id)
                return unit.code, home
            except NotFound:
                pass
        return self._plan_unit(ref, home, taken=by_code is not None)

    def _unit_by_code(self, ref: str) -> Any:
        try:
            unit = org_service.find_unit(db_session=self.db, ref=ref)
        except NotFound:
            return None
        return unit if unit.code == ref else None

    def _plan_unit(self, ref: str, office: _Office | None, taken: bool) -> tuple[str, _Office]:
        if not self.create or taken:
            hint = "" if taken else " (새 부서로 만들려면 --create-units)"
            raise _Bad(f"부서를 찾을 수 없습니다: {_shown(ref)}{hint}")
        if office is None:
            raise _Bad(
                "새 부서를 만들 기관을 알 수 없습니다: 기관(office) 열이나 --office를 쓰세요."
            )
        if self.principal.role not in (ADMIN, CS_MANAGER):
            raise _Bad("새 부서는 관리자나 CS 담당만 만들 수 있습니다.")
        if not _unit_code_ok(ref):
            raise _Bad(f"새 부서 코드로 쓸 수 없습니다: {_shown(ref)} (32자 이내의 글자·숫자·-·_)")
        if self.pending_units.setdefault(ref, office.id) != office.id:
            raise _Bad(f"새 부서 {_shown(ref)}가 여러 기관의 행에 나옵니다. 한 기관만 쓰세요.")
        office.has_units = True
        return ref, office

    def category(self, value: Any, office: _Office) -> str:
        """A category code of the office's organisation, by code or name."""
        ref = _text(value)
        key = ("category", ref, str(office.organization_id))
        return self._memoised(key, lambda: self._find_category(ref, office.organization_id))

    def _find_category(self, ref: str, organization_id: int) -> str:
        try:
            return org_service.find_category(
                db_session=self.db, organization_id=organization_id, ref=ref
            ).code
        except NotFound as exc:
            raise _Bad(f"분류를 찾을 수 없습니다: {_shown(ref)}") from exc


# --- checking rows ---------------------------------------------------------------------------


@dataclass
class _Row:
    """A checked row, ready to be written."""

    line: int
    voice_in: VoiceCreate
    status: str
    status_text: str
    answer: str
    answered_at: datetime | None


class _Cells:
    """One row's cells by column, and the problems found in them."""

    def __init__(self, header: _Header, line: int, cells: list[Any]) -> None:
        self.header, self.line = header, line
        self.raw = {c: cells[i] if i < len(cells) else None for c, i in header.index.items()}
        self.issues: list[ImportIssue] = []
        for col, value in self.raw.items():
            if isinstance(value, _NoFormulaResult):
                self.fail(
                    col,
                    f"수식({value.formula})의 결과가 파일에 없습니다. Excel에서 "
                    "파일을 열어 저장한 뒤 다시 가져오세요.",
                )
            elif isinstance(value, str) and value.strip() in EXCEL_ERRORS:
                self.fail(col, f"수식 오류 값입니다: {value.strip()}")

    def fail(self, col: str, message: str) -> None:
        """Record a problem with ``col`` of this row."""
        self.issues.append(ImportIssue(self.line, self.header.label(col) if col else "", message))

    def failed(self, col: str) -> bool:
        """Whether ``col`` already has a problem in this row."""
        label = self.header.label(col)
        return any(issue.column == label for issue in self.issues)

    def parse(self, col: str, fn: Callable[..., Any], *args: Any, required: bool = False) -> Any:
        """``fn(value, *args)`` for a non-blank cell; None (and a problem) otherwise."""
        value = self.raw.get(col)
        if self.failed(col):
            return None
        if _is_blank(value):
            if required:
                self.fail(col, "비어 있습니다.")
            return None
        try:
            return fn(value, *args)
        except _Bad as bad:
            self.fail(col, bad.message)
            return None


_CONTACT_COLUMNS = {
    "name": "citizen_name",
    "phone": "citizen_phone",
    "email": "citizen_email",
    "consent": "consent",
}
_DEFAULT_KINDS = _table(kinds_for({}), KIND_ALIASES)


class _Checker:
    """Turns the cells of one row into a voice to create, or into problems in the report."""

    def __init__(
        self,
        header: _Header,
        resolver: _Resolver,
        principal: Principal,
        report: ImportReport,
        strict_width: bool,
    ) -> None:
        self.header, self.resolver, self.principal = header, resolver, principal
        self.report, self.strict_width = report, strict_width
        self.now = utcnow()

    def check(self, line: int, cells: list[Any]) -> _Row | None:
        """The row ready to write, or None after adding its problems to the report."""
        c = _Cells(self.header, line, cells)
        if self.strict_width and len(cells) > self.header.width:
            if not all(_is_blank(v) for v in cells[self.header.width :]):
                c.fail(
                    "",
                    f"머리글({self.header.width}칸)보다 칸이 많습니다({len(cells)}칸). "
                    "쉼표가 든 값은 큰따옴표로 감싸야 합니다.",
                )
        office, unit = self._place(c)
        fields = self._fields(c, office)
        fields["unit"], fields["office"] = unit, office.code if office else None
        received = fields["received_at"]
        status, status_text, answer, answered_at = self._outcome(c, received)
        voice_in = self._voice_in(c, fields)
        if c.issues or voice_in is None:
            for issue in c.issues:
                self.report.add(issue)
            return None
        return _Row(line, voice_in, status, status_text, answer, answered_at)

    def _place(self, c: _Cells) -> tuple[_Office | None, str | None]:
        office = c.parse("office", self.resolver.office)
        placed = c.parse("unit", self.resolver.unit, office)
        if placed is not None:
            return placed[1], placed[0]
        office = office or (None if c.failed("office") else self.resolver.home())
        if office is None and not (c.failed("office") or c.failed("unit")):
            c.fail(
                "office",
                "민원을 받을 기관을 알 수 없습니다: 기관(office)·부서(unit) 열이나 "
                "--office를 쓰세요.",
            )
        elif office is not None and not office.has_units and not c.failed("unit"):
            c.fail("unit", f"기관 '{office.code}'에 민원을 받을 부서가 없습니다.")
        return office, None

    def _fields(self, c: _Cells, office: _Office | None) -> dict[str, Any]:
        kinds = office.kind_table if office else _DEFAULT_KINDS
        labels = list(office.kinds.values()) if office else list(kinds_for({}).values())
        channels = list(CHANNELS.values())
        return {
            "kind": c.parse("kind", _lookup, kinds, "민원 종류", labels, required=True),
            "channel": c.parse(
                "channel", _lookup, CHANNEL_TABLE, "접수 경로", channels, required=True
            ),
            "received_at": c.parse("received_at", parse_when, self.now, required=True),
            "category": c.parse("category", self.resolver.category, office) if office else None,
            "title": _text(c.raw.get("title")),
            "body": _text(c.raw.get("body")),
            "dong": _text(c.raw.get("dong")),
            "address": _text(c.raw.get("address")),
            "contact": self._contact(c),
        }

    def _contact(self, c: _Cells) -> dict[str, Any] | None:
        contact = {
            "name": c.parse("citizen_name", _text) or "",
            "phone": c.parse("citizen_phone", _phone) or "",
            "email": c.parse("citizen_email", _text) or "",
            "consent": bool(c.parse("consent", _consent)),
        }
        return contact if contact["name"] or contact["phone"] or contact["email"] else None

    def _status(self, value: Any) -> str:
        allowed = [STATUSES[s] for s in IMPORTABLE_STATUSES]
        status = _lookup(value, STATUS_TABLE, "상태", allowed)
        if status in (ASSIGNED, TRANSFERRED):
            raise _Bad(
                f"'{STATUSES[status]}' 상태는 가져올 수 없습니다 (쓸 수 있는 값: "
                f"{', '.join(allowed)})."
            )
        return status

    def _outcome(
        self, c: _Cells, received: datetime | None
    ) -> tuple[str, str, str, datetime | None]:
        answer = c.parse("answer", _text) or ""
        answered_at = c.parse("answered_at", parse_when, self.now)
        status = c.parse("status", self._status) or (ANSWERED if answer else RECEIVED)
        status_text = _text(c.raw.get("status"))
        if c.failed("status"):
            return status, status_text, answer, answered_at
        if status in (ANSWERED, CLOSED):
            self._answered(c, status, answer, answered_at)
        elif answer or answered_at:
            c.fail(
                "status",
                f"답변이 있는데 상태가 '{STATUSES[status]}'입니다. 상태를 '답변 완료'"
                "나 '종결'로 쓰거나 답변을 비우세요.",
            )
        if answered_at and received and answered_at < received:
            c.fail("answered_at", "답변일시가 접수일시보다 빠릅니다.")
        if len(answer) > MAX_BODY:
            c.fail("answer", f"너무 깁니다: {len(answer):,}자 (최대 {MAX_BODY:,}자)")
        return status, status_text, answer, answered_at

    def _answered(self, c: _Cells, status: str, answer: str, at: datetime | None) -> None:
        label = STATUSES[status]
        if not answer and not c.failed("answer"):
            c.fail("answer", f"상태가 '{label}'이면 답변 내용이 있어야 합니다.")
        if at is None and not c.failed("answered_at"):
            c.fail("answered_at", f"상태가 '{label}'이면 답변일시가 있어야 합니다.")
        if self.principal.role not in LEADS:
            c.fail("status", "답변 완료·종결 상태로 가져오려면 팀장·CS 담당·관리자여야 합니다.")

    def _voice_in(self, c: _Cells, fields: dict[str, Any]) -> VoiceCreate | None:
        data = {k: v for k, v in fields.items() if v is not None}
        data.setdefault("kind", "complaint")
        data.setdefault("channel", "phone")
        try:
            return VoiceCreate.model_validate(data)
        except ValidationError as exc:
            _translate(c, exc)
            return None


def _translate(c: _Cells, exc: ValidationError) -> None:
    """Pydantic's problems as Korean messages on the file's columns, one per column."""
    for err in exc.errors():
        loc = err["loc"]
        col = _CONTACT_COLUMNS.get(str(loc[1])) if loc[0] == "contact" and len(loc) > 1 else None
        col = col or (str(loc[0]) if str(loc[0]) in COLUMNS else "")
        if c.failed(col):
            continue
        c.fail(col, _message(col, err))


def _message(col: str, err: Any) -> str:
    kind, ctx, value = err["type"], err.get("ctx") or {}, err.get("input")
    if col == "citizen_email":
        return f"이메일 주소 형식이 아닙니다: {_shown(value)}"
    if kind == "string_too_long":
        return f"너무 깁니다: {len(value):,}자 (최대 {ctx.get('max_length', 0):,}자)"
    if kind in ("string_too_short", "missing") or "blank" in err["msg"]:
        return "비어 있습니다."
    if kind == "string_pattern_mismatch":
        return f"전화번호에는 숫자와 + - ( ) 만 쓸 수 있습니다: {_shown(value)}"
    return str(err["msg"])


# --- the import ------------------------------------------------------------------------------


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
