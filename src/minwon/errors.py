"""Errors a service raises for a person or a caller to read; routes turn them into 4xx."""


class MinwonError(Exception):
    """Base of the errors shown to a user; ``status`` is the HTTP status it maps to."""

    status = 400
    key: str | None = None
    """An interface text's key (``minwon/web/i18n``) when the message is one, for pages in
    another language; None for a message written in the service."""

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


class InvalidFields(Invalid):
    """Several inputs are wrong at once (a survey with three questions unanswered): every
    field's message, so a form can mark them all; ``message``/``field`` are the first."""

    def __init__(self, errors: dict[str, str]) -> None:
        field, message = next(iter(errors.items()))
        super().__init__(message, field=field)
        self.errors = dict(errors)


def field_messages(exc: MinwonError) -> dict[str, str]:
    """Every field's message of ``exc`` (one for a plain error, under "form" without a
    field), for a form to show next to each field."""
    if isinstance(exc, InvalidFields):
        return dict(exc.errors)
    return {exc.field or "form": exc.message}


class Unauthorized(MinwonError):
    """No valid login or token."""

    status = 401


class TooManyRequests(MinwonError):
    """The caller tried too often; ``retry_after`` is how many seconds to wait (``Retry-After``)."""

    status = 429

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after
