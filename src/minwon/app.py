"""create_app(): the FastAPI application with every domain's routes mounted."""

import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy import Engine
from starlette.exceptions import HTTPException as StarletteHTTPException

from minwon import __version__
from minwon.config import Settings, get_settings
from minwon.db import get_engine, session_factory
from minwon.errors import InvalidFields, MinwonError, TooManyRequests
from minwon.web.api_csrf import ApiCsrf
from minwon.web.body_limits import BodyLimits, LimitBody
from minwon.web.deps import LoginRequired
from minwon.web.failsafe import AnswerUnexpected
from minwon.web.headers import SecurityHeaders
from minwon.web.session_cookie import SessionCookie
from minwon.web.text_route import TextRoute
from minwon.web.throttle import Throttle, with_retry_after

log = logging.getLogger("minwon")
STATIC = Path(__file__).parent / "web" / "static"


def create_app(settings: Settings | None = None, engine: Engine | None = None) -> FastAPI:
    """Build the application on ``engine`` (default: the configured database)."""
    settings = settings or get_settings()
    engine = engine or get_engine(settings.database_url)
    app = FastAPI(
        title="minwon",
        version=__version__,
        description="A ledger for every voice a citizen gives a Korean public agency.",
    )
    app.router.route_class = TextRoute  # the domains' routers are made with it too
    app.state.settings = settings
    app.state.engine = engine
    app.state.sessions = session_factory(engine)
    limits = BodyLimits(
        body=settings.max_body_bytes,
        upload=settings.max_upload_bytes,
        imports=settings.max_import_bytes,
        attachments=settings.max_attachments * settings.max_upload_bytes + settings.max_body_bytes,
    )
    app.add_middleware(LimitBody, limits=limits, respond=_too_large)  # innermost: sees the session
    app.state.throttle = Throttle.from_settings(settings)
    app.add_middleware(AnswerUnexpected, respond=_unexpected)  # inside the session middleware
    app.add_middleware(ApiCsrf, base_url=settings.base_url)  # reads the decoded session
    app.add_middleware(
        SessionCookie,
        secret_key=settings.secret_key,
        fallback_keys=settings.fallback_secret_keys,
        session_cookie="minwon_session",
        max_age=settings.session_max_age,
        same_site="lax",
        https_only=settings.secure_cookies,
    )
    app.add_middleware(SecurityHeaders, base_url=settings.base_url)  # outermost: every answer
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    _mount_routers(app)
    _add_error_handlers(app)
    return app


def _mount_routers(app: FastAPI) -> None:
    from minwon.actions.pages import router as action_pages
    from minwon.actions.routes import router as action_api
    from minwon.analysis.insight_routes import router as insight_api
    from minwon.analysis.pages import router as analysis_pages
    from minwon.analysis.routes import router as analysis_api
    from minwon.open311.admin_routes import router as open311_admin_api
    from minwon.open311.pages import router as open311_pages
    from minwon.open311.routes import router as open311_api
    from minwon.org.account_pages import router as account_pages
    from minwon.org.pages import router as org_pages
    from minwon.org.routes import router as org_api
    from minwon.org.security_pages import router as security_pages
    from minwon.org.signin_pages import router as signin_pages
    from minwon.org.token_pages import router as token_pages
    from minwon.outreach.pages import router as outreach_pages
    from minwon.outreach.patrol_pages import router as patrol_pages
    from minwon.outreach.patrol_routes import patrol_router as patrol_api
    from minwon.outreach.routes import router as outreach_api
    from minwon.protection.pages import router as protection_pages
    from minwon.protection.roleplay_pages import router as roleplay_pages
    from minwon.protection.roleplay_routes import router as roleplay_api
    from minwon.protection.routes import router as protection_api
    from minwon.quality.pages import router as quality_pages
    from minwon.quality.routes import router as quality_api
    from minwon.reports.pages import router as report_pages
    from minwon.reports.routes import router as report_api
    from minwon.surveys.admin_pages import router as survey_admin
    from minwon.surveys.pages import router as survey_pages
    from minwon.surveys.routes import router as survey_api
    from minwon.voices.citizen_pages import router as citizen_pages
    from minwon.voices.import_pages import router as import_pages
    from minwon.voices.io_routes import router as voice_io
    from minwon.voices.pages import router as voice_pages
    from minwon.voices.routes import router as voice_api
    from minwon.web.pages import router as web_pages

    routers = (
        voice_io,
        voice_api,
        analysis_api,
        insight_api,
        survey_api,
        action_api,
        org_api,
        open311_api,
        open311_admin_api,
        quality_api,
        protection_api,
        roleplay_api,
        outreach_api,
        patrol_api,
        report_api,
    )
    pages = (
        web_pages,
        signin_pages,
        account_pages,
        voice_pages,
        citizen_pages,
        org_pages,
        security_pages,
        token_pages,
        analysis_pages,
        survey_pages,
        survey_admin,
        report_pages,
        outreach_pages,
        patrol_pages,
        action_pages,
        import_pages,
        open311_pages,
        quality_pages,
        protection_pages,
        roleplay_pages,
    )
    for router in (*routers, *pages):
        app.include_router(router)


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/") or request.url.path == "/openapi.json"


def _error_page(request: Request, status: int, message: str) -> Response:
    """The error page, its message (a service's Korean) in the reader's language."""
    from minwon.web.error_texts import in_language
    from minwon.web.templating import language, render

    shown = in_language(language(request), message)
    return render(request, "error.html", status_code=status, status=status, message=shown)


HTTP_MESSAGES = {
    400: "요청이 올바르지 않습니다.",
    404: "찾으시는 페이지가 없습니다.",
    405: "이 주소는 이런 방식으로 열 수 없습니다. 메뉴에서 다시 찾아가 주세요.",
    413: "보내신 내용이 너무 큽니다.",
}


def _http_message(exc: StarletteHTTPException) -> str:
    """A Korean message for a page: the framework's English phrases ("Not Found", "Method Not
    Allowed") are never shown to a person; a message the app wrote in Korean is."""
    detail = str(exc.detail)
    if detail and not detail.isascii():
        return detail
    return HTTP_MESSAGES.get(exc.status_code, "요청을 처리할 수 없습니다.")


API_MESSAGES = {
    404: "요청한 주소나 자료가 없습니다.",
    405: "이 주소는 이 HTTP 메서드로 부를 수 없습니다.",
}
"""The API's Korean for the framework's English phrases (its own refusals are Korean already)."""


def _api_message(exc: StarletteHTTPException) -> str:
    """The API's ``detail``: a message the app wrote as it is, the framework's phrases in
    Korean, as every other refusal of the API reads."""
    detail = str(exc.detail)
    if detail and not detail.isascii():
        return detail
    return API_MESSAGES.get(exc.status_code) or HTTP_MESSAGES.get(exc.status_code) or detail


def _unexpected(request: Request) -> Response:
    """The answer to an exception nothing expected (logged by ``AnswerUnexpected``)."""
    if _wants_json(request):
        return JSONResponse({"detail": "서버 오류가 발생했습니다."}, status_code=500)
    return _error_page(request, 500, "일시적인 오류가 발생했습니다. 잠시 후 다시 시도해 주세요.")


def _too_large(request: Request, message: str) -> Response:
    """The 413 for a body over its limit: JSON for the API, a Korean page for a person that
    says what the form takes (the submit form: text and file limits) and that going back
    keeps what was typed (the browser keeps the form; app.js keeps a draft of the submit
    form)."""
    if _wants_json(request):
        return JSONResponse({"detail": message}, status_code=413)
    from minwon.voices.schemas import MAX_BODY
    from minwon.web.error_texts import in_language
    from minwon.web.i18n import translate
    from minwon.web.templating import language

    settings, lang = request.app.state.settings, language(request)
    if request.url.path == "/submit":
        hint = translate(
            lang,
            "too_large_form_hint",
            body=MAX_BODY,
            n=settings.max_attachments,
            mb=settings.max_upload_bytes // (1024 * 1024),
        )
    else:
        hint = translate(lang, "too_large_back_hint")
    return _error_page(request, 413, f"{in_language(lang, message)} {hint}")


def _open311(request: Request) -> bool:
    return request.url.path.startswith("/open311/")


def _add_error_handlers(app: FastAPI) -> None:
    from minwon.open311.formats import error_for_path

    @app.exception_handler(MinwonError)
    async def _minwon_error(request: Request, exc: MinwonError) -> Response:
        if _open311(request):
            return error_for_path(request.url.path, exc.status, exc.message)
        if isinstance(exc, LoginRequired) and not _wants_json(request):
            target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            return RedirectResponse(
                f"/login?{urlencode({'next': target}, safe='/')}", status_code=303
            )
        if _wants_json(request):
            body: dict = {"detail": exc.message, "field": exc.field}
            if isinstance(exc, InvalidFields):
                body["errors"] = exc.errors  # every field at once (e.g. a survey's questions)
            answer: Response = JSONResponse(body, status_code=exc.status)
        else:
            from minwon.web.pages import said

            answer = _error_page(request, exc.status, said(request, exc))
        if isinstance(exc, TooManyRequests):
            with_retry_after(answer, exc.retry_after)
        return answer

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        from minwon.web.pydantic_text import field_message

        errors = [
            {
                "loc": list(e.get("loc", ())),
                "field": _field_of(e),
                "message": field_message(e, "ko"),
                "msg": e.get("msg", ""),
                "type": e.get("type", ""),
            }
            for e in exc.errors()
        ]
        if _open311(request):
            return error_for_path(request.url.path, 400, "invalid arguments")
        if _wants_json(request):
            body = {
                "detail": "입력값이 올바르지 않습니다.",
                "field": errors[0]["field"] if errors else None,
                "errors": jsonable_encoder(errors),
            }
            return JSONResponse(body, status_code=422)
        return _error_page(request, 422, "입력값이 올바르지 않습니다.")

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if _open311(request):
            return error_for_path(request.url.path, exc.status_code, str(exc.detail))
        if _wants_json(request):
            return JSONResponse(
                {"detail": _api_message(exc)}, status_code=exc.status_code, headers=exc.headers
            )
        return _error_page(request, exc.status_code, _http_message(exc))


def _field_of(error: Mapping[str, Any]) -> str | None:
    """The field a validation error is about, as the API names fields (``contact.phone``,
    ``limit``): its location without the part of the request it was in."""
    loc = [str(p) for p in error.get("loc", ())]
    if loc and loc[0] in ("body", "query", "path", "header"):
        loc = loc[1:]
    return ".".join(loc) or None


def serve_app() -> FastAPI:
    """The application as ``minwon serve`` runs it: built, the database made ready for it
    (``startup.prepare``: schema checked, transaction ids continued after a restore, two-factor
    secrets sealed under the current key), then its heap settled (see ``minwon.web.heap``)
    before the first request, in each worker process."""
    from minwon import startup
    from minwon.web import heap

    app = create_app()
    startup.log_report(startup.prepare(app.state.engine, app.state.settings))
    heap.settle()
    return app
