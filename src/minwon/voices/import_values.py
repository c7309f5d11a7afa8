"""Reading one cell of an import file: text, dates, consent and code-or-label lookups
(kinds, channels, statuses with their Korean aliases); a wrong value raises ``_Bad``."""

import re
from datetime import date, datetime, time
from typing import Any

from openpyxl.utils.datetime import from_excel

from minwon.textutil import without_nul
from minwon.timeutil import KST, to_kst
from minwon.voices.catalog import ANSWERED, CHANNELS, CLOSED, IN_PROGRESS, RECEIVED, STATUSES

STATUS_ALIASES = {
    "접수완료": RECEIVED,
    "접수대기": RECEIVED,
    "미처리": RECEIVED,
    "대기": RECEIVED,
    "처리중": IN_PROGRESS,
    "진행중": IN_PROGRESS,
    "검토중": IN_PROGRESS,
    "답변": ANSWERED,
    "답변완료": ANSWERED,
    "처리완료": ANSWERED,
    "완료": ANSWERED,
    "종료": CLOSED,
    "민원종결": CLOSED,
    "처리종결": CLOSED,
    "종결처리": CLOSED,
    "종결완료": CLOSED,
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
    "국민신문고": "web",
    "정부24": "web",
    "민원24": "web",
    "전자민원": "web",
    "인터넷민원": "web",
    "모바일": "web",
    "우편": "mailbox",
    "서면": "mailbox",
    "내방": "visit",
    "창구": "visit",
    "유선": "phone",
    "콜센터": "phone",
}
KIND_ALIASES = {
    "건의": "request",
    "요청": "request",
    "건의민원": "request",
    "고충민원": "grievance",
    "질의": "inquiry_procedure",  # a question without more: the shorter legal period's kind
    "문의": "inquiry_procedure",
    "질의민원": "inquiry_procedure",
    "불만민원": "complaint",
    "불편": "complaint",
    "제안민원": "suggestion",
    "칭찬민원": "praise",
}
YES = frozenset({"y", "yes", "예", "네", "동의", "o", "1", "true", "t"})
NO = frozenset({"n", "no", "아니오", "아니요", "미동의", "비동의", "x", "0", "false", "f", ""})
_DATE_TEXT = re.compile(
    r"^(\d{4})\s*[-./년]\s*(\d{1,2})\s*[-./월]\s*(\d{1,2})\s*[.일]?(?:\s*\([월화수목금토일]\))?"
    r"(?:\s*(오전|오후|AM|PM)?\s*(\d{1,2})\s*[:시]\s*(\d{1,2})\s*분?"
    r"(?:\s*:\s*(\d{1,2})\s*초?)?\s*(AM|PM)?)?$",
    re.IGNORECASE,
)
_EXCEL_SERIALS = (36526, 73051)  # 2000-01-01 .. 2099-12-31


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
    return without_nul(str(value)).replace("\r\n", "\n").strip()


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


def _lookup(value: Any, table: dict[str, str], column: str, allowed: list[str]) -> str:
    text = _text(value)
    if not text:
        raise _Bad("비어 있습니다.")
    code = table.get(_key(text))
    if code is None:
        raise _Bad(_unknown(column, _shown(text), ", ".join(allowed)))
    return code


def _unknown(column: str, shown: str, allowed: str) -> str:
    """The message for a ``column`` ("kind", "channel" or "status") whose value ``shown`` is
    none of ``allowed``: each written out whole, so a page can show its English."""
    if column == "kind":
        return f"알 수 없는 민원 종류입니다: {shown} (쓸 수 있는 값: {allowed})"
    if column == "channel":
        return f"알 수 없는 접수 경로입니다: {shown} (쓸 수 있는 값: {allowed})"
    return f"알 수 없는 상태입니다: {shown} (쓸 수 있는 값: {allowed})"


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
