"""The last line of defence: an exception no handler expected becomes a proper answer (a Korean
page for a person, a JSON error for the API) written by the app itself.

Starlette's own catch-all answers too, but then re-raises the exception to the server, and
uvicorn closes the connection of any request whose application raised; a keep-alive browser or
API client then loses its connection with every 500. Caught here, the exception is logged and
answered, and the connection stays usable. A response already under way cannot be taken back:
then the exception goes on to the server, which ends that connection, as it must."""

from __future__ import annotations

import logging
from collections.abc import Callable

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger("minwon")

FALLBACK = (
    '<!doctype html><html lang="ko"><head><meta charset="utf-8"><title>오류</title></head>'
    "<body><h1>일시적인 오류가 발생했습니다</h1><p>잠시 후 다시 시도해 주세요.</p>"
    '<p><a href="/">처음으로</a></p></body></html>'
)
"""What a person gets when even the error page cannot be drawn."""


class AnswerUnexpected:
    """ASGI middleware: answer unexpected exceptions with ``respond(request)``, log them, and
    keep the connection."""

    def __init__(self, app: ASGIApp, respond: Callable[[Request], Response]) -> None:
        self.app = app
        self.respond = respond

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def watch(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, watch)
        except Exception:
            log.exception("unhandled error on %s %s", scope.get("method"), scope.get("path"))
            if started:
                raise
            await self._answer(scope)(scope, receive, send)

    def _answer(self, scope: Scope) -> Response:
        try:
            return self.respond(Request(scope))
        except Exception:
            log.exception("the error page itself failed")
            return HTMLResponse(FALLBACK, status_code=500)
