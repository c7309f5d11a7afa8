"""Shared pages: home, login and logout, CSRF, navigation by role, language, error pages."""

import re

import pytest
from factories import build_world
from sqlalchemy import Engine

from web.pagetools import client_for, count_voices, csrf, is_html_page, login, post_form


@pytest.fixture
def client(engine: Engine):
    build_world(engine)
    return client_for(engine)


def test_citizen_home_offers_submit_and_track(client) -> None:
    r = client.get("/")
    assert r.status_code == 200 and is_html_page(r)
    assert 'href="/submit"' in r.text and 'href="/track"' in r.text
    assert "직원 로그인" in r.text and "로그아웃" not in r.text


def test_login_success_shows_name_role_and_staff_navigation(client) -> None:
    r = login(client, "gr_lead")
    assert r.status_code == 200
    assert r.url.path == "/"
    assert "할 일" in r.text
    assert "gr_lead" in r.text and "팀장·지구대장" in r.text
    for href in ('href="/ledger"', 'href="/voices/new"', 'href="/ledger/deadlines"'):
        assert href in r.text
    assert 'action="/logout"' in r.text
    assert 'href="/admin"' not in r.text and 'href="/submit"' not in r.text
    assert client.get("/", follow_redirects=False).status_code == 200


def test_login_failure_is_400_with_korean_message_and_login_kept(client) -> None:
    data = {"login": "gr_lead", "password": "wrong-password", "csrf_token": csrf(client)}
    r = client.post("/login", data=data)
    assert r.status_code == 400 and is_html_page(r)
    assert "아이디 또는 비밀번호가 맞지 않습니다" in r.text
    assert 'value="gr_lead"' in r.text
    unknown = client.post("/login", data={**data, "login": "nobody", "csrf_token": csrf(client)})
    assert unknown.status_code == 400
    assert client.get("/ledger", follow_redirects=False).status_code == 303


def test_login_rotates_csrf_token(client) -> None:
    before = csrf(client)
    login(client, "gr_officer")
    after = csrf(client, "/ledger")
    assert before != after
    r = client.post("/logout", data={"csrf_token": before})
    assert r.status_code == 403


def test_login_goes_on_to_next_but_only_to_local_paths(client) -> None:
    r = client.get("/ledger/deadlines", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/login?next=/ledger/deadlines"
    page = client.get(r.headers["location"])
    assert 'name="next" value="/ledger/deadlines"' in page.text
    data = {"login": "gr_lead", "password": "amber-lantern-harbor", "csrf_token": csrf(client)}
    r = client.post("/login", data={**data, "next": "//evil.example"}, follow_redirects=False)
    assert r.headers["location"] == "/"
    client.post("/logout", data={"csrf_token": csrf(client, "/ledger")})
    data["csrf_token"] = csrf(client)
    r = client.post("/login", data={**data, "next": "/ledger/deadlines"}, follow_redirects=False)
    assert r.headers["location"] == "/ledger/deadlines"


def test_logout_ends_the_session(client) -> None:
    login(client, "gr_lead")
    r = post_form(client, "/logout", {}, "/ledger")
    assert r.status_code == 200 and r.url.path == "/login"
    assert "로그아웃했습니다" in r.text
    assert client.get("/ledger", follow_redirects=False).status_code == 303


@pytest.mark.parametrize("token", [None, "wrong-token"])
def test_csrf_missing_or_wrong_is_403_page_and_nothing_written(
    client, engine: Engine, token: str | None
) -> None:
    login(client, "gr_officer")
    form = {"kind": "complaint", "channel": "visit", "title": "제목", "body": "내용"}
    if token is not None:
        form["csrf_token"] = token
    r = client.post("/voices/new", data=form)
    assert r.status_code == 403 and is_html_page(r)
    assert "보안 토큰" in r.text
    assert count_voices(engine) == 0
    logout = client.post("/logout", data={"csrf_token": token} if token else {})
    assert logout.status_code == 403
    assert client.get("/ledger").url.path == "/ledger"


def test_login_form_itself_needs_the_csrf_token(client) -> None:
    r = client.post("/login", data={"login": "gr_lead", "password": "amber-lantern-harbor"})
    assert r.status_code == 403 and is_html_page(r)
    assert client.get("/ledger", follow_redirects=False).status_code == 303


@pytest.mark.parametrize(
    ("login_name", "present", "absent"),
    [
        ("admin", ['href="/admin"', 'href="/voices/new"'], []),
        ("hq", ['href="/ledger"'], ['href="/voices/new"', 'href="/admin"']),
        ("gr_officer", ['href="/voices/new"'], ['href="/admin"']),
    ],
)
def test_navigation_by_role(client, login_name: str, present: list, absent: list) -> None:
    r = login(client, login_name)
    for href in present:
        assert href in r.text
    for href in absent:
        assert href not in r.text


def test_every_error_is_an_html_page(client) -> None:
    cases = [("/no-such-page", 404), ("/static/none.css", 404)]
    for path, status in cases:
        r = client.get(path)
        assert r.status_code == status and is_html_page(r), path
    login(client, "gr_officer")
    staff_cases = [
        ("/voices/999999", 404),
        ("/voices/abc", 404),
        ("/ledger?date_from=2026-13-40", 422),
        ("/ledger?sort=sideways", 422),
        ("/ledger?status=lost", 422),
        ("/ledger?cursor=%%%", 422),
    ]
    for path, status in staff_cases:
        r = client.get(path)
        assert r.status_code == status and is_html_page(r), path
        assert not r.text.lstrip().startswith("{")
    hq = client_for(client.app.state.engine)
    login(hq, "hq")
    r = hq.get("/voices/new")
    assert r.status_code == 403 and is_html_page(r)


def test_lang_en_switches_the_layout_and_sticks(client) -> None:
    r = client.get("/?lang=en")
    assert '<html lang="en">' in r.text
    assert "Track my request" in r.text and "Staff login" in r.text
    assert "처리 상황 조회" not in r.text
    again = client.get("/track")
    assert '<html lang="en">' in again.text and "Look up" in again.text
    back = client.get("/?lang=ko")
    assert '<html lang="ko">' in back.text and "처리 상황 조회" in back.text


def test_english_login_failure_message(client) -> None:
    client.get("/login?lang=en")
    data = {"login": "gr_lead", "password": "nope", "csrf_token": csrf(client)}
    r = client.post("/login", data=data)
    assert r.status_code == 400 and "not correct" in r.text


def test_htmx_and_styles_are_served_locally(client) -> None:
    page = client.get("/").text
    assert re.search(r'<script src="/static/htmx\.min\.js"', page)
    assert '<link rel="stylesheet" href="/static/app.css">' in page
    assert "https://" not in page and "http://" not in page
    htmx = client.get("/static/htmx.min.js")
    assert htmx.status_code == 200 and "htmx" in htmx.text[:200]
    assert client.get("/static/app.css").status_code == 200
