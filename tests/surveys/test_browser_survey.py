"""In a real browser: an answer is sent, the survey e-mail reaches a local SMTP server, the
citizen opens its link on a phone and answers, and the dashboard shows the new response."""

import email
import re
from dataclasses import dataclass, field
from datetime import timedelta
from email.policy import default
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from factories import PASSWORD, build_world, voice_json
from fastapi.testclient import TestClient
from playwright.sync_api import expect, sync_playwright
from sqlalchemy import Engine
from web.browser import CHROMIUM, CHROMIUM_ARGS, _free_port, live_server, require_chromium

from minwon import background
from minwon.app import create_app
from minwon.config import Settings
from minwon.db import write_session
from minwon.org import service as org
from minwon.outbox.smtp import SmtpSender
from minwon.outbox.worker import run_once as deliver
from minwon.surveys import templates
from minwon.timeutil import utcnow

pytestmark = pytest.mark.browser


@dataclass
class Inbox:
    """An aiosmtpd handler keeping the mails it receives."""

    mails: list[email.message.EmailMessage] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.mails.append(email.message_from_bytes(bytes(envelope.content), policy=default))
        return "250 OK"


@pytest.mark.parametrize("engine", ["sqlite"], indirect=True)
def test_survey_mail_to_answer_to_dashboard(engine: Engine) -> None:
    require_chromium()
    world = build_world(engine)
    with write_session(engine) as db:
        templates.ensure_defaults(
            db_session=db, organization_id=org.find_organization(db_session=db).id
        )
    api = TestClient(create_app(engine=engine))
    h = world.auth("gr_lead")
    body = voice_json(unit="GR01", contact={"name": "김시민", "email": "citizen@example.kr"})
    voice = api.post("/api/v1/voices", json=body, headers=h).json()
    api.post(f"/api/v1/voices/{voice['id']}/answer", json={"body": "조치했습니다."}, headers=h)
    assert api.post(f"/api/v1/voices/{voice['id']}/answer/approve", headers=h).status_code == 200

    inbox, port = Inbox(), _free_port()
    smtp = Controller(inbox, hostname="127.0.0.1", port=port)
    smtp.start()
    try:
        with live_server(engine) as base, sync_playwright() as pw:
            assert background.run_once(engine, base_url=base).invited == 1
            sender = SmtpSender(Settings(smtp_host="127.0.0.1", smtp_port=port))
            assert deliver(engine=engine, sender=sender, now=utcnow() + timedelta(hours=25)) >= 1
            survey_mail = next(m for m in inbox.mails if "참여" in str(m["Subject"]))
            link = re.search(r"(http://\S+/s/[A-Za-z0-9_-]+)", survey_mail.get_content()).group(1)

            browser = pw.chromium.launch(
                executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
            )
            phone = browser.new_page(viewport={"width": 390, "height": 844})
            phone.goto(link)
            for name, value in (("csat", "5"), ("kind", "5"), ("speed", "4"), ("nps", "10")):
                phone.click(f"label:has(input[name={name}][value='{value}'])")
            phone.click("label:has(input[name=clear][value=yes])")
            phone.fill("textarea[name=comment]", "빠르게 처리해 주셔서 고맙습니다.")
            phone.click("form button[type=submit]")
            expect(phone.locator("h1")).to_contain_text("감사합니다")
            phone.goto(link)
            expect(phone.locator("h1")).to_contain_text("이미 응답하신")

            assert background.run_once(engine, base_url=base).counted >= 1
            staff = browser.new_page()
            staff.goto(f"{base}/login")
            staff.fill("input[name=login]", "gr_cs")
            staff.fill("input[name=password]", PASSWORD)
            staff.click("form button[type=submit]")
            staff.goto(f"{base}/dashboard")
            kpis = staff.locator(".kpis")
            expect(kpis).to_contain_text("5.00")
            expect(kpis).to_contain_text("n=1")
            browser.close()
    finally:
        smtp.stop()
