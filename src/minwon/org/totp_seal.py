"""Two-factor secrets sealed at rest, so a copy of the database (a backup, a dump, a stolen
disk) does not hand out every staff member's authenticator codes.

A secret is stored as ``sealed:`` followed by a Fernet token (AES-128-CBC with an HMAC,
``cryptography``) under a key derived from ``MINWON_SECRET_KEY`` with HKDF, which never lives
in the database. Changing the secret key is possible without locking anyone out: the previous
keys go in ``MINWON_SECRET_KEY_FALLBACKS``, secrets sealed under them still open, and
``minwon serve`` and ``minwon worker`` seal them again under the current key when they start
(``twofactor.reseal_all``); the fallback can then be removed. Secrets written by a minwon
before sealing existed are plain base32 and are sealed the same way.
"""

import base64
from collections.abc import Sequence
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from minwon.config import Settings, get_settings

PREFIX = "sealed:"
"""What a sealed secret starts with; a plain base32 secret (A–Z, 2–7) never does."""
_PURPOSE = b"minwon two-factor secret"


class UnreadableSecret(ValueError):
    """A sealed secret that neither the secret key nor any fallback key opens."""


class Keyring:
    """Seals with the current key; opens with the current key or any fallback."""

    def __init__(self, current: str, fallbacks: Sequence[str] = ()) -> None:
        """A keyring of the secret key ``current`` and the earlier keys ``fallbacks``."""
        self._current = _fernet(current)
        self._any = MultiFernet([self._current, *(_fernet(k) for k in fallbacks)])

    def seal(self, secret: str) -> str:
        """``secret`` as it is stored: sealed under the current key."""
        return PREFIX + self._current.encrypt(secret.encode()).decode("ascii")

    def open(self, stored: str) -> str:
        """The secret behind a stored value ("" stays "", a plain legacy secret is itself);
        raises ``UnreadableSecret`` when no key opens it."""
        if not stored.startswith(PREFIX):
            return stored
        try:
            return self._any.decrypt(stored[len(PREFIX) :].encode("ascii")).decode()
        except (InvalidToken, UnicodeError) as exc:
            raise UnreadableSecret("no key opens this two-factor secret") from exc

    def is_current(self, stored: str) -> bool:
        """Whether a stored value needs no resealing: empty, or sealed under the current key."""
        if not stored:
            return True
        if not stored.startswith(PREFIX):
            return False
        try:
            self._current.decrypt(stored[len(PREFIX) :].encode("ascii"))
        except (InvalidToken, UnicodeError):
            return False
        return True


def keyring(settings: Settings | None = None) -> Keyring:
    """The keyring of ``settings`` (the process's by default)."""
    chosen = settings or get_settings()
    return _keyring(chosen.secret_key, tuple(chosen.fallback_secret_keys))


@lru_cache(maxsize=8)
def _keyring(current: str, fallbacks: tuple[str, ...]) -> Keyring:
    """One keyring per set of keys: deriving the keys costs an HKDF run each."""
    return Keyring(current, fallbacks)


def _fernet(secret_key: str) -> Fernet:
    """A Fernet key of its own for two-factor secrets, derived from a secret key, so the key
    that signs cookies is never used directly as an encryption key."""
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_PURPOSE).derive(
        secret_key.encode()
    )
    return Fernet(base64.urlsafe_b64encode(derived))
