"""The admin page: who may see it, CSRF, the small forms and the organisation file upload."""

import re

import pytest
from factories import build_world
from fastapi.testclient import TestClient
from org.test_org_loader import _workbook
from sqlalchemy import Engine, func, select

from minwon.app import create_app
from minwon.db import session_factory
from minwon.org.models import Category, RoutingRule, Staff, Unit

ORG_FILE = """
organization: {code: KNPA}
offices:
  - code: GR
    units:
      - {code: GR07, name: 신도림지구대, kind: 지구대}
staff:
  - {login: gr07.lead, name: 박대장, role: unit_lead, unit: GR07}
"""


@pytest.fixture
def site(engine: Engine) -> tuple[TestClient, object]:
    """A client and the test world (KNPA with offices GR and DJ)."""
    return TestClient(create_app(engine=engine)), build_world(engine)


def _csrf(client: TestClient, headers: dict[str, str]) -> str:
    """The session's CSRF token, as a page's hidden field carries it."""
    page = client.get("/admin", headers=headers)
    return re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)


def _count(engine: Engine, model: type) -> int:
    with session_factory(engine)() as db:
        return db.scalar(select(func.count(model.id))) or 0


def _flashes(client: TestClient, headers: dict[str, str]) -> str:
    return client.get("/admin", headers=headers).text


def test_admin_page_shows_tree_staff_categories_and_rules(site: tuple) -> None:
    client, world = site
    r = client.get("/admin", headers=world.auth("admin"))
    assert r.status_code == 200
    for text in ("구로경찰서", "가리봉파출소", "팀장·지구대장", "CS 담당", "교통", "구로1동"):
        assert text in r.text
    assert 'action="/admin/upload"' in r.text and 'enctype="multipart/form-data"' in r.text


def test_admin_page_is_403_for_an_officer_and_login_for_strangers(site: tuple) -> None:
    client, world = site
    r = client.get("/admin", headers=world.auth("gr_lead"))
    assert r.status_code == 403 and "관리자" in r.text
    assert client.get("/admin", follow_redirects=False).status_code == 303


def test_forms_need_the_csrf_token(site: tuple, engine: Engine) -> None:
    client, world = site
    h = world.auth("admin")
    _csrf(client, h)
    r = client.post("/admin/units", data={"office": "GR", "code": "GR05", "name": "x"}, headers=h)
    assert r.status_code == 403
    r = client.post(
        "/admin/units",
        data={"office": "GR", "code": "GR05", "name": "x", "csrf_token": "wrong"},
        headers=h,
    )
    assert r.status_code == 403
    assert _count(engine, Unit) == 4


def test_officer_cannot_post_a_form_even_with_a_token(site: tuple, engine: Engine) -> None:
    client, world = site
    h = world.auth("gr_officer")
    token = _csrf(client, h)
    data = {"office": "GR", "code": "GR05", "name": "x", "csrf_token": token}
    assert client.post("/admin/units", data=data, headers=h).status_code == 403
    assert _count(engine, Unit) == 4


def test_form_post_adds_a_unit_and_flashes(site: tuple, engine: Engine) -> None:
    client, world = site
    h = world.auth("admin")
    data = {"office": "GR", "code": "GR03", "name": "교통조사계", "kind": "계", "csrf_token": ""}
    data["csrf_token"] = _csrf(client, h)
    r = client.post("/admin/units", data=data, headers=h, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/admin"
    page = _flashes(client, h)
    assert "부서를 추가했습니다: 교통조사계 (GR03)" in page
    assert _count(engine, Unit) == 5


def _form(page: str, action: str) -> str:
    """The HTML of the form posting to ``action`` on ``page``."""
    start = page.index(f'action="{action}"')
    return page[start : page.index("</form>", start)]


def test_bad_form_input_shows_the_reason_keeps_the_form_and_adds_nothing(
    site: tuple, engine: Engine
) -> None:
    client, world = site
    h = world.auth("admin")
    data = {
        "office": "GR",
        "code": "GR 3",
        "name": "",
        "kind": "지구대",
        "csrf_token": _csrf(client, h),
    }
    r = client.post("/admin/units", data=data, headers=h, follow_redirects=False)
    assert r.status_code == 422
    assert "코드: 형식이 맞지 않습니다" in r.text and "이름: 빠진 항목입니다" in r.text
    form = _form(r.text, "/admin/units")
    assert 'value="GR 3"' in form and 'value="지구대"' in form and 'aria-invalid="true"' in form
    assert 'value="GR 3"' not in _form(r.text, "/admin/staff")  # the other forms stay empty
    data = {"office": "GR", "code": "GR01", "name": "중복", "csrf_token": _csrf(client, h)}
    r = client.post("/admin/units", data=data, headers=h)
    assert r.status_code == 422 and "이미 있는 코드입니다: GR01" in r.text
    assert 'value="중복"' in _form(r.text, "/admin/units")
    assert _count(engine, Unit) == 4
    assert "이미 있는 코드입니다" not in client.get("/admin", headers=h).text  # said once


@pytest.mark.parametrize(
    ("password", "reason"),
    [("abcd1234", "비밀번호: 12자 이상이어야 합니다"), ("password1234", "널리 알려진 비밀번호")],
)
def test_a_refused_password_keeps_the_new_staff_members_details(
    site: tuple, engine: Engine, password: str, reason: str
) -> None:
    client, world = site
    h = world.auth("admin")
    page = client.get("/admin", headers=h).text
    assert "12자 이상" in _form(page, "/admin/staff") and 'minlength="12"' in page
    typed = {"login": "gr.new", "name": "신입", "role": "officer", "unit": "GR02"}
    data = {**typed, "email": "new@example.kr", "password": password}
    r = client.post("/admin/staff", data={**data, "csrf_token": _csrf(client, h)}, headers=h)
    assert r.status_code == 422 and reason in r.text
    form = _form(r.text, "/admin/staff")
    assert 'value="gr.new"' in form and 'value="신입"' in form and 'value="new@example.kr"' in form
    assert '<option value="GR02" selected>' in form and password not in r.text
    assert _count(engine, Staff) == 10


def test_forms_add_staff_category_and_routing_rule(site: tuple, engine: Engine) -> None:
    client, world = site
    h = world.auth("admin")
    token = _csrf(client, h)
    posts = [
        (
            "/admin/staff",
            {"login": "gr.new", "name": "신입", "role": "officer", "unit": "GR02", "office": ""},
        ),
        ("/admin/categories", {"code": "TR-P", "name": "주차", "parent": "TRAFFIC"}),
        ("/admin/routing", {"unit": "GR02", "category": "", "dong": "가리봉동", "priority": "50"}),
    ]
    posts[0][1]["password"] = "velvet-quarry-tundra"
    for path, data in posts:
        r = client.post(path, data={**data, "csrf_token": token}, headers=h, follow_redirects=False)
        assert r.status_code == 303, (path, r.text)
    page = _flashes(client, h)
    assert "직원을 추가했습니다: 신입 (gr.new)" in page and "배정 규칙을 추가했습니다." in page
    assert (_count(engine, Staff), _count(engine, Category), _count(engine, RoutingRule)) == (
        11,
        2,
        3,
    )
    r = client.post(
        "/admin/staff",
        data={
            "login": "gr.nopw",
            "name": "x",
            "role": "officer",
            "office": "GR",
            "csrf_token": token,
        },
        headers=h,
    )
    assert "첫 비밀번호를 입력하세요" in r.text and _count(engine, Staff) == 11


def test_upload_runs_the_loader_and_shows_generated_passwords_once(
    site: tuple, engine: Engine
) -> None:
    client, world = site
    h = world.auth("admin")
    files = {"file": ("org.yaml", ORG_FILE.encode(), "application/yaml")}
    r = client.post("/admin/upload", data={"csrf_token": _csrf(client, h)}, files=files, headers=h)
    assert r.status_code == 200
    assert "gr07.lead" in r.text and "새로 만든 비밀번호" in r.text
    assert _count(engine, Unit) == 5
    r = client.post(
        "/admin/upload",
        data={"csrf_token": _csrf(client, h)},
        files=files,
        headers=h,
        follow_redirects=False,
    )
    assert r.status_code == 303
    page = _flashes(client, h)
    assert "부서: 새로 0, 변경 0, 그대로 1" in page and "새로 만든 비밀번호" not in page


def _upload(client: TestClient, h: dict[str, str], name: str, data: bytes, lang: str) -> str:
    files = {"file": (name, data, "application/octet-stream")}
    r = client.post(
        f"/admin/upload?lang={lang}", data={"csrf_token": _csrf(client, h)}, files=files, headers=h
    )
    assert r.status_code == 422
    return r.text


def test_upload_problems_speak_the_readers_language(site: tuple, engine: Engine) -> None:
    client, world = site
    h = world.auth("admin")
    bad = ORG_FILE.replace("unit: GR07", "unit: GR99")
    english = _upload(client, h, "org.yaml", bad.encode(), "en")
    assert "No unit of this organisation has this code: GR99" in english
    assert "이 기관에 없는 부서 코드입니다: GR99" in _upload(
        client, h, "org.yaml", bad.encode(), "ko"
    )
    worse = ORG_FILE.replace("code: GR07, name", "code: GR07!, name").encode()
    assert "Wrong format (only letters, digits, - and _ may be used) (value: &#39;GR07!&#39;)" in (
        _upload(client, h, "org.yaml", worse, "en")
    )
    syntax = _upload(client, h, "org.yaml", b"organization: [unclosed", "en")
    assert re.search(r"file, line \d+, column \d+</span>: YAML syntax error — ", syntax), syntax
    sheets = _upload(client, h, "org.xlsx", _workbook(unit=[["code"]]), "en")
    assert "sheet unit</span>: Unknown sheet (sheets known: organization," in sheets
    assert _count(engine, Unit) == 4


def test_upload_with_errors_shows_them_and_writes_nothing(site: tuple, engine: Engine) -> None:
    client, world = site
    h = world.auth("admin")
    bad = ORG_FILE.replace("unit: GR07", "unit: GR99")
    files = {"file": ("org.yaml", bad.encode(), "application/yaml")}
    r = client.post("/admin/upload", data={"csrf_token": _csrf(client, h)}, files=files, headers=h)
    assert r.status_code == 422
    assert "staff[0].unit" in r.text and "GR99" in r.text
    assert _count(engine, Unit) == 4
    r = client.post("/admin/upload", data={"csrf_token": _csrf(client, h)}, headers=h)
    assert r.status_code == 200 and "조직 파일(YAML·XLSX)을 고르세요" in r.text
    files = {"file": ("org.txt", b"x", "text/plain")}
    r = client.post("/admin/upload", data={"csrf_token": _csrf(client, h)}, files=files, headers=h)
    assert "YAML(.yaml, .yml)" in r.text


def _rules(engine: Engine) -> list[tuple[str, str, str | None]]:
    """Every routing rule as (its office's code, its unit's code, its dong)."""
    with session_factory(engine)() as db:
        return [
            (rule_unit.office.code, rule_unit.code, rule.dong)
            for rule in db.scalars(select(RoutingRule).order_by(RoutingRule.id))
            if (rule_unit := db.get(Unit, rule.unit_id)) is not None
        ]


def test_a_routing_rule_to_a_unit_of_another_office_is_refused(site: tuple, engine: Engine) -> None:
    client, world = site
    h = world.auth("admin")
    page = client.get("/admin", headers=h).text
    assert '<select id="f-routing-office" name="office" required>' in _form(page, "/admin/routing")
    before = _rules(engine)
    typed = {"office": "GR", "category": "TRAFFIC", "dong": "구로3동", "unit": "DJ01"}
    data = {**typed, "priority": "100", "csrf_token": _csrf(client, h)}
    r = client.post("/admin/routing", data=data, headers=h)
    assert r.status_code == 422
    assert "배정 규칙을 추가했습니다." not in r.text
    assert "OK팀(DJ01) 부서는 구로경찰서 소속이 아닙니다(대전본부 소속)" in r.text
    form = _form(r.text, "/admin/routing")
    assert '<option value="GR" selected>' in form and '<option value="DJ01" selected>' in form
    assert 'value="구로3동"' in form and 'aria-describedby="err-routing-unit"' in form
    assert _rules(engine) == before
    english = client.post("/admin/routing?lang=en", data=data, headers=h).text
    assert "The unit OK팀 (DJ01) does not belong to 구로경찰서 (it belongs to 대전본부)" in english
    client.get("/admin?lang=ko", headers=h)
    data["unit"] = "GR02"
    r = client.post("/admin/routing", data=data, headers=h, follow_redirects=False)
    assert r.status_code == 303
    assert "배정 규칙을 추가했습니다." in _flashes(client, h)
    assert _rules(engine) == [*before, ("GR", "GR02", "구로3동")]
