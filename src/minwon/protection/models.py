"""Tables of staff protection (특이·악성민원) and role-play practice: incidents and the staff
they involved, each office's recommended contact lengths and appeal contact, suspensions of a
citizen's web submissions with their audit trail, role-play scenarios (the drill ladder among
them), sessions, participants and rubric scores."""

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from minwon.db import Base, UTCDateTime
from minwon.timeutil import utcnow


class Incident(Base):
    """One 특이·악성민원 incident: when, where, by which channel, what happened, the measures
    taken (steps of the drill ladder), whether it was reported to the investigating authority,
    and the support given to the officer."""

    __tablename__ = "protection_incident"
    __table_args__ = (Index("ix_protection_incident_office_at", "office_id", "occurred_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("office.id"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    place: Mapped[str] = mapped_column(String(200), default="")
    channel: Mapped[str] = mapped_column(String(16))
    what_happened: Mapped[str] = mapped_column(Text)
    measures: Mapped[list[str]] = mapped_column(JSON, default=list)
    measures_note: Mapped[str] = mapped_column(Text, default="")
    reported: Mapped[bool] = mapped_column(Boolean, default=False)
    reported_note: Mapped[str] = mapped_column(Text, default="")
    support: Mapped[list[str]] = mapped_column(JSON, default=list)
    support_note: Mapped[str] = mapped_column(Text, default="")
    voice_id: Mapped[int | None] = mapped_column(ForeignKey("voice.id"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class IncidentStaff(Base):
    """A staff member an incident involved (shown only to the unit lead, CS manager, admin)."""

    __tablename__ = "protection_incident_staff"
    incident_id: Mapped[int] = mapped_column(ForeignKey("protection_incident.id"), primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), primary_key=True)


class OfficeProtection(Base):
    """An office's protection settings: the recommended length of a call and of a visit (shown
    to staff), and where a citizen appeals a suspension."""

    __tablename__ = "protection_office"
    office_id: Mapped[int] = mapped_column(ForeignKey("office.id"), primary_key=True)
    call_minutes: Mapped[int] = mapped_column(Integer, default=20)
    visit_minutes: Mapped[int] = mapped_column(Integer, default=60)
    appeal_contact: Mapped[str] = mapped_column(Text, default="")
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Suspension(Base):
    """A temporary suspension of one citizen's web submissions to an office, identified by
    phone number or e-mail as voices identify citizens, until ``ends_at`` unless lifted."""

    __tablename__ = "protection_suspension"
    __table_args__ = (Index("ix_protection_suspension_identity", "identity", "ends_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("office.id"), index=True)
    identity_kind: Mapped[str] = mapped_column(String(8))
    identity: Mapped[str] = mapped_column(String(200))
    reason_code: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(Text)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    lifted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SuspensionEvent(Base):
    """One step of a suspension's audit trail (created, refused a submission, appeal noted,
    lifted): who, when, what; never edited."""

    __tablename__ = "protection_suspension_event"
    id: Mapped[int] = mapped_column(primary_key=True)
    suspension_id: Mapped[int] = mapped_column(ForeignKey("protection_suspension.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    actor_label: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(16))
    note: Mapped[str] = mapped_column(Text, default="")


class Scenario(Base):
    """A role-play scenario of an organisation's library: the citizen's persona, what they
    want, the lines that escalate, and the rubric (items with 1–5 anchors). ``family`` is
    ``service`` (service recovery) or ``protection`` (the drill ladder)."""

    __tablename__ = "roleplay_scenario"
    __table_args__ = (UniqueConstraint("organization_id", "code"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"), index=True)
    code: Mapped[str] = mapped_column(String(32))
    family: Mapped[str] = mapped_column(String(16), default="service")
    channel: Mapped[str] = mapped_column(String(16), default="visit")
    title: Mapped[str] = mapped_column(String(200))
    persona: Mapped[str] = mapped_column(Text, default="")
    wants: Mapped[str] = mapped_column(Text, default="")
    lines: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    rubric: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    edited: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PracticeSession(Base):
    """One role-play session held in an office: the scenario, when, who observed, and the
    coaching notes."""

    __tablename__ = "roleplay_session"
    __table_args__ = (Index("ix_roleplay_session_office_at", "office_id", "held_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("office.id"))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"))
    scenario_id: Mapped[int] = mapped_column(ForeignKey("roleplay_scenario.id"), index=True)
    held_at: Mapped[datetime] = mapped_column(UTCDateTime)
    observer_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    coaching: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PracticeParticipant(Base):
    """A staff member who practised in a session (the officer answering the citizen)."""

    __tablename__ = "roleplay_participant"
    session_id: Mapped[int] = mapped_column(ForeignKey("roleplay_session.id"), primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), primary_key=True, index=True)


class PracticeScore(Base):
    """A participant's score (1–5) on one rubric item of a session, given by the observer
    (``by`` = observer) or by the participant themself (``by`` = self)."""

    __tablename__ = "roleplay_score"
    session_id: Mapped[int] = mapped_column(ForeignKey("roleplay_session.id"), primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), primary_key=True, index=True)
    item: Mapped[str] = mapped_column(String(32), primary_key=True)
    by: Mapped[str] = mapped_column(String(8), primary_key=True)
    score: Mapped[int] = mapped_column(Integer)
