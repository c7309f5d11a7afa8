"""Tables of the Open311 adapter: client keys, service definitions with their attributes, and
the link from a request filed over Open311 to the voice it became."""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from minwon.db import Base, UTCDateTime
from minwon.timeutil import utcnow


class Open311Key(Base):
    """An API key of one Open311 client (an app, an aggregator): only its SHA-256 is kept,
    with the first characters to recognise it, a rate limit and the offices it may file into."""

    __tablename__ = "open311_key"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    hint: Mapped[str] = mapped_column(String(16), default="")
    rate_limit: Mapped[str] = mapped_column(String(32), default="60/hour")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    offices: Mapped[list["Open311KeyOffice"]] = relationship(
        cascade="all, delete-orphan", lazy="selectin"
    )


class Open311KeyOffice(Base):
    """One office a key may file requests into."""

    __tablename__ = "open311_key_office"
    key_id: Mapped[int] = mapped_column(ForeignKey("open311_key.id"), primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("office.id"), primary_key=True)


class Open311Service(Base):
    """A service an office offers over Open311 (its ``jurisdiction_id`` is the office code),
    mapped onto a minwon category and voice kind."""

    __tablename__ = "open311_service"
    __table_args__ = (UniqueConstraint("office_id", "code"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("office.id"), index=True)
    code: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    category_id: Mapped[int | None] = mapped_column(ForeignKey("category.id"))
    kind: Mapped[str] = mapped_column(String(32), default="request")
    group_name: Mapped[str] = mapped_column(String(100), default="")
    keywords: Mapped[str] = mapped_column(String(300), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    attributes: Mapped[list["Open311Attribute"]] = relationship(
        cascade="all, delete-orphan",
        order_by="(Open311Attribute.position, Open311Attribute.id)",
        lazy="selectin",
    )


class Open311Attribute(Base):
    """One question of a service definition (``attribute[code]`` in a request): its datatype,
    order, whether it is required, and the allowed values of a list."""

    __tablename__ = "open311_attribute"
    __table_args__ = (UniqueConstraint("service_id", "code"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("open311_service.id"), index=True)
    code: Mapped[str] = mapped_column(String(64))
    datatype: Mapped[str] = mapped_column(String(20))
    description: Mapped[str] = mapped_column(Text)
    datatype_description: Mapped[str] = mapped_column(String(300), default="")
    position: Mapped[int] = mapped_column(Integer, default=1)
    required: Mapped[bool] = mapped_column(Boolean, default=False)
    variable: Mapped[bool] = mapped_column(Boolean, default=True)
    values: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)


class Open311Request(Base):
    """A request filed over Open311 and the voice it became: the service, the key that filed
    it, the ``attribute[code]`` values, its public (masked) description and a lookup token."""

    __tablename__ = "open311_request"
    __table_args__ = (Index("ix_open311_request_office_at", "office_id", "requested_at"),)
    voice_id: Mapped[int] = mapped_column(ForeignKey("voice.id"), primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("office.id"))
    service_id: Mapped[int] = mapped_column(ForeignKey("open311_service.id"), index=True)
    key_id: Mapped[int | None] = mapped_column(ForeignKey("open311_key.id"), index=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    attributes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    public_description: Mapped[str] = mapped_column(Text, default="")
    public_address: Mapped[str] = mapped_column(String(300), default="")
    media_url: Mapped[str] = mapped_column(String(500), default="")
