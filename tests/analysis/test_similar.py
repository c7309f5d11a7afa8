"""Similar, repeated, duplicated and mass voices: found at intake through the band index, on
near-duplicates that differ in spacing, endings and word order, scoped to the office."""

import gzip
import json
import re
from pathlib import Path

import pytest
from factories import build_world, voice_json
from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st
from props import examples
from sqlalchemy import Engine, func, select

from minwon.analysis import similar
from minwon.analysis.models import VoiceAnalysis, VoiceBand
from minwon.analysis.similarity import band_keys, jaccard, matter_terms
from minwon.analysis.tokenize import content_tokens, tokenize_many
from minwon.app import create_app
from minwon.db import write_session

PARKING = "아파트 정문 앞 도로에 불법 주차 차량이 많아 통행이 어렵습니다. 단속을 부탁드립니다."
PARKING_REWORDED = "불법주차 차량들 때문에 아파트 정문앞 도로 통행이 어려워요 단속 해주세요"
PARKING_ORDER = (
    "단속 부탁드립니다. 통행이 어렵습니다, 아파트 정문 앞 도로의 불법 주차 차량이 많아서요."
)
NOISE = "윗집 층간소음이 밤늦게까지 계속되어 잠을 잘 수가 없습니다. 조치해 주세요."


def _terms(text: str) -> frozenset[str]:
    return matter_terms(content_tokens(text))


def test_reworded_korean_repeats_overlap_and_other_matters_do_not() -> None:
    base = _terms(PARKING)
    assert jaccard(base, _terms(PARKING_REWORDED)) >= 0.5
    assert jaccard(base, _terms(PARKING_ORDER)) >= 0.6
    assert jaccard(base, _terms(NOISE)) < 0.1


def test_band_keys_are_stable_and_shared_by_near_copies() -> None:
    keys = band_keys(_terms(PARKING))
    assert keys == band_keys(_terms(PARKING)) and len(keys) == 8
    assert set(keys) & set(band_keys(_terms(PARKING_ORDER)))
    assert band_keys(frozenset()) == [] and band_keys(frozenset({"주차"})) == []


@examples(60)
@given(
    st.frozensets(st.text("가나다라마바사아자차카타파하", min_size=1, max_size=4), max_size=30),
    st.frozensets(st.text("가나다라마바사아자차카타파하", min_size=1, max_size=4), max_size=30),
)
def test_jaccard_is_a_symmetric_share(a: frozenset[str], b: frozenset[str]) -> None:
    score = jaccard(a, b)
    assert 0.0 <= score <= 1.0 and score == jaccard(b, a)
    if a and a == b:
        assert score == 1.0 and band_keys(a) == band_keys(b)


def test_citizen_key_folds_phone_and_email_forms() -> None:
    assert similar.citizen_key("010-1234-5678", "") == similar.citizen_key("+82 10 1234 5678", "")
    assert similar.citizen_key("", "Kim@Example.kr ") == similar.citizen_key("", "kim@example.kr")
    assert similar.citizen_key("010-1234-5678", "") != similar.citizen_key("010-1234-5679", "")
    assert similar.citizen_key("", "") is None and similar.citizen_key("112", "") is None


def _post(client: TestClient, h: dict, body: str, **kw: object) -> dict:
    r = client.post(
        "/api/v1/voices", json=voice_json(title="주차 민원", body=body, **kw), headers=h
    )
    assert r.status_code == 201, r.text
    return r.json()


def _analysis(client: TestClient, h: dict, voice: dict) -> dict:
    return client.get(f"/api/v1/voices/{voice['id']}/analysis", headers=h).json()


def test_similar_voices_come_with_their_sent_answer(engine: Engine) -> None:
    world = build_world(engine)
    client = TestClient(create_app(engine=engine))
    h, lead = world.auth("gr_officer"), world.auth("gr_lead")
    first = _post(client, h, PARKING, unit="GR01")
    _post(client, h, NOISE, unit="GR01")
    answer = "정문 앞 도로에 주정차 단속 카메라 설치를 요청했습니다."
    client.post(f"/api/v1/voices/{first['id']}/answer", json={"body": answer}, headers=h)
    client.post(f"/api/v1/voices/{first['id']}/answer/approve", headers=lead)
    later = _post(client, h, PARKING_REWORDED, unit="GR01")
    got = client.get(f"/api/v1/voices/{later['id']}/similar", headers=h)
    assert got.status_code == 200, got.text
    found = got.json()
    assert [f["ledger_no"] for f in found] == [first["ledger_no"]]
    assert found[0]["score"] >= 0.5
    assert found[0]["answer"] == answer
    draft = client.post("/api/v1/analysis/similar", json={"text": PARKING_ORDER}, headers=h)
    assert {f["ledger_no"] for f in draft.json()} == {first["ledger_no"], later["ledger_no"]}


def test_similar_voices_stay_in_their_office(engine: Engine) -> None:
    world = build_world(engine)
    client = TestClient(create_app(engine=engine))
    _post(client, world.auth("dj_officer"), PARKING)
    mine = _post(client, world.auth("gr_officer"), PARKING_REWORDED)
    assert (
        client.get(f"/api/v1/voices/{mine['id']}/similar", headers=world.auth("gr_officer")).json()
        == []
    )
    other = client.post(
        "/api/v1/analysis/similar?office=DJ",
        json={"text": PARKING},
        headers=world.auth("gr_officer"),
    )
    assert other.status_code == 404
    assert (
        client.get(
            f"/api/v1/voices/{mine['id']}/similar", headers=world.auth("dj_officer")
        ).status_code
        == 404
    )


def test_third_voice_of_one_citizen_on_one_matter_is_a_repeat(engine: Engine) -> None:
    world = build_world(engine)
    client = TestClient(create_app(engine=engine))
    h = world.auth("gr_officer")
    contact = {"name": "김민원", "phone": "010-2222-3333"}
    v1 = _post(client, h, PARKING, contact=contact)
    v2 = _post(client, h, PARKING_REWORDED, contact=contact, channel="phone")
    _post(client, h, NOISE, contact=contact)
    v3 = _post(client, h, PARKING_ORDER, contact={"phone": "01022223333"}, channel="phone")
    assert _analysis(client, h, v1)["repeat_count"] == 0
    assert _analysis(client, h, v2)["repeat_count"] == 1
    assert _analysis(client, h, v3)["repeat_count"] == 2
    other = _post(client, h, PARKING_ORDER, contact={"phone": "010-9999-0000"}, channel="phone")
    assert _analysis(client, h, other)["repeat_count"] == 0


def test_same_matter_through_another_channel_is_a_duplicate(engine: Engine) -> None:
    world = build_world(engine)
    client = TestClient(create_app(engine=engine))
    h = world.auth("gr_officer")
    contact = {"email": "citizen@example.kr"}
    web = _post(client, h, PARKING, contact=contact, channel="web")
    same_channel = _post(client, h, PARKING_REWORDED, contact=contact, channel="web")
    phone = _post(client, h, PARKING_REWORDED, contact=contact, channel="phone")
    assert _analysis(client, h, same_channel)["duplicate_of"] is None
    assert _analysis(client, h, phone)["duplicate_of"] == web["id"]
    unrelated = _post(client, h, NOISE, contact=contact, channel="visit")
    assert _analysis(client, h, unrelated)["duplicate_of"] is None


def test_five_citizens_on_one_matter_make_a_mass_matter(engine: Engine) -> None:
    world = build_world(engine)
    client = TestClient(create_app(engine=engine))
    h = world.auth("gr_officer")
    texts = [PARKING, PARKING_ORDER, PARKING, PARKING_ORDER, PARKING]
    voices = [
        _post(client, h, text, contact={"phone": f"010-5555-000{i}"})
        for i, text in enumerate(texts[:4])
    ]
    assert not any(_analysis(client, h, v)["mass"] for v in voices)
    again = _post(client, h, PARKING, contact={"phone": "010-5555-0001"})
    assert not _analysis(client, h, again)["mass"]
    fifth = _post(client, h, texts[4], contact={"phone": "010-5555-0009"})
    analyses = [_analysis(client, h, v) for v in [*voices, again, fifth]]
    assert all(a["mass"] for a in analyses)
    assert len({a["cluster_id"] for a in analyses}) == 1
    noise = _post(client, h, NOISE, contact={"phone": "010-5555-0010"})
    assert not _analysis(client, h, noise)["mass"]


def test_odd_texts_are_compared_without_error(engine: Engine) -> None:
    world = build_world(engine)
    client = TestClient(create_app(engine=engine))
    h = world.auth("gr_officer")
    for text in [
        "😡😡😡",
        "<p>주차</p><script>alert(1)</script>",
        "ＡＢＣ 東京 주차 단속 요청",
        "주차 " * 30_000,
    ]:
        voice = _post(client, h, text)
        assert client.get(f"/api/v1/voices/{voice['id']}/similar", headers=h).status_code == 200
        assert (
            client.post("/api/v1/analysis/similar", json={"text": text}, headers=h).status_code
            == 200
        )
    assert client.post("/api/v1/analysis/similar", json={"text": ""}, headers=h).status_code == 422
    bad = client.get("/api/v1/voices/1/similar?limit=0", headers=h)
    assert bad.status_code == 422


def test_rebuild_gives_the_same_index(engine: Engine) -> None:
    world = build_world(engine)
    client = TestClient(create_app(engine=engine))
    h = world.auth("gr_officer")
    for text in (PARKING, NOISE, PARKING_REWORDED):
        _post(client, h, text)
    with write_session(engine) as db:
        before = sorted(db.execute(select(VoiceBand.band, VoiceBand.voice_id)).all())
        assert similar.rebuild(db) == len(before)
    with write_session(engine) as db:
        assert sorted(db.execute(select(VoiceBand.band, VoiceBand.voice_id)).all()) == before
        assert db.scalar(select(func.count()).select_from(VoiceAnalysis)) == 3


PETITIONS = Path("/work/shared/data/petitions-2020.jsonl.gz")


def _reworded(text: str) -> str:
    """The same matter said again: sentences in reverse order, spacing dropped in places,
    polite endings changed."""
    sentences = [s.strip() for s in re.split(r"(?<=[.!?])\s+", text) if s.strip()]
    out = " ".join(reversed(sentences))
    out = out.replace("합니다", "해요").replace("습니다", "어요").replace("니다", "요")
    return re.sub(r"(\S+) (\S+) ", r"\1\2 ", out, count=15)


def test_real_petitions_find_their_rewording_first() -> None:
    if not PETITIONS.exists():
        pytest.skip(f"{PETITIONS} not available")
    with gzip.open(PETITIONS, "rt", encoding="utf-8") as fh:
        records = [json.loads(line) for _, line in zip(range(600), fh, strict=False)]
    texts = [r["title"] + " " + r["content"][:800] for r in records]
    stored = [matter_terms(t) for t in tokenize_many(texts)]
    buckets: dict[int, set[int]] = {}
    for i, terms in enumerate(stored):
        for key in band_keys(terms):
            buckets.setdefault(key, set()).add(i)
    probes = [i for i, terms in enumerate(stored) if len(terms) >= 8][:40]
    queries = tokenize_many(_reworded(texts[i]) for i in probes)
    found = 0
    for i, query in zip(probes, queries, strict=True):
        terms = matter_terms(query)
        candidates = set().union(*(buckets.get(k, set()) for k in band_keys(terms)))
        ranked = sorted(candidates, key=lambda j: -jaccard(terms, stored[j]))
        found += bool(ranked) and ranked[0] == i
        assert jaccard(terms, stored[i]) >= 0.5
    assert found >= 0.9 * len(probes)
