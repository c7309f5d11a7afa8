"""Reading an import file: recognising CSV (its encoding and delimiter), XLSX or the older
XLS, and streaming its rows as (line as the file shows it, cells), skipping empty rows."""

import codecs
import csv
import warnings
import zipfile
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any, Protocol

import xlrd
from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException


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
            lines = [line for _, line in zip(range(_DELIMITER_LINES), fh, strict=False)]
        self.delimiter = _delimiter(lines)

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


_DELIMITER_LINES = 20
UTF16_LABEL = "유니코드 텍스트(UTF-16)"  # Excel's name for the format, as its users know it


def _delimiter(lines: list[str]) -> str:
    """Tab or comma: the one that splits the header line (which may sit below a title line)
    into known column names, else the one the first line holds more of."""
    from minwon.voices.import_columns import _known_columns  # noqa: PLC0415 (a cycle)

    for line in lines:
        for delimiter in ("\t", ","):
            if _known_columns(line.rstrip("\r\n").split(delimiter)) >= 2:
                return delimiter
    first = lines[0] if lines else ""
    return "\t" if first.count("\t") > first.count(",") else ","


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


class _XlsSource:
    """The first sheet of an Excel 97–2003 workbook (.xls), as many agencies' systems still
    save their ledgers: date cells as datetimes, whole numbers as integers (a phone number or
    a receipt number is not ``1012345678.0``), error cells as Excel shows them (#N/A)."""

    label = "XLS (Excel 97-2003)"

    def __init__(self, path: Path) -> None:
        try:
            self._book = xlrd.open_workbook(str(path), on_demand=True)
            self._sheet = self._book.sheet_by_index(0)
            self._book.release_resources()  # the first sheet is read: let the file go
        except (xlrd.XLRDError, xlrd.compdoc.CompDocError, IndexError, ValueError, OSError) as exc:
            raise _FileProblem(
                "옛 Excel(.xls) 파일로 읽을 수 없습니다: 한글·Word 같은 다른 문서이거나, 암호가 "
                "걸렸거나 손상된 파일입니다. Excel에서 열어 .xlsx나 CSV로 저장해 주세요."
            ) from exc

    def estimate(self) -> int:
        return int(self._sheet.nrows)

    def rows(self, checked: bool = False) -> Iterator[tuple[int, list[Any]]]:
        """Every row of the first sheet with its cells' values."""
        for index in range(self._sheet.nrows):
            yield index + 1, [self._value(cell) for cell in self._sheet.row(index)]

    def _value(self, cell: Any) -> Any:
        kind, value = cell.ctype, cell.value
        if kind in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK):
            return None
        if kind == xlrd.XL_CELL_DATE:
            try:
                return xlrd.xldate_as_datetime(value, self._book.datemode)
            except (xlrd.xldate.XLDateError, OverflowError, ValueError):
                return value
        if kind == xlrd.XL_CELL_NUMBER:
            return int(value) if float(value).is_integer() else value
        if kind == xlrd.XL_CELL_BOOLEAN:
            return bool(value)
        if kind == xlrd.XL_CELL_ERROR:
            return xlrd.error_text_from_code.get(value, "#ERROR")
        return value


def _with_formulas(cells: list[Any], raw: tuple[Any, ...]) -> list[Any]:
    for i, formula in enumerate(raw[: len(cells)]):
        if cells[i] is None and formula is not None:
            text = formula if isinstance(formula, str) else getattr(formula, "text", "")
            if str(text).startswith("=") or type(formula).__name__.endswith("Formula"):
                cells[i] = _NoFormulaResult(str(text))
    return cells


def _open_source(path: Path) -> _Source:
    """Recognise the file by its first bytes: XLSX, XLS, delimited text, or something unreadable."""
    if not path.is_file():
        raise _FileProblem(f"파일을 찾을 수 없습니다: {path}")
    with path.open("rb") as fh:
        head = fh.read(8192)
    if not head.lstrip(codecs.BOM_UTF8).strip():
        raise _FileProblem("파일이 비어 있습니다.")
    if head.startswith(b"PK\x03\x04"):
        return _XlsxSource(path)
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return _XlsSource(path)
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return _CsvSource(path, "utf-16", UTF16_LABEL)
    if b"\x00" in head:
        raise _FileProblem("CSV나 XLSX 파일이 아닙니다 (이진 파일입니다).")
    if _is_markup(head):
        raise _FileProblem(
            "웹 페이지(HTML)나 XML 형식으로 저장된 엑셀 파일입니다(국민신문고·새올 같은 "
            "시스템의 '엑셀 저장' 파일이 흔히 이 형식입니다). Excel에서 열어 '다른 이름으로 "
            "저장'으로 Excel 통합 문서(.xlsx)나 CSV로 저장한 뒤 가져오세요."
        )
    encoding = _text_encoding(path)
    return _CsvSource(path, encoding, "CSV, " + ("UTF-8" if encoding == "utf-8-sig" else "CP949"))


_MARKUP_STARTS = (b"<!doctype", b"<html", b"<table", b"<?xml", b"<meta", b"<head", b"<body")


def _is_markup(head: bytes) -> bool:
    """An HTML page or an XML spreadsheet (Excel 2003), as systems' "엑셀 저장" makes them."""
    return head.lstrip(codecs.BOM_UTF8).lstrip().lower().startswith(_MARKUP_STARTS)


def _text_encoding(path: Path) -> str:
    for encoding, name in (("utf-8", "utf-8-sig"), ("cp949", "cp949")):
        decoder = codecs.getincrementaldecoder(encoding)()
        try:
            with path.open("rb") as fh:
                for chunk in iter(partial(fh.read, 1 << 20), b""):
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
