"""The monthly CS report as a PDF: A4 portrait, Korean throughout, NanumGothic embedded.

Built with ReportLab's platypus (flowing paragraphs, tables and images, page breaks handled
by the library). NanumGothic (regular and bold, the TTF files shipped by the
``koreanize-matplotlib`` package) is registered with ReportLab once and embedded as a subset,
so Hangul shows and can be searched and copied on any reader without Korean fonts installed.
Charts are PNG pictures drawn by ``minwon.reports.charts``; tables are real text.

Every section is printed; one with nothing to show says "자료가 없습니다" (no data) instead of
failing, so an office's first month still gives a report. Every page has the office, the
month and "page N / M" in its footer.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import datetime
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    Flowable,
    Image,
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from minwon.reports import charts
from minwon.reports.document import MonthlyReport
from minwon.surveys.rankings import TIE_DECIMALS
from minwon.timeutil import to_kst
from minwon.web.pdf_fonts import FONT, FONT_BOLD, register_fonts

__all__ = ["FONT", "FONT_BOLD", "NO_DATA", "render_pdf"]

NO_DATA = "자료가 없습니다"

_BLUE = colors.HexColor("#1f4e8c")
_INK = colors.HexColor("#1b2330")
_MUTED = colors.HexColor("#6b7685")
_RULE = colors.HexColor("#c8cfd8")
_STRIPE = colors.HexColor("#f3f6fa")
_MARK = colors.HexColor("#fff4d6")
_WIDTH = A4[0] - 36 * mm
_DASH = "–"
_CELL_FONT = ("FONTNAME", (0, 0), (-1, -1), FONT)  # else ReportLab sets Helvetica in each cell


def _style(name: str, size: float, **extra: Any) -> ParagraphStyle:
    base: dict[str, Any] = {"fontName": FONT, "fontSize": size, "leading": size * 1.45,
                            "textColor": _INK, "wordWrap": "CJK"}  # fmt: skip
    return ParagraphStyle(name, **{**base, **extra})


_TITLE = _style("title", 18, fontName=FONT_BOLD, leading=24, textColor=_BLUE)
_H2 = _style("h2", 12, fontName=FONT_BOLD, textColor=_BLUE, spaceBefore=10, spaceAfter=4)
_BODY = _style("body", 9)
_NOTE = _style("note", 7.5, textColor=_MUTED)
_CELL = _style("cell", 8)
_CELL_R = _style("cell_r", 8, alignment=TA_RIGHT)
_HEAD = _style("head", 8, fontName=FONT_BOLD, textColor=colors.white)
_HEAD_R = _style("head_r", 8, fontName=FONT_BOLD, textColor=colors.white, alignment=TA_RIGHT)
_TILE_VALUE = _style("tile_value", 15, fontName=FONT_BOLD, leading=19, textColor=_BLUE)
_TILE_LABEL = _style("tile_label", 8, textColor=_MUTED)


def _int(value: int | None) -> str:
    return _DASH if value is None else f"{value:,}"


def _num(value: float | None, digits: int = 2) -> str:
    return _DASH if value is None else f"{value:,.{digits}f}"


def _pct(value: float | None) -> str:
    return _DASH if value is None else f"{100 * value:.1f}%"


def _range(low: float | None, high: float | None, fmt: str = "{:.2f}") -> str:
    if low is None or high is None:
        return _DASH
    return f"{fmt.format(low)} ~ {fmt.format(high)}"


def _signed(value: int | None, up: str = "+", down: str = "-") -> str:
    if value is None:
        return _DASH
    return f"{up}{value:,}" if value > 0 else f"{down}{-value:,}" if value < 0 else "0"


def _p(text: object, style: ParagraphStyle = _CELL) -> Paragraph:
    return Paragraph(escape(str(text)).replace("\n", "<br/>"), style)


def _no_data() -> Paragraph:
    return _p(NO_DATA, _BODY)


def _table(
    header: Sequence[str],
    rows: Sequence[Sequence[object]],
    widths: Sequence[float],
    *,
    right: Sequence[int] = (),
    marked: Sequence[int] = (),
) -> Table:
    """A striped table with a blue header row repeated on every page.

    ``right`` lists the columns aligned right (numbers); ``marked`` the body rows highlighted.
    """
    body = [[_p(v, _CELL_R if i in right else _CELL) for i, v in enumerate(r)] for r in rows]
    head = [_p(h, _HEAD_R if i in right else _HEAD) for i, h in enumerate(header)]
    table = Table([head, *body], colWidths=list(widths), repeatRows=1)
    commands: list[tuple[Any, ...]] = [
        _CELL_FONT,
        ("BACKGROUND", (0, 0), (-1, 0), _BLUE),
        ("LINEBELOW", (0, 0), (-1, -1), 0.4, _RULE),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 0), (-1, -1), 2.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
    ]
    commands += [("BACKGROUND", (0, i), (-1, i), _STRIPE) for i in range(2, len(body) + 1, 2)]
    commands += [("BACKGROUND", (0, i + 1), (-1, i + 1), _MARK) for i in marked]
    table.setStyle(TableStyle(commands))
    return table


def _image(png: bytes | None, width: float = _WIDTH) -> Flowable:
    """A chart picture scaled to ``width`` (aspect kept), or the no-data line."""
    if png is None:
        return _no_data()
    image = Image(io.BytesIO(png))
    scale = width / image.imageWidth
    image.drawWidth, image.drawHeight = width, image.imageHeight * scale
    return image


def _section(title: str, *content: Flowable) -> list[Flowable]:
    return [KeepTogether([_p(title, _H2), *content[:1]]), *content[1:]]


def _title_block(report: MonthlyReport) -> list[Flowable]:
    stamp = to_kst(report.generated_at) or report.generated_at
    return [
        _p(report.title, _TITLE),
        _p(f"{report.office} · {report.month_label}", _style("sub", 11, leading=16)),
        _p(f"작성 {_when(stamp)} (한국 시간)", _NOTE),
        Spacer(1, 6),
    ]


def _when(stamp: datetime) -> str:
    return stamp.strftime("%Y-%m-%d %H:%M")


def _key_figures(report: MonthlyReport) -> Table:
    v, d, s = report.volume, report.deadlines, report.satisfaction
    tiles = [
        (_int(v.received), "접수"),
        (_int(v.answered), "답변"),
        (_int(v.open_at_end), "월말 미결"),
        (_pct(d.share_met), "처리기한 준수율"),
        (_num(s.csat.value), f"만족도 CSAT (n={s.csat.n:,})"),
        (_num(s.nps.value, 1), f"NPS (n={s.nps.n:,})"),
    ]
    cells = [[_p(value, _TILE_VALUE), _p(label, _TILE_LABEL)] for value, label in tiles]
    grid = [cells[0:3], cells[3:6]]
    table = Table(grid, colWidths=[_WIDTH / 3] * 3)
    table.setStyle(TableStyle([
        _CELL_FONT,
        ("BOX", (0, 0), (-1, -1), 0.6, _RULE),
        ("INNERGRID", (0, 0), (-1, -1), 0.6, _RULE),
        ("BACKGROUND", (0, 0), (-1, -1), _STRIPE),
        ("TOPPADDING", (0, 0), (-1, -1), 6),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 6),
    ]))  # fmt: skip
    return table


def _breakdown(title: str, pairs: Sequence[tuple[str, int]], width: float) -> Flowable:
    if not pairs:
        return _p(f"{title}: {NO_DATA}", _BODY)
    total = sum(count for _, count in pairs)
    rows = [[label, _int(n), _pct(n / total if total else None)] for label, n in pairs]
    rows.append(["합계", _int(total), _pct(1.0 if total else None)])
    return _table([title, "건수", "비율"], rows, [width * 0.5, width * 0.25, width * 0.25],
                  right=(1, 2))  # fmt: skip


def _volume(report: MonthlyReport) -> list[Flowable]:
    v = report.volume
    if not (v.received or v.answered or v.closed or v.open_at_end or v.by_channel
            or v.by_category):  # fmt: skip
        return _section("1. 접수·처리 현황", _no_data())
    summary = _table(["접수", "답변", "종결", "월말 미결"],
                     [[_int(v.received), _int(v.answered), _int(v.closed), _int(v.open_at_end)]],
                     [_WIDTH / 4] * 4, right=(0, 1, 2, 3))  # fmt: skip
    half = (_WIDTH - 8 * mm) / 2
    cells = [_breakdown("채널", v.by_channel, half), _breakdown("분류", v.by_category, half)]
    pair = Table([cells], colWidths=[half + 4 * mm, half + 4 * mm])
    pair.setStyle(TableStyle([_CELL_FONT, ("VALIGN", (0, 0), (-1, -1), "TOP"),
                              ("LEFTPADDING", (0, 0), (-1, -1), 0)]))  # fmt: skip
    return _section("1. 접수·처리 현황", summary, Spacer(1, 6), pair, Spacer(1, 6),
                    _image(charts.daily_png(report.daily)))  # fmt: skip


def _deadlines(report: MonthlyReport) -> list[Flowable]:
    d = report.deadlines
    if not d.due and d.avg_days_to_answer is None:
        return _section("2. 처리기한 준수", _no_data())
    table = _table(["기한 도래", "기한 내 처리", "기한 초과", "준수율", "평균 처리일수"],
                   [[_int(d.due), _int(d.met), _int(d.missed), _pct(d.share_met),
                     _num(d.avg_days_to_answer, 1) + ("일" if d.avg_days_to_answer else "")]],
                   [_WIDTH / 5] * 5, right=range(5))  # fmt: skip
    return _section("2. 처리기한 준수", table)


def _satisfaction(report: MonthlyReport) -> list[Flowable]:
    s = report.satisfaction
    if s.is_empty:
        return _section("3. 만족도", _no_data())
    w = _WIDTH
    rows = [
        ["만족도 CSAT (1–5점 평균)", _num(s.csat.value), _range(s.csat.low, s.csat.high),
         _int(s.csat.n)],
        ["상위 2점 비율 (4·5점)", _pct(s.top2.value),
         _range(_mul(s.top2.low), _mul(s.top2.high), "{:.1f}%"), _int(s.top2.n)],
        ["순추천지수 NPS", _num(s.nps.value, 1), _range(s.nps.low, s.nps.high, "{:.1f}"),
         _int(s.nps.n)],
    ]  # fmt: skip
    overall = _table(["지표", "값", "95% 신뢰구간", "응답 수"], rows,
                     [w * 0.4, w * 0.17, w * 0.26, w * 0.17], right=(1, 2, 3))  # fmt: skip
    rate = f"응답률 {_pct(s.response_rate)}"
    if s.invited:
        rate += f" (발송 {s.invited:,}건)"
    if s.uninvited:
        rate += f" · 초대 없이 응답 {s.uninvited:,}건(키오스크·해피콜·현장 참여 번호, 응답률 제외)"
    parts: list[Flowable] = [overall, _p(rate, _NOTE), Spacer(1, 6)]
    if s.units:
        unit_rows = [[u.unit, _int(u.n), _num(u.csat), _range(u.low, u.high), _num(u.nps, 1)]
                     for u in s.units]  # fmt: skip
        parts.append(_table(["부서", "응답 수", "CSAT", "95% 신뢰구간", "NPS"], unit_rows,
                            [w * 0.34, w * 0.14, w * 0.14, w * 0.24, w * 0.14],
                            right=(1, 2, 3, 4)))  # fmt: skip
        png = charts.unit_csat_png(s.units)
        if png is not None:
            parts += [Spacer(1, 6), _image(png)]
    return _section("3. 만족도", *parts)


def _mul(value: float | None) -> float | None:
    return None if value is None else 100 * value


def _ranking(report: MonthlyReport) -> list[Flowable]:
    r = report.ranking
    if not r.rows:
        return _section("4. 순위", _no_data())
    w = _WIDTH
    rows = [[_int(row.rank), row.name, _int(row.n), _num(row.score, TIE_DECIMALS),
             row.status or _DASH, _signed(row.movement, "▲", "▼")] for row in r.rows]  # fmt: skip
    marked = [i for i, row in enumerate(r.rows) if r.highlight and row.name == r.highlight]
    table = _table(["순위", "기관·부서", "응답 수", "점수", "상태", "변동"], rows,
                   [w * 0.09, w * 0.33, w * 0.13, w * 0.13, w * 0.2, w * 0.12],
                   right=(0, 2, 3, 5), marked=marked)  # fmt: skip
    parts: list[Flowable] = [table]
    if r.basis:
        parts.append(_p(f"순위 기준: {r.basis}", _NOTE))
    return _section("4. 순위", *parts)


def _causes(report: MonthlyReport) -> list[Flowable]:
    causes = report.causes_in_pareto_order()
    if not causes:
        return _section("5. 주요 원인", _no_data())
    w = _WIDTH
    total = sum(c.count for c in causes)
    rows = [[str(i), c.label, _int(c.count), _pct(c.count / total if total else None),
             _signed(c.change), "\n".join(f"· {e}" for e in c.examples) or _DASH]
            for i, c in enumerate(causes, start=1)]  # fmt: skip
    table = _table(["순", "원인", "건수", "비율", "전월 대비", "사례 (개인정보 가림)"], rows,
                   [w * 0.06, w * 0.2, w * 0.1, w * 0.1, w * 0.11, w * 0.43],
                   right=(0, 2, 3, 4))  # fmt: skip
    return _section("5. 주요 원인", _image(charts.pareto_png(causes)), Spacer(1, 6), table)


def _actions(report: MonthlyReport) -> list[Flowable]:
    if not report.actions:
        return _section("6. 반영 조치", _no_data())
    w = _WIDTH
    rows = [[a.title, a.status, a.owner or _DASH, a.due.isoformat() if a.due else _DASH,
             _int(a.voices)] for a in report.actions]  # fmt: skip
    table = _table(["조치", "상태", "담당", "기한", "관련 민원"], rows,
                   [w * 0.42, w * 0.13, w * 0.17, w * 0.15, w * 0.13], right=(4,))  # fmt: skip
    return _section("6. 반영 조치", table)


def _quality(report: MonthlyReport) -> list[Flowable]:
    q = report.quality
    title = "7. 응대 품질 (점검표·암행 점검·약속)"
    if q.is_empty:
        return _section(title, _no_data())
    w = _WIDTH
    kinds = [["전체", _int(q.checks), _pct(q.compliance)]]
    kinds += [[k.label, _int(k.checks), _pct(k.compliance)] for k in q.kinds]
    kinds += [["약속 이행 (점검표)", _DASH, _pct(q.promise_kept)],
              ["약속 이행 (설문)", _int(q.survey_promise_n), _pct(q.survey_promise)]]  # fmt: skip
    parts: list[Flowable] = [
        _table(["구분", "건수", "준수율"], kinds, [w * 0.5, w * 0.2, w * 0.3], right=(1, 2))
    ]
    if q.units:
        rows = [[u.unit + (" (표본 적음)" if u.small else ""), _int(u.checks), _pct(u.compliance),
                 _int(u.mystery), _pct(u.mystery_compliance), u.promise or _DASH,
                 _pct(u.promise_kept)] for u in q.units]  # fmt: skip
        parts += [Spacer(1, 6), _table(
            ["부서", "점검", "준수율", "암행", "암행 준수율", "약속", "약속 이행"], rows,
            [w * 0.17, w * 0.08, w * 0.11, w * 0.08, w * 0.12, w * 0.31, w * 0.13],
            right=(1, 2, 3, 4, 6))]  # fmt: skip
    if q.missed:
        rows = [[str(i), m.stage, m.label, f"{m.missed:,} / {m.marked:,}"]
                for i, m in enumerate(q.missed, start=1)]  # fmt: skip
        parts += [Spacer(1, 6), _p("자주 놓친 항목", _BODY), _table(
            ["순", "단계", "항목", "놓침 / 표시"], rows,
            [w * 0.06, w * 0.12, w * 0.6, w * 0.22], right=(0, 3))]  # fmt: skip
    parts += [Spacer(1, 4), _p(q.basis, _BODY)]
    return _section(title, *parts)


def _small(text: str, small: bool) -> str:
    return f"{text} (표본 적음)" if small else text


def _practice(report: MonthlyReport) -> list[Flowable]:
    """Role-play per unit and rubric item, incidents per unit (no staff names), and each
    unit's compliance, practice, incidents and CSAT side by side, with the caveat."""
    q = report.quality
    title = "8. 연습과 만족도 (역할극·특이민원)"
    if q.practice_empty:
        return _section(title, _no_data())
    w = _WIDTH
    parts: list[Flowable] = []
    if q.beside:
        rows = [[b.unit, _small(_pct(b.compliance), b.checks_small and b.compliance is not None),
                 _int(b.checks), _small(_int(b.sessions), b.sessions_small and b.sessions > 0),
                 _num(b.practice_score), _int(b.incidents),
                 _small(_num(b.csat), b.csat_small and b.csat is not None), _int(b.answers)]
                for b in q.beside]  # fmt: skip
        parts += [_p("부서별 연습과 만족도 (나란히 보기, 인과 아님)", _BODY), _table(
            ["부서", "준수율", "점검", "역할극", "관찰 점수", "특이민원", "CSAT", "응답"], rows,
            [w * 0.16, w * 0.15, w * 0.07, w * 0.15, w * 0.1, w * 0.09, w * 0.18, w * 0.1],
            right=(1, 2, 3, 4, 5, 6, 7))]  # fmt: skip
    if q.roleplay:
        rows = [[_small(u.unit, u.small), _int(u.sessions), _int(u.participants), _num(u.mean),
                 ", ".join(f"{i.label} {_num(i.mean)}" for i in u.items) or _DASH]
                for u in q.roleplay]  # fmt: skip
        parts += [Spacer(1, 6), _p("역할극 연습", _BODY), _table(
            ["부서", "횟수", "참가", "관찰 평균", "항목별 관찰 평균"], rows,
            [w * 0.2, w * 0.08, w * 0.08, w * 0.12, w * 0.52], right=(1, 2, 3))]  # fmt: skip
    if q.roleplay_items:
        rows = [[i.label, _num(i.mean), _int(i.n)] for i in q.roleplay_items]
        parts += [Spacer(1, 6), _table(["채점 항목 (전체)", "관찰 평균", "점수 수"], rows,
                                       [w * 0.5, w * 0.25, w * 0.25], right=(1, 2))]  # fmt: skip
    if q.incidents:
        rows = [[i.unit, _int(i.incidents),
                 ", ".join(f"{k} {n}" for k, n in i.by_channel) or _DASH,
                 f"{i.reported:,} / {i.incidents:,}", f"{i.supported:,} / {i.incidents:,}",
                 ", ".join(f"{k} {n}" for k, n in i.support) or _DASH]
                for i in q.incidents]  # fmt: skip
        parts += [Spacer(1, 6), _p("특이민원 (직원 이름 없음)", _BODY), _table(
            ["부서", "건수", "경로", "수사기관 신고", "직원 지원", "지원 내용"], rows,
            [w * 0.18, w * 0.08, w * 0.18, w * 0.14, w * 0.12, w * 0.3],
            right=(1, 3, 4))]  # fmt: skip
    parts += [Spacer(1, 4), _p(q.practice_basis, _BODY)]
    return _section(title, *parts)


def _canvas_class(footer: str) -> type[Canvas]:
    """A canvas that writes ``footer`` and "N / M 쪽" on every page once the count is known."""

    class NumberedCanvas(Canvas):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            kwargs["initialFontName"] = FONT  # no stray, unembedded Helvetica
            super().__init__(*args, **kwargs)
            self._pages: list[dict[str, Any]] = []

        def showPage(self) -> None:  # noqa: N802 - ReportLab's name
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self._pages)
            for number, state in enumerate(self._pages, start=1):
                self.__dict__.update(state)
                self.setFont(FONT, 7.5)
                self.setFillColor(_MUTED)
                self.drawString(18 * mm, 10 * mm, footer)
                self.drawRightString(A4[0] - 18 * mm, 10 * mm, f"{number} / {total} 쪽")
                super().showPage()
            super().save()

    return NumberedCanvas


def render_pdf(report: MonthlyReport) -> bytes:
    """The report as PDF bytes (A4 portrait, Hangul in embedded NanumGothic).

    What a CS manager prints or mails to the office head each month: key figures, the tables
    of every section and their charts, so the PDF stands alone without minwon at hand.
    """
    register_fonts()
    buf = io.BytesIO()
    doc = SimpleDocTemplate(
        buf,
        pagesize=A4,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=16 * mm,
        bottomMargin=18 * mm,
        title=report.title,
        author=report.office,
        subject=f"{report.office} {report.month_label} 고객만족(CS) 보고서",
        creator="minwon",
    )
    story: list[Flowable] = [*_title_block(report), _key_figures(report)]
    sections = (
        _volume, _deadlines, _satisfaction, _ranking, _causes, _actions, _quality, _practice
    )  # fmt: skip
    for section in sections:
        story += section(report)
    footer = f"{report.office} · {report.month_label} · {report.title}"
    doc.build(story, canvasmaker=_canvas_class(footer))
    return buf.getvalue()
