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


def test_no_quiet_days_reads_as_no_limit_not_zero_days(engine: Engine) -> None:
    build_world(engine)
    with write_session(engine) as db:
        org_id = org.find_organization(db_session=db, ref="KNPA").id
        for code, quiet in (("ANYTIME", 0), ("MONTHLY", 30)):
            templates.create_template(
                db_session=db,
                organization_id=org_id,
                code=code,
                name=f"{code} 조사",
                trigger="answer_sent" if quiet else "counter_visit",
                quiet_days=quiet,
                questions=[QuestionIn("overall", "csat", "만족하십니까?")],
            )
    client = client_for(engine)
    login(client, "gr_cs")
    page = client.get("/surveys").text
    anytime = _summary(page, "ANYTIME 조사")
    assert "재조사 제한 없음" in anytime and "0일" not in anytime
    assert "30일 내 재조사 안 함" in _summary(page, "MONTHLY 조사")
    english = _summary(client.get("/surveys?lang=en").text, "ANYTIME 조사")
    assert "no repeat limit" in english and "0 days" not in english
