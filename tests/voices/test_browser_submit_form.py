"""In a real browser, at phone and desktop sizes: the public submit form counts the characters
against the stated maximum, keeps a draft in the tab (a reload or a refused post loses
nothing), shows a refused phone number in Korean with the text kept, and takes a photo."""

import pytest
from factories import build_world
from playwright.sync_api import expect, sync_playwright
from sqlalchemy import Engine, select
from web.browser import CHROMIUM, CHROMIUM_ARGS, live_server, require_chromium

from minwon.db import session_factory
from minwon.voices.models import VoiceAttachment

pytestmark = pytest.mark.browser
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 64
BODY = "구로동 골목 가로등이 일주일째 꺼져 있어 밤길이 무섭습니다."


@pytest.mark.parametrize("size", [(390, 844), (1366, 900)], ids=["phone", "desktop"])
@pytest.mark.parametrize("engine", ["sqlite"], indirect=True)
def test_the_submit_form_keeps_what_people_type(engine: Engine, size: tuple[int, int]) -> None:
    require_chromium()
    build_world(engine)
    with live_server(engine) as base, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": size[0], "height": size[1]})
        page.set_default_timeout(90_000)  # the first intake of a process loads the analysis
        errors: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.goto(f"{base}/submit?unit=GR01")
        expect(page.locator("#count-body")).to_have_text("0 / 100,000자")
        page.fill("input[name=title]", "골목 가로등이 꺼져 있어요")
        page.fill("textarea[name=body]", BODY)
        expect(page.locator("#count-body")).to_have_text(f"{len(BODY)} / 100,000자")

        page.reload()  # the draft of this tab comes back
        expect(page.locator("textarea[name=body]")).to_have_value(BODY)

        page.fill("input[name=contact_name]", "홍길동")
        page.fill("input[name=contact_phone]", "12")
        page.check("input[name=contact_consent]")
        page.set_input_files(
            "input[name=files]",
            files=[{"name": "가로등.png", "mimeType": "image/png", "buffer": PNG}],
        )
        page.click("form button[type=submit]")
        expect(page.locator("#err-contact_phone")).to_contain_text("전화번호를 확인해 주세요")
        expect(page.locator("textarea[name=body]")).to_have_value(BODY)
        expect(page.locator("#err-files")).to_contain_text("다시 골라 주세요")

        page.fill("input[name=contact_phone]", "010 1234 5678")
        page.set_input_files(
            "input[name=files]",
            files=[{"name": "가로등.png", "mimeType": "image/png", "buffer": PNG}],
        )
        page.click("form button[type=submit]")
        expect(page.locator(".receipt-big dd").first).to_contain_text("GR01-")
        expect(page.locator("body")).to_contain_text("첨부 파일 1개")

        page.goto(f"{base}/submit?unit=GR01")  # the receipt cleared the draft
        expect(page.locator("textarea[name=body]")).to_have_value("")
        assert not [e for e in errors if "Content Security Policy" in e], errors
        browser.close()
    with session_factory(engine)() as db:
        assert [a.file_name for a in db.scalars(select(VoiceAttachment))] == ["가로등.png"]
