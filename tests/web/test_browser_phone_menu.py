"""The menu on a phone and on a desktop, in a real browser: a plain row of links on a desktop,
a button on a phone that unfolds it and that Escape folds again. (Every item of every role's
phone menu is followed in tests/web/test_browser_every_role.py.)"""

import pytest
from playwright.sync_api import sync_playwright
from sqlalchemy import Engine

from web.browser import (
    CHROMIUM,
    CHROMIUM_ARGS,
    live_server,
    logged_in_page,
    open_menu,
    require_chromium,
)
from web.pagetools import DEMO_PASSWORD

pytestmark = pytest.mark.browser
PHONE = (390, 844)


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
        open_menu(phone)
        assert phone.locator("nav.nav a").first.is_visible()
        phone.keyboard.press("Escape")
        assert not phone.locator("nav.nav a").first.is_visible()
        assert phone.locator("button.menu-button").get_attribute("aria-expanded") == "false"
        browser.close()
