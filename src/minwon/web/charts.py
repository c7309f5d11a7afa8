"""Server-side charts as inline SVG, with Hangul drawn from the NanumGothic font.

Charts are drawn with matplotlib's object API (``matplotlib.figure.Figure``, never pyplot, so
no global figure state) and saved as SVG with every glyph turned into a path
(``svg.fonttype = "path"``): a page shows Korean labels the same on every device, with no
font on the client. The font is the NanumGothic TTF shipped by the ``koreanize-matplotlib``
package, located on disk and registered with matplotlib once; that package is not imported,
because its import touches pyplot.

matplotlib's settings (rcParams) are process-global, so charts are drawn one at a time under a
lock; a chart takes a few tens of milliseconds. matplotlib itself is imported on first use.

Each function returns one ``<svg>`` element ready to put inside HTML: no XML prolog, width
100 % with the ``viewBox`` kept (it scales with its container), ``role="img"`` and an
``aria-label`` with the title (the kind of chart when untitled). Element ids are made unique
per chart, so several charts can share a page. Empty input gives a small "자료가 없습니다"
(no data) picture instead of an error.
"""

from __future__ import annotations

import html
import io
import logging
import math
import threading
from collections.abc import Callable, Mapping, Sequence
from functools import lru_cache
from importlib.util import find_spec
from pathlib import Path
from typing import TYPE_CHECKING, Any
from unicodedata import east_asian_width

from minwon.web import inline_svg

if TYPE_CHECKING:  # pragma: no cover - typing only
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure
    from matplotlib.typing import RcKeyType

__all__ = [
    "MAX_BARS",
    "NO_DATA",
    "CHART_WORDS",
    "PARETO_WORDS",
    "bar_svg",
    "font_path",
    "korean_font",
    "line_svg",
    "pareto_svg",
]

log = logging.getLogger(__name__)

NO_DATA = "자료가 없습니다"
MAX_BARS = 30
"""Most bars drawn; a Pareto chart folds the rest into one bar, a bar chart leaves them out."""

_MAX_LINES = 10
_MAX_XTICKS = 12
_LABEL_CHARS = 16
_OTHER_LABELS = frozenset({"기타", "그 외"})
_FALLBACK_FAMILY = "DejaVu Sans"
_COLORS = ["#1f4e8c", "#c62828", "#1e7a45", "#a15c00", "#6b7685", "#7b3fa0", "#0f7c8c"]
_INK, _MUTED, _LINE = "#1b2330", "#6b7685", "#dde2e9"

_lock = threading.Lock()
_family: str | None = None


def font_path() -> Path | None:
    """The NanumGothic TTF file of the ``koreanize-matplotlib`` package, or None if absent."""
    spec = find_spec("koreanize_matplotlib")
    for folder in (spec.submodule_search_locations or []) if spec else []:
        path = Path(folder) / "fonts" / "NanumGothic.ttf"
        if path.is_file():
            return path
    return None


def korean_font() -> str:
    """The font family charts use: NanumGothic, registered with matplotlib on first call.

    Falls back to matplotlib's own DejaVu Sans (Hangul then shows as boxes) with a logged
    warning if the font file is missing, so a broken install degrades a chart, not a page.
    """
    global _family
    if _family is None:
        with _lock:
            if _family is None:
                _family = _register_font()
    return _family


def _register_font() -> str:
    from matplotlib import font_manager

    path = font_path()
    if path is None:
        log.warning("NanumGothic not found (koreanize-matplotlib); charts fall back to %s",
                    _FALLBACK_FAMILY)  # fmt: skip
        return _FALLBACK_FAMILY
    files = [str(f) for f in (path, path.with_name("NanumGothicExtraBold.ttf")) if f.is_file()]
    manager = font_manager.fontManager
    # matplotlib takes the first of equally good matches: put these files ahead of any copy of
    # the family installed on the system; addfont then also clears matplotlib's lookup cache
    manager.ttflist[:0] = [font_manager.ttfFontProperty(font_manager.get_font(f)) for f in files]
    for file in files:
        manager.addfont(file)
    return font_manager.FontProperties(fname=str(path)).get_name()


CHART_WORDS = ("외 {n}개 생략", NO_DATA)
"""A bar or line chart's own words, in Korean unless the caller gives others: the note on
bars left out (``{n}`` of them) and the no-data picture."""

PARETO_WORDS = ("건수", "누적 비율 (%)", "그 외 {n}개", NO_DATA)
"""A Pareto chart's own words, in Korean unless the caller gives others: the count axis, the
cumulative share axis, the folded bar (``{n}`` causes) and the no-data picture."""


def _pareto_svg(
    labels: Sequence[str],
    counts: Sequence[int],
    *,
    title: str = "",
    words: tuple[str, str, str, str] = PARETO_WORDS,
) -> str:
    """A Pareto chart: bars in descending order and the cumulative share on a second axis.

    Shows at a glance which few causes make most of the voices; a dashed line marks 80 %. A
    bar labelled "기타" (other) stays last, as Pareto charts do; beyond ``MAX_BARS`` causes
    the smallest are folded into one "그 외 N개" bar. All-zero or empty counts give the
    no-data picture.
    """
    count_label, share_label, more, no_data = words
    _same_length(labels, counts)
    if any(c < 0 for c in counts):
        raise ValueError("counts must not be negative")
    items = sorted(
        zip(labels, counts, strict=True), key=lambda lc: (str(lc[0]) in _OTHER_LABELS, -lc[1])
    )
    if not items or sum(c for _, c in items) <= 0:
        return _no_data(title, no_data)
    if len(items) > MAX_BARS:
        kept, rest = items[: MAX_BARS - 1], items[MAX_BARS - 1 :]
        items = [*kept, (more.format(n=len(rest)), sum(c for _, c in rest))]
    names = [_short(lab) for lab, _ in items]
    values = [c for _, c in items]
    total = sum(values)
    cumulative = [100 * sum(values[: i + 1]) / total for i in range(len(values))]
    size = (7.2, 3.8)
    right = 14 + _width("100", _TICK_PT) + _LABEL_PT
    frame = _category_frame(names, size, left=16 + _number_width(max(values)),
                            right=right, title=title)  # fmt: skip

    def draw(fig: Figure) -> None:
        ax = fig.add_axes(frame.rect)
        xs = range(len(values))
        bars = ax.bar(xs, values, color=_COLORS[0], width=0.7)
        if len(values) <= 15:
            ax.bar_label(bars, labels=[f"{v:,}" for v in values], fontsize=_SMALL_PT, color=_INK)
        ax.set_ylabel(count_label)
        ax.set_ylim(0, max(values) * 1.12)
        frame.ticks(ax, names)
        share = ax.twinx()
        share.plot(xs, cumulative, color=_COLORS[1], marker="o", markersize=3, linewidth=1.5)
        share.axhline(80, color=_MUTED, linestyle="--", linewidth=1)
        share.set_ylim(0, 105)
        share.set_ylabel(share_label)
        _style(ax, title)
        share.spines["top"].set_visible(False)

    return _render(draw, title or "파레토 차트", size)


def _bar_svg(
    labels: Sequence[str],
    values: Sequence[float],
    *,
    title: str = "",
    horizontal: bool = True,
    words: tuple[str, str] = CHART_WORDS,
) -> str:
    """A bar chart of values in the order given (the caller sorts), horizontal by default.

    Horizontal bars read best with long Korean labels. Only the first ``MAX_BARS`` items are
    drawn (a note tells how many were left out); values may be negative or fractional, and a
    missing (NaN) value draws no bar.
    """
    _same_length(labels, values)
    if not labels:
        return _no_data(title, words[1])
    omitted = max(0, len(labels) - MAX_BARS)
    names = [_short(lab) for lab in labels[:MAX_BARS]]
    raw = [float(v) for v in values[:MAX_BARS]]
    nums = [v if math.isfinite(v) else 0.0 for v in raw]
    shown = [_number(v) if math.isfinite(v) else "" for v in raw]
    note = 14 if omitted else 0
    if horizontal:
        size = (7.2, max(2.2, 0.9 + 0.28 * len(names)))
        frame = _Frame(
            size,
            left=14 + max(_width(n, _TICK_PT) for n in names),
            right=16 + max(_width(t, _SMALL_PT) for t in shown),
            bottom=24 + note,
            top=_top(title),
        )
    else:
        size = (7.2, 3.8)
        frame = _category_frame(names, size, left=14 + _number_width(max(map(abs, nums))),
                                right=14, title=title, extra_bottom=note)  # fmt: skip

    def draw(fig: Figure) -> None:
        ax = fig.add_axes(frame.rect)
        pos = range(len(nums))
        if horizontal:
            bars = ax.barh(pos, nums, color=_COLORS[0], height=0.7)
            ax.set_yticks(pos, names)
            ax.invert_yaxis()
            ax.axvline(0, color=_MUTED, linewidth=0.8)
            ax.margins(x=0.08)
        else:
            bars = ax.bar(pos, nums, color=_COLORS[0], width=0.7)
            frame.ticks(ax, names)
            ax.axhline(0, color=_MUTED, linewidth=0.8)
            ax.margins(y=0.1)
        if horizontal or len(nums) <= 15:
            ax.bar_label(bars, labels=shown, fontsize=_SMALL_PT, color=_INK, padding=2)
        if omitted:
            fig.text(0.99, 0.01, words[0].format(n=f"{omitted:,}"), ha="right", va="bottom",
                     fontsize=_SMALL_PT, color=_MUTED)  # fmt: skip
        _style(ax, title)

    return _render(draw, title or "막대 차트", size)


def _line_svg(
    x_labels: Sequence[str],
    series: Mapping[str, Sequence[float]],
    *,
    title: str = "",
    words: tuple[str, str] = CHART_WORDS,
) -> str:
    """Lines over time: one line per series against shared x labels (e.g. weeks).

    Each series must have one value per x label (None or NaN leave a gap). At most ten series
    are drawn, with a legend above the plot when there is more than one; x labels are thinned
    to about a dozen so long ranges stay legible.
    """
    if not x_labels or not series:
        return _no_data(title, words[1])
    for name, values in series.items():
        if len(values) != len(x_labels):
            raise ValueError(f"series {name!r} has {len(values)} values for {len(x_labels)} labels")
    lines = [
        (_short(name), [math.nan if v is None else float(v) for v in values])
        for name, values in list(series.items())[:_MAX_LINES]
    ]
    step = max(1, math.ceil(len(x_labels) / _MAX_XTICKS))
    ticks = list(range(0, len(x_labels), step))
    tick_labels = [_short(x_labels[t]) for t in ticks]
    finite = [abs(v) for _, ys in lines for v in ys if math.isfinite(v)] or [0.0]
    legend_rows = math.ceil(len(lines) / 4) if len(lines) > 1 else 0
    size = (7.2, 3.4)
    frame = _Frame(size, left=14 + _number_width(max(finite)), right=14, bottom=0,
                   top=_top(title) + 16 * legend_rows)  # fmt: skip
    frame.fit_ticks(tick_labels, [(t + 0.5) / len(x_labels) for t in ticks], size=_SMALL_PT)

    def draw(fig: Figure) -> None:
        ax = fig.add_axes(frame.rect)
        xs = range(len(x_labels))
        for i, (name, ys) in enumerate(lines):
            ax.plot(xs, ys, label=name, color=_COLORS[i % len(_COLORS)], linewidth=1.8,
                    marker="o" if len(xs) <= 40 else None, markersize=3)  # fmt: skip
        ax.set_xticks(ticks)
        frame.ticks(ax, tick_labels, size=_SMALL_PT, positions=ticks)
        ax.grid(axis="y", color=_LINE, linewidth=0.8)
        if legend_rows:
            ax.legend(loc="lower left", bbox_to_anchor=(0, 1.01), fontsize=_SMALL_PT, frameon=False,
                      ncols=min(len(lines), 4), borderaxespad=0)  # fmt: skip
        _style(ax, title, pad=6 + 16 * legend_rows)

    return _render(draw, title or "추이 차트", size)


_SMALL_PT = 11
"""The smallest text of a chart, in points (one point is one CSS pixel at the chart's natural
width, which the stylesheet keeps as its least width: 11 px stays legible on a phone)."""
_TICK_PT = 11
_LABEL_PT = 20
_SLANT = 35


class _Frame:
    """Where the plot area goes, worked out from the label sizes (in points) before drawing.

    matplotlib's automatic layouts measure every text by drawing the figure twice; estimating
    text widths from the characters (Hangul is about one em wide, Latin and digits about 0.6)
    is several times faster and good enough for labels cut to a fixed length.
    """

    def __init__(
        self, size: tuple[float, float], *, left: float, right: float, bottom: float, top: float
    ) -> None:
        self.width_pt, self.height_pt = size[0] * 72, size[1] * 72
        self.left, self.right, self.bottom, self.top = left, right, bottom, top
        self.angle = 0

    @property
    def axes_width(self) -> float:
        return self.width_pt - self.left - self.right

    @property
    def rect(self) -> tuple[float, float, float, float]:
        """The plot area as figure fractions (left, bottom, width, height)."""
        bottom = min(self.bottom, self.height_pt * 0.6)
        return (
            self.left / self.width_pt,
            bottom / self.height_pt,
            max(self.axes_width, 40) / self.width_pt,
            max(self.height_pt - bottom - self.top, 40) / self.height_pt,
        )

    def fit_ticks(self, names: list[str], where: list[float], *, size: float = _TICK_PT) -> None:
        """Room under the plot for category labels, slanted when they would overlap.

        ``where`` gives each label's position as a fraction of the plot width.
        """
        widths = [_width(n, size) for n in names]
        if sum(widths) <= 0.85 * self.axes_width:
            self.bottom += 12 + size * 1.3
            return
        gap = min((b - a for a, b in zip(where, where[1:], strict=False)), default=1.0)
        self.angle = _SLANT if gap * self.axes_width >= 2 * size else 90
        sin, cos = math.sin(math.radians(self.angle)), math.cos(math.radians(self.angle))
        self.bottom += 10 + max(widths) * sin + size * cos
        overflow = max(w * cos - x * self.axes_width for w, x in zip(widths, where, strict=True))
        self.left = max(self.left, overflow + 6)

    def ticks(
        self, ax: Axes, names: list[str], *, size: float = _TICK_PT, positions: Sequence[int] = ()
    ) -> None:
        """Put the category labels on ``ax`` as ``fit_ticks`` planned them."""
        ax.set_xticks(list(positions) or range(len(names)), names, fontsize=size,
                      rotation=self.angle, ha="right" if self.angle else "center",
                      va="center" if self.angle == 90 else "top",
                      rotation_mode="anchor")  # fmt: skip


def _category_frame(
    names: list[str],
    size: tuple[float, float],
    *,
    left: float,
    right: float,
    title: str,
    extra_bottom: float = 0,
) -> _Frame:
    """The frame of a vertical bar chart: one category per bar, labels under the bars."""
    frame = _Frame(size, left=left, right=right, bottom=extra_bottom, top=_top(title))
    n = len(names)
    span = n - 0.3
    where = [(i + 0.35 + 0.05 * span) / (1.1 * span) for i in range(n)]
    frame.fit_ticks(names, where)
    return frame


def _top(title: str) -> float:
    return 30 if title else 16


def _width(text: str, size: float) -> float:
    """Estimated width in points of ``text`` set in ``size``-point NanumGothic."""
    return size * sum(1.0 if east_asian_width(ch) in "WF" else 0.62 for ch in text)


def _number_width(largest: float) -> float:
    """Room for numeric tick labels up to ``largest`` and the axis label beside them."""
    digits = len(f"{largest:.0f}") if math.isfinite(largest) else 3
    return _width("-" + "0" * max(digits, 3) + ".0", _TICK_PT) + _LABEL_PT


def _render(draw: Callable[[Figure], None], label: str, size: tuple[float, float]) -> str:
    """Draw one figure with the Korean font and return it as an inline ``<svg>`` element.

    ``label`` is the chart's accessible name (its ``aria-label``).
    """
    from matplotlib import rc_context
    from matplotlib.figure import Figure

    family = korean_font()
    rc: dict[RcKeyType, Any] = {
        "font.family": [family, _FALLBACK_FAMILY],
        "font.size": _SMALL_PT,
        "svg.fonttype": "path",
        "axes.unicode_minus": False,
        "text.parse_math": False,
        "axes.edgecolor": _MUTED,
        "axes.labelcolor": _INK,
        "xtick.color": _MUTED,
        "ytick.color": _MUTED,
        "text.color": _INK,
    }
    buf = io.StringIO()
    with _lock, rc_context(rc):
        fig = Figure(figsize=size, dpi=72)
        draw(fig)
        fig.savefig(buf, format="svg", metadata={"Date": None})
    return inline_svg.for_html(buf.getvalue(), label)


def _no_data(title: str, no_data: str = NO_DATA) -> str:
    """The small picture shown instead of a chart when there is nothing to draw."""
    label = html.escape(f"{title} — {no_data}" if title else no_data, quote=True)
    heading = (
        f'<text x="12" y="24" font-size="14" font-weight="bold" fill="{_INK}">'
        f"{html.escape(title)}</text>"
        if title
        else ""
    )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 480 120" width="100%" '
        f'role="img" aria-label="{label}">'
        f'<rect x="0.5" y="0.5" width="479" height="119" rx="6" fill="#f4f6f9" '
        f'stroke="{_LINE}"/>{heading}'
        f'<text x="240" y="70" font-size="15" text-anchor="middle" fill="{_MUTED}" '
        f"font-family=\"NanumGothic, 'Malgun Gothic', 'Apple SD Gothic Neo', sans-serif\">"
        f"{html.escape(no_data)}</text></svg>\n"
    )


def _style(ax: Axes, title: str, *, pad: float = 6) -> None:
    """Common look: title left-aligned, no top/right frame."""
    if title:
        ax.set_title(title, loc="left", fontsize=13, fontweight="bold", color=_INK, pad=pad)
    ax.spines["top"].set_visible(False)
    ax.spines["right"].set_visible(False)
    ax.tick_params(length=3)


def _short(label: object) -> str:
    """A label cut to a readable length (the full text stays in the data, not the picture)."""
    text = " ".join(str(label).split())
    return text if len(text) <= _LABEL_CHARS else text[: _LABEL_CHARS - 1] + "…"


def _number(value: float) -> str:
    """A value as a bar label: whole numbers with thousands separators, else 3 significant."""
    if value.is_integer():
        return f"{int(value):,}"
    return f"{value:,.3g}"


def _same_length(labels: Sequence[Any], values: Sequence[Any]) -> None:
    if len(labels) != len(values):
        raise ValueError(f"{len(labels)} labels but {len(values)} values")


# Drawing a chart costs 50–150 ms while the data behind a page changes only when the rollups
# do, so the same chart is drawn once and served from memory until its data changes.


@lru_cache(maxsize=256)
def _pareto_memo(labels: tuple, counts: tuple, title: str, words: tuple[str, str, str, str]) -> str:
    return _pareto_svg(labels, counts, title=title, words=words)


@lru_cache(maxsize=256)
def _bar_memo(
    labels: tuple, values: tuple, title: str, horizontal: bool, words: tuple[str, str]
) -> str:
    return _bar_svg(labels, values, title=title, horizontal=horizontal, words=words)


@lru_cache(maxsize=256)
def _line_memo(x_labels: tuple, series: tuple, title: str, words: tuple[str, str]) -> str:
    return _line_svg(x_labels, dict(series), title=title, words=words)


def _hashable(*parts: object) -> bool:
    try:
        hash(parts)
    except TypeError:
        return False
    return True


def pareto_svg(
    labels: Sequence[str],
    counts: Sequence[int],
    *,
    title: str = "",
    words: tuple[str, str, str, str] = PARETO_WORDS,
) -> str:
    """A Pareto chart: bars in descending order and the cumulative share on a second axis.

    Shows at a glance which few causes make most of the voices; a dashed line marks 80 %. A
    bar labelled "기타" (other) stays last, as Pareto charts do; beyond ``MAX_BARS`` causes
    the smallest are folded into one "그 외 N개" bar. All-zero or empty counts give the
    no-data picture. ``words`` are the chart's own words in the reader's language (see
    ``PARETO_WORDS``). The same data is drawn once per process.
    """
    key = (tuple(labels), tuple(counts))
    if not _hashable(*key):
        return _pareto_svg(labels, counts, title=title, words=words)
    return inline_svg.fresh_ids(_pareto_memo(*key, title, words))


def bar_svg(
    labels: Sequence[str],
    values: Sequence[float],
    *,
    title: str = "",
    horizontal: bool = True,
    words: tuple[str, str] = CHART_WORDS,
) -> str:
    """A bar chart of values in the order given (the caller sorts), horizontal by default.

    Horizontal bars read best with long Korean labels. Only the first ``MAX_BARS`` items are
    drawn (a note tells how many were left out); values may be negative or fractional, and a
    missing (NaN) value draws no bar. ``words`` are the chart's own words in the reader's
    language (``CHART_WORDS``). The same data is drawn once per process.
    """
    key = (tuple(labels), tuple(values))
    if not _hashable(*key):
        return _bar_svg(labels, values, title=title, horizontal=horizontal, words=words)
    return inline_svg.fresh_ids(_bar_memo(*key, title, horizontal, words))


def line_svg(
    x_labels: Sequence[str],
    series: Mapping[str, Sequence[float]],
    *,
    title: str = "",
    words: tuple[str, str] = CHART_WORDS,
) -> str:
    """Lines over time: one line per series against shared x labels (e.g. weeks).

    Each series must have one value per x label (None or NaN leave a gap). At most ten series
    are drawn, with a legend above the plot when there is more than one; x labels are thinned
    to about a dozen so long ranges stay legible. ``words`` are the chart's own words in the
    reader's language (``CHART_WORDS``). The same data is drawn once per process.
    """
    frozen = tuple((name, tuple(values)) for name, values in series.items())
    key = (tuple(x_labels), frozen)
    if not _hashable(*key):
        return _line_svg(x_labels, series, title=title, words=words)
    return inline_svg.fresh_ids(_line_memo(*key, title, words))
