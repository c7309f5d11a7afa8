"""The fixed vocabulary of the ledger: kinds, channels, statuses and their Korean names."""

KINDS: dict[str, str] = {
    "complaint": "불만",
    "request": "건의·요청",
    "inquiry_procedure": "질의(제도·절차)",
    "inquiry_law": "질의(법령 해석)",
    "suggestion": "제안",
    "grievance": "고충",
    "praise": "칭찬",
}

# 민원 처리에 관한 법률 시행령 defaults, in days; 0 = immediately (3 working hours), None = none.
DEFAULT_PERIODS: dict[str, int | None] = {
    "complaint": 7,
    "request": 14,
    "inquiry_procedure": 7,
    "inquiry_law": 14,
    "suggestion": 14,
    "grievance": 7,
    "praise": None,
}

CHANNELS: dict[str, str] = {
    "visit": "방문",
    "phone": "전화",
    "web": "인터넷",
    "card": "일일열사 카드",
    "mailbox": "우편함",
    "outreach": "현장 면담",
    "email": "전자우편",
    "open311": "Open311 앱",
}

RECEIVED = "received"
ASSIGNED = "assigned"
IN_PROGRESS = "in_progress"
ANSWERED = "answered"
CLOSED = "closed"
TRANSFERRED = "transferred"

STATUSES: dict[str, str] = {
    RECEIVED: "접수",
    ASSIGNED: "배정",
    IN_PROGRESS: "처리 중",
    ANSWERED: "답변 완료",
    CLOSED: "종결",
    TRANSFERRED: "이송",
}
OPEN_STATUSES = (RECEIVED, ASSIGNED, IN_PROGRESS)
DONE_STATUSES = (ANSWERED, CLOSED, TRANSFERRED)

CLOSING_CAUSES: dict[str, str] = {
    "abusive": "폭언·폭행·위협 등 특이민원",
    "repeat": "같은 내용의 3회 이상 반복 민원",
}
"""Why a voice may be closed (종결) without an answer, under the 2024 amendment of the
민원처리법 and its decree: abusive content, or a third or later repeat after two answers."""
REPEAT_ANSWERED_BEFORE = 2

ANSWER_STATUSES: dict[str, str] = {
    "draft": "작성 중",
    "returned": "반려",
    "sent": "발송",
}


def kinds_for(settings: dict) -> dict[str, str]:
    """The kinds an organisation uses: the legal ones plus its own from settings."""
    extra = {code: spec.get("label", code) for code, spec in settings.get("kinds", {}).items()}
    return {**KINDS, **extra}


def period_for(settings: dict, kind: str) -> int | None:
    """The processing period in days for ``kind`` under an organisation's settings."""
    periods = settings.get("periods", {})
    if kind in periods:
        return periods[kind]
    extra = settings.get("kinds", {}).get(kind)
    if extra is not None:
        return extra.get("period")
    return DEFAULT_PERIODS.get(kind)
