"""Printable request cards (일일열사 카드) with a QR code to the citizen form.

Officers hand these out on their daily rounds. A resident either writes a request on the card
(A6 size, with ruled lines to write on) and drops it in a mailbox, or scans the QR code, which
opens ``/submit`` already tagged with the unit, the officer and the campaign, so the voice that
comes back is attributed to the outreach that produced it (channel ``card``).

The QR code is drawn as vector squares (error correction M, a quiet zone of four modules) so it
stays sharp at any printer resolution; its size (30 mm on A6, 20 mm on business cards) and a cap
on the QR version keep modules large enough for a phone camera. Korean text uses NanumGothic,
embedded as a subset so the PDF prints and can be searched on any machine.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal
from urllib.parse import parse_qsl, quote, urlencode, urlsplit
from xml.sax.saxutils import escape

import qrcode
from qrcode.constants import ERROR_CORRECT_M
from qrcode.exceptions import DataOverflowError
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, A6
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Paragraph

from minwon.web.pdf_fonts import FONT as _FONT
from minwon.web.pdf_fonts import FONT_BOLD as _FONT_BOLD
from minwon.web.pdf_fonts import register_fonts

__all__ = ["BUSINESS_SIZE", "DEFAULT_BODY", "DEFAULT_HEADLINE", "MAX_QR_VERSION", "QR_MM",
           "Card", "CardSize", "CardTag", "card_url", "parse_card_url", "render_cards"]  # fmt: skip

CardSize = Literal["a6", "business"]

DEFAULT_HEADLINE = "불편하신 점, 바라시는 점을 알려 주세요"
DEFAULT_BODY = (
    "이 카드에 적어 우편함에 넣으시거나, QR 코드로 휴대전화에서 바로 남기실 수 있습니다.",
)
QR_MM: dict[str, float] = {"a6": 30, "business": 20}  # printed side of the QR code, in mm
MAX_QR_VERSION = 10  # 57 modules: at least 0.35 mm per module on a 20 mm business-card code
BUSINESS_SIZE = (90 * mm, 50 * mm)
_PER_SHEET = (2, 5)  # business cards per A4 sheet: columns, rows

_BLUE = colors.HexColor("#1f4e8c")
_INK = colors.HexColor("#1b2330")
_MUTED = colors.HexColor("#6b7685")
_RULE = colors.HexColor("#9aa5b4")
_PARAMS = ("unit", "officer", "campaign", "channel")


@dataclass(frozen=True)
class CardTag:
    """What a card's QR link says: the unit code, officer reference (``org.staff_refs``; a
    login on cards printed before) and campaign code it came from."""

    unit: str
    officer: str | None = None
    campaign: str | None = None
    channel: str = "card"


@dataclass(frozen=True)
class Card:
    """One card's content: who hands it out, for which campaign, and what it says."""

    unit_code: str
    unit_name: str
    office_name: str
    phone: str
    officer_name: str | None = None
    officer_ref: str | None = None
    campaign_name: str | None = None
    campaign_code: str | None = None
    headline: str = DEFAULT_HEADLINE
    body: tuple[str, ...] = DEFAULT_BODY

    def __post_init__(self) -> None:
        body = (self.body,) if isinstance(self.body, str) else tuple(self.body)
        object.__setattr__(self, "body", body)  # a plain string is one paragraph
        if not self.unit_code.strip() or not self.unit_name.strip():
            raise ValueError("a card needs a unit code and a unit name")


def _check_value(name: str, value: str) -> None:
    if not value or not value.isprintable():
        raise ValueError(f"{name} must be non-empty printable text: {value!r}")


def _base(base_url: str) -> tuple[str, str, str]:
    """Scheme, host and path prefix of the site; refuses anything but a plain http(s) address."""
    parts = urlsplit(base_url.strip())
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        raise ValueError(f"base_url must be an http(s) address: {base_url!r}")
    if parts.query or parts.fragment:
        raise ValueError(f"base_url must have no query or fragment: {base_url!r}")
    return parts.scheme.lower(), parts.netloc.lower(), parts.path.rstrip("/")


def card_url(base_url: str, *, unit: str, officer: str | None, campaign: str | None) -> str:
    """The citizen-form address a card's QR code opens, tagged with unit, officer and campaign.

    Why: a voice filed through the card must be attributed to the unit, the officer who handed
    it out and the campaign, and carry channel ``card``. Every value is percent-encoded (spaces
    as ``%20``, never ``+``), so any printable text, Korean included, comes back unchanged
    through ``parse_card_url``. Empty officer or campaign means "not given" and is left out.
    """
    scheme, host, path = _base(base_url)
    pairs = [("unit", unit)]
    pairs += [(k, v) for k, v in (("officer", officer), ("campaign", campaign)) if v]
    for name, value in pairs:
        _check_value(name, value)
    query = urlencode([*pairs, ("channel", "card")], quote_via=quote, safe="")
    return f"{scheme}://{host}{path}/submit?{query}"


def parse_card_url(url: str, *, base_url: str | None = None) -> CardTag:
    """Read the tags back from a card link; ValueError for anything that is not one.

    Why: the form and the tests must tell a genuine card link from any other address. A link
    qualifies when it is http(s), its path ends in ``/submit``, it has no fragment, each of
    ``unit`` (required), ``officer``, ``campaign`` at most once and nothing else, and
    ``channel=card``. With ``base_url`` the link must also point at that very site.
    """
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        raise ValueError(f"not an http(s) address: {url!r}")
    if not parts.path.endswith("/submit") or parts.fragment:
        raise ValueError(f"not a citizen-form link: {url!r}")
    if base_url is not None:
        scheme, host, path = _base(base_url)
        here = (parts.scheme.lower(), parts.netloc.lower(), parts.path)
        if here != (scheme, host, f"{path}/submit"):
            raise ValueError(f"link does not point at {base_url!r}: {url!r}")
    try:
        pairs = parse_qsl(parts.query, keep_blank_values=True, strict_parsing=True, errors="strict")
    except (ValueError, UnicodeDecodeError) as exc:
        raise ValueError(f"malformed query in {url!r}: {exc}") from exc
    values: dict[str, str] = {}
    for key, value in pairs:
        if key not in _PARAMS or key in values:
            raise ValueError(f"unexpected or repeated parameter {key!r} in {url!r}")
        _check_value(key, value)
        values[key] = value
    if values.get("channel") != "card" or "unit" not in values:
        raise ValueError(f"not a card link (needs unit and channel=card): {url!r}")
    return CardTag(values["unit"], values.get("officer"), values.get("campaign"), "card")


def _qr_modules(payload: str) -> list[list[bool]]:
    """The QR matrix (no border) for a payload, or ValueError if it would print too dense."""
    qr = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=0)
    qr.add_data(payload)
    try:
        qr.make(fit=True)
    except DataOverflowError as exc:
        raise ValueError(f"QR payload too long ({len(payload)} characters)") from exc
    if qr.version > MAX_QR_VERSION:
        raise ValueError(
            f"QR payload too long ({len(payload)} characters, version {qr.version} > "
            f"{MAX_QR_VERSION}): shorten the unit, officer or campaign code or the base URL"
        )
    return qr.modules


def _draw_qr(c: Canvas, modules: list[list[bool]], x: float, y: float, side: float) -> None:
    """Draw the code as one filled path of horizontal runs; (x, y) is its lower-left corner."""
    n = len(modules)
    step = side / n
    path = c.beginPath()
    for row, cells in enumerate(modules):
        top = y + side - (row + 1) * step
        col = 0
        while col < n:
            if cells[col]:
                start = col
                while col < n and cells[col]:
                    col += 1
                path.rect(x + start * step, top, (col - start) * step, step)
            col += 1
    c.setFillColor(colors.black)
    c.drawPath(path, fill=1, stroke=0)


def _para(
    c: Canvas, text: str, x: float, top: float, width: float, size: float, **style: object
) -> float:
    """Draw wrapped text with its top at ``top``; returns its height.

    Korean wraps between words (at spaces), as Korean print does; ReportLab's ``CJK`` mode
    would break inside words, which is right for Chinese and Japanese but not for Hangul.
    """
    base: dict[str, object] = {"fontName": _FONT, "fontSize": size, "leading": size * 1.35,
                               "textColor": _INK}  # fmt: skip
    para = Paragraph(escape(text).replace("\n", "<br/>"), ParagraphStyle("p", **{**base, **style}))
    _, height = para.wrap(width, 1000 * mm)
    para.drawOn(c, x, top - height)
    return height


def _field(c: Canvas, label: str, x: float, y: float, width: float) -> None:
    """A label and a ruled line to write on, with its baseline at ``y``."""
    c.setFont(_FONT_BOLD, 8)
    c.setFillColor(_INK)
    c.drawString(x, y + 1.2 * mm, label)
    c.line(x + c.stringWidth(label, _FONT_BOLD, 8) + 2 * mm, y, x + width, y)


def _place(c: Canvas, form: str, x: float, y: float) -> None:
    """Stamp a QR code defined once as a form (see ``_qr_forms``) with its lower-left at (x, y)."""
    c.saveState()
    c.translate(x, y)
    c.doForm(form)
    c.restoreState()


def _qr_forms(c: Canvas, codes: dict[str, list[list[bool]]], side: float) -> dict[str, str]:
    """Define each distinct QR code once in the PDF; maps payload to form name.

    Why: an officer usually prints a stack of identical cards; one shared drawing keeps the
    file small and the rendering fast however many copies there are.
    """
    names = {}
    for i, (payload, modules) in enumerate(codes.items()):
        names[payload] = f"qr{i}"
        c.beginForm(names[payload], 0, 0, side, side)
        _draw_qr(c, modules, 0, 0, side)
        c.endForm()
    return names


def _a6_card(c: Canvas, card: Card, qr: str) -> None:
    """One A6 page: who asks, the QR block, then room to write a request by hand."""
    width, height = A6
    margin = 7 * mm
    inner = width - 2 * margin
    top = height - margin
    c.setFillColor(_MUTED)
    c.setFont(_FONT, 7.5)
    c.drawString(margin, top - 7.5, f"{card.office_name} · {card.unit_name}")
    top -= 10
    c.setStrokeColor(_BLUE)
    c.setLineWidth(1.2)
    c.line(margin, top, width - margin, top)
    top -= 2.5 * mm
    top -= _para(c, card.headline, margin, top, inner, 13, fontName=_FONT_BOLD, textColor=_BLUE)
    top -= 1.5 * mm
    top -= _para(c, "\n".join(card.body), margin, top, inner, 8.5)
    top -= 3 * mm
    side = QR_MM["a6"] * mm
    _place(c, qr, width - margin - side, top - side)
    lines = ["QR 코드를 찍으면 신청 화면이 열립니다."]
    lines += [f"담당: {card.officer_name}"] if card.officer_name else []
    lines += [f"캠페인: {card.campaign_name}"] if card.campaign_name else []
    lines += [f"문의: {card.unit_name} {card.phone}"]
    left = inner - side - 4 * mm
    y = top - _para(c, "휴대전화로 바로 남기기", margin, top, left, 9.5, fontName=_FONT_BOLD)
    _para(c, "\n".join(lines), margin, y - 1 * mm, left, 7.5, textColor=_MUTED)
    top -= side + 4 * mm
    # Writing area, laid out from the bottom up: footer, consent, contact, then ruled lines.
    c.setFont(_FONT, 6.5)
    c.setFillColor(_MUTED)
    c.drawString(margin, margin, f"적어 주신 내용은 민원 처리에만 쓰입니다 · {card.unit_code}")
    c.setStrokeColor(_INK)
    c.setLineWidth(0.6)
    box = 3 * mm
    c.rect(margin, margin + 5 * mm, box, box, stroke=1, fill=0)
    c.setFont(_FONT, 7)
    c.setFillColor(_INK)
    c.drawString(
        margin + box + 1.5 * mm,
        margin + 5.6 * mm,
        "연락처를 처리 결과 안내에만 쓰는 데 동의합니다.",
    )
    c.setStrokeColor(_RULE)
    c.setLineWidth(0.5)
    _field(c, "연락처(선택)", margin, margin + 13 * mm, inner)
    c.setStrokeColor(colors.HexColor("#d0d6de"))
    c.line(margin, top, width - margin, top)
    _field(c, "장소", margin, top - 8 * mm, inner)
    label_y = top - 14 * mm
    c.setFont(_FONT_BOLD, 8)
    c.drawString(margin, label_y, "바라는 점")
    first, bottom = label_y - 7 * mm, margin + 19 * mm
    count = int((first - bottom) // (7 * mm)) + 1
    if count < 2:
        raise ValueError(f"text on the card for {card.unit_name!r} leaves no room to write")
    c.setStrokeColor(_RULE)
    for i in range(count):
        c.line(margin, first - i * 7 * mm, width - margin, first - i * 7 * mm)


def _business_card(c: Canvas, card: Card, qr: str, x: float, y: float) -> None:
    """One 90×50 mm card at (x, y): QR code on the left, headline, unit and officer beside it."""
    width, height = BUSINESS_SIZE
    pad = 4 * mm
    side = QR_MM["business"] * mm
    _place(c, qr, x + pad, y + (height - side) / 2)
    left = x + pad + side + 4 * mm
    text_width = x + width - pad - left
    unit = f"{card.office_name} {card.unit_name}"
    officer = f"담당 {card.officer_name}" if card.officer_name else ""
    size = 10.0
    while True:  # shrink a long headline until the text fits beside the code
        head_h = _measure(card.headline, text_width, size, _FONT_BOLD)
        total = head_h + 2 * mm + _measure(unit, text_width, 8, _FONT)
        total += _measure(officer, text_width, 7.5, _FONT) + 0.5 * mm if officer else 0
        if total <= height - 2 * pad or size <= 7:
            break
        size -= 0.5
    if total > height - 2 * pad:
        raise ValueError(f"text too long for a business card: {card.headline!r}")
    top = y + (height + total) / 2  # the text block is centred on the card, like the code
    top -= _para(c, card.headline, left, top, text_width, size, fontName=_FONT_BOLD,
                 textColor=_BLUE)  # fmt: skip
    top -= 2 * mm
    top -= _para(c, unit, left, top, text_width, 8)
    if officer:
        _para(c, officer, left, top - 0.5 * mm, text_width, 7.5, textColor=_MUTED)


def _measure(text: str, width: float, size: float, font: str) -> float:
    """The height ``_para`` would take for this text."""
    style = ParagraphStyle("m", fontName=font, fontSize=size, leading=size * 1.35)
    return Paragraph(escape(text), style).wrap(width, 1000 * mm)[1]


def _cut_marks(c: Canvas, x0: float, y0: float) -> None:
    """Crop marks in the sheet margins at every card edge, clear of the cards themselves."""
    cols, rows = _PER_SHEET
    width, height = BUSINESS_SIZE
    x1, y1 = x0 + cols * width, y0 + rows * height
    gap, length = 2 * mm, 6 * mm
    c.setStrokeColor(colors.black)
    c.setLineWidth(0.3)
    for i in range(cols + 1):
        x = x0 + i * width
        c.line(x, y1 + gap, x, y1 + gap + length)
        c.line(x, y0 - gap, x, y0 - gap - length)
    for j in range(rows + 1):
        y = y0 + j * height
        c.line(x0 - gap, y, x0 - gap - length, y)
        c.line(x1 + gap, y, x1 + gap + length, y)


def render_cards(cards: Sequence[Card], *, size: CardSize = "a6", base_url: str) -> bytes:
    """A printable PDF of request cards, each with a QR code to its tagged citizen form.

    Why: officers hand out paper cards on their rounds; the QR link carries unit, officer and
    campaign (see ``card_url``) so what comes back is attributed. ``"a6"`` prints one card per
    A6 page with room to write a request by hand; ``"business"`` prints 90×50 mm cards (QR,
    headline, unit, officer), ten per A4 sheet with cut marks. ValueError for an empty list,
    an unknown size, a bad base URL, or a QR payload too long to scan from paper.
    """
    if size not in QR_MM:
        raise ValueError(f"unknown card size {size!r}: use 'a6' or 'business'")
    if not cards:
        raise ValueError("no cards to print")
    payloads = [card_url(base_url, unit=c.unit_code, officer=c.officer_ref,
                         campaign=c.campaign_code) for c in cards]  # fmt: skip
    modules = {payload: _qr_modules(payload) for payload in dict.fromkeys(payloads)}
    register_fonts()
    buffer = io.BytesIO()
    page = A6 if size == "a6" else A4
    c = Canvas(buffer, pagesize=page, invariant=True, pageCompression=1)
    c.setTitle("민원 요청 카드")
    c.setAuthor(cards[0].office_name)
    forms = _qr_forms(c, modules, QR_MM[size] * mm)
    codes = [forms[payload] for payload in payloads]
    if size == "a6":
        for card, qr in zip(cards, codes, strict=True):
            _a6_card(c, card, qr)
            c.showPage()
    else:
        cols, rows = _PER_SHEET
        per_sheet = cols * rows
        x0 = (A4[0] - cols * BUSINESS_SIZE[0]) / 2
        y0 = (A4[1] - rows * BUSINESS_SIZE[1]) / 2
        for start in range(0, len(cards), per_sheet):
            _cut_marks(c, x0, y0)
            for i in range(start, min(start + per_sheet, len(cards))):
                col, row = (i - start) % cols, (i - start) // cols
                x = x0 + col * BUSINESS_SIZE[0]
                y = y0 + (rows - 1 - row) * BUSINESS_SIZE[1]
                _business_card(c, cards[i], codes[i], x, y)
            c.showPage()
    c.save()
    return buffer.getvalue()
