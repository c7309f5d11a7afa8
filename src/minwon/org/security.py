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


def new_token() -> str:
    """A fresh bearer token to hand out once."""
    return "mw_" + secrets.token_urlsafe(32)


def token_digest(token: str) -> str:
    """The stored form of a token or receipt secret: its SHA-256 in hex."""
    return hashlib.sha256(token.encode()).hexdigest()
