"""Checking the rows of an import file: one row's cells become a voice to create (with its
status and answer), or problems on the file's columns in the report."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import ValidationError

from minwon.org.roles import LEADS, Principal
from minwon.timeutil import utcnow
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
from minwon.voices.import_columns import COLUMNS, _Header
from minwon.voices.import_lookup import OFFICE_HINT, _Office, _Resolver
from minwon.voices.import_read import _is_blank, _NoFormulaResult
from minwon.voices.import_report import ImportIssue, ImportReport
from minwon.voices.import_values import (
    CHANNEL_TABLE,
    KIND_ALIASES,
    STATUS_TABLE,
    _Bad,
    _consent,
    _lookup,
    _phone,
    _shown,
    _table,
    _text,
    parse_when,
)
from minwon.voices.schemas import MAX_BODY, VoiceCreate

EXCEL_ERRORS = frozenset(
    {"#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A", "#GETTING_DATA"}
)
IMPORTABLE_STATUSES = (RECEIVED, IN_PROGRESS, ANSWERED, CLOSED)


@dataclass
class _Row:
    """A checked row, ready to be written."""

    line: int
    voice_in: VoiceCreate
    office_id: int
    received_at: datetime
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
        self._failed: set[str] = set()
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
        self._failed.add(col)

    def failed(self, col: str) -> bool:
        """Whether ``col`` already has a problem in this row."""
        return col in self._failed

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
        if c.issues or voice_in is None or office is None or received is None:
            for issue in c.issues:
                self.report.add(issue)
            return None
        return _Row(line, voice_in, office.id, received, status, status_text, answer, answered_at)

    def _place(self, c: _Cells) -> tuple[_Office | None, str | None]:
        office = c.parse("office", self.resolver.office)
        placed = c.parse("unit", self.resolver.unit, office)
        if placed is not None:
            return placed[1], placed[0]
        office = office or (None if c.failed("office") else self.resolver.home())
        if office is None and not (c.failed("office") or c.failed("unit")):
            c.fail(
                "office",
                "민원을 받을 기관을 알 수 없습니다: 기관(office)·부서(unit) 열을 채우거나 "
                f"{OFFICE_HINT}.",
            )
        elif office is not None and not office.has_units and not c.failed("unit"):
            c.fail("unit", f"기관 '{office.code}'에 민원을 받을 부서가 없습니다.")
        return office, None

    def _fields(self, c: _Cells, office: _Office | None) -> dict[str, Any]:
        kinds = office.kind_table if office else _DEFAULT_KINDS
        labels = list(office.kinds.values()) if office else list(kinds_for({}).values())
        channels = list(CHANNELS.values())
        return {
            "kind": c.parse("kind", _lookup, kinds, "kind", labels, required=True),
            "channel": c.parse(
                "channel", _lookup, CHANNEL_TABLE, "channel", channels, required=True
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
        status = _lookup(value, STATUS_TABLE, "status", allowed)
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
    if col == "citizen_phone":
        return (
            "전화번호 형식이 아닙니다(휴대전화 010-1234-5678, 지역번호 02-123-4567, "
            f"070, 1588-1234 같은 대표번호): {_shown(value)}"
        )
    return str(err["msg"])
