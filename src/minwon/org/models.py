"""Tables of the organisation tree: organisations, offices, units, staff, categories, routing."""

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from minwon.db import Base, UTCDateTime
from minwon.timeutil import utcnow


class Organization(Base):
    """A whole agency (e.g. 서울경찰청, 한국토지공사); holds the deadline rules."""

    __tablename__ = "organization"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    settings: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    offices: Mapped[list["Office"]] = relationship(back_populates="organization")


class ClosedDay(Base):
    """A day an organisation is closed beyond weekends and public holidays."""

    __tablename__ = "closed_day"
    __table_args__ = (UniqueConstraint("organization_id", "day"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"), index=True)
    day: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(String(200), default="")


class Office(Base):
    """A 본부 or 경찰서: the boundary of personal-data visibility."""

    __tablename__ = "office"
    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"), index=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    organization: Mapped[Organization] = relationship(back_populates="offices")
    units: Mapped[list["Unit"]] = relationship(back_populates="office", order_by="Unit.code")


class Unit(Base):
    """A 팀 / 지구대 / 파출소 keeping its own ledger; one per office may be the front desk."""

    __tablename__ = "unit"
    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("office.id"), index=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(32), default="team")
    is_front_desk: Mapped[bool] = mapped_column(Boolean, default=False)
    # A closed or merged unit keeps its ledger and history but is never routed to again.
    takes_voices: Mapped[bool] = mapped_column(Boolean, default=True)
    duties: Mapped[str] = mapped_column(Text, default="")  # 업무분장, also read by routing
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"))
    office: Mapped[Office] = relationship(back_populates="units")
    merged_into: Mapped["Unit | None"] = relationship(remote_side="Unit.id")


class Staff(Base):
    """A person who works in minwon; ``role`` decides what they may do."""

    __tablename__ = "staff"
    id: Mapped[int] = mapped_column(primary_key=True)
    login: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    email: Mapped[str] = mapped_column(String(200), default="")
    role: Mapped[str] = mapped_column(String(20))
    office_id: Mapped[int | None] = mapped_column(ForeignKey("office.id"), index=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"), index=True)
    password_hash: Mapped[str] = mapped_column(String(200), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    language: Mapped[str] = mapped_column(String(5), default="ko")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    last_failed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    totp_secret: Mapped[str] = mapped_column(String(255), default="")  # sealed: totp_seal
    totp_enabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    totp_last_step: Mapped[int] = mapped_column(Integer, default=0)
    office: Mapped[Office | None] = relationship()
    unit: Mapped[Unit | None] = relationship()


class ApiToken(Base):
    """A bearer token for machines; only its SHA-256 is stored. It carries scopes (a space
    separated set of ``read``, ``write``, ``admin``, never more than the staff's role allows)
    and always expires; ``last_used_at`` is written at most once a minute."""

    __tablename__ = "api_token"
    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)
    scopes: Mapped[str] = mapped_column(String(40), default="read")
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    staff: Mapped[Staff] = relationship(foreign_keys=[staff_id])


class StaffSession(Base):
    """A staff member's signed-in browser: the cookie carries only a random token, the row
    its SHA-256, so that ending a session here signs the browser out at its next request."""

    __tablename__ = "staff_session"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ip: Mapped[str] = mapped_column(String(64), default="")
    user_agent: Mapped[str] = mapped_column(String(300), default="")
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    end_reason: Mapped[str] = mapped_column(String(20), default="")


class SignInEvent(Base):
    """One attempt to sign in (or to pass the second factor), kept for the staff member's own
    history and the admins' audit: when, from where, the login typed and what came of it."""

    __tablename__ = "staff_signin"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), index=True)
    login: Mapped[str] = mapped_column(String(64), default="", index=True)
    ip: Mapped[str] = mapped_column(String(64), default="")
    user_agent: Mapped[str] = mapped_column(String(300), default="")
    result: Mapped[str] = mapped_column(String(20))


class StaffAuditEvent(Base):
    """A change to who may do what: an account added, a role, office, unit or state changed,
    a password set, two-factor turned on or off, an account unlocked, a policy changed."""

    __tablename__ = "staff_audit"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), index=True)
    action: Mapped[str] = mapped_column(String(32))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    actor: Mapped[Staff | None] = relationship(foreign_keys=[actor_id])
    staff: Mapped[Staff | None] = relationship(foreign_keys=[staff_id])


class RecoveryCode(Base):
    """A one-time code that stands in for the authenticator app (a lost phone); only its
    SHA-256 is kept."""

    __tablename__ = "staff_recovery_code"
    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class RolePolicy(Base):
    """What an admin decided for one role: whether its members must use two-factor sign-in.
    A role without a row follows the default (required for admins only)."""

    __tablename__ = "role_policy"
    role: Mapped[str] = mapped_column(String(20), primary_key=True)
    totp_required: Mapped[bool] = mapped_column(Boolean, default=False)


class Category(Base):
    """A node of the organisation's category tree (Korean name, stable code)."""

    __tablename__ = "category"
    __table_args__ = (UniqueConstraint("organization_id", "code"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"), index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("category.id"))
    code: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(200))


class RoutingRule(Base):
    """Category and/or 행정동 → unit; the most specific, then lowest priority, wins."""

    __tablename__ = "routing_rule"
    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("office.id"), index=True)
    category_id: Mapped[int | None] = mapped_column(ForeignKey("category.id"))
    dong: Mapped[str | None] = mapped_column(String(100))
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    priority: Mapped[int] = mapped_column(Integer, default=100)
