"""Export the ledger (민원 처리부) as XLSX or CSV, streamed so that a million lines fit.

Columns: 접수번호, 접수일시, 민원인, 민원 요지, 처리 부서, 처리기한, 답변일시, 처리 결과,
기한 준수. Personal data is masked: the citizen as ``홍*동 010-****-5678`` (익명 without contact
data, "—" for HQ analysts, who see none), and phone numbers, e-mail addresses and resident
registration numbers inside the summary and the answer. Times are Korean time. 기한 준수 is Y
(answered by the deadline), N (answered late, or open and overdue), 진행 중 (open, not yet due)
or — (no deadline, or transferred: the deadline went with the voice).

XLSX: a title row (기관명 and period), the header row (frozen, with an autofilter), real Excel
datetimes; past Excel's row limit the ledger continues on a further sheet. CSV: the header row
and the lines, UTF-8 with a BOM so that Excel shows Hangul; dates as ``YYYY-MM-DD HH:MM``.
"""

import csv
import io
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from itertools import islice
from pathlib import Path
from typing import Any, BinaryIO, NamedTuple, TextIO

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from sqlalchemy import select
from sqlalchemy.orm import Session

from minwon.errors import NotFound
from minwon.org import service as org_service
from minwon.org.roles import Principal
from minwon.timeutil import KST, utcnow
from minwon.voices import queries
from minwon.voices.catalog import OPEN_STATUSES, STATUSES, TRANSFERRED
from minwon.voices.models import Answer, Voice, VoiceContact

HEADERS: tuple[tuple[str, int], ...] = (
    ("접수번호", 20),
    ("접수일시", 17),
    ("민원인", 22),
    ("민원 요지", 60),
    ("처리 부서", 20),
    ("처리기한", 17),
    ("답변일시", 17),
    ("처리 결과", 50),
    ("기한 준수", 10),
)
DATE_FORMAT = "yyyy-mm-dd hh:mm"
SUMMARY_BODY_CHARS = 80
RESULT_ANSWER_CHARS = 60
CHUNK = 1000
EXCEL_MAX_ROWS = 1_048_576
HIDDEN = "—"
ANONYMOUS = "익명"
_RRN = re.compile(r"(?<!\d)(\d{6})[- ]?[1-4]\d{6}(?!\d)")
_PHONE = re.compile(r"(?<!\d)(0\d{1,2})[-. ]?(\d{3,4})[-. ]?(\d{4})(?!\d)")
_EMAIL = re.compile(
    r"(?<![A-Za-z0-9._%+-])([A-Za-z0-9])[A-Za-z0-9._%+-]*@([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)"
)
_CSV_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


# --- masking ---------------------------------------------------------------------------------


def mask_name(name: str) -> str:
    """A name with its middle hidden: 홍길동 → 홍*동, 김철 → 김*, 남궁민수 → 남**수."""
    name = "".join(name.split())
    if len(name) <= 1:
        return "*" * len(name)
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def mask_phone(phone: str) -> str:
    """A phone number with its middle digits hidden: 010-1234-5678 → 010-****-5678."""
    phone = phone.strip()
    groups = re.split(r"([-. ])", phone)
    if len(groups) >= 5:
        middle = "".join("*" * len(g) if g.isdigit() else g for g in groups[2:-2])
        return groups[0] + groups[1] + middle + "".join(groups[-2:])
    digits = re.sub(r"\D", "", phone)
    if len(digits) < 8:
        return "*" * len(digits)
    return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]


def mask_email(email: str) -> str:
    """An e-mail address with its local part hidden: hong@example.kr → h***@example.kr."""
    local, _, domain = email.strip().partition("@")
    return f"{local[:1]}***@{domain}" if domain else "***"


def mask_text(text: str) -> str:
    """Free text with phone numbers, e-mail addresses and resident numbers masked."""
    text = _RRN.sub(r"\1-*******", text)
    text = _PHONE.sub(lambda m: f"{m[1]}-{'*' * len(m[2])}-{m[3]}", text)
    return _EMAIL.sub(r"\1***@\2", text)


def citizen_label(contact: VoiceContact | None, principal: Principal) -> str:
    """The 민원인 column: masked name and phone, 익명 without any, "—" for HQ analysts."""
    if not principal.sees_personal_data:
        return HIDDEN
    if contact is None:
        return ANONYMOUS
    parts = [mask_name(contact.name) if contact.name else "", mask_phone(contact.phone)]
    shown = " ".join(p for p in parts if p)
    if not shown and contact.email:
        shown = mask_email(contact.email)
    return shown or ANONYMOUS


# --- the lines of the ledger -----------------------------------------------------------------


class LedgerLine(NamedTuple):
    """One line of the 민원 처리부 in display form (times naive, in Korean time)."""

    ledger_no: str
    received_at: datetime
    citizen: str
    summary: str
    unit: str
    due_at: datetime | None
    answered_at: datetime | None
    result: str
    on_time: str


def _kst_naive(value: datetime) -> datetime:
    """Excel has no time zones: the Korean wall-clock time, without its zone."""
    return value.astimezone(KST).replace(tzinfo=None)


def _kst_or_none(value: datetime | None) -> datetime | None:
    return _kst_naive(value) if value is not None else None


def _excerpt(text: str, limit: int) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[:limit].rstrip() + "…"


def on_time(voice: Voice, now: datetime) -> str:
    """Y / N / 진행 중 / — for the 기한 준수 column (see the module docstring)."""
    if voice.due_at is None or voice.status == TRANSFERRED:
        return HIDDEN
    if voice.status in OPEN_STATUSES:
        return "N" if now > voice.due_at else "진행 중"
    done = voice.answered_at or voice.closed_at
    return "Y" if done is None or done <= voice.due_at else "N"


def _result(voice: Voice, answer: str | None, names: queries.Names) -> str:
    label = STATUSES.get(voice.status, voice.status)
    if voice.status == TRANSFERRED and voice.transferred_to_id:
        return f"{label} → {names.ledger_nos.get(voice.transferred_to_id, '')}".strip()
    if answer:
        return f"{label}: {mask_text(_excerpt(answer, RESULT_ANSWER_CHARS))}"
    return label


def _line(
    voice: Voice, names: queries.Names, answer: str | None, principal: Principal, now: datetime
) -> LedgerLine:
    unit = names.units[voice.unit_id]
    unit_name = unit.name
    if principal.all_offices:
        unit_name = f"{names.offices[unit.office_id].name} {unit.name}"
    body = _excerpt(voice.body, SUMMARY_BODY_CHARS)
    return LedgerLine(
        ledger_no=voice.ledger_no,
        received_at=_kst_naive(voice.received_at),
        citizen=citizen_label(names.contacts.get(voice.id), principal),
        summary=mask_text(f"{voice.title} — {body}"),
        unit=unit_name,
        due_at=_kst_or_none(voice.due_at),
        answered_at=_kst_or_none(voice.answered_at),
        result=_result(voice, answer, names),
        on_time=on_time(voice, now),
    )


def _sent_answers(db: Session, voice_ids: list[int]) -> dict[int, str]:
    """The latest sent answer of each voice (ids ascending, so later ones win)."""
    query = (
        select(Answer.voice_id, Answer.body)
        .where(Answer.voice_id.in_(voice_ids), Answer.status == "sent")
        .order_by(Answer.id)
    )
    return dict(db.execute(query).all())  # type: ignore[arg-type]


def ledger_lines(
    *,
    db_session: Session,
    principal: Principal,
    flt: queries.LedgerFilter,
    now: datetime | None = None,
) -> Iterator[LedgerLine]:
    """Every line of the filtered ledger the caller may see, loaded a chunk at a time."""
    now = now or utcnow()
    voices = queries.stream(db_session=db_session, principal=principal, flt=flt, now=now)
    while chunk := list(islice(voices, CHUNK)):
        names = queries.names_for(db_session, chunk, principal.sees_personal_data)
        answers = _sent_answers(db_session, [v.id for v in chunk])
        for voice in chunk:
            yield _line(voice, names, answers.get(voice.id), principal, now)


def ledger_title(*, db_session: Session, principal: Principal, flt: queries.LedgerFilter) -> str:
    """The title row: 민원 처리부 · 기관명 · period (up to today when open-ended). An office
    typed into the filter is echoed without the control characters a sheet cannot hold."""
    start = flt.date_from.isoformat() if flt.date_from else "처음"
    end = (flt.date_to or utcnow().astimezone(KST).date()).isoformat()
    office = ILLEGAL_CHARACTERS_RE.sub("", _office_name(db_session, principal, flt))
    return f"민원 처리부 · {office} · {start} ~ {end}"


def _office_name(db: Session, principal: Principal, flt: queries.LedgerFilter) -> str:
    if flt.office:
        try:
            office = org_service.find_office(db_session=db, ref=flt.office)
        except NotFound:
            return flt.office
        if principal.all_offices or office.id == principal.office_id:
            return office.name
        return flt.office
    if principal.office_id is not None and not principal.all_offices:
        return org_service.get_office(db_session=db, office_id=principal.office_id).name
    return "전체 기관"


def export_filename(extension: str, today: date | None = None) -> str:
    """The download name, e.g. 민원처리부_2026-11-23.xlsx (date in Korean time)."""
    today = today or utcnow().astimezone(KST).date()
    return f"민원처리부_{today.isoformat()}.{extension}"


# --- XLSX ------------------------------------------------------------------------------------


class _XlsxLedger:
    """Write-only sheets of the ledger: title, frozen header, lines, autofilter."""

    def __init__(self, book: Workbook, title: str) -> None:
        self.book, self.title = book, title
        self.sheet: Any = None
        self.rows = 0
        self.sheets = 0

    def append(self, line: LedgerLine) -> None:
        """Add one line, starting a further sheet at Excel's row limit."""
        if self.sheet is None or self.rows >= EXCEL_MAX_ROWS - 2:
            self._new_sheet()
        self.sheet.append([_xlsx_cell(self.sheet, v) for v in line])
        self.rows += 1

    def finish(self) -> None:
        """Close the last sheet (an empty ledger still gets its title and header)."""
        if self.sheet is None:
            self._new_sheet()
        self._set_filter()

    def _new_sheet(self) -> None:
        self._set_filter()
        self.sheets += 1
        name = "민원 처리부" if self.sheets == 1 else f"민원 처리부 ({self.sheets})"
        ws = self.book.create_sheet(name)
        for i, (_, width) in enumerate(HEADERS, start=1):
            ws.column_dimensions[get_column_letter(i)].width = width
        ws.freeze_panes = "A3"
        title = WriteOnlyCell(ws, value=self.title)
        title.font = Font(bold=True, size=14)
        ws.append([title])
        ws.append([_header_cell(ws, name) for name, _ in HEADERS])
        self.sheet, self.rows = ws, 0

    def _set_filter(self) -> None:
        if self.sheet is not None:
            last = get_column_letter(len(HEADERS))
            self.sheet.auto_filter.ref = f"A2:{last}{self.rows + 2}"


def _header_cell(ws: Any, name: str) -> WriteOnlyCell:
    cell = WriteOnlyCell(ws, value=name)
    cell.font = Font(bold=True)
    cell.fill = PatternFill("solid", start_color="DDE4EE")
    cell.alignment = Alignment(horizontal="center")
    return cell


def _xlsx_cell(ws: Any, value: Any) -> Any:
    """A value as openpyxl should store it: dates formatted, text never read as a formula."""
    if isinstance(value, datetime):
        cell = WriteOnlyCell(ws, value=value)
        cell.number_format = DATE_FORMAT
        return cell
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
        if value.startswith("="):
            cell = WriteOnlyCell(ws, value=value)
            cell.data_type = "s"
            return cell
    return value


def export_ledger_xlsx(
    *,
    db_session: Session,
    principal: Principal,
    flt: queries.LedgerFilter,
    out: BinaryIO | Path,
    now: datetime | None = None,
) -> int:
    """Write the filtered ledger the caller may see to ``out`` as XLSX; returns the line count.

    Streams with openpyxl's write-only mode and ``queries.stream``, so memory stays flat.
    """
    book = Workbook(write_only=True)
    title = ledger_title(db_session=db_session, principal=principal, flt=flt)
    sheet = _XlsxLedger(book, title)
    count = 0
    for line in ledger_lines(db_session=db_session, principal=principal, flt=flt, now=now):
        sheet.append(line)
        count += 1
    sheet.finish()
    book.save(str(out) if isinstance(out, Path) else out)
    return count


# --- CSV -------------------------------------------------------------------------------------


@contextmanager
def _text_out(out: BinaryIO | Path) -> Iterator[TextIO]:
    """UTF-8 text with a BOM on a path or on the caller's binary stream (left open)."""
    if isinstance(out, Path):
        with out.open("w", encoding="utf-8-sig", newline="") as fh:
            yield fh
        return
    wrapper = io.TextIOWrapper(out, encoding="utf-8-sig", newline="")  # type: ignore[arg-type]
    try:
        yield wrapper
    finally:
        wrapper.flush()
        wrapper.detach()


def _csv_value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return f"{value:%Y-%m-%d %H:%M}"
    text = str(value)
    return "'" + text if text.startswith(_CSV_FORMULA_START) else text


def export_ledger_csv(
    *,
    db_session: Session,
    principal: Principal,
    flt: queries.LedgerFilter,
    out: BinaryIO | Path,
    now: datetime | None = None,
) -> int:
    """Write the filtered ledger as CSV (UTF-8 with BOM, same columns, no title row).

    Text that a spreadsheet would run as a formula (``= + - @``) gets a leading apostrophe.
    """
    count = 0
    with _text_out(out) as fh:
        writer = csv.writer(fh)
        writer.writerow([name for name, _ in HEADERS])
        for line in ledger_lines(db_session=db_session, principal=principal, flt=flt, now=now):
            writer.writerow([_csv_value(v) for v in line])
            count += 1
    return count
