"""What the causes, hot spots, surges, drop-away and cluster API gives."""

from datetime import date, datetime

from pydantic import BaseModel


class PeriodRead(BaseModel):
    """The period asked for (KST days, inclusive) and the previous one compared with."""

    first_day: date
    last_day: date
    previous_first_day: date
    previous_last_day: date


class ExampleRead(BaseModel):
    """A voice shown as an example of a cause (masked)."""

    voice_id: int
    excerpt: str


class CauseRead(BaseModel):
    """One cause: its words, counts now and before, change, Pareto shares and examples."""

    key: str
    label: str
    keywords: list[str]
    current: int
    previous: int
    change: float | None
    share: float
    cumulative: float
    examples: list[ExampleRead]


class CausesRead(BaseModel):
    """The causes of an office's voices in a period."""

    office: str
    period: PeriodRead
    total: int
    causes: list[CauseRead]


class HotSpotRead(BaseModel):
    """A 행정동 with its voices now and before."""

    dong: str
    current: int
    previous: int
    change: float | None
    urgent: int
    angry: int


class SurgeRead(BaseModel):
    """A surge alert: what rose, how much against its baseline, and how unlikely by chance."""

    id: int | None
    kind: str
    key: str
    label: str
    window_end: datetime
    current: int
    baseline: float
    p_value: float
    voice_ids: list[int]


class StepRead(BaseModel):
    """One voice in a citizen's history (masked)."""

    voice_id: int
    received_at: datetime
    channel: str
    tone_label: str
    sentiment: float
    excerpt: str


class DropAwayRead(BaseModel):
    """A citizen with drop-away signals and their history."""

    citizen: str
    signals: list[str]
    history: list[StepRead]


class ClusterRead(BaseModel):
    """A group of voices about one matter."""

    cluster_id: int
    size: int
    citizens: int
    mass: bool
    first_at: datetime | None
    last_at: datetime | None
    excerpt: str
    voice_ids: list[int]
