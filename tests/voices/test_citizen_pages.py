"""The citizens' pages: the public form and its receipt, the office choice and contact
consent, tracking (one message for a wrong pair, any case and spacing, a transferred number)
and the pages in English."""

import re
from datetime import timedelta

import pytest
import time_machine
from factories import World, build_world
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select
from web.pagetools import api_voice, client_for, count_voices, is_html_page, login, post_form

from minwon.db import session_factory
from minwon.outbox.models import OutboxMessage
from minwon.voices.models import Voice

LEDGER_NO = re.compile(r"[A-Z0-9]+-\d{4}-\d{6}")


@pytest.fixture
def world(engine: Engine) -> World:
    return build_world(engine)


@pytest.fixture
def client(engine: Engine, world: World) -> TestClient:
    return client_for(engine)


def _act(client: TestClient, vid: int, action: str, **data: str):
    return post_form(client, f"/voices/{vid}/{action}", data, f"/voices/{vid}")


# ---- citizens ---------------------------------------------------------------------------


def _receipt(text: str) -> tuple[str, str]:
    numbers = LEDGER_NO.findall(text)
    secret = re.search(r'<dd class="mono secret">([A-Z0-9]{8})</dd>', text)
    assert numbers and secret
    return numbers[0], secret.group(1)


def test_citizen_submits_gets_receipt_and_tracks_to_the_answer(client, world) -> None:
    form = client.get("/submit?unit=GR01&channel=card")
    assert form.status_code == 200 and "구로지구대" in form.text
    assert 'name="unit" value="GR01"' in form.text and 'name="office"' not in form.text
    data = {"channel": "card", "unit": "GR01", "kind": "request", "title": "순찰 요청"}
    r = post_form(client, "/submit", data | {"body": "밤에 순찰해 주세요."}, "/submit")
    assert r.status_code == 200 and r.url.path == "/submit/done"
    ledger_no, secret = _receipt(r.text)
    assert ledger_no.startswith("GR01-") and "처리 예정 기한" in r.text
    assert '<button type="button" class="btn-ghost" data-print>인쇄하기</button>' in r.text
    tracked = post_form(client, "/track", {"ledger_no": ledger_no, "secret": secret}, "/track")
    assert tracked.status_code == 200 and "접수" in tracked.text and "순찰 요청" in tracked.text
    assert "아직 답변이 발송되지 않았습니다" in tracked.text
    with session_factory(client.app.state.engine)() as db:
        voice = db.scalars(select(Voice)).one()
        assert voice.channel == "card"
    staff = client_for(client.app.state.engine)
    login(staff, "gr_lead")
    _act(staff, voice.id, "answer", body="순찰을 늘리겠습니다.")
    _act(staff, voice.id, "approve")
    low = {"ledger_no": ledger_no, "secret": secret.lower()}
    answered = post_form(client, "/track", low, "/track")
    assert "답변 완료" in answered.text and "순찰을 늘리겠습니다." in answered.text


def test_the_receipt_survives_a_reload_for_half_an_hour(
    client: TestClient, engine: Engine, clock: time_machine.Traveller
) -> None:
    """A phone that drops the page, or a reload, must not lose the check code; later the
    tracking page opens with the number filled in."""
    data = {"office": "GR", "kind": "complaint", "title": "소음", "body": "밤마다 시끄러워요"}
    first = post_form(client, "/submit", data, "/submit")
    ledger_no, secret = _receipt(first.text)
    assert "30분 동안 다시 열 수 있습니다" in first.text
    clock.shift(timedelta(minutes=29))
    again = client.get("/submit/done")
    assert again.status_code == 200 and _receipt(again.text) == (ledger_no, secret)
    clock.shift(timedelta(minutes=2))
    later = client.get("/submit/done", follow_redirects=False)
    assert later.headers["location"] == f"/track?no={ledger_no}"
    assert client.get("/submit/done", follow_redirects=False).headers["location"] == "/track"
    assert ledger_no in client.get(later.headers["location"]).text
    assert client_for(engine).get("/submit/done", follow_redirects=False).status_code == 303


def test_a_citizen_who_left_an_email_is_mailed_the_receipt(
    client: TestClient, engine: Engine, world: World
) -> None:
    data = {"office": "GR", "kind": "complaint", "title": "소음", "body": "밤마다 시끄러워요"}
    mailed = data | {"contact_email": "kim@example.kr", "contact_consent": "on"}
    r = post_form(client, "/submit", mailed, "/submit")
    ledger_no, secret = _receipt(r.text)
    assert "남기신 메일 주소로도 보냈습니다" in r.text
    post_form(client_for(engine), "/submit", data | {"contact_phone": "010-1111-2222",
              "contact_consent": "on"}, "/submit")  # fmt: skip
    api = TestClient(client.app).post(
        "/api/v1/voices",
        json={"kind": "complaint", "channel": "web", "office": "GR", "title": "t", "body": "b",
              "contact": {"email": "lee@example.kr", "consent": True}},
    )  # fmt: skip
    assert api.status_code == 201, api.text
    with session_factory(engine)() as db:
        mails = db.scalars(select(OutboxMessage).where(OutboxMessage.topic == "receipt")).all()
        assert sorted(m.recipient for m in mails) == ["kim@example.kr", "lee@example.kr"]
        mail = next(m for m in mails if m.recipient == "kim@example.kr")
    assert (
        ledger_no in mail.subject and secret in mail.body and f"/track?no={ledger_no}" in mail.body
    )
    api_voice(client, world, "gr_cs", contact={"email": "park@example.kr", "consent": True})
    # filed by staff: the citizen is given no receipt by mail
    with session_factory(engine)() as db:
        assert db.scalar(select(func.count()).where(OutboxMessage.topic == "receipt")) == 2


def test_citizen_chooses_an_office_and_contact_needs_consent(client, engine: Engine) -> None:
    form = client.get("/submit")
    assert '<option value="GR">구로경찰서</option>' in form.text
    data = {"office": "GR", "kind": "complaint", "title": "소음", "body": "밤마다 시끄러워요"}
    r = post_form(client, "/submit", data | {"contact_phone": "010-1111-2222"}, "/submit")
    assert r.status_code == 422 and "동의해 주세요" in r.text
    assert 'value="010-1111-2222"' in r.text and count_voices(engine) == 0
    r = post_form(client, "/submit", data | {"title": ""}, "/submit")
    assert r.status_code == 422 and 'id="err-title"' in r.text and count_voices(engine) == 0
    r = post_form(client, "/submit", data | {"office": ""}, "/submit")
    assert r.status_code == 422 and 'id="err-office"' in r.text
    r = post_form(client, "/submit", data | {"kind": "inquiry_law"}, "/submit")
    assert r.status_code == 422 and 'id="err-kind"' in r.text
    consented = data | {"contact_phone": "010-1111-2222", "contact_consent": "on"}
    r = post_form(client, "/submit", consented, "/submit")
    assert r.url.path == "/submit/done" and _receipt(r.text)[0].startswith("GR00-")
    assert count_voices(engine) == 1


def test_unknown_preset_unit_falls_back_to_office_choice(client) -> None:
    r = client.get("/submit?unit=NOPE")
    assert r.status_code == 200 and 'name="office"' in r.text
    assert "부서를 찾지 못했습니다" in r.text


def test_wrong_pair_gets_one_kind_message(client, world) -> None:
    voice = api_voice(client, world)
    message = "입력하신 접수번호와 확인 코드로 찾은 민원이 없습니다"
    for pair in (
        {"ledger_no": voice["ledger_no"], "secret": "WRONG234"},
        {"ledger_no": "GR01-2026-999999", "secret": voice["receipt_secret"]},
        {"ledger_no": "", "secret": ""},
    ):
        r = post_form(client, "/track", pair, "/track")
        assert r.status_code == 404 and is_html_page(r) and message in r.text
    ok = {"ledger_no": voice["ledger_no"], "secret": voice["receipt_secret"]}
    assert post_form(client, "/track", ok, "/track").status_code == 200


def test_a_check_code_is_read_whatever_its_case_spaces_and_hyphens(engine: Engine, world) -> None:
    """A citizen reads the code aloud in fours, or copies it with a hyphen, as survey codes."""
    client = client_for(engine)
    voice = api_voice(client, world, title="골목 가로등")
    number, secret = voice["ledger_no"], voice["receipt_secret"]
    for typed in (
        f"{secret[:4]} {secret[4:]}".lower(),
        f"{secret[:4]}-{secret[4:]}",
        f" {secret} ",
    ):
        r = post_form(client, "/track", {"ledger_no": number, "secret": typed}, "/track")
        assert r.status_code == 200 and "골목 가로등" in r.text, typed


def test_a_receipt_number_is_found_in_any_case_and_spacing(engine: Engine, world) -> None:
    """Citizens copy the number as they can: in lower case, with spaces around or inside it.
    It is found all the same (the check code already was), shown as printed on the receipt,
    and a found receipt does not count against the lookup limit."""
    client = client_for(engine, throttle_track="1/15 minutes")
    voice = api_voice(client, world, title="골목 가로등")
    number, secret = voice["ledger_no"], voice["receipt_secret"]
    for typed in (number.lower(), f"  {number.lower()} ", number.replace("-", " - ").title()):
        r = post_form(client, "/track", {"ledger_no": typed, "secret": secret.lower()}, "/track")
        assert r.status_code == 200, typed
        assert "골목 가로등" in r.text and f'<p class="mono voice-no">{number}</p>' in r.text
        assert "담당 부서가 바뀌어" not in r.text and "찾은 민원이 없습니다" not in r.text
    wrong = {"ledger_no": number.lower(), "secret": "WRONG234"}
    assert post_form(client, "/track", wrong, "/track").status_code == 404  # the first miss
    assert post_form(client, "/track", wrong, "/track").status_code == 429


def test_a_transferred_receipt_in_lower_case_leads_to_the_new_number(
    engine: Engine, client, world
) -> None:
    """The number of the first line, typed in lower case, still leads to the new one."""
    voice = api_voice(client, world)
    moved = client.post(
        f"/api/v1/voices/{voice['id']}/transfer",
        json={"unit": "GR02", "note": "관할 파출소"},
        headers=world.auth("gr_lead"),
    )
    assert moved.status_code == 200, moved.text
    pair = {"ledger_no": voice["ledger_no"].lower(), "secret": voice["receipt_secret"]}
    r = post_form(client, "/track", pair, "/track")
    assert r.status_code == 200
    assert f"담당 부서가 바뀌어 새 접수번호 {moved.json()['ledger_no']}로 처리하고" in r.text


def test_citizen_pages_in_english(client) -> None:
    r = client.get("/submit?lang=en")
    assert "Tell us" in r.text and "What is it about?" in r.text
    assert "Look up" in client.get("/track").text
