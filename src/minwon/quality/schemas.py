"""Request and response bodies of the quality API (descriptions in Korean and English)."""

from datetime import date

from pydantic import BaseModel, ConfigDict, Field

from minwon.db import RowId


class ItemRead(BaseModel):
    """점검 항목 · A checklist item."""

    id: int
    stage: str = Field(description="단계 · stage (greet, handle, close, place; connect, ...)")
    stage_label: str
    text: str
    is_promise: bool = Field(description="'약속을 지켰다' 항목 · the promise-kept item")
    retired: bool


class TemplateRead(BaseModel):
    """점검표 · A checklist template."""

    id: int
    code: str
    name: str
    channel: str = Field(description="visit (방문) or call (전화)")
    active: bool
    items: list[ItemRead]


class ItemIn(BaseModel):
    """새 점검 항목 · A new item."""

    model_config = ConfigDict(extra="forbid")
    stage: str = Field(max_length=16)
    text: str = Field(min_length=1, max_length=300)


class ItemPatch(BaseModel):
    """항목 고치기 · Reword, move, retire or restore an item (past checks keep their words)."""

    model_config = ConfigDict(extra="forbid")
    stage: str | None = Field(None, max_length=16)
    text: str | None = Field(None, min_length=1, max_length=300)
    retired: bool | None = None


class MarkIn(BaseModel):
    """항목 하나의 결과 · One item met or not, with a note."""

    model_config = ConfigDict(extra="forbid")
    item_id: RowId
    met: bool
    note: str = Field("", max_length=1000)


class CheckIn(BaseModel):
    """자가 점검·동료 관찰 · A self check or a peer observation."""

    model_config = ConfigDict(extra="forbid")
    kind: str = Field(description="self (자가 점검) or peer (동료 관찰)")
    template_id: RowId
    target: str = Field("officer", description="counter (창구), unit (부서), officer (직원)")
    unit: str | None = Field(None, max_length=200, description="부서 코드 · unit code")
    officer: str | None = Field(None, max_length=64, description="직원 로그인 · officer login")
    checked_on: date | None = Field(None, description="점검일 (KST) · day of the check")
    note: str = Field("", max_length=1000)
    marks: list[MarkIn] = Field(max_length=200)


class ResultRead(BaseModel):
    """기록된 항목 · An item as recorded."""

    item_id: int
    stage: str
    text: str
    is_promise: bool
    met: bool
    note: str


class CheckRead(BaseModel):
    """점검 기록 · A check; ``observer`` is empty where the caller may not know who checked
    (a mystery check, for anyone but the CS manager and admins)."""

    id: int
    kind: str
    target: str
    unit: str
    officer: str | None
    observer: str | None
    checked_on: date
    score: float | None = Field(description="충족 항목 비율 (0~100) · share of items met")
    met: int
    total: int
    promise: str = Field(description="그날 부서의 약속 · the unit's promise that day")
    note: str
    results: list[ResultRead]


class RateRead(BaseModel):
    """준수율 · Compliance of a group."""

    key: str
    label: str
    share: float | None = Field(description="충족 비율 (0~100) · share met")
    met: int
    total: int
    checks: int
    small_sample: bool = Field(description="점검이 적음 · too few checks to rank")


class ScoresRead(BaseModel):
    """점검 점수 · Compliance per month, kind, unit, officer and item; most missed items;
    promise kept (checks and survey)."""

    first: date
    last: date
    checks: int
    overall: RateRead
    months: list[RateRead]
    kinds: list[RateRead]
    units: list[RateRead]
    officers: list[RateRead]
    items: list[RateRead]
    missed: list[RateRead]
    promise: RateRead
    promise_units: list[RateRead]
    survey_promise: RateRead
    mystery: RateRead


class VisitIn(BaseModel):
    """암행 점검 계획 · A planned mystery visit or call."""

    model_config = ConfigDict(extra="forbid")
    unit: str = Field(min_length=1, max_length=200, description="부서 코드 · unit code")
    officer: str | None = Field(None, max_length=64, description="직원 로그인 · officer login")
    channel: str = Field(description="visit (방문) or call (전화)")
    scenario: str = Field(min_length=1, max_length=2000, description="상황 · the scenario")
    window_start: date
    window_end: date
    observer: str | None = Field(
        None, max_length=64, description="관찰자 로그인 (기본: 계획한 사람) · observer login"
    )


class VisitRead(BaseModel):
    """암행 점검 · A mystery visit or call (seen by the CS manager, admins, the observer)."""

    id: int
    unit: str
    officer: str | None
    channel: str
    scenario: str
    window_start: date
    window_end: date
    observer: str | None
    status: str
    check_id: int | None


class VisitResultIn(BaseModel):
    """암행 점검 결과 · The observer's checklist."""

    model_config = ConfigDict(extra="forbid")
    checked_on: date | None = None
    note: str = Field("", max_length=1000)
    marks: list[MarkIn] = Field(max_length=200)


class PromiseIn(BaseModel):
    """부서의 약속 · A unit's promise from a day (the one before ends that day)."""

    model_config = ConfigDict(extra="forbid")
    unit: str = Field(min_length=1, max_length=200, description="부서 코드 · unit code")
    text: str = Field(min_length=1, max_length=300)
    since: date


class PromiseRead(BaseModel):
    """약속 · A promise and its days."""

    id: int
    unit: str
    text: str
    since: date
    until: date | None


class PracticeCell(BaseModel):
    """한 달(또는 기간 전체) · A month (or the whole period): compliance beside CSAT."""

    month: str = Field(description="YYYY-MM, or 'all' for the period")
    compliance: float | None = Field(description="준수율 (0~100) · share of items met")
    checks: int
    checks_small_sample: bool
    csat: float | None = Field(description="만족도 평균 (1~5) · mean CSAT")
    answers: int
    csat_small_sample: bool = Field(description="응답 30건 미만 · fewer than 30 answers")
    sessions: int = Field(
        0, description="역할극 횟수 (부서: 연 횟수, 직원: 참가 횟수) · role-play sessions"
    )
    participants: int = Field(0, description="역할극 참가 인원 · participations in them")
    practice_score: float | None = Field(
        None, description="관찰자 평균 점수 (1~5) · the observers' mean rubric score"
    )
    scored: int = Field(0, description="점수 수 · rubric scores behind the mean")
    sessions_small_sample: bool = Field(
        True, description="역할극 3회 미만 · fewer than three sessions"
    )
    incidents: int | None = Field(
        None, description="특이민원 건수 (부서만, 직원은 null) · incidents (units only)"
    )


class PracticeLine(BaseModel):
    """부서 또는 직원 · A unit or an officer, month by month."""

    key: int
    label: str
    total: PracticeCell
    months: list[PracticeCell]


class PracticeRead(BaseModel):
    """점검 준수율과 만족도 · Checklist compliance beside satisfaction (side by side only)."""

    first: date
    last: date
    rule: str
    units: list[PracticeLine]
    officers: list[PracticeLine]
