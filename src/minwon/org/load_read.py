"""Reading an organisation file: YAML, or an XLSX workbook with one sheet per section turned
into the same YAML-shaped document, remembering the sheet, row and column of each item."""

from dataclasses import dataclass
from datetime import datetime
from io import BytesIO
from typing import Any

import yaml
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from minwon.errors import Invalid
from minwon.org.load_problems import Loc, OrgFileError, Problem

XLSX_SHEETS = ("organization", "closed_days", "offices", "units", "staff", "categories", "routing")


def _read_yaml(data: bytes) -> Any:
    try:
        raw = yaml.safe_load(data.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise Invalid("YAML 파일은 UTF-8로 저장해야 합니다.", field="file") from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"파일 {mark.line + 1}행 {mark.column + 1}열" if mark else "파일"
        problem = getattr(exc, "problem", None) or str(exc)
        raise OrgFileError([Problem(where, f"YAML 문법 오류 — {problem}")]) from exc
    if not isinstance(raw, dict):
        raise OrgFileError([Problem("파일", "맨 위는 organization, offices … 묶음이어야 합니다")])
    return raw


def _cell(value: Any) -> Any:
    """A spreadsheet value as the YAML reader would give it (empty text is no value)."""
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, datetime) and value.time() == datetime.min.time():
        return value.date()
    return value


@dataclass
class _Sheet:
    """One worksheet's rows as {column: value}, with where each row and cell came from."""

    name: str
    rows: list[tuple[int, dict[str, Any]]]
    columns: dict[str, str]

    def place(self, row: int, column: str | None = None) -> str:
        """``units 시트 3행`` or ``units 시트 3행 B열(code)``."""
        text = f"{self.name} 시트 {row}행"
        return f"{text} {self.columns[column]}열({column})" if column else text


def _read_sheet(ws: Any) -> _Sheet:
    rows = list(ws.iter_rows(values_only=True))
    header = [str(c).strip().lower() if c is not None else "" for c in (rows[0] if rows else ())]
    columns = {name: get_column_letter(i + 1) for i, name in enumerate(header) if name}
    out = []
    for number, row in enumerate(rows[1:], start=2):
        values = {h: _cell(v) for h, v in zip(header, row, strict=False) if h}
        if any(v is not None for v in values.values()):
            out.append((number, {k: v for k, v in values.items() if v is not None}))
    return _Sheet(ws.title.strip().lower(), out, columns)


def _read_xlsx(data: bytes) -> tuple[dict[str, Any], dict[Loc, str]]:
    try:
        book = load_workbook(BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # any damage to the zip or XML means "not a workbook"
        raise Invalid(
            "엑셀(.xlsx) 파일을 읽을 수 없습니다. 파일이 손상되었는지 확인하세요."
        ) from exc
    sheets = {ws.title.strip().lower(): _read_sheet(ws) for ws in book.worksheets}
    book.close()
    unknown = sorted(set(sheets) - set(XLSX_SHEETS))
    if unknown:
        names = ", ".join(XLSX_SHEETS)
        raise OrgFileError(
            [Problem(f"{n} 시트", f"알 수 없는 시트입니다({names})") for n in unknown]
        )
    if "organization" not in sheets:
        raise OrgFileError([Problem("파일", "organization 시트가 있어야 합니다")])
    return _Workbook(sheets).document()


class _Workbook:
    """Builds the YAML-shaped document from the sheets, remembering each item's place."""

    def __init__(self, sheets: dict[str, _Sheet]) -> None:
        self.sheets = sheets
        self.doc: dict[str, Any] = {}
        self.places: dict[Loc, str] = {}
        self.problems: list[Problem] = []

    def document(self) -> tuple[dict[str, Any], dict[Loc, str]]:
        """The document and the places of its items; OrgFileError on a malformed sheet."""
        self._organization(self.sheets["organization"])
        if self.problems:
            raise OrgFileError(self.problems)
        for name in ("offices", "units", "staff", "categories", "routing", "closed_days"):
            if name in self.sheets:
                getattr(self, f"_{name}")(self.sheets[name])
        return self.doc, self.places

    def _rows(self, sheet: _Sheet, loc: Loc, skip: tuple[str, ...] = ()) -> list[dict[str, Any]]:
        items = []
        for i, (number, values) in enumerate(sheet.rows):
            self._remember(sheet, number, loc + (i,), values, skip)
            items.append({k: v for k, v in values.items() if k not in skip})
        return items

    def _remember(
        self, sheet: _Sheet, number: int, loc: Loc, values: dict[str, Any], skip: tuple = ()
    ) -> None:
        self.places[loc] = sheet.place(number)
        for column in values:
            if column not in skip:
                self.places[loc + (column,)] = sheet.place(number, column)

    def _organization(self, sheet: _Sheet) -> None:
        org: dict[str, Any] = {"settings": {}}
        self.places[("organization",)] = "organization 시트"
        missing = [c for c in ("key", "value") if c not in sheet.columns]
        if missing:
            self.problems.append(Problem("organization 시트 1행", "key, value 열이 있어야 합니다"))
            return
        for number, values in sheet.rows:
            key = str(values.get("key", "")).strip()
            if not key:
                self.problems.append(Problem(sheet.place(number, "key"), "key가 비어 있습니다"))
                continue
            path = [key] if key in ("code", "name") else ["settings", *key.split(".")]
            self.places[("organization", *path)] = sheet.place(number, "value")
            _put(org, path, values.get("value"))
        self.doc["organization"] = org

    def _closed_days(self, sheet: _Sheet) -> None:
        loc: Loc = ("organization", "settings", "closed_days")
        self.doc["organization"]["settings"]["closed_days"] = self._rows(sheet, loc)

    def _offices(self, sheet: _Sheet) -> None:
        self.doc["offices"] = self._rows(sheet, ("offices",))

    def _units(self, sheet: _Sheet) -> None:
        offices = self.doc.setdefault("offices", [])
        for number, values in sheet.rows:
            code = values.get("office")
            index = next((i for i, o in enumerate(offices) if o.get("code") == code), None)
            if index is None:
                index = len(offices)
                offices.append({"code": code})
                self.places[("offices", index)] = sheet.place(number)
                key = "office" if "office" in sheet.columns else None
                self.places[("offices", index, "code")] = sheet.place(number, key)
                self.places[("offices", index, "name")] = sheet.place(number, key)
            units = offices[index].setdefault("units", [])
            loc: Loc = ("offices", index, "units", len(units))
            self._remember(sheet, number, loc, values, ("office",))
            units.append({k: v for k, v in values.items() if k != "office"})

    def _staff(self, sheet: _Sheet) -> None:
        self.doc["staff"] = self._rows(sheet, ("staff",))

    def _categories(self, sheet: _Sheet) -> None:
        self.doc["categories"] = self._rows(sheet, ("categories",))

    def _routing(self, sheet: _Sheet) -> None:
        self.doc["routing"] = self._rows(sheet, ("routing",))


def _put(target: dict[str, Any], path: list[Any], value: Any) -> None:
    """Set ``value`` at a dotted ``path`` inside nested dicts (a clash keeps the first)."""
    for part in path[:-1]:
        nxt = target.setdefault(part, {})
        if not isinstance(nxt, dict):
            return
        target = nxt
    target.setdefault(path[-1], value)
