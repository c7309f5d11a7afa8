"""Pydantic shapes of staff protection: incidents, office settings, suspensions, closing."""

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

Text = Annotated[str, StringConstraints(strip_whitespace=True, max_length=5000)]
Line = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)]
Channel = Literal["visit", "phone", "web", "email", "outreach"]
Measure = Literal[
    "calm",
    "first_warning",
    "second_warning",
    "emergency_bell",
    "protect",
    "hand_over",
    "supervisor",
    "phone_warning",
    "phone_end",
]
Support = Literal["rest", "counselling", "medical", "legal", "separation"]


class IncidentBase(BaseModel):
    """What happens after an incident: measures taken, report, support to the officer."""

    model_config = ConfigDict(extra="forbid")
    measures: list[Measure] = Field(
        default_factory=list, max_length=9, description="drill ladder steps taken / 취한 조치"
    )
    measures_note: Text = ""
    reported: bool = Field(
        False, description="reported to the investigating authority / 수사기관 신고"
    )
    reported_note: Text = ""
    support: list[Support] = Field(
        default_factory=list, max_length=5, description="support given / 직원 지원"
    )
    support_note: Text = ""


class IncidentCreate(IncidentBase):
    """A new incident of the caller's office."""

    unit: Line = Field(min_length=1, description="unit code / 부서 코드")
    occurred_at: datetime = Field(description="when; Seoul time if no offset / 발생 일시")
    place: Line = ""
    channel: Channel
    what_happened: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=5000)
    ]
    staff: list[Line] = Field(
        default_factory=list, max_length=20, description="logins of the staff involved"
    )
    voice: Line = Field("", description="ledger number of a related voice / 관련 민원")


class IncidentUpdate(IncidentBase):
    """The follow-up of an incident (its unit lead, CS manager or admin)."""


class IncidentRead(IncidentBase):
    """An incident as the caller may see it: staff identities only for those allowed."""

    id: int
    office: str
    unit: str
    unit_name: str
    occurred_at: datetime
    place: str
    channel: str
    what_happened: str
    voice: str | None
    staff: list[str] | None = Field(description="names, or null when redacted for the caller")
    recorded_by: str | None
    redacted: bool
    created_at: datetime
    updated_at: datetime


class OfficeSettingsIn(BaseModel):
    """An office's recommended contact lengths and the appeal contact for suspensions."""

    model_config = ConfigDict(extra="forbid")
    call_minutes: int = Field(
        ge=1, le=240, description="recommended call length / 권장 통화 시간(분)"
    )
    visit_minutes: int = Field(
        ge=1, le=480, description="recommended visit length / 권장 방문 응대 시간(분)"
    )
    appeal_contact: Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)] = ""


class OfficeSettingsRead(OfficeSettingsIn):
    """The settings as staff see them."""

    office: str
    updated_at: datetime | None


class SuspensionCreate(BaseModel):
    """Suspend a citizen's web submissions to the caller's office until ``ends_at``."""

    model_config = ConfigDict(extra="forbid")
    identity: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)
    ] = Field(description="phone number or e-mail / 전화번호 또는 전자우편")
    reason_code: Literal["repeat", "automated"]
    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]
    ends_at: datetime = Field(description="end of the suspension; Seoul time if no offset")
    office: Line = Field("", description="office code (admins); default the caller's office")


class LiftIn(BaseModel):
    """End a suspension early (e.g. an appeal was upheld), with the reason."""

    model_config = ConfigDict(extra="forbid")
    note: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]


class SuspensionEventRead(BaseModel):
    """One step of a suspension's audit trail."""

    at: datetime
    actor: str
    kind: str
    note: str


class SuspensionRead(BaseModel):
    """A suspension with its state and audit trail."""

    id: int
    office: str
    identity_kind: str
    identity: str
    reason_code: str
    reason: str
    starts_at: datetime
    ends_at: datetime
    lifted_at: datetime | None
    active: bool
    events: list[SuspensionEventRead]


class CloseIn(BaseModel):
    """Close an open voice for cause (종결): abusive content or a 3+ repeat."""

    model_config = ConfigDict(extra="forbid")
    cause: Literal["abusive", "repeat"]
    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]
