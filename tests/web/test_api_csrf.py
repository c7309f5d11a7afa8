"""CSRF on the JSON API: a staff session cookie alone cannot write through ``/api/*``; the page's
token in ``X-CSRF-Token`` and a same-origin ``Origin`` (or ``Referer``) are needed. Bearer
tokens and requests without a staff session are unaffected."""

import re

import pytest
from factories import build_world, voice_json
from sqlalchemy import Engine

from web.pagetools import client_for, count_voices, login

META_RE = re.compile(r'<meta name="csrf-token" content="([^"]+)">')
OWN = "http://testserver"


def _staff_client(engine: Engine):
    world = build_world(engine)
    client = client_for(engine)
    assert login(client, "gr_officer").status_code == 200
    match = META_RE.search(client.get("/ledger").text)
    assert match, "the layout exposes the CSRF token to page scripts"
    return world, client, match.group(1)


def _post(client, headers: dict[str, str]):
    body = voice_json(unit="GR01", channel="web")  # a citizen sends through the web
    return client.post("/api/v1/voices", json=body, headers=headers)


def test_session_write_with_token_and_own_origin_is_accepted(engine: Engine) -> None:
    _, client, token = _staff_client(engine)
    r = _post(client, {"X-CSRF-Token": token, "Origin": OWN})
    assert r.status_code == 201, r.text
    r = _post(client, {"X-CSRF-Token": token, "Referer": f"{OWN}/voices/new"})
    assert r.status_code == 201, r.text
    assert count_voices(engine) == 2


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Origin": OWN},
        {"X-CSRF-Token": "wrong", "Origin": OWN},
        {"X-CSRF-Token": "TOKEN"},
        {"X-CSRF-Token": "TOKEN", "Origin": "https://evil.example"},
        {"X-CSRF-Token": "TOKEN", "Origin": "null"},
        {"X-CSRF-Token": "TOKEN", "Origin": "http://testserver:8080"},
        {"X-CSRF-Token": "TOKEN", "Referer": "https://evil.example/testserver"},
    ],
    ids=["nothing", "origin-only", "wrong-token", "no-origin", "foreign", "null", "port", "ref"],
)
def test_session_write_without_token_or_from_elsewhere_is_refused(
    engine: Engine, headers: dict[str, str]
) -> None:
    _, client, token = _staff_client(engine)
    sent = {k: (token if v == "TOKEN" else v) for k, v in headers.items()}
    r = _post(client, sent)
    assert r.status_code == 403
    assert r.headers["content-type"].startswith("application/json")
    detail = r.json()["detail"]
    assert not detail.isascii(), "the refusal is explained in Korean"
    assert count_voices(engine) == 0


def test_every_unsafe_method_is_checked(engine: Engine) -> None:
    _, client, _ = _staff_client(engine)
    for method in ("PUT", "PATCH", "DELETE"):
        r = client.request(method, "/api/v1/voices/1", headers={"Origin": OWN})
        assert r.status_code == 403, method


def test_configured_base_url_counts_as_own_origin(engine: Engine) -> None:
    world = build_world(engine)
    client = client_for(engine, base_url="https://minwon.example.go.kr")
    login(client, "gr_officer")
    token = META_RE.search(client.get("/ledger").text).group(1)
    r = _post(client, {"X-CSRF-Token": token, "Origin": "https://minwon.example.go.kr"})
    assert r.status_code == 201, r.text
    assert world.staff_ids


def test_bearer_clients_need_no_csrf_header(engine: Engine) -> None:
    world, client, _ = _staff_client(engine)
    r = _post(client, {**world.auth("gr_officer"), "Origin": "https://evil.example"})
    assert r.status_code == 201, r.text


def test_reads_and_pages_are_untouched(engine: Engine) -> None:
    _, client, _ = _staff_client(engine)
    assert client.get("/api/v1/voices").status_code == 200
    assert client.get("/ledger").status_code == 200


def test_without_a_staff_session_there_is_nothing_to_forge(engine: Engine) -> None:
    build_world(engine)
    client = client_for(engine)
    r = _post(client, {"Origin": "https://evil.example"})
    # a citizen's anonymous intake carries no one's authority: it is taken as a citizen's
    assert r.status_code == 201, r.text
