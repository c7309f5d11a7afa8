"""Staff references: how something handed to the public (a request card's QR link) names the
officer it came from without giving away half of their sign-in.

A reference is ``~`` and the staff id (``~17``). Cards printed before references existed carry
the officer's login instead; both are read back here, so whoever files a voice from a card —
the citizen form, the API, an import — credits the same officer, and only within the office
the voice goes to.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from minwon.org.models import Staff

REF_MARK = "~"
"""What starts a staff reference. A login cannot start with it (logins start with a letter or
digit), so an older card's login never reads as a reference; ``~`` is unreserved in a URL,
so it stays as it is in a QR code."""

_MAX_DIGITS = 18  # beyond any id the database hands out; longer is not a reference


def staff_ref(staff_id: int) -> str:
    """The reference that names staff member ``staff_id`` in public (``~17``)."""
    return f"{REF_MARK}{staff_id}"


def staff_id_in(ref: str) -> int | None:
    """The staff id a reference names (``~17`` → 17); None when ``ref`` is not a reference
    (an older card's login, or anything else)."""
    text = ref.strip()
    digits = text.removeprefix(REF_MARK)
    if not text.startswith(REF_MARK) or not (digits.isascii() and digits.isdigit()):
        return None
    return int(digits) if len(digits) <= _MAX_DIGITS else None


def staff_named_in_office(db: Session, ref: str | None, office_id: int) -> int | None:
    """The id of the staff member a reference or an older card's login names, when they work
    in ``office_id``; None for nobody known there (a card from another office still files its
    voice, only without the attribution)."""
    if not ref or not ref.strip():
        return None
    staff_id = staff_id_in(ref)
    if staff_id is not None:
        staff = db.get(Staff, staff_id)
    else:
        staff = db.scalar(select(Staff).where(Staff.login == ref.strip()))
    return staff.id if staff is not None and staff.office_id == office_id else None
