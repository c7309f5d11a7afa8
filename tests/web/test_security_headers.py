"""Security headers on every response (pages, API, static files, errors), HSTS only over
https, and templates that a CSP without 'unsafe-inline' can serve."""

import re
from pathlib import Path

import pytest
from factories import build_world
from sqlalchemy import Engine

from minwon.web.headers import CSP
from web.pagetools import client_for

SRC = Path(__file__).parents[2] / "src" / "minwon"
INLINE = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>|\son[a-z]+\s*=|\sstyle\s*=|javascript:", re.I)


@pytest.mark.parametrize(
    "path", ["/", "/submit", "/track", "/login", "/api/v1/voices", "/static/app.css", "/nowhere"]
)
def test_every_response_carries_the_headers(engine: Engine, path: str) -> None:
    build_world(engine)
    r = client_for(engine).get(path)
    assert r.headers["content-security-policy"] == CSP
    assert r.headers["x-frame-options"] == "DENY"
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["referrer-policy"] == "same-origin"
    assert "camera=()" in r.headers["permissions-policy"]
    assert "geolocation=(self)" in r.headers["permissions-policy"]
    assert "strict-transport-security" not in r.headers


def test_the_policy_allows_no_inline_script_or_framing() -> None:
    parts = dict(p.strip().split(" ", 1) for p in CSP.split(";"))
    assert parts["script-src"] == "'self'"
    assert parts["style-src"] == "'self'"
    assert "unsafe" not in CSP
    assert parts["frame-ancestors"] == "'none'"
    assert parts["object-src"] == "'none'"
    assert parts["base-uri"] == "'self'" and parts["form-action"] == "'self'"


def test_hsts_when_served_over_https(engine: Engine) -> None:
    build_world(engine)
    r = client_for(engine, base_url="https://minwon.example.go.kr").get("/login")
    assert r.headers["strict-transport-security"].startswith("max-age=31536000")


def test_no_template_has_inline_script_handler_or_style() -> None:
    found = [
        f"{path.relative_to(SRC)}: {m.group(0).strip()}"
        for path in SRC.rglob("*.html")
        for m in INLINE.finditer(path.read_text(encoding="utf-8"))
    ]
    assert not found, "\n".join(found)


def test_only_the_api_documentation_may_load_its_cdn(engine: Engine) -> None:
    build_world(engine)
    r = client_for(engine).get("/docs")
    assert "https://cdn.jsdelivr.net" in r.headers["content-security-policy"]
    assert r.headers["x-frame-options"] == "DENY"
    assert "cdn.jsdelivr.net" not in CSP


def test_charts_draw_without_style_attributes() -> None:
    from minwon.web import charts

    svg = charts.bar_svg(["가", "나"], [1, 2], title="차트")
    assert "style=" not in svg and 'fill="#1f4e8c"' in svg
