"""An action's owner (담당자): the form offers the active staff of the caller's office, the
creator by default; the action page, the list and the API show who it is; an owner from another
office or one no longer active is refused beside the field, everything typed kept."""

import re

from factories import build_world
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select, update
from web.pagetools import csrf, login

from minwon.actions.models import Action
from minwon.app import create_app
from minwon.db import write_session
from minwon.org.models import Staff

TYPED = {"title": "골목 가로등 교체", "dong": "구로2동", "cost": "0", "public": "on"}


def _actions(engine: Engine) -> int:
    with write_session(engine) as db:
        return db.scalar(select(func.count(Action.id))) or 0


def _deactivate(engine: Engine, login_name: str) -> None:
    with write_session(engine) as db:
        db.execute(update(Staff).where(Staff.login == login_name).values(active=False))


def _owner_options(html: str) -> dict[str, bool]:
    """The owner select's options: value -> selected."""
    select_html = re.search(r'<select id="f-owner" name="owner".*?</select>', html, re.S)
    assert select_html, "no owner field on the form"
    return {
        value: bool(selected)
        for value, selected in re.findall(
            r'<option value="([^"]*)"( selected)?>', select_html.group(0)
        )
    }


def test_the_form_offers_the_active_staff_of_the_office_the_creator_first(engine: Engine) -> None:
    build_world(engine)
    _deactivate(engine, "gr2_officer")
    client = TestClient(create_app(engine=engine))
    login(client, "gr_lead")
    options = _owner_options(client.get("/actions").text)
    assert set(options) == {"gr_officer", "gr_officer2", "gr_lead", "gr2_lead", "gr_cs"}
    assert [value for value, selected in options.items() if selected] == ["gr_lead"]


def test_the_owner_chosen_is_shown_on_the_action_and_the_list(engine: Engine) -> None:
    build_world(engine)
    client = TestClient(create_app(engine=engine))
    login(client, "gr_lead")
    data = {**TYPED, "owner": "gr_officer2", "csrf_token": csrf(client, "/actions")}
    made = client.post("/actions", data=data, follow_redirects=False)
    assert made.status_code == 303, made.text
    page = client.get(made.headers["location"]).text
    assert re.search(r"<dt>담당자</dt><dd>gr_officer2</dd>", page)
    english = client.get(made.headers["location"], params={"lang": "en"}).text
    assert re.search(r"<dt>Owner</dt><dd>gr_officer2</dd>", english)
    listing = client.get("/actions", params={"lang": "ko"}).text
    assert re.search(r'<td data-label="담당자">gr_officer2</td>', listing)


def test_without_a_choice_the_creator_owns_the_action(engine: Engine) -> None:
    build_world(engine)
    client = TestClient(create_app(engine=engine))
    login(client, "gr_cs")
    data = {**TYPED, "csrf_token": csrf(client, "/actions")}
    made = client.post("/actions", data=data, follow_redirects=False)
    assert made.status_code == 303
    assert re.search(r"<dt>담당자</dt><dd>gr_cs</dd>", client.get(made.headers["location"]).text)


def test_an_owner_of_another_office_is_refused_as_typed(engine: Engine) -> None:
    build_world(engine)
    client = TestClient(create_app(engine=engine))
    login(client, "gr_lead")
    data = {**TYPED, "owner": "dj_officer", "csrf_token": csrf(client, "/actions")}
    r = client.post("/actions", data=data)
    assert r.status_code == 422
    assert "담당자는 같은 기관 직원이어야 합니다." in r.text
    assert 'id="err-owner"' in r.text
    assert 'value="골목 가로등 교체"' in r.text and 'value="구로2동"' in r.text
    assert _owner_options(r.text)["dj_officer"] is True  # kept as sent, beside its reason
    assert _actions(engine) == 0
    client.cookies.set("lang", "en")
    r = client.post("/actions", data={**data, "csrf_token": csrf(client, "/actions")})
    assert "The officer in charge must be a staff member of the same office." in r.text


def test_an_inactive_owner_is_refused(engine: Engine) -> None:
    build_world(engine)
    client = TestClient(create_app(engine=engine))
    login(client, "gr_lead")
    token = csrf(client, "/actions")
    _deactivate(engine, "gr_officer2")
    r = client.post("/actions", data={**TYPED, "owner": "gr_officer2", "csrf_token": token})
    assert r.status_code == 422
    assert "활동 중이 아닌 직원은 담당자로 정할 수 없습니다." in r.text
    assert _owner_options(r.text)["gr_officer2"] is True
    assert _actions(engine) == 0


def test_the_api_reads_and_writes_the_owner(engine: Engine) -> None:
    world = build_world(engine)
    api = TestClient(create_app(engine=engine))
    h = world.auth("gr_lead")
    made = api.post("/api/v1/actions", json={"title": "순찰", "owner": "gr_officer"}, headers=h)
    assert made.status_code == 201, made.text
    assert made.json()["owner"] == "gr_officer"
    got = api.get(f"/api/v1/actions/{made.json()['id']}", headers=h).json()
    assert got["owner"] == "gr_officer"
    mine = api.post("/api/v1/actions", json={"title": "순찰 2"}, headers=h).json()
    assert mine["owner"] == "gr_lead"
    assert {a["owner"] for a in api.get("/api/v1/actions", headers=h).json()} == {
        "gr_officer",
        "gr_lead",
    }
    other = api.post("/api/v1/actions", json={"title": "x", "owner": "dj_officer"}, headers=h)
    assert other.status_code == 422 and "같은 기관" in other.text
    unknown = api.post("/api/v1/actions", json={"title": "x", "owner": "nobody"}, headers=h)
    assert unknown.status_code == 422 and "같은 기관" in unknown.text
    _deactivate(engine, "gr_officer2")
    gone = api.post("/api/v1/actions", json={"title": "x", "owner": "gr_officer2"}, headers=h)
    assert gone.status_code == 422 and "활동 중이 아닌" in gone.text
    assert _actions(engine) == 2


def test_the_public_board_names_no_staff(engine: Engine) -> None:
    world = build_world(engine)
    api = TestClient(create_app(engine=engine))
    h = world.auth("gr_lead")
    made = api.post("/api/v1/actions", json={"title": "순찰", "owner": "gr_officer"}, headers=h)
    api.post(f"/api/v1/actions/{made.json()['id']}/status", json={"status": "done"}, headers=h)
    board = TestClient(create_app(engine=engine))
    assert "gr_officer" not in board.get("/api/v1/board/GR").text
    assert "gr_officer" not in board.get("/board/GR").text
