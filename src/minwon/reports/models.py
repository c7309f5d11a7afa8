"""Rollup tables the dashboards and reports read instead of the ledger: per day, office, unit,
category and channel, the counts of voices and the sums of survey answers, kept current by the
worker from the ledger's events and the survey responses (each read once, through a cursor)."""

from datetime import date

from sqlalchemy import BigInteger, Date, Float, Integer, PrimaryKeyConstraint, String
from sqlalchemy.orm import Mapped, mapped_column

from minwon.db import Base


class VoiceDay(Base):
    """What happened to the voices of one unit, category and channel on one day (KST)."""

    __tablename__ = "rollup_voice_day"
    __table_args__ = (
        PrimaryKeyConstraint("office_id", "day", "unit_id", "category_id", "channel"),
    )
    office_id: Mapped[int] = mapped_column(Integer)
    day: Mapped[date] = mapped_column(Date)
    unit_id: Mapped[int] = mapped_column(Integer)
    category_id: Mapped[int] = mapped_column(Integer)
    channel: Mapped[str] = mapped_column(String(16))
    received: Mapped[int] = mapped_column(Integer, default=0)
    answered: Mapped[int] = mapped_column(Integer, default=0)
    on_time: Mapped[int] = mapped_column(Integer, default=0)
    late: Mapped[int] = mapped_column(Integer, default=0)
    answer_hours: Mapped[float] = mapped_column(Float, default=0.0)
    closed: Mapped[int] = mapped_column(Integer, default=0)
    reopened: Mapped[int] = mapped_column(Integer, default=0)
    transferred_out: Mapped[int] = mapped_column(Integer, default=0)


class SurveyDay(Base):
    """Survey invitations and the sums of the answers for one unit, officer, category and
    channel on one day (KST): enough for means, intervals, top-2 shares and NPS."""

    __tablename__ = "rollup_survey_day"
    __table_args__ = (
        PrimaryKeyConstraint("office_id", "day", "unit_id", "officer_id", "category_id", "channel"),
    )
    office_id: Mapped[int] = mapped_column(Integer)
    day: Mapped[date] = mapped_column(Date)
    unit_id: Mapped[int] = mapped_column(Integer)
    officer_id: Mapped[int] = mapped_column(Integer)
    category_id: Mapped[int] = mapped_column(Integer)
    channel: Mapped[str] = mapped_column(String(16))
    invitations: Mapped[int] = mapped_column(Integer, default=0)
    responses: Mapped[int] = mapped_column(Integer, default=0)
    invited_responses: Mapped[int] = mapped_column(Integer, default=0)
    csat_n: Mapped[int] = mapped_column(Integer, default=0)
    csat_sum: Mapped[float] = mapped_column(Float, default=0.0)
    csat_sq: Mapped[float] = mapped_column(Float, default=0.0)
    top2: Mapped[int] = mapped_column(Integer, default=0)
    nps_n: Mapped[int] = mapped_column(Integer, default=0)
    nps_sum: Mapped[float] = mapped_column(Float, default=0.0)
    promoters: Mapped[int] = mapped_column(Integer, default=0)
    detractors: Mapped[int] = mapped_column(Integer, default=0)


class RollupCursor(Base):
    """How far the rollups have read a stream (ledger events, invitations, responses)."""

    __tablename__ = "rollup_cursor"
    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    position: Mapped[int] = mapped_column(BigInteger, default=0)
