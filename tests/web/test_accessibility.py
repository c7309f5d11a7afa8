"""Accessibility in a real browser: axe-core (the copy bundled by axe-playwright-python, nothing
fetched) finds no serious or critical violation of KWCAG 2.2 / WCAG 2.1 AA and axe's best
practices on a representative set of pages: the citizen's form, receipt, tracking with its
result, a survey and the login page; for a role that works in every domain (an office's CS
manager) the ledger, a voice, the dashboard (again at phone width, where its charts scroll
sideways) and one page of each domain. Every other page shares their layout, styles and form
macros.

What axe cannot judge is left to people (an image's alt text being apt, a sensible reading
order); minor and moderate findings are not asserted here but were fixed when found."""

from typing import Any

import pytest
import sqlalchemy
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, ViewportSize, sync_playwright
from sqlalchemy import Engine

from minwon.db import write_session
from minwon.surveys import invitations
from minwon.surveys.models import SurveyInvitation, SurveyTemplate
from minwon.timeutil import utcnow
from web.browser import CHROMIUM, CHROMIUM_ARGS, live_server, require_chromium
from web.pagetools import DEMO_PASSWORD

pytestmark = pytest.mark.browser
DESKTOP = ViewportSize(width=1366, height=900)
PHONE = ViewportSize(width=390, height=844)
ASSERTED = {"serious", "critical"}
AXE_OPTIONS: dict[str, Any] = {"resultTypes": ["violations"], "rules": {}}
"""Every rule axe runs by default (WCAG 2.0-2.2 A/AA and best practices); none is disabled.
A rule that cannot be met for a good reason is turned off here, with that reason, as
``"rules": {"rule-id": {"enabled": False}}``."""
TARGETS_SHOWN = 3
STAFF = "gr.cs"
"""The Guro station's CS manager: every domain of the office, the outreach log (with its
progress bar) and the pages of people and protection included."""


def violations(axe: Axe, page: Page, where: str) -> list[str]:
    """Serious and critical violations axe finds on ``page`` as it is now, one line each: the
    rule, its impact, its help text and the first elements it names."""
    found = axe.run(page, options=AXE_OPTIONS).response["violations"]
    lines = []
    for v in found:
        if v["impact"] not in ASSERTED:
            continue
        nodes = v["nodes"]
        targets = [" ".join(map(str, n["target"])) for n in nodes[:TARGETS_SHOWN]]
        more = f" (+{len(nodes) - TARGETS_SHOWN} more)" if len(nodes) > TARGETS_SHOWN else ""
        lines.append(f"{where}: {v['id']} [{v['impact']}] {v['help']} at {targets}{more}")
    return lines


def _first(engine: Engine, query: str) -> Any:
    with engine.connect() as conn:
        found = conn.execute(sqlalchemy.text(query)).scalar()
    assert found is not None, query
    return found


def _open_survey(engine: Engine) -> str:
    """The short code of a survey a citizen can answer now (the demo's own have expired by the
    test clock): one more invitation to the demo's first survey, for the same office."""
    with write_session(engine) as db:
        query = sqlalchemy.select(SurveyInvitation).order_by(SurveyInvitation.id)
        first = db.scalars(query).first()
        assert first is not None, "the demo has no survey invitation"
        template = db.get(SurveyTemplate, first.template_id)
        assert template is not None
        target = invitations.Target(office_id=first.office_id, unit_id=first.unit_id, channel="web")
        issued = invitations.issue(db, template, target, via="email", now=utcnow())
        assert issued is not None
        issued.invitation.send_at = utcnow()
        return issued.invitation.short_code


def _citizen_pages(axe: Axe, page: Page, base: str, code: str) -> list[str]:
    """The citizen's way: the form (in English too), a voice sent, its receipt, tracking it
    with the pair the receipt gave, a survey to answer; then the staff login page."""
    problems = []
    page.goto(f"{base}/submit?lang=en")
    problems += violations(axe, page, "/submit (English)")
    page.goto(f"{base}/submit?lang=ko")
    problems += violations(axe, page, "/submit")
    page.select_option("select[name=office]", index=1)
    page.locator("input[name=kind]").first.check()
    page.fill("input[name=title]", "골목 가로등이 꺼져 있습니다")
    page.fill("textarea[name=body]", "일주일째 골목 가로등이 꺼져 있어 밤길이 어둡습니다.")
    page.click("form[action='/submit'] button[type=submit]")
    page.wait_for_url("**/submit/done")
    problems += violations(axe, page, "/submit/done")
    ledger_no, secret = (page.locator(".receipt-big dd.mono").nth(i).inner_text() for i in (0, 1))
    page.goto(f"{base}/track")
    page.fill("input[name=ledger_no]", ledger_no)
    page.fill("input[name=secret]", secret)
    page.click("form[action='/track'] button[type=submit]")
    page.wait_for_load_state()
    assert page.locator(".track-result").count(), "the receipt's pair did not track the voice"
    problems += violations(axe, page, "/track (its result)")
    page.goto(f"{base}/s/c/{code}")
    assert page.locator("form input[type=radio]").count(), "no survey to answer"
    problems += violations(axe, page, "/s/c/(code)")
    page.goto(f"{base}/login")
    problems += violations(axe, page, "/login")
    return problems


@pytest.mark.parametrize("demo_engine", ["sqlite"], indirect=True)
def test_no_serious_accessibility_violation(demo_engine: Engine) -> None:
    require_chromium()
    guro = "SELECT min(id) FROM {} WHERE office_id = (SELECT id FROM office WHERE code = 'GR')"
    voice = _first(demo_engine, guro.format("voice"))
    action = _first(demo_engine, guro.format("action"))
    code = _open_survey(demo_engine)
    staff_pages = (
        "/ledger",
        f"/voices/{voice}",
        "/dashboard",
        "/surveys",
        "/analysis",
        "/outreach",
        f"/actions/{action}",
        "/quality",
        "/protection",
        "/account/security",
    )
    axe = Axe()
    with live_server(demo_engine) as base, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        page = browser.new_context(viewport=DESKTOP).new_page()
        problems = _citizen_pages(axe, page, base, code)
        page.fill("input[name=login]", STAFF)
        page.fill("input[name=password]", DEMO_PASSWORD)
        page.click("form button[type=submit]")
        page.wait_for_url(f"{base}/")
        for path in staff_pages:
            response = page.goto(f"{base}{path}")
            assert response is not None and response.ok, (path, response and response.status)
            problems += violations(axe, page, path)
        page.set_viewport_size(PHONE)
        page.goto(f"{base}/dashboard")
        problems += violations(axe, page, "/dashboard at 390 px")
        browser.close()
    if problems:
        pytest.fail("axe found:\n" + "\n".join(problems), pytrace=False)
