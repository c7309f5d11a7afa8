"""The report of a voice import: each problem (line, column, message), the counts, and its
Korean text with a table of errors for people."""

import unicodedata
from dataclasses import dataclass, field
from typing import NamedTuple

MAX_LISTED_ERRORS = 1000
MAX_LISTED_SKIPS = 1000
SHOWN_SKIPS = 10


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
    skipped: list[tuple[int, str]] = field(default_factory=list)  # (line, the voice's number)
    skipped_count: int = 0
    answered_rows: int = 0  # rows to save that come answered or closed (history routing learns)
    open_rows: int = 0  # rows to save that come received or in progress (with their deadlines)
    overdue_rows: int = 0  # of those, rows already past their legal deadline when checked
    check_only: bool = False
    import_id: int | None = None
    resumable: bool = False
    waiting_analysis: int = 0

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

    def skip(self, line: int, ledger_no: str) -> None:
        """Record a row left out because its voice is already in the ledger (as ``ledger_no``);
        only the first MAX_LISTED_SKIPS are kept, all are counted."""
        self.skipped_count += 1
        if len(self.skipped) < MAX_LISTED_SKIPS:
            self.skipped.append((line, ledger_no))

    def count_outcome(self, answered: bool, *, overdue: bool = False) -> None:
        """Count a row to save as answered (or closed) or as still open, and among the open
        ones those already overdue: a history file without its answers brings them all."""
        self.overdue_rows += int(overdue)
        if answered:
            self.answered_rows += 1
        else:
            self.open_rows += 1

    @property
    def to_save(self) -> int:
        """The voices the file gives: its good rows but those already in the ledger."""
        return self.answered_rows + self.open_rows

    def format(self) -> str:
        """A readable Korean summary, with a table of errors (line, column, message)."""
        head = f"민원 가져오기: {self.file}" + (
            f" ({self.file_format})" if self.file_format else ""
        )
        lines = [head]
        if self.ignored_columns:
            lines.append("무시한 열: " + ", ".join(self.ignored_columns))
        if self.ok and self.check_only:
            return "\n".join(lines + self._checked())
        if self.ok:
            lines.append(
                f"민원 {self.voices_created:,}건을 가져왔습니다 (읽은 행 {self.rows_read:,}개)."
            )
            if self.overdue_rows:
                lines.append(
                    f"처리 기한이 이미 지난 미처리 민원 {self.overdue_rows:,}건이 들어왔습니다: "
                    "민원 대장과 기한 관리, 할 일에 기한 넘김으로 나옵니다."
                )
            if self.skipped_count:
                lines.append(skipped_text(self.skipped_count, self.skipped))
            if self.units_created:
                lines.append("새로 만든 부서: " + ", ".join(self.units_created))
            if self.waiting_analysis:
                lines.append(
                    f"분석(개인정보 가림, 분류 추천, 비슷한 민원, 어조) 대기 "
                    f"{self.waiting_analysis:,}건: minwon worker가 이어서 합니다 "
                    "(진행: minwon imports)."
                )
            return "\n".join(lines)
        if self.resumable:
            lines.append(
                f"저장이 {self.voices_created:,}/{self.rows_read:,}건에서 중단되었습니다. "
                "번호는 이미 예약되어 있으니 minwon worker가 나머지를 이어서 저장합니다."
            )
        else:
            lines.append(
                f"오류 {self.error_count:,}건 (행 {len(self.bad_lines):,}개, "
                f"읽은 행 {self.rows_read:,}개) — 아무것도 저장하지 않았습니다. "
                "고친 뒤 파일 전체를 다시 가져오세요."
            )
        lines += _error_table(self.errors)
        if self.error_count > len(self.errors):
            lines.append(f"… 외 {self.error_count - len(self.errors):,}건")
        return "\n".join(lines)

    def _checked(self) -> list[str]:
        """What a check-only pass found: what the import would do, saving nothing."""
        lines = [
            f"확인만 했습니다 (읽은 행 {self.rows_read:,}개, 오류 없음). 가져오면 민원 "
            f"{self.to_save:,}건을 저장합니다: 답변 완료·종결 {self.answered_rows:,}건, "
            f"접수·처리 중 {self.open_rows:,}건.",
        ]
        if self.overdue_rows:
            lines.append(
                f"접수·처리 중 가운데 {self.overdue_rows:,}건은 처리 기한이 이미 지나, 가져오면 "
                "민원 대장과 기한 관리, 할 일에 기한 넘김으로 나옵니다. "
                "이미 처리한 민원이면 상태·답변·답변일시 열을 채워 가져오세요."
            )
        if self.skipped_count:
            lines.append(skipped_text(self.skipped_count, self.skipped))
        if self.units_created:
            lines.append("새로 만들 부서: " + ", ".join(self.units_created))
        lines.append("아무것도 저장하지 않았습니다. 저장하려면 확인 없이 다시 가져오세요.")
        return lines


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


def skipped_text(count: int, rows: list[tuple[int, str]]) -> str:
    """The rows left out as already in the ledger, the first few with their voices' numbers."""
    shown = ", ".join(f"{line}행({no})" for line, no in rows[:SHOWN_SKIPS])
    more = " …" if count > min(len(rows), SHOWN_SKIPS) else ""
    return f"이미 장부에 있는 민원 {count:,}건은 건너뛰었습니다: {shown}{more}"
