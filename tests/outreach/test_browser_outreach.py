"""In a real browser at phone size (390×844): an officer logs three residents met, one with a
request; the request appears in the ledger; the unit lead sees the achievement table."""

import re

import pytest
from factories import PASSWORD, build_world
from playwright.sync_api import Page, expect, sync_playwright
from sqlalchemy import Engine
from web.browser import CHROMIUM, CHROMIUM_ARGS, live_server, logged_in_page, require_chromium

pytestmark = pytest.mark.browser
REQUEST = "놀이터 옆 골목이 어두워요. 저녁 순찰을 늘려 주세요."


def _contact(page: Page, base: str, housing: str, request: str = "") -> None:
    page.goto(f"{base}/outreach")
    page.click(f"label:has(input[name=housing][value={housing}])")
    page.fill("input[name=dong]", "구로1동")
    page.check("input[name=card_given]")
    if request:
        page.fill("textarea[name=request]", request)
    page.click("form.outreach-form button[type=submit]")
    expect(page.locator(".flash")).to_be_visible()


@pytest.mark.parametrize("engine", ["sqlite"], indirect=True)
def test_officer_logs_contacts_and_the_lead_sees_them(engine: Engine) -> None:
    require_chromium()
    build_world(engine)
    with live_server(engine) as base, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        officer = logged_in_page(browser, base, "gr_officer", PASSWORD, (390, 844))
        _contact(officer, base, "apartment")
        _contact(officer, base, "multi")
        _contact(officer, base, "street", REQUEST)
        expect(officer.locator(".progress-big b")).to_have_text("3")
        assert officer.evaluate("document.documentElement.scrollWidth") <= 390

        lead = logged_in_page(browser, base, "gr_lead", PASSWORD, (390, 844))
        lead.goto(f"{base}/ledger?unit=")
        expect(lead.locator("table.ledger")).to_contain_text(REQUEST[:20])
        lead.goto(f"{base}/outreach/team?unit=GR01")
        name = lead.locator("th", has_text=re.compile(r"^gr_officer$"))
        row = lead.locator("#achievement tbody tr").filter(has=name)
        expect(row.locator("td.day").last).to_have_text("3")
        browser.close()
