"""`minwon demo`: a migrated database with the demo organisation, voices in every state, and
logins that work."""

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select
from web.pagetools import login

from minwon.analysis.masking import mask
from minwon.app import create_app
from minwon.config import get_settings
from minwon.db import get_engine, session_factory
from minwon.demo.setup import load_demo
from minwon.demo.stories import REPEATER, SURGE_NOW
from minwon.demo.voices import CATEGORY_BY_TOPIC, CORPUS, read_petitions
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
        titles = set(db.scalars(select(Voice.title).where(Voice.source_officer_id.is_(None))))
    assert len(titles) >= 120  # the packaged petitions, not a few texts repeated
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


@pytest.mark.parametrize("demo_engine", ["sqlite"], indirect=True)
def test_demo_shows_repeats_groups_surges_and_drop_away(demo_engine: Engine) -> None:
    """The demo's stories show: a mass complaint, a surge in one place, last year's dashboard,
    a campaign, the public board and a citizen drifting away (the demo the pages share)."""
    assert "포트홀" in TestClient(create_app(engine=demo_engine)).get("/board/GR").text
    client = TestClient(create_app(engine=demo_engine))
    login(client, "gr.cs", "minwon-demo-pass")
    groups = client.get("/api/v1/analysis/clusters?office=GR").json()
    assert any(g["mass"] and g["citizens"] >= 5 for g in groups)
    surges = client.get("/api/v1/analysis/surges?office=GR").json()
    assert ("place", "구로3동") in {(a["kind"], a["key"]) for a in surges}
    last_year = to_kst(utcnow()).year - 1
    board = client.get(f"/dashboard?start={last_year}-01-01&end={last_year}-12-31&unit=")
    assert board.status_code == 200 and "<small>n=0</small>" not in board.text
    assert client.get("/outreach/team?unit=GR01").status_code == 200
    assert "빈집털이" in client.get("/outreach/campaigns").text
    drop = client.get("/api/v1/analysis/dropaway?office=GR").json()
    assert drop and {"angrier", "reopened", "escalated"} <= set(drop[0]["signals"])


def test_the_demo_texts_ship_with_the_package_varied_and_masked() -> None:
    """No folder beside the checkout is needed: the corpus is inside the package, holds
    thousands of different petitions over many categories, and no personal data is left."""
    import minwon

    assert CORPUS.is_relative_to(Path(minwon.__file__).parent)
    assert CORPUS.stat().st_size < 3 * 1024 * 1024
    petitions = read_petitions()
    assert len({(p.title, p.body) for p in petitions}) >= 2000
    topics = {p.topic for p in petitions}
    assert len(topics) >= 10
    assert len({CATEGORY_BY_TOPIC[t] for t in topics if t in CATEGORY_BY_TOPIC}) >= 5
    assert all(p.title and 20 <= len(p.body) <= 401 for p in petitions)
    leaks = [p.title for p in petitions if mask(f"{p.title}\n{p.body}").found]
    assert leaks == []
    assert len(read_petitions(limit=7)) == 7


def test_the_package_build_includes_the_corpus() -> None:
    """The setuptools package-data patterns take the corpus and its README into the wheel."""
    import tomllib

    root = Path(__file__).resolve().parents[2]
    config = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = config["tool"]["setuptools"]["package-data"]["minwon"]
    package = root / "src" / "minwon"
    shipped = {path for pattern in patterns for path in package.glob(pattern)}
    assert {CORPUS, CORPUS.parent / "README.md"} <= shipped


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


def test_the_demo_dashboard_counts_what_its_ledger_holds(demo_db: None) -> None:
    """The Open311 requests the demo files after its voices reach the dashboards too."""
    from datetime import datetime, time, timedelta

    from minwon.demo.open311 import load_demo_open311
    from minwon.org.models import Office
    from minwon.reports import dashboard
    from minwon.timeutil import KST

    load_demo(voices=60)
    engine = get_engine()
    load_demo_open311(engine, now=utcnow())
    today = to_kst(utcnow()).date()
    first = today - timedelta(days=29)
    since = datetime.combine(first, time(), KST)
    with session_factory(engine)() as db:
        office = db.scalars(select(Office).where(Office.code == "GR")).one()
        held = db.scalar(
            select(func.count(Voice.id)).where(
                Voice.office_id == office.id, Voice.received_at >= since
            )
        )
        scope = dashboard.Scope((office.id,), first, today)
        assert dashboard.volume(db, scope).received == held
        assert db.scalar(select(func.count(Voice.id)).where(Voice.channel == "open311"))
