"""An HQ analyst (every office, no personal data) reads a voice's text, answers and history
notes masked, and cannot find a voice by a citizen's phone number or name; the office's own
staff read them as written."""

import pytest
from factories import World, build_world, voice_json
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from web.pagetools import login

from minwon.app import create_app

PHONE, EMAIL, RRN = "010-9876-5432", "hong@example.com", "900101-1234567"
TEXT = f"저는 홍길동이고 전화 {PHONE}, 메일 {EMAIL}, 주민번호 {RRN}입니다. 가로등이 꺼졌습니다."
RAW = ("홍길동", "9876-5432", "hong@", "1234567", "123-45")


@pytest.fixture
def world(engine: Engine) -> World:
    return build_world(engine)


@pytest.fixture
def client(engine: Engine) -> TestClient:
    return TestClient(create_app(engine=engine))


@pytest.fixture
def voice_id(client: TestClient, world: World) -> int:
    """A voice whose citizen wrote their personal data into it, answered and moved with
    notes that quote it."""
    body = voice_json(
        unit="GR01",
        title=f"홍길동 {PHONE} 가로등",
        body=TEXT,
        address="서울 구로구 구로동 123-45 101동 202호",
        contact={"name": "홍길동", "phone": PHONE, "consent": True},
    )
    made = client.post("/api/v1/voices", json=body, headers=world.auth("gr_cs"))
    assert made.status_code == 201, made.text
    vid = made.json()["id"]
    h = world.auth("gr_lead")
    answer = {"body": f"홍길동님, {PHONE}로 전화드렸습니다. 가로등을 고쳤습니다."}
    assert client.post(f"/api/v1/voices/{vid}/answer", json=answer, headers=h).status_code == 200
    moved = client.post(
        f"/api/v1/voices/{vid}/transfer",
        json={"unit": "GR02", "note": f"민원인 {PHONE}와 통화: 가리봉 담당"},
        headers=h,
    )
    assert moved.status_code == 200, moved.text
    return int(vid)


def _unmasked(text: str) -> list[str]:
    return [raw for raw in RAW if raw in text]


def test_hq_reads_the_voice_masked_through_the_api(
    client: TestClient, world: World, voice_id: int
) -> None:
    hq = world.auth("hq")
    read = client.get(f"/api/v1/voices/{voice_id}", headers=hq).json()
    assert _unmasked(read["title"] + read["body"] + read["address"]) == []
    assert "가로등이 꺼졌습니다" in read["body"] and "구로동" in read["address"]
    answers = client.get(f"/api/v1/voices/{voice_id}/answers", headers=hq).json()
    assert answers and _unmasked(" ".join(a["body"] for a in answers)) == []
    notes = " ".join(
        e["note"] for e in client.get(f"/api/v1/voices/{voice_id}/history", headers=hq).json()
    )
    assert "가리봉 담당" in notes and _unmasked(notes) == []
    # the office's own staff read what was written
    own = client.get(f"/api/v1/voices/{voice_id}", headers=world.auth("gr_cs")).json()
    assert PHONE in own["title"] and RRN in own["body"] and "123-45" in own["address"]


def test_hq_cannot_find_a_voice_by_a_phone_number_or_name(
    client: TestClient, world: World, voice_id: int
) -> None:
    def found(q: str, who: str) -> list[int]:
        got = client.get("/api/v1/voices", params={"q": q}, headers=world.auth(who))
        assert got.status_code == 200, got.text
        return [v["id"] for v in got.json()["items"]]

    for q in ("9876", "홍길동", "hong@example", "1234567"):
        assert voice_id not in found(q, "hq"), q
        assert voice_id in found(q, "gr_cs"), q
    assert voice_id in found("가로등이 꺼졌", "hq")


def test_hq_reads_the_voice_page_masked(client: TestClient, world: World, voice_id: int) -> None:
    login(client, "hq")
    page = client.get(f"/voices/{voice_id}")
    assert page.status_code == 200
    assert _unmasked(page.text) == [] and "가리봉 담당" in page.text
    assert "가로등을 고쳤습니다" in page.text
