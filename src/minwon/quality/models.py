"""Tables of service quality: checklist templates and their items, checks with one result per
item, mystery visits and calls, and each unit's service promise with its history."""

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from minwon.db import Base, UTCDateTime
from minwon.timeutil import utcnow


class ChecklistTemplate(Base):
    """A checklist of an organisation for one channel (a counter visit or a phone call)."""

    __tablename__ = "checklist_template"
    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"), index=True)
    code: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(200))
    channel: Mapped[str] = mapped_column(String(8))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ChecklistItem(Base):
    """One thing to look for, in a stage (맞이, 응대, 마무리, 환경; 연결, 인사, 경청, 종료); a
    retired item is left out of new checks but stays on the checks that used it."""

    __tablename__ = "checklist_item"
    id: Mapped[int] = mapped_column(primary_key=True)
    template_id: Mapped[int] = mapped_column(ForeignKey("checklist_template.id"), index=True)
    stage: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(String(300))
    position: Mapped[int] = mapped_column(Integer, default=0)
    is_promise: Mapped[bool] = mapped_column(Boolean, default=False)
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class QualityCheck(Base):
    """One check of a counter, a unit or an officer: by the officer (self), a colleague
    (peer) or an observer on a mystery visit or call (mystery)."""

    __tablename__ = "quality_check"
    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("office.id"), index=True)
    template_id: Mapped[int] = mapped_column(ForeignKey("checklist_template.id"))
    kind: Mapped[str] = mapped_column(String(8))
    target: Mapped[str] = mapped_column(String(8))
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    officer_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), index=True)
    observer_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    visit_id: Mapped[int | None] = mapped_column(ForeignKey("mystery_visit.id"), index=True)
    checked_on: Mapped[date] = mapped_column(Date, index=True)
    promise_text: Mapped[str] = mapped_column(Text, default="")
    note: Mapped[str] = mapped_column(Text, default="")
    met: Mapped[int] = mapped_column(Integer, default=0)
    total: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CheckResult(Base):
    """One item of a check, met or not, with a note; the item's stage and words as they were
    on the day, so editing the template later never changes a past check."""

    __tablename__ = "check_result"
    id: Mapped[int] = mapped_column(primary_key=True)
    check_id: Mapped[int] = mapped_column(ForeignKey("quality_check.id"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("checklist_item.id"), index=True)
    stage: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(String(300))
    is_promise: Mapped[bool] = mapped_column(Boolean, default=False)
    met: Mapped[bool] = mapped_column(Boolean)
    note: Mapped[str] = mapped_column(Text, default="")


class MysteryVisit(Base):
    """A mystery visit or call (친절 모니터링) a CS manager plans: the unit (and officer) to
    visit or call, the scenario the observer plays, the days it may happen on, and who
    observes; done when the observer records the check."""

    __tablename__ = "mystery_visit"
    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("office.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    officer_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    channel: Mapped[str] = mapped_column(String(8))
    scenario: Mapped[str] = mapped_column(Text)
    window_start: Mapped[date] = mapped_column(Date)
    window_end: Mapped[date] = mapped_column(Date)
    observer_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), index=True)
    status: Mapped[str] = mapped_column(String(12), default="planned")
    planned_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class UnitPromise(Base):
    """A unit's one distinctive service promise from ``since``; a new promise ends the one
    before on the day it starts (``until``), so the history stays."""

    __tablename__ = "unit_promise"
    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    text: Mapped[str] = mapped_column(String(300))
    since: Mapped[date] = mapped_column(Date)
    until: Mapped[date | None] = mapped_column(Date)
    set_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
