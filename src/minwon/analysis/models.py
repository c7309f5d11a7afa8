"""Tables of the analysis: what minwon learned about each voice, and the routing models."""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from minwon.db import Base, UTCDateTime
from minwon.timeutil import utcnow


class VoiceAnalysis(Base):
    """The analysis of one voice, made from its masked text at intake."""

    __tablename__ = "voice_analysis"
    __table_args__ = (Index("ix_voice_analysis_triage", "office_id", "needs_triage"),)
    voice_id: Mapped[int] = mapped_column(ForeignKey("voice.id"), primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("office.id"))
    masked_text: Mapped[str] = mapped_column(Text)
    pii_kinds: Mapped[list[str]] = mapped_column(JSON, default=list)
    suggested_category: Mapped[str | None] = mapped_column(String(32))
    category_confidence: Mapped[float | None] = mapped_column(Float)
    suggested_unit: Mapped[str | None] = mapped_column(String(32))
    unit_confidence: Mapped[float | None] = mapped_column(Float)
    alternatives: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    auto_routed: Mapped[bool] = mapped_column(Boolean, default=False)
    needs_triage: Mapped[bool] = mapped_column(Boolean, default=False)
    sentiment: Mapped[float] = mapped_column(Float, default=0.0)
    anger: Mapped[float] = mapped_column(Float, default=0.0)
    distress: Mapped[float] = mapped_column(Float, default=0.0)
    urgent: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    tone_label: Mapped[str] = mapped_column(String(16), default="neutral")
    flags: Mapped[list[str]] = mapped_column(JSON, default=list)
    analysed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class RoutingModel(Base):
    """A trained routing model of an organisation (labels: unit codes or category codes)."""

    __tablename__ = "routing_model"
    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"), index=True)
    target: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    n_train: Mapped[int] = mapped_column(Integer)
    metrics: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    blob: Mapped[bytes] = mapped_column(LargeBinary)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
