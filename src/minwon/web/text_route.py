"""Every route reads what a caller sends without NUL characters (U+0000).

PostgreSQL cannot store a NUL in a text column, nor jsonb its ``\\u0000`` escape: any value
with one that reached a query made the database raise and the request answer 500 (SQLite
stored it as sent). No person types one, so the routes drop it where a request's text is
decoded: the JSON body, the form's fields and file names, the query string and the path
parameters. This is one rule for every domain's API and pages, schemas and ``FormDep`` alike,
and for what they add later; the body's bytes and an uploaded file's content are never
touched, so files stay byte for byte as sent.

Every router of the application is made with ``route_class=TextRoute`` (FastAPI's way to give
the routes a request class of their own); ``tests/web/test_nul_characters.py`` checks that no
route is left out and sweeps every route that writes on PostgreSQL."""

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.routing import APIRoute
from starlette.datastructures import FormData, Headers, QueryParams, UploadFile

from minwon.textutil import NUL, without_nul, without_nuls


class TextRequest(Request):
    """A request whose decoded text holds no NUL: JSON, form fields, query and path parameters
    (``body()`` and ``stream()`` give the bytes as sent)."""

    @property
    def query_params(self) -> QueryParams:
        """The query string's parameters, names and values without NULs."""
        if not hasattr(self, "_text_query_params"):
            params = super().query_params
            pairs = params.multi_items()
            if any(NUL in name or NUL in value for name, value in pairs):
                params = QueryParams([(without_nul(n), without_nul(v)) for n, v in pairs])
            self._text_query_params = params
        return self._text_query_params

    @property
    def path_params(self) -> dict[str, Any]:
        """The path's parameters (text ones without NULs; ``{x:int}`` ones are numbers)."""
        params: dict[str, Any] = super().path_params
        if any(isinstance(v, str) and NUL in v for v in params.values()):
            return without_nuls(params)
        return params

    async def json(self) -> Any:
        """The JSON body with NULs dropped from every string in it, object keys included."""
        if not hasattr(self, "_text_json"):
            found = await super().json()
            # JSON can carry a NUL only as the escape \u0000; without one there is none to drop
            self._text_json = without_nuls(found) if b"\\u0000" in await self.body() else found
        return self._text_json

    async def _get_form(
        self,
        *,
        max_files: int | float = 1000,
        max_fields: int | float = 1000,
        max_part_size: int = 1024 * 1024,
    ) -> FormData:
        """The form (urlencoded or multipart) with NULs dropped from field names and values
        and from each file's name and headers; the files' content is left as it came."""
        form = await super()._get_form(
            max_files=max_files, max_fields=max_fields, max_part_size=max_part_size
        )
        if not getattr(self, "_text_form", False):
            if any(_has_nul(name, value) for name, value in form.multi_items()):
                form = FormData(
                    [(without_nul(name), _part(value)) for name, value in form.multi_items()]
                )
            self._form, self._text_form = form, True
        return form


def _has_nul(name: str, value: str | UploadFile) -> bool:
    """Whether a form field's name or value (a file's name or part headers) holds a NUL."""
    if NUL in name:
        return True
    if isinstance(value, str):
        return NUL in value
    return NUL in (value.filename or "") or any(
        b"\x00" in header for pair in value.headers.raw for header in pair
    )


def _part(value: str | UploadFile) -> str | UploadFile:
    """A form field's value without NULs, or the uploaded file with its name and part
    headers (its content type) without them."""
    if isinstance(value, str):
        return without_nul(value)
    if value.filename:
        value.filename = without_nul(value.filename)
    raw = value.headers.raw
    if any(b"\x00" in header for pair in raw for header in pair):
        value.headers = Headers(
            raw=[(k.replace(b"\x00", b""), v.replace(b"\x00", b"")) for k, v in raw]
        )
    return value


class TextRoute(APIRoute):
    """A route whose handler and dependencies get a ``TextRequest``."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        """The route's handler, handed the request as a ``TextRequest``."""
        handler = super().get_route_handler()

        async def text_handler(request: Request) -> Response:
            return await handler(TextRequest(request.scope, request.receive))

        return text_handler
