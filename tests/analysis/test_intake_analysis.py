"""Analysis at intake: masked text, tone and urgency are stored with every new voice; without a
trained model nothing is routed automatically and the route API says why."""

from factories import build_world, voice_json
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from minwon.app import create_app


def test_intake_stores_masked_text_and_tone(engine: Engine) -> None:
    world = build_world(engine)
    client = TestClient(create_app(engine=engine))
    h = world.auth("gr_officer")
    body = "밤마다 골목에서 폭행 사건이 일어나 너무 무섭습니다. 연락처 010-1234-5678, 홍길동"
    created = client.post(
        "/api/v1/voices",
        json=voice_json(body=body, contact={"name": "홍길동", "phone": "010-1234-5678"}),
        headers=h,
    ).json()
    got = client.get(f"/api/v1/voices/{created['id']}/analysis", headers=h)
    assert got.status_code == 200, got.text
    analysis = got.json()
    assert analysis["urgent"] is True
    assert "phone" in analysis["pii_kinds"] and "name" in analysis["pii_kinds"]
    assert analysis["sentiment"] < 0
    assert analysis["auto_routed"] is False and analysis["needs_triage"] is False


def test_praise_reads_positive(engine: Engine) -> None:
    world = build_world(engine)
    client = TestClient(create_app(engine=engine))
    h = world.auth("gr_officer")
    body = "지구대 경찰관분들이 정말 친절하게 도와주셔서 감사했습니다."
    created = client.post("/api/v1/voices", json=voice_json(kind="praise", body=body), headers=h)
    analysis = client.get(f"/api/v1/voices/{created.json()['id']}/analysis", headers=h).json()
    assert analysis["tone_label"] == "positive" and not analysis["urgent"]


def test_route_api_without_a_model_is_409_with_a_reason(engine: Engine) -> None:
    world = build_world(engine)
    client = TestClient(create_app(engine=engine))
    r = client.post(
        "/api/v1/analysis/route", json={"text": "신호등 고장"}, headers=world.auth("gr_lead")
    )
    assert r.status_code == 409 and "minwon analysis train" in r.json()["detail"]
    assert (
        client.post(
            "/api/v1/analysis/route", json={"text": ""}, headers=world.auth("gr_lead")
        ).status_code
        == 422
    )
    assert client.post("/api/v1/analysis/route", json={"text": "x"}).status_code == 401


def test_odd_texts_are_analysed_without_error(engine: Engine) -> None:
    world = build_world(engine)
    client = TestClient(create_app(engine=engine))
    h = world.auth("gr_officer")
    for text in [
        "😡😡😡",
        "<b>가로등</b><script>x</script>",
        "東京 ＡＢＣ mixed 한국어",
        "가" * 100_000,
    ]:
        r = client.post("/api/v1/voices", json=voice_json(body=text), headers=h)
        assert r.status_code == 201, r.text
        assert client.get(f"/api/v1/voices/{r.json()['id']}/analysis", headers=h).status_code == 200


def test_triage_list_is_scoped_and_empty_without_a_model(engine: Engine) -> None:
    world = build_world(engine)
    client = TestClient(create_app(engine=engine))
    client.post("/api/v1/voices", json=voice_json(), headers=world.auth("gr_officer"))
    assert client.get("/api/v1/analysis/triage", headers=world.auth("gr_lead")).json() == []


def test_voice_page_shows_tone_and_urgency(engine: Engine) -> None:
    world = build_world(engine)
    client = TestClient(create_app(engine=engine))
    h = world.auth("gr_lead")
    body = "칼을 든 사람이 협박합니다. 너무 무서워요"
    created = client.post("/api/v1/voices", json=voice_json(unit="GR01", body=body), headers=h)
    page = client.get(f"/voices/{created.json()['id']}", headers=h)
    assert page.status_code == 200
    assert "긴급" in page.text and "폭력" in page.text and "violence" not in page.text


def test_urgent_open_voices_head_the_ledger(engine: Engine) -> None:
    world = build_world(engine)
    client = TestClient(create_app(engine=engine))
    h = world.auth("gr_lead")
    calm = client.post("/api/v1/voices", json=voice_json(unit="GR01"), headers=h).json()
    body = "골목에서 폭행 사건이 자주 일어나 위험합니다. 사고가 날까 무섭습니다."
    urgent = client.post(
        "/api/v1/voices", json=voice_json(unit="GR01", title="폭행 위험", body=body), headers=h
    ).json()
    page = client.get("/ledger?unit=", headers=h)
    assert page.status_code == 200
    box = page.text.split('class="urgent-box"', 1)[1].split("</section>", 1)[0]
    assert urgent["ledger_no"] in box and calm["ledger_no"] not in box
    assert page.text.count('class="urgent-tag"') == 2  # in the box and in its own row
    client.post(f"/api/v1/voices/{urgent['id']}/close", json={"note": "처리"}, headers=h)
    other = client.get("/ledger?unit=", headers=world.auth("dj_lead"))
    assert 'class="urgent-box"' not in other.text


def test_the_urgent_box_follows_the_ledger_s_filters(engine: Engine) -> None:
    """A list narrowed to a unit or a search shows no other unit's or search's urgent voices
    above it."""
    world = build_world(engine)
    client = TestClient(create_app(engine=engine))
    cs = world.auth("gr_cs")
    body = "골목에서 폭행 사건이 자주 일어나 위험합니다. 사고가 날까 무섭습니다."
    gr01 = client.post(
        "/api/v1/voices", json=voice_json(unit="GR01", title="폭행 위험", body=body), headers=cs
    ).json()
    gr02 = client.post(
        "/api/v1/voices", json=voice_json(unit="GR02", title="칼 협박", body=body), headers=cs
    ).json()

    def box(query: str, who: str = "gr_cs") -> str:
        page = client.get(f"/ledger?{query}", headers=world.auth(who)).text
        if 'class="urgent-box"' not in page:
            return ""
        return page.split('class="urgent-box"', 1)[1].split("</section>", 1)[0]

    everything = box("unit=")
    assert gr01["ledger_no"] in everything and gr02["ledger_no"] in everything
    only_gr02 = box("unit=GR02")
    assert gr02["ledger_no"] in only_gr02 and gr01["ledger_no"] not in only_gr02
    assert box("unit=&q=가로등") == ""  # a search that finds neither
    assert gr01["ledger_no"] not in box("", who="gr2_lead")  # a lead opens on their own unit
