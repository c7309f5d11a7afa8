"""On a phone (390×844), in a real browser: staff reach every item of their menu through the
menu button (no sideways strip hiding items), and no page they reach is wider than the screen,
no field or picture sticks out of its card, and dates do not break over two lines."""

import pytest
from playwright.sync_api import Page, sync_playwright
from sqlalchemy import Engine

from web.browser import CHROMIUM, CHROMIUM_ARGS, live_server, logged_in_page, require_chromium
from web.pagetools import DEMO_PASSWORD

pytestmark = pytest.mark.browser
PHONE = (390, 844)
ROLES = {
    "gr01.1": 8,
    "gr01.lead": 9,
    "gr.cs": 9,
    "hq": 8,
    "admin": 10,
}
"""Each demo role and how many items its menu holds at least."""

WRAPPED_DATES = r"""() => {
  const re = /\d{4}-\d{2}-\d{2}(?: \d{2}:\d{2})?/g;
  const out = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    if (n.parentElement.closest('script, style, svg, option, textarea')) continue;
    for (const m of n.data.matchAll(re)) {
      const r = document.createRange();
      r.setStart(n, m.index);
      r.setEnd(n, m.index + m[0].length);
      const rects = [...r.getClientRects()].filter(x => x.width > 0);
      if (new Set(rects.map(x => Math.round(x.bottom))).size > 1) {
        const el = n.parentElement;
        out.push(`${m[0]} in ${el.tagName.toLowerCase()}.${el.className}`);
      }
    }
  }
  return out.slice(0, 5);
}"""
"""Dates (2026-11-18, 2026-11-18 10:30) whose characters sit on more than one line."""

OUT_OF_CARD = r"""() => {
  const out = [];
  const scrolls = (el, box) => {
    for (let p = el.parentElement; p && p !== box; p = p.parentElement) {
      if (getComputedStyle(p).overflowX !== 'visible') return true;
    }
    return false;
  };
  for (const box of document.querySelectorAll('.card, .filters')) {
    const edge = box.getBoundingClientRect().right;
    for (const el of box.querySelectorAll('input, select, textarea, button, img, svg, table')) {
      const r = el.getBoundingClientRect();
      if (r.width > 0 && r.right > edge + 1 && !scrolls(el, box)) {
        out.push(el.tagName.toLowerCase() + (el.name ? `[name=${el.name}]` : ''));
      }
    }
  }
  return out.slice(0, 5);
}"""
"""Form fields, pictures and tables that stick out of their card (outside a scrolling box)."""


def _menu_items(page: Page) -> list[tuple[str, str]]:
    return page.eval_on_selector_all(
        "nav.nav a", "links => links.map(a => [a.getAttribute('href'), a.textContent.trim()])"
    )


def _open_menu(page: Page) -> None:
    button = page.locator("button.menu-button")
    assert button.is_visible(), "no menu button on the phone"
    assert button.get_attribute("aria-expanded") == "false"
    assert not page.locator("nav.nav a").first.is_visible(), "the menu is open before it is asked"
    button.click()
    assert button.get_attribute("aria-expanded") == "true"


def _problems_on_page(page: Page, where: str) -> list[str]:
    problems = []
    wide = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    if wide > 0:
        problems.append(f"{where}: {wide}px wider than the screen")
    sticking_out = page.evaluate(OUT_OF_CARD)
    if sticking_out:
        problems.append(f"{where}: wider than their card: {sticking_out}")
    wrapped = page.evaluate(WRAPPED_DATES)
    if wrapped:
        problems.append(f"{where}: dates broken over two lines: {wrapped}")
    return problems


def _walk_menu(page: Page, base: str, login: str) -> tuple[int, list[str]]:
    """Open the menu on the first screen and follow its first item through it, then open it
    on the page reached and follow the next item, and so on (so the menu button is tried on
    every page of the menu, and no page is loaded only to start from); what went wrong."""
    problems = _problems_on_page(page, f"{login} /")
    items = _menu_items(page)
    for href, text in items:
        _open_menu(page)
        link = page.locator("nav.nav a", has_text=text).first
        box = link.bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= PHONE[0], f"{text} off screen"
        with page.expect_navigation():
            link.click()
        assert page.url[len(base) :].startswith(href), (login, href, page.url)
        problems += _problems_on_page(page, f"{login} {href}")
    return len(items), problems


@pytest.mark.parametrize("demo_engine", ["sqlite"], indirect=True)
def test_phone_menu_reaches_every_item_and_no_page_is_wider_than_the_screen(
    demo_engine: Engine,
) -> None:
    require_chromium()
    problems: list[str] = []
    with live_server(demo_engine) as base, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        for login, least in ROLES.items():
            page = logged_in_page(browser, base, login, DEMO_PASSWORD, PHONE)
            seen, found = _walk_menu(page, base, login)
            assert seen >= least, f"{login}: only {seen} menu items"
            problems += found
            page.close()
        browser.close()
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("demo_engine", ["sqlite"], indirect=True)
def test_menu_is_a_plain_row_on_a_desktop_and_escape_folds_it_on_a_phone(
    demo_engine: Engine,
) -> None:
    require_chromium()
    with live_server(demo_engine) as base, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        desk = logged_in_page(browser, base, "admin", DEMO_PASSWORD, (1366, 900))
        assert not desk.locator("button.menu-button").is_visible()
        links = desk.locator("nav.nav a")
        assert all(links.nth(i).is_visible() for i in range(links.count()))
        phone = logged_in_page(browser, base, "gr01.1", DEMO_PASSWORD, PHONE)
        _open_menu(phone)
        assert phone.locator("nav.nav a").first.is_visible()
        phone.keyboard.press("Escape")
        assert not phone.locator("nav.nav a").first.is_visible()
        assert phone.locator("button.menu-button").get_attribute("aria-expanded") == "false"
        browser.close()
