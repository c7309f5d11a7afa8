"""What the organisation domain takes in and gives out (Pydantic): the org file and the API."""

import re
from datetime import date, datetime, time
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)
from pydantic.networks import validate_email
from pydantic_core import PydanticCustomError

from minwon.org.passwords import MAX_LENGTH, MIN_LENGTH
from minwon.voices.catalog import KINDS

UnitCode = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=32, pattern=r"^[\w-]+$")
]
Code = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=32, pattern=r"^[\w.-]+$"),
]
Login = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, min_length=2, max_length=64, pattern=r"^[A-Za-z0-9][\w.@-]*$"
    ),
]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
PersonName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
Dong = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
Password = Annotated[str, StringConstraints(min_length=MIN_LENGTH, max_length=MAX_LENGTH)]
Role = Literal["officer", "unit_lead", "cs_manager", "hq_analyst", "admin"]
KindCode = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$", max_length=32)]
Period = Annotated[int, Field(ge=0, le=365)]


def _email(value: str) -> str:
    """An e-mail address or "" (no union, so errors point at the field itself)."""
    if not value:
        return ""
    try:
        return validate_email(value)[1]
    except PydanticCustomError as exc:
        raise ValueError(f"올바른 전자우편 주소가 아닙니다: {value}") from exc


Email = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=200), AfterValidator(_email)
]

_YES = {"예", "네", "o", "y", "yes", "true", "1", "on", "○", "✓", "v"}
_NO = {"아니오", "아니요", "x", "n", "no", "false", "0", ""}


def _flag(value: Any) -> Any:
    """Accept the yes/no spellings people type into spreadsheets (예/아니오, O/X, Y/N)."""
    if isinstance(value, str):
        text = value.strip().lower()
        if text in _YES:
            return True
        if text in _NO:
            return False
    return value


Flag = Annotated[bool, BeforeValidator(_flag)]


def _clock(value: Any) -> Any:
    """Normalise a clock time to "HH:MM" (YAML 1.1 reads 18:00 as 1080; Excel gives a time)."""
    if isinstance(value, time):
        return value.strftime("%H:%M")
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 24 * 60:
        return f"{value // 60:02d}:{value % 60:02d}"
    if isinstance(value, str) and re.fullmatch(r"\d{1,2}:\d{2}(:00)?", value.strip()):
        hours, minutes = value.strip().split(":")[:2]
        return f"{int(hours):02d}:{minutes}"
    return value


Clock = Annotated[
    str, BeforeValidator(_clock), StringConstraints(pattern=r"^([01]\d|2[0-3]):[0-5]\d$")
]


class _FileModel(BaseModel):
    """Strict about unknown keys (typos), lenient about spreadsheet numbers given as codes."""

    model_config = ConfigDict(extra="forbid", coerce_numbers_to_str=True, str_strip_whitespace=True)


# ---------------------------------------------------------------- the organisation file


class WorkHours(_FileModel):
    """Office hours "HH:MM"; periods of 5 days or less count in these working hours."""

    start: Clock
    end: Clock
    lunch_start: Clock
    lunch_end: Clock

    @model_validator(mode="after")
    def _ordered(self) -> "WorkHours":
        if not self.start < self.lunch_start <= self.lunch_end < self.end:
            raise ValueError("start < lunch_start <= lunch_end < end 순서여야 합니다")
        return self


class KindSpec(_FileModel):
    """An organisation's own kind of voice beside the legal ones."""

    label: Name
    period: Period | None = None


class ClosedDayIn(_FileModel):
    """A day the organisation is closed (deadlines do not count it)."""

    day: date
    reason: Annotated[str, StringConstraints(max_length=200)] = ""


class OrgSettingsIn(_FileModel):
    """Deadline periods per kind (days; null = none), working hours, own kinds, closed days."""

    periods: dict[str, Period | None] | None = None
    work_hours: WorkHours | None = None
    kinds: dict[KindCode, KindSpec] | None = None
    closed_days: list[ClosedDayIn] = []

    @field_validator("kinds")
    @classmethod
    def _not_legal(cls, kinds: dict[str, KindSpec] | None) -> dict[str, KindSpec] | None:
        clash = sorted(set(kinds or {}) & set(KINDS))
        if clash:
            raise ValueError(
                f"법정 민원 종류는 kinds에 다시 쓸 수 없습니다(periods를 쓰세요): {clash}"
            )
        return kinds

    def stored(self) -> dict[str, Any]:
        """The part kept in ``Organization.settings`` (closed days go to their own table)."""
        data = self.model_dump(mode="json")
        return {
            key: data[key]
            for key in ("periods", "work_hours", "kinds")
            if key in self.model_fields_set and data[key] is not None
        }


class OrganizationIn(_FileModel):
    """The organisation a file describes; ``name`` may be left out when it already exists."""

    code: Code
    name: Name | None = None
    settings: OrgSettingsIn = Field(default_factory=OrgSettingsIn)


class UnitIn(_FileModel):
    """A 팀/지구대/파출소 of an office."""

    code: UnitCode
    name: Name | None = None
    kind: Annotated[str, StringConstraints(min_length=1, max_length=32)] | None = None
    front_desk: Flag | None = None
    duties: Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)] | None = None


class OfficeIn(_FileModel):
    """An office (본부·경찰서) and its units; ``name`` may be left out when it already exists."""

    code: Code
    name: Name | None = None
    units: list[UnitIn] = []


class StaffIn(_FileModel):
    """A staff account; without ``password`` a new account gets a generated one."""

    login: Login
    name: PersonName | None = None
    role: Role | None = None
    office: Code | None = None
    unit: UnitCode | None = None
    email: Email | None = None
    password: Password | None = None
    active: Flag | None = None


class CategoryIn(_FileModel):
    """A node of the category tree; ``parent`` is another category's code."""

    code: Code
    name: Name
    parent: Code | None = None


class RoutingIn(_FileModel):
    """Voices of ``category`` and/or 행정동 ``dong`` go to ``unit`` (lower priority wins ties);
    ``office``, when given, is the office the rule is for, which the unit must belong to."""

    office: Code | None = None
    category: Code | None = None
    dong: Dong | None = None
    unit: UnitCode
    priority: Annotated[int, Field(ge=0, le=10_000)] = 100

    @model_validator(mode="after")
    def _has_condition(self) -> "RoutingIn":
        if self.category is None and self.dong is None:
            raise ValueError("category나 dong 중 하나는 있어야 합니다")
        return self


class OrgFile(_FileModel):
    """A whole organisation file (YAML document or XLSX workbook)."""

    organization: OrganizationIn
    offices: list[OfficeIn] = []
    staff: list[StaffIn] = []
    categories: list[CategoryIn] = []
    routing: list[RoutingIn] = []


# ---------------------------------------------------------------- error messages

_MESSAGES = {
    "missing": "빠진 항목입니다",
    "extra_forbidden": "알 수 없는 항목입니다(이름을 확인하세요)",
    "string_type": "글자여야 합니다",
    "string_too_short": "비어 있거나 너무 짧습니다",
    "string_too_short_min": "{min_length}자 이상이어야 합니다",
    "string_too_long": "너무 깁니다(최대 {max_length}자)",
    "string_pattern_mismatch": "형식이 맞지 않습니다(글자·숫자·-·_만 쓸 수 있습니다)",
    "int_parsing": "정수여야 합니다",
    "int_type": "정수여야 합니다",
    "int_from_float": "정수여야 합니다",
    "greater_than_equal": "{ge} 이상이어야 합니다",
    "less_than_equal": "{le} 이하여야 합니다",
    "bool_parsing": "예/아니오(true/false)여야 합니다",
    "bool_type": "예/아니오(true/false)여야 합니다",
    "date_parsing": "날짜(YYYY-MM-DD)여야 합니다",
    "date_type": "날짜(YYYY-MM-DD)여야 합니다",
    "date_from_datetime_parsing": "날짜(YYYY-MM-DD)여야 합니다",
    "date_from_datetime_inexact": "시각 없는 날짜(YYYY-MM-DD)여야 합니다",
    "literal_error": "다음 중 하나여야 합니다: {expected}",
    "list_type": "목록이어야 합니다",
    "dict_type": "항목 묶음(key: value)이어야 합니다",
    "model_type": "항목 묶음(key: value)이어야 합니다",
}


def korean_message(error: Any) -> str:
    """A Korean message for one Pydantic error, with the offending value when short (and not a
    password)."""
    template = _MESSAGES.get(error["type"])
    if error["type"] == "string_too_short" and error.get("ctx", {}).get("min_length", 1) > 1:
        template = _MESSAGES["string_too_short_min"]
    if template is None:
        return str(error["msg"]).removeprefix("Value error, ")
    text = template.format(**error.get("ctx", {}))
    value = error.get("input")
    secret = "password" in error.get("loc", ())
    short = isinstance(value, str | int | float) and len(str(value)) < 60
    if error["type"] != "missing" and short and not secret:
        text += f" (값: {value!r})"
    return text


# ---------------------------------------------------------------- the API


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


def _blank_to_none(value: Any) -> Any:
    return None if isinstance(value, str) and not value.strip() else value


OptCode = Annotated[Code | None, BeforeValidator(_blank_to_none)]
OptUnitCode = Annotated[UnitCode | None, BeforeValidator(_blank_to_none)]
OptDong = Annotated[Dong | None, BeforeValidator(_blank_to_none)]


class OfficeCreate(_In):
    """A new office; ``organization`` (code) may be left out when there is only one."""

    organization: OptCode = None
    code: Code
    name: Name


class OfficeRead(BaseModel):
    """An office as the API shows it."""

    id: int
    code: str
    name: str
    organization: str


class UnitCreate(_In):
    """A new unit of ``office`` (code)."""

    office: Code
    code: UnitCode
    name: Name
    kind: Annotated[str, StringConstraints(min_length=1, max_length=32)] = "team"
    front_desk: Flag = False


class UnitUpdate(_In):
    """Changes to a unit; fields left out stay as they are.

    ``takes_voices: false`` closes the unit (its ledger stays); ``merged_into`` (a unit code)
    closes it and sends its history's lessons to that unit; ``null`` there undoes a merge.
    ``duties`` (업무분장) says what the unit handles, in the admin's words.
    """

    name: Name | None = None
    duties: Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)] | None = None
    takes_voices: Flag | None = None
    merged_into: OptUnitCode = None


class UnitRead(BaseModel):
    """A unit as the API shows it."""

    id: int
    code: str
    name: str
    kind: str
    front_desk: bool
    office: str
    takes_voices: bool = True
    merged_into: str | None = None
    duties: str = ""


class StaffCreate(_In):
    """A new staff account. Without ``password`` it can only use API tokens."""

    login: Login
    name: PersonName
    role: Role
    office: OptCode = None
    unit: OptUnitCode = None
    email: Annotated[Email, BeforeValidator(lambda v: v or "")] = ""
    password: Annotated[Password | None, BeforeValidator(_blank_to_none)] = None


class StaffRead(BaseModel):
    """A staff member without any secret."""

    id: int
    login: str
    name: str
    email: str
    role: str
    role_label: str
    office: str | None
    unit: str | None
    active: bool


class CategoryCreate(_In):
    """A new category; ``parent`` is a category code of the same organisation."""

    organization: OptCode = None
    code: Code
    name: Name
    parent: OptCode = None


class CategoryRead(BaseModel):
    """A category with its parent's code."""

    id: int
    code: str
    name: str
    parent: str | None
    organization: str


class RoutingRuleCreate(_In):
    """Send voices of ``category`` and/or ``dong`` in the unit's office to ``unit``.

    ``office`` (a code) states the office whose voices the rule is for; the unit must be one
    of its units (a rule never sends an office's voices to another office). Left out, the
    unit's office is taken."""

    office: OptCode = None
    unit: UnitCode
    category: OptCode = None
    dong: OptDong = None
    priority: Annotated[int, Field(ge=0, le=10_000)] = 100

    @model_validator(mode="after")
    def _has_condition(self) -> "RoutingRuleCreate":
        if self.category is None and self.dong is None:
            raise ValueError("category나 dong 중 하나는 있어야 합니다")
        return self


class RoutingRuleRead(BaseModel):
    """A routing rule by codes."""

    id: int
    office: str
    unit: str
    category: str | None
    dong: str | None
    priority: int


class TokenCreate(_In):
    """What the new API token is for (shown in the token list), what it may do and for how
    long. Without ``scopes`` it gets every scope the staff member's role allows (for a caller
    using a token: no more than that token has)."""

    name: Name = "api"
    scopes: list[str] | None = Field(
        default=None, description="read, write, admin (never more than the role allows)"
    )
    expires_in_days: int = Field(default=90, description="1 to 365 days; 90 by default")


class TokenRequest(TokenCreate):
    """A new API token for the caller, or (admins) for ``login``, a staff member of their
    office."""

    login: str | None = Field(default=None, max_length=64)


class TokenIssued(BaseModel):
    """A freshly issued API token: shown once, never again."""

    login: str
    name: str
    token: str
    id: int | None = None
    scopes: list[str] = []
    expires_at: datetime | None = None


class TokenRead(BaseModel):
    """An API token as listed: never the token itself."""

    id: int
    login: str
    staff_name: str
    name: str
    scopes: list[str]
    created_at: datetime
    expires_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None
    state: Literal["active", "expired", "revoked"]


class TotpRolesIn(BaseModel):
    """The roles whose members must use two-factor sign-in (the rest need not)."""

    model_config = ConfigDict(extra="forbid")
    roles: list[str] = Field(max_length=20)


class TotpRolesRead(BaseModel):
    """The roles that must use two-factor sign-in now."""

    roles: list[str]


class LockedRead(BaseModel):
    """A locked account and until when."""

    login: str
    name: str
    locked_until: datetime


class SignInRead(BaseModel):
    """One sign-in attempt."""

    at: datetime
    login: str
    ip: str
    result: str


class AuditRead(BaseModel):
    """One change to an account or permission, and who made it."""

    at: datetime
    action: str
    staff: str | None
    actor: str | None
    detail: dict[str, Any]


class SecurityRead(BaseModel):
    """The sign-in security of the deployment, as the admin's security page shows it."""

    totp_roles: list[str]
    locked: list[LockedRead]
    with_totp: list[str]
    without_totp: list[str] = Field(description="active staff who must but have not set it up")
    unreadable_totp: list[str] = Field(
        description="staff using two-factor whose secret no secret key opens (the key changed "
        "without MINWON_SECRET_KEY_FALLBACKS); they sign in with recovery codes until reset"
    )
    attempts: list[SignInRead]
    events: list[AuditRead]


class EndedRead(BaseModel):
    """How many sign-in sessions were ended."""

    sessions: int


class OrgLoadRead(BaseModel):
    """What an organisation file load did, and the passwords it generated (shown once)."""

    organization: str
    changed: int
    summary: list[str]
    passwords: dict[str, str]
