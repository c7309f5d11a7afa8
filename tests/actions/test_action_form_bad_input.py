"""The action form refuses what it cannot record — a cost or group number that is no plain
number, a cost past what is stored, a day at the far ends of the calendar, no title — with the
reason beside the field and everything typed kept; nothing is saved."""

import pytest
from factories import build_world
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select
from web.pagetools import csrf, login

from minwon.actions.models import Action
from minwon.app import create_app
from minwon.db import write_session

TYPED = {
    "title": "골목 가로등 교체",
    "description": "구로동 골목 세 곳의 가로등을 바꿉니다",
    "dong": "구로2동",
    "cost": "120000",
}


def _actions(engine: Engine) -> int:
    with write_session(engine) as db:
        return db.scalar(select(func.count(Action.id))) or 0


@pytest.mark.parametrize(
    ("changed", "reason"),
    [
        ({"cost": "²"}, "비용은 0 이상이어야 합니다."),
        ({"cost": "9" * 30}, "비용은 0 이상이어야 합니다."),
        ({"cost": "3000000000"}, "비용은 2,147,483,647원 이하여야 합니다."),
        ({"cluster": "²"}, "묶음을 찾을 수 없습니다."),
        ({"cluster": "9" * 23}, "묶음을 찾을 수 없습니다."),
        ({"due_on": "0001-01-01"}, "날짜는 1900년부터 2999년 사이여야 합니다."),
        ({"starts_on": "9999-12-31"}, "날짜는 1900년부터 2999년 사이여야 합니다."),
        ({"title": ""}, "조치 제목은 1~300자여야 합니다."),
        ({"voices": "²"}, "찾을 수 없는 접수번호입니다: ²"),
    ],
)
def test_a_refused_action_keeps_what_was_typed(
    engine: Engine, changed: dict[str, str], reason: str
) -> None:
    build_world(engine)
    client = TestClient(create_app(engine=engine))
    login(client, "gr_lead")
    typed = TYPED | changed
    r = client.post("/actions", data={**typed, "csrf_token": csrf(client, "/actions")})
    assert r.status_code == 422
    assert reason in r.text.replace("&#39;", "'")
    assert "구로동 골목 세 곳의 가로등을 바꿉니다</textarea>" in r.text
    assert 'value="구로2동"' in r.text
    if typed["title"]:
        assert f'value="{typed["title"]}"' in r.text
    assert 'name="public">' in r.text  # left unticked, as sent
    assert _actions(engine) == 0


def test_a_public_action_stays_ticked_when_refused(engine: Engine) -> None:
    build_world(engine)
    client = TestClient(create_app(engine=engine))
    login(client, "gr_lead")
    typed = TYPED | {"cost": "²", "public": "on"}
    r = client.post("/actions", data={**typed, "csrf_token": csrf(client, "/actions")})
    assert r.status_code == 422
    assert 'name="public" checked>' in r.text
    assert _actions(engine) == 0


def test_the_api_refuses_days_at_the_ends_of_the_calendar(engine: Engine) -> None:
    world = build_world(engine)
    api = TestClient(create_app(engine=engine))
    for day in ("0001-01-01", "9999-12-31"):
        r = api.post(
            "/api/v1/actions",
            json={"title": "가로등 교체", "due_on": day},
            headers=world.auth("gr_lead"),
        )
        assert r.status_code == 422, r.text
    assert _actions(engine) == 0
