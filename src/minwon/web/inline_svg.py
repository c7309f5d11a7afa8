"""matplotlib's SVG made fit to stand inside an HTML page: no prolog, responsive, labelled
for screen readers, no inline style (the CSP forbids it), and element ids of its own so that
two charts, or two copies of one, can share a page."""

import html
import re
import uuid

__all__ = ["for_html", "fresh_ids"]

_ROOT = re.compile(r"<svg\b[^>]*>")
_SIZE_ATTR = re.compile(r'\s(?:width|height)="[^"]*"')
_DROP = re.compile(r"<metadata>.*?</metadata>\s*|<style\b.*?</style>\s*", re.S)
_IDS = re.compile(r'(\bid="|href="#|url\(#)([^")]+)')
_STYLE_ATTR = re.compile(r'\sstyle="([^"]*)"')
_DECLARATION = re.compile(r"\s*([a-z-]+)\s*:\s*([^;]+?)\s*(?:;|$)")


def _presentation(match: re.Match[str]) -> str:
    """``style="fill: #fff; stroke: none"`` as SVG presentation attributes
    (``fill="#fff" stroke="none"``): the same drawing, and no inline style for the CSP."""
    pairs = _DECLARATION.findall(html.unescape(match.group(1)))
    return "".join(f' {name}="{html.escape(value, quote=True)}"' for name, value in pairs)


def for_html(svg: str, label: str) -> str:
    """matplotlib's SVG file as an element for HTML: no prolog, responsive, labelled, own ids.

    The ``<style>`` matplotlib writes is dropped because, inline, it would style every SVG of
    the page; its two line settings become attributes of the root, which the chart inherits.
    ``style`` attributes become presentation attributes: the CSP allows no inline style.
    """
    svg = _DROP.sub("", svg[svg.index("<svg") :])
    prefix = f"c{uuid.uuid4().hex[:8]}-"
    svg = _IDS.sub(lambda m: m.group(1) + prefix + m.group(2), svg)
    svg = _STYLE_ATTR.sub(_presentation, svg)
    root = _ROOT.search(svg)
    assert root is not None
    tag = _SIZE_ATTR.sub("", root.group(0))[:-1]
    tag += f' width="100%" role="img" aria-label="{html.escape(label, quote=True)}"'
    tag += ' stroke-linejoin="round" stroke-linecap="butt">'
    return svg[: root.start()] + tag + svg[root.end() :].rstrip() + "\n"


_PREFIX = re.compile(r'\bid="(c[0-9a-f]{8}-)')


def fresh_ids(svg: str) -> str:
    """The same chart with its own element ids, so two copies can share a page."""
    found = _PREFIX.search(svg)
    if found is None:
        return svg
    return svg.replace(found.group(1), f"c{uuid.uuid4().hex[:8]}-")
