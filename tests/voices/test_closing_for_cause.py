"""Closing (종결) a voice for cause: an abusive voice, or a third or later repeat of what the
office answered twice, is closed by a lead with the reason in its history and a notice to the
citizen through the outbox; a repeat closing before two answers, a closed voice, an officer
and another office are refused and nothing changes."""

import pytest
from factories import World, build_world, voice_json
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from web.pagetools import client_for, csrf, login

from minwon.app import create_app
from minwon.db import session_factory
from minwon.outbox.models import OutboxMessage

CONTACT = {"name": "김민원", "email": "kim@example.kr", "phone": "010-3333-4444", "consent": True}


def _voice(client: TestClient, world: World, contact: dict | None = CONTACT) -> dict:
    body = voice_json(unit="GR01", **({"contact": contact} if contact else {}))
    r = client.post("/api/v1/voices", json=body, headers=world.auth("gr_officer"))
    assert r.status_code == 201, r.text
    return r.json()


def _answer(client: TestClient, world: World, voice_id: int) -> None:
    h = world.auth("gr_lead")
    base = f"/api/v1/voices/{voice_id}"
    assert client.post(base + "/answer", json={"body": "답변"}, headers=h).status_code < 300
    assert client.post(base + "/answer/approve", headers=h).status_code < 300


def _notices(engine: Engine) -> list[OutboxMessage]:
    with session_factory(engine)() as db:
        return list(db.scalars(select(OutboxMessage).where(OutboxMessage.topic == "closing")))


def _close(client: TestClient, world: World, voice_id: int, login_name: str = "gr_lead", **kw):
    body = {"cause": "abusive", "reason": "전화로 욕설과 협박을 반복함", **kw}
    return client.post(
        f"/api/v1/voices/{voice_id}/close-for-cause", json=body, headers=world.auth(login_name)
    )


def test_an_abusive_voice_is_closed_with_the_reason_and_the_citizen_told(engine: Engine) -> None:
    world = build_world(engine)
    client = TestClient(create_app(engine=engine))
    voice = _voice(client, world)
    closed = _close(client, world, voice["id"])
    assert closed.status_code == 200, closed.text
    assert closed.json()["status"] == "closed"
    history = client.get(
        f"/api/v1/voices/{voice['id']}/history", headers=world.auth("gr_lead")
    ).json()
    last = history[-1]
    assert last["kind"] == "closed_for_cause" and last["note"] == "전화로 욕설과 협박을 반복함"
    assert last["after"] == {"status": "closed", "cause": "abusive", "notice": "email"}
    [notice] = _notices(engine)
    assert notice.recipient == "kim@example.kr" and "종결" in notice.subject
    assert "전화로 욕설과 협박을 반복함" in notice.body and "이의" in notice.body


def test_without_an_email_the_closing_records_that_no_notice_went(engine: Engine) -> None:
    world = build_world(engine)
    client = TestClient(create_app(engine=engine))
    voice = _voice(client, world, contact=None)
    assert _close(client, world, voice["id"]).status_code == 200
    history = client.get(
        f"/api/v1/voices/{voice['id']}/history", headers=world.auth("gr_lead")
    ).json()
    assert history[-1]["after"]["notice"] == "none"
    assert _notices(engine) == []


def test_a_repeat_is_closed_only_after_two_answers(engine: Engine) -> None:
    world = build_world(engine)
    client = TestClient(create_app(engine=engine))
    first = _voice(client, world)
    _answer(client, world, first["id"])
    second = _voice(client, world, contact={**CONTACT, "email": "KIM@example.kr"})
    early = _close(client, world, second["id"], cause="repeat", reason="세 번째 같은 민원")
    assert early.status_code == 409 and "답변 1건" in early.json()["detail"]
    _answer(client, world, second["id"])
    third = _voice(client, world)
    done = _close(
        client, world, third["id"], cause="repeat", reason="같은 내용 세 번째 (1·2차 답변함)"
    )
    assert done.status_code == 200, done.text
    stranger = _voice(client, world, contact={"phone": "010-7777-8888", "consent": True})
    assert _close(client, world, stranger["id"], cause="repeat").status_code == 409


@pytest.mark.parametrize(
    ("login_name", "status"), [("gr_officer", 403), ("hq", 403), ("dj_lead", 404), ("gr_cs", 200)]
)
def test_who_may_close(engine: Engine, login_name: str, status: int) -> None:
    world = build_world(engine)
    client = TestClient(create_app(engine=engine))
    voice = _voice(client, world)
    assert _close(client, world, voice["id"], login_name).status_code == status
    if status != 200:
        assert _notices(engine) == []


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"cause": "rude", "reason": "x"}, 422),
        ({"cause": "abusive", "reason": "  "}, 422),
        ({"cause": "abusive"}, 422),
        ({"cause": "abusive", "reason": "x" * 2001}, 422),
    ],
)
def test_bad_closings_are_refused_and_nothing_changes(
    engine: Engine, body: dict, status: int
) -> None:
    world = build_world(engine)
    client = TestClient(create_app(engine=engine))
    voice = _voice(client, world)
    r = client.post(
        f"/api/v1/voices/{voice['id']}/close-for-cause", json=body, headers=world.auth("gr_lead")
    )
    assert r.status_code == status
    got = client.get(f"/api/v1/voices/{voice['id']}", headers=world.auth("gr_lead")).json()
    assert got["status"] == "received"


def test_a_closed_voice_cannot_be_closed_again(engine: Engine) -> None:
    world = build_world(engine)
    client = TestClient(create_app(engine=engine))
    voice = _voice(client, world)
    assert _close(client, world, voice["id"]).status_code == 200
    assert _close(client, world, voice["id"]).status_code == 409
    assert len(_notices(engine)) == 1


def test_the_voice_page_links_to_the_closing_form_which_keeps_the_text(engine: Engine) -> None:
    world = build_world(engine)
    voice = _voice(TestClient(create_app(engine=engine)), world)
    client = client_for(engine)
    login(client, "gr_lead")
    page = client.get(f"/voices/{voice['id']}").text
    url = f"/protection/voices/{voice['id']}/close"
    assert f'href="{url}"' in page
    token = csrf(client, url)
    refused = client.post(
        url, data={"cause": "repeat", "reason": "세 번째 민원입니다", "csrf_token": token}
    )
    assert refused.status_code == 422 and "세 번째 민원입니다" in refused.text
    done = client.post(url, data={"cause": "abusive", "reason": "욕설", "csrf_token": token})
    assert done.status_code == 200 and "종결" in done.text
    login(client, "gr_officer")
    assert f'href="{url}"' not in client.get(f"/voices/{voice['id']}").text


@pytest.mark.parametrize("login_name", ["hq", "gr_officer"])
def test_the_closing_form_is_not_shown_to_those_who_may_not_close(
    engine: Engine, login_name: str
) -> None:
    """The form counts the citizen's earlier answered voices (drawn from their contact): an
    HQ analyst or an officer is refused before seeing it, not after typing a reason."""
    world = build_world(engine)
    voice = _voice(TestClient(create_app(engine=engine)), world)
    client = client_for(engine)
    login(client, login_name)
    page = client.get(f"/protection/voices/{voice['id']}/close")
    assert page.status_code == 403
    assert "팀장(지구대장)이나 CS 담당만" in page.text and 'name="reason"' not in page.text
