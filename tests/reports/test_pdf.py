"""The monthly CS report as PDF: A4, Hangul that poppler extracts back, a page that renders to a
picture, NanumGothic embedded, and empty or hostile input that still renders."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest
from PIL import Image
from reports.sample import OFFICE, TOP_CAUSE, empty_report, sample_report

from minwon.reports.document import Cause, MonthlyReport
from minwon.reports.pdf import NO_DATA, render_pdf

POPPLER = {tool: shutil.which(tool) for tool in ("pdftotext", "pdftoppm", "pdffonts", "pdfinfo")}
needs_poppler = pytest.mark.skipif(
    not all(POPPLER.values()),
    reason="poppler-utils (pdftotext, pdftoppm, pdffonts, pdfinfo) not installed: "
    "apt-get install poppler-utils",
)


def _run(tool: str, *args: str) -> bytes:
    """Run a poppler tool and return what it wrote to stdout."""
    path = POPPLER[tool]
    assert path is not None
    return subprocess.run([path, *args], capture_output=True, check=True, timeout=20).stdout


def _text(pdf: bytes, tmp: Path) -> str:
    """The text of ``pdf`` in content order (``-raw``: poppler 22's default reading-order mode
    drops the spaces inside one drawn string, e.g. the footer's "1 / 3 쪽")."""
    file = tmp / "report.pdf"
    file.write_bytes(pdf)
    return _run("pdftotext", "-raw", "-enc", "UTF-8", str(file), "-").decode("utf-8")


def _squash(text: str) -> str:
    """``text`` without any whitespace, to find strings that a table cell wrapped."""
    return "".join(text.split())


@pytest.fixture(scope="module")
def full_pdf() -> bytes:
    return render_pdf(sample_report())


@pytest.fixture(scope="module")
def empty_pdf() -> bytes:
    return render_pdf(empty_report())


def test_pdf_is_a_pdf(full_pdf: bytes) -> None:
    assert full_pdf.startswith(b"%PDF-")
    assert full_pdf.rstrip().endswith(b"%%EOF")


@needs_poppler
def test_pdf_is_a4_portrait_with_several_pages(full_pdf: bytes, tmp_path: Path) -> None:
    file = tmp_path / "report.pdf"
    file.write_bytes(full_pdf)
    info = _run("pdfinfo", str(file)).decode()
    assert "(A4)" in info and "595.276 x 841.89" in info
    pages = int(next(line for line in info.splitlines() if line.startswith("Pages:")).split()[1])
    assert pages >= 2


@needs_poppler
def test_hangul_is_extracted_back(full_pdf: bytes, tmp_path: Path) -> None:
    text = _text(full_pdf, tmp_path)
    for expected in (OFFICE, "만족도", TOP_CAUSE, "2026년 10월", "처리기한 준수", "반영 조치",
                     "순추천지수 NPS", "010-****-****", "야간 순찰 강화", "응대 품질",
                     "배웅 인사", "표본"):  # fmt: skip
        assert expected in text, expected
    assert "94.8%" in text  # share met 381 / 402
    assert "4.110" in text  # ranking scores to the three decimals ties are judged by
    assert "4.12 ~ 4.30" in text  # the CSAT interval
    assert "초대 없이 응답 12건" in text  # answers without an invitation, apart from the rate
    assert re.search(r"1 / \d+ 쪽", text)  # footer page numbers
    assert NO_DATA not in text  # every section of the full sample has data


@needs_poppler
def test_page_one_renders_to_a_real_picture(full_pdf: bytes, tmp_path: Path) -> None:
    file = tmp_path / "report.pdf"
    file.write_bytes(full_pdf)
    png = _run("pdftoppm", "-png", "-r", "50", "-f", "1", "-l", "1", str(file))
    assert png.startswith(b"\x89PNG")
    image = Image.open(io.BytesIO(png)).convert("RGB")
    assert image.width < image.height  # portrait
    assert abs(image.width / image.height - 210 / 297) < 0.01
    pixels = list(image.get_flattened_data())
    inked = sum(1 for r, g, b in pixels if r + g + b < 600) / len(pixels)
    assert inked > 0.03, f"page 1 is almost blank ({inked:.1%} inked)"
    blue = sum(1 for r, g, b in pixels if b > 110 and r < 90) / len(pixels)
    assert blue > 0.005  # header bars and the trend chart are drawn


@needs_poppler
def test_nanumgothic_is_embedded_and_no_font_is_missing(full_pdf: bytes, tmp_path: Path) -> None:
    file = tmp_path / "report.pdf"
    file.write_bytes(full_pdf)
    lines = _run("pdffonts", str(file)).decode().splitlines()[2:]
    assert lines, "no fonts listed"
    nanum = [line for line in lines if "NanumGothic" in line.split()[0]]
    assert nanum, lines
    for line in lines:  # name type encoding emb sub uni object-id
        emb, _sub, uni = line.split()[-5:-2]
        assert emb == "yes", f"font not embedded: {line}"
        assert uni == "yes", f"no ToUnicode map (text not extractable): {line}"


@needs_poppler
def test_empty_report_renders_and_says_so(empty_pdf: bytes, tmp_path: Path) -> None:
    assert empty_pdf.startswith(b"%PDF-")
    text = _text(empty_pdf, tmp_path)
    assert "고척파출소" in text and "2026년 1월" in text
    assert text.count(NO_DATA) == 8  # one per section


@needs_poppler
def test_markup_in_names_is_printed_not_interpreted(tmp_path: Path) -> None:
    report: MonthlyReport = replace(
        sample_report(),
        office="<b>본부</b> & 지사",
        top_causes=[Cause("<font size=40>소음</font>", 5, None, ["a < b & c > d"])],
    )
    text = _squash(_text(render_pdf(report), tmp_path))
    for printed in ("<b>본부</b> & 지사", "<font size=40>소음</font>", "a < b & c > d"):
        assert _squash(printed) in text
