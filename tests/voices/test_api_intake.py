"""Intake through the API: numbers, deadlines, routing, idempotency, bad input."""

import pytest
from factories import build_world, voice_json
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select
from web.pagetools import count_voices

from minwon.app import create_app
from minwon.db import session_factory
from minwon.voices.models import Voice


def _count(engine: Engine) -> int:
    with session_factory(engine)() as db:
        return db.scalar(select(func.count(Voice.id))) or 0


def test_intake_answers_201_with_number_status_and_kst_deadline(engine: Engine) -> None:
    world = build_world(engine)
    client = TestClient(create_app(engine=engine))
    r = client.post(
        "/api/v1/voices",
        json=voice_json(unit="GR01", received_at="2026-09-23T10:00:00+09:00"),
        headers=world.auth("gr_officer"),
    )
    assert r.status_code == 201, r.text
    data = r.json()
    assert data["ledger_no"] == "GR01-2026-000001"
    assert data["status"] == "received"
    # received Wed 23 Sep 2026; Chuseok 24-26 Sep, weekend, 3 Oct Sat, substitute 5 Oct:
    # day 1 = 23 Sep, then 28, 29, 30 Sep, 1, 2, 6 Oct -> 7th working day is 6 Oct.
    assert data["due_at"] == "2026-10-06T18:00:00+09:00"
    assert len(data["receipt_secret"]) == 8


def test_numbers_are_per_unit_and_year(engine: Engine) -> None:
    world = build_world(engine)
    client = TestClient(create_app(engine=engine))
    h = world.auth("gr_officer")
    numbers = [
        client.post("/api/v1/voices", json=voice_json(unit=u, received_at=at), headers=h).json()[
            "ledger_no"
        ]
        for u, at in [
            ("GR01", "2025-12-31T10:00:00+09:00"),
            ("GR01", "2026-01-02T10:00:00+09:00"),
            ("GR02", "2026-01-02T11:00:00+09:00"),
            ("GR01", "2026-01-05T10:00:00+09:00"),
        ]
    ]
    assert numbers == [
        "GR01-2025-000001",
        "GR01-2026-000001",
        "GR02-2026-000001",
        "GR01-2026-000002",
    ]


def test_routing_rules_and_front_desk(engine: Engine) -> None:
    world = build_world(engine)
    client = TestClient(create_app(engine=engine))
    h = world.auth("gr_officer")
    by_category = client.post("/api/v1/voices", json=voice_json(category="교통"), headers=h).json()
    by_dong = client.post("/api/v1/voices", json=voice_json(dong="구로1동"), headers=h).json()
    neither = client.post("/api/v1/voices", json=voice_json(dong="신도림동"), headers=h).json()
    assert by_category["unit"]["code"] == "GR02"
    assert by_dong["unit"]["code"] == "GR01"
    assert neither["unit"]["code"] == "GR00"


def test_praise_has_no_deadline(engine: Engine) -> None:
    world = build_world(engine)
    client = TestClient(create_app(engine=engine))
    r = client.post("/api/v1/voices", json=voice_json(kind="praise"), headers=world.auth("gr_lead"))
    assert r.status_code == 201 and r.json()["due_at"] is None


def test_organisation_periods_are_configurable(engine: Engine) -> None:
    world = build_world(
        engine,
        settings={
            "periods": {"complaint": 1},
            "kinds": {"petition": {"label": "진정", "period": 10}},
        },
    )
    client = TestClient(create_app(engine=engine))
    h = world.auth("gr_officer")
    at = "2026-11-20T17:00:00+09:00"
    short = client.post("/api/v1/voices", json=voice_json(received_at=at), headers=h).json()
    extra = client.post(
        "/api/v1/voices", json=voice_json(kind="petition", received_at=at), headers=h
    )
    # 1 day = 8 working hours: Fri 17-18 (1h), Mon 09-12 (3h), 13-17 (4h).
    assert short["due_at"] == "2026-11-23T17:00:00+09:00"
    assert extra.status_code == 201
    assert extra.json()["due_at"] == "2026-12-03T18:00:00+09:00"


def test_idempotency_key_replays_and_conflicts(engine: Engine) -> None:
    world = build_world(engine)
    client = TestClient(create_app(engine=engine))
    h = world.auth("gr_officer") | {"Idempotency-Key": "req-1"}
    first = client.post("/api/v1/voices", json=voice_json(), headers=h)
    again = client.post("/api/v1/voices", json=voice_json(), headers=h)
    other = client.post("/api/v1/voices", json=voice_json(title="다른 제목"), headers=h)
    assert first.status_code == again.status_code == 201
    assert again.json()["id"] == first.json()["id"]
    assert again.json()["ledger_no"] == first.json()["ledger_no"]
    assert again.headers["Idempotent-Replayed"] == "true"
    assert other.status_code == 409 and "Idempotency-Key" in other.json()["detail"]
    assert _count(engine) == 1


def test_idempotency_keys_are_per_caller(engine: Engine) -> None:
    world = build_world(engine)
    client = TestClient(create_app(engine=engine))
    a = client.post(
        "/api/v1/voices",
        json=voice_json(),
        headers=world.auth("gr_officer") | {"Idempotency-Key": "k"},
    )
    b = client.post(
        "/api/v1/voices",
        json=voice_json(),
        headers=world.auth("gr_lead") | {"Idempotency-Key": "k"},
    )
    assert a.json()["id"] != b.json()["id"]


BAD_BODIES = [
    ({"title": ""}, "title"),
    ({"title": "   "}, "title"),
    ({"body": ""}, "body"),
    ({"kind": "nonsense"}, "kind"),
    ({"channel": "pigeon"}, "channel"),
    ({"unit": "NOPE"}, "unit"),
    ({"unit": "DJ01"}, "unit"),
    ({"category": "없는분류"}, "category"),
    ({"received_at": "2099-01-01T00:00:00+09:00"}, "received_at"),
    ({"received_at": "yesterday"}, "received_at"),
    ({"lat": 200}, "lat"),
    ({"contact": {"email": "not-an-email"}}, "email"),
    ({"body": "x" * 100_001}, "body"),
    ({"surprise": 1}, "surprise"),
]


def test_bad_input_gets_a_reason_and_writes_nothing(engine: Engine) -> None:
    world = build_world(engine)
    client = TestClient(create_app(engine=engine))
    for change, field in BAD_BODIES:
        r = client.post(
            "/api/v1/voices", json=voice_json(**change), headers=world.auth("gr_officer")
        )
        assert 400 <= r.status_code < 500, (change, r.status_code)
        assert field in r.text, (change, r.text)
    assert (
        client.post(
            "/api/v1/voices",
            content=b"{not json",
            headers=world.auth("gr_officer") | {"content-type": "application/json"},
        ).status_code
        == 422
    )
    assert _count(engine) == 0


def test_odd_text_is_kept_as_given(engine: Engine) -> None:
    world = build_world(engine)
    client = TestClient(create_app(engine=engine))
    text = "<script>alert(1)</script> 😡 東京 mixed ＡＢＣ"
    r = client.post("/api/v1/voices", json=voice_json(body=text), headers=world.auth("gr_officer"))
    got = client.get(f"/api/v1/voices/{r.json()['id']}", headers=world.auth("gr_officer")).json()
    assert got["body"] == text


def test_citizens_need_an_office_and_cannot_back_date(engine: Engine) -> None:
    build_world(engine)
    client = TestClient(create_app(engine=engine))
    assert client.post("/api/v1/voices", json=voice_json(channel="web")).status_code == 422
    back = client.post(
        "/api/v1/voices",
        json=voice_json(channel="web", office="GR", received_at="2026-01-01T10:00:00+09:00"),
    )
    assert back.status_code == 422 and back.json()["field"] == "received_at", back.text
    ok = client.post("/api/v1/voices", json=voice_json(channel="web", office="GR"))
    assert ok.status_code == 201 and ok.json()["receipt_secret"]
    card = client.post("/api/v1/voices", json=voice_json(channel="card", office="GR"))
    assert card.status_code == 201


@pytest.mark.parametrize("channel", ["visit", "phone", "mailbox", "outreach", "email", "open311"])
def test_a_citizen_cannot_file_as_a_visit_or_a_call(engine: Engine, channel: str) -> None:
    """Only staff record visits and calls: a citizen's own voice naming one would count in the
    channel figures where it did not come."""
    build_world(engine)
    client = TestClient(create_app(engine=engine))
    r = client.post("/api/v1/voices", json=voice_json(channel=channel, office="GR"))
    assert r.status_code == 422 and r.json()["field"] == "channel", r.text
    assert "인터넷(web)이나 일일열사 카드(card)" in r.json()["detail"]
    assert count_voices(engine) == 0


def test_bad_bearer_token_is_401(engine: Engine) -> None:
    build_world(engine)
    client = TestClient(create_app(engine=engine))
    r = client.get("/api/v1/voices", headers={"Authorization": "Bearer wrong"})
    assert r.status_code == 401 and r.json()["detail"]
    assert client.get("/api/v1/voices", headers={"Authorization": "Basic x"}).status_code == 401


def test_openapi_document_lists_the_intake(engine: Engine) -> None:
    client = TestClient(create_app(engine=engine))
    doc = client.get("/openapi.json").json()
    assert "/api/v1/voices" in doc["paths"]
    assert "post" in doc["paths"]["/api/v1/voices"]


def test_single_line_fields_arrive_on_one_line(engine: Engine) -> None:
    world = build_world(engine)
    client = TestClient(create_app(engine=engine))
    body = voice_json(
        title="가로등\r\n고장  신고\n",
        dong="구로1동\n",
        address="구로동로\t10",
        body="첫 줄\n둘째 줄",
        contact={"name": "홍\n길동", "phone": "010-1234-5678"},
    )
    r = client.post("/api/v1/voices", json=body, headers=world.auth("gr_officer"))
    assert r.status_code == 201, r.text
    got = client.get(f"/api/v1/voices/{r.json()['id']}", headers=world.auth("gr_officer")).json()
    assert (got["title"], got["dong"], got["address"]) == (
        "가로등 고장 신고",
        "구로1동",
        "구로동로 10",
    )
    assert got["body"] == "첫 줄\n둘째 줄"  # the body keeps its lines
    assert got["contact"]["name"] == "홍 길동"


def test_a_malformed_body_is_told_in_korean_field_by_field(engine: Engine) -> None:
    """A wrong type or a missing field reads like every other refusal of the API: Korean,
    with the field it is about; Pydantic's own words stay for developers in ``msg``."""
    world = build_world(engine)
    client = TestClient(create_app(engine=engine))
    bad_phone = voice_json(unit="GR01", contact={"phone": "12", "consent": True})
    r = client.post("/api/v1/voices", json=bad_phone, headers=world.auth("gr_cs"))
    assert r.status_code == 422
    body = r.json()
    assert body["detail"] == "입력값이 올바르지 않습니다." and body["field"] == "contact.phone"
    assert "전화번호" in body["errors"][0]["message"] and body["errors"][0]["msg"]
    empty = client.post("/api/v1/voices", json={}, headers=world.auth("gr_cs")).json()
    fields = {e["field"]: e["message"] for e in empty["errors"]}
    assert {"kind", "channel", "title", "body"} <= fields.keys()
    assert fields["title"] == "필수 입력 항목입니다."
    paged = client.get("/api/v1/voices", params={"limit": "abc"}, headers=world.auth("gr_cs"))
    assert paged.status_code == 422 and paged.json()["field"] == "limit"
    assert paged.json()["errors"][0]["message"] == "올바른 숫자를 입력해 주세요."
    assert count_voices(engine) == 0
