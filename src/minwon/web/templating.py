"""The one Jinja2 environment every page renders with: layout, filters, language."""

from datetime import datetime
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from markupsafe import Markup

from minwon.surveys.responses import MAX_TEXT as SURVEY_MAX_TEXT
from minwon.surveys.templates import CSAT_LABELS
from minwon.timeutil import to_kst
from minwon.voices.catalog import CHANNELS, KINDS, STATUSES
from minwon.voices.schemas import MAX_BODY
from minwon.web.deps import csrf_token
from minwon.web.error_texts import in_language
from minwon.web.files import ALLOWED
from minwon.web.i18n import LANGUAGES, translate

SRC = Path(__file__).resolve().parent.parent
templates = Jinja2Templates(
    directory=[
        str(SRC / "web" / "templates"),
        str(SRC / "voices" / "templates"),
        str(SRC / "org" / "templates"),
        str(SRC / "analysis" / "templates"),
        str(SRC / "surveys" / "templates"),
        str(SRC / "reports" / "templates"),
        str(SRC / "outreach" / "templates"),
        str(SRC / "actions" / "templates"),
        str(SRC / "open311" / "templates"),
        str(SRC / "quality" / "templates"),
        str(SRC / "protection" / "templates"),
    ]
)


def kst(value: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """Format an instant in Korean time; empty for None."""
    return to_kst(value).strftime(fmt) if value else ""


def filesize(size: int) -> str:
    """A file's size as people say it: 850 KB, 2.4 MB."""
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.1f} MB"
    return f"{max(1, round(size / 1024)):,} KB"


def kst_html(value: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> Markup:
    """An instant in Korean time for a page: kept on one line (a date never breaks over two
    lines on a phone). Text passed on to ``t()`` uses ``kst_text``, the plain form."""
    text = kst(value, fmt)
    return Markup('<span class="date">{}</span>').format(text) if text else Markup("")


templates.env.filters["kst"] = kst_html
templates.env.filters["kst_text"] = kst
templates.env.filters["filesize"] = filesize
templates.env.globals.update(
    KINDS=KINDS,
    CHANNELS=CHANNELS,
    STATUSES=STATUSES,
    CSAT_LABELS=CSAT_LABELS,
    MAX_BODY=MAX_BODY,
    SURVEY_MAX_TEXT=SURVEY_MAX_TEXT,
    file_kinds={kind.mime: kind.label for kind in ALLOWED},
)


def language(request: Request) -> str:
    """The page language: ?lang=, then the cookie, then Korean."""
    lang = request.query_params.get("lang") or request.cookies.get("lang") or "ko"
    return lang if lang in LANGUAGES else "ko"


def render(request: Request, name: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    """Render a page inside the common layout with the caller, CSRF token and language."""
    lang = language(request)
    context.setdefault("principal", getattr(request.state, "principal", None))
    response = templates.TemplateResponse(
        request,
        name,
        {
            "lang": lang,
            "t": lambda key, **kw: translate(lang, key, **kw),
            "said_text": lambda text: in_language(lang, text),
            "csrf_token": csrf_token(request),
            **context,
        },
        status_code=status_code,
    )
    if request.query_params.get("lang") in LANGUAGES:
        response.set_cookie("lang", lang, max_age=60 * 60 * 24 * 365, samesite="lax")
    return response
