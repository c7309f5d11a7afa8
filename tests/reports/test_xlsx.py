"""The monthly CS report as Excel: re-opened with openpyxl, it holds numbers (not text), number
formats, formulas that compute the right figures, styled frozen headers and native charts."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from io import BytesIO
from typing import Any

import pytest
from openpyxl import load_workbook
from openpyxl.chart import BarChart, LineChart
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet
from reports.sample import OFFICE, TOP_CAUSE, empty_report, sample_report

from minwon.reports.xlsx import NO_DATA, SHEETS, render_xlsx

NUMERIC_TEXT = re.compile(r"[+-]?[\d,]+(\.\d+)?%?")


@pytest.fixture(scope="module")
def book() -> Workbook:
    return load_workbook(BytesIO(render_xlsx(sample_report())), data_only=False)


@pytest.fixture(scope="module")
def empty_book() -> Workbook:
    return load_workbook(BytesIO(render_xlsx(empty_report())))


def _find(ws: Worksheet, label: str, col: int = 1) -> int:
    """The row whose cell in column ``col`` reads ``label``."""
    for row in range(1, ws.max_row + 1):
        if ws.cell(row, col).value == label:
            return row
    raise AssertionError(f"{label!r} not in column {col} of {ws.title}")


def evaluate(ws: Worksheet, formula: str) -> Any:
    """Compute one of the report's formulas (SUM, SUMPRODUCT, IF(x=0,"",y), + - * /) from
    the sheet's cells, so the tests check that formulas point at the right cells."""

    def cell(ref: str) -> Any:
        value = ws[ref].value
        if isinstance(value, str) and value.startswith("="):
            return evaluate(ws, value)
        return 0 if value is None or value == "" else value

    def rng(first: str, last: str) -> list[Any]:
        return [cell(c.coordinate) for row in ws[f"{first}:{last}"] for c in row]

    def total(*parts: Any) -> float:
        return sum(sum(p) if isinstance(p, list) else p for p in parts)

    functions: dict[str, Callable[..., Any]] = {
        "SUM": total,
        "SUMPRODUCT": lambda a, b: sum(x * y for x, y in zip(a, b, strict=True)),
        "rng": rng,
        "cell": cell,
    }
    expr = formula.lstrip("=").replace("$", "")
    expr = re.sub(r"\b([A-Z]{1,3}\d+):([A-Z]{1,3}\d+)\b", r'rng("\1","\2")', expr)
    expr = re.sub(r'(?<!")\b([A-Z]{1,3}\d+)\b(?!")', r'cell("\1")', expr)
    expr = re.sub(r"(?<![<>=!])=(?!=)", "==", expr)
    # the guard IF(x=0,"",y) is the whole formula: make it lazy, as in Excel
    expr = re.sub(r'^IF\((.+?),(""),(.+)\)$', r"(\2 if \1 else \3)", expr)
    return eval(expr, {"__builtins__": {}}, functions)  # noqa: S307 - our own formulas


def test_sheets_in_order(book: Workbook) -> None:
    assert book.sheetnames == list(SHEETS)
    assert book.sheetnames == [
        "요약", "접수·처리", "만족도", "순위", "원인", "조치", "일별", "응대 품질", "연습·만족도"
    ]  # fmt: skip


def test_summary_holds_numbers_with_formats(book: Workbook) -> None:
    ws = book["요약"]
    assert ws["A2"].value == f"{OFFICE} · 2026년 10월"
    assert ws["B3"].value == datetime(2026, 11, 2, 9, 30)  # Korean time, as a real date
    received = ws.cell(_find(ws, "접수"), 2)
    assert type(received.value) is int and received.value == 485
    assert received.number_format == "#,##0"
    csat = _find(ws, "만족도 CSAT (1–5점)")
    assert [ws.cell(csat, c).value for c in range(2, 6)] == [4.21, 4.12, 4.30, 318]
    assert ws.cell(csat, 2).number_format == "0.00"
    assert ws.cell(_find(ws, "응답률"), 2).number_format == "0.0%"
    share = ws.cell(_find(ws, "처리기한 준수율"), 2)
    assert share.value.startswith("=") and share.number_format == "0.0%"
    assert evaluate(ws, share.value) == pytest.approx(381 / 402)


def test_no_number_is_stored_as_text(book: Workbook) -> None:
    for ws in book:
        for row in ws.iter_rows():
            for c in row:
                if isinstance(c.value, str) and not c.value.startswith("="):
                    assert not NUMERIC_TEXT.fullmatch(c.value), f"{ws.title}!{c.coordinate}"


def test_volume_totals_and_shares_are_formulas(book: Workbook) -> None:
    ws = book["접수·처리"]
    channels_total = _find(ws, "합계", col=4)
    formula = ws.cell(channels_total, 5).value
    assert formula.startswith("=SUM(E2:E")
    assert evaluate(ws, formula) == ws["B2"].value == 485  # channels add up to received
    assert evaluate(ws, ws.cell(_find(ws, "분류", col=8) + 1, 10).value) == pytest.approx(142 / 485)
    categories_total = ws.cell(_find(ws, "합계", col=8), 9).value
    assert categories_total.startswith("=SUM(") and evaluate(ws, categories_total) == 485
    share_met = ws.cell(_find(ws, "처리기한 준수율"), 2)
    assert re.fullmatch(r'=IF\(B\d+=0,"",B\d+/B\d+\)', share_met.value)
    assert evaluate(ws, share_met.value) == pytest.approx(381 / 402)
    assert ws.cell(_find(ws, "평균 처리일수"), 2).value == 3.4


def test_satisfaction_has_intervals_and_a_weighted_total(book: Workbook) -> None:
    ws = book["만족도"]
    assert [ws.cell(3, c).value for c in range(2, 6)] == [0.812, 0.766, 0.851, 318]
    assert ws["B3"].number_format == ws["C3"].number_format == "0.0%"
    assert [ws.cell(r, 2).value for r in (6, 7)] == [874, 12]  # sent; answered without one
    first = _find(ws, "구로지구대")
    assert [ws.cell(first, c).value for c in range(2, 7)] == [121, 4.35, 4.21, 4.49, 45.5]
    assert ws.cell(_find(ws, "민원실"), 4).value is None  # no interval for 3 answers
    total = _find(ws, "합계")
    assert ws.cell(total, 2).value.startswith("=SUM(")
    assert evaluate(ws, ws.cell(total, 2).value) == 318
    weighted = (121 * 4.35 + 88 * 4.18 + 64 * 4.02 + 42 * 3.91 + 3 * 5.0) / 318
    assert evaluate(ws, ws.cell(total, 3).value) == pytest.approx(weighted)


def test_ranking_keeps_unranked_rows_as_blanks(book: Workbook) -> None:
    ws = book["순위"]
    row = _find(ws, OFFICE, col=2)
    assert [ws.cell(row, c).value for c in range(1, 7)] == [2, OFFICE, 318, 4.19, "양호", 3]
    assert ws.cell(row, 1).fill.fgColor.rgb.endswith("FFF4D6")  # the report's own office
    unranked = _find(ws, "금천경찰서", col=2)
    assert ws.cell(unranked, 1).value is None and ws.cell(unranked, 5).value == "표본 부족"
    assert ws.cell(row, 6).number_format.startswith("+")
    assert ws.cell(row, 4).number_format == "0.000"  # ties are judged to three decimals


def test_causes_cumulative_share_and_pareto_chart(book: Workbook) -> None:
    ws = book["원인"]
    assert ws["B2"].value == TOP_CAUSE and ws["C2"].value == 97
    last = _find(ws, "기타", col=2)  # "other" comes last whatever its count
    assert last == ws.max_row - 1
    assert "SUM($C$2:C2)" in ws["E2"].value
    assert evaluate(ws, ws["E2"].value) == pytest.approx(97 / 299)
    assert evaluate(ws, ws.cell(last, 5).value) == pytest.approx(1.0)
    assert evaluate(ws, ws.cell(last + 1, 3).value) == 299
    assert (
        ws["G2"].value.startswith("OO로 골목에") and ws["I4"].value == "아이들 귀갓길이 걱정됩니다"
    )
    charts = ws._charts
    assert len(charts) == 1 and isinstance(charts[0], BarChart)


def test_daily_sheet_has_dates_cumulative_sums_and_a_line_chart(book: Workbook) -> None:
    ws = book["일별"]
    assert isinstance(ws["A2"].value, datetime) and ws["A2"].number_format == "yyyy-mm-dd"
    assert ws.cell(32, 1).value == datetime(2026, 10, 31)
    assert all(type(ws.cell(r, 2).value) is int for r in range(2, 33))
    assert evaluate(ws, ws["D32"].value) == 485
    assert ws["B33"].value == "=SUM(B2:B32)" and evaluate(ws, "=SUM(B2:B32)") == 485
    charts = ws._charts
    assert len(charts) == 1 and isinstance(charts[0], LineChart)
    assert len(charts[0].series) == 2  # received and answered


def test_actions_have_real_dates_and_a_total(book: Workbook) -> None:
    ws = book["조치"]
    assert ws["E2"].value == datetime(2026, 10, 5) and ws["E2"].number_format == "yyyy-mm-dd"
    assert ws["E5"].value is None  # no due date
    assert evaluate(ws, ws.cell(_find(ws, "합계"), 6).value) == 23 + 41 + 6 + 12


def test_headers_are_styled_frozen_and_columns_fitted(book: Workbook) -> None:
    header_rows = {"요약": 5}
    for ws in book:
        row = header_rows.get(ws.title, 1)
        head = ws.cell(row, 1)
        assert head.font.b and head.fill.fgColor.rgb.endswith("1F4E8C"), ws.title
        assert ws.freeze_panes is not None and int(ws.freeze_panes[1:]) == row + 1, ws.title
    assert book["원인"].column_dimensions["B"].width > 20  # long Korean cause labels
    assert book["조치"].column_dimensions["B"].width > 30


def test_empty_report_gives_sheets_that_say_so(empty_book: Workbook) -> None:
    assert empty_book.sheetnames == list(SHEETS)
    for name in ("순위", "원인", "조치", "일별"):
        assert empty_book[name]["A2"].value == NO_DATA, name
        assert not empty_book[name]._charts, name
    ws = empty_book["요약"]
    assert ws.cell(_find(ws, "접수"), 2).value == 0
    assert evaluate(ws, ws.cell(_find(ws, "처리기한 준수율"), 2).value) == ""  # nothing due
