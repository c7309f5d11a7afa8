"""The pages in English on the demo: the vocabulary and the rules that pages used to show in
Korean whatever the language (question kinds, rank movement, channels, the rules behind the
figures, the admin pages) read in English, and the Korean pages are as they were."""

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from minwon.app import create_app
from web.pagetools import DEMO_PASSWORD, data_names, login

HANGUL = re.compile(r"[\uac00-\ud7a3]")


def _main(client: TestClient, path: str) -> str:
    page = client.get(path)
    assert page.status_code == 200, path
    return page.text.split("<main", 1)[1].split("</main>", 1)[0]


def _client(engine: Engine, account: str) -> TestClient:
    client = TestClient(create_app(engine=engine))
    assert login(client, account, DEMO_PASSWORD).url.path == "/"
    return client


@pytest.mark.parametrize(
    ("path", "english", "korean"),
    [
        ("/surveys", "Satisfaction (1–5)", "만족도 (1~5)"),
        ("/surveys", "Index: every survey item is put on a 0–100 scale.", "지수: 설문 문항마다"),
        ("/surveys", "A place with few answers can have", "응답이 적은 곳은"),
        ("/dashboard", "A place with few answers can have", "응답이 적은 곳은"),
        ("/dashboard", ">Web<", ">인터넷<"),
        (
            "/analysis/surges",
            "number of voices is compared with the weeks before",
            "이번 주 민원 건수를",
        ),
    ],
)
def test_a_lead_reads_the_figures_rules_and_words_in_english(
    demo_engine: Engine, path: str, english: str, korean: str
) -> None:
    client = _client(demo_engine, "gr.cs")
    shown = _main(client, f"{path}?lang=en")
    assert english in shown and korean not in shown
    assert korean in _main(client, f"{path}?lang=ko")


@pytest.mark.parametrize("path", ["/admin", "/admin/security"])
def test_the_admin_pages_have_no_korean_of_their_own_in_english(
    demo_engine: Engine, path: str
) -> None:
    client = _client(demo_engine, "admin")
    english = re.sub(r"<[^>]+>", " ", _main(client, f"{path}?lang=en"))
    for name in data_names(demo_engine):
        english = english.replace(name, " ")
    assert re.findall(r"[\uac00-\ud7a3][^<>]{0,40}", english) == []
    assert "조직 관리" in _main(client, f"{path}?lang=ko") or path == "/admin/security"


def test_the_dashboards_chart_legend_follows_the_language(demo_engine: Engine) -> None:
    client = _client(demo_engine, "gr.cs")
    english = client.get("/dashboard/charts/daily.svg?lang=en").text
    assert "Received" in english and "Answered" in english and "접수" not in english
    assert "접수" in client.get("/dashboard/charts/daily.svg?lang=ko").text
