"""Tables of satisfaction surveys: templates and their questions, invitations with single-use
tokens, and responses (anonymous to staff: a response keeps the unit, officer, category and
channel it scores, never who answered)."""

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from minwon.commit_order import txid_column
from minwon.db import Base, UTCDateTime
from minwon.timeutil import utcnow


class SurveyTemplate(Base):
    """A survey a CS manager defined: its questions, when it goes out, and for how long."""

    __tablename__ = "survey_template"
    __table_args__ = (UniqueConstraint("organization_id", "code"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"))
    code: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(200))
    intro: Mapped[str] = mapped_column(Text, default="")
    trigger: Mapped[str] = mapped_column(String(16))
    delay_hours: Mapped[int] = mapped_column(Integer, default=24)
    quiet_days: Mapped[int] = mapped_column(Integer, default=30)
    expires_days: Mapped[int] = mapped_column(Integer, default=14)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SurveyQuestion(Base):
    """One question of a template, in Korean: CSAT 1–5, NPS 0–10, yes/no, choice or text."""

    __tablename__ = "survey_question"
    __table_args__ = (UniqueConstraint("template_id", "key"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    template_id: Mapped[int] = mapped_column(ForeignKey("survey_template.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    key: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(8))
    text: Mapped[str] = mapped_column(String(500))
    choices: Mapped[list[str]] = mapped_column(JSON, default=list)
    required: Mapped[bool] = mapped_column(Boolean, default=True)
    weight: Mapped[float] = mapped_column(Float, default=1.0)


class SurveyInvitation(Base):
    """An invitation to answer one survey once: a long token for links and QR codes and a
    short code to type or read out on the phone; it expires."""

    __tablename__ = "survey_invitation"
    __table_args__ = (
        Index("ix_survey_invitation_citizen", "citizen_key", "created_at"),
        Index("ix_survey_invitation_office_created", "office_id", "created_at"),
        Index("ix_survey_invitation_txid", "txid", "id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    txid: Mapped[int] = txid_column()  # commit order, for the rollups
    template_id: Mapped[int] = mapped_column(ForeignKey("survey_template.id"))
    office_id: Mapped[int] = mapped_column(ForeignKey("office.id"))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"))
    officer_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    voice_id: Mapped[int | None] = mapped_column(ForeignKey("voice.id"), unique=True)
    category_id: Mapped[int | None] = mapped_column(ForeignKey("category.id"))
    channel: Mapped[str] = mapped_column(String(16), default="")
    campaign: Mapped[str] = mapped_column(String(32), default="")
    citizen_key: Mapped[str | None] = mapped_column(String(32))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    short_code: Mapped[str] = mapped_column(String(12), unique=True)
    via: Mapped[str] = mapped_column(String(12))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    send_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class SurveyResponse(Base):
    """One answered survey: what it scores (unit, officer, category, channel, month) and the
    answers; who answered is not kept."""

    __tablename__ = "survey_response"
    __table_args__ = (
        Index("ix_survey_response_office_submitted", "office_id", "submitted_at"),
        Index("ix_survey_response_unit_submitted", "unit_id", "submitted_at"),
        Index("ix_survey_response_txid", "txid", "id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    txid: Mapped[int] = txid_column()  # commit order, for the rollups
    invitation_id: Mapped[int] = mapped_column(ForeignKey("survey_invitation.id"), unique=True)
    template_id: Mapped[int] = mapped_column(ForeignKey("survey_template.id"))
    office_id: Mapped[int] = mapped_column(ForeignKey("office.id"))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"))
    officer_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    category_id: Mapped[int | None] = mapped_column(ForeignKey("category.id"))
    channel: Mapped[str] = mapped_column(String(16), default="")
    mode: Mapped[str] = mapped_column(String(12))
    entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    csat: Mapped[int | None] = mapped_column(Integer)
    nps: Mapped[int | None] = mapped_column(Integer)
    answers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    free_text: Mapped[str] = mapped_column(Text, default="")
    sentiment: Mapped[float | None] = mapped_column(Float)
    tone_label: Mapped[str] = mapped_column(String(16), default="")
