"""Rollups: the worker adds each ledger change and survey answer once to the day rows, and the
dashboard figures read from them equal what a direct count of the ledger gives."""

import html
import re
from datetime import UTC, date, datetime, time, timedelta

import pytest
from factories import build_world, voice_json
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select

from minwon.app import create_app
from minwon.db import write_session
from minwon.org import service as org
from minwon.reports import cuboids, dashboard, rollups
from minwon.reports.dashboard import Scope
from minwon.surveys import invitations, templates
from minwon.surveys.invitations import Target
from minwon.surveys.responses import submit
from minwon.timeutil import KST, utcnow
from minwon.voices.models import Voice


def _voice(client: TestClient, h: dict, unit: str, at: datetime, **kw: object) -> dict:
    body = voice_json(unit=unit, received_at=at.isoformat(), **kw)
    r = client.post("/api/v1/voices", json=body, headers=h)
    assert r.status_code == 201, r.text
    return r.json()


def _answer(client: TestClient, h: dict, voice_id: int) -> None:
    client.post(f"/api/v1/voices/{voice_id}/answer", json={"body": "조치"}, headers=h)
    assert client.post(f"/api/v1/voices/{voice_id}/answer/approve", headers=h).status_code == 200


def _respond(engine: Engine, unit_code: str, csat: int, nps: int) -> None:
    with write_session(engine) as db:
        org_id = org.find_organization(db_session=db, ref="KNPA").id
        template = templates.ensure_defaults(db_session=db, organization_id=org_id)[0]
        unit = org.find_unit(db_session=db, ref=unit_code)
        now = utcnow()
        target = Target(office_id=unit.office_id, unit_id=unit.id, channel="phone")
        issued = invitations.issue(db, template, target, via="letter", now=now - timedelta(days=1))
        answers = {"csat": str(csat), "kind": "4", "speed": "4", "nps": str(nps)}
        submit(db, issued.invitation, answers, mode="web", now=now)


def test_rollups_count_each_change_once_and_match_the_ledger(engine: Engine) -> None:
    world = build_world(engine)
    client = TestClient(create_app(engine=engine))
    h = world.auth("gr_cs")
    now = utcnow()
    today_began = datetime.combine(now.astimezone(KST).date(), time(), KST)
    recent_at = max(now - timedelta(hours=2), today_began + timedelta(minutes=1))  # today, KST
    recent = [_voice(client, h, "GR01", recent_at) for _ in range(3)]
    old = _voice(client, h, "GR02", now - timedelta(days=40), channel="web")
    for v in recent[:2]:
        _answer(client, h, v["id"])
    _answer(client, h, old["id"])  # 40 days after a 7-day deadline: late
    moved = client.post(
        f"/api/v1/voices/{recent[2]['id']}/transfer",
        json={"unit": "GR02", "note": "담당"},
        headers=world.auth("gr_lead"),
    )
    assert moved.status_code == 200, moved.text
    for csat, nps in ((5, 10), (4, 8), (2, 3)):
        _respond(engine, "GR01", csat, nps)
    first = rollups.update(engine)
    assert first.events >= 9 and first.responses == 3
    assert rollups.update(engine).total == 0  # nothing counted twice
    with write_session(engine) as db:
        office_id = org.find_office(db_session=db, ref="GR").id
        ledger_total = db.scalar(select(func.count(Voice.id)).where(Voice.office_id == office_id))
        today = datetime.now(KST).date()
        scope = Scope((office_id,), today - timedelta(days=60), today)
        vol = dashboard.volume(db, scope)
        assert vol.received == ledger_total == 5  # 4 intakes + the transferred copy
        assert vol.transferred_out == 1
        assert (vol.answered, vol.on_time, vol.late) == (3, 2, 1)
        assert dashboard.backlog(db, scope) == 1  # the transferred voice waits in GR02
        sat = dashboard.satisfaction(db, scope)[None].score
        assert sat.csat.n == 3 and abs(sat.csat.value - 11 / 3) < 1e-9
        assert sat.top2.value == 2 / 3
        assert round(sat.nps.value, 6) == round((1 - 1) / 3 * 100, 6)  # 1 promoter, 1 detractor
        by_unit = dashboard.satisfaction(db, scope, by="unit")
        gr01 = org.find_unit(db_session=db, ref="GR01").id
        assert set(by_unit) == {gr01}
        recent_scope = Scope((office_id,), today, today)
        assert dashboard.volume(db, recent_scope).received == 4
    kept = _derived_rows(engine)
    assert all(kept.values()), kept  # every month and all-office table was kept current
    rollups.rebuild_derived(engine)
    assert _derived_rows(engine) == kept  # ... and holds what a rebuild from the days gives


def _derived_rows(engine: Engine) -> dict[str, list[tuple]]:
    with write_session(engine) as db:
        return {
            c.model.__tablename__: sorted(
                tuple(round(v, 9) if isinstance(v, float) else v for v in row)
                for row in db.execute(select(c.model.__table__))
            )
            for family in (cuboids.VOICE, cuboids.SURVEY)
            for c in cuboids.of_family(family)[1:]
        }


def test_empty_rollups_give_zeroes_not_errors(engine: Engine) -> None:
    build_world(engine)
    with write_session(engine) as db:
        scope = Scope(None, date(2026, 1, 1), date(2026, 1, 31))
        assert dashboard.volume(db, scope).received == 0
        assert dashboard.volume(db, scope).met_share is None
        assert dashboard.backlog(db, scope) == 0
        assert dashboard.satisfaction(db, scope)[None].score.csat.value is None
        assert dashboard.ranking(db, scope, level="office") == []
    assert rollups.update(engine).total == 0


def test_units_with_few_answers_do_not_outrank_many_good_ones(engine: Engine) -> None:
    build_world(engine)
    for _ in range(3):
        _respond(engine, "GR02", 5, 10)
    for i in range(40):
        _respond(engine, "GR01", 5 if i % 3 else 4, 9)
    for i in range(40):
        _respond(engine, "DJ01", 3 + i % 2, 7)
    rollups.update(engine)
    with write_session(engine) as db:
        today = datetime.now(UTC).astimezone(KST).date()
        scope = Scope(None, today - timedelta(days=2), today)
        units = dashboard.ranking(db, scope, level="unit")
        names = {u.id: u.code for u in org.list_units(db_session=db)}
        order = [(names[s.key], s.ranked.rank, s.ranked.status) for s in units]
    assert order[0][:2] == ("GR01", 1) and order[1][:2] == ("DJ01", 2)
    assert order[2] == ("GR02", None, "not_enough")


def test_a_unit_has_one_adjusted_score_whoever_looks(engine: Engine) -> None:
    """The organisation's view, an office's and a unit's own give a unit the same adjusted
    score (pulled towards the mean of all units), and a unit chosen alone keeps its rank
    among its office's units."""
    build_world(engine)
    for i in range(40):
        _respond(engine, "GR01", 5 if i % 3 else 4, 9)
    for i in range(35):
        _respond(engine, "GR02", 3 + i % 3, 8)
    for i in range(40):
        _respond(engine, "DJ01", 2 + i % 2, 6)
    rollups.update(engine)
    with write_session(engine) as db:
        today = datetime.now(UTC).astimezone(KST).date()
        start = today - timedelta(days=2)
        gr = org.find_office(db_session=db, ref="GR").id
        gr02 = org.find_unit(db_session=db, ref="GR02").id
        views = {
            "everyone": Scope(None, start, today),
            "office": Scope((gr,), start, today),
            "unit": Scope((gr,), start, today, unit_id=gr02),
        }
        seen = {
            name: {
                s.key: (s.ranked.score, s.ranked.rank)
                for s in dashboard.ranking(db, scope, level="unit")
            }
            for name, scope in views.items()
        }
    assert seen["unit"] == {gr02: seen["office"][gr02]}
    assert seen["office"][gr02][0] == seen["everyone"][gr02][0]
    assert seen["office"][gr02][1] == seen["everyone"][gr02][1] == 2  # behind GR01


def test_dashboard_page_per_role(engine: Engine) -> None:
    from web.pagetools import login

    world = build_world(engine)
    client = TestClient(create_app(engine=engine))
    h = world.auth("gr_cs")
    v = _voice(client, h, "GR01", utcnow() - timedelta(hours=3))
    _answer(client, h, v["id"])
    for csat in (5, 4, 4):
        _respond(engine, "GR01", csat, 9)
    rollups.update(engine)
    login(client, "gr_cs")
    page = client.get("/dashboard")
    assert page.status_code == 200, page.text[-2000:]
    assert "구로지구대" in page.text and "4.33" in page.text
    charts = re.findall(r'<img src="(/dashboard/charts/[a-z]+\.svg\?[^"]*)"', page.text)
    assert len(charts) == 3
    for url in charts:
        chart = client.get(html.unescape(url))
        assert chart.status_code == 200 and chart.headers["content-type"] == "image/svg+xml"
        assert chart.text.startswith("<svg") and 'role="img"' in chart.text
    assert client.get("/dashboard?start=2026-13-01").status_code == 422
    assert client.get("/dashboard/charts/daily.svg?start=2026-13-01").status_code == 422
    assert client.get("/dashboard/charts/pie.svg").status_code == 404
    too_long = "start=2020-01-01&end=2026-01-01"
    assert client.get(f"/dashboard/charts/trend.svg?{too_long}").status_code == 422
    assert client.get("/dashboard/charts/categories.svg?unit=DJ01").status_code == 422
    assert client.get("/dashboard?office=DJ").status_code == 422
    assert client.get("/dashboard/charts/daily.svg?office=DJ").status_code == 422  # as the page
    hq = TestClient(create_app(engine=engine))
    login(hq, "hq")
    assert "구로경찰서" in hq.get("/dashboard").text
    officer = TestClient(create_app(engine=engine))
    login(officer, "gr_officer")
    assert officer.get("/dashboard").status_code == 200


def test_a_refused_period_shows_the_filter_as_typed(engine: Engine) -> None:
    from web.pagetools import login

    build_world(engine)
    client = TestClient(create_app(engine=engine))
    login(client, "gr_cs")
    page = client.get("/dashboard?unit=GR01&category=&start=2020-01-01&end=2026-01-01")
    assert page.status_code == 422
    assert "400일 이내" in page.text
    assert 'name="start" value="2020-01-01"' in page.text
    assert 'name="end" value="2026-01-01" aria-invalid="true"' in page.text
    assert '<input type="hidden" name="unit" value="GR01">' in page.text
    assert '<input type="hidden" name="category" value="">' in page.text  # all, as chosen
    every_unit = client.get("/dashboard?unit=&start=2020-01-01&end=2026-01-01")
    assert '<input type="hidden" name="unit" value="">' in every_unit.text  # not the lead's own
    assert 'href="/dashboard">기본 기간으로 보기' in page.text
    unknown = client.get("/dashboard?unit=DJ01&start=2026-01-01&end=2026-01-31")
    assert unknown.status_code == 422 and "부서를 찾을 수 없습니다" in unknown.text
    assert 'name="unit"' not in unknown.text and 'value="2026-01-01"' in unknown.text
    surveys = client.get("/surveys?start=2020-01-01&end=2026-01-01")
    assert surveys.status_code == 422 and 'action="/surveys"' in surveys.text
    assert 'value="2020-01-01"' in surveys.text


def test_volume_series_buckets_long_periods() -> None:
    rows = [(date(2026, 1, 1) + timedelta(days=i), 2, 1) for i in range(365)]
    labels, series = dashboard.volume_series(rows, date(2026, 1, 1), date(2026, 12, 31))
    assert labels[0] == "2026-01" and len(labels) == 12 and series["접수"][0] == 62
    labels, series = dashboard.volume_series(rows[:30], date(2026, 1, 1), date(2026, 1, 30))
    assert len(labels) == 30 and sum(series["답변"]) == 30
    labels, _ = dashboard.volume_series(rows[:100], date(2026, 1, 1), date(2026, 4, 10))
    assert 14 <= len(labels) <= 16


def test_rollups_commands_update_and_rebuild(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    from minwon.cli import app
    from minwon.config import get_settings
    from minwon.db import get_engine

    world = build_world(engine)
    client = TestClient(create_app(engine=engine))
    _voice(client, world.auth("gr_cs"), "GR01", utcnow() - timedelta(hours=1))
    monkeypatch.setenv("MINWON_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    get_settings.cache_clear()
    get_engine.cache_clear()
    try:
        runner = CliRunner()
        updated = runner.invoke(app, ["rollups", "update"])
        assert updated.exit_code == 0 and "기록 1건" in updated.output, updated.output
        kept = _derived_rows(engine)
        rebuilt = runner.invoke(app, ["rollups", "rebuild"])
        assert rebuilt.exit_code == 0 and "rollup_voice_month: 1행" in rebuilt.output
        assert _derived_rows(engine) == kept
    finally:
        get_engine().dispose()
        get_settings.cache_clear()
        get_engine.cache_clear()
