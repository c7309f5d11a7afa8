"""Forms keep what people type: the public submit form, the staff intake form, the voice page's
workflow forms, the patrol request form and the tracking form state their maxima, and a value
over one — or a phone number that is not Korean — comes back as a Korean message on the same
form with everything typed kept and nothing stored."""

import html
import re

import pytest
from factories import World, build_world, voice_json
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select
from web.pagetools import api_voice, client_for, count_voices, csrf, login, post_form

from minwon.db import session_factory
from minwon.outreach.models import PatrolRequest
from minwon.timeutil import to_kst, utcnow
from minwon.voices.models import Answer, VoiceContact

SUBMIT = {
    "kind": "complaint",
    "office": "GR",
    "title": "가로등 고장",
    "body": "골목 가로등이 꺼졌어요. 이 글은 그대로 남아야 합니다.",
    "contact_name": "홍길동",
    "contact_consent": "on",
}


@pytest.fixture
def world(engine: Engine) -> World:
    return build_world(engine)


@pytest.fixture
def client(engine: Engine, world: World) -> TestClient:
    return client_for(engine)


def _page(response) -> str:
    return html.unescape(response.text)


def _contacts(engine: Engine) -> list[str]:
    with session_factory(engine)() as db:
        return list(db.scalars(select(VoiceContact.phone)))


# ---- phone numbers ----------------------------------------------------------------------


@pytest.mark.parametrize("phone", ["12", "112", "010-123", "abc-defg", "+1 202 555 0100"])
def test_a_phone_that_is_not_korean_is_refused_on_the_public_form(
    client: TestClient, engine: Engine, phone: str
) -> None:
    form = {**SUBMIT, "contact_phone": phone, "csrf_token": csrf(client, "/submit")}
    r = client.post("/submit", data=form)
    assert r.status_code == 422
    page = _page(r)
    assert "전화번호를 확인해 주세요" in page and "010-1234-5678" in page
    assert SUBMIT["body"] in page and f'value="{phone}"' in page and "홍길동" in page
    assert count_voices(engine) == 0


@pytest.mark.parametrize(
    ("typed", "stored"),
    [("01012345678", "010-1234-5678"), ("02 123 4567", "02-123-4567"), ("15881234", "1588-1234")],
)
def test_a_korean_phone_is_stored_in_one_written_form(
    client: TestClient, engine: Engine, typed: str, stored: str
) -> None:
    form = {**SUBMIT, "contact_phone": typed, "csrf_token": csrf(client, "/submit")}
    assert client.post("/submit", data=form, follow_redirects=False).status_code == 303
    assert _contacts(engine) == [stored]


def test_the_staff_intake_form_refuses_12_and_keeps_everything(
    client: TestClient, engine: Engine
) -> None:
    login(client, "gr_officer")
    form = {
        "kind": "complaint",
        "channel": "phone",
        "title": "전화 민원",
        "body": "주차 문제로 전화하셨습니다.",
        "unit": "GR01",
        "contact_name": "김민원",
        "contact_phone": "12",
        "contact_consent": "on",
    }
    r = post_form(client, "/voices/new", form, "/voices/new")
    assert r.status_code == 422
    page = _page(r)
    assert "전화번호를 확인해 주세요" in page
    assert "주차 문제로 전화하셨습니다." in page and 'value="김민원"' in page
    assert count_voices(engine) == 0
    ok = post_form(client, "/voices/new", {**form, "contact_phone": "031 123 4567"}, "/voices/new")
    assert ok.status_code == 200 and _contacts(engine) == ["031-123-4567"]


def test_the_api_refuses_12_and_stores_numbers_normalised(
    client: TestClient, world: World, engine: Engine
) -> None:
    body = voice_json(unit="GR01", contact={"name": "홍길동", "phone": "12"})
    r = client.post("/api/v1/voices", json=body, headers=world.auth("gr_officer"))
    assert r.status_code == 422 and count_voices(engine) == 0
    api_voice(client, world, contact={"name": "홍길동", "phone": "+82 10 2222 3333"})
    assert _contacts(engine) == ["010-2222-3333"]


# ---- stated maxima ------------------------------------------------------------------------


def test_the_intake_forms_state_their_maxima(client: TestClient) -> None:
    public = client.get("/submit").text
    assert "최대 300자" in public and "최대 100,000자" in public
    assert 'data-count-for="f-body"' in public and 'data-draft="submit"' in public
    login(client, "gr_officer")
    staff = client.get("/voices/new").text
    assert 'maxlength="300"' in staff and "최대 100,000자" in staff


def test_an_answer_over_its_maximum_keeps_the_text_on_the_voice_page(
    client: TestClient, engine: Engine
) -> None:
    login(client, "gr_officer")
    voice = post_form(
        client,
        "/voices/new",
        {"kind": "complaint", "channel": "visit", "title": "t", "body": "b", "unit": "GR01"},
        "/voices/new",
    )
    vid = int(voice.url.path.rsplit("/", 1)[-1])
    page = client.get(f"/voices/{vid}").text
    assert 'maxlength="100000"' in page and "최대 100,000자" in page
    long = "답" * 100_001
    r = post_form(client, f"/voices/{vid}/answer", {"body": long}, f"/voices/{vid}")
    assert r.status_code == 422
    assert "100,000자 이내로 입력해 주세요" in r.text and long in r.text
    with session_factory(engine)() as db:
        assert db.scalar(select(func.count(Answer.id))) == 0
    short = post_form(client, f"/voices/{vid}/answer", {"body": "조치했습니다."}, f"/voices/{vid}")
    assert short.status_code == 200 and "조치했습니다." in short.text


def test_a_reason_over_its_maximum_keeps_the_text(client: TestClient, engine: Engine) -> None:
    login(client, "gr_lead")
    vid = post_form(
        client,
        "/voices/new",
        {"kind": "complaint", "channel": "visit", "title": "t", "body": "b", "unit": "GR01"},
        "/voices/new",
    ).url.path.rsplit("/", 1)[-1]
    long = "사" * 2001
    r = post_form(client, f"/voices/{vid}/extend", {"days": "3", "reason": long}, f"/voices/{vid}")
    assert r.status_code == 422 and "2,000자 이내" in r.text and long in r.text


# ---- patrol requests and tracking ---------------------------------------------------------


def _patrol(client: TestClient, **kw: str):
    data = {
        "csrf_token": csrf(client, "/patrols/request"),
        "unit": "GR01",
        "place": "구로역 뒤 골목",
        "day": to_kst(utcnow()).date().isoformat(),
        "start_hour": "22",
        "end_hour": "2",
        "reason": "밤에 어둡습니다.",
        **kw,
    }
    return client.post("/patrols/request", data=data)


def test_the_patrol_form_marks_every_field_over_its_maximum(
    client: TestClient, engine: Engine
) -> None:
    page = client.get("/patrols/request").text
    assert "최대 200자" in page and "최대 2,000자" in page
    reason, dong = "무" * 2001, "동" * 101
    r = _patrol(client, reason=reason, dong=dong, start_hour="5", end_hour="5")
    assert r.status_code == 422
    text = _page(r)
    errors = re.findall(r'<p class="field-error" id="err-(\w+)">', text)
    assert set(errors) == {"reason", "dong", "start_hour"}
    assert "2,000자까지" in text and reason in text and dong in text
    assert "구로역 뒤 골목" in text
    with session_factory(engine)() as db:
        assert db.scalar(select(func.count(PatrolRequest.id))) == 0
    assert _patrol(client).status_code == 200


def test_tracking_inputs_over_their_maxima_get_a_korean_message(client: TestClient) -> None:
    typed = "GR01-2026-" + "0" * 60
    data = {"ledger_no": typed, "secret": "ABCD2345", "csrf_token": csrf(client, "/track")}
    r = client.post("/track", data=data)
    assert r.status_code == 422
    assert "접수번호는 48자" in r.text and typed in r.text


def test_a_413_on_a_public_form_is_a_korean_page_with_the_way_back(engine: Engine) -> None:
    build_world(engine)
    client = client_for(engine, max_body_bytes=2000)
    r = _patrol(client, reason="가" * 3000)
    assert r.status_code == 413 and r.headers["content-type"].startswith("text/html")
    assert "보내신 내용이 너무 큽니다" in r.text and "최대 2 KB" in r.text
    assert "이전 화면으로 돌아가면 쓰신 글이 남아 있습니다" in r.text
    api = client.post("/api/v1/track", json={"ledger_no": "x" * 3000, "secret": "y"})
    assert api.status_code == 413 and "너무 큽니다" in api.json()["detail"]


# ---- text nobody can see ----------------------------------------------------------------


@pytest.mark.parametrize("unseen", ["\u200b\u200b", "\u200f", "\x00", "\u3164 \ufeff"])
def test_a_title_nobody_can_see_is_refused_and_the_rest_kept(
    client: TestClient, engine: Engine, unseen: str
) -> None:
    form = {**SUBMIT, "title": unseen, "csrf_token": csrf(client, "/submit")}
    r = client.post("/submit", data=form)
    assert r.status_code == 422
    assert SUBMIT["body"] in _page(r) and "홍길동" in _page(r)
    assert count_voices(engine) == 0


@pytest.mark.parametrize(
    "changed", [{"title": "\u0000"}, {"body": "\u0000\u0000"}, {"title": "\u200b\u200f"}]
)
def test_the_api_refuses_a_voice_nobody_can_read(
    client: TestClient, engine: Engine, world: World, changed: dict[str, str]
) -> None:
    body = voice_json(unit="GR01") | changed
    r = client.post("/api/v1/voices", json=body, headers=world.auth("gr_officer"))
    assert r.status_code == 422
    assert count_voices(engine) == 0


def test_an_answer_nobody_can_read_is_refused(
    client: TestClient, engine: Engine, world: World
) -> None:
    voice = api_voice(client, world)
    r = client.post(
        f"/api/v1/voices/{voice['id']}/answer",
        json={"body": "\u200b\u200b"},
        headers=world.auth("gr_officer"),
    )
    assert r.status_code == 422
    with session_factory(engine)() as db:
        assert db.scalar(select(func.count(Answer.id))) == 0


# ---- fields the form does not show ------------------------------------------------------


@pytest.mark.parametrize("changed", [{"campaign": "한글"}, {"officer": "x" * 100}])
def test_a_refusal_of_a_field_the_form_does_not_show_says_what_was_wrong(
    client: TestClient, engine: Engine, changed: dict[str, str]
) -> None:
    form = {**SUBMIT, **changed, "csrf_token": csrf(client, "/submit")}
    r = client.post("/submit", data=form)
    assert r.status_code == 422
    said = re.search(r'<p class="form-error" role="alert">(.*?)</p>', r.text, re.S)
    assert said is not None and said.group(1).strip()
    assert "아래에 표시된 항목을 고쳐야 합니다" not in said.group(1)
    assert SUBMIT["body"] in _page(r)
    assert count_voices(engine) == 0


def test_an_unknown_office_is_marked_on_the_office_it_names(
    client: TestClient, engine: Engine
) -> None:
    form = {**SUBMIT, "office": "ZZ", "csrf_token": csrf(client, "/submit")}
    r = client.post("/submit", data=form)
    assert r.status_code == 422
    assert 'id="err-office"' in r.text and SUBMIT["body"] in _page(r)
    assert count_voices(engine) == 0
