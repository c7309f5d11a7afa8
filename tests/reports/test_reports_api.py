"""The reports through the API, as the pages show them: the first screen per role, the
dashboard with its chart series, the monthly report as Excel, and the fans — each for the
scope the caller may see, with the pages' messages for a wrong choice."""

from datetime import timedelta
from io import BytesIO

import pytest
from factories import World, build_world
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from reports.test_rollups import _answer, _respond, _voice
from sqlalchemy import Engine

from minwon.app import create_app
from minwon.reports import rollups
from minwon.timeutil import to_kst, utcnow


@pytest.fixture
def site(engine: Engine) -> tuple[TestClient, World]:
    """Office GR with four voices (three answered) and three survey answers, rolled up."""
    world = build_world(engine)
    client = TestClient(create_app(engine=engine))
    h = world.auth("gr_cs")
    for i in range(4):
        v = _voice(client, h, "GR01", utcnow() - timedelta(minutes=30 + i))
        if i < 3:
            _answer(client, h, v["id"])
    for csat in (5, 4, 3):
        _respond(engine, "GR01", csat, 8)
    rollups.update(engine)
    return client, world


def test_reports_show_the_callers_scope(site) -> None:
    client, world = site
    cs = world.auth("gr_cs")
    board = client.get("/api/v1/reports/dashboard", headers=cs)
    assert board.status_code == 200, board.text
    body = board.json()
    assert body["volume"]["received"] == 4 and body["volume"]["answered"] == 3
    assert body["satisfaction"]["csat"]["n"] == 3 and body["level"] == "unit"
    assert sum(d["received"] for d in body["daily"]) == 4
    home = client.get("/api/v1/reports/home", headers=cs).json()
    assert home["role"] == "cs_manager" and home["month"]["responses"] == 3
    lead = client.get("/api/v1/reports/home", headers=world.auth("gr_lead")).json()
    assert lead["role"] == "unit_lead" and lead["approval"]["count"] == 0
    month = to_kst(utcnow()).strftime("%Y-%m")
    report = client.get(f"/api/v1/reports/monthly?month={month}&format=xlsx", headers=cs)
    assert report.status_code == 200 and "attachment" in report.headers["content-disposition"]
    book = load_workbook(BytesIO(report.content))
    assert 4 in [c.value for ws in book.worksheets for row in ws.iter_rows() for c in row]
    fans = client.get("/api/v1/reports/fans", headers=cs).json()
    assert [r["citizens"] >= 0 for r in fans["rates"]] == [True]


def test_another_office_and_bad_periods_are_refused(site) -> None:
    client, world = site
    cs = world.auth("gr_cs")
    other = client.get("/api/v1/reports/dashboard?office=DJ", headers=cs)
    assert other.status_code == 404 and other.json()["detail"] == "기관을 찾을 수 없습니다."
    backwards = client.get("/api/v1/reports/fans?start=2026-11-10&end=2026-11-01", headers=cs)
    assert backwards.status_code == 422 and "기간의 끝이 시작보다 앞섭니다." in backwards.text
    bad = client.get("/api/v1/reports/monthly?month=2026-13", headers=cs)
    assert bad.status_code == 422 and "YYYY-MM" in bad.text
    assert client.get("/api/v1/reports/home").status_code == 401
