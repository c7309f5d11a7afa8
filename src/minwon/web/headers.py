"""Security headers on every response: a Content-Security-Policy without inline scripts or
styles, no framing, no MIME sniffing, same-origin referrers, a Permissions-Policy, and HSTS
when minwon is served over https.

Every script is a file under ``/static`` (no inline ``<script>`` or ``on*=`` handler) and no
template carries a ``style=`` attribute, so the policy needs no ``'unsafe-inline'``. Images may
come from OpenStreetMap's tile server (the patrol map's basemap) besides minwon itself."""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

MAP_TILES = "https://tile.openstreetmap.org"
CSP = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        f"img-src 'self' data: {MAP_TILES}",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
"""The Content-Security-Policy of every response."""

DOCS_PATHS = ("/docs", "/redoc")
DOCS_CSP = (
    CSP.replace("script-src 'self'", "script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net")
    .replace("style-src 'self'", "style-src 'self' https://cdn.jsdelivr.net")
    .replace("img-src 'self' data:", "img-src 'self' data: https://fastapi.tiangolo.com")
)
"""FastAPI's generated API documentation pages load Swagger UI/ReDoc from a CDN and start
them with an inline script; they show no personal data, so only they get this wider policy."""

PERMISSIONS = "camera=(), microphone=(), payment=(), usb=(), geolocation=(self)"
"""Geolocation stays allowed for minwon itself: the outreach phone form fills in the position."""

HSTS = "max-age=31536000; includeSubDomains"


def security_headers(base_url: str, path: str = "/") -> list[tuple[str, str]]:
    """The headers added to the response to ``path``; HSTS only when ``base_url`` is https."""
    headers = [
        ("Content-Security-Policy", DOCS_CSP if path in DOCS_PATHS else CSP),
        ("X-Frame-Options", "DENY"),
        ("X-Content-Type-Options", "nosniff"),
        ("Referrer-Policy", "same-origin"),
        ("Permissions-Policy", PERMISSIONS),
    ]
    if base_url.lower().startswith("https://"):
        headers.append(("Strict-Transport-Security", HSTS))
    return headers


class SecurityHeaders:
    """Pure ASGI middleware: add ``security_headers`` to every HTTP response (a header a route
    set itself is kept)."""

    def __init__(self, app: ASGIApp, base_url: str) -> None:
        self.app = app
        self.headers = security_headers(base_url)
        self.docs_headers = security_headers(base_url, DOCS_PATHS[0])

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        extra = self.docs_headers if scope.get("path") in DOCS_PATHS else self.headers

        async def add_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in extra:
                    if name not in headers:
                        headers.append(name, value)
            await send(message)

        await self.app(scope, receive, add_headers)
