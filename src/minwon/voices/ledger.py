"""Ledger numbers: one gap-free sequence per unit and year."""

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from minwon.voices.models import LedgerCounter


def next_sequence(*, db_session: Session, unit_id: int, year: int) -> int:
    """Take the next number of a unit's ledger for ``year`` inside the caller's transaction.

    The counter row is incremented by an upsert that holds its row lock (PostgreSQL) or the
    database write lock (SQLite, BEGIN IMMEDIATE) until the caller commits; a rollback gives the
    number back, so numbers have no gaps and no duplicates under concurrent intake.
    """
    return take_sequences(db_session=db_session, unit_id=unit_id, year=year, count=1)


def take_sequences(*, db_session: Session, unit_id: int, year: int, count: int) -> int:
    """Take the next ``count`` numbers of a unit's ledger for ``year`` at once (an import
    reserves all of its rows' numbers this way); returns the first. Same locking as
    ``next_sequence``: the numbers are the caller's when it commits, given back if it does not.
    """
    dialect = sqlite if db_session.get_bind().dialect.name == "sqlite" else postgresql
    stmt = dialect.insert(LedgerCounter).values(unit_id=unit_id, year=year, last=count)
    stmt = stmt.on_conflict_do_update(
        index_elements=[LedgerCounter.unit_id, LedgerCounter.year],
        set_={"last": LedgerCounter.last + count},
    ).returning(LedgerCounter.last)
    return int(db_session.execute(stmt).scalar_one()) - count + 1


def format_number(unit_code: str, year: int, seq: int) -> str:
    """The printed ledger number, e.g. ``GR01-2026-000123``."""
    return f"{unit_code}-{year}-{seq:06d}"
