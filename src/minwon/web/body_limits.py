"""Request bodies are limited before they are read: an announced ``Content-Length`` over the
limit is answered 413 at once, and a chunked body is counted while it streams in and refused as
soon as it passes the limit, so nothing oversized is ever held in memory or spooled to disk.

The limits (settings): ``max_body_bytes`` for JSON, urlencoded forms and anything else
(default 1 MB), ``max_upload_bytes`` for multipart uploads such as evidence files (10 MB),
``max_import_bytes`` for the import page's CSV/XLSX files (512 MB), and on the public submit
form, whose citizens may attach ``max_attachments`` files of ``max_upload_bytes`` each, room for
all of them and the text."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from minwon.textutil import whole_number

IMPORT_PATHS = frozenset({"/imports"})
"""Routes that take whole ledgers as files and get ``max_import_bytes``."""
ATTACHMENT_PATHS = frozenset({"/submit"})
"""Public forms that take several files at once and get ``BodyLimits.attachments``."""

MESSAGE = "보내신 내용이 너무 큽니다(최대 {limit}). 내용을 줄이거나 파일을 나누어 보내 주세요."


@dataclass(frozen=True)
class BodyLimits:
    """The limits, in bytes (``attachments``: a multipart post to the submit form; 0 for the
    upload limit)."""

    body: int
    upload: int
    imports: int
    attachments: int = 0

    def for_request(self, scope: Scope) -> int:
        """The limit for this request: by route for imports (only for a signed-in staff member:
        no one else may make the server take half a gigabyte), by content type otherwise."""
        session = scope.get("session") or {}
        if scope.get("path") in IMPORT_PATHS and session.get("sid"):
            return self.imports
        content_type = Headers(scope=scope).get("content-type", "").lower()
        if content_type.startswith("multipart/form-data"):
            if scope.get("path") in ATTACHMENT_PATHS and self.attachments:
                return self.attachments
            return self.upload
        return self.body


def readable(size: int) -> str:
    """``size`` bytes as people say it: 1 MB, 10 MB, 512 MB, 800 KB."""
    if size >= 1024 * 1024 and size % (1024 * 1024) == 0:
        return f"{size // (1024 * 1024):,} MB"
    if size >= 1024:
        return f"{size / 1024:,.0f} KB"
    return f"{size:,} bytes"


class TooLarge(Exception):
    """Raised from ``receive`` when a streamed body passes its limit."""


class LimitBody:
    """Pure ASGI middleware enforcing ``BodyLimits``; ``respond(request, message)`` draws the
    413 (a Korean page, or JSON for the API)."""

    def __init__(
        self, app: ASGIApp, limits: BodyLimits, respond: Callable[[Request, str], Response]
    ) -> None:
        self.app = app
        self.limits = limits
        self.respond = respond

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limits.for_request(scope)
        announced = Headers(scope=scope).get("content-length")
        size = None if announced is None else whole_number(announced, digits=18)
        if announced is not None and (size is None or size > limit):
            await self._refuse(scope, receive, send, limit)
            return
        received = 0
        exceeded = False
        started = False

        async def counted() -> Message:
            nonlocal received, exceeded
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    exceeded = True
                    raise TooLarge
            return message

        async def guarded(message: Message) -> None:
            nonlocal started
            if exceeded:
                return  # whatever the app made of the broken body, the answer is 413
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted, guarded)
        except Exception:
            if not exceeded or started:
                raise
        if exceeded and not started:
            await self._refuse(scope, receive, send, limit)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        response = self.respond(Request(scope), MESSAGE.format(limit=readable(limit)))
        response.headers["Connection"] = "close"
        await response(scope, receive, send)
