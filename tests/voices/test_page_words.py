"""A voice's page speaks in words, not codes: the kinds of personal data masked, the reason a
voice is urgent, the suggested unit, and the people and units in its history are named in
Korean (English with the English interface), never as internal codes or logins."""

import re

from factories import build_world
from sqlalchemy import Engine, update
from web.pagetools import api_voice, client_for, login

from minwon.db import write_session
from minwon.org.models import Staff

BODY = "밤마다 골목에서 폭행 사건이 일어나 무섭습니다. 연락은 010-1234-5678 로 주세요."


def _dd(html: str, label: str) -> str:
    """The text of the fact labelled ``label`` on the page."""
    match = re.search(rf"<dt>{re.escape(label)}</dt><dd>(.*?)</dd>", html, re.S)
    assert match, f"no fact {label!r} on the page"
    return re.sub(r"<[^>]+>", "", match.group(1)).strip()


def _history(html: str) -> str:
    part = html.split('class="timeline"', 1)[1].split("</ol>", 1)[0]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", part))


def test_voice_page_names_masked_data_urgency_and_people_in_korean(engine: Engine) -> None:
    world = build_world(engine)
    with write_session(engine) as db:
        db.execute(update(Staff).where(Staff.login == "gr_officer").values(name="김순경"))
    client = client_for(engine)
    voice = api_voice(client, world, body=BODY, contact={"phone": "010-1234-5678"})
    assigned = client.post(
        f"/api/v1/voices/{voice['id']}/assign",
        json={"assignee": "gr_officer"},
        headers=world.auth("gr_lead"),
    )
    assert assigned.status_code == 200, assigned.text
    login(client, "gr_lead")
    page = client.get(f"/voices/{voice['id']}").text

    assert _dd(page, "가린 개인정보") == "전화번호"
    assert "폭력" in _dd(page, "긴급") and "violence" not in page
    history = _history(page)
    assert "담당자: 김순경" in history and "gr_officer" not in history
    assert "부서: 구로지구대" in history and "부서: GR01" not in history

    english = client.get(f"/voices/{voice['id']}?lang=en").text
    assert _dd(english, "Personal data masked") == "phone number"
    assert "violence" in _dd(english, "Urgent")
