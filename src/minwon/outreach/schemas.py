"""Pydantic shapes of the outreach and patrol API: contacts, the lead's table, targets and
rosters, campaigns and their reach, patrol requests, plans and logs. Free text is checked by the
services with the messages the pages show; the shapes only bound what a body may carry."""

from datetime import date, datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

Text = Annotated[str, StringConstraints(max_length=5000)]
Line = Annotated[str, StringConstraints(max_length=300)]
Code = Annotated[str, StringConstraints(max_length=64)]
Coordinate = Annotated[float, Field(allow_inf_nan=False)]


class ContactCreate(BaseModel):
    """A resident met, as the officer logs it on the phone page / 현장 면담 기록."""

    model_config = ConfigDict(extra="forbid")
    housing: Code = Field(description="apartment, multi, detached, shop, street / 주거 형태")
    dong: Line = Field("", description="행정동 / administrative dong")
    address: Line = ""
    lat: Coordinate | None = None
    lon: Coordinate | None = None
    topic: Line = Field("", description="주제 / topic talked about")
    card_given: bool = Field(False, description="요청 카드를 드렸는지 / a request card given")
    campaign: Code | None = Field(None, description="campaign code / 캠페인 코드")
    request: Text = Field(
        "",
        description="주민의 요청: 적으면 부서 민원 대장에 올라갑니다 / a request becomes a voice",
    )
    from_card: bool = Field(
        False, description="요청이 카드로 들어왔는지(경로 card) / the request came on a card"
    )
    citizen_name: Line = ""
    citizen_phone: Line = ""
    consent: bool = Field(False, description="연락 동의 / consent to be contacted")


class SurveyHandout(BaseModel):
    """The after-meeting survey to show the resident / 면담 뒤 설문 (코드와 주소)."""

    code: str
    url: str


class ContactRead(BaseModel):
    """A resident met / 현장 면담 한 건."""

    id: int
    at: datetime
    officer: str
    unit: str
    housing: str
    housing_label: str
    dong: str
    address: str
    lat: float | None
    lon: float | None
    topic: str
    card_given: bool
    campaign: str | None
    voice_id: int | None
    ledger_no: str | None


class ContactCreated(ContactRead):
    """The contact logged, and the survey to hand over when the organisation has one."""

    survey: SurveyHandout | None = None


class ProgressRead(BaseModel):
    """The calling officer's standing today / 오늘 실적."""

    officer: str
    day: date
    working: bool
    done: int
    target: int
    remaining: int
    share: float | None


class DayCellRead(BaseModel):
    """One officer on one day / 하루 실적."""

    day: date
    working: bool
    closed: bool
    done: int
    target: int
    met: bool | None


class OfficerRowRead(BaseModel):
    """One officer over the period / 직원별 달성 현황."""

    officer: str
    name: str
    cells: list[DayCellRead]
    done: int
    target: int
    rate: float | None
    current_streak: int
    longest_streak: int
    gaps: list[date]


class DayTotalRead(BaseModel):
    """The whole unit on one day / 부서 일별 합계."""

    day: date
    done: int
    target: int
    working: int
    met: int


class TeamRead(BaseModel):
    """The lead's table / 팀 달성 현황."""

    unit: str
    unit_name: str
    start: date
    end: date
    daily_target: int
    rows: list[OfficerRowRead]
    totals: list[DayTotalRead]


class TargetIn(BaseModel):
    """A unit's daily target per officer / 일일 목표."""

    model_config = ConfigDict(extra="forbid")
    unit: Code = Field(description="unit code / 부서 코드")
    daily: int = Field(description="0~100 residents a day / 하루 0~100명")


class TargetRead(BaseModel):
    """The unit's daily target as saved."""

    unit: str
    daily: int


class RosterIn(BaseModel):
    """An officer's working days over a span / 근무표."""

    model_config = ConfigDict(extra="forbid")
    officer: Code = Field(description="staff login / 직원 아이디")
    start: Code = Field(description="YYYY-MM-DD")
    end: Code = Field(description="YYYY-MM-DD, at most 92 days after start / 92일 이내")
    weekdays: list[Annotated[int, Field(ge=0, le=6)]] = Field(
        default_factory=list, max_length=7, description="0 = Monday … 6 = Sunday / 근무 요일"
    )
    off: list[Code] = Field(
        default_factory=list, max_length=93, description="days off, YYYY-MM-DD / 쉬는 날"
    )


class RosterRead(BaseModel):
    """The working days saved."""

    officer: str
    start: date
    end: date
    days: list[date]


class CampaignIn(BaseModel):
    """A new campaign with its material / 캠페인."""

    model_config = ConfigDict(extra="forbid")
    code: Code = Field(description="영문·숫자·-_ 1~32자 / letters, digits, - and _")
    name: Line
    housing: list[Code] = Field(default_factory=list, max_length=5, description="주거 형태")
    broadcast_script: Text = ""
    flyer_text: Text = ""
    talk_points: Text = ""


class PlaceRead(BaseModel):
    """Reach and response in one 행정동 and housing type."""

    dong: str
    housing: str
    reached: int
    voices: int


class CampaignRead(BaseModel):
    """A campaign with its reach and response / 캠페인 결과."""

    id: int
    office: str
    code: str
    name: str
    housing: list[str]
    broadcast_script: str
    flyer_text: str
    talk_points: str
    starts_on: date | None
    ends_on: date | None
    active: bool
    reach: dict[str, int]
    contacts: int
    cards: int
    voices: int
    surveys: int
    by_place: list[PlaceRead]


class ReachIn(BaseModel):
    """What a campaign reached / 캠페인 활동."""

    model_config = ConfigDict(extra="forbid")
    kind: Code = Field(description="broadcast, flyer, card, talk / 활동 종류")
    count: int = Field(description="1~10,000")
    dong: Line = ""
    housing: Code = ""


class ReachRead(BaseModel):
    """The reach logged."""

    id: int
    campaign_id: int
    kind: str
    count: int
    dong: str
    housing: str
    at: datetime


class PatrolRequestIn(BaseModel):
    """A patrol request taken by staff (card, request box, phone, police box) / 순찰 요청."""

    model_config = ConfigDict(extra="forbid")
    unit: Code = Field(description="unit code / 지구대·파출소 코드")
    place: Text = Field(description="1~200자 / place")
    day: Code = Field(description="YYYY-MM-DD")
    start_hour: int = Field(description="0~24")
    end_hour: int = Field(description="0~24, may pass midnight / 자정을 넘길 수 있음")
    reason: Text = ""
    dong: Line = ""
    lat: Coordinate | None = None
    lon: Coordinate | None = None
    source: Code = Field("card", description="card, box, phone, police_box, web / 접수 경로")
    email: Line = Field("", description="순찰 후 알림 받을 전자우편 / the e-mail to tell")
    consent: bool = Field(
        False,
        description="개인정보 수집·이용 동의: 전자우편을 남기면 true여야 합니다(아니면 422) / "
        "consent to its collection and use: must be true when an e-mail is given (else 422)",
    )


class PatrolRequestRead(BaseModel):
    """A patrol request (the requester's address is not shown) / 순찰 요청."""

    id: int
    unit: str
    place: str
    dong: str
    lat: float | None
    lon: float | None
    day: date
    start_hour: int
    end_hour: int
    reason: str
    source: str
    has_email: bool
    consent: bool
    quarter: str
    notified_at: datetime | None
    created_at: datetime


class PlanItemRead(BaseModel):
    """One cell of a plan: where, when, how often a week."""

    place: str
    band: str
    start: int
    end: int
    per_week: int
    score: float
    requests: int


class PlanIn(BaseModel):
    """Adopt the suggested plan / 순찰 계획 확정."""

    model_config = ConfigDict(extra="forbid")
    unit: Code = Field(description="unit code / 부서 코드")
    quarter: Code = Field(description="e.g. 2026Q4 / 분기")


class PlanRead(BaseModel):
    """A unit's adopted plan for a quarter."""

    id: int
    unit: str
    quarter: str
    items: list[PlanItemRead]
    created_at: datetime


class CoverageRead(BaseModel):
    """A plan cell this week: planned, done, left."""

    place: str
    band: str
    per_week: int
    patrols: int
    remaining: int
    covered: bool


class PatrolLogIn(BaseModel):
    """A patrol done / 순찰 기록."""

    model_config = ConfigDict(extra="forbid")
    unit: Code = Field(description="unit code / 부서 코드")
    place: Line
    at: datetime | None = Field(
        None,
        description="when the patrol was done, by default now; not in the future, at most "
        "7 days back; without an offset Korean time / 순찰 시각(기본값 지금, 7일 전까지, "
        "시간대가 없으면 한국 시각)",
    )
    note: Text = ""


class PatrolLogRead(BaseModel):
    """A patrol logged."""

    id: int
    unit: str
    place: str
    at: datetime
    note: str
    told: int | None = Field(None, description="requesters told just now / 방금 알린 요청자 수")


class PatrolsRead(BaseModel):
    """A unit's patrol page / 탄력순찰 현황."""

    unit: str
    unit_name: str
    units: list[str]
    quarter: str
    current: str
    quarters: list[str]
    requests: list[PatrolRequestRead]
    suggested: list[PlanItemRead]
    plan: PlanRead | None
    coverage: list[CoverageRead]
    focus: bool
    focus_until: date
    logs: list[PatrolLogRead]


class IncidentsRead(BaseModel):
    """How many (place, hour) counts were imported."""

    unit: str
    quarter: str
    imported: int
