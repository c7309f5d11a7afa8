"""`minwon demo`: a migrated database with the demo organisation, voices in every state, and
logins that work."""

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from web.pagetools import login

from minwon.app import create_app
from minwon.config import get_settings
from minwon.db import get_engine, session_factory
from minwon.demo.setup import load_demo
from minwon.demo.stories import REPEATER, SURGE_NOW
from minwon.demo.voices import DEFAULT_DATA
from minwon.surveys.models import SurveyResponse
from minwon.timeutil import to_kst, utcnow
from minwon.voices.models import Voice

STORIES = len(REPEATER) + 6 + 8 + len(SURGE_NOW)


@pytest.fixture
def demo_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("MINWON_DATABASE_URL", f"sqlite:///{tmp_path}/demo.db")
    get_settings.cache_clear()
    get_engine.cache_clear()
    yield
    get_engine().dispose()
    get_settings.cache_clear()
    get_engine.cache_clear()


def test_demo_loads_and_logins_work(demo_db: None) -> None:
    logins, token = load_demo(voices=120)
    engine = get_engine()
    with session_factory(engine)() as db:
        statuses = dict(
            db.execute(
                select(Voice.status, func.count())
                .where(Voice.source_officer_id.is_(None))
                .group_by(Voice.status)
            ).all()
        )
        offices = set(db.scalars(select(Voice.office_id)))
        query = select(SurveyResponse.mode, func.count()).group_by(SurveyResponse.mode)
        answers = dict(db.execute(query).all())
        latest = db.scalar(select(func.max(SurveyResponse.submitted_at)))
    assert sum(statuses.values()) == 120 + STORIES
    assert statuses.get("closed", 0) > 0 and len(offices) == 2
    assert answers.get("web", 0) > 0 and answers.get("kiosk", 0) > 0
    assert latest is not None and latest <= utcnow()  # no answer dated in the future
    assert {row[0] for row in logins} >= {"admin", "gr01.lead", "dj.cs"}
    client = TestClient(create_app(engine=engine))
    assert (
        client.get("/api/v1/voices", headers={"Authorization": f"Bearer {token}"}).status_code
        == 200
    )
    page = client.get("/login")
    assert page.status_code == 200
    again, _ = load_demo(voices=120)
    with session_factory(engine)() as db:
        assert db.scalar(select(func.count(Voice.id)).where(Voice.source_officer_id.is_(None))) == (
            120 + STORIES
        )
    assert again == logins


def test_demo_shows_repeats_groups_surges_and_drop_away(demo_db: None) -> None:
    _, token = load_demo(voices=60)
    client = TestClient(create_app(engine=get_engine()))
    h = {"Authorization": f"Bearer {token}"}
    groups = client.get("/api/v1/analysis/clusters?office=GR", headers=h).json()
    assert any(g["mass"] and g["citizens"] >= 5 for g in groups)
    surges = client.get("/api/v1/analysis/surges?office=GR", headers=h).json()
    assert ("place", "구로3동") in {(a["kind"], a["key"]) for a in surges}
    login(client, "gr.cs", "minwon-demo-pass")
    last_year = to_kst(utcnow()).year - 1
    board = client.get(f"/dashboard?start={last_year}-01-01&end={last_year}-12-31&unit=")
    assert board.status_code == 200 and "<small>n=0</small>" not in board.text
    assert client.get("/outreach/team?unit=GR01").status_code == 200
    assert "빈집털이" in client.get("/outreach/campaigns").text
    assert "포트홀" in TestClient(create_app(engine=get_engine())).get("/board/GR").text
    drop = client.get("/api/v1/analysis/dropaway?office=GR", headers=h).json()
    assert drop and {"angrier", "reopened", "escalated"} <= set(drop[0]["signals"])


def test_demo_uses_the_real_petitions_when_present() -> None:
    if not DEFAULT_DATA.exists():
        pytest.skip("shared/data is not beside this checkout")
    from minwon.demo.voices import read_petitions

    petitions = read_petitions(DEFAULT_DATA, 5)
    assert len(petitions) == 5 and all(p.title and p.body for p in petitions)


def test_the_demo_is_alive_on_the_day_it_is_loaded(demo_db: None) -> None:
    """Loaded on any date (make test-dates moves the clock), the demo has overdue voices, a
    dashboard with answers, a year of survey months and a streak to show."""
    _, token = load_demo(voices=500)
    client = TestClient(create_app(engine=get_engine()))
    h = {"Authorization": f"Bearer {token}"}
    overdue = client.get("/api/v1/voices?overdue=true&limit=500", headers=h).json()["items"]
    assert len(overdue) >= 3
    today = to_kst(utcnow()).date()
    year_ago = today.replace(year=today.year - 1, day=min(today.day, 28))
    months = client.get(
        f"/api/v1/surveys/scores?by=month&office=GR&start={year_ago}&end={today}", headers=h
    ).json()
    assert sum(1 for m in months if m["csat"]["n"] > 0) >= 11
    login(client, "gr.cs", "minwon-demo-pass")
    board = client.get("/dashboard")
    assert board.status_code == 200 and "<small>n=0</small>" not in board.text
    login(client, "admin", "minwon-demo-pass")
    assert "년 연속 1위" in client.get("/surveys").text
    login(client, "gr01.lead", "minwon-demo-pass")
    assert "연속 달성" in client.get("/outreach/team?unit=GR01").text
