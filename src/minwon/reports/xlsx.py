"""The monthly CS report as an Excel workbook: real numbers, live formulas, native charts.

A CS manager reworks the figures (filters, pivots, their own charts), so every figure is a
number cell with a number format (percent, 0.00), never text; totals, shares and cumulative
shares are formulas (``=SUM(...)``, ``=met/due``) that stay right when a row is edited; charts
are openpyxl's native charts (they follow the cells), not pictures.

Sheets: 요약 (key figures), 접수·처리 (volume, channels, categories, deadlines), 만족도
(scores with 95 % intervals, per unit), 순위, 원인 (Pareto table and chart), 조치, 일별 (daily
counts and trend chart), 응대 품질 (checklists, mystery checks, promises kept per unit),
연습·만족도 (each unit's compliance, role-play, incidents and CSAT side by side; role-play per
unit and rubric item; incidents per unit by channel, report and support, no staff names). Each
has a styled, frozen header row and fitted column widths. A sheet
with nothing to show says "자료가 없습니다". openpyxl does not compute formulas, so the
workbook asks Excel/LibreOffice to recalculate when it is opened.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import date, datetime
from unicodedata import east_asian_width

from openpyxl import Workbook
from openpyxl.chart import BarChart, LineChart, Reference
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from minwon.reports.document import MonthlyReport
from minwon.timeutil import to_kst

__all__ = ["NO_DATA", "SHEETS", "render_xlsx"]

NO_DATA = "자료가 없습니다"
SHEETS = ("요약", "접수·처리", "만족도", "순위", "원인", "조치", "일별", "응대 품질", "연습·만족도")

Cell = str | int | float | date | datetime | None

INT, DEC1, DEC2, PCT = "#,##0", "0.0", "0.00", "0.0%"
DEC3 = "0.000"  # ranking scores: ties are judged to three decimals
SIGNED = "+#,##0;-#,##0;0"
DAY, STAMP = "yyyy-mm-dd", "yyyy-mm-dd hh:mm"

_HEAD_FONT = Font(bold=True, color="FFFFFF")
_HEAD_FILL = PatternFill("solid", fgColor="1F4E8C")
_HEAD_BORDER = Border(bottom=Side(style="thin", color="1B2330"))
_TOTAL_FONT = Font(bold=True)
_TOTAL_BORDER = Border(top=Side(style="thin", color="1B2330"))
_MARK_FILL = PatternFill("solid", fgColor="FFF4D6")
_NOTE_FONT = Font(italic=True, color="6B7685")


def _header(ws: Worksheet, row: int, col: int, titles: Sequence[str]) -> None:
    """Write a styled header row starting at (row, col)."""
    for i, title in enumerate(titles):
        cell = ws.cell(row, col + i, title)
        cell.font, cell.fill, cell.border = _HEAD_FONT, _HEAD_FILL, _HEAD_BORDER
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)


def _put(
    ws: Worksheet, row: int, col: int, values: Sequence[Cell], formats: Sequence[str] = ()
) -> None:
    """Write one row of values; ``formats`` gives number formats by position ("" for none)."""
    for i, value in enumerate(values):
        cell = ws.cell(row, col + i, value)
        fmt = formats[i] if i < len(formats) else ""
        if fmt:
            cell.number_format = fmt


def _total_style(ws: Worksheet, row: int, first: int, last: int) -> None:
    for col in range(first, last + 1):
        ws.cell(row, col).font = _TOTAL_FONT
        ws.cell(row, col).border = _TOTAL_BORDER


def _no_data(ws: Worksheet, row: int, col: int = 1) -> None:
    ws.cell(row, col, NO_DATA).font = _NOTE_FONT


def _text_width(value: object) -> float:
    if value is None:
        return 0
    if isinstance(value, str) and value.startswith("="):
        return 10
    if isinstance(value, datetime):
        return 16
    if isinstance(value, float | int | date):
        return 11
    return sum(2.0 if east_asian_width(ch) in "WF" else 1.1 for ch in str(value))


def _fit_columns(ws: Worksheet, *, widest: float = 60) -> None:
    """Size every column to its longest entry (Hangul counts double), within 8..``widest``."""
    widths: dict[int, float] = {}
    for row in ws.iter_rows():
        for cell in row:
            widths[cell.column] = max(widths.get(cell.column, 0), _text_width(cell.value))
    for col, width in widths.items():
        ws.column_dimensions[get_column_letter(col)].width = min(max(8, width + 2), widest)


def _breakdown(ws: Worksheet, col: int, title: str, pairs: Sequence[tuple[str, int]]) -> None:
    """A (label, count, share) table at row 1 of column ``col``, with a SUM total row."""
    _header(ws, 1, col, [title, "건수", "비율"])
    if not pairs:
        _no_data(ws, 2, col)
        return
    count = get_column_letter(col + 1)
    total_row = len(pairs) + 2
    total = f"${count}${total_row}"
    for i, (label, n) in enumerate(pairs, start=2):
        _put(ws, i, col, [label, n, f'=IF({total}=0,"",{count}{i}/{total})'], ["", INT, PCT])
    _put(ws, total_row, col, ["합계", f"=SUM({count}2:{count}{total_row - 1})",
                              f'=IF({total}=0,"",{total}/{total})'], ["", INT, PCT])  # fmt: skip
    _total_style(ws, total_row, col, col + 2)


def _summary(ws: Worksheet, report: MonthlyReport) -> None:
    v, d, s = report.volume, report.deadlines, report.satisfaction
    ws["A1"] = report.title
    ws["A1"].font = Font(bold=True, size=14, color="1F4E8C")
    ws["A2"] = f"{report.office} · {report.month_label}"
    ws["A3"] = "작성 (한국 시간)"
    stamp = to_kst(report.generated_at) or report.generated_at
    _put(ws, 3, 2, [stamp.replace(tzinfo=None)], [STAMP])
    _header(ws, 5, 1, ["지표", "값", "95% 하한", "95% 상한", "표본 수"])
    due, met = 10, 11  # the rows of 처리기한 도래 and 기한 내 처리 below
    rows: list[tuple[list[Cell], list[str]]] = [
        (["접수", v.received], ["", INT]),
        (["답변", v.answered], ["", INT]),
        (["종결", v.closed], ["", INT]),
        (["월말 미결", v.open_at_end], ["", INT]),
        (["처리기한 도래", d.due], ["", INT]),
        (["기한 내 처리", d.met], ["", INT]),
        (["처리기한 준수율", f'=IF(B{due}=0,"",B{met}/B{due})'], ["", PCT]),
        (["평균 처리일수", d.avg_days_to_answer], ["", DEC1]),
        (["만족도 CSAT (1–5점)", s.csat.value, s.csat.low, s.csat.high, s.csat.n],
         ["", DEC2, DEC2, DEC2, INT]),
        (["상위 2점 비율 (4·5점)", s.top2.value, s.top2.low, s.top2.high, s.top2.n],
         ["", PCT, PCT, PCT, INT]),
        (["순추천지수 NPS", s.nps.value, s.nps.low, s.nps.high, s.nps.n],
         ["", DEC1, DEC1, DEC1, INT]),
        (["응답률", s.response_rate], ["", PCT]),
    ]  # fmt: skip
    for i, (values, formats) in enumerate(rows, start=6):
        _put(ws, i, 1, values, formats)
    assert ws[f"A{due}"].value == "처리기한 도래" and ws[f"A{met}"].value == "기한 내 처리"
    ws.freeze_panes = "A6"


def _volume(ws: Worksheet, report: MonthlyReport) -> None:
    v, d = report.volume, report.deadlines
    _header(ws, 1, 1, ["항목", "값"])
    items: list[tuple[str, Cell, str]] = [
        ("접수", v.received, INT),
        ("답변", v.answered, INT),
        ("종결", v.closed, INT),
        ("월말 미결", v.open_at_end, INT),
        ("처리기한 도래", d.due, INT),
        ("기한 내 처리", d.met, INT),
        ("기한 초과", d.missed, INT),
        ("처리기한 준수율", '=IF(B6=0,"",B7/B6)', PCT),
        ("평균 처리일수", d.avg_days_to_answer, DEC1),
    ]
    for i, (label, value, fmt) in enumerate(items, start=2):
        _put(ws, i, 1, [label, value], ["", fmt])
    assert ws["A6"].value == "처리기한 도래" and ws["A7"].value == "기한 내 처리"
    _breakdown(ws, 4, "채널", v.by_channel)
    _breakdown(ws, 8, "분류", v.by_category)
    ws.freeze_panes = "A2"


def _satisfaction(ws: Worksheet, report: MonthlyReport) -> None:
    s = report.satisfaction
    _header(ws, 1, 1, ["지표", "값", "95% 하한", "95% 상한", "표본 수"])
    _put(ws, 2, 1, ["만족도 CSAT (1–5점)", s.csat.value, s.csat.low, s.csat.high, s.csat.n],
         ["", DEC2, DEC2, DEC2, INT])  # fmt: skip
    _put(ws, 3, 1, ["상위 2점 비율 (4·5점)", s.top2.value, s.top2.low, s.top2.high, s.top2.n],
         ["", PCT, PCT, PCT, INT])  # fmt: skip
    _put(ws, 4, 1, ["순추천지수 NPS", s.nps.value, s.nps.low, s.nps.high, s.nps.n],
         ["", DEC1, DEC1, DEC1, INT])  # fmt: skip
    _put(ws, 5, 1, ["응답률", s.response_rate], ["", PCT])
    _put(ws, 6, 1, ["발송 건수", s.invited], ["", INT])
    _put(ws, 7, 1, ["초대 없이 응답 (응답률 제외)", s.uninvited], ["", INT])
    _header(ws, 8, 1, ["부서", "응답 수", "CSAT", "95% 하한", "95% 상한", "NPS"])
    ws.freeze_panes = "A2"
    if not s.units:
        _no_data(ws, 9)
        return
    last = 8 + len(s.units)
    for i, u in enumerate(s.units, start=9):
        _put(ws, i, 1, [u.unit, u.n, u.csat, u.low, u.high, u.nps],
             ["", INT, DEC2, DEC2, DEC2, DEC1])  # fmt: skip
    total: list[Cell] = ["합계", f"=SUM(B9:B{last})"]
    if all(u.csat is not None for u in s.units):  # answer-weighted mean of the unit CSATs
        total.append(f'=IF(B{last + 1}=0,"",SUMPRODUCT(B9:B{last},C9:C{last})/B{last + 1})')
    _put(ws, last + 1, 1, total, ["", INT, DEC2])
    _total_style(ws, last + 1, 1, 6)


def _ranking(ws: Worksheet, report: MonthlyReport) -> None:
    r = report.ranking
    _header(ws, 1, 1, ["순위", "기관·부서", "응답 수", "점수", "상태", "변동"])
    ws.freeze_panes = "A2"
    if not r.rows:
        _no_data(ws, 2)
        return
    for i, row in enumerate(r.rows, start=2):
        _put(ws, i, 1, [row.rank, row.name, row.n, row.score, row.status or None, row.movement],
             [INT, "", INT, DEC3, "", SIGNED])  # fmt: skip
        if r.highlight and row.name == r.highlight:
            for col in range(1, 7):
                ws.cell(i, col).fill = _MARK_FILL
    ws.auto_filter.ref = f"A1:F{len(r.rows) + 1}"
    if r.basis:
        ws.cell(len(r.rows) + 3, 1, f"순위 기준: {r.basis}").font = _NOTE_FONT


def _causes(ws: Worksheet, report: MonthlyReport) -> None:
    causes = report.causes_in_pareto_order()
    _header(ws, 1, 1, ["순", "원인", "건수", "비율", "누적 비율", "전월 대비",
                       "사례 1", "사례 2", "사례 3"])  # fmt: skip
    ws.freeze_panes = "C2"
    if not causes:
        _no_data(ws, 2)
        return
    last = len(causes) + 1
    total = f"$C${last + 1}"
    for i, c in enumerate(causes, start=2):
        examples = [*c.examples, None, None, None][:3]
        _put(ws, i, 1, [i - 1, c.label, c.count, f'=IF({total}=0,"",C{i}/{total})',
                        f'=IF({total}=0,"",SUM($C$2:C{i})/{total})', c.change, *examples],
             [INT, "", INT, PCT, PCT, SIGNED])  # fmt: skip
        for col in (7, 8, 9):
            ws.cell(i, col).alignment = Alignment(wrap_text=True, vertical="top")
    _put(ws, last + 1, 2, ["합계", f"=SUM(C2:C{last})"], ["", INT])
    _total_style(ws, last + 1, 1, 9)
    ws.auto_filter.ref = f"A1:I{last}"

    bars = BarChart()
    bars.title, bars.style = "원인별 건수 (파레토)", 10
    bars.y_axis.title, bars.x_axis.title = "건수", "원인"
    bars.add_data(Reference(ws, min_col=3, min_row=1, max_row=last), titles_from_data=True)
    bars.set_categories(Reference(ws, min_col=2, min_row=2, max_row=last))
    share = LineChart()
    share.add_data(Reference(ws, min_col=5, min_row=1, max_row=last), titles_from_data=True)
    share.y_axis.axId, share.y_axis.title = 200, "누적 비율"
    share.y_axis.number_format, share.y_axis.crosses = "0%", "max"
    share.y_axis.scaling.min, share.y_axis.scaling.max = 0, 1
    for axis in (bars.x_axis, bars.y_axis, share.y_axis):
        axis.delete = False  # openpyxl 3.1 hides axes unless told
    bars += share
    bars.width, bars.height = 20, 10
    ws.add_chart(bars, "K2")


def _actions(ws: Worksheet, report: MonthlyReport) -> None:
    _header(ws, 1, 1, ["번호", "조치", "상태", "담당", "기한", "관련 민원 수"])
    ws.freeze_panes = "A2"
    if not report.actions:
        _no_data(ws, 2)
        return
    last = len(report.actions) + 1
    for i, a in enumerate(report.actions, start=2):
        _put(ws, i, 1, [i - 1, a.title, a.status, a.owner or None, a.due, a.voices],
             [INT, "", "", "", DAY, INT])  # fmt: skip
    _put(ws, last + 1, 1, ["합계", None, None, None, None, f"=SUM(F2:F{last})"],
         ["", "", "", "", "", INT])  # fmt: skip
    _total_style(ws, last + 1, 1, 6)
    ws.auto_filter.ref = f"A1:F{last}"


def _daily(ws: Worksheet, report: MonthlyReport) -> None:
    _header(ws, 1, 1, ["일자", "접수", "답변", "누적 접수", "누적 답변"])
    ws.freeze_panes = "A2"
    if not report.daily:
        _no_data(ws, 2)
        return
    last = len(report.daily) + 1
    for i, d in enumerate(report.daily, start=2):
        _put(ws, i, 1, [d.day, d.received, d.answered, f"=SUM($B$2:B{i})", f"=SUM($C$2:C{i})"],
             [DAY, INT, INT, INT, INT])  # fmt: skip
    _put(ws, last + 1, 1, ["합계", f"=SUM(B2:B{last})", f"=SUM(C2:C{last})"], ["", INT, INT])
    _total_style(ws, last + 1, 1, 5)

    chart = LineChart()
    chart.title, chart.style = "일별 접수·답변 추이", 12
    chart.y_axis.title, chart.x_axis.title = "건수", "일자"
    chart.add_data(Reference(ws, min_col=2, max_col=3, min_row=1, max_row=last),
                   titles_from_data=True)  # fmt: skip
    chart.set_categories(Reference(ws, min_col=1, min_row=2, max_row=last))
    chart.x_axis.number_format = "m/d"
    chart.x_axis.delete = chart.y_axis.delete = False
    chart.width, chart.height = 22, 10
    ws.add_chart(chart, "G2")


def _quality(ws: Worksheet, report: MonthlyReport) -> None:
    q = report.quality
    heads = ["부서", "점검 수", "준수율", "암행 점검 수", "암행 준수율", "약속", "약속 이행률",
             "약속 점검 수", "표본 적음"]  # fmt: skip
    _header(ws, 1, 1, heads)
    ws.freeze_panes = "A2"
    if q.is_empty:
        _no_data(ws, 2)
        return
    row = 2
    for u in q.units:
        _put(ws, row, 1, [u.unit, u.checks, u.compliance, u.mystery, u.mystery_compliance,
                          u.promise or None, u.promise_kept, u.promise_checks,
                          "예" if u.small else None],
             ["", INT, PCT, INT, PCT, "", PCT, INT, ""])  # fmt: skip
        row += 1
    _put(ws, row, 1, ["전체", q.checks, q.compliance, None, None, None, q.promise_kept],
         ["", INT, PCT, "", "", "", PCT])  # fmt: skip
    _total_style(ws, row, 1, len(heads))
    row += 2
    _header(ws, row, 1, ["점검 종류", "점검 수", "준수율"])
    for k in q.kinds:
        row += 1
        _put(ws, row, 1, [k.label, k.checks, k.compliance], ["", INT, PCT])
    row += 1
    _put(ws, row, 1, ["설문: 약속을 지켰다", q.survey_promise_n, q.survey_promise], ["", INT, PCT])
    row += 2
    _header(ws, row, 1, ["자주 놓친 항목", "단계", "놓침", "표시", "놓친 비율"])
    for m in q.missed:
        row += 1
        _put(ws, row, 1, [m.label, m.stage, m.missed, m.marked, f"=C{row}/D{row}"],
             ["", "", INT, INT, PCT])  # fmt: skip
    row += 2
    ws.cell(row, 1, q.basis).font = _NOTE_FONT


def _flag(small: bool, value: object) -> str | None:
    return "예" if small and value is not None else None


def _practice(ws: Worksheet, report: MonthlyReport) -> None:
    q = report.quality
    heads = ["부서", "준수율", "점검 수", "역할극 횟수", "관찰 평균 점수", "특이민원", "CSAT",
             "응답 수", "표본 적음: 점검", "표본 적음: 역할극", "표본 적음: 응답"]  # fmt: skip
    _header(ws, 1, 1, heads)
    ws.freeze_panes = "A2"
    if q.practice_empty:
        _no_data(ws, 2)
        return
    row = 1
    for b in q.beside:
        row += 1
        _put(ws, row, 1, [b.unit, b.compliance, b.checks, b.sessions, b.practice_score,
                          b.incidents, b.csat, b.answers, _flag(b.checks_small, b.compliance),
                          _flag(b.sessions_small, b.sessions or None),
                          _flag(b.csat_small, b.csat)],
             ["", PCT, INT, INT, DEC2, INT, DEC2, INT])  # fmt: skip
    row += 2
    codes = [i.label for i in q.roleplay_items]
    _header(ws, row, 1, ["역할극 부서", "횟수", "참가", "관찰 평균", "표본 적음", *codes])
    for u in q.roleplay:
        row += 1
        by = {i.label: i.mean for i in u.items}
        _put(ws, row, 1, [u.unit, u.sessions, u.participants, u.mean, "예" if u.small else None,
                          *(by.get(c) for c in codes)],
             ["", INT, INT, DEC2, "", *(DEC2 for _ in codes)])  # fmt: skip
    if q.roleplay_items:
        row += 1
        _put(ws, row, 1, ["전체", None, None, None, None,
                          *(i.mean for i in q.roleplay_items)],
             ["", "", "", "", "", *(DEC2 for _ in codes)])  # fmt: skip
        _total_style(ws, row, 1, 5 + len(codes))
    row += 2
    _header(ws, row, 1, ["특이민원 부서", "건수", "경로", "수사기관 신고", "직원 지원",
                         "지원 내용"])  # fmt: skip
    for i in q.incidents:
        row += 1
        _put(ws, row, 1, [i.unit, i.incidents,
                          ", ".join(f"{k} {n}" for k, n in i.by_channel) or None,
                          i.reported, i.supported,
                          ", ".join(f"{k} {n}" for k, n in i.support) or None],
             ["", INT, "", INT, INT, ""])  # fmt: skip
    row += 2
    ws.cell(row, 1, q.practice_basis).font = _NOTE_FONT


def render_xlsx(report: MonthlyReport) -> bytes:
    """The report as .xlsx bytes: nine sheets of number cells, formulas and native charts.

    For the CS manager who keeps working on the figures in Excel; the same numbers as the
    PDF, laid out as tables one can sort, filter and extend.
    """
    wb = Workbook()
    first = wb.active
    assert first is not None
    first.title = SHEETS[0]
    builders = (
        _summary, _volume, _satisfaction, _ranking, _causes, _actions, _daily, _quality, _practice
    )  # fmt: skip
    for name, build in zip(SHEETS, builders, strict=True):
        ws = first if name == SHEETS[0] else wb.create_sheet(name)
        build(ws, report)
        _fit_columns(ws, widest=48 if name == "원인" else 60)
    first.column_dimensions["A"].width = 24
    wb.properties.title = report.title
    wb.properties.subject = f"{report.office} {report.month_label}"
    wb.properties.creator = "minwon"
    wb.calculation.fullCalcOnLoad = True  # openpyxl stores formulas without their values
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
