"""CSRF for the JSON API: a write to ``/api/*`` carried by a staff member's session cookie must
come from minwon's own pages.

HTML forms already carry a hidden token (``web.deps.check_csrf``). The API had no such check, so
another site could make a logged-in browser post to it (only SameSite=Lax stood in the way).
Here an unsafe request to ``/api/`` that is authenticated by the session cookie (no
``Authorization`` header, a staff session token ``sid`` in the session) needs both

- the session's CSRF token in the ``X-CSRF-Token`` header (pages expose it in
  ``<meta name="csrf-token">``), and
- an ``Origin`` (or, without one, a ``Referer``) that is the request's own origin or the
  configured ``base_url``.

Bearer-token clients are unaffected (a token is never sent by a browser on its own), and a
request without a staff session (a citizen's anonymous submission) has nothing to forge."""

from __future__ import annotations

import json
import secrets
from urllib.parse import urlsplit

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
HEADER = "x-csrf-token"
DEFAULT_PORTS = {"http": 80, "https": 443}

MISSING_TOKEN = (
    "보안 토큰(X-CSRF-Token 헤더)이 없거나 맞지 않습니다. 페이지를 새로 고친 뒤 다시 시도하세요."
)
FOREIGN_ORIGIN = "다른 사이트에서 보낸 요청은 받을 수 없습니다. minwon 화면에서 다시 시도하세요."


def origin_of(url: str) -> tuple[str, str, int] | None:
    """``(scheme, host, port)`` of ``url``, default ports filled in; None when it has none."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if scheme not in DEFAULT_PORTS or not host:
        return None
    return scheme, host, port or DEFAULT_PORTS[scheme]


def own_origins(scope: Scope, base_url: str) -> set[tuple[str, str, int]]:
    """The origins a same-site request may come from: the request's own and ``base_url``'s."""
    found = set()
    host = Headers(scope=scope).get("host")
    if host:
        own = origin_of(f"{scope.get('scheme', 'http')}://{host}")
        if own:
            found.add(own)
    configured = origin_of(base_url)
    if configured:
        found.add(configured)
    return found


def refusal(scope: Scope, base_url: str) -> str | None:
    """Why this request must be refused as a possible cross-site forgery, or None to let it
    through."""
    if scope["type"] != "http" or scope.get("method") not in UNSAFE_METHODS:
        return None
    if not scope.get("path", "").startswith("/api/"):
        return None
    headers = Headers(scope=scope)
    if headers.get("authorization"):
        return None
    session = scope.get("session") or {}
    if not session.get("sid"):
        return None
    expected = str(session.get("csrf") or "")
    sent = headers.get(HEADER, "")
    if not expected or not secrets.compare_digest(sent.encode(), expected.encode()):
        return MISSING_TOKEN
    claimed = headers.get("origin") or headers.get("referer") or ""
    origin = origin_of(claimed) if claimed and claimed != "null" else None
    if origin is None or origin not in own_origins(scope, base_url):
        return FOREIGN_ORIGIN
    return None


class ApiCsrf:
    """ASGI middleware (inside the session middleware): refuse cookie-authenticated API writes
    without the CSRF header and a same-origin ``Origin``/``Referer`` with a JSON 403."""

    def __init__(self, app: ASGIApp, base_url: str) -> None:
        self.app = app
        self.base_url = base_url

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        why = refusal(scope, self.base_url)
        if why is None:
            await self.app(scope, receive, send)
            return
        body = json.dumps({"detail": why}, ensure_ascii=False).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 403,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})
