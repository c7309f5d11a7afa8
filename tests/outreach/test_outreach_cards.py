"""Request cards: the QR link round-trips, and the printed PDF scans back to that link.

The PDF is rendered to PNG with poppler's ``pdftoppm`` (200 dpi, like a modest scan or a phone
photo of a print) and every QR code on the page is decoded with ``zxing-cpp``; the decoded text
must be exactly the card's link and parse back to its unit, officer and campaign.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image

from minwon.outreach.cards import (
    DEFAULT_HEADLINE,
    QR_MM,
    Card,
    CardTag,
    card_url,
    parse_card_url,
    render_cards,
)

BASE = "https://minwon.example.go.kr"
DPI = 200
needs_poppler = pytest.mark.skipif(
    shutil.which("pdftoppm") is None or shutil.which("pdftotext") is None,
    reason="poppler-utils (pdftoppm, pdftotext) not installed: apt-get install poppler-utils",
)


def _card(i: int = 1, **extra: str | None) -> Card:
    fields: dict[str, str | None] = {
        "unit_code": "구로-가리봉",
        "unit_name": "가리봉파출소",
        "office_name": "서울구로경찰서",
        "phone": "02-860-0000",
        "officer_name": f"홍길동{i} 경위",
        "officer_ref": f"gr01.{i}",
        "campaign_name": "빈집털이 예방",
        "campaign_code": "2026-봄 순찰",
    }
    return Card(**{**fields, **extra})  # type: ignore[arg-type]


def _url(card: Card) -> str:
    return card_url(
        BASE, unit=card.unit_code, officer=card.officer_ref, campaign=card.campaign_code
    )


def _pages(pdf: bytes, tmp_path: Path) -> list[Image.Image]:
    """Every page of the PDF as a greyscale PNG picture at ``DPI``."""
    source = tmp_path / "cards.pdf"
    source.write_bytes(pdf)
    subprocess.run(
        ["pdftoppm", "-r", str(DPI), "-png", "-gray", str(source), str(tmp_path / "page")],
        check=True,
        timeout=60,
    )
    return [Image.open(p) for p in sorted(tmp_path.glob("page-*.png"))]


def _decode(image: Image.Image) -> list:
    zxingcpp = pytest.importorskip("zxingcpp", reason="QR decoder: pip install zxing-cpp==3.1.1")
    return zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)


def _text(pdf: bytes) -> str:
    out = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", "-", "-"], input=pdf, capture_output=True, check=True
    )
    return re.sub(r"\s+", "", out.stdout.decode("utf-8"))


# ---- the link --------------------------------------------------------------------------------

_printable = st.characters(
    exclude_categories=("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp", "Zs"), include_characters=" "
)
_hangul = st.characters(min_codepoint=0xAC00, max_codepoint=0xD7A3)
_value = st.text(st.one_of(_printable, _hangul), min_size=1, max_size=24).filter(str.isprintable)


@given(
    base=st.sampled_from([BASE, "http://localhost:8000/", "https://x.go.kr/minwon"]),
    unit=_value,
    officer=st.none() | _value,
    campaign=st.none() | _value,
)
def test_card_url_round_trips_any_printable_text(
    base: str, unit: str, officer: str | None, campaign: str | None
) -> None:
    url = card_url(base, unit=unit, officer=officer, campaign=campaign)
    assert url.isascii() and " " not in url and "+" not in url
    assert url.split("?")[0] == base.rstrip("/") + "/submit"
    tag = parse_card_url(url, base_url=base)
    assert tag == CardTag(unit=unit, officer=officer, campaign=campaign, channel="card")


def test_card_url_shape() -> None:
    url = card_url(BASE, unit="구로 01", officer="gr01.1", campaign=None)
    assert url == f"{BASE}/submit?unit=%EA%B5%AC%EB%A1%9C%2001&officer=gr01.1&channel=card"
    assert parse_card_url(url) == CardTag("구로 01", "gr01.1", None, "card")


@pytest.mark.parametrize(
    "url",
    [
        "https://evil.example.com/submit?unit=GR&channel=card",  # another site
        f"{BASE}/track?unit=GR&channel=card",  # another page
        "ftp://minwon.example.go.kr/submit?unit=GR&channel=card",
        f"{BASE}/submit?unit=GR",  # no channel
        f"{BASE}/submit?unit=GR&channel=web",
        f"{BASE}/submit?channel=card",  # no unit
        f"{BASE}/submit?unit=&channel=card",
        f"{BASE}/submit?unit=GR&unit=JN&channel=card",
        f"{BASE}/submit?unit=GR&channel=card&next=https://evil.example.com",
        f"{BASE}/submit?unit=GR&channel=card#x",
        f"{BASE}/submit?unit=%FF&channel=card",  # not UTF-8
        f"{BASE}/submit?unit=a%0Ab&channel=card",  # a line break
        "구로 가리봉파출소",
        "",
    ],
)
def test_parse_card_url_refuses_other_links(url: str) -> None:
    with pytest.raises(ValueError):
        parse_card_url(url, base_url=BASE)


def test_parse_card_url_without_base_accepts_any_site_but_checks_shape() -> None:
    assert parse_card_url("http://10.0.0.5:8000/submit?unit=GR&channel=card").unit == "GR"
    with pytest.raises(ValueError):
        parse_card_url(f"{BASE}/minwon/submit?unit=GR&channel=card", base_url=BASE)


@pytest.mark.parametrize(
    ("base", "unit"),
    [("ftp://x.go.kr", "GR"), ("x.go.kr", "GR"), (f"{BASE}?a=1", "GR"), (BASE, ""), (BASE, "a\nb")],
)
def test_card_url_refuses_bad_input(base: str, unit: str) -> None:
    with pytest.raises(ValueError):
        card_url(base, unit=unit, officer=None, campaign=None)


# ---- the printed cards -----------------------------------------------------------------------


@needs_poppler
def test_a6_card_scans_back_to_its_link(tmp_path: Path) -> None:
    card = _card()
    pdf = render_cards([card], size="a6", base_url=BASE)
    assert pdf.startswith(b"%PDF")
    pages = _pages(pdf, tmp_path)
    assert len(pages) == 1
    assert pages[0].size == pytest.approx((105 / 25.4 * DPI, 148 / 25.4 * DPI), abs=2)
    codes = _decode(pages[0])
    assert len(codes) == 1
    assert codes[0].text == _url(card)
    tag = parse_card_url(codes[0].text, base_url=BASE)
    assert (tag.unit, tag.officer, tag.campaign, tag.channel) == (
        "구로-가리봉",
        "gr01.1",
        "2026-봄 순찰",
        "card",
    )
    pos = codes[0].position  # printed side of the code, from its corners on the 200 dpi page
    side_mm = (pos.top_right.x - pos.top_left.x) / DPI * 25.4
    assert side_mm >= 25 and side_mm == pytest.approx(QR_MM["a6"], rel=0.1)
    text = _text(pdf)
    for words in (DEFAULT_HEADLINE, "가리봉파출소", "장소", "바라는점", "연락처(선택)", "동의"):
        assert re.sub(r"\s+", "", words) in text


@needs_poppler
def test_business_sheet_of_12_scans_every_card(tmp_path: Path) -> None:
    cards = [_card(i) for i in range(12)]
    cards[3] = _card(3, officer_ref=None, officer_name=None, campaign_code=None)
    pdf = render_cards(cards, size="business", base_url=BASE)
    pages = _pages(pdf, tmp_path)
    assert len(pages) == 2
    assert pages[0].size == pytest.approx((210 / 25.4 * DPI, 297 / 25.4 * DPI), abs=2)
    codes = [_decode(page) for page in pages]
    found = [{code.text for code in page} for page in codes]
    assert found == [{_url(c) for c in cards[:10]}, {_url(c) for c in cards[10:]}]
    assert parse_card_url(_url(cards[3])) == CardTag("구로-가리봉", None, None, "card")
    sides = [(c.position.top_right.x - c.position.top_left.x) / DPI * 25.4 for c in codes[0]]
    assert min(sides) >= 18 and max(sides) == pytest.approx(QR_MM["business"], rel=0.1)
    text = _text(pdf)
    assert re.sub(r"\s+", "", DEFAULT_HEADLINE) in text and "가리봉파출소" in text
    assert "장소" not in text  # business cards carry no writing fields


def test_many_a6_cards_make_many_pages() -> None:
    pdf = render_cards([_card(i) for i in range(3)], base_url=BASE)
    assert b"/Count 3" in pdf  # the page tree, one A6 page per card


@pytest.mark.parametrize(
    ("cards", "size", "base"),
    [
        ([], "a6", BASE),
        ([_card()], "a5", BASE),
        ([_card()], "A6", BASE),
        ([_card()], "a6", "minwon.example.go.kr"),
        ([_card(campaign_code="가" * 120)], "a6", BASE),  # QR too dense to scan from paper
        ([_card(campaign_code="x" * 5000)], "business", BASE),  # beyond any QR version
    ],
)
def test_render_cards_refuses_bad_input(cards: list[Card], size: str, base: str) -> None:
    with pytest.raises(ValueError):
        render_cards(cards, size=size, base_url=base)  # type: ignore[arg-type]


def test_card_needs_a_unit_and_takes_body_as_text() -> None:
    with pytest.raises(ValueError):
        _card(unit_code=" ")
    assert _card(body="한 줄 안내").body == ("한 줄 안내",)  # type: ignore[arg-type]
