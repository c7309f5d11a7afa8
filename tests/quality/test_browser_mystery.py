"""In a real browser at phone width (390×844): an observer opens the mystery visit the CS
manager planned, marks the checklist with their thumb (one item missed, with a note) and saves
it; the unit lead then sees the result on the unit's page and on the check itself — the missed
item and the note, but never who observed. No page is wider than the phone."""

from datetime import timedelta

import pytest
from conftest import TEST_NOW
from factories import PASSWORD, build_world
from fastapi.testclient import TestClient
from playwright.sync_api import Page, sync_playwright
from sqlalchemy import Engine
from web.browser import CHROMIUM, CHROMIUM_ARGS, live_server, logged_in_page, require_chromium

from minwon.app import create_app

pytestmark = pytest.mark.browser
PHONE = (390, 844)
MISSED = "자리에서 일어나 배웅 인사를 했다"
NOTE = "상담 뒤 자리에서 배웅하지 않음"


def _wider_than_phone(page: Page) -> int:
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


@pytest.mark.parametrize("engine", ["sqlite"], indirect=True)
def test_a_mystery_visit_recorded_on_a_phone_shows_on_the_units_page_without_the_observer(
    engine: Engine,
) -> None:
    require_chromium()
    world = build_world(engine)
    api = TestClient(create_app(engine=engine))
    today = TEST_NOW.date()
    visit = api.post(
        "/api/v1/quality/visits",
        json={
            "unit": "GR01",
            "channel": "visit",
            "scenario": "뺑소니 사건 진행 상황을 묻는 피해자 가족",
            "window_start": str(today - timedelta(days=1)),
            "window_end": str(today + timedelta(days=6)),
            "observer": "gr2_officer",
        },
        headers=world.auth("gr_cs"),
    ).json()
    units = api.get("/api/v1/units", headers=world.auth("admin")).json()
    unit_id = next(u["id"] for u in units if u["code"] == "GR01")
    with live_server(engine) as base, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        observer = logged_in_page(browser, base, "gr2_officer", PASSWORD, PHONE)
        observer.goto(f"{base}/quality/visits")
        assert _wider_than_phone(observer) <= 0
        observer.click(f"a[href='/quality/visits/{visit['id']}']")
        observer.wait_for_url(f"{base}/quality/visits/{visit['id']}")
        assert "뺑소니" in observer.inner_text("main")
        assert _wider_than_phone(observer) <= 0
        items = observer.locator(".q-item")
        assert items.count() >= 10
        for i in range(items.count()):
            item = items.nth(i)
            missed = MISSED in item.inner_text()
            item.locator(f"label:has(input[value={'no' if missed else 'yes'}])").click()
            if missed:
                item.locator("input[name^=n_]").fill(NOTE)
        observer.fill("textarea[name=note]", "대기 안내는 친절함")
        observer.click("form.q-form button[type=submit]")
        observer.wait_for_url(f"{base}/quality/visits/{visit['id']}")
        assert "점검을 저장했습니다" in observer.inner_text("main")
        observer.close()

        lead = logged_in_page(browser, base, "gr_lead", PASSWORD, PHONE)
        lead.goto(f"{base}/quality/units/{unit_id}")
        assert _wider_than_phone(lead) <= 0
        row = lead.locator("#q-unit-checks tr[data-kind=mystery]")
        assert row.count() == 1
        assert "비공개" in row.inner_text() and "gr2_officer" not in lead.content()
        row.locator("a").click()
        lead.wait_for_url(f"{base}/quality/checks/*")
        text = lead.inner_text("main")
        assert "암행 점검" in text and MISSED in text and NOTE in text and "비공개" in text
        assert "gr2_officer" not in lead.content()
        assert _wider_than_phone(lead) <= 0
        lead.close()
        browser.close()
