"""Errors a service raises for a person or a caller to read; routes turn them into 4xx."""


class MinwonError(Exception):
    """Base of the errors shown to a user; ``status`` is the HTTP status it maps to."""

    status = 400

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class NotFound(MinwonError):
    """The object does not exist or lies outside the caller's offices (ids leak nothing)."""

    status = 404


class Forbidden(MinwonError):
    """The caller's role may not do this."""

    status = 403


class Conflict(MinwonError):
    """The request clashes with the current state (wrong status, reused key, duplicate code)."""

    status = 409


class Invalid(MinwonError):
    """The input is malformed or breaks a rule; ``field`` names what to fix."""

    status = 422


class Unauthorized(MinwonError):
    """No valid login or token."""

    status = 401


class TooManyRequests(MinwonError):
    """The caller tried too often; ``retry_after`` is how many seconds to wait (``Retry-After``)."""

    status = 429

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after
