"""Rollup tables the dashboards and reports read instead of the ledger: the counts of voices and
the sums of survey answers per day, office, unit, category and channel, kept current by the
worker from the ledger's events and the survey responses (each read once, through a cursor).

Beside the day rows the worker keeps the same sums at coarser grains, so a national or a year
view reads a few thousand rows instead of millions: per month (the ``day`` column then holds the
month's first day), and per office and unit or for all offices by category and channel. Every
table sums to the same totals; which one a question reads is chosen in ``reports.cuboids``."""

from datetime import date

from sqlalchemy import BigInteger, Date, Float, Integer, PrimaryKeyConstraint, String
from sqlalchemy.orm import Mapped, mapped_column

from minwon.commit_order import cursor_txid_column
from minwon.db import Base


class VoiceCounts:
    """What happened to voices: received, answered (on time or late, and how long it took),
    closed, reopened and transferred away."""

    day: Mapped[date] = mapped_column(Date)
    received: Mapped[int] = mapped_column(Integer, default=0)
    answered: Mapped[int] = mapped_column(Integer, default=0)
    on_time: Mapped[int] = mapped_column(Integer, default=0)
    late: Mapped[int] = mapped_column(Integer, default=0)
    answer_hours: Mapped[float] = mapped_column(Float, default=0.0)
    closed: Mapped[int] = mapped_column(Integer, default=0)
    reopened: Mapped[int] = mapped_column(Integer, default=0)
    transferred_out: Mapped[int] = mapped_column(Integer, default=0)


class SurveySums:
    """Survey invitations and the sums of the answers: enough for means, intervals, top-2
    shares, NPS and response rates.

    ``invitations`` and ``invited_responses`` (those invitations that were answered) are kept on
    the invitation's row (its day, unit, officer, category and channel), whenever the answer
    came, so a row never has more answered invitations than invitations. ``responses``, the
    answer sums and ``uninvited_responses`` (answers without an invitation sent: see
    ``surveys.invitations.ASKED_VIA``) are kept on the day of the answer."""

    day: Mapped[date] = mapped_column(Date)
    invitations: Mapped[int] = mapped_column(Integer, default=0)
    responses: Mapped[int] = mapped_column(Integer, default=0)
    invited_responses: Mapped[int] = mapped_column(Integer, default=0)
    uninvited_responses: Mapped[int] = mapped_column(Integer, default=0)
    csat_n: Mapped[int] = mapped_column(Integer, default=0)
    csat_sum: Mapped[float] = mapped_column(Float, default=0.0)
    csat_sq: Mapped[float] = mapped_column(Float, default=0.0)
    top2: Mapped[int] = mapped_column(Integer, default=0)
    nps_n: Mapped[int] = mapped_column(Integer, default=0)
    nps_sum: Mapped[float] = mapped_column(Float, default=0.0)
    promoters: Mapped[int] = mapped_column(Integer, default=0)
    detractors: Mapped[int] = mapped_column(Integer, default=0)


class ByUnit:
    """Rows per office, unit, category and channel."""

    office_id: Mapped[int] = mapped_column(Integer)
    unit_id: Mapped[int] = mapped_column(Integer)
    category_id: Mapped[int] = mapped_column(Integer)
    channel: Mapped[str] = mapped_column(String(16))


class ByCategory:
    """Rows for all offices together, per category and channel."""

    category_id: Mapped[int] = mapped_column(Integer)
    channel: Mapped[str] = mapped_column(String(16))


class UnitOnly:
    """Rows per office and unit only."""

    office_id: Mapped[int] = mapped_column(Integer)
    unit_id: Mapped[int] = mapped_column(Integer)


class OfficeCategory:
    """Rows per office and category only."""

    office_id: Mapped[int] = mapped_column(Integer)
    category_id: Mapped[int] = mapped_column(Integer)


class VoiceDay(VoiceCounts, ByUnit, Base):
    """What happened to the voices of one unit, category and channel on one day (KST)."""

    __tablename__ = "rollup_voice_day"
    __table_args__ = (
        PrimaryKeyConstraint("office_id", "day", "unit_id", "category_id", "channel"),
    )


class VoiceMonth(VoiceCounts, ByUnit, Base):
    """The voice counts of one unit, category and channel in one month (``day`` = the 1st)."""

    __tablename__ = "rollup_voice_month"
    __table_args__ = (
        PrimaryKeyConstraint("office_id", "day", "unit_id", "category_id", "channel"),
    )


class VoiceDayAll(VoiceCounts, ByCategory, Base):
    """The voice counts of all offices together by category and channel, per day."""

    __tablename__ = "rollup_voice_day_all"
    __table_args__ = (PrimaryKeyConstraint("day", "category_id", "channel"),)


class VoiceMonthAll(VoiceCounts, ByCategory, Base):
    """The voice counts of all offices together by category and channel, per month."""

    __tablename__ = "rollup_voice_month_all"
    __table_args__ = (PrimaryKeyConstraint("day", "category_id", "channel"),)


class SurveyDay(SurveySums, Base):
    """Survey invitations and the sums of the answers for one unit, officer, category and
    channel on one day (KST)."""

    __tablename__ = "rollup_survey_day"
    __table_args__ = (
        PrimaryKeyConstraint("office_id", "day", "unit_id", "officer_id", "category_id", "channel"),
    )
    office_id: Mapped[int] = mapped_column(Integer)
    unit_id: Mapped[int] = mapped_column(Integer)
    officer_id: Mapped[int] = mapped_column(Integer)
    category_id: Mapped[int] = mapped_column(Integer)
    channel: Mapped[str] = mapped_column(String(16))


class SurveyMonth(SurveySums, ByUnit, Base):
    """The survey sums of one unit, category and channel in one month (all its officers)."""

    __tablename__ = "rollup_survey_month"
    __table_args__ = (
        PrimaryKeyConstraint("office_id", "day", "unit_id", "category_id", "channel"),
    )


class SurveyDayUnit(SurveySums, UnitOnly, Base):
    """The survey sums of one unit on one day (for rankings of units and offices)."""

    __tablename__ = "rollup_survey_day_unit"
    __table_args__ = (PrimaryKeyConstraint("day", "office_id", "unit_id"),)


class SurveyMonthUnit(SurveySums, UnitOnly, Base):
    """The survey sums of one unit in one month (for rankings of units and offices)."""

    __tablename__ = "rollup_survey_month_unit"
    __table_args__ = (PrimaryKeyConstraint("day", "office_id", "unit_id"),)


class SurveyDayOffice(SurveySums, OfficeCategory, Base):
    """The survey sums of one office and category on one day (offices ranked on a category)."""

    __tablename__ = "rollup_survey_day_office"
    __table_args__ = (PrimaryKeyConstraint("day", "category_id", "office_id"),)


class SurveyMonthOffice(SurveySums, OfficeCategory, Base):
    """The survey sums of one office and category in one month."""

    __tablename__ = "rollup_survey_month_office"
    __table_args__ = (PrimaryKeyConstraint("day", "category_id", "office_id"),)


class SurveyMonthOfficer(SurveySums, Base):
    """The survey sums of one officer in one month (tables by officer over long periods)."""

    __tablename__ = "rollup_survey_month_officer"
    __table_args__ = (PrimaryKeyConstraint("office_id", "day", "unit_id", "officer_id"),)
    office_id: Mapped[int] = mapped_column(Integer)
    unit_id: Mapped[int] = mapped_column(Integer)
    officer_id: Mapped[int] = mapped_column(Integer)


class SurveyDayAll(SurveySums, ByCategory, Base):
    """The survey sums of all offices together by category and channel, per day."""

    __tablename__ = "rollup_survey_day_all"
    __table_args__ = (PrimaryKeyConstraint("day", "category_id", "channel"),)


class SurveyMonthAll(SurveySums, ByCategory, Base):
    """The survey sums of all offices together by category and channel, per month."""

    __tablename__ = "rollup_survey_month_all"
    __table_args__ = (PrimaryKeyConstraint("day", "category_id", "channel"),)


class RollupCursor(Base):
    """How far the rollups have read a stream (ledger events, invitations, responses)."""

    __tablename__ = "rollup_cursor"
    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    position: Mapped[int] = mapped_column(BigInteger, default=0)
    txid: Mapped[int] = cursor_txid_column()
