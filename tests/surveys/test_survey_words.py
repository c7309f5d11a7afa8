"""The survey page names a template by its name and when it is sent, in words (English with the
English interface); its code stays as a labelled detail, never a bare word in the summary."""

import re

from factories import build_world
from sqlalchemy import Engine
from web.pagetools import client_for, login

from minwon.db import write_session
from minwon.org import service as org
from minwon.surveys import templates
from minwon.surveys.templates import QuestionIn


def _summary(html: str, name: str) -> str:
    match = re.search(rf"<summary><b>{name}</b>(.*?)</summary>", html, re.S)
    assert match, f"no template {name!r} on the page"
    return re.sub(r"<[^>]+>", "", match.group(1))


def test_template_summary_says_when_it_is_sent_not_its_code(engine: Engine) -> None:
    build_world(engine)
    with write_session(engine) as db:
        org_id = org.find_organization(db_session=db, ref="KNPA").id
        templates.create_template(
            db_session=db,
            organization_id=org_id,
            code="COUNTER",
            name="민원실 방문 조사",
            trigger="counter_visit",
            questions=[QuestionIn("overall", "csat", "만족하십니까?")],
        )
    client = client_for(engine)
    login(client, "gr_cs")
    page = client.get("/surveys").text
    summary = _summary(page, "민원실 방문 조사")
    assert "창구 방문 후" in summary and "COUNTER" not in summary
    assert '조사 코드: <span class="mono">COUNTER</span>' in page
    english = _summary(client.get("/surveys?lang=en").text, "민원실 방문 조사")
    assert "after a counter visit" in english and "창구" not in english
