"""In a real browser: a citizen submits, an officer answers, a unit lead approves, and the
citizen sees the answer with the receipt number."""

import pytest
from factories import PASSWORD, build_world
from playwright.sync_api import expect, sync_playwright
from sqlalchemy import Engine

from web.browser import CHROMIUM, CHROMIUM_ARGS, live_server, logged_in_page, require_chromium

pytestmark = pytest.mark.browser
ANSWER = "말씀하신 골목에 가로등을 새로 달았습니다. 야간 순찰도 늘리겠습니다."


@pytest.mark.parametrize("engine", ["sqlite"], indirect=True)
def test_citizen_to_answer_and_back(engine: Engine) -> None:
    require_chromium()
    build_world(engine)
    with live_server(engine) as base, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        citizen = browser.new_page(viewport={"width": 390, "height": 844})
        citizen.goto(f"{base}/submit?unit=GR01")
        citizen.check("input[name=kind][value=complaint]")
        citizen.fill("input[name=title]", "골목 가로등이 꺼져 있어요")
        citizen.fill(
            "textarea[name=body]", "구로동 골목 가로등이 일주일째 꺼져 있어 밤길이 무섭습니다."
        )
        citizen.click("form button[type=submit]")
        numbers = citizen.locator(".receipt-big dd")
        expect(numbers.first).to_contain_text("GR01-")
        ledger_no, secret = numbers.nth(0).inner_text().strip(), numbers.nth(1).inner_text().strip()

        officer = logged_in_page(browser, base, "gr_officer", PASSWORD)
        officer.goto(f"{base}/ledger")
        officer.click(f"text={ledger_no}")
        officer.fill("#answer-body", ANSWER)
        officer.click("form.action-answer button[type=submit]")
        expect(officer.locator("body")).to_contain_text(ANSWER)

        lead = logged_in_page(browser, base, "gr_lead", PASSWORD)
        approval = lead.locator("#approval")  # the lead's first screen lists the draft
        expect(approval).to_contain_text(ledger_no)
        approval.get_by_text(ledger_no).click()
        lead.click("form.action-approve button[type=submit]")
        expect(lead.locator("form.action-approve")).to_have_count(0)

        citizen.goto(f"{base}/track")
        citizen.fill("input[name=ledger_no]", ledger_no)
        citizen.fill("input[name=secret]", secret)
        citizen.click("form button[type=submit]")
        expect(citizen.locator("body")).to_contain_text(ANSWER)
        expect(citizen.locator("body")).to_contain_text(ledger_no)
        browser.close()
