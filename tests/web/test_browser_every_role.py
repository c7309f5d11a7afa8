"""In a real browser, at desktop and phone width: every role's main pages (its menu) open
without a 5xx, without the page scrolling sideways, and without a console error (a broken chart
or script shows there)."""

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, sync_playwright
from sqlalchemy import Engine

from web.browser import CHROMIUM, CHROMIUM_ARGS, live_server, logged_in_page, require_chromium
from web.crawl import same_site
from web.pagetools import DEMO_PASSWORD

pytestmark = pytest.mark.browser
ROLES = ("admin", "hq", "gr.cs", "gr01.lead", "gr01.1")
VIEWPORTS = {"desktop": (1366, 900), "phone": (390, 844)}
OVERFLOW = "document.documentElement.scrollWidth - document.documentElement.clientWidth"


def _links(page: Page, base: str, selector: str) -> list[str]:
    hrefs = page.eval_on_selector_all(selector, "links => links.map(a => a.href)")
    found = [same_site(f"{base}/", h) for h in hrefs]
    return [u for u in dict.fromkeys(found) if u]


def main_pages(page: Page, base: str) -> Iterator[str]:
    """The menu's pages and the pages they link to by a plain address (no id, no query):
    tabs and sub-pages such as the fans, the monthly report, campaigns or cards; each once.

    The caller opens each address in ``page`` before asking for the next: the links of a menu
    page are read from the page just opened, so no page is opened twice to find them."""
    menu = _links(page, base, "nav.nav a")
    found = list(menu)
    for url in menu:
        yield url
        found += [u for u in _links(page, base, "main a") if "?" not in u and not _has_id(u)]
    yield from (u for u in dict.fromkeys(found) if u not in menu)


def _has_id(url: str) -> bool:
    return any(part.isdigit() for part in url.split("/"))


def _problems_of_role(browser: Browser, base: str, login: str) -> tuple[list[str], int]:
    """What went wrong on the role's menu pages at each width, and how many pages were seen.
    The pages are found at the first width and opened again at the others (the server sends
    the same links whatever the width)."""
    problems: list[str] = []
    seen = 0
    urls: list[str] = []
    for width_name, size in VIEWPORTS.items():
        page = logged_in_page(browser, base, login, DEMO_PASSWORD, size)
        where = {"at": f"{login} {width_name} /ledger"}
        page.on("console", lambda m, w=where: _console(m, w, problems))
        page.on("pageerror", lambda exc, w=where: problems.append(f"{w['at']}: script {exc}"))
        first_width = not urls
        for url in main_pages(page, base) if first_width else list(urls):
            if first_width:
                urls.append(url)
            where["at"] = f"{login} {width_name} {url}"
            response = page.goto(f"{base}{url}", wait_until="load")
            seen += 1
            status = response.status if response else 0
            if status >= 500 or status == 0:
                problems.append(f"{where['at']}: status {status}")
            overflow = page.evaluate(OVERFLOW)
            if overflow > 1:
                wide = page.evaluate(_WIDEST)
                problems.append(f"{where['at']}: {overflow}px wider than the screen: {wide}")
        page.close()
    return problems, seen


def _console(message: ConsoleMessage, where: dict[str, str], problems: list[str]) -> None:
    if message.type == "error":
        problems.append(f"{where['at']}: console error {message.text}")


_WIDEST = """() => {
  const limit = document.documentElement.clientWidth;
  const scrolls = el => {
    for (let p = el.parentElement; p; p = p.parentElement) {
      if (getComputedStyle(p).overflowX !== 'visible') return true;
    }
    return false;
  };
  const out = [];
  for (const el of document.querySelectorAll('body *')) {
    const r = el.getBoundingClientRect();
    if (r.right > limit + 1 && r.width > 0 && !scrolls(el)) {
      out.push(el.tagName.toLowerCase() + (el.className ? '.' + el.className : ''));
    }
    if (out.length > 4) break;
  }
  return out;
}"""
"""The first elements that stick out of the page (outside any scrolling box), to name them."""


@pytest.mark.parametrize("demo_engine", ["sqlite"], indirect=True)
def test_main_pages_of_every_role_at_desktop_and_phone_width(demo_engine: Engine) -> None:
    require_chromium()
    with live_server(demo_engine) as base, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        problems: list[str] = []
        for login in ROLES:
            found, seen = _problems_of_role(browser, base, login)
            assert seen >= 2 * 7, f"{login}: only {seen} pages in the menus"
            problems += found
        browser.close()
    assert not problems, "\n".join(problems)


CITIZEN_PAGES = ("/submit", "/track", "/s", "/patrols/request")


@pytest.mark.parametrize("demo_engine", ["sqlite"], indirect=True)
def test_citizen_pages_at_desktop_and_phone_width(demo_engine: Engine) -> None:
    """The citizen's submit, tracking, survey-code and patrol pages answer, fit the screen and
    log no script error at both widths; a wrong tracking pair keeps the number typed."""
    require_chromium()
    problems: list[str] = []
    with live_server(demo_engine) as base, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        for width_name, (width, height) in VIEWPORTS.items():
            page = browser.new_page(viewport={"width": width, "height": height})
            where = {"at": width_name}
            watched: list[str] = []
            page.on("console", lambda m, w=where, out=watched: _console(m, w, out))
            for path in CITIZEN_PAGES:
                where["at"] = f"citizen {width_name} {path}"
                response = page.goto(f"{base}{path}", wait_until="load")
                if response is None or response.status >= 400:
                    problems.append(f"{where['at']}: status {response and response.status}")
                if page.evaluate(OVERFLOW) > 1:
                    problems.append(
                        f"{where['at']}: wider than the screen {page.evaluate(_WIDEST)}"
                    )
            page.goto(f"{base}/track")
            page.fill("input[name=ledger_no]", "GR01-2026-999999")
            page.fill("input[name=secret]", "WRONGCODE")
            page.click("form[action='/track'] button[type=submit]")
            if page.input_value("input[name=ledger_no]") != "GR01-2026-999999":
                problems.append(f"citizen {width_name}: the receipt number typed was lost")
            page.close()
        browser.close()
    assert not problems, "\n".join(problems)
