"""The survey form keeps what people typed: several required answers missing are all marked at
once on the re-rendered form (the answers given stay chosen), and a free text over its stated
maximum gets a Korean message with the text kept; nothing is stored either way."""

import html
import re

import pytest
from factories import build_world
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select
from web.pagetools import client_for, csrf, login

from minwon.db import write_session
from minwon.errors import InvalidFields
from minwon.org import service as org
from minwon.surveys import templates
from minwon.surveys.models import SurveyResponse
from minwon.surveys.responses import MAX_TEXT, check_answers

ANSWERS = {"csat": "4", "kind": "5", "speed": "3", "nps": "9", "clear": "yes", "comment": ""}


def _kiosk(engine: Engine) -> tuple[TestClient, str, str]:
    """A counter kiosk's survey form: the client, the form's address and its CSRF token."""
    build_world(engine)
    with write_session(engine) as db:
        org_id = org.find_organization(db_session=db, ref="KNPA").id
        templates.ensure_defaults(db_session=db, organization_id=org_id)
    client = client_for(engine)
    login(client, "gr_officer")
    page = client.get("/kiosk").text
    found = re.search(r'action="(/kiosk/[^"]+)"', page)
    assert found and 'maxlength="2000"' in page and "최대 2,000자" in page
    return client, found.group(1), csrf(client, "/s")


def _responses(engine: Engine) -> int:
    with write_session(engine) as db:
        return db.scalar(select(func.count()).select_from(SurveyResponse)) or 0


def _checked(page: str, name: str, value: str) -> bool:
    return re.search(rf'name="{name}" value="{value}" checked', page) is not None


def test_every_missing_required_answer_is_marked_at_once(engine: Engine) -> None:
    client, action, token = _kiosk(engine)
    given = {"speed": "3", "clear": "yes", "comment": "창구가 붐볐어요", "csrf_token": token}
    r = client.post(action, data=given)
    assert r.status_code == 422
    page = html.unescape(r.text)
    marked = re.findall(r'<p class="field-error" role="alert">([^<]+)</p>', page)
    assert len(marked) == 3, marked  # csat, kind and nps: all three, not only the first
    assert "답하지 않았거나 다시 확인할 질문이 3개 있습니다" in page
    assert page.count('class="q q-csat has-error"') == 2 and 'q-nps has-error"' in page
    assert _checked(page, "speed", "3") and _checked(page, "clear", "yes")
    assert "창구가 붐볐어요" in page
    assert _responses(engine) == 0
    done = client.post(action, data={**ANSWERS, "csrf_token": token})
    assert done.status_code == 200 and _responses(engine) == 1


def test_a_wrong_and_a_missing_answer_are_both_marked(engine: Engine) -> None:
    client, action, token = _kiosk(engine)
    r = client.post(action, data={**ANSWERS, "csat": "7", "nps": "", "csrf_token": token})
    assert r.status_code == 422
    assert "1~5" in r.text and "추천하시겠습니까" in html.unescape(r.text)
    assert "질문이 2개" in r.text and _responses(engine) == 0


def test_a_free_text_over_its_maximum_is_refused_with_the_text_kept(engine: Engine) -> None:
    client, action, token = _kiosk(engine)
    long = "가" * (MAX_TEXT + 1)
    r = client.post(action, data={**ANSWERS, "comment": long, "csrf_token": token})
    assert r.status_code == 422
    assert f"{MAX_TEXT:,}자까지" in r.text and long in r.text
    assert _checked(html.unescape(r.text), "csat", "4")
    assert _responses(engine) == 0


@pytest.mark.parametrize("missing", [["csat"], ["csat", "kind"], ["csat", "kind", "speed", "nps"]])
def test_check_answers_names_every_question_at_fault(engine: Engine, missing: list[str]) -> None:
    build_world(engine)
    with write_session(engine) as db:
        org_id = org.find_organization(db_session=db, ref="KNPA").id
        template = templates.ensure_defaults(db_session=db, organization_id=org_id)[0]
        questions = templates.questions(db_session=db, template_id=template.id)
    with pytest.raises(InvalidFields) as caught:
        check_answers(questions, {k: v for k, v in ANSWERS.items() if k not in missing})
    assert list(caught.value.errors) == missing
    assert all("답해 주십시오" in m for m in caught.value.errors.values())
