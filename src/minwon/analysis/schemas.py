"""What the analysis API takes and gives."""

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from minwon.voices.schemas import MAX_BODY, CategoryRef, UnitRef


class RouteIn(BaseModel):
    """A text to route."""

    model_config = ConfigDict(extra="forbid")
    text: str = Field(min_length=1, max_length=MAX_BODY)


class UnitChoice(BaseModel):
    """A unit the model considers, with its confidence."""

    unit: UnitRef
    confidence: float


class RouteOut(BaseModel):
    """The suggestion for a text: category, unit, confidence and the runners-up."""

    category: CategoryRef | None
    unit: UnitRef | None
    confidence: float | None
    alternatives: list[UnitChoice]


class AnalysisRead(BaseModel):
    """The stored analysis of a voice."""

    voice_id: int
    suggested_unit: str | None
    unit_confidence: float | None
    suggested_category: str | None
    category_confidence: float | None
    auto_routed: bool
    needs_triage: bool
    sentiment: float
    anger: float
    distress: float
    urgent: bool
    tone_label: str
    flags: list[str]
    pii_kinds: list[str]
    repeat_count: int
    duplicate_of: int | None
    cluster_id: int | None
    mass: bool


class SimilarIn(BaseModel):
    """A text being written, to find the office's voices like it."""

    model_config = ConfigDict(extra="forbid")
    text: str = Field(min_length=1, max_length=MAX_BODY)


class SimilarRead(BaseModel):
    """An earlier voice like the one looked at, with its sent answer (to reuse)."""

    voice_id: int
    ledger_no: str
    title: str
    status: str
    channel: str
    received_at: datetime
    score: float
    answer: str | None
