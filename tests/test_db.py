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


def _synchronous(url: str) -> int:
    from minwon.db import make_engine

    engine = make_engine(url)
    with engine.connect() as conn:
        level = conn.exec_driver_sql("PRAGMA synchronous").scalar()
    engine.dispose()
    return int(level or 0)


def test_sqlite_syncs_every_commit_unless_told_otherwise(tmp_path, monkeypatch) -> None:
    from pydantic import ValidationError

    from minwon.config import get_settings

    url = f"sqlite:///{tmp_path / 'sync.db'}"
    monkeypatch.delenv("MINWON_SQLITE_SYNCHRONOUS", raising=False)
    get_settings.cache_clear()
    try:
        assert _synchronous(url) == 2  # FULL: an acknowledged voice survives a power loss
        monkeypatch.setenv("MINWON_SQLITE_SYNCHRONOUS", "NORMAL")
        get_settings.cache_clear()
        assert _synchronous(url) == 1
        monkeypatch.setenv("MINWON_SQLITE_SYNCHRONOUS", "OFF")
        get_settings.cache_clear()
        with pytest.raises(ValidationError, match="sqlite_synchronous"):
            get_settings()
    finally:
        get_settings.cache_clear()
