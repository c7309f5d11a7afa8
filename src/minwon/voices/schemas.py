"""What the ledger takes in and gives out (Pydantic)."""

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, EmailStr, Field, PlainSerializer, field_validator

from minwon.textutil import OneLine, has_visible_text, without_nul
from minwon.timeutil import to_kst
from minwon.voices import phones

KstDatetime = Annotated[
    datetime, PlainSerializer(lambda d: to_kst(d).isoformat(), return_type=str, when_used="json")
]
Channel = Literal["visit", "phone", "web", "card", "mailbox", "outreach", "email", "open311"]
MAX_BODY = 100_000


class ContactIn(BaseModel):
    """A citizen's contact details, given with or without consent to further contact."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    name: OneLine = Field("", max_length=100)
    phone: OneLine = Field(
        "",
        max_length=40,
        description="a Korean number (mobile, area code, 070, 1588-type); stored as 010-1234-5678",
    )
    email: EmailStr | Literal[""] = ""
    consent: bool = False

    @field_validator("phone")
    @classmethod
    def _korean_phone(cls, value: str) -> str:
        """Refuse anything that is not a Korean number ("12", letters) and store the number
        in one written form."""
        try:
            return phones.normalise(value)
        except phones.NotAPhoneNumber as exc:
            raise ValueError("not a Korean telephone number") from exc


def _visible(value: str) -> str:
    """A title, body or answer with something to read in it, NUL bytes dropped: one made only
    of spaces, zero-width or direction marks would be a voice or answer nobody can see."""
    if not has_visible_text(value):
        raise ValueError("must not be blank")
    return without_nul(value)


class VoiceBase(BaseModel):
    """Fields every intake channel shares."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    kind: str = Field(min_length=1, max_length=32, examples=["complaint"])
    channel: Channel
    title: OneLine = Field(min_length=1, max_length=300)
    body: str = Field(min_length=1, max_length=MAX_BODY)
    category: OneLine | None = Field(None, max_length=200, description="category code or name")
    dong: OneLine = Field("", max_length=100, description="행정동")
    address: OneLine = Field("", max_length=300)
    lat: float | None = Field(None, ge=-90, le=90)
    lon: float | None = Field(None, ge=-180, le=180)

    @field_validator("title", "body")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        return _visible(value)


class VoiceCreate(VoiceBase):
    """A new voice. ``unit`` is optional: routing rules or the front desk take it otherwise."""

    unit: str | None = Field(None, max_length=32, description="unit code")
    office: str | None = Field(None, max_length=32, description="office code (citizen intake)")
    received_at: datetime | None = Field(None, description="back-entry: when it was received")
    contact: ContactIn | None = None
    officer: str | None = Field(
        None, max_length=64, description="login of the officer who met the citizen (card, outreach)"
    )
    campaign: str | None = Field(
        None, max_length=32, pattern=r"^[A-Za-z0-9_-]*$", description="outreach campaign code"
    )


class UnitRef(BaseModel):
    """A unit by code and name."""

    code: str
    name: str


class CategoryRef(BaseModel):
    """A category by code and name."""

    code: str
    name: str


class ContactRead(BaseModel):
    """Contact data as shown to staff of the voice's office."""

    name: str
    phone: str
    email: str
    consent: bool


class AnswerRead(BaseModel):
    """An answer and where it stands."""

    id: int
    body: str
    status: str
    author: str | None
    approver: str | None
    created_at: KstDatetime
    sent_at: KstDatetime | None


class EventRead(BaseModel):
    """One line of a voice's history."""

    at: KstDatetime
    actor: str
    kind: str
    before: dict
    after: dict
    note: str


class VoiceRead(BaseModel):
    """A voice as its office's staff (or the API) see it."""

    id: int
    ledger_no: str
    status: str
    kind: str
    channel: str
    title: str
    body: str
    office: str
    unit: UnitRef
    category: CategoryRef | None
    received_at: KstDatetime
    due_at: KstDatetime | None
    extended: bool
    overdue: bool
    dong: str
    address: str
    lat: float | None
    lon: float | None
    assignee: str | None
    answered_at: KstDatetime | None
    closed_at: KstDatetime | None
    transferred_from: str | None
    transferred_to: str | None
    contact: ContactRead | None


class VoiceCreated(BaseModel):
    """The answer to an intake: enough to cite and follow the voice."""

    id: int
    ledger_no: str
    status: str
    due_at: KstDatetime | None
    unit: UnitRef
    receipt_secret: str | None = Field(
        None, description="shown once; with the ledger number it lets the citizen follow the voice"
    )


class VoicePage(BaseModel):
    """One page of a ledger listing; ``next_cursor`` fetches the next."""

    items: list[VoiceRead]
    next_cursor: str | None
    total: int | None = None


class AssignIn(BaseModel):
    """Assign a voice to a staff member of its unit."""

    model_config = ConfigDict(extra="forbid")
    assignee: str = Field(min_length=1, description="staff login")


class TransferIn(BaseModel):
    """Move a voice to another unit (it is numbered again there)."""

    model_config = ConfigDict(extra="forbid")
    unit: str = Field(min_length=1, description="unit code")
    note: str = Field(min_length=1, max_length=2000)


class NoteIn(BaseModel):
    """A reason for a reopen or a returned draft."""

    model_config = ConfigDict(extra="forbid")
    note: str = Field(min_length=1, max_length=2000)


class ExtendIn(BaseModel):
    """The one extension the law allows, with its reason."""

    model_config = ConfigDict(extra="forbid")
    days: int = Field(ge=1, le=60)
    reason: str = Field(min_length=1, max_length=2000)


class AnswerIn(BaseModel):
    """An answer draft."""

    model_config = ConfigDict(extra="forbid")
    body: str = Field(min_length=1, max_length=MAX_BODY)

    @field_validator("body")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        return _visible(value)


class TrackRead(BaseModel):
    """What a citizen sees with the ledger number and secret: status and the sent answer."""

    ledger_no: str
    title: str
    status: str
    status_label: str
    received_at: KstDatetime
    due_at: KstDatetime | None
    answer: str | None
    answered_at: KstDatetime | None


class ImportIssueRead(BaseModel):
    """One problem an import found: the line as the file shows it (None: the whole file)."""

    line: int | None
    column: str
    message: str


class ImportRead(BaseModel):
    """An import of a ledger file: its progress, what it saved, or every bad row."""

    id: int
    file: str
    file_format: str
    state: str = Field(description="checking, loading, loaded, failed or checked (check only)")
    actor: str
    created_at: datetime
    finished_at: datetime | None
    rows_total: int
    rows_checked: int
    rows_loaded: int
    waiting_analysis: int = Field(description="saved voices whose analysis is still to come")
    error_count: int
    errors: list[ImportIssueRead]
    ignored_columns: list[str]
    units_created: list[str]
    skipped: int = Field(
        0, description="rows left out because their voices are already in the ledger"
    )
    answered_rows: int = Field(0, description="rows to save that come answered or closed")
    open_rows: int = Field(0, description="rows to save that come received or in progress")
    overdue_rows: int = Field(
        0, description="of the open rows, those already past their legal deadline when checked"
    )
