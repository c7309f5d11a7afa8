"""Invitations to answer a survey once: a long random token (links, QR codes), a short code of
unambiguous capitals and digits (to type from a printed card or read out in a call), an expiry,
and the quiet-days rule — a citizen is not surveyed twice within the template's quiet days."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from minwon.surveys.models import SurveyInvitation, SurveyTemplate
from minwon.timeutil import as_aware

CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"
"""Characters of a survey code: digits and capitals without the look-alikes 0/O, 1/I/L, and
without U (no accidental words). 30 symbols."""
CODE_LENGTH = 12
"""A code is 12 symbols, printed in three groups of four (``7KQM-3XHD-9RTW``): 30**12 ≈ 5.3e17
codes, so with 10,000 open invitations in one office a guess succeeds with probability
10,000 / 30**12 ≈ 1.9e-14 — far below one in a million, before any throttling."""
LEGACY_DIGITS = 8
"""Codes issued before were 8 digits; they keep working until their invitation expires."""
ASKED_VIA = frozenset({"email", "letter"})
"""How an invitation reaches a citizen who is asked to answer: by e-mail, or as a code on the
answer letter. The others answer no request that was sent: a counter kiosk's one-visit form
(``kiosk``), a happy call that was the first contact (``phone``), and the code card an officer
can hand over after an outreach meeting (``outreach``, made for every contact logged, whether
or not it was handed over). Their answers count in the scores but apart from the response
rate."""


def asks(via: str) -> bool:
    """Whether an invitation made ``via`` this way counts as sent (see ``ASKED_VIA``)."""
    return via in ASKED_VIA


@dataclass(frozen=True)
class Target:
    """What a survey will score: where the citizen was served, by whom, about what."""

    office_id: int
    unit_id: int | None = None
    officer_id: int | None = None
    voice_id: int | None = None
    category_id: int | None = None
    channel: str = ""
    citizen_key: str | None = None
    campaign: str = ""


@dataclass(frozen=True)
class Issued:
    """A new invitation with its secrets (shown or sent once, stored only as a hash/code)."""

    invitation: SurveyInvitation
    token: str


def token_digest(token: str) -> str:
    """How a token is stored: its SHA-256, so a copy of the database opens no survey."""
    return hashlib.sha256(token.encode()).hexdigest()


def normalise_code(code: str) -> str | None:
    """The stored form of a typed code — capitals, no spaces or hyphens — or None when it cannot
    be a code (a new 12-symbol code, or an old 8-digit one)."""
    plain = "".join(ch for ch in code.upper() if ch not in " -\t")
    if len(plain) == LEGACY_DIGITS and plain.isascii() and plain.isdigit():
        return plain
    if len(plain) == CODE_LENGTH and all(ch in CODE_ALPHABET for ch in plain):
        return plain
    return None


def display_code(code: str) -> str:
    """A stored code as printed and shown: groups of four joined by hyphens."""
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


def _new_code(db: Session) -> str:
    while True:
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        if (
            db.scalar(select(SurveyInvitation.id).where(SurveyInvitation.short_code == code))
            is None
        ):
            return code


def quiet(db: Session, template: SurveyTemplate, citizen_key: str | None, now: datetime) -> bool:
    """Whether the citizen was already invited within the template's quiet days."""
    if citizen_key is None or template.quiet_days == 0:
        return False
    since = now - timedelta(days=template.quiet_days)
    query = select(SurveyInvitation.id).where(
        SurveyInvitation.citizen_key == citizen_key, SurveyInvitation.created_at > since
    )
    return db.scalar(query.limit(1)) is not None


def issue(
    db: Session, template: SurveyTemplate, target: Target, *, via: str, now: datetime
) -> Issued | None:
    """A new invitation for ``target``, or None when the quiet-days rule holds it back."""
    if quiet(db, template, target.citizen_key, now):
        return None
    token = secrets.token_urlsafe(24)
    send_at = now + timedelta(hours=template.delay_hours)
    invitation = SurveyInvitation(
        template_id=template.id,
        office_id=target.office_id,
        unit_id=target.unit_id,
        officer_id=target.officer_id,
        voice_id=target.voice_id,
        category_id=target.category_id,
        channel=target.channel,
        campaign=target.campaign,
        citizen_key=target.citizen_key,
        token_hash=token_digest(token),
        short_code=_new_code(db),
        via=via,
        created_at=now,
        send_at=send_at,
        expires_at=send_at + timedelta(days=template.expires_days),
    )
    db.add(invitation)
    db.flush()
    return Issued(invitation, token)


def by_token(db: Session, token: str) -> SurveyInvitation | None:
    """The invitation a link or QR code carries, if any."""
    if not token or len(token) > 100:
        return None
    query = select(SurveyInvitation).where(SurveyInvitation.token_hash == token_digest(token))
    return db.scalars(query).one_or_none()


def by_code(db: Session, code: str) -> SurveyInvitation | None:
    """The invitation a short code names, if any (any case; spaces and hyphens ignored)."""
    plain = normalise_code(code) if len(code) <= 40 else None
    if plain is None:
        return None
    query = select(SurveyInvitation).where(SurveyInvitation.short_code == plain)
    return db.scalars(query).one_or_none()


def state(invitation: SurveyInvitation | None, now: datetime) -> str:
    """``open``, ``used``, ``expired`` or ``unknown`` — what the citizen's page should say."""
    if invitation is None:
        return "unknown"
    if invitation.used_at is not None:
        return "used"
    if as_aware(invitation.expires_at) <= now:
        return "expired"
    return "open"


def for_voice(db: Session, voice_id: int) -> SurveyInvitation | None:
    """The invitation sent about a voice, if one was."""
    query = select(SurveyInvitation).where(SurveyInvitation.voice_id == voice_id)
    return db.scalars(query).one_or_none()
