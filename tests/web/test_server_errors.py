"""After an unexpected error the person gets a Korean page (the API a JSON error), the error is
logged, and the same keep-alive connection serves the next request: a 500 never costs the
browser or an API client its connection."""

import logging

import httpx
import pytest
from factories import build_world
from fastapi import Request
from sqlalchemy import Engine

from minwon.app import create_app
from web.browser import live_server_app


def _app_with_failures(engine: Engine):
    app = create_app(engine=engine)

    async def boom() -> None:
        raise RuntimeError("test-only failure")

    def port(request: Request) -> dict:
        return {"port": request.client.port if request.client else None}

    app.add_api_route("/test-only/boom", boom)
    app.add_api_route("/api/v1/test-only/boom", boom)
    app.add_api_route("/api/v1/test-only/port", port)
    return app


@pytest.mark.parametrize("engine", ["sqlite"], indirect=True)
def test_a_500_keeps_the_connection_and_speaks_korean(
    engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    build_world(engine)
    with live_server_app(_app_with_failures(engine)) as base, httpx.Client(base_url=base) as client:
        first = client.get("/api/v1/test-only/port").json()["port"]
        with caplog.at_level(logging.ERROR, logger="minwon"):
            page = client.get("/test-only/boom")
        assert page.status_code == 500
        assert page.headers["content-type"].startswith("text/html")
        assert "일시적인 오류" in page.text and 'href="/"' in page.text
        assert "Traceback" not in page.text and "Internal Server Error" not in page.text
        assert "test-only failure" in caplog.text  # logged for the operator, not shown
        assert page.headers.get("connection", "").lower() != "close"
        assert client.get("/api/v1/test-only/port").json()["port"] == first
        api = client.get("/api/v1/test-only/boom")
        assert api.status_code == 500 and api.json() == {"detail": "서버 오류가 발생했습니다."}
        assert client.get("/api/v1/test-only/port").json()["port"] == first
        assert client.get("/login").status_code == 200
        assert client.get("/api/v1/test-only/port").json()["port"] == first


@pytest.mark.parametrize("engine", ["sqlite"], indirect=True)
def test_framework_errors_are_korean_pages_with_a_way_on(engine: Engine) -> None:
    from web.pagetools import client_for, is_html_page, login

    build_world(engine)
    client = client_for(engine)
    login(client, "gr_cs")
    for method, path, status in (
        ("GET", "/no-such-page", 404),
        ("POST", "/dashboard", 405),
        ("DELETE", "/ledger", 405),
    ):
        r = client.request(method, path)
        assert r.status_code == status and is_html_page(r), (path, r.text[:200])
        for english in ("Not Found", "Method Not Allowed"):
            assert english not in r.text
        assert 'href="/dashboard"' in r.text and 'href="/"' in r.text  # the menu and home
    api = client.get("/api/v1/no-such-thing")
    assert api.status_code == 404 and api.json() == {"detail": "요청한 주소나 자료가 없습니다."}
    wrong = client_for(engine).delete("/api/v1/voices")  # no sign-in: nothing to forge
    assert wrong.status_code == 405 and "메서드" in wrong.json()["detail"]
    assert wrong.headers.get("allow")  # the methods the address takes, as before
