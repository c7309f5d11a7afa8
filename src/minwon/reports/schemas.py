"""What the reports API gives: the first screen, the dashboard and the fans, as the pages show
them."""

from datetime import date, datetime

from pydantic import BaseModel, Field

from minwon.surveys.schemas import ScoreRead, StandingRead
from minwon.voices.schemas import VoiceRead


class WaitingRead(BaseModel):
    """How many voices wait, and the first few of them."""

    count: int
    voices: list[VoiceRead]


class ProgressRead(BaseModel):
    """An officer's outreach today against the target."""

    day: date
    working: bool
    done: int
    target: int
    remaining: int
    share: float | None


class DriverRead(BaseModel):
    """An attribute value that goes with lower satisfaction."""

    attribute: str
    value: str
    n: int
    mean: float
    rest_mean: float | None
    diff: float | None


class HomeRead(BaseModel):
    """What one role's first screen shows; the parts a role does not see are empty."""

    role: str
    today: date
    approval: WaitingRead | None = Field(None, description="drafts to approve (unit lead)")
    overdue: WaitingRead | None = None
    assigned: WaitingRead | None = Field(None, description="the officer's own voices")
    outreach: ProgressRead | None = None
    month_start: date | None = None
    month: ScoreRead | None = Field(None, description="this month's satisfaction (CS manager)")
    worst: list[DriverRead] = []
    since: date | None = None
    standings: list[StandingRead] = []


class VolumeRead(BaseModel):
    """Voices received and answered in the period, and the deadlines met."""

    received: int
    answered: int
    on_time: int
    late: int
    closed: int
    reopened: int
    transferred_out: int
    met_share: float | None
    average_days: float | None


class DayRead(BaseModel):
    """Voices received and answered on one day (the daily chart)."""

    day: date
    received: int
    answered: int


class CountRead(BaseModel):
    """How many voices one group had (the categories chart)."""

    key: str | None
    name: str
    count: int


class DashboardRead(BaseModel):
    """The dashboard of the caller's scope, with the series its charts draw."""

    start: date
    end: date
    level: str = Field(description="office or unit: what the standings rank")
    volume: VolumeRead
    backlog: int
    satisfaction: ScoreRead
    standings: list[StandingRead]
    by_unit: list[ScoreRead]
    by_channel: list[ScoreRead]
    by_category: list[ScoreRead]
    mine: list[ScoreRead] = Field(description="by officer (officers only)")
    overdue: list[VoiceRead]
    daily: list[DayRead]
    trend: list[ScoreRead] = Field(description="satisfaction by month, twelve months")
    categories: list[CountRead] = Field(description="the ten categories with most voices")


class FanVoiceRead(BaseModel):
    """One voice of a returning citizen."""

    received_at: datetime
    ledger_no: str
    title: str


class FanRead(BaseModel):
    """A consenting returning citizen's history with the office."""

    name: str
    voices: list[FanVoiceRead]
    meetings: int
    surveys: int
    promoter: bool


class RatesRead(BaseModel):
    """An office's returning-citizen rate and promoter share in the period."""

    office: str
    citizens: int
    returning: int
    returning_rate: float | None
    responses: int
    promoters: int
    promoter_share: float | None


class FansRead(BaseModel):
    """Returning citizens and promoters, and the consenting fans of one office."""

    start: date
    end: date
    rates: list[RatesRead]
    fans: list[FanRead] = Field(description="only for one office, staff who see personal data")
