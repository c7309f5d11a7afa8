"""Two-factor sign-in for staff: a TOTP authenticator app (RFC 6238, ``pyotp``) with one-time
recovery codes for a lost phone, and which roles must use it (an admin's choice; by default
admins only).

A code is accepted once: the time step it belongs to is remembered, so a code seen over a
shoulder or replayed from a log cannot sign in a second time. Secrets are stored sealed under a
key outside the database (``minwon.org.totp_seal``).
"""

import logging
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

import pyotp
from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.orm import Session

from minwon.org import sessions, signin, totp_seal
from minwon.org.models import RecoveryCode, RolePolicy, Staff
from minwon.org.roles import ADMIN, ROLES
from minwon.org.security import token_digest

DEFAULT_REQUIRED = frozenset({ADMIN})
"""Roles that must use two-factor sign-in until an admin decides otherwise."""
RECOVERY_CODES = 10
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
"""Recovery codes avoid letters people confuse on paper (i/l/1, o/0)."""
DRIFT_STEPS = 1
"""A code of the step before or after the current one is accepted (clocks drift)."""
log = logging.getLogger("minwon")


@dataclass
class Resealed:
    """What ``reseal_all`` did: secrets sealed again under the current key, and the logins of
    staff using two-factor whose secret no key opens."""

    resealed: int = 0
    unreadable: list[str] = field(default_factory=list)


def new_secret() -> str:
    """A fresh base32 TOTP secret (160 bits) for an authenticator app."""
    return pyotp.random_base32(32)


def provisioning_uri(secret: str, *, login: str, issuer: str) -> str:
    """The ``otpauth://`` address an authenticator app reads from a QR code."""
    return pyotp.TOTP(secret).provisioning_uri(name=login, issuer_name=issuer)


def matching_step(secret: str, code: str, *, now: datetime) -> int | None:
    """The time step whose code is ``code`` (within the allowed drift), or None."""
    digits = "".join(ch for ch in code if ch in "0123456789")
    if len(digits) != 6 or not secret:
        return None
    totp = pyotp.TOTP(secret)
    current = totp.timecode(now)
    for step in range(current - DRIFT_STEPS, current + DRIFT_STEPS + 1):
        if secrets.compare_digest(totp.generate_otp(step), digits):
            return step
    return None


def offer_secret(staff: Staff) -> None:
    """Give ``staff`` a fresh secret to set up an authenticator app with (stored sealed; it
    takes effect once a first code confirms it, ``enable``)."""
    staff.totp_secret = totp_seal.keyring().seal(new_secret())


def secret_of(staff: Staff) -> str:
    """The staff member's secret in clear, or "" when they have none or no key opens it (then
    no code matches: the person signs in with a recovery code, and the admin page lists them)."""
    try:
        return totp_seal.keyring().open(staff.totp_secret)
    except totp_seal.UnreadableSecret:
        if staff.totp_enabled_at is not None:  # an unconfirmed set-up is simply offered anew
            log.error("two-factor secret of %s: no secret key opens it", staff.login)
        return ""


def confirms_setup(staff: Staff, code: str, *, now: datetime) -> bool:
    """Whether ``code`` is a current code of the secret offered to ``staff`` for set-up."""
    return matching_step(secret_of(staff), code, now=now) is not None


def code_at(secret: str, now: datetime) -> str:
    """The code an authenticator app shows at ``now`` (tests and the set-up check)."""
    return pyotp.TOTP(secret).at(now)


def verify_code(staff: Staff, code: str, *, now: datetime) -> bool:
    """True when ``code`` is the staff member's current code and has not been used before;
    the step is then remembered so the same code fails from now on."""
    step = matching_step(secret_of(staff), code, now=now)
    if step is None or step <= staff.totp_last_step:
        return False
    staff.totp_last_step = step
    return True


def enable(*, db_session: Session, staff: Staff, now: datetime) -> list[str]:
    """Turn two-factor sign-in on with the secret offered (already confirmed by a code, see
    ``confirms_setup``), record it in the audit trail and return fresh recovery codes, shown to
    the person once."""
    staff.totp_enabled_at = now
    staff.totp_last_step = pyotp.TOTP(secret_of(staff)).timecode(now)
    signin.audit(
        db_session=db_session, action="totp_enabled", staff=staff, actor_id=staff.id, now=now
    )
    return new_recovery_codes(db_session=db_session, staff=staff)


def turn_off(*, db_session: Session, staff: Staff, now: datetime) -> None:
    """The person turns their own two-factor sign-in off (recorded)."""
    disable(db_session=db_session, staff=staff)
    signin.audit(
        db_session=db_session, action="totp_disabled", staff=staff, actor_id=staff.id, now=now
    )


def reset(*, db_session: Session, staff: Staff, actor_id: int | None, now: datetime) -> None:
    """An admin turns someone's two-factor off (a lost or replaced phone) and signs them out
    everywhere (recorded); a role that requires it sets it up again at the next sign-in."""
    disable(db_session=db_session, staff=staff)
    sessions.end_staff_sessions(db_session=db_session, staff_id=staff.id, now=now, reason="totp")
    signin.audit(
        db_session=db_session, action="totp_reset", staff=staff, actor_id=actor_id, now=now
    )


def reseal_all(db_session: Session, ring: totp_seal.Keyring | None = None) -> Resealed:
    """Seal every stored secret under the current key of ``ring`` (the process's by default):
    those of an earlier minwon (stored in clear) and those sealed under a fallback key.
    ``minwon serve``, ``minwon worker`` and ``minwon restore`` run this when they start.

    Call it in a write transaction (``begin_write``): the rows stay locked until it commits, so
    a set-up confirmed meanwhile in another process is never overwritten."""
    ring, done = ring or totp_seal.keyring(), Resealed()
    query = (
        select(Staff)
        .where(or_(Staff.totp_secret != "", Staff.totp_enabled_at.is_not(None)))
        .order_by(Staff.id)
        .with_for_update()
    )
    for staff in db_session.scalars(query):
        if staff.totp_secret and ring.is_current(staff.totp_secret):
            continue
        if _reseal(ring, staff):
            done.resealed += 1
        elif staff.totp_enabled_at is not None:
            done.unreadable.append(staff.login)
    db_session.flush()
    return done


def _reseal(ring: totp_seal.Keyring, staff: Staff) -> bool:
    """Seal the staff member's secret under the current key; False when no key opens it. A
    set-up never confirmed whose secret no key opens is dropped (the next set-up offers a new
    one); the secret of someone using two-factor is kept as it is, for the old key may turn up."""
    try:
        secret = ring.open(staff.totp_secret)
    except totp_seal.UnreadableSecret:
        if staff.totp_enabled_at is None:
            staff.totp_secret = ""
        return False
    if not secret:
        return False
    staff.totp_secret = ring.seal(secret)
    return True


def unreadable(staff: Iterable[Staff]) -> list[Staff]:
    """Those of ``staff`` who use two-factor but whose secret no secret key opens (the key was
    changed without keeping the old one in ``MINWON_SECRET_KEY_FALLBACKS``)."""
    ring = totp_seal.keyring()
    return [p for p in staff if p.totp_enabled_at is not None and not _opens(ring, p.totp_secret)]


def _opens(ring: totp_seal.Keyring, stored: str) -> bool:
    """Whether ``stored`` holds a secret that a key of ``ring`` opens."""
    try:
        return bool(ring.open(stored))
    except totp_seal.UnreadableSecret:
        return False


def renew_recovery_codes(*, db_session: Session, staff: Staff, now: datetime) -> list[str]:
    """New recovery codes in place of the old ones, at the person's request (recorded)."""
    signin.audit(
        db_session=db_session, action="recovery_renewed", staff=staff, actor_id=staff.id, now=now
    )
    return new_recovery_codes(db_session=db_session, staff=staff)


def disable(*, db_session: Session, staff: Staff) -> None:
    """Turn two-factor sign-in off and forget the secret and recovery codes (the person then
    sets it up again, e.g. with a new phone)."""
    staff.totp_secret = ""
    staff.totp_enabled_at = None
    staff.totp_last_step = 0
    db_session.execute(delete(RecoveryCode).where(RecoveryCode.staff_id == staff.id))


def new_recovery_codes(*, db_session: Session, staff: Staff) -> list[str]:
    """Replace the staff member's recovery codes with ``RECOVERY_CODES`` new ones."""
    db_session.execute(delete(RecoveryCode).where(RecoveryCode.staff_id == staff.id))
    codes = [_recovery_code() for _ in range(RECOVERY_CODES)]
    for code in codes:
        db_session.add(RecoveryCode(staff_id=staff.id, code_hash=_code_digest(code)))
    db_session.flush()
    return codes


def use_recovery_code(*, db_session: Session, staff: Staff, code: str, now: datetime) -> bool:
    """True when ``code`` is one of the staff member's unused recovery codes; it is used up."""
    normalised = _normalise(code)
    if len(normalised) != 10:
        return False
    done = db_session.execute(
        update(RecoveryCode)
        .where(
            RecoveryCode.staff_id == staff.id,
            RecoveryCode.code_hash == _code_digest(normalised),
            RecoveryCode.used_at.is_(None),
        )
        .values(used_at=now)
    )
    return bool(getattr(done, "rowcount", 0))


def recovery_codes_left(*, db_session: Session, staff_id: int) -> int:
    """How many recovery codes the staff member has not used yet."""
    query = select(func.count(RecoveryCode.id)).where(
        RecoveryCode.staff_id == staff_id, RecoveryCode.used_at.is_(None)
    )
    return db_session.scalar(query) or 0


def required_roles(*, db_session: Session) -> frozenset[str]:
    """The roles whose members must use two-factor sign-in now."""
    decided = {p.role: p.totp_required for p in db_session.scalars(select(RolePolicy))}
    return frozenset(role for role in ROLES if decided.get(role, role in DEFAULT_REQUIRED))


def is_required(*, db_session: Session, staff: Staff) -> bool:
    """Whether ``staff`` must use two-factor sign-in (their role requires it)."""
    return staff.role in required_roles(db_session=db_session)


def set_required_roles(*, db_session: Session, roles: Iterable[str]) -> frozenset[str]:
    """Record, for every role, whether it must use two-factor sign-in; returns the new set."""
    wanted = frozenset(r for r in roles if r in ROLES)
    for role in ROLES:
        policy = db_session.get(RolePolicy, role)
        if policy is None:
            db_session.add(RolePolicy(role=role, totp_required=role in wanted))
        else:
            policy.totp_required = role in wanted
    db_session.flush()
    return wanted


def format_recovery_code(code: str) -> str:
    """A recovery code as printed: two groups of five."""
    return f"{code[:5]}-{code[5:]}"


def _recovery_code() -> str:
    return "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(10))


def _normalise(code: str) -> str:
    return "".join(ch for ch in code.lower() if ch.isalnum())


def _code_digest(code: str) -> str:
    return token_digest("recovery:" + _normalise(code))
