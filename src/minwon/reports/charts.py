"""PNG charts for the PDF report, drawn with matplotlib's object API and the NanumGothic font.

Each function returns PNG bytes, or None when there is nothing to draw (the PDF then prints
"자료가 없습니다" instead). Figures are ``matplotlib.figure.Figure`` objects (never pyplot: no
global figure state), and the Korean font is passed to every text element rather than set in
matplotlib's process-wide rcParams, so charts can be drawn from several threads while the web
pages draw their own. The font is registered once by ``minwon.web.charts.korean_font``.
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

from minwon.reports.document import Cause, DailyCount, UnitSatisfaction
from minwon.web.charts import korean_font

if TYPE_CHECKING:  # pragma: no cover - typing only
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["daily_png", "pareto_png", "unit_csat_png"]

DPI = 150
_BLUE, _RED, _GREEN, _MUTED, _INK, _GRID = (
    "#1f4e8c",
    "#c62828",
    "#1e7a45",
    "#6b7685",
    "#1b2330",
    "#dde2e9",
)
_MAX_CAUSES = 15
_LABEL_CHARS = 10


def _figure(width: float, height: float) -> tuple[Figure, Axes, str]:
    from matplotlib.figure import Figure

    family = korean_font()
    fig = Figure(figsize=(width, height), dpi=DPI, layout="constrained")
    ax = fig.add_subplot()
    _style(ax, family)
    return fig, ax, family


def _style(ax: Axes, family: str) -> None:
    ax.tick_params(labelfontfamily=family, labelsize=8, colors=_MUTED, labelcolor=_INK)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    for side in ("left", "bottom"):
        ax.spines[side].set_color(_MUTED)


def _png(fig: Figure) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI, metadata={"Software": None})
    return buf.getvalue()


def _short(text: str, limit: int = _LABEL_CHARS) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def daily_png(daily: Sequence[DailyCount], *, title: str = "일별 접수·답변 추이") -> bytes | None:
    """A line chart of voices received and answered per day, so a reader sees peaks and lags.

    None when there are no days or every count is zero.
    """
    if not daily or not any(d.received or d.answered for d in daily):
        return None
    fig, ax, family = _figure(6.8, 2.6)
    xs = [d.day.day for d in daily]
    ax.plot(xs, [d.received for d in daily], color=_BLUE, marker="o", markersize=2.5,
            linewidth=1.6, label="접수")  # fmt: skip
    ax.plot(xs, [d.answered for d in daily], color=_GREEN, marker="s", markersize=2.5,
            linewidth=1.6, label="답변")  # fmt: skip
    ax.set_xlabel("일", fontfamily=family, fontsize=8, color=_INK)
    ax.set_ylabel("건수", fontfamily=family, fontsize=8, color=_INK)
    ax.set_xlim(min(xs) - 0.5, max(xs) + 0.5)
    ax.set_ylim(bottom=0)
    ax.grid(axis="y", color=_GRID, linewidth=0.7)
    ax.legend(prop={"family": family, "size": 8}, frameon=False, loc="lower right",
              bbox_to_anchor=(1.0, 1.0), ncols=2, borderaxespad=0.2)  # fmt: skip
    ax.set_title(title, fontfamily=family, fontsize=10, color=_INK, loc="left")
    return _png(fig)


def pareto_png(causes: Sequence[Cause], *, title: str = "원인별 파레토 분석") -> bytes | None:
    """A Pareto chart of causes: bars by count and the cumulative share on a second axis.

    Shows which few causes make most of the voices (a dashed line marks 80 %). ``causes``
    should already be in Pareto order; beyond 15 the smallest are folded into one bar.
    None when there are no causes or all counts are zero.
    """
    items = [(c.label, c.count) for c in causes]
    total = sum(count for _, count in items)
    if not items or total <= 0:
        return None
    if len(items) > _MAX_CAUSES:
        rest = items[_MAX_CAUSES - 1 :]
        items = [*items[: _MAX_CAUSES - 1], (f"그 외 {len(rest)}개", sum(c for _, c in rest))]
    fig, ax, family = _figure(6.8, 3.0)
    xs = list(range(len(items)))
    counts = [count for _, count in items]
    bars = ax.bar(xs, counts, color=_BLUE, width=0.65)
    ax.bar_label(bars, labels=[f"{c:,}" for c in counts], fontsize=7, color=_INK, padding=1)
    ax.set_xticks(xs, [_short(label) for label, _ in items], fontfamily=family, fontsize=7,
                  rotation=30 if len(items) > 5 else 0, ha="right" if len(items) > 5 else "center",
                  rotation_mode="anchor")  # fmt: skip
    ax.set_ylabel("건수", fontfamily=family, fontsize=8, color=_INK)
    ax.set_ylim(0, max(counts) * 1.15)
    share = ax.twinx()
    running = 0
    cumulative = []
    for count in counts:
        running += count
        cumulative.append(100 * running / total)
    share.plot(xs, cumulative, color=_RED, marker="o", markersize=3, linewidth=1.4)
    share.axhline(80, color=_MUTED, linestyle="--", linewidth=0.8)
    share.set_ylim(0, 105)
    share.set_ylabel("누적 비율 (%)", fontfamily=family, fontsize=8, color=_INK)
    _style(share, family)
    share.spines["right"].set_visible(True)
    ax.set_title(title, fontfamily=family, fontsize=10, color=_INK, loc="left")
    return _png(fig)


def unit_csat_png(
    units: Sequence[UnitSatisfaction], *, title: str = "부서별 만족도 (95% 신뢰구간)"
) -> bytes | None:
    """Each unit's CSAT as a point with its 95 % interval, on the 1–5 scale.

    Makes plain which differences between units are real and which are within the noise of
    small samples. Units without a CSAT are left out; None when no unit has one.
    """
    rows = [u for u in units if u.csat is not None][:20]
    if not rows:
        return None
    fig, ax, family = _figure(6.8, max(1.6, 0.7 + 0.28 * len(rows)))
    ys = list(range(len(rows)))
    values = [float(u.csat or 0.0) for u in rows]
    lows = [v - (u.low if u.low is not None else v) for u, v in zip(rows, values, strict=True)]
    highs = [(u.high if u.high is not None else v) - v for u, v in zip(rows, values, strict=True)]
    ax.errorbar(values, ys, xerr=[lows, highs], fmt="o", color=_BLUE, ecolor=_MUTED,
                elinewidth=1.2, capsize=3, markersize=4, clip_on=False)  # fmt: skip
    ax.set_yticks(ys, [f"{_short(u.unit, 12)} (n={u.n:,})" for u in rows], fontfamily=family,
                  fontsize=8)  # fmt: skip
    ax.invert_yaxis()
    lowest = min(v - d for v, d in zip(values, lows, strict=True))
    ax.set_xlim(max(1.0, math.floor(2 * lowest - 0.3) / 2), 5.06)  # zoomed to the data
    ax.set_xlabel("CSAT (1–5점)", fontfamily=family, fontsize=8, color=_INK)
    ax.grid(axis="x", color=_GRID, linewidth=0.7)
    ax.set_title(title, fontfamily=family, fontsize=10, color=_INK, loc="left")
    return _png(fig)
