"""Inline SVG charts: one accessible, responsive <svg> element each, Hangul drawn from NanumGothic
as paths, no-data pictures, many labels, hostile labels, speed and threads."""

import re
import subprocess
import sys
import threading
import warnings
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path

import pytest

from minwon.web import charts
from minwon.web.charts import NO_DATA, bar_svg, font_path, korean_font, line_svg, pareto_svg

CAUSES = ["층간소음·소음·이웃", "쓰레기·무단투기", "가로등·고장·어둡다", "불법주차·단속", "기타"]
COUNTS = [40, 22, 12, 5, 8]
WEEKS = [f"{m}월 {w}주" for m in (3, 4) for w in range(1, 5)]
TRENDS = {"주차": [3, 4, 2, 5, 9, 12, 15, 14], "소음": [7, 6, 8, 7, 6, 7, 8, 7]}

CHARTS: dict[str, Callable[[str], str]] = {
    "pareto": lambda title: pareto_svg(CAUSES, COUNTS, title=title),
    "bar": lambda title: bar_svg(CAUSES, [4.2, 3.9, 3.1, 2.5, 4.8], title=title),
    "column": lambda title: bar_svg(CAUSES, COUNTS, title=title, horizontal=False),
    "line": lambda title: line_svg(WEEKS, TRENDS, title=title),
}


def _root(svg: str) -> ET.Element:
    return ET.fromstring(svg)


@pytest.mark.parametrize("kind", CHARTS)
def test_chart_is_one_accessible_responsive_svg_element(kind: str) -> None:
    svg = CHARTS[kind]("원인별 민원 (3월)")
    assert svg.startswith("<svg") and svg.rstrip().endswith("</svg>")
    assert "<?xml" not in svg and "<!DOCTYPE" not in svg
    root = _root(svg)
    assert root.get("role") == "img"
    assert root.get("aria-label") == "원인별 민원 (3월)"
    assert root.get("width") == "100%" and root.get("height") is None
    assert re.fullmatch(r"0 0 [\d.]+ [\d.]+", root.get("viewBox") or "")
    assert "<style" not in svg  # an inline <style> would restyle the whole page


@pytest.mark.parametrize("kind", CHARTS)
def test_hangul_is_drawn_as_nanumgothic_paths_without_warnings(kind: str, caplog) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        svg = CHARTS[kind]("원인별 민원")
    assert not [r for r in caplog.records if "font" in r.getMessage().lower()]
    assert "NanumGothic" in svg  # glyph outlines are named after the font they come from
    assert "<text" not in svg and "font-family" not in svg  # nothing left to the client's fonts


def test_a_missing_glyph_would_be_noticed() -> None:
    with pytest.warns(UserWarning, match="missing from font"):
        bar_svg(["몽골 문자 ᠠ"], [1])  # in neither NanumGothic nor DejaVu Sans


def test_font_family_resolves_to_the_packaged_nanumgothic() -> None:
    from matplotlib.font_manager import FontProperties, findfont

    path = font_path()
    assert path is not None and path.name == "NanumGothic.ttf"
    assert "koreanize_matplotlib" in path.parts
    assert korean_font() == "NanumGothic"
    found = findfont(FontProperties(family=korean_font()), fallback_to_default=False)
    assert Path(found) == path


def test_matplotlib_is_loaded_lazily_and_pyplot_never() -> None:
    code = (
        "import sys\n"
        "from minwon.web import charts\n"
        "print('matplotlib' in sys.modules)\n"
        "charts.pareto_svg(['주차'], [1])\n"
        "print('matplotlib.pyplot' in sys.modules, 'koreanize_matplotlib' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False", "False"]


@pytest.mark.parametrize(
    "make",
    [
        lambda: pareto_svg([], [], title="원인"),
        lambda: pareto_svg(["주차", "소음"], [0, 0], title="원인"),
        lambda: bar_svg([], [], title="원인"),
        lambda: line_svg([], {"주차": []}, title="원인"),
        lambda: line_svg(WEEKS, {}, title="원인"),
    ],
)
def test_empty_input_gives_the_no_data_picture(make: Callable[[], str]) -> None:
    svg = make()
    root = _root(svg)
    assert NO_DATA in svg and "원인" in root.get("aria-label", "")
    assert root.get("role") == "img" and root.get("width") == "100%"


def test_untitled_charts_still_have_an_accessible_name() -> None:
    assert _root(bar_svg([], [])).get("aria-label") == NO_DATA
    assert _root(pareto_svg(["주차"], [3])).get("aria-label") == "파레토 차트"
    assert _root(bar_svg(["주차"], [3])).get("aria-label") == "막대 차트"
    assert _root(line_svg(["1주"], {"주차": [3]})).get("aria-label") == "추이 차트"


def test_a_thousand_labels() -> None:
    labels = [f"원인 {i}번 항목" for i in range(1000)]
    values = list(range(1000, 0, -1))
    pareto = pareto_svg(labels, values, title="많은 원인")
    assert f"그 외 {1000 - charts.MAX_BARS + 1}개" in pareto  # the tail folded into one bar
    assert "외 970개 생략" in bar_svg(labels, values, title="많은 원인")
    assert "</svg>" in bar_svg(labels, values, horizontal=False)
    assert "</svg>" in line_svg(labels, {"주차": values, "소음": values[::-1]})


def test_hostile_labels_and_titles() -> None:
    labels = ["요금 $5 → $7 인상", "<script>alert(1)</script>", "a\"b'c&d", "x" * 300, "  "]
    title = '제목 "<b>&'
    for svg in (
        pareto_svg(labels, [5, 4, 3, 2, 1], title=title),
        bar_svg(labels, [1.5, -2.0, float("nan"), 1e9, 0], title=title),
        line_svg(labels, {"$x$": [1, None, 3, float("nan"), 5]}, title=title),
    ):
        assert _root(svg).get("aria-label") == title
        assert "<script" not in svg and "<b>" not in svg


def test_ids_are_unique_per_chart() -> None:
    one, two = CHARTS["pareto"]("가"), CHARTS["pareto"]("가")
    ids_one = set(re.findall(r'\bid="([^"]+)"', one))
    ids_two = set(re.findall(r'\bid="([^"]+)"', two))
    assert ids_one and not ids_one & ids_two
    for ref in re.findall(r'href="#([^"]+)"|url\(#([^)]+)\)', one):
        assert (ref[0] or ref[1]) in ids_one


def test_mismatched_lengths_are_refused() -> None:
    with pytest.raises(ValueError):
        pareto_svg(["a", "b"], [1])
    with pytest.raises(ValueError):
        bar_svg(["a"], [1, 2])
    with pytest.raises(ValueError):
        line_svg(["a", "b"], {"s": [1]})
    with pytest.raises(ValueError):
        pareto_svg(["a"], [-1])


def test_threads_draw_their_own_charts() -> None:
    results: dict[int, str] = {}

    def work(i: int) -> None:
        results[i] = bar_svg([f"원인{i}"], [i + 1], title=f"차트 {i}")

    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [_root(results[i]).get("aria-label") for i in range(8)] == [
        f"차트 {i}" for i in range(8)
    ]


PHONE_CHART_PX = 519
"""The least width the stylesheet gives a chart (``.chart svg { min-width }``), in CSS px."""


@pytest.mark.parametrize("kind", sorted(CHARTS))
def test_every_text_of_a_chart_is_at_least_11_px_at_its_least_width(kind: str) -> None:
    svg = CHARTS[kind]("제목")
    width = float(re.search(r'viewBox="0 0 ([\d.]+) ', svg).group(1))  # type: ignore[union-attr]
    # matplotlib draws each glyph run scaled by its font size / 100
    sizes = [float(s) * 100 for s in re.findall(r"scale\(([\d.]+) -[\d.]+\)", svg)]
    assert sizes, "no text found"
    assert width <= PHONE_CHART_PX
    assert min(sizes) * PHONE_CHART_PX / width >= 11


def test_the_stylesheet_keeps_charts_at_their_natural_width() -> None:
    css = (Path(charts.__file__).parent / "static" / "app.css").read_text("utf-8")
    assert f"min-width: {PHONE_CHART_PX}px" in css


def test_bar_and_line_charts_speak_the_words_they_are_given() -> None:
    words = ("{n} more not shown", "No data")
    labels = [f"place {i}" for i in range(40)]
    many = bar_svg(labels, list(range(40)), title="Hot spots", words=words)
    assert f"{40 - charts.MAX_BARS} more not shown" in many and "생략" not in many
    for empty in (
        bar_svg([], [], title="t", words=words),
        line_svg([], {}, title="t", words=words),
    ):
        assert "No data" in empty and NO_DATA not in empty
