"""Words that stayed Korean on English pages: the drop-away signals, the hot spots' unknown
place, district headings and the Pareto chart's axes on /analysis, the clusters note, the
satisfaction index's absolute grade on /surveys and the two cards of a voice page that were
both called "Actions". The Korean pages keep their words."""

import re
from datetime import UTC, timedelta

from factories import build_world, voice_json
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from minwon.app import create_app
from minwon.surveys.pcsi import OfficeIndex, grade_offices
from minwon.timeutil import utcnow
from minwon.web.charts import pareto_svg
from web.pagetools import DEMO_PASSWORD, login

EN = {"lang": "en"}
KO = {"lang": "ko"}


def _post(client: TestClient, h: dict, body: str, days_ago: float, **kw: object) -> None:
    at = (utcnow() - timedelta(days=days_ago)).astimezone(UTC).isoformat()
    r = client.post(
        "/api/v1/voices",
        json=voice_json(title=body[:20], body=body, received_at=at, **kw),
        headers=h,
    )
    assert r.status_code == 201, r.text


def _main(page: str) -> str:
    return page.split("<main", 1)[1].split("</main>", 1)[0]


def _chart_words(page: str) -> list[str]:
    """The texts drawn in a page's charts (matplotlib notes each as a comment)."""
    return re.findall(r"<!-- (.*?) -->", page)


def test_hot_spots_and_the_pareto_chart_read_in_english(engine: Engine) -> None:
    world = build_world(engine)
    client = TestClient(create_app(engine=engine))
    h = world.auth("gr_cs")
    for i in range(3):
        _post(client, h, f"골목 가로등이 꺼졌습니다 {i}", 2 + i, unit="GR01")
    _post(client, h, "공원 벤치가 부서졌어요", 3, unit="GR01", dong="구로1동")
    english = client.get("/analysis", params=EN, headers=h)
    assert english.status_code == 200
    main = _main(english.text)
    assert "(no district)" in main and "Hot spots (district)" in main
    assert "(동 미상)" not in main and "행정동" not in main
    words = _chart_words(main)
    assert {"Voices per district", "(no district)", "Voices"} <= set(words)
    assert "Cumulative share (%)" in words
    assert not {"건수", "누적 비율 (%)", "(동 미상)"} & set(words)
    assert "구로1동" in main, "a place's own name stays as stored"
    korean = _main(client.get("/analysis", params=KO, headers=h).text)
    assert "(동 미상)" in korean and "지역별 집중 (행정동)" in korean
    assert {"행정동별 민원 건수", "건수", "누적 비율 (%)", "(동 미상)"} <= set(_chart_words(korean))


def test_the_pareto_chart_folds_and_says_no_data_in_the_words_given() -> None:
    words = ("Voices", "Cumulative share (%)", "{n} more", "No data")
    many = pareto_svg([f"cause {i}" for i in range(40)], [40 - i for i in range(40)], words=words)
    assert "11 more" in _chart_words(many) and "그 외" not in many
    assert "No data" in pareto_svg([], [], title="T", words=words)
    assert "자료가 없습니다" in pareto_svg([], [], title="T")
    assert "그 외 11개" in _chart_words(pareto_svg([f"c{i}" for i in range(40)], [1] * 40))


def test_drop_away_signals_and_the_clusters_note_read_in_english(engine: Engine) -> None:
    world = build_world(engine)
    client = TestClient(create_app(engine=engine))
    h = world.auth("gr_cs")
    a = {"phone": "010-1111-2222"}
    first = "골목 가로등이 고장 났습니다. 고쳐 주시면 감사하겠습니다."
    again = "아직도 골목 가로등 고장 그대로입니다. 도대체 왜 안 고치는 겁니까? 정말 화가 납니다!!"
    _post(client, h, first, 20, contact=a, channel="web")
    _post(client, h, again, 5, contact=a, channel="phone")
    english = _main(client.get("/analysis/dropaway", params=EN, headers=h).text)
    assert "Raised again through another channel" in english and "Angrier" in english
    assert "다른 경로로 재제기" not in english and "더 화가 남" not in english
    korean = _main(client.get("/analysis/dropaway", params=KO, headers=h).text)
    assert "다른 경로로 재제기" in korean and "더 화가 남" in korean
    clusters = _main(client.get("/analysis/clusters", params=EN, headers=h).text)
    assert "mass matter." in clusters and "다수인" not in clusters
    assert "다수인" in _main(client.get("/analysis/clusters", params=KO, headers=h).text)


def test_an_absolute_grade_has_a_code_for_its_usual_names() -> None:
    offices = {k: OfficeIndex(v, 40) for k, v in {"a": 95, "b": 86, "c": 81, "d": 50}.items()}
    rows = {r.key: r for r in grade_offices(offices, dict.fromkeys(offices, "g"))}
    assert [rows[k].absolute_grade_code for k in "abcd"] == ["excellent", "good", "fair", "poor"]
    few = grade_offices({"e": OfficeIndex(95, 3)}, {"e": "g"})
    assert few[0].absolute_grade is None and few[0].absolute_grade_code is None
    named = grade_offices(
        offices, dict.fromkeys(offices, "g"), thresholds=((80.0, "A"),), lowest="B"
    )
    assert {r.absolute_grade_code for r in named} == {None}, "other names are shown as they are"


def _grades(page: str) -> list[str]:
    return re.findall(r'data-label="(?:Grade|등급)">([^<]*)<', _main(page))


def test_the_satisfaction_grade_reads_in_english(demo_engine: Engine) -> None:
    client = TestClient(create_app(engine=demo_engine))
    assert login(client, "gr.cs", DEMO_PASSWORD).url.path == "/"
    english = _grades(client.get("/surveys", params=EN).text)
    assert english and set(english) <= {"Excellent", "Good", "Fair", "Poor", "Not enough answers"}
    korean = _grades(client.get("/surveys", params=KO).text)
    assert len(korean) == len(english) and set(korean) & {"우수", "양호", "보통", "미흡"}


def test_a_voice_page_tells_handling_from_actions_taken(demo_engine: Engine) -> None:
    for account in ("gr01.1", "gr01.lead"):
        client = TestClient(create_app(engine=demo_engine))
        assert login(client, account, DEMO_PASSWORD).url.path == "/"
        ids = list(dict.fromkeys(re.findall(r'href="/voices/(\d+)"', client.get("/ledger").text)))
        assert ids, account
        empty_seen = False
        for voice_id in ids[:8]:
            english = _main(client.get(f"/voices/{voice_id}", params=EN).text)
            titles = re.findall(r"<h2>([^<]*)</h2>", english)
            assert "Handling" in titles and "Actions taken" in titles and "Actions" not in titles
            if "No action cites this voice yet." in english:
                empty_seen = True
                korean = _main(client.get(f"/voices/{voice_id}", params=KO).text)
                assert "이 민원을 근거로 기록된 조치가 아직 없습니다." in korean
                titles = re.findall(r"<h2>([^<]*)</h2>", korean)
                assert "처리" in titles and "반영 조치" in titles
        assert empty_seen, account
