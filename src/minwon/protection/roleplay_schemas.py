"""Pydantic shapes of role-play practice: scenarios with their rubric, sessions with scores,
an officer's practice history."""

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

Code = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[a-z][a-z0-9_]{0,31}$")]
Short = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Long = Annotated[str, StringConstraints(strip_whitespace=True, max_length=5000)]
Anchor = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
Login = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
Score = Annotated[int, Field(ge=1, le=5)]


class Line(BaseModel):
    """One escalating line of the citizen and the cue for the officer's answer."""

    model_config = ConfigDict(extra="forbid")
    line: Anchor
    cue: Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)] = ""


class RubricItem(BaseModel):
    """A rubric item with what scores 1 to 5 look like (``anchors[0]`` is score 1)."""

    model_config = ConfigDict(extra="forbid")
    code: Code
    name: Short
    anchors: list[Anchor] = Field(min_length=5, max_length=5)


class ScenarioIn(BaseModel):
    """An edited scenario (admins): persona, wants, escalating lines, rubric."""

    model_config = ConfigDict(extra="forbid")
    title: Short
    persona: Long = ""
    wants: Long = ""
    channel: Literal["visit", "phone"] = "visit"
    lines: list[Line] = Field(min_length=1, max_length=20)
    rubric: list[RubricItem] = Field(min_length=1, max_length=10)
    active: bool = True


class ScenarioRead(ScenarioIn):
    """A scenario of the organisation's library."""

    id: int
    code: str
    family: str
    edited: bool
    updated_at: datetime


class SessionCreate(BaseModel):
    """A role-play session: who practised, who observed, the scores and coaching notes.
    ``observer_scores`` and ``self_scores`` map a participant's login to {item: 1–5}."""

    model_config = ConfigDict(extra="forbid")
    scenario_id: int = Field(ge=1, le=2**63 - 1)
    held_at: datetime = Field(description="when; Seoul time if no offset / 실시 일시")
    participants: list[Login] = Field(min_length=1, max_length=10)
    observer: Login | None = Field(None, description="observer's login; default the caller")
    observer_scores: dict[Login, dict[Code, Score]] = Field(default_factory=dict)
    self_scores: dict[Login, dict[Code, Score]] = Field(default_factory=dict)
    coaching: Long = ""


class SelfScoresIn(BaseModel):
    """A participant's own scores for a session, {item: 1–5}."""

    model_config = ConfigDict(extra="forbid")
    scores: dict[Code, Score] = Field(min_length=1, max_length=10)


class ParticipantRead(BaseModel):
    """A participant with the observer's and their own scores."""

    staff_id: int
    name: str
    observer: dict[str, int]
    self: dict[str, int]


class SessionRead(BaseModel):
    """A session as its office sees it."""

    id: int
    scenario_id: int
    scenario: str
    held_at: datetime
    observer: str | None
    coaching: str
    participants: list[ParticipantRead]


class HistoryRow(BaseModel):
    """One session of an officer's practice history with their averages."""

    session_id: int
    held_at: datetime
    scenario: str
    family: str
    observer_mean: float | None
    self_mean: float | None


class HistoryRead(BaseModel):
    """An officer's practice history: sessions, and per rubric item the mean scores."""

    staff_id: int
    name: str
    sessions: list[HistoryRow]
    items: dict[str, dict[str, float | int | None]]
