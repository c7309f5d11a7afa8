"""Tables of actions (반영 조치): what the agency did because of voices, with owner, due date,
status, evidence and cost, and the voices behind each action."""

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    Date,
    ForeignKey,
    Integer,
    LargeBinary,
    PrimaryKeyConstraint,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from minwon.db import Base, UTCDateTime
from minwon.timeutil import utcnow


class Action(Base):
    """One countermeasure, e.g. "night patrols on X-ro, 22–02h, from 3 May"."""

    __tablename__ = "action"
    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("office.id"), index=True)
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"))
    category_id: Mapped[int | None] = mapped_column(ForeignKey("category.id"))
    dong: Mapped[str] = mapped_column(String(100), default="")
    starts_on: Mapped[date | None] = mapped_column(Date)
    due_on: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default="planned")
    cost: Mapped[int] = mapped_column(Integer, default=0)
    public: Mapped[bool] = mapped_column(Boolean, default=True)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ActionVoice(Base):
    """A voice an action answers."""

    __tablename__ = "action_voice"
    __table_args__ = (PrimaryKeyConstraint("action_id", "voice_id"),)
    action_id: Mapped[int] = mapped_column(ForeignKey("action.id"))
    voice_id: Mapped[int] = mapped_column(ForeignKey("voice.id"), index=True)


class ActionEvidence(Base):
    """Evidence that an action was done: a note and, optionally, a small file."""

    __tablename__ = "action_evidence"
    id: Mapped[int] = mapped_column(primary_key=True)
    action_id: Mapped[int] = mapped_column(ForeignKey("action.id"), index=True)
    note: Mapped[str] = mapped_column(Text, default="")
    file_name: Mapped[str] = mapped_column(String(200), default="")
    content_type: Mapped[str] = mapped_column(String(100), default="")
    content: Mapped[bytes | None] = mapped_column(LargeBinary)
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
