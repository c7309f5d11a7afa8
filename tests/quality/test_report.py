"""The monthly CS report gains a quality section: checks and their compliance, mystery results
and promises kept per unit, the items most often missed — in the PDF and in the Excel sheet
"응대 품질"; a month without checks says it has no data."""

import shutil
import subprocess
from io import BytesIO

import pytest
from conftest import TEST_NOW
from openpyxl import load_workbook
from sqlalchemy import Engine
from web.pagetools import login

from minwon.reports.document import MonthlyReport, Quality, QualityUnit
from minwon.reports.xlsx import NO_DATA, render_xlsx
from quality.helpers import marks, setup, template

MONTH = TEST_NOW.strftime("%Y-%m")
PROMISE = "모든 방문객을 문 앞까지 배웅합니다"


def _checks(engine: Engine):  # type: ignore[no-untyped-def]
    client, world = setup(engine)
    since = TEST_NOW.replace(day=1).date().isoformat()
    client.post(
        "/api/v1/quality/promises",
        json={"unit": "GR01", "text": PROMISE, "since": since},
        headers=world.auth("gr_lead"),
    )
    tpl = template(client, world)
    for kept in (True, True, False):
        body = {
            "kind": "self",
            "template_id": tpl["id"],
            "marks": marks(tpl, missed={"의자를 권하고 앉을 자리를 마련했다"}, promise=kept),
        }
        r = client.post("/api/v1/quality/checks", json=body, headers=world.auth("gr_officer"))
        assert r.status_code == 201, r.text
    login(client, "gr_cs")
    return client


def test_excel_report_has_the_quality_sheet(engine: Engine) -> None:
    client = _checks(engine)
    got = client.get(f"/reports/monthly?month={MONTH}&format=xlsx&office=GR")
    assert got.status_code == 200
    sheet = load_workbook(BytesIO(got.content))["응대 품질"]
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    unit = next(r for r in rows if r[0] == "구로지구대")
    assert unit[1] == 3 and unit[5] == PROMISE
    assert unit[6] == pytest.approx(2 / 3) and unit[8] is None  # 3 checks: not a small sample
    missed = next(r for r in rows if r[0] == "의자를 권하고 앉을 자리를 마련했다")
    assert missed[1] == "맞이" and missed[2] == 3 and missed[3] == 3


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed")
def test_pdf_report_has_the_quality_section(engine: Engine) -> None:
    client = _checks(engine)
    got = client.get(f"/reports/monthly?month={MONTH}&format=pdf&office=GR")
    assert got.status_code == 200
    text = subprocess.run(
        ["pdftotext", "-raw", "-", "-"], input=got.content, capture_output=True, check=True
    ).stdout.decode()
    assert "7. 응대 품질" in text and "구로지구대" in text and "자주 놓친 항목" in text
    assert "66.7%" in text  # promise kept on two checks of three


def test_an_empty_quality_section_says_so() -> None:
    book = load_workbook(BytesIO(render_xlsx(MonthlyReport("t", "o", "2026-10"))))
    assert book["응대 품질"]["A2"].value == NO_DATA
    with pytest.raises(ValueError):
        QualityUnit(unit="x", checks=1, compliance=1.5)
    assert Quality().is_empty
