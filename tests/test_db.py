"""The shared database layer: instants round-trip as aware UTC on every engine."""

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from minwon.org.models import Organization, Staff


def test_datetimes_come_back_aware_and_equal(db: Session) -> None:
    org = Organization(code="T", name="테스트", settings={})
    db.add(org)
    seoul = datetime(2026, 3, 2, 9, 30, tzinfo=timezone(timedelta(hours=9)))
    staff = Staff(login="a", name="가", role="admin", created_at=seoul)
    db.add(staff)
    db.commit()
    db.expire_all()
    got = db.scalars(select(Staff)).one().created_at
    assert got.tzinfo is not None
    assert got == seoul
    assert got.astimezone(UTC).hour == 0


def test_naive_datetime_is_refused(db: Session) -> None:
    db.add(Staff(login="b", name="나", role="admin", created_at=datetime(2026, 1, 1)))
    with pytest.raises(Exception, match="naive"):
        db.commit()
