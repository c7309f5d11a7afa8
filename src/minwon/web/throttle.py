"""Throttling of what a stranger can try many times: staff logins (per account and per client
address), tracking lookups, survey codes, and the public submit and patrol forms.

Counters live in memory by default (one process) and in Redis when ``MINWON_REDIS_URL`` is set,
so that every worker process of a server shares them. The client address is
``request.client.host``: behind a reverse proxy, run uvicorn with ``--proxy-headers`` (and
``--forwarded-allow-ips``) so that it is the citizen's address, not the proxy's.

A route asks ``blocked`` before it does the work and ``hit`` after the outcome it counts (a
failed login, an unknown code, a stored voice); a blocked caller gets 429 with ``Retry-After``.
"""

from __future__ import annotations

import logging
import math
import time
import weakref
from dataclasses import dataclass
from typing import TypeVar

from fastapi import Request
from limits import RateLimitItem, parse
from limits.errors import StorageError
from limits.storage import Storage, storage_from_string
from limits.strategies import MovingWindowRateLimiter
from starlette.responses import Response

from minwon.config import Settings
from minwon.errors import TooManyRequests
from minwon.web.i18n import translate
from minwon.web.templating import language

log = logging.getLogger("minwon.throttle")

RULES = (
    "login_account",
    "login_address",
    "track",
    "survey_code",
    "submit",
    "patrol",
)
"""The throttled actions; each has a setting ``throttle_<rule>`` such as ``"10/15 minutes"``."""

ResponseT = TypeVar("ResponseT", bound=Response)
_LIVE: weakref.WeakSet[Throttle] = weakref.WeakSet()


@dataclass(frozen=True)
class Verdict:
    """Whether one more attempt is allowed now, and if not, how many seconds to wait."""

    allowed: bool
    retry_after: int = 0


def parse_rules(settings: Settings) -> dict[str, RateLimitItem]:
    """Every rule's limit read from the settings; a malformed one stops the start-up with a
    message naming the setting (better than a server that never throttles)."""
    items = {}
    for rule in RULES:
        raw = getattr(settings, f"throttle_{rule}")
        try:
            items[rule] = parse(raw)
        except ValueError as exc:
            raise ValueError(
                f"MINWON_THROTTLE_{rule.upper()}={raw!r} is not a limit like '10/15 minutes'"
            ) from exc
    return items


class Throttle:
    """The counters of one application (memory or Redis), with one moving-window limit per
    rule. The storage is opened on first use, so building an app starts no thread."""

    def __init__(
        self, rules: dict[str, RateLimitItem], storage_uri: str = "", key_prefix: str = "minwon"
    ) -> None:
        self.rules = rules
        self.storage_uri = storage_uri or "memory://"
        self.key_prefix = key_prefix
        self._storage: Storage | None = None
        self._limiter: MovingWindowRateLimiter | None = None
        _LIVE.add(self)

    @classmethod
    def from_settings(cls, settings: Settings) -> Throttle:
        """The throttle the settings describe (Redis when ``redis_url`` is set)."""
        return cls(parse_rules(settings), settings.redis_url)

    @property
    def limiter(self) -> MovingWindowRateLimiter:
        """The limiter on this throttle's storage, opened on first use."""
        if self._limiter is None:
            options: dict[str, str] = {}
            if self.storage_uri.startswith(("redis://", "rediss://", "unix://")):
                options["key_prefix"] = self.key_prefix
            storage = storage_from_string(self.storage_uri, wrap_exceptions=True, **options)
            if not isinstance(storage, Storage):
                raise ValueError(f"{self.storage_uri!r} names an asyncio storage")
            self._storage = storage
            self._limiter = MovingWindowRateLimiter(storage)
        return self._limiter

    def blocked(self, rule: str, *keys: str) -> Verdict:
        """Whether the next attempt of ``rule`` by every one of ``keys`` still fits its limit;
        the first key over its limit decides the wait. A storage failure lets the attempt
        through (logged): a Redis outage must not close the citizens' forms."""
        item = self.rules[rule]
        wait = 0
        try:
            for key in keys:
                if not self.limiter.test(item, rule, key):
                    stats = self.limiter.get_window_stats(item, rule, key)
                    wait = max(wait, max(1, math.ceil(stats.reset_time - time.time())))
        except StorageError:
            log.warning("throttle storage unreachable; %s not throttled", rule, exc_info=True)
            return Verdict(True)
        return Verdict(wait == 0, wait)

    def hit(self, rule: str, *keys: str) -> None:
        """Count one attempt of ``rule`` against each of ``keys``."""
        item = self.rules[rule]
        try:
            for key in keys:
                self.limiter.hit(item, rule, key)
        except StorageError:
            log.warning("throttle storage unreachable; %s not counted", rule, exc_info=True)

    def reset(self) -> None:
        """Forget every counter of this throttle (tests; an admin after an incident)."""
        if self._storage is not None:
            self._storage.reset()


def reset_all() -> None:
    """Forget the counters of every throttle alive in this process (test isolation)."""
    for throttle in list(_LIVE):
        throttle.reset()


def throttle_of(request: Request) -> Throttle:
    """The application's throttle."""
    throttle: Throttle = request.app.state.throttle
    return throttle


def retry_minutes(seconds: int) -> int:
    """The wait in whole minutes for a message (at least one)."""
    return max(1, math.ceil(seconds / 60))


def with_retry_after(response: ResponseT, seconds: int) -> ResponseT:
    """``response`` with the ``Retry-After`` header a 429 carries."""
    response.headers["Retry-After"] = str(seconds)
    return response


def message(request: Request, seconds: int, key: str = "throttled") -> str:
    """The message for a throttled caller in their language, with the wait in minutes."""
    return translate(language(request), key, minutes=retry_minutes(seconds))


def too_many(request: Request, seconds: int) -> TooManyRequests:
    """The error an API route or a page without a form to re-render raises when throttled."""
    return TooManyRequests(message(request, seconds), retry_after=seconds)
