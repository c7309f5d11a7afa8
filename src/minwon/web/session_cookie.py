"""The browser's session cookie (Starlette's signed cookie) under a rotating secret key:
signed with ``MINWON_SECRET_KEY``, and still read when an earlier key of
``MINWON_SECRET_KEY_FALLBACKS`` signed it, so changing the key signs nobody out. A cookie read
with an earlier key is signed again with the current one in the same answer; once
``MINWON_SESSION_MAX_AGE`` has passed, every sign-in made under the old key has ended and the
fallback can go."""

from collections.abc import Sequence
from typing import Literal

import itsdangerous
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Receive, Scope, Send


class SessionCookie(SessionMiddleware):
    """Starlette's session middleware, verifying with the fallback keys as well."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        secret_key: str,
        fallback_keys: Sequence[str],
        session_cookie: str,
        max_age: int,
        same_site: Literal["lax", "strict", "none"],
        https_only: bool,
    ) -> None:
        """Sign with ``secret_key``; accept cookies signed with it or any of ``fallback_keys``."""
        super().__init__(
            app,
            secret_key=secret_key,
            session_cookie=session_cookie,
            max_age=max_age,
            same_site=same_site,
            https_only=https_only,
        )
        # itsdangerous takes keys oldest first: it signs with the last, verifies with each
        self.signer = itsdangerous.TimestampSigner([*reversed(fallback_keys), secret_key])
        self.current = itsdangerous.TimestampSigner(secret_key)
        if fallback_keys:
            self.inner, self.app = app, self._resign_old_cookies

    async def _resign_old_cookies(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Mark a session read with a fallback key as changed: Starlette then signs it anew."""
        if scope.get("session") and not self._signed_now(scope):
            scope["session"].mark_modified()
        await self.inner(scope, receive, send)

    def _signed_now(self, scope: Scope) -> bool:
        """Whether the request's session cookie bears the current key's signature."""
        cookie = HTTPConnection(scope).cookies.get(self.session_cookie, "")
        try:
            self.current.unsign(cookie.encode("utf-8"), max_age=self.max_age)
        except itsdangerous.BadSignature:
            return False
        return True
