"""What the survey API takes and gives."""

from datetime import date, datetime
from typing import TYPE_CHECKING, Any, cast

from pydantic import BaseModel, ConfigDict, Field

from minwon.surveys.scores import Estimate, Score

if TYPE_CHECKING:
    from minwon.reports.dashboard import Standing


class QuestionSchema(BaseModel):
    """One question of a template."""

    model_config = ConfigDict(extra="forbid", from_attributes=True)
    key: str = Field(min_length=1, max_length=32, pattern=r"^[a-z][a-z0-9_]*$")
    kind: str
    text: str = Field(min_length=1, max_length=500)
    choices: list[str] = []
    required: bool = True
    weight: float = Field(1.0, ge=0, le=100)


class TemplateIn(BaseModel):
    """A survey template as the CS manager defines it."""

    model_config = ConfigDict(extra="forbid")
    code: str = Field(min_length=1, max_length=32)
    name: str = Field(min_length=1, max_length=200)
    intro: str = Field("", max_length=2000)
    trigger: str
    delay_hours: int = 24
    quiet_days: int = 30
    expires_days: int = 14
    questions: list[QuestionSchema] = Field(min_length=1, max_length=30)


class TemplateRead(BaseModel):
    """A survey template with its questions."""

    id: int
    code: str
    name: str
    intro: str
    trigger: str
    delay_hours: int
    quiet_days: int
    expires_days: int
    active: bool
    questions: list[QuestionSchema]


class InvitationRead(BaseModel):
    """An invitation as staff may see it (the link token only when it was just made; the code
    only to staff who may print it on the answer letter, else ``code_withheld`` says why)."""

    id: int
    via: str
    short_code: str | None
    created_at: datetime
    send_at: datetime
    expires_at: datetime
    used: bool
    link: str | None = None
    code_link: str | None
    code_withheld: str | None = None


class EstimateRead(BaseModel):
    """A figure with its 95% interval and sample size."""

    value: float | None
    low: float | None
    high: float | None
    n: int

    @classmethod
    def of(cls, e: Estimate) -> "EstimateRead":
        """The figure as the API shows it."""
        return cls(value=e.value, low=e.low, high=e.high, n=e.n)


class ScoreRead(BaseModel):
    """The survey figures of one group: ``response_rate`` is ``invited`` (answers to the
    invitations sent in the period) over the invitations (its ``n``); ``uninvited`` answers
    (kiosk, happy calls, outreach code cards) are in ``responses`` and the scores, not the rate."""

    key: str | None
    name: str
    csat: EstimateRead
    top2: EstimateRead
    nps: EstimateRead
    response_rate: EstimateRead
    responses: int
    invited: int = 0
    uninvited: int = 0

    @classmethod
    def of(cls, key: Any, name: str, s: Score) -> "ScoreRead":
        """One group's scores as the API shows them (the surveys' and the reports' alike)."""
        return cls(
            key=None if key is None else str(key),
            name=name,
            csat=EstimateRead.of(s.csat),
            top2=EstimateRead.of(s.top2),
            nps=EstimateRead.of(s.nps),
            response_rate=EstimateRead.of(s.response_rate),
            responses=s.responses,
            invited=s.invited,
            uninvited=s.uninvited,
        )


class StandingRead(BaseModel):
    """One office or unit in a ranking."""

    key: int
    name: str
    rank: int | None
    status: str
    n: int
    mean: float | None
    score: float | None
    movement: str

    @classmethod
    def of(cls, s: "Standing", name: str) -> "StandingRead":
        """A ranked office or unit (ranked by its integer id) as the API shows it."""
        return cls(
            key=cast(int, s.key),
            name=name,
            rank=s.ranked.rank,
            status=s.ranked.status,
            n=s.ranked.n,
            mean=s.ranked.mean,
            score=s.ranked.score,
            movement=s.movement.label_ko,
        )


class PeriodQuery(BaseModel):
    """The filters shared by the score and ranking endpoints."""

    office: str | None = None
    unit: str | None = None
    category: str | None = None
    start: date | None = None
    end: date | None = None


class HappyCallIn(BaseModel):
    """The answers a citizen gave in a call-back, by question key (as the survey asks them:
    1–5, 0–10, ``yes``/``no``, a choice, or text)."""

    model_config = ConfigDict(extra="forbid")
    answers: dict[str, str | int | None] = Field(max_length=30)


class ResponseRead(BaseModel):
    """A stored survey response (never its answers: those are read only in aggregate)."""

    id: int
    invitation_id: int
    mode: str
