"""The admin page /admin/tokens: lists the tokens with owner, scopes, dates and state, makes
one (the plain token shown once), revokes one; CSRF as every admin form; other staff refused."""

import re

import pytest
from factories import World, build_world
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select
from web.pagetools import DEMO_PASSWORD, data_names, login

from minwon.app import create_app
from minwon.db import session_factory
from minwon.org.models import ApiToken

TOKEN = re.compile(r'value="(mw_[^"]+)"')


@pytest.fixture
def site(engine: Engine) -> tuple[TestClient, World]:
    """A client and the test world (KNPA with offices GR and DJ)."""
    return TestClient(create_app(engine=engine)), build_world(engine)


def _csrf(client: TestClient, headers: dict[str, str]) -> str:
    page = client.get("/admin/tokens", headers=headers)
    return re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)


def _count(engine: Engine) -> int:
    with session_factory(engine)() as db:
        return db.scalar(select(func.count(ApiToken.id))) or 0


def test_admin_lists_creates_once_and_revokes(site: tuple) -> None:
    client, world = site
    h = world.auth("admin")
    page = client.get("/admin/tokens", headers=h)
    assert page.status_code == 200
    assert "API 토큰" in page.text and "gr_officer" in page.text and "read write" in page.text
    assert 'href="/admin/tokens"' in client.get("/admin", headers=h).text
    form = {
        "csrf_token": _csrf(client, h),
        "name": "통계 스크립트",
        "login": "gr_lead",
        "scope_read": "on",
        "expires_in_days": "30",
    }
    made = client.post("/admin/tokens", data=form, headers=h)
    assert made.status_code == 200 and "한 번만" in made.text
    raw = TOKEN.search(made.text).group(1)
    assert client.get("/api/v1/units", headers={"Authorization": f"Bearer {raw}"}).is_success
    again = client.get("/admin/tokens", headers=h)
    assert raw not in again.text and "통계 스크립트" in again.text
    token_id = max(t["id"] for t in client.get("/api/v1/tokens", headers=h).json())
    revoked = client.post(
        f"/admin/tokens/{token_id}/revoke",
        data={"csrf_token": _csrf(client, h)},
        headers=h,
        follow_redirects=False,
    )
    assert revoked.status_code == 303 and revoked.headers["location"] == "/admin/tokens"
    assert "폐기됨" in client.get("/admin/tokens", headers=h).text
    r = client.get("/api/v1/units", headers={"Authorization": f"Bearer {raw}"})
    assert r.status_code == 401


def test_a_bad_form_comes_back_with_the_reason_and_writes_nothing(
    site: tuple, engine: Engine
) -> None:
    client, world = site
    h = world.auth("admin")
    before = _count(engine)
    form = {"csrf_token": _csrf(client, h), "name": "앱", "login": "hq", "scope_admin": "on"}
    r = client.post("/admin/tokens", data={**form, "expires_in_days": "90"}, headers=h)
    assert r.status_code == 422 and "admin" in r.text and "역할" in r.text
    r = client.post("/admin/tokens", data={**form, "expires_in_days": "0"}, headers=h)
    assert r.status_code == 422 and "365" in r.text
    assert 'value="앱"' in r.text  # what was typed stays
    assert _count(engine) == before
    r = client.post("/admin/tokens", data={"name": "앱", "scope_read": "on"}, headers=h)
    assert r.status_code == 403 and _count(engine) == before  # no CSRF token


@pytest.mark.parametrize("login", ["gr_lead", "gr_officer", "hq"])
def test_other_staff_are_refused(site: tuple, engine: Engine, login: str) -> None:
    client, world = site
    h = world.auth(login)
    assert client.get("/admin/tokens", headers=h).status_code == 403
    before = _count(engine)
    r = client.post("/admin/tokens", data={"name": "x", "scope_read": "on"}, headers=h)
    assert r.status_code == 403 and _count(engine) == before
    assert client.post("/admin/tokens/1/revoke", headers=h).status_code == 403
    anonymous = TestClient(create_app(engine=engine), follow_redirects=False)
    assert anonymous.get("/admin/tokens").headers["location"].startswith("/login")


ROLES_KO = ("직원", "팀장·지구대장", "CS 담당", "본사 분석", "관리자")


def _staff_picker(page: str) -> str:
    """The options of the token form's staff picker."""
    start = page.index('<select id="f-login" name="login"')
    return page[start : page.index("</select>", start)]


def test_the_staff_picker_names_roles_in_the_pages_language(site: tuple) -> None:
    client, world = site
    h = world.auth("admin")
    english = _staff_picker(client.get("/admin/tokens?lang=en", headers=h).text)
    for shown in (
        "admin (admin, Administrator)",
        "hq (hq, HQ analyst)",
        "gr_cs (gr_cs, CS manager)",
        "gr_lead (gr_lead, Unit lead)",
        "gr_officer (gr_officer, Officer)",
    ):
        assert shown in english
    assert [role for role in ROLES_KO if role in english] == []
    korean = _staff_picker(client.get("/admin/tokens?lang=ko", headers=h).text)
    assert "gr_lead (gr_lead, 팀장·지구대장)" in korean and "hq (hq, 본사 분석)" in korean


@pytest.mark.parametrize("path", ["/admin/tokens", "/admin", "/admin/security"])
def test_admin_pages_in_english_name_the_demo_staffs_roles_in_english(
    demo_engine: Engine, path: str
) -> None:
    client = TestClient(create_app(engine=demo_engine))
    assert login(client, "admin", DEMO_PASSWORD).url.path == "/"
    page = client.get(f"{path}?lang=en").text
    main = page.split("<main", 1)[1].split("</main>", 1)[0]
    if path == "/admin/tokens":
        assert "시스템 관리자 (admin, Administrator)" in main
        assert "권민재 (dj00.1, Officer)" in main and "신혜원 (dj00.lead, Unit lead)" in main
    else:
        assert "Administrator" in main
    words = re.sub(r"<[^>]+>", " ", main)
    for name in data_names(demo_engine):
        words = words.replace(name, " ")
    assert re.findall(r"[\uac00-\ud7a3][^<>]{0,40}", words) == []
