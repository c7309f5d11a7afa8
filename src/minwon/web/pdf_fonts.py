"""The Korean font for every PDF minwon prints (reports, cards): NanumGothic, shipped by the
koreanize-matplotlib package, registered with ReportLab once per process."""

import threading

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

from minwon.web.charts import font_path

FONT = "NanumGothic"
FONT_BOLD = "NanumGothic-Bold"

_lock = threading.Lock()


def register_fonts() -> None:
    """Register NanumGothic (and its bold) with ReportLab, once; embedded in every PDF so
    Hangul prints on any machine."""
    with _lock:
        if FONT in pdfmetrics.getRegisteredFontNames():
            return
        regular = font_path()
        if regular is None:
            raise RuntimeError("NanumGothic not found: install the koreanize-matplotlib package")
        bold = regular.with_name("NanumGothicBold.ttf")
        pdfmetrics.registerFont(TTFont(FONT, str(regular)))
        pdfmetrics.registerFont(TTFont(FONT_BOLD, str(bold if bold.is_file() else regular)))
        pdfmetrics.registerFontFamily(
            FONT, normal=FONT, bold=FONT_BOLD, italic=FONT, boldItalic=FONT_BOLD
        )
