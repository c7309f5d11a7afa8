"""Tables of the analysis: what minwon learned about each voice, and the routing models."""

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    PrimaryKeyConstraint,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from minwon.commit_order import cursor_txid_column
from minwon.db import Base, UTCDateTime
from minwon.timeutil import utcnow


class VoiceAnalysis(Base):
    """The analysis of one voice, made from its masked text at intake."""

    __tablename__ = "voice_analysis"
    __table_args__ = (
        Index("ix_voice_analysis_triage", "office_id", "needs_triage"),
        Index("ix_voice_analysis_office_received", "office_id", "received_at"),
    )
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
    tokens: Mapped[str] = mapped_column(Text, default="")
    terms: Mapped[str] = mapped_column(Text, default="")
    citizen_key: Mapped[str | None] = mapped_column(String(32), index=True)
    channel: Mapped[str] = mapped_column(String(16), default="")
    received_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    dong: Mapped[str] = mapped_column(String(100), default="")
    cluster_id: Mapped[int | None] = mapped_column(Integer, index=True)
    duplicate_of: Mapped[int | None] = mapped_column(Integer)
    repeat_count: Mapped[int] = mapped_column(Integer, default=0)
    mass: Mapped[bool] = mapped_column(Boolean, default=False)
    analysed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class RoutingModel(Base):
    """A trained routing model of an organisation (labels: unit codes or category codes).

    Unit models are per office (``office_id``): an office's voices only ever go to its own
    units, and other offices' history would only compete with them. Category models are the
    organisation's (``office_id`` None)."""

    __tablename__ = "routing_model"
    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"), index=True)
    target: Mapped[str] = mapped_column(String(16))
    office_id: Mapped[int | None] = mapped_column(ForeignKey("office.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    n_train: Mapped[int] = mapped_column(Integer)
    metrics: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    blob: Mapped[bytes] = mapped_column(LargeBinary)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class VoiceBand(Base):
    """One locality-sensitive hash band of a voice's content words: voices that share a band
    are candidates for being about the same matter (the similar-voice index)."""

    __tablename__ = "voice_band"
    __table_args__ = (
        PrimaryKeyConstraint("office_id", "band", "voice_id"),
        {"sqlite_with_rowid": False},
    )
    office_id: Mapped[int] = mapped_column(Integer)
    band: Mapped[int] = mapped_column(BigInteger)
    voice_id: Mapped[int] = mapped_column(Integer)


class SurgeAlert(Base):
    """A topic or place that rose well above its own baseline in one window (sent once)."""

    __tablename__ = "surge_alert"
    __table_args__ = (UniqueConstraint("office_id", "kind", "key", "window_end"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("office.id"))
    kind: Mapped[str] = mapped_column(String(16))
    key: Mapped[str] = mapped_column(String(200))
    label: Mapped[str] = mapped_column(String(300), default="")
    window_end: Mapped[datetime] = mapped_column(UTCDateTime)
    current: Mapped[int] = mapped_column(Integer)
    baseline: Mapped[float] = mapped_column(Float)
    p_value: Mapped[float] = mapped_column(Float)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"))
    voice_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class AnalysisCursor(Base):
    """How far a background job of the analysis has read a stream (e.g. the transfer events
    it learns from), so each item is used once."""

    __tablename__ = "analysis_cursor"
    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    position: Mapped[int] = mapped_column(BigInteger, default=0)
    txid: Mapped[int] = cursor_txid_column()


class AnalysisBacklog(Base):
    """A voice in the ledger whose analysis the worker still has to make (imported voices:
    their text is masked and read after the import, not during it)."""

    __tablename__ = "analysis_backlog"
    voice_id: Mapped[int] = mapped_column(ForeignKey("voice.id"), primary_key=True)
    import_id: Mapped[int | None] = mapped_column(Integer, index=True)
    addressed: Mapped[bool] = mapped_column(Boolean, default=False)
