"""QR codes for survey invitations (answer letters, counter cards) as inline SVG."""

from html import escape

import qrcode
import qrcode.image.svg


def qr_svg(data: str, *, label: str = "") -> str:
    """An SVG QR code of ``data`` (error correction M, sharp at any print size)."""
    image = qrcode.make(
        data,
        image_factory=qrcode.image.svg.SvgPathImage,
        error_correction=qrcode.constants.ERROR_CORRECT_M,
    )
    svg = image.to_string(encoding="unicode")
    return svg.replace("<svg ", f'<svg role="img" aria-label="{escape(label or "QR")}" ', 1)


def code_link(base_url: str, short_code: str) -> str:
    """The address a printed QR code opens: the survey of that short code."""
    return f"{base_url.rstrip('/')}/s/c/{short_code}"
