"""The monthly CS report from the ledger: built from the rollups for an office and a month,
downloaded as PDF (Hangul extractable) or Excel (numbers), and written by `minwon report`."""

import shutil
import subprocess
from datetime import timedelta
from io import BytesIO

import pytest
from factories import build_world
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from reports.test_rollups import _answer, _respond, _voice
from sqlalchemy import Engine
from web.pagetools import login

from minwon.app import create_app
from minwon.errors import Invalid
from minwon.reports import rollups
from minwon.reports.monthly import month_bounds
from minwon.timeutil import to_kst, utcnow


def _month() -> str:
    return to_kst(utcnow()).strftime("%Y-%m")


def _world(engine: Engine) -> TestClient:
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
    login(client, "gr_cs")
    return client


def test_month_bounds_and_bad_months() -> None:
    assert [str(d) for d in month_bounds("2026-02")] == ["2026-02-01", "2026-02-28"]
    assert [str(d) for d in month_bounds("2028-02")] == ["2028-02-01", "2028-02-29"]
    assert str(month_bounds("2026-12")[1]) == "2026-12-31"
    for bad in ("2026-13", "26-10", "2026/10", "", "1999-01"):
        with pytest.raises(Invalid):
            month_bounds(bad)


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed")
def test_pdf_report_download_has_hangul(engine: Engine) -> None:
    client = _world(engine)
    got = client.get(f"/reports/monthly?month={_month()}&format=pdf")
    assert got.status_code == 200 and got.content.startswith(b"%PDF")
    assert "attachment" in got.headers["content-disposition"]
    text = subprocess.run(
        ["pdftotext", "-raw", "-", "-"], input=got.content, capture_output=True, check=True
    ).stdout.decode()
    assert "구로경찰서" in text and "만족도" in text


def test_excel_report_download_has_numbers(engine: Engine) -> None:
    client = _world(engine)
    got = client.get(f"/reports/monthly?month={_month()}&format=xlsx")
    assert got.status_code == 200
    book = load_workbook(BytesIO(got.content))
    values = [c.value for ws in book.worksheets for row in ws.iter_rows() for c in row]
    assert 4 in values and any(isinstance(v, str) and v.startswith("=") for v in values)


def test_report_form_and_bad_input(engine: Engine) -> None:
    client = _world(engine)
    form = client.get("/reports/monthly")
    assert form.status_code == 200 and 'type="month"' in form.text
    bad = client.get("/reports/monthly?month=2026-13&format=pdf")
    assert bad.status_code == 422 and "YYYY-MM" in bad.text
    other = client.get(f"/reports/monthly?month={_month()}&format=pdf&office=DJ")
    assert other.status_code == 422
