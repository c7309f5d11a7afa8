"""Every page answers, for every role: each demo account logs in and opens every page its menu
links to and every page linked from those (breadth first, a few URLs per pattern), on a demo
database (tests/demodb.py): no 5xx, no dead end, no raw error text."""

import pytest
import yaml
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from minwon.app import create_app
from minwon.demo.setup import DEMO_ORG
from web.crawl import crawl, problems_of
from web.pagetools import DEMO_PASSWORD, login

ACCOUNTS = [s["login"] for s in yaml.safe_load(DEMO_ORG.read_text(encoding="utf-8"))["staff"]]
ON_POSTGRESQL = {"admin", "hq", "gr.cs", "dj.cs", "gr01.lead", "dj00.lead", "gr01.1", "dj01.1"}
"""Every unit's lead and first officer and every other account are crawled on SQLite (a unit's
second officer has the first's role, office and unit: the same pages); on PostgreSQL one of
each role in each office (the pages are the same per role, and the suite has ten minutes)."""
CRAWLED = [login for login in ACCOUNTS if not login.endswith(".2")]


@pytest.mark.parametrize("account", CRAWLED)
def test_every_page_linked_for_the_account_answers(demo_engine: Engine, account: str) -> None:
    if demo_engine.dialect.name == "postgresql" and account not in ON_POSTGRESQL:
        pytest.skip("crawled on SQLite; on PostgreSQL one account per role and office")
    client = TestClient(create_app(engine=demo_engine), raise_server_exceptions=False)
    assert login(client, account, DEMO_PASSWORD).url.path == "/"
    visits = crawl(client.get, ["/"], per_pattern=2)
    bad = [f"{v.url} (from {v.source}): {', '.join(v.problems)}" for v in visits if v.problems]
    assert not bad, f"{account}: {len(bad)} of {len(visits)} pages\n" + "\n".join(bad)
    opened = {v.url.split("?", 1)[0] for v in visits}
    assert {"/ledger", "/dashboard", "/analysis", "/surveys", "/actions"} <= opened


def test_every_page_linked_for_a_citizen_answers(demo_engine: Engine) -> None:
    client = TestClient(create_app(engine=demo_engine), raise_server_exceptions=False)
    visits = crawl(client.get, ["/", "/board/GR", "/board/DJ", "/patrols/request", "/s"])
    bad = [f"{v.url} (from {v.source}): {', '.join(v.problems)}" for v in visits if v.problems]
    assert not bad, "\n".join(bad)
    assert {"/submit", "/track", "/login"} <= {v.url.split("?", 1)[0] for v in visits}


BAD_ADDRESSES = (
    "/no-such-page",
    "/voices/999999999",
    "/actions/999999999",
    "/dashboard?start=2026-13-01",
    "/dashboard?office=ZZ",
    "/analysis?office=ZZ",
    "/analysis?start=nope",
    "/board/ZZ",
    "/outreach/team?start=nope",
    "/reports/monthly?month=2026-13&format=pdf",
    "/surveys/happycall/999999999",
    "/s/not-a-token",
)


@pytest.mark.parametrize("account", ["admin", "hq", "gr.cs", "gr01.lead", "gr01.1"])
def test_a_wrong_address_is_a_page_with_a_way_on(demo_engine: Engine, account: str) -> None:
    client = TestClient(create_app(engine=demo_engine), raise_server_exceptions=False)
    login(client, account, DEMO_PASSWORD)
    bad = []
    for url in BAD_ADDRESSES:
        response = client.get(url)
        if response.status_code >= 500 or problems_of(url, response):
            bad.append(f"{url}: {response.status_code} {problems_of(url, response)}")
    assert not bad, "\n".join(bad)
