"""The baseline: a bare FastAPI app that parses a similar body and inserts one row.

It uses minwon's own ``make_engine`` (same SQLite pragmas, WAL, ``BEGIN IMMEDIATE`` for writes,
same PostgreSQL pool), a sync endpoint like minwon's (so the same thread pool), Pydantic
validation of the same fields, one SQLAlchemy Core ``INSERT ... RETURNING`` and a commit.
Serve it with ``uvicorn bench.bare_app:create_app --factory`` and
``BENCH_BARE_DATABASE_URL`` set.
"""

from __future__ import annotations

import os
from typing import Literal

from fastapi import FastAPI
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Column, Integer, MetaData, String, Table, Text, insert

from minwon.db import UTCDateTime, make_engine
from minwon.timeutil import utcnow

metadata = MetaData()
bare_voice = Table(
    "bare_voice",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("kind", String(32), nullable=False),
    Column("channel", String(16), nullable=False),
    Column("title", String(300), nullable=False),
    Column("body", Text, nullable=False),
    Column("unit", String(32)),
    Column("category", String(200)),
    Column("dong", String(100), nullable=False),
    Column("received_at", UTCDateTime, nullable=False),
)


class ContactIn(BaseModel):
    """Contact details, validated like minwon's (not stored)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    name: str = Field("", max_length=100)
    phone: str = Field("", max_length=40, pattern=r"^[0-9+\-() ]*$")
    consent: bool = False


class VoiceIn(BaseModel):
    """The fields of minwon's intake body."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    kind: str = Field(min_length=1, max_length=32)
    channel: Literal["visit", "phone", "web", "card", "mailbox", "outreach", "email"]
    title: str = Field(min_length=1, max_length=300)
    body: str = Field(min_length=1, max_length=100_000)
    unit: str | None = Field(None, max_length=32)
    category: str | None = Field(None, max_length=200)
    dong: str = Field("", max_length=100)
    contact: ContactIn | None = None


class Created(BaseModel):
    """The id of the inserted row."""

    id: int


def create_schema(url: str) -> None:
    """Create the one table of the baseline on a fresh database."""
    engine = make_engine(url)
    metadata.create_all(engine)
    engine.dispose()


def create_app() -> FastAPI:
    """The baseline app on ``BENCH_BARE_DATABASE_URL``."""
    engine = make_engine(os.environ["BENCH_BARE_DATABASE_URL"])
    writer = engine.execution_options(minwon_write=True)
    app = FastAPI(title="bare baseline")

    @app.post("/voices", status_code=201, response_model=Created)
    def create_voice(voice: VoiceIn) -> Created:
        """Insert one row and commit before answering."""
        values = voice.model_dump(exclude={"contact"}) | {"received_at": utcnow()}
        with writer.begin() as conn:
            new_id = conn.execute(insert(bare_voice).values(values).returning(bare_voice.c.id))
            return Created(id=new_id.scalar_one())

    return app
