"""The password policy: at least 12 characters, never a well-known or easily guessed password,
wherever a person chooses one (the API, the admin page, an organisation file, their own
security page); a refused password changes nothing."""

import pytest
from factories import PASSWORD, build_world
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import Engine, func, select
from web.pagetools import client_for, csrf, login

from minwon.db import session_factory
from minwon.errors import Invalid
from minwon.org.models import Staff, StaffAuditEvent
from minwon.org.passwords import MIN_LENGTH, check_password, password_problem

WEAK = [
    "password1234",
    "qwer1234!@#$",
    "1q2w3e4r5t6y",
    "aaaaaaaaaaaa",
    "abcdefghijkl",
    "Password1234",
]


@pytest.fixture
def world(engine: Engine):
    return build_world(engine)


@given(st.text(max_size=MIN_LENGTH - 1))
def test_short_passwords_are_refused(password: str) -> None:
    assert password_problem(password) == f"비밀번호는 {MIN_LENGTH}자 이상이어야 합니다."


@pytest.mark.parametrize("password", WEAK)
def test_common_and_guessable_passwords_are_refused(password: str) -> None:
    with pytest.raises(Invalid) as caught:
        check_password(password)
    assert caught.value.field == "password" and "비밀번호" in caught.value.message


@pytest.mark.parametrize(
    "password", ["amber-lantern-harbor", "봄날의 정원 산책길 2번", "correct horse battery staple"]
)
def test_long_unrelated_words_pass(password: str) -> None:
    assert password_problem(password) is None


def test_the_login_is_not_a_password() -> None:
    problem = password_problem("gr00.lead-harbor-x", hints=("gr00.lead", "김민수"))
    assert problem == "비밀번호에 아이디를 넣을 수 없습니다."


def _staff_count(engine: Engine) -> int:
    with session_factory(engine)() as db:
        return db.scalar(select(func.count(Staff.id))) or 0


def test_api_refuses_a_weak_password_and_creates_nothing(engine: Engine, world) -> None:
    client = client_for(engine)
    before = _staff_count(engine)
    body = {"login": "new.one", "name": "새 직원", "role": "officer", "office": "GR"}
    weak = client.post(
        "/api/v1/staff", json=body | {"password": "password1234"}, headers=world.auth("admin")
    )
    assert weak.status_code == 422 and "널리 알려진" in weak.json()["detail"]
    short = client.post(
        "/api/v1/staff", json=body | {"password": "short-one"}, headers=world.auth("admin")
    )
    assert short.status_code == 422
    assert _staff_count(engine) == before
    good = client.post(
        "/api/v1/staff", json=body | {"password": "amber-lantern-x"}, headers=world.auth("admin")
    )
    assert good.status_code == 201, good.text
    with session_factory(engine)() as db:
        [event] = db.scalars(select(StaffAuditEvent))
        assert (event.action, event.actor_id) == ("staff_created", world.staff_ids["admin"])


def test_admin_page_refuses_a_weak_password(engine: Engine, world) -> None:
    client = client_for(engine)
    login(client, "admin")
    before = _staff_count(engine)
    data = {"login": "new.one", "name": "새 직원", "role": "officer", "office": "GR"}
    answer = client.post(
        "/admin/staff",
        data=data | {"password": "qwer1234!@#$", "csrf_token": csrf(client, "/admin")},
    )
    assert "추측하기 쉬운" in answer.text and _staff_count(engine) == before


def test_staff_change_their_own_password(engine: Engine, world) -> None:
    client = client_for(engine)
    login(client, "gr_officer")
    token = csrf(client, "/account/security")

    def change(current: str, new: str, confirm: str | None = None):
        data = {"current": current, "new": new, "confirm": new if confirm is None else confirm}
        return client.post("/account/password", data=data | {"csrf_token": token})

    wrong = change("not-my-password", "harbor-cobalt-lantern")
    assert wrong.status_code == 400 and "지금 비밀번호가 맞지 않습니다" in wrong.text
    differs = change(PASSWORD, "harbor-cobalt-lantern", "harbor-cobalt-lanterm")
    assert differs.status_code == 400 and "확인이 다릅니다" in differs.text
    weak = change(PASSWORD, "password1234")
    assert weak.status_code == 400 and "널리 알려진" in weak.text
    assert login(client_for(engine), "gr_officer").url.path == "/"  # nothing changed
    done = change(PASSWORD, "harbor-cobalt-lantern")
    assert done.url.path == "/login" and "비밀번호를 바꿨습니다" in done.text
    assert login(client_for(engine), "gr_officer").status_code == 400
    assert login(client_for(engine), "gr_officer", "harbor-cobalt-lantern").url.path == "/"
