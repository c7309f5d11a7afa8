"""Password hashing (argon2) and API tokens (random, stored as SHA-256)."""

import hashlib
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()


def hash_password(password: str) -> str:
    """An argon2id hash of ``password`` for storage."""
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """True when ``password`` matches the stored hash; never raises on a bad hash."""
    if not password_hash:
        return False
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


_dummy: tuple[PasswordHasher, str] | None = None


def verify_dummy(password: str) -> bool:
    """Verify ``password`` against a throw-away hash made with the current hasher, so that an
    unknown login costs as much time as a real one and answer times reveal no login names.
    Always False."""
    global _dummy
    if _dummy is None or _dummy[0] is not _hasher:
        _dummy = (_hasher, _hasher.hash(secrets.token_urlsafe(16)))
    verify_password(_dummy[1], password)
    return False


def new_token() -> str:
    """A fresh bearer token to hand out once."""
    return "mw_" + secrets.token_urlsafe(32)


def token_digest(token: str) -> str:
    """The stored form of a token or receipt secret: its SHA-256 in hex."""
    return hashlib.sha256(token.encode()).hexdigest()
