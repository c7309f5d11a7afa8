"""A breadth-first crawl of the pages a logged-in person can reach, and the checks every
answer must pass: no 5xx, no dead end, no raw error text.

Links are what a person (or the page itself) follows with a GET: ``<a href>``, ``<img src>``
(charts drawn by the app), ``hx-get`` and GET forms submitted with their default values.
Ids would make the crawl explode, so URLs are grouped by pattern (numbers in the path become
``{n}``, query values are dropped) and only the first few of each pattern are opened."""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit

import httpx

SKIP_PREFIXES = ("/static/", "/logout", "/docs", "/redoc", "/openapi.json")
SKIP_PARAMS = {"lang"}  # the language switch changes the rest of the crawl, not a page
ENGLISH_DEFAULTS = (
    "Internal Server Error",
    "Not Found",
    "Method Not Allowed",
    "Bad Request",
    "Unprocessable Entity",
    "Forbidden",
)
RAW_TEXT = ("Traceback (most recent call last)", 'File "/', "sqlalchemy.exc", "jinja2.exceptions")


class _Links(HTMLParser):
    """Collects the GET targets of one page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.targets: list[str] = []
        self._form: dict[str, object] | None = None
        self._select: tuple[str, list[str], list[str]] | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "a" and "href" in a:
            self.targets.append(a["href"])
        elif tag == "img" and "src" in a:
            self.targets.append(a["src"])
        if "hx-get" in a:
            self.targets.append(a["hx-get"])
        if tag == "form":
            get = a.get("method", "get").lower() == "get"
            self._form = {"action": a.get("action", ""), "fields": []} if get else None
        elif self._form is not None:
            self._field(tag, a)

    def _field(self, tag: str, a: dict[str, str]) -> None:
        fields: list[tuple[str, str]] = self._form["fields"]  # type: ignore[index,assignment]
        name = a.get("name", "")
        if tag == "input" and name and "disabled" not in a:
            kind = a.get("type", "text").lower()
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            if kind not in ("submit", "button", "file", "image", "reset"):
                fields.append((name, a.get("value", "on" if kind == "checkbox" else "")))
        elif tag == "select" and name:
            self._select = (name, [], [])
        elif tag == "option" and self._select is not None:
            value = a.get("value", "")
            self._select[1].append(value)
            if "selected" in a:
                self._select[2].append(value)
        elif tag == "textarea" and name:
            self._textarea = name
            fields.append((name, ""))

    def handle_data(self, data: str) -> None:
        if self._textarea is not None and self._form is not None:
            fields: list[tuple[str, str]] = self._form["fields"]  # type: ignore[assignment]
            fields[-1] = (fields[-1][0], fields[-1][1] + data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "select" and self._select is not None and self._form is not None:
            name, values, chosen = self._select
            if values:
                self._form["fields"].append((name, (chosen or values)[0]))  # type: ignore[attr-defined]
            self._select = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "form" and self._form is not None:
            query = urlencode(self._form["fields"])  # type: ignore[arg-type]
            self.targets.append(f"{self._form['action'] or '.'}?{query}")
            self._form = None


def links(page_url: str, html: str) -> list[str]:
    """The same-site GET targets of a page, as absolute paths with their query."""
    parser = _Links()
    parser.feed(html)
    found = []
    for target in parser.targets:
        url = same_site(page_url, target)
        if url is not None:
            found.append(url)
    return found


def same_site(page_url: str, target: str) -> str | None:
    """``target`` as a local path and query, or None for another site, static files,
    fragments, the logout form and the language switch."""
    target = target.strip()
    if not target or target.startswith(("#", "mailto:", "tel:", "javascript:", "data:")):
        return None
    parts = urlsplit(urljoin(page_url, target))
    if parts.netloc not in ("", urlsplit(page_url).netloc) or parts.scheme not in ("", "http"):
        return None
    if parts.path.startswith(SKIP_PREFIXES):
        return None
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)]
    if any(k in SKIP_PARAMS for k, _ in query):
        return None
    return parts.path + (f"?{urlencode(query)}" if query else "")


def pattern(url: str) -> str:
    """The URL's pattern: numbers and long tokens in the path made alike, query values
    dropped."""
    parts = urlsplit(url)
    path = re.sub(r"/(\d+|[A-Za-z0-9_-]{20,})(?=/|$)", "/{n}", parts.path)
    keys = sorted({k for k, _ in parse_qsl(parts.query, keep_blank_values=True)})
    return path + ("?" + "&".join(keys) if keys else "")


@dataclass
class Visit:
    """One page opened: where from, its status, and what was wrong with it."""

    url: str
    source: str
    status: int
    problems: list[str] = field(default_factory=list)


def problems_of(url: str, response: httpx.Response) -> list[str]:
    """What a person should never meet: a 5xx, raw error text, JSON on a page, a 4xx page
    without a way on."""
    found = []
    status = response.status_code
    kind = response.headers.get("content-type", "")
    text = response.text if kind.startswith(("text/", "application/json")) else ""
    if status >= 500:
        found.append(f"{status}")
    if any(raw in text for raw in RAW_TEXT):
        found.append("raw traceback or library error text")
    if kind.startswith("text/html") and re.search(r'\{\s*"detail"\s*:', text):
        found.append("a JSON error inside a page")
    if kind.startswith("application/json") and (status >= 400 or not url.startswith("/api/")):
        found.append(f"JSON body {status} for a person: {text[:120]}")
    if status >= 400 and kind.startswith("text/html"):
        found += _dead_end(url, text)
    if status >= 400 and kind.startswith("text/plain"):
        found.append(f"plain-text error page: {text[:80]!r}")
    return found


def _dead_end(url: str, text: str) -> list[str]:
    found = []
    body = re.sub(r"<[^>]+>", " ", text)
    words = " ".join(body.split())
    for english in ENGLISH_DEFAULTS:
        if words == english or f"<title>{english}" in text or f"<h1>{english}</h1>" in text:
            found.append(f"English default error page {english!r}")
    if not text.lstrip().lower().startswith("<!doctype html"):
        return [*found, "an error fragment without the layout"]
    onward = [u for u in links(f"http://testserver{url}", text) if urlsplit(u).path != url]
    if not onward:
        found.append("a dead end: no link onward")
    return found


def crawl(
    get: Callable[[str], httpx.Response],
    start: list[str],
    *,
    per_pattern: int = 3,
    limit: int = 600,
) -> list[Visit]:
    """Open ``start`` and every page reachable from it, breadth first, at most ``per_pattern``
    URLs per pattern and ``limit`` pages in all."""
    queue = deque((url, "(menu)") for url in start)
    seen: set[str] = set()
    taken: dict[str, int] = {}
    visits: list[Visit] = []
    while queue and len(visits) < limit:
        url, source = queue.popleft()
        key = pattern(url)
        if url in seen or taken.get(key, 0) >= per_pattern:
            continue
        seen.add(url)
        taken[key] = taken.get(key, 0) + 1
        response = get(url)
        problems = problems_of(url, response)
        if 400 <= response.status_code < 500:  # a page should not link where one may not go
            problems.append(f"a link that answers {response.status_code}")
        visits.append(Visit(url, source, response.status_code, problems))
        if response.headers.get("content-type", "").startswith("text/html"):
            queue.extend((u, url) for u in links(str(response.url), response.text))
    return visits
