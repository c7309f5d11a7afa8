"""Throttling: after the configured number of attempts each public route answers 429 with
``Retry-After`` and a Korean page (keeping what was typed) or JSON ``detail``; counters are per
address and per account; Redis shares them between processes; unknown logins cost a hash check."""

import uuid
from datetime import timedelta

import pytest
import redis
from factories import PASSWORD, build_world, voice_json
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from minwon.app import create_app
from minwon.config import Settings
from minwon.db import write_session
from minwon.errors import Unauthorized
from minwon.org import service as org_service
from minwon.timeutil import to_kst, utcnow
from minwon.web.throttle import Throttle, parse_rules
from web.pagetools import count_voices, csrf

REDIS_URL = "redis://127.0.0.1:6379/0"
OTHER = ("203.0.113.9", 50000)


def _app(engine: Engine, **limits: str):
    build_world(engine)
    return create_app(settings=Settings(**limits), engine=engine)


def _assert_throttled(response, *, json: bool = False) -> None:
    assert response.status_code == 429, response.text
    wait = int(response.headers["Retry-After"])
    assert 1 <= wait <= 60 * 60
    if json:
        assert "너무 많습니다" in response.json()["detail"]
    else:
        assert "너무 많" in response.text and 'lang="ko"' in response.text


def _track(client: TestClient, secret: str = "WRONG123"):
    data = {"ledger_no": "2026-GR-00001", "secret": secret, "csrf_token": csrf(client, "/track")}
    return client.post("/track", data=data)


def test_tracking_page_is_throttled_per_address_and_keeps_the_number(engine: Engine, clock) -> None:
    app = _app(engine, throttle_track="3/15 minutes")
    client = TestClient(app)
    assert [_track(client).status_code for _ in range(3)] == [404, 404, 404]
    blocked = _track(client)
    _assert_throttled(blocked)
    assert 'value="2026-GR-00001"' in blocked.text
    assert _track(TestClient(app, client=OTHER)).status_code == 404  # another address
    clock.shift(timedelta(minutes=15, seconds=1))
    assert _track(client).status_code == 404  # the window has passed


def test_tracking_api_answers_json_429(engine: Engine) -> None:
    client = TestClient(_app(engine, throttle_track="2/15 minutes"))
    body = {"ledger_no": "2026-GR-00001", "secret": "WRONG123"}
    assert [client.post("/api/v1/track", json=body).status_code for _ in range(2)] == [404, 404]
    _assert_throttled(client.post("/api/v1/track", json=body), json=True)


def test_a_found_receipt_does_not_count(engine: Engine) -> None:
    app = _app(engine, throttle_track="1/15 minutes")
    client = TestClient(app)
    created = client.post("/api/v1/voices", json=voice_json(channel="web", unit="GR01"))
    assert created.status_code == 201, created.text
    pair = {"ledger_no": created.json()["ledger_no"], "secret": created.json()["receipt_secret"]}
    for _ in range(3):
        assert client.post("/api/v1/track", json=pair).status_code == 200


def test_survey_codes_are_throttled_on_every_lookup_route(engine: Engine) -> None:
    client = TestClient(_app(engine, throttle_survey_code="2/15 minutes"))
    token = csrf(client, "/s")
    for _ in range(2):
        assert (
            client.post("/s", data={"code": "2345-6789-ABCD", "csrf_token": token}).status_code
            == 404
        )
    blocked = client.post("/s", data={"code": "2345-6789-abcd", "csrf_token": token})
    _assert_throttled(blocked)
    assert 'value="2345-6789-abcd"' in blocked.text
    _assert_throttled(client.get("/s/c/23456789ABCD"))
    _assert_throttled(client.post("/s/c/23456789ABCD", data={"csrf_token": token}))


def _submit_form(client: TestClient) -> dict[str, str]:
    return {
        "csrf_token": csrf(client, "/submit"),
        "kind": "complaint",
        "unit": "GR01",
        "title": "가로등이 꺼져 있어요",
        "body": "구로동 골목 가로등이 일주일째 꺼져 있습니다. 밤길이 무섭습니다.",
    }


def test_submit_form_is_throttled_and_keeps_what_was_typed(engine: Engine) -> None:
    client = TestClient(_app(engine, throttle_submit="2/hour"))
    for _ in range(2):
        done = client.post("/submit", data=_submit_form(client), follow_redirects=False)
        assert done.status_code == 303
    blocked = client.post("/submit", data=_submit_form(client), follow_redirects=False)
    _assert_throttled(blocked)
    assert "구로동 골목 가로등이 일주일째 꺼져 있습니다. 밤길이 무섭습니다." in blocked.text
    assert 'value="가로등이 꺼져 있어요"' in blocked.text
    assert "그대로 두었으니" in blocked.text
    assert count_voices(engine) == 2


def test_submit_api_throttles_citizens_not_staff(engine: Engine) -> None:
    world = build_world(engine)
    client = TestClient(create_app(settings=Settings(throttle_submit="1/hour"), engine=engine))
    body = voice_json(channel="web", unit="GR01")
    assert client.post("/api/v1/voices", json=body).status_code == 201
    _assert_throttled(client.post("/api/v1/voices", json=body), json=True)
    for _ in range(3):
        staff = client.post("/api/v1/voices", json=voice_json(), headers=world.auth("gr_lead"))
        assert staff.status_code == 201
    assert count_voices(engine) == 4


def test_patrol_request_form_is_throttled_and_keeps_the_place(engine: Engine) -> None:
    client = TestClient(_app(engine, throttle_patrol="1/hour"))

    def ask() -> object:
        data = {
            "csrf_token": csrf(client, "/patrols/request"),
            "unit": "GR01",
            "place": "구로시장 뒷골목 공영주차장 앞",
            "day": to_kst(utcnow()).date().isoformat(),
            "start_hour": "22",
            "end_hour": "2",
        }
        return client.post("/patrols/request", data=data)

    assert ask().status_code == 200
    blocked = ask()
    _assert_throttled(blocked)
    assert 'value="구로시장 뒷골목 공영주차장 앞"' in blocked.text


def _login(client: TestClient, name: str, password: str = "wrong-password"):
    data = {"login": name, "password": password, "next": "/", "csrf_token": csrf(client)}
    return client.post("/login", data=data, follow_redirects=False)


def test_login_is_throttled_per_account(engine: Engine) -> None:
    app = _app(engine, throttle_login_account="3/15 minutes")
    client = TestClient(app)
    assert [_login(client, "gr_officer").status_code for _ in range(3)] == [400, 400, 400]
    blocked = _login(client, "GR_Officer", PASSWORD)  # the right password, same account
    _assert_throttled(blocked)
    assert 'value="GR_Officer"' in blocked.text
    _assert_throttled(_login(TestClient(app, client=OTHER), "gr_officer", PASSWORD))
    assert _login(client, "gr_lead", PASSWORD).status_code == 303  # another account


def test_login_is_throttled_per_address(engine: Engine) -> None:
    app = _app(engine, throttle_login_address="3/15 minutes")
    client = TestClient(app)
    for name in ("nobody1", "nobody2", "nobody3"):
        assert _login(client, name).status_code == 400
    _assert_throttled(_login(client, "gr_officer", PASSWORD))
    assert _login(TestClient(app, client=OTHER), "gr_officer", PASSWORD).status_code == 303


def test_a_successful_login_is_not_counted(engine: Engine) -> None:
    client = TestClient(_app(engine, throttle_login_account="1/15 minutes"))
    for _ in range(3):
        assert _login(client, "gr_officer", PASSWORD).status_code == 303


def test_unknown_login_verifies_a_dummy_hash(engine: Engine, monkeypatch) -> None:
    """An unknown login takes the same path as a known one: one argon2 verification."""
    build_world(engine)
    calls: list[str] = []
    real = org_service.verify_dummy
    monkeypatch.setattr(org_service, "verify_dummy", lambda pw: calls.append(pw) or real(pw))
    with write_session(engine) as db:
        with pytest.raises(Unauthorized):
            org_service.authenticate(db_session=db, login="nobody", password="guess-123")
        assert calls == ["guess-123"]
        org_service.authenticate(db_session=db, login="gr_officer", password=PASSWORD)
        with pytest.raises(Unauthorized):
            org_service.authenticate(db_session=db, login="gr_officer", password="guess-123")
        assert calls == ["guess-123"]  # known logins verify their own hash


def test_a_malformed_limit_names_its_setting() -> None:
    with pytest.raises(ValueError, match="MINWON_THROTTLE_TRACK"):
        parse_rules(Settings(throttle_track="lots"))


def test_an_unreachable_store_lets_requests_through() -> None:
    throttle = Throttle(parse_rules(Settings(throttle_track="1/minute")), "redis://127.0.0.1:1/0")
    throttle.hit("track", "10.0.0.1")
    assert throttle.blocked("track", "10.0.0.1").allowed


def _redis_up() -> bool:
    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


@pytest.mark.skipif(not _redis_up(), reason="no Redis at 127.0.0.1:6379")
def test_redis_counters_are_shared_between_processes() -> None:
    """Two throttles on one Redis stand for two worker processes of one server."""
    rules = parse_rules(Settings(throttle_login_account="2/15 minutes"))
    prefix = f"minwon-test-{uuid.uuid4().hex}"
    first, second = Throttle(rules, REDIS_URL, prefix), Throttle(rules, REDIS_URL, prefix)
    try:
        first.hit("login_account", "gr_officer")
        second.hit("login_account", "gr_officer")
        verdict = first.blocked("login_account", "gr_officer")
        assert not verdict.allowed and 1 <= verdict.retry_after <= 15 * 60
        assert not second.blocked("login_account", "gr_officer").allowed
        assert second.blocked("login_account", "gr_lead").allowed
    finally:
        first.reset()
    assert second.blocked("login_account", "gr_officer").allowed
