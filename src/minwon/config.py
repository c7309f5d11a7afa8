"""Settings read from the environment (prefix ``MINWON_``) or a ``.env`` file."""

import os
from functools import lru_cache
from typing import Literal

from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_SECRET_KEY = "change-me-in-production"
"""The key shipped in the code: public, so never good enough to sign a real cookie."""
MIN_SECRET_KEY_LENGTH = 32


def secret_key_problem(key: str) -> str | None:
    """Why ``key`` must not sign cookies (the shipped default, empty, or shorter than
    ``MIN_SECRET_KEY_LENGTH``), or None for a usable key; serve and worker check this."""
    if not key.strip():
        return "비어 있습니다 (empty)"
    if key == DEFAULT_SECRET_KEY:
        return "코드에 들어 있는 기본값입니다 (the shipped default)"
    if len(key) < MIN_SECRET_KEY_LENGTH:
        return (
            f"{MIN_SECRET_KEY_LENGTH}자보다 짧습니다 "
            f"(shorter than {MIN_SECRET_KEY_LENGTH} characters)"
        )
    return None


class Settings(BaseSettings):
    """Every knob minwon reads; documented in the README's configuration table."""

    model_config = SettingsConfigDict(env_prefix="MINWON_", env_file=".env", extra="ignore")

    database_url: str = "sqlite:///minwon.db"
    # FULL: a voice acknowledged is on disk even after a power loss; NORMAL: faster commits,
    # but a power loss (not a crash) can undo the last ones.
    sqlite_synchronous: Literal["FULL", "NORMAL"] = "FULL"
    # Signs the browser cookie (CSRF token, messages). `minwon serve` and `minwon worker`
    # refuse DEFAULT_SECRET_KEY, an empty or a short key; `minwon demo` makes its own.
    secret_key: str = DEFAULT_SECRET_KEY
    # Earlier secret keys, separated by commas, while a new one is rolled out: the
    # two-factor secrets sealed under them still open and are sealed again under secret_key
    # when serve or worker starts (see minwon.org.totp_seal); then they can be removed.
    secret_key_fallbacks: str = ""
    # Links in mails, QR codes and survey invitations. Unless given (environment or .env),
    # `minwon serve` / `minwon demo` replace it by the address they serve (apply_served_address).
    base_url: str = "http://127.0.0.1:8000"
    # A staff sign-in ends this many seconds after it began (absolute timeout) ...
    session_max_age: int = 60 * 60 * 12
    # ... or after this many seconds without a request (idle timeout), whichever comes first.
    session_idle_timeout: int = 30 * 60
    # Cookies are `Secure` whenever base_url is https; true forces it on plain http too.
    cookie_secure: bool = False
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 1025
    smtp_user: str = ""
    smtp_password: str = ""
    smtp_starttls: bool = False
    mail_from: str = "minwon@localhost"
    outbox_max_attempts: int = 8
    worker_poll_seconds: float = 2.0
    default_language: str = "ko"
    page_size: int = 50
    # Throttling (``limits`` notation, "N/M minutes"): shared through Redis when redis_url is set.
    redis_url: str = ""
    throttle_login_account: str = "10/15 minutes"
    throttle_login_address: str = "30/15 minutes"
    throttle_track: str = "10/15 minutes"
    throttle_survey_code: str = "10/15 minutes"
    throttle_submit: str = "10/hour"
    throttle_patrol: str = "10/hour"
    # An account that failed this many sign-ins in a row waits before the next try, twice as
    # long after each further failure (login_delay_seconds, doubled) ...
    login_delay_after: int = 3
    login_delay_seconds: int = 15
    # ... and is locked for login_lock_minutes after login_lock_after failures in a row (its
    # owner gets a mail; an admin can unlock it on /admin/security).
    login_lock_after: int = 10
    login_lock_minutes: int = 30
    # The name authenticator apps show next to a staff member's two-factor entry.
    totp_issuer: str = "minwon"
    # request bodies: refused with 413 before they are read (see minwon.web.body_limits)
    max_body_bytes: int = 1024 * 1024
    max_upload_bytes: int = 10 * 1024 * 1024
    max_import_bytes: int = 512 * 1024 * 1024
    # files a citizen may attach to a voice on the public form, each up to max_upload_bytes
    max_attachments: int = 3

    @property
    def fallback_secret_keys(self) -> list[str]:
        """``secret_key_fallbacks`` as a list, in the order given; spaces around a key are
        not part of it (a key may hold spaces inside, not commas)."""
        return [k.strip() for k in self.secret_key_fallbacks.split(",") if k.strip()]

    @property
    def secure_cookies(self) -> bool:
        """Whether cookies carry ``Secure``: always behind an https ``base_url``, or when
        ``cookie_secure`` forces it."""
        return self.cookie_secure or self.base_url.lower().startswith("https://")


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings, read once."""
    return Settings()


WILDCARD_HOSTS = frozenset({"", "0.0.0.0", "::", "[::]"})
"""Listening addresses that mean "every interface": no one opens a link to them."""


def served_base_url(host: str, port: int) -> str:
    """The address links should carry for a server listening on ``host``:``port``.

    A wildcard host (0.0.0.0, ::) is no address a browser can open, so links then name this
    machine's loopback address; an IPv6 host is put in brackets.
    """
    name = host.strip()
    if name in WILDCARD_HOSTS:
        name = "127.0.0.1"
    elif ":" in name and not name.startswith("["):
        name = f"[{name}]"
    return f"http://{name}:{port}"


def base_url_is_explicit(settings: Settings) -> bool:
    """Whether ``MINWON_BASE_URL`` was given (environment or .env), not left at its default."""
    return "base_url" in settings.model_fields_set


def effective_base_url(settings: Settings, *, host: str, port: int) -> str:
    """The base URL of a server on ``host``:``port``: ``MINWON_BASE_URL`` when it was given
    (a proxy or a public name in front of the server wins), else the served address."""
    if base_url_is_explicit(settings):
        return settings.base_url
    return served_base_url(host, port)


def apply_served_address(host: str, port: int) -> str:
    """Make this process's settings (and the processes it starts) use the effective base URL
    for ``host``:``port``, so links follow ``--port``/``--host``; returns that URL.

    Called by ``minwon serve`` and ``minwon demo`` at start-up, before the application is
    built. An explicit ``MINWON_BASE_URL`` is left as it is.
    """
    settings = get_settings()
    url = effective_base_url(settings, host=host, port=port)
    if not base_url_is_explicit(settings):
        os.environ["MINWON_BASE_URL"] = url
        get_settings.cache_clear()
    return url
