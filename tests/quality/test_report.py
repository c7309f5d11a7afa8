"""The monthly CS report gains a quality section: checks and their compliance, mystery results
and promises kept per unit, the items most often missed — in the PDF and in the Excel sheet
"응대 품질"; a month without checks says it has no data. And practice beside satisfaction:
role-play per unit and rubric item, incidents per unit by channel, report and support (no staff
names), each unit's compliance, practice, incidents and CSAT side by side — PDF section 8 and
the sheet "연습·만족도"."""

import shutil
import subprocess
from datetime import timedelta
from io import BytesIO

import pytest
from conftest import TEST_NOW
from openpyxl import load_workbook
from sqlalchemy import Engine
from web.pagetools import login

from minwon.reports.document import MonthlyReport, Quality, QualityUnit
from minwon.reports.xlsx import NO_DATA, render_xlsx
from minwon.timeutil import to_kst
from quality.helpers import marks, setup, template

MONTH = TEST_NOW.strftime("%Y-%m")
PROMISE = "모든 방문객을 문 앞까지 배웅합니다"


def _checks(engine: Engine):  # type: ignore[no-untyped-def]
    return _checked(engine)[0]


def _checked(engine: Engine):  # type: ignore[no-untyped-def]
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
    return client, world


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


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed")
def test_the_report_sets_practice_and_incidents_beside_satisfaction(engine: Engine) -> None:
    client, world = _checked(engine)
    scenarios = client.get("/api/v1/roleplay/scenarios", headers=world.auth("gr_lead")).json()
    held = to_kst(TEST_NOW - timedelta(hours=3)).replace(tzinfo=None).isoformat("T", "minutes")
    scores = {"gr_officer": {"listen": 4, "empathise": 2}}
    session = {"scenario_id": scenarios[0]["id"], "held_at": held, "participants": ["gr_officer"],
               "observer": "gr_lead", "observer_scores": scores}  # fmt: skip
    r = client.post("/api/v1/roleplay/sessions", json=session, headers=world.auth("gr_lead"))
    assert r.status_code == 201, r.text
    incident = {"unit": "GR01", "occurred_at": held, "channel": "phone", "what_happened": "폭언",
                "staff": ["gr_officer2"], "reported": True, "support": ["counselling"]}  # fmt: skip
    r = client.post("/api/v1/protection/incidents", json=incident, headers=world.auth("gr_lead"))
    assert r.status_code == 201, r.text

    got = client.get(f"/reports/monthly?month={MONTH}&format=xlsx&office=GR")
    sheet = load_workbook(BytesIO(got.content))["연습·만족도"]
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    beside = next(r for r in rows if r[0] == "구로지구대")
    assert beside[2] == 3 and beside[8] is None  # three checks: not a small sample
    assert (beside[3], beside[4], beside[5]) == (1, 3.0, 1)  # a session (mean 3), an incident
    assert beside[9] == "예"  # one session: a small sample
    played = next(r for r in rows if r and r[0] == "역할극 부서")
    unit = rows[rows.index(played) + 1]
    assert unit[:5] == ["구로지구대", 1, 1, 3.0, "예"]
    assert {k: v for k, v in zip(played[5:], unit[5:], strict=False) if k} == {"경청": 4, "공감": 2}
    hurt = next(r for r in rows if r[0] == "구로지구대" and r[2] == "전화 1")
    assert (hurt[1], hurt[3], hurt[4], hurt[5]) == (1, 1, 1, "심리 상담 1")
    assert "gr_officer" not in str(rows)

    pdf = client.get(f"/reports/monthly?month={MONTH}&format=pdf&office=GR")
    text = subprocess.run(
        ["pdftotext", "-raw", "-", "-"], input=pdf.content, capture_output=True, check=True
    ).stdout.decode()
    assert "8. 연습과 만족도" in text and "역할극 연습" in text and "특이민원" in text
    assert "경청 4.00" in text and "증거는 아닙니다" in text and "gr_officer" not in text
