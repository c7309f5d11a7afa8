"""Tables of the ledger: voices, counters, history, answers, contacts, citizens' attachments,
idempotency keys."""

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from minwon.commit_order import txid_column
from minwon.db import Base, UTCDateTime
from minwon.timeutil import utcnow


class LedgerCounter(Base):
    """The last ledger sequence used by one unit in one year (locked on every intake)."""

    __tablename__ = "ledger_counter"
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last: Mapped[int] = mapped_column(Integer, default=0)


class Voice(Base):
    """One thing a citizen said, as a line of a unit's ledger (민원 처리부)."""

    __tablename__ = "voice"
    __table_args__ = (
        UniqueConstraint("unit_id", "ledger_year", "ledger_seq"),
        Index("ix_voice_office_received", "office_id", "received_at", "id"),
        Index("ix_voice_unit_received", "unit_id", "received_at", "id"),
        Index("ix_voice_office_status_due", "office_id", "status", "due_at"),
        Index("ix_voice_received", "received_at", "id"),
        Index("ix_voice_status_due", "status", "due_at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("office.id"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    ledger_year: Mapped[int] = mapped_column(Integer)
    ledger_seq: Mapped[int] = mapped_column(Integer)
    ledger_no: Mapped[str] = mapped_column(String(48), unique=True)
    kind: Mapped[str] = mapped_column(String(32))
    channel: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    category_id: Mapped[int | None] = mapped_column(ForeignKey("category.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="received")
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    period_days: Mapped[int | None] = mapped_column(Integer)
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    extended: Mapped[bool] = mapped_column(Boolean, default=False)
    extension_reason: Mapped[str] = mapped_column(Text, default="")
    dong: Mapped[str] = mapped_column(String(100), default="")
    address: Mapped[str] = mapped_column(String(300), default="")
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    transferred_from_id: Mapped[int | None] = mapped_column(ForeignKey("voice.id"))
    transferred_to_id: Mapped[int | None] = mapped_column(ForeignKey("voice.id"))
    receipt_secret_hash: Mapped[str] = mapped_column(String(64), default="")
    source_officer_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    campaign: Mapped[str] = mapped_column(String(32), default="", index=True)
    contact: Mapped["VoiceContact | None"] = relationship(
        back_populates="voice", uselist=False, lazy="select"
    )


class VoiceContact(Base):
    """A citizen's contact data, kept apart from the text and shown only within the office."""

    __tablename__ = "voice_contact"
    voice_id: Mapped[int] = mapped_column(ForeignKey("voice.id"), primary_key=True)
    name: Mapped[str] = mapped_column(String(100), default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
    email: Mapped[str] = mapped_column(String(200), default="")
    consent: Mapped[bool] = mapped_column(Boolean, default=False)
    voice: Mapped[Voice] = relationship(back_populates="contact")


class VoiceAttachment(Base):
    """A file a citizen attached to their voice (photo, PDF, office or Hangul document): its
    original name, the type sniffed from its bytes, and the bytes. Personal data like the
    contact: shown only to staff of the voice's office, never to the masked views."""

    __tablename__ = "voice_attachment"
    id: Mapped[int] = mapped_column(primary_key=True)
    voice_id: Mapped[int] = mapped_column(ForeignKey("voice.id"), index=True)
    file_name: Mapped[str] = mapped_column(String(200), default="")
    content_type: Mapped[str] = mapped_column(String(100), default="")
    size: Mapped[int] = mapped_column(Integer, default=0)
    content: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class VoiceEvent(Base):
    """One change to a voice: the append-only history that is also the audit log."""

    __tablename__ = "voice_event"
    __table_args__ = (Index("ix_voice_event_txid", "txid", "id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    txid: Mapped[int] = txid_column()  # commit order, for the background jobs that read it
    voice_id: Mapped[int] = mapped_column(ForeignKey("voice.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    actor_label: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(32))
    before: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    after: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    note: Mapped[str] = mapped_column(Text, default="")


class Answer(Base):
    """An answer to a voice: drafted by an officer, approved by the unit lead, then sent."""

    __tablename__ = "answer"
    id: Mapped[int] = mapped_column(primary_key=True)
    voice_id: Mapped[int] = mapped_column(ForeignKey("voice.id"), index=True)
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="draft")
    author_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    approver_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class IdempotencyKey(Base):
    """A replayable intake: the same key and body give the same voice back."""

    __tablename__ = "idempotency_key"
    __table_args__ = (UniqueConstraint("key", "caller"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200))
    caller: Mapped[str] = mapped_column(String(64))
    request_hash: Mapped[str] = mapped_column(String(64))
    voice_id: Mapped[int | None] = mapped_column(ForeignKey("voice.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class VoiceImport(Base):
    """One import of a ledger file and how far it got: ``checking`` (rows are read, checked
    and staged), ``failed`` (nothing was written), ``loading`` (numbers are reserved; the
    staged rows become voices batch by batch, resumed after a crash), ``loaded``."""

    __tablename__ = "voice_import"
    __table_args__ = (Index("ix_voice_import_state", "state", "updated_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    file: Mapped[str] = mapped_column(String(255))
    file_format: Mapped[str] = mapped_column(String(64), default="")
    digest: Mapped[str] = mapped_column(String(64), default="", server_default="", index=True)
    office_id: Mapped[int | None] = mapped_column(ForeignKey("office.id"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    actor_label: Mapped[str] = mapped_column(String(100), default="")
    state: Mapped[str] = mapped_column(String(16), default="checking")
    rows_total: Mapped[int] = mapped_column(Integer, default=0)
    rows_checked: Mapped[int] = mapped_column(Integer, default=0)
    rows_loaded: Mapped[int] = mapped_column(Integer, default=0)
    error_count: Mapped[int] = mapped_column(Integer, default=0)
    report: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    plan: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class VoiceImportRow(Base):
    """A checked row of an import waiting to become a voice: its unit, ledger year, place in
    that unit's year among the file's rows, and the voice's fields (JSON)."""

    __tablename__ = "voice_import_row"
    import_id: Mapped[int] = mapped_column(ForeignKey("voice_import.id"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    unit_code: Mapped[str] = mapped_column(String(32))
    year: Mapped[int] = mapped_column(Integer)
    ordinal: Mapped[int] = mapped_column(Integer)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
