"""In a real browser, for every role: each main page (its menu and the pages those link to by a
plain address) opens at desktop width and again at phone width, where the menu is reached
through its button and every item followed. No page gives a 5xx, scrolls sideways, lets a field
stick out of its card or breaks a date over two lines on a phone, and none logs a console
error, a script error or a Content-Security-Policy violation (a broken chart or script shows
there). The citizen's pages get the same checks."""

from collections.abc import Iterator

import pytest
import sqlalchemy
from playwright.sync_api import Browser, Page, sync_playwright
from sqlalchemy import Engine

from web.browser import (
    CHROMIUM,
    CHROMIUM_ARGS,
    live_server,
    logged_in_page,
    open_menu,
    require_chromium,
)
from web.crawl import same_site
from web.pagetools import DEMO_PASSWORD
from web.screen_checks import answer_problems, phone_problems, watch, width_problems

pytestmark = pytest.mark.browser
ROLES = {"admin": 10, "hq": 8, "gr.cs": 9, "gr01.lead": 9, "gr01.1": 8}
"""Each demo role and how many items its menu holds at least."""
DESKTOP = (1366, 900)
PHONE = (390, 844)
LATE_REPORTS_MS = 50
"""How long a page is kept open at the end, so that a violation reported late is still seen."""


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


def _at_desktop(browser: Browser, base: str, login: str, problems: list[str]) -> list[str]:
    """Open the role's main pages at desktop width; the addresses opened."""
    page = logged_in_page(browser, base, login, DEMO_PASSWORD, DESKTOP)
    where = {"at": f"{login} desktop /"}
    watch(page, where, problems)
    urls = []
    for url in main_pages(page, base):
        urls.append(url)
        where["at"] = f"{login} desktop {url}"
        response = page.goto(f"{base}{url}", wait_until="load")
        problems += answer_problems(response, where["at"]) + width_problems(page, where["at"])
    page.wait_for_timeout(LATE_REPORTS_MS)
    page.close()
    return urls


def _on_a_phone(
    browser: Browser, base: str, login: str, urls: list[str], problems: list[str]
) -> int:
    """Follow every item of the phone menu, opening the menu on the page the last item led to
    (so its button is tried on every menu page), then open the role's other main pages;
    returns how many items the menu holds."""
    page = logged_in_page(browser, base, login, DEMO_PASSWORD, PHONE)
    where = {"at": f"{login} phone /"}
    watch(page, where, problems)
    problems += phone_problems(page, where["at"])
    items = page.eval_on_selector_all(
        "nav.nav a", "links => links.map(a => [a.getAttribute('href'), a.textContent.trim()])"
    )
    for href, text in items:
        open_menu(page)
        link = page.locator("nav.nav a", has_text=text).first
        box = link.bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= PHONE[0], f"{text} off screen"
        where["at"] = f"{login} phone {href}"
        with page.expect_navigation() as navigation:
            link.click()
        assert page.url[len(base) :].startswith(href), (login, href, page.url)
        problems += answer_problems(navigation.value, where["at"])
        problems += phone_problems(page, where["at"])
    walked = {same_site(f"{base}/", href) for href, _ in items}
    for url in (u for u in urls if u not in walked):
        where["at"] = f"{login} phone {url}"
        response = page.goto(f"{base}{url}", wait_until="load")
        problems += answer_problems(response, where["at"]) + phone_problems(page, where["at"])
    page.wait_for_timeout(LATE_REPORTS_MS)
    page.close()
    return len(items)


@pytest.mark.parametrize("demo_engine", ["sqlite"], indirect=True)
@pytest.mark.parametrize("login", list(ROLES))
def test_main_pages_of_a_role_at_desktop_and_through_the_phone_menu(
    demo_engine: Engine, login: str
) -> None:
    require_chromium()
    problems: list[str] = []
    with live_server(demo_engine) as base, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        urls = _at_desktop(browser, base, login, problems)
        items = _on_a_phone(browser, base, login, urls, problems)
        browser.close()
    assert items >= ROLES[login], f"{login}: only {items} menu items"
    assert len(urls) >= 7, f"{login}: only {len(urls)} main pages"  # as the CSP walk required
    assert not problems, "\n".join(problems)


def _first(engine: Engine, query: str) -> int:
    with engine.connect() as conn:
        found = conn.execute(sqlalchemy.text(query)).scalar()
    assert found is not None, query
    return found


@pytest.mark.parametrize("demo_engine", ["sqlite"], indirect=True)
def test_pages_with_an_id_fit_a_phone(demo_engine: Engine) -> None:
    """Pages the walk above never opens (their address holds an id) fit a phone and label
    every table cell: a voice marked as a duplicate, whose badge names the earlier voice (it
    made the page 419 px wide in Korean, 398 in English), an action with its effect table and
    a role-play session with its score table."""
    require_chromium()
    duplicate = _first(
        demo_engine,
        "SELECT voice_id FROM voice_analysis WHERE duplicate_of IS NOT NULL ORDER BY voice_id",
    )
    action = _first(demo_engine, "SELECT id FROM action ORDER BY id")
    session = _first(demo_engine, "SELECT id FROM roleplay_session ORDER BY id")
    problems: list[str] = []
    with live_server(demo_engine) as base, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        page = logged_in_page(browser, base, "admin", DEMO_PASSWORD, PHONE)
        where = {"at": "admin phone"}
        watch(page, where, problems)
        for url in (
            f"/voices/{duplicate}?lang=ko",
            f"/voices/{duplicate}?lang=en",
            f"/actions/{action}",
            f"/roleplay/sessions/{session}",
        ):
            where["at"] = f"admin phone {url}"
            response = page.goto(f"{base}{url}", wait_until="load")
            problems += answer_problems(response, where["at"]) + phone_problems(page, where["at"])
            if url.startswith("/voices/") and not page.locator("a.badge.sig-escalated").count():
                problems.append(f"{where['at']}: no duplicate badge")
            if not url.startswith("/voices/") and not page.locator("table.ledger td").count():
                problems.append(f"{where['at']}: no table")
        page.wait_for_timeout(LATE_REPORTS_MS)
        page.close()
        browser.close()
    assert not problems, "\n".join(problems)


CITIZEN_PAGES = ("/", "/submit", "/track", "/s", "/patrols/request", "/login")


@pytest.mark.parametrize("demo_engine", ["sqlite"], indirect=True)
def test_citizen_pages_at_desktop_and_phone_width(demo_engine: Engine) -> None:
    """The citizen's home, submit, tracking, survey-code, patrol and login pages answer, fit
    the screen and log no script error or CSP violation at both widths; a wrong tracking pair
    keeps the number typed."""
    require_chromium()
    problems: list[str] = []
    with live_server(demo_engine) as base, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        for width_name, (width, height) in {"desktop": DESKTOP, "phone": PHONE}.items():
            page = browser.new_page(viewport={"width": width, "height": height})
            where = {"at": f"citizen {width_name}"}
            watch(page, where, problems)
            for path in CITIZEN_PAGES:
                where["at"] = f"citizen {width_name} {path}"
                response = page.goto(f"{base}{path}", wait_until="load")
                if response is not None and 400 <= response.status < 500:
                    problems.append(f"{where['at']}: status {response.status}")
                problems += answer_problems(response, where["at"])
                problems += width_problems(page, where["at"])
            page.wait_for_timeout(LATE_REPORTS_MS)
            page.close()
            page = browser.new_page(viewport={"width": width, "height": height})
            page.goto(f"{base}/track")  # unwatched: a wrong pair is answered 404 on purpose
            page.fill("input[name=ledger_no]", "GR01-2026-999999")
            page.fill("input[name=secret]", "WRONGCODE")
            page.click("form[action='/track'] button[type=submit]")
            if page.input_value("input[name=ledger_no]") != "GR01-2026-999999":
                problems.append(f"citizen {width_name}: the receipt number typed was lost")
            page.close()
        browser.close()
    assert not problems, "\n".join(problems)
