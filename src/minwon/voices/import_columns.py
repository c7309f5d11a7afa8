"""The columns an import file may have: their codes, Korean and other accepted header
names, which are required, and reading the header row into where each column is."""

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from minwon.voices.import_read import _is_blank
from minwon.voices.import_report import ImportIssue, ImportReport
from minwon.voices.import_values import _Bad, _parse_date_text, _text

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
# column -> names other systems' exports use (국민신문고, 새올, an agency's 민원 처리부); each
# counts only when no other column of the file already gives that column (a file with both
# 답변일자 and 처리일자 takes 답변일자 and ignores 처리일자).
LOOSE_ALIASES: dict[str, tuple[str, ...]] = {
    "received_at": (
        "신청일자",
        "신청일시",
        "신청일",
        "등록일",
        "등록일자",
        "등록일시",
        "민원접수일",
    ),
    "kind": ("민원구분", "민원종류명"),
    "channel": ("접수방법", "접수채널", "접수매체", "신청경로", "신청방법"),
    "body": ("신청내용", "질의내용", "민원요지"),
    "unit": ("처리부서명", "담당부서명", "부서명", "처리과", "담당과", "처리팀", "담당팀"),
    "category": ("민원분야", "분야"),
    "status": ("진행상태", "진행상황", "처리현황"),
    "answer": ("회신내용", "처리내용", "답변요지"),
    "answered_at": ("처리일자", "처리일시", "처리일", "처리완료일", "회신일", "회신일자"),
    "office": ("기관명", "관서"),
    "citizen_name": ("민원인성명", "민원인명", "신청인", "신청인명", "신청인성명"),
    "citizen_phone": ("휴대전화", "휴대전화번호", "휴대폰", "휴대폰번호", "핸드폰", "민원인연락처"),
    "citizen_email": ("이메일주소", "전자우편주소"),
    "dong": ("읍면동", "행정동명"),
    "address": ("민원인주소", "신청인주소"),
}
HEADER_SEARCH_ROWS = 10  # exports put a title, a period or notes above the header


def _header_key(name: Any) -> str:
    text = str(name or "").replace("\ufeff", "").strip().strip('"')
    text = re.sub(r"\(.*\)\s*$", "", text)
    return re.sub(r"[\s_\-*.·]", "", text).lower()


_HEADER_KEYS: dict[str, str] = {
    _header_key(alias): col
    for col, (korean, others) in COLUMNS.items()
    for alias in (col, korean, *others)
}
_LOOSE_KEYS: dict[str, str] = {
    _header_key(alias): col for col, aliases in LOOSE_ALIASES.items() for alias in aliases
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


def _column_of(cell: Any) -> str | None:
    key = _header_key(cell)
    return _HEADER_KEYS.get(key) or _LOOSE_KEYS.get(key)


def _known_columns(cells: list[Any]) -> int:
    return len({col for col in map(_column_of, cells) if col is not None})


def _find_header(
    rows: Iterator[tuple[int, list[Any]]],
) -> tuple[tuple[int, list[Any]], Iterator[tuple[int, list[Any]]]] | None:
    """The header row and the rows after it; None for a file without rows.

    Agencies' exports often put a title (2024년 민원처리부), a period or notes above the
    header: the header is the first of the first ``HEADER_SEARCH_ROWS`` non-empty rows naming
    at least two known columns, and the rows above it are skipped. When none does, the first
    row is taken as the header (and its report says what is missing).
    """
    seen: list[tuple[int, list[Any]]] = []
    for line, cells in rows:
        if _known_columns(cells) >= 2:
            return (line, cells), rows
        seen.append((line, cells))
        if len(seen) >= HEADER_SEARCH_ROWS:
            break
    if not seen:
        return None
    return seen[0], iter(seen[1:])


def _read_header(line: int, cells: list[Any], report: ImportReport) -> _Header | None:
    index: dict[str, int] = {}
    names: dict[str, str] = {}
    strict = {col for col in map(_HEADER_KEYS.get, map(_header_key, cells)) if col}
    for i, cell in enumerate(cells):
        key = _header_key(cell)
        col = _HEADER_KEYS.get(key)
        loose = _LOOSE_KEYS.get(key) if col is None else None
        if loose is not None and loose not in strict and loose not in index:
            col = loose
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
