"""In a real browser under the Content-Security-Policy: a staff member's main pages and the
citizen pages report no CSP violation and no script error."""

import pytest
from playwright.sync_api import Page, sync_playwright
from sqlalchemy import Engine

from web.browser import CHROMIUM, CHROMIUM_ARGS, live_server, logged_in_page, require_chromium
from web.pagetools import DEMO_PASSWORD
from web.test_browser_every_role import main_pages

pytestmark = pytest.mark.browser
CITIZEN_PAGES = ("/", "/submit", "/track", "/login")
RECORD_VIOLATIONS = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', e => {
  window.__csp.push(e.violatedDirective + ' ' + (e.blockedURI || 'inline'));
});
"""


def _watch(page: Page, problems: list[str], where: dict[str, str]) -> None:
    page.add_init_script(RECORD_VIOLATIONS)
    page.on(
        "console",
        lambda m: (
            problems.append(f"{where['at']}: {m.text}")
            if m.type == "error" and ("Content Security Policy" in m.text or "Refused" in m.text)
            else None
        ),
    )
    page.on("pageerror", lambda exc: problems.append(f"{where['at']}: script {exc}"))


def _visit(page: Page, base: str, urls: list[str], where: dict[str, str], problems: list[str]):
    for url in urls:
        where["at"] = url
        response = page.goto(f"{base}{url}", wait_until="load")
        assert response is not None and "content-security-policy" in response.headers
        page.wait_for_timeout(50)
        problems += [f"{url}: {v}" for v in page.evaluate("window.__csp || []")]


@pytest.mark.parametrize("demo_engine", ["sqlite"], indirect=True)
def test_no_csp_violation_on_staff_and_citizen_pages(demo_engine: Engine) -> None:
    require_chromium()
    problems: list[str] = []
    with live_server(demo_engine) as base, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        citizen = browser.new_page()
        where = {"at": "/"}
        _watch(citizen, problems, where)
        _visit(citizen, base, list(CITIZEN_PAGES), where, problems)
        citizen.close()
        for login in ("gr01.lead", "admin"):
            staff = logged_in_page(browser, base, login, DEMO_PASSWORD)
            where = {"at": "/ledger"}
            _watch(staff, problems, where)
            urls = []
            for url in main_pages(staff, base):  # each page opened once, its links read then
                urls.append(url)
                _visit(staff, base, [url], where, problems)
            assert len(urls) >= 7
            staff.close()
        browser.close()
    assert not problems, "\n".join(problems)
