"""Editing an action (반영 조치) after it is recorded: a lead of its office hands it to another
owner, moves its dates, fixes its title, on its page and through ``PATCH /api/v1/actions/{id}``;
anyone else is refused (403, or 404 where the action is out of sight) and nothing changes; each
bad value is refused with its reason beside the field, what was typed kept, nothing changed."""

import re
from datetime import date, timedelta
from typing import Any

import pytest
from factories import World, build_world
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select, update
from web.pagetools import csrf, login

from minwon.actions.models import Action, ActionEvidence
from minwon.app import create_app
from minwon.db import write_session
from minwon.org.models import Staff
from minwon.timeutil import to_kst, utcnow


def _today() -> date:
    """The test clock's day in Seoul (the suite also runs on a moved clock)."""
    return to_kst(utcnow()).date()


def _day(days: int) -> str:
    return (_today() + timedelta(days=days)).isoformat()


def _make(api: TestClient, world: World, **extra: Any) -> dict[str, Any]:
    """An action of office GR recorded by gr_lead through the API."""
    body = {
        "title": "골목 가로등 교체",
        "description": "구로동 골목 세 곳의 가로등을 바꿉니다",
        "owner": "gr_lead",
        "dong": "구로2동",
        "starts_on": _day(1),
        "due_on": _day(10),
        "cost": 120000,
        **extra,
    }
    made = api.post("/api/v1/actions", json=body, headers=world.auth("gr_lead"))
    assert made.status_code == 201, made.text
    return made.json()


def _row(engine: Engine, action_id: int) -> dict[str, Any]:
    """Every column of the action as stored."""
    with write_session(engine) as db:
        action = db.get(Action, action_id)
        assert action is not None
        return {c.name: getattr(action, c.name) for c in Action.__table__.columns}


def _deactivate(engine: Engine, login_name: str) -> None:
    with write_session(engine) as db:
        db.execute(update(Staff).where(Staff.login == login_name).values(active=False))


def _selected(html: str, name: str) -> dict[str, bool]:
    """The options of the edit form's select ``name``: value -> selected."""
    found = re.search(rf'<select id="f-{name}" name="{name}".*?</select>', html, re.S)
    assert found, f"no {name} field on the form"
    return {
        value: bool(selected)
        for value, selected in re.findall(r'<option value="([^"]*)"( selected)?>', found.group(0))
    }


EDIT_FORM = 'action="/actions/{id}/edit"'


@pytest.fixture
def setup(engine: Engine) -> tuple[TestClient, World, dict[str, Any]]:
    world = build_world(engine)
    client = TestClient(create_app(engine=engine))
    return client, world, _make(client, world)


def test_the_lead_sees_the_form_filled_with_the_current_values(setup: tuple) -> None:
    client, _, action = setup
    login(client, "gr_lead")
    page = client.get(f"/actions/{action['id']}").text
    assert EDIT_FORM.format(id=action["id"]) in page
    assert "조치 수정" in page
    assert 'value="골목 가로등 교체"' in page and 'value="구로2동"' in page
    assert "구로동 골목 세 곳의 가로등을 바꿉니다</textarea>" in page
    assert f'name="starts_on" type="date" value="{_day(1)}"' in page
    assert f'name="due_on" type="date" value="{_day(10)}"' in page
    assert 'name="cost" type="number" value="120000"' in page
    assert [v for v, chosen in _selected(page, "owner").items() if chosen] == ["gr_lead"]
    assert [v for v, chosen in _selected(page, "unit").items() if chosen] == ["GR01"]
    assert set(_selected(page, "unit")) == {"GR00", "GR01", "GR02"}  # the office's units
    assert "Edit the action" in client.get(f"/actions/{action['id']}?lang=en").text


def test_the_lead_hands_the_action_over_and_moves_its_due_date_on_the_page(
    setup: tuple, engine: Engine
) -> None:
    client, _, action = setup
    login(client, "gr_lead")
    detail = f"/actions/{action['id']}"
    data = {
        "title": "골목 가로등 교체 (LED)",
        "description": "세 곳 모두 LED로 바꿉니다",
        "owner": "gr_officer2",
        "unit": "GR02",
        "dong": "구로3동",
        "starts_on": _day(2),
        "due_on": _day(30),
        "cost": "150000",
        "public": "on",
        "csrf_token": csrf(client, detail),
    }
    saved = client.post(f"{detail}/edit", data=data, follow_redirects=False)
    assert saved.status_code == 303 and saved.headers["location"] == detail
    page = client.get(detail).text
    assert re.search(r'class="flash flash-ok"[^>]*>\s*조치를 수정했습니다\.\s*</div>', page)
    assert "<dt>담당자</dt><dd>gr_officer2</dd>" in page
    assert "<dt>담당 부서</dt><dd>가리봉파출소</dd>" in page
    assert f"<dt>완료 예정일</dt><dd>{_day(30)}</dd>" in page
    assert "<dt>비용(원)</dt><dd>150,000</dd>" in page
    assert [v for v, chosen in _selected(page, "owner").items() if chosen] == ["gr_officer2"]
    listing = client.get("/actions").text
    assert '<td data-label="담당자">gr_officer2</td>' in listing
    assert f'<td data-label="완료 예정일">{_day(30)}</td>' in listing
    row = _row(engine, action["id"])
    assert row["title"] == "골목 가로등 교체 (LED)" and row["dong"] == "구로3동"
    assert row["starts_on"].isoformat() == _day(2) and row["public"] is True
    assert row["status"] == "planned"
    client.cookies.set("lang", "en")
    again = client.post(
        f"{detail}/edit", data={**data, "public": "", "csrf_token": csrf(client, detail)}
    )
    assert "Action updated." in again.text
    assert _row(engine, action["id"])["public"] is False


def test_the_api_changes_only_the_fields_given(setup: tuple, engine: Engine) -> None:
    client, world, action = setup
    h = world.auth("gr_cs")
    before = _row(engine, action["id"])
    r = client.patch(
        f"/api/v1/actions/{action['id']}",
        json={"owner": "gr_officer", "due_on": _day(20)},
        headers=h,
    )
    assert r.status_code == 200, r.text
    got = r.json()
    assert got["owner"] == "gr_officer" and got["owner_name"] == "gr_officer"
    assert got["due_on"] == _day(20)
    assert got["title"] == action["title"] and got["cost"] == action["cost"]
    assert got["starts_on"] == action["starts_on"] and got["voices"] == action["voices"]
    assert client.get(f"/api/v1/actions/{action['id']}", headers=h).json() == got
    listed = client.get("/api/v1/actions", headers=h).json()
    assert [(a["owner"], a["due_on"]) for a in listed] == [("gr_officer", _day(20))]
    after = _row(engine, action["id"])
    changed = {k for k in before if before[k] != after[k]}
    assert changed == {"owner_id", "due_on"}
    cleared = client.patch(
        f"/api/v1/actions/{action['id']}",
        json={"due_on": None, "unit": "GR02", "public": False, "title": None},
        headers=h,
    )
    assert cleared.status_code == 200, cleared.text
    assert cleared.json()["due_on"] is None and cleared.json()["public"] is False
    assert cleared.json()["title"] == action["title"]  # a null title leaves it as it is
    page = TestClient(create_app(engine=engine))
    login(page, "gr_lead")
    assert "<dt>담당 부서</dt><dd>가리봉파출소</dd>" in page.get(f"/actions/{action['id']}").text


def test_a_done_action_can_still_be_corrected(setup: tuple, engine: Engine) -> None:
    client, world, action = setup
    h = world.auth("gr_lead")
    client.post(f"/api/v1/actions/{action['id']}/status", json={"status": "done"}, headers=h)
    done_at = _row(engine, action["id"])["done_at"]
    r = client.patch(f"/api/v1/actions/{action['id']}", json={"title": "가로등 교체"}, headers=h)
    assert r.status_code == 200, r.text
    assert r.json()["title"] == "가로등 교체" and r.json()["status"] == "done"
    assert _row(engine, action["id"])["done_at"] == done_at


def test_a_lead_of_another_unit_of_the_office_may_edit(setup: tuple) -> None:
    client, world, action = setup
    r = client.patch(
        f"/api/v1/actions/{action['id']}", json={"cost": 0}, headers=world.auth("gr2_lead")
    )
    assert r.status_code == 200 and r.json()["cost"] == 0


def test_an_owner_no_longer_active_stays_when_left_as_it_is(setup: tuple, engine: Engine) -> None:
    client, world, action = setup
    client.patch(
        f"/api/v1/actions/{action['id']}",
        json={"owner": "gr_officer"},
        headers=world.auth("gr_lead"),
    )
    _deactivate(engine, "gr_officer")
    login(client, "gr_lead")
    detail = f"/actions/{action['id']}"
    page = client.get(detail).text
    assert [v for v, chosen in _selected(page, "owner").items() if chosen] == ["gr_officer"]
    data = {
        "title": "골목 가로등 교체 (오타 수정)",
        "owner": "gr_officer",
        "unit": "GR01",
        "cost": "0",
        "csrf_token": csrf(client, detail),
    }
    assert client.post(f"{detail}/edit", data=data, follow_redirects=False).status_code == 303
    row = _row(engine, action["id"])
    assert row["title"] == "골목 가로등 교체 (오타 수정)"
    assert row["owner_id"] == world.staff_ids["gr_officer"]
    r = client.patch(
        f"/api/v1/actions/{action['id']}", json={"cost": 5}, headers=world.auth("gr_lead")
    )
    assert r.status_code == 200 and r.json()["owner"] == "gr_officer"


@pytest.mark.parametrize(
    ("who", "status"),
    [("gr_officer", 403), ("hq", 403), ("dj_lead", 404), ("admin", 403)],
)
def test_others_are_refused_through_the_api(
    setup: tuple, engine: Engine, who: str, status: int
) -> None:
    client, world, action = setup
    before = _row(engine, action["id"])
    r = client.patch(
        f"/api/v1/actions/{action['id']}",
        json={"owner": "gr_officer", "due_on": _day(40)},
        headers=world.auth(who),
    )
    assert r.status_code == status, r.text
    assert _row(engine, action["id"]) == before


@pytest.mark.parametrize(
    ("who", "status"), [("gr_officer", 403), ("hq", 403), ("dj_lead", 404), ("gr_lead", 303)]
)
def test_others_see_no_form_and_are_refused_on_the_page(
    setup: tuple, engine: Engine, who: str, status: int
) -> None:
    client, _, action = setup
    before = _row(engine, action["id"])
    login(client, who)
    detail = f"/actions/{action['id']}"
    page = client.get(detail)
    assert page.status_code == (404 if status == 404 else 200)
    assert (EDIT_FORM.format(id=action["id"]) in page.text) == (status == 303)
    data = {"title": "바꾼 제목", "owner": "gr_officer", "csrf_token": csrf(client, "/")}
    r = client.post(f"{detail}/edit", data=data, follow_redirects=False)
    assert r.status_code == status
    if status != 303:
        assert _row(engine, action["id"]) == before


def test_an_admin_of_another_office_sees_the_action_but_may_not_change_it(
    setup: tuple, engine: Engine
) -> None:
    client, world, action = setup
    with write_session(engine) as db:
        admin = db.get(Staff, world.staff_ids["admin"])
        dj = db.get(Staff, world.staff_ids["dj_lead"])
        assert admin is not None and dj is not None
        admin.office_id = dj.office_id
    before = _row(engine, action["id"])
    h = world.auth("admin")
    assert client.get(f"/api/v1/actions/{action['id']}", headers=h).status_code == 200
    r = client.patch(f"/api/v1/actions/{action['id']}", json={"title": "x"}, headers=h)
    assert r.status_code == 403
    assert r.json()["detail"] == "다른 기관의 조치는 고칠 수 없습니다."
    moved = client.post(
        f"/api/v1/actions/{action['id']}/status", json={"status": "done"}, headers=h
    )
    noted = client.post(
        f"/api/v1/actions/{action['id']}/evidence", data={"note": "다녀옴"}, headers=h
    )
    assert (moved.status_code, noted.status_code) == (403, 403)
    login(client, "admin")
    page = client.get(f"/actions/{action['id']}")
    assert page.status_code == 200
    for form in ("edit", "status", "evidence"):
        assert f'action="/actions/{action["id"]}/{form}"' not in page.text
    token = csrf(client, f"/actions/{action['id']}")
    for path, data in (("status", {"status": "done"}), ("evidence", {"note": "다녀옴"})):
        r = client.post(
            f"/actions/{action['id']}/{path}",
            data={"csrf_token": token, **data},
            follow_redirects=False,
        )
        assert r.status_code == 403, path
    assert _row(engine, action["id"]) == before
    with write_session(engine) as db:
        assert db.scalar(select(func.count()).select_from(ActionEvidence)) == 0


BAD = [
    ({"title": ""}, "title", "조치 제목은 1~300자여야 합니다."),
    ({"title": "   "}, "title", "조치 제목은 1~300자여야 합니다."),
    ({"title": "가" * 301}, "title", "조치 제목은 1~300자여야 합니다."),
    ({"cost": "-5"}, "cost", "비용은 0 이상이어야 합니다."),
    ({"cost": "3000000000"}, "cost", "비용은 2,147,483,647원 이하여야 합니다."),
    ({"dong": "동" * 101}, "dong", "행정동은 100자 이내로 입력해 주세요."),
    ({"starts_on": "+5", "due_on": "+3"}, "due_on", "완료 예정일이 시작일보다 앞섭니다."),
    ({"due_on": "0001-01-01"}, "due_on", "날짜는 1900년부터 2999년 사이여야 합니다."),
    ({"owner": "dj_officer"}, "owner", "담당자는 같은 기관 직원이어야 합니다."),
    ({"owner": "nobody"}, "owner", "담당자는 같은 기관 직원이어야 합니다."),
    ({"owner": "gr_officer2"}, "owner", "활동 중이 아닌 직원은 담당자로 정할 수 없습니다."),
    ({"unit": "NOPE"}, "unit", "부서를 찾을 수 없습니다: NOPE"),
    ({"unit": "DJ01"}, "unit", "부서를 찾을 수 없습니다: DJ01"),
]
"""A bad value, the field at fault and the reason; "+n" is a day n days after the clock's."""


def _dated(changed: dict[str, str]) -> dict[str, str]:
    return {k: _day(int(v[1:])) if v.startswith("+") else v for k, v in changed.items()}


@pytest.mark.parametrize(("changed", "field", "reason"), BAD)
def test_a_bad_value_on_the_page_is_refused_as_typed(
    setup: tuple, engine: Engine, changed: dict[str, str], field: str, reason: str
) -> None:
    client, _, action = setup
    _deactivate(engine, "gr_officer2")
    before = _row(engine, action["id"])
    login(client, "gr_lead")
    detail = f"/actions/{action['id']}"
    typed = {
        "title": "골목 가로등 교체 (고침)",
        "description": "새로 적은 설명",
        "owner": "gr_officer",
        "unit": "GR01",
        "dong": "구로4동",
        "starts_on": _day(3),
        "due_on": _day(12),
        "cost": "99",
        "public": "on",
        **_dated(changed),
    }
    r = client.post(f"{detail}/edit", data={**typed, "csrf_token": csrf(client, detail)})
    assert r.status_code == 422
    assert reason in r.text
    assert f'id="err-{field}"' in r.text
    assert '<details class="edit" open>' in r.text
    assert "새로 적은 설명</textarea>" in r.text
    if field != "title":
        assert 'value="골목 가로등 교체 (고침)"' in r.text
    if field != "dong":
        assert 'value="구로4동"' in r.text
    if field in ("owner", "unit"):
        assert _selected(r.text, field)[typed[field]] is True  # kept as sent
    else:
        assert _selected(r.text, "owner")["gr_officer"] is True
    assert 'name="public" checked>' in r.text
    assert _row(engine, action["id"]) == before
    client.cookies.set("lang", "en")
    english = client.post(f"{detail}/edit", data={**typed, "csrf_token": csrf(client, detail)})
    assert english.status_code == 422 and reason not in english.text
    assert _row(engine, action["id"]) == before


API_BAD = [
    ({"title": ""}, "title", None),
    ({"title": "   "}, "title", "조치 제목은 1~300자여야 합니다."),
    ({"title": "가" * 301}, "title", None),
    ({"cost": -5}, "cost", None),
    ({"starts_on": "+5", "due_on": "+3"}, "due_on", "완료 예정일이 시작일보다 앞섭니다."),
    ({"due_on": "+-5"}, "due_on", "완료 예정일이 시작일보다 앞섭니다."),  # before the start
    ({"owner": "dj_officer"}, "owner", "담당자는 같은 기관 직원이어야 합니다."),
    ({"owner": "gr_officer2"}, "owner", "활동 중이 아닌 직원은 담당자로 정할 수 없습니다."),
    ({"unit": "NOPE"}, "unit", "부서를 찾을 수 없습니다: NOPE"),
    ({"unit": "DJ01"}, "unit", "부서를 찾을 수 없습니다: DJ01"),
    ({"status": "done"}, "status", None),  # not a field of the change
]
"""A bad change, the field at fault and the service's reason (None: refused by the schema)."""


@pytest.mark.parametrize(("changed", "field", "reason"), API_BAD)
def test_a_bad_value_through_the_api_is_refused(
    setup: tuple, engine: Engine, changed: dict[str, Any], field: str, reason: str | None
) -> None:
    client, world, action = setup
    _deactivate(engine, "gr_officer2")
    before = _row(engine, action["id"])
    body = {
        "owner": "gr_officer",
        **{k: _dated({k: v})[k] if isinstance(v, str) else v for k, v in changed.items()},
    }
    r = client.patch(f"/api/v1/actions/{action['id']}", json=body, headers=world.auth("gr_lead"))
    assert r.status_code == 422, r.text
    assert r.json()["field"] == field
    if reason:
        assert r.json()["detail"] == reason
    assert _row(engine, action["id"]) == before


def test_nul_characters_are_dropped_not_a_server_error(setup: tuple, engine: Engine) -> None:
    client, world, action = setup
    client = TestClient(create_app(engine=engine), raise_server_exceptions=False)
    h = world.auth("gr_lead")
    r = client.patch(
        f"/api/v1/actions/{action['id']}",
        json={"title": "가로등\x00 교체", "description": "\x00세 곳", "dong": "구로\x002동"},
        headers=h,
    )
    assert r.status_code == 200, r.text
    assert (r.json()["title"], r.json()["description"], r.json()["dong"]) == (
        "가로등 교체",
        "세 곳",
        "구로2동",
    )
    made = client.post("/api/v1/actions", json={"title": "순찰\x00 강화"}, headers=h)
    assert made.status_code == 201 and made.json()["title"] == "순찰 강화"
    looked_up = client.patch(
        f"/api/v1/actions/{action['id']}",
        json={"owner": "gr_\x00lead", "unit": "GR\x0001"},
        headers=h,
    )
    assert looked_up.status_code == 200, looked_up.text


def test_a_nul_character_in_an_evidence_note_is_dropped(setup: tuple) -> None:
    client, world, action = setup
    client = TestClient(client.app, raise_server_exceptions=False)
    r = client.post(
        f"/api/v1/actions/{action['id']}/evidence",
        data={"note": "현장\x00 사진"},
        headers=world.auth("gr_lead"),
    )
    assert r.status_code == 201, r.text
    assert r.json()["note"] == "현장 사진"
