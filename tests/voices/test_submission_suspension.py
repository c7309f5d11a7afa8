"""A citizen whose web submissions are suspended: the public form refuses with a Korean message
(until when, why, how to appeal) and keeps what they typed; the API refuses with 403; other
offices, other contacts, staff intake and the time after the end (or a lift) are not affected.
The suspension itself is the CS manager's, with an audit trail and bad inputs refused."""

from datetime import timedelta

import pytest
from factories import World, build_world, voice_json
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from web.pagetools import client_for, count_voices, csrf, login

from minwon.app import create_app
from minwon.timeutil import to_kst, utcnow

PHONE = "010-2345-6789"


def _ends(days: float = 7) -> str:
    return to_kst(utcnow() + timedelta(days=days)).replace(tzinfo=None).isoformat("T", "minutes")


def _suspend(client: TestClient, world: World, **kw: object) -> dict:
    body = {
        "identity": "01023456789",
        "reason_code": "repeat",
        "reason": "같은 내용을 하루 40건 제출",
        "ends_at": _ends(),
        **kw,
    }
    r = client.post("/api/v1/protection/suspensions", json=body, headers=world.auth("gr_cs"))
    assert r.status_code == 201, r.text
    return r.json()


def _citizen_voice(client: TestClient, **contact: object) -> object:
    body = voice_json(
        unit="GR01", channel="web", contact={"name": "홍길동", "consent": True, **contact}
    )
    return client.post("/api/v1/voices", json=body)


def test_the_api_refuses_a_suspended_phone_and_takes_others(engine: Engine) -> None:
    world = build_world(engine)
    client = TestClient(create_app(engine=engine))
    made = _suspend(client, world)
    assert made["identity"] == PHONE and made["active"] is True
    assert [e["kind"] for e in made["events"]] == ["created"]
    refused = _citizen_voice(client, phone="010 2345 6789")
    assert refused.status_code == 403
    assert "인터넷 민원을 신청하실 수 없습니다" in refused.json()["detail"]
    assert "이의" in refused.json()["detail"]
    assert count_voices(engine) == 0
    assert _citizen_voice(client, phone="010-9999-0000").status_code == 201
    other_office = voice_json(unit="DJ01", channel="web", contact={"phone": PHONE, "consent": True})
    assert client.post("/api/v1/voices", json=other_office).status_code == 201
    staff = voice_json(unit="GR01", contact={"phone": PHONE, "consent": True})
    taken = client.post("/api/v1/voices", json=staff, headers=world.auth("gr_officer"))
    assert taken.status_code == 201


def test_an_email_suspension_ignores_case(engine: Engine) -> None:
    world = build_world(engine)
    client = TestClient(create_app(engine=engine))
    _suspend(client, world, identity="Bot@Example.KR", reason_code="automated")
    assert _citizen_voice(client, email="bot@example.kr").status_code == 403
    assert _citizen_voice(client, email="BOT@example.kr").status_code == 403


def test_after_the_end_or_a_lift_submissions_are_taken_again(engine: Engine, clock) -> None:
    world = build_world(engine)
    client = TestClient(create_app(engine=engine))
    made = _suspend(client, world, ends_at=_ends(2))
    assert _citizen_voice(client, phone=PHONE).status_code == 403
    clock.shift(timedelta(days=2, minutes=1))
    assert _citizen_voice(client, phone=PHONE).status_code == 201
    again = _suspend(client, world, ends_at=_ends(3))
    url = f"/api/v1/protection/suspensions/{again['id']}"
    appeal = client.post(
        url + "/appeal",
        json={"note": "민원인 이의신청: 오작동이었다고 함"},
        headers=world.auth("gr_cs"),
    )
    assert appeal.status_code == 200
    lifted = client.post(url + "/lift", json={"note": "이의신청 인용"}, headers=world.auth("gr_cs"))
    assert lifted.status_code == 200 and lifted.json()["active"] is False
    assert [e["kind"] for e in lifted.json()["events"]] == ["created", "appeal", "lifted"]
    assert _citizen_voice(client, phone=PHONE).status_code == 201
    twice = client.post(url + "/lift", json={"note": "다시"}, headers=world.auth("gr_cs"))
    assert twice.status_code == 409
    assert made["id"] != again["id"]


@pytest.mark.parametrize(
    ("change", "status", "field"),
    [
        ({"identity": "12"}, 422, "identity"),
        ({"identity": "not an address@x"}, 422, "identity"),
        ({"ends_at": "2020-01-01T00:00"}, 422, "ends_at"),
        ({"ends_at": "2099-01-01T00:00"}, 422, "ends_at"),
        ({"office": "DJ"}, 422, "office"),
        ({"reason_code": "annoying"}, 422, None),
        ({"reason": " "}, 422, None),
    ],
)
def test_bad_suspensions_are_refused(
    engine: Engine, change: dict, status: int, field: str | None
) -> None:
    world = build_world(engine)
    client = TestClient(create_app(engine=engine))
    body = {"identity": PHONE, "reason_code": "repeat", "reason": "반복", "ends_at": _ends()}
    r = client.post(
        "/api/v1/protection/suspensions", json={**body, **change}, headers=world.auth("gr_cs")
    )
    assert r.status_code == status, r.text
    if field:
        assert r.json()["field"] == field
    assert client.get("/api/v1/protection/suspensions", headers=world.auth("gr_cs")).json() == []


@pytest.mark.parametrize("login_name", ["gr_officer", "gr_lead", "hq"])
def test_only_cs_managers_and_admins_suspend(engine: Engine, login_name: str) -> None:
    world = build_world(engine)
    client = TestClient(create_app(engine=engine))
    body = {"identity": PHONE, "reason_code": "repeat", "reason": "반복", "ends_at": _ends()}
    r = client.post("/api/v1/protection/suspensions", json=body, headers=world.auth(login_name))
    assert r.status_code == 403


def test_a_second_running_suspension_of_the_same_contact_is_a_conflict(engine: Engine) -> None:
    world = build_world(engine)
    client = TestClient(create_app(engine=engine))
    _suspend(client, world)
    body = {"identity": PHONE, "reason_code": "repeat", "reason": "반복", "ends_at": _ends()}
    r = client.post("/api/v1/protection/suspensions", json=body, headers=world.auth("gr_cs"))
    assert r.status_code == 409


def test_another_offices_suspension_is_not_found(engine: Engine) -> None:
    world = build_world(engine)
    client = TestClient(create_app(engine=engine))
    made = _suspend(client, world)
    url = f"/api/v1/protection/suspensions/{made['id']}"
    assert client.get(url, headers=world.auth("dj_lead")).status_code == 404
    assert client.get(url, headers=world.auth("hq")).status_code == 404


def test_the_public_form_refuses_keeps_the_text_and_shows_how_to_appeal(engine: Engine) -> None:
    world = build_world(engine)
    api = TestClient(create_app(engine=engine))
    contact = {
        "call_minutes": 20,
        "visit_minutes": 60,
        "appeal_contact": "구로경찰서 민원실 02-111-2222",
    }
    assert (
        api.put(
            "/api/v1/protection/settings", json=contact, headers=world.auth("gr_cs")
        ).status_code
        == 200
    )
    _suspend(api, world)
    client = client_for(engine)
    form = {
        "unit": "GR01",
        "kind": "complaint",
        "title": "주차 단속 요청",
        "body": "골목 불법 주차를 단속해 주세요. 길게 적은 내용입니다.",
        "contact_name": "홍길동",
        "contact_phone": "010-2345-6789",
        "contact_consent": "on",
        "csrf_token": csrf(client, "/submit?unit=GR01"),
    }
    page = client.post("/submit", data=form)
    assert page.status_code == 422
    assert "인터넷 민원을 신청하실 수 없습니다" in page.text
    assert "구로경찰서 민원실 02-111-2222" in page.text
    assert "골목 불법 주차를 단속해 주세요. 길게 적은 내용입니다." in page.text
    assert 'value="주차 단속 요청"' in page.text
    assert count_voices(engine) == 0
    form["contact_phone"] = "010-5555-6666"
    assert client.post("/submit", data=form).status_code == 200
    assert count_voices(engine) == 1


def test_managers_suspend_and_lift_on_the_pages(engine: Engine) -> None:
    build_world(engine)
    client = client_for(engine)
    login(client, "gr_cs")
    token = csrf(client, "/protection/suspensions")
    bad = client.post(
        "/protection/suspensions",
        data={
            "identity": "12",
            "reason_code": "repeat",
            "reason": "반복 제출 30건",
            "ends_at": _ends(),
            "csrf_token": token,
        },
    )
    assert bad.status_code == 422 and "반복 제출 30건" in bad.text
    good = client.post(
        "/protection/suspensions",
        data={
            "identity": PHONE,
            "reason_code": "repeat",
            "reason": "반복 제출 30건",
            "ends_at": _ends(),
            "csrf_token": token,
        },
    )
    assert good.status_code == 200 and PHONE in good.text and "제한 중" in good.text
    lift_url = str(good.url) + "/lift"
    lifted = client.post(lift_url, data={"note": "이의신청 인용", "csrf_token": token})
    assert lifted.status_code == 200 and "이의신청 인용" in lifted.text and "해제됨" in lifted.text
    login(client, "gr_officer")
    assert (
        client.post(
            lift_url, data={"note": "x", "csrf_token": csrf(client, "/protection")}
        ).status_code
        == 403
    )


def test_the_refusal_is_in_english_on_the_english_form(engine: Engine) -> None:
    world = build_world(engine)
    _suspend(TestClient(create_app(engine=engine)), world)
    client = client_for(engine)
    form = {
        "unit": "GR01",
        "kind": "complaint",
        "title": "Parking",
        "body": "Please enforce parking in my alley.",
        "contact_phone": PHONE,
        "contact_consent": "on",
        "csrf_token": csrf(client, "/submit?unit=GR01"),
    }
    page = client.post("/submit?lang=en", data=form)
    assert page.status_code == 422
    assert "are suspended until" in page.text and "What you typed is kept below" in page.text
    assert "Please enforce parking in my alley." in page.text


def test_the_intake_form_shows_the_recommended_lengths(engine: Engine) -> None:
    build_world(engine)
    client = client_for(engine)
    login(client, "gr_officer")
    assert "권장 응대 시간: 전화 20분 · 방문 60분" in client.get("/voices/new").text
