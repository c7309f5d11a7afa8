"""Tables of outreach (일일열사): residents met, daily targets and rosters, campaigns by housing
type with their logged reach, and patrol requests (탄력순찰) with plans and patrols done."""

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    PrimaryKeyConstraint,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from minwon.db import Base, UTCDateTime
from minwon.timeutil import utcnow


class Contact(Base):
    """One resident an officer met: where, in what kind of housing, about what, whether a card
    was handed out, and the voice their request became."""

    __tablename__ = "outreach_contact"
    __table_args__ = (
        Index("ix_outreach_contact_officer_at", "officer_id", "at"),
        Index("ix_outreach_contact_unit_at", "unit_id", "at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("office.id"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    officer_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    dong: Mapped[str] = mapped_column(String(100), default="")
    address: Mapped[str] = mapped_column(String(300), default="")
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    housing: Mapped[str] = mapped_column(String(16))
    topic: Mapped[str] = mapped_column(String(100), default="")
    card_given: Mapped[bool] = mapped_column(Boolean, default=False)
    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("outreach_campaign.id"))
    voice_id: Mapped[int | None] = mapped_column(ForeignKey("voice.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class UnitTarget(Base):
    """The daily number of residents each officer of a unit aims to meet (default 10)."""

    __tablename__ = "outreach_unit_target"
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), primary_key=True)
    daily: Mapped[int] = mapped_column(Integer, default=10)


class RosterDay(Base):
    """A day an officer works (when an officer has roster days, only those count for targets;
    leave and night shifts are simply not listed)."""

    __tablename__ = "outreach_roster_day"
    __table_args__ = (PrimaryKeyConstraint("officer_id", "day"),)
    officer_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    day: Mapped[date] = mapped_column(Date)


class Campaign(Base):
    """An outreach campaign (e.g. 빈집털이 예방) with material for each channel and housing type."""

    __tablename__ = "outreach_campaign"
    __table_args__ = (UniqueConstraint("office_id", "code"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("office.id"))
    code: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(200))
    housing: Mapped[list[str]] = mapped_column(JSON, default=list)
    broadcast_script: Mapped[str] = mapped_column(Text, default="")
    flyer_text: Mapped[str] = mapped_column(Text, default="")
    talk_points: Mapped[str] = mapped_column(Text, default="")
    starts_on: Mapped[date | None] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CampaignReach(Base):
    """Reach of a campaign logged by an officer: broadcasts, flyers, cards, talks, by place."""

    __tablename__ = "outreach_campaign_reach"
    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("outreach_campaign.id"), index=True)
    officer_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    kind: Mapped[str] = mapped_column(String(16))
    dong: Mapped[str] = mapped_column(String(100), default="")
    housing: Mapped[str] = mapped_column(String(16), default="")
    count: Mapped[int] = mapped_column(Integer, default=1)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PatrolRequest(Base):
    """A resident's request for patrols at a place and time (탄력순찰), kept after each
    quarter's reset as history."""

    __tablename__ = "patrol_request"
    __table_args__ = (Index("ix_patrol_request_unit_quarter", "unit_id", "quarter"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("office.id"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    place: Mapped[str] = mapped_column(String(200))
    place_key: Mapped[str] = mapped_column(String(200))
    dong: Mapped[str] = mapped_column(String(100), default="")
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    day: Mapped[date] = mapped_column(Date)
    start_hour: Mapped[int] = mapped_column(Integer)
    end_hour: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[str] = mapped_column(String(16))
    email: Mapped[str] = mapped_column(String(200), default="")
    consent: Mapped[bool] = mapped_column(Boolean, default=False)
    quarter: Mapped[str] = mapped_column(String(8))
    voice_id: Mapped[int | None] = mapped_column(ForeignKey("voice.id"))
    notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class IncidentCount(Base):
    """Imported incident counts (e.g. 112 calls) per place and hour, which weigh the plan."""

    __tablename__ = "patrol_incident"
    __table_args__ = (PrimaryKeyConstraint("unit_id", "quarter", "place_key", "hour"),)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    quarter: Mapped[str] = mapped_column(String(8))
    place_key: Mapped[str] = mapped_column(String(200))
    hour: Mapped[int] = mapped_column(Integer)
    count: Mapped[int] = mapped_column(Integer, default=0)


class PatrolPlan(Base):
    """A unit's patrol plan for a quarter: places × time bands × times per week."""

    __tablename__ = "patrol_plan"
    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    quarter: Mapped[str] = mapped_column(String(8))
    items: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PatrolLog(Base):
    """A patrol an officer did at a place."""

    __tablename__ = "patrol_log"
    __table_args__ = (Index("ix_patrol_log_unit_at", "unit_id", "at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    officer_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    place_key: Mapped[str] = mapped_column(String(200))
    place: Mapped[str] = mapped_column(String(200))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    note: Mapped[str] = mapped_column(Text, default="")
