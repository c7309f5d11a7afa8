"""Settings read from the environment (prefix ``MINWON_``) or a ``.env`` file."""

from functools import lru_cache
from typing import Literal

from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Every knob minwon reads; documented in the README's configuration table."""

    model_config = SettingsConfigDict(env_prefix="MINWON_", env_file=".env", extra="ignore")

    database_url: str = "sqlite:///minwon.db"
    # FULL: a voice acknowledged is on disk even after a power loss; NORMAL: faster commits,
    # but a power loss (not a crash) can undo the last ones.
    sqlite_synchronous: Literal["FULL", "NORMAL"] = "FULL"
    secret_key: str = "change-me-in-production"
    base_url: str = "http://127.0.0.1:8000"
    session_max_age: int = 60 * 60 * 12
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


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings, read once."""
    return Settings()
