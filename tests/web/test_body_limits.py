"""Bodies over their limit are refused with 413 before they are read (announced or streamed),
in Korean; text fields over their documented maximum get a Korean message on the same form,
with everything typed kept."""

import asyncio
import html
import json

import pytest
from factories import build_world
from sqlalchemy import Engine
from starlette.responses import JSONResponse

from minwon.voices import import_launch
from minwon.web.body_limits import BodyLimits, LimitBody, readable
from web.pagetools import client_for, count_voices, csrf, login

SUBMIT = {"kind": "complaint", "office": "GR", "title": "가로등 고장", "body": "불이 꺼졌어요"}


def test_an_announced_oversized_json_body_is_refused_with_korean_json(engine: Engine) -> None:
    world = build_world(engine)
    client = client_for(engine, max_body_bytes=1000)
    big = json.dumps({"title": "x" * 2000})
    r = client.post(
        "/api/v1/voices",
        content=big,
        headers={**world.auth("gr_officer"), "Content-Type": "application/json"},
    )
    assert r.status_code == 413
    assert "너무 큽니다(최대 1,000 bytes)" in r.json()["detail"]
    assert count_voices(engine) == 0


def test_an_oversized_form_gets_a_korean_413_page(engine: Engine) -> None:
    build_world(engine)
    client = client_for(engine)
    token = csrf(client, "/submit")
    r = client.post("/submit", data={**SUBMIT, "csrf_token": token, "body": "가" * 300_001})
    assert r.status_code == 413
    assert r.headers["content-type"].startswith("text/html")
    assert "보내신 내용이 너무 큽니다(최대 1 MB)" in r.text
    assert count_voices(engine) == 0


def test_a_chunked_body_is_counted_while_it_streams(engine: Engine) -> None:
    world = build_world(engine)
    client = client_for(engine, max_body_bytes=1000)
    sent = []

    def chunks():
        for _ in range(50):
            sent.append(1)
            yield b"x" * 100

    r = client.post(
        "/api/v1/voices",
        content=chunks(),
        headers={**world.auth("gr_officer"), "Content-Type": "application/json"},
    )
    assert r.status_code == 413 and "너무 큽니다" in r.json()["detail"]
    assert count_voices(engine) == 0


def test_the_middleware_stops_reading_once_over_the_limit() -> None:
    """Counting the ``receive`` calls: the app never gets the parts beyond the limit."""
    reads = 0

    async def receive():
        nonlocal reads
        reads += 1
        return {"type": "http.request", "body": b"x" * 100, "more_body": reads < 1000}

    async def app(scope, receive, send):
        while (await receive()).get("more_body"):
            pass
        await JSONResponse({"ok": True})(scope, receive, send)

    sent: list[dict] = []

    async def send(message):
        sent.append(message)

    limited = LimitBody(
        app, BodyLimits(body=1000, upload=10_000, imports=100_000), respond=_json_413
    )
    scope = {"type": "http", "method": "POST", "path": "/api/x", "headers": [], "query_string": b""}
    asyncio.run(limited(scope, receive, send))
    assert sent[0]["status"] == 413
    assert reads == 11  # 1,100 bytes: one part past the limit, then no more


def _json_413(request, message: str) -> JSONResponse:
    return JSONResponse({"detail": message}, status_code=413)


def test_limits_follow_the_content_type_and_the_import_route() -> None:
    limits = BodyLimits(body=1, upload=2, imports=3)

    def scope(path: str, ctype: str, staff: bool = False) -> dict:
        return {
            "type": "http",
            "path": path,
            "headers": [(b"content-type", ctype.encode())],
            "session": {"sid": "token"} if staff else {},
        }

    assert limits.for_request(scope("/api/v1/voices", "application/json")) == 1
    assert limits.for_request(scope("/submit", "application/x-www-form-urlencoded")) == 1
    assert limits.for_request(scope("/actions/1/evidence", "multipart/form-data; b=x")) == 2
    assert limits.for_request(scope("/imports", "multipart/form-data; b=x", staff=True)) == 3
    assert limits.for_request(scope("/imports", "multipart/form-data; b=x")) == 2
    assert readable(1024 * 1024) == "1 MB" and readable(10 * 1024 * 1024) == "10 MB"


def test_uploads_get_the_upload_limit(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    _no_import_runs(monkeypatch)
    build_world(engine)
    client = client_for(engine, max_body_bytes=1000, max_upload_bytes=5000)
    login(client, "gr_lead")
    token = csrf(client, "/imports")
    small = client.post(
        "/imports", data={"csrf_token": token}, files={"file": ("a.csv", b"x" * 2000)}
    )
    assert small.status_code != 413
    big = client.post(
        "/admin/upload", data={"csrf_token": token}, files={"file": ("a.yaml", b"x" * 6000)}
    )
    assert big.status_code == 413 and "최대 5 KB" in big.text


def test_the_import_page_takes_larger_files_from_staff(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    _no_import_runs(monkeypatch)
    build_world(engine)
    client = client_for(engine, max_upload_bytes=1000, max_import_bytes=100_000)
    login(client, "gr_lead")
    token = csrf(client, "/imports")
    r = client.post(
        "/imports", data={"csrf_token": token}, files={"file": ("a.csv", b"x" * 50_000)}
    )
    assert r.status_code != 413


def _no_import_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    """Accepted uploads are not imported: only the limit is under test, and an import process
    would outlive the test and its database."""
    monkeypatch.setattr(import_launch, "start", lambda *args: None)


@pytest.mark.parametrize(
    ("field", "maximum"),
    [
        ("title", 300),
        ("body", 100_000),
        ("dong", 100),
        ("address", 300),
        ("contact_name", 100),
        ("contact_phone", 40),
    ],
)
def test_every_text_field_of_the_public_form_has_a_maximum_in_korean(
    engine: Engine, field: str, maximum: int
) -> None:
    build_world(engine)
    client = client_for(engine)
    token = csrf(client, "/submit")
    long = ("1" if field == "contact_phone" else "가") * (maximum + 1)
    form = {**SUBMIT, "csrf_token": token, "body": "본문은 그대로 남아야 합니다", field: long}
    r = client.post("/submit", data=form)
    assert r.status_code == 422
    assert f"{maximum:,}자" in r.text or f"{maximum}자" in r.text
    page = html.unescape(r.text)
    assert long in page, "what the person typed is kept"
    if field != "body":
        assert "본문은 그대로 남아야 합니다" in page
    assert count_voices(engine) == 0


def test_a_300001_character_text_keeps_the_form_and_the_text(engine: Engine) -> None:
    build_world(engine)
    client = client_for(engine)
    token = csrf(client, "/submit")
    text = "a" * 300_001
    r = client.post("/submit", data={**SUBMIT, "csrf_token": token, "body": text})
    assert r.status_code == 422
    assert "100,000" in r.text and text in r.text
    assert 'maxlength="100000"' in client.get("/submit").text


def test_the_submit_form_takes_its_attachments_and_only_it() -> None:
    limits = BodyLimits(body=1, upload=2, imports=3, attachments=4)

    def scope(path: str, ctype: str) -> dict:
        return {"type": "http", "path": path, "headers": [(b"content-type", ctype.encode())]}

    assert limits.for_request(scope("/submit", "multipart/form-data; b=x")) == 4
    assert limits.for_request(scope("/submit", "application/x-www-form-urlencoded")) == 1
    assert limits.for_request(scope("/actions/1/evidence", "multipart/form-data; b=x")) == 2
    assert limits.for_request(scope("/patrols/request", "multipart/form-data; b=x")) == 2
