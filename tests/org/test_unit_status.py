"""Closing and merging units: what the admin may change, and what a closed unit no longer
receives (intake, routing rules, transfers)."""

import re

import pytest
from factories import build_world, voice_json
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from minwon.app import create_app
from minwon.db import session_factory
from minwon.org.models import Unit


@pytest.fixture
def api(engine: Engine) -> tuple[TestClient, object]:
    """The test world (KNPA: GR with GR00 front desk, GR01, GR02; DJ with DJ01) plus GR03."""
    client, world = TestClient(create_app(engine=engine)), build_world(engine)
    body = {"office": "GR", "code": "GR03", "name": "교통조사계"}
    assert client.post("/api/v1/units", json=body, headers=world.auth("admin")).status_code == 201
    return client, world


def _unit(engine: Engine, code: str) -> Unit:
    with session_factory(engine)() as db:
        unit = db.scalar(select(Unit).where(Unit.code == code))
        assert unit is not None
        db.expunge(unit)
        return unit


def _patch(client: TestClient, world: object, code: str, body: dict, who: str = "admin"):
    return client.patch(f"/api/v1/units/{code}", json=body, headers=world.auth(who))  # type: ignore[attr-defined]


def test_admin_writes_duties_closes_and_reopens_a_unit(api: tuple, engine: Engine) -> None:
    client, world = api
    r = _patch(client, world, "GR03", {"duties": "뺑소니·교통사고 조사", "takes_voices": False})
    assert r.status_code == 200, r.text
    assert r.json()["takes_voices"] is False and r.json()["duties"] == "뺑소니·교통사고 조사"
    assert _patch(client, world, "GR03", {"takes_voices": True}).json()["takes_voices"] is True
    assert _unit(engine, "GR03").duties == "뺑소니·교통사고 조사"  # left out: unchanged


def test_merging_closes_the_unit_and_names_its_successor(api: tuple, engine: Engine) -> None:
    client, world = api
    r = _patch(client, world, "GR03", {"merged_into": "GR02"})
    assert r.status_code == 200, r.text
    assert (r.json()["takes_voices"], r.json()["merged_into"]) == (False, "GR02")
    assert _patch(client, world, "GR03", {"duties": "옛 업무"}).json()["merged_into"] == "GR02"
    reopened = _patch(client, world, "GR03", {"takes_voices": True}).json()
    assert (reopened["takes_voices"], reopened["merged_into"]) == (True, None)


@pytest.mark.parametrize(
    ("code", "body", "message"),
    [
        ("GR03", {"merged_into": "GR03"}, "자기 자신"),
        ("GR03", {"merged_into": "NOPE"}, "찾을 수 없습니다"),
        # another office's unit: voices addressed to GR03 would sit in DJ's unit, unseen by DJ
        ("GR03", {"merged_into": "DJ01"}, "OK팀(DJ01) 부서는 대전본부 소속입니다"),
        # taking voices and merged at once: the merge used to win silently
        ("GR03", {"takes_voices": True, "merged_into": "GR02"}, "민원을 받게 하면서"),
        ("GR00", {"takes_voices": False}, "접수 창구"),
        ("GR02", {"takes_voices": False}, "배정 규칙"),
        ("GR03", {"duties": "x" * 2001}, None),
        ("GR03", {"colour": "red"}, None),
    ],
)
def test_bad_changes_are_refused_and_change_nothing(
    api: tuple, engine: Engine, code: str, body: dict, message: str | None
) -> None:
    client, world = api
    before = _unit(engine, code)
    r = _patch(client, world, code, body)
    assert r.status_code == 422, r.text
    if message:
        assert message in r.text
    after = _unit(engine, code)
    assert (after.takes_voices, after.merged_into_id, after.duties) == (
        before.takes_voices,
        before.merged_into_id,
        before.duties,
    )


def test_cannot_merge_into_a_closed_unit(api: tuple, engine: Engine) -> None:
    client, world = api
    assert _patch(client, world, "GR03", {"takes_voices": False}).status_code == 200
    r = _patch(client, world, "GR01", {"merged_into": "GR03"})
    assert r.status_code == 422 and "민원을 받지 않습니다" in r.text
    assert _unit(engine, "GR01").takes_voices is True


def test_only_admins_change_units(api: tuple, engine: Engine) -> None:
    client, world = api
    r = _patch(client, world, "GR03", {"takes_voices": False}, who="gr_lead")
    assert r.status_code == 403
    assert _unit(engine, "GR03").takes_voices is True


def test_a_closed_unit_takes_no_new_voices_from_staff(api: tuple) -> None:
    client, world = api
    _patch(client, world, "GR03", {"takes_voices": False})
    r = client.post("/api/v1/voices", json=voice_json(unit="GR03"), headers=world.auth("gr_cs"))
    assert r.status_code == 422 and "더 이상 민원을 받지 않습니다" in r.text


def test_a_voice_for_a_merged_unit_goes_to_its_successor(api: tuple) -> None:
    client, world = api
    _patch(client, world, "GR03", {"merged_into": "GR01"})
    r = client.post("/api/v1/voices", json=voice_json(unit="GR03"), headers=world.auth("gr_cs"))
    assert r.status_code == 201, r.text
    assert r.json()["unit"]["code"] == "GR01"


def test_no_transfer_to_a_closed_unit_and_it_is_not_offered(api: tuple) -> None:
    client, world = api
    voice = client.post(
        "/api/v1/voices", json=voice_json(unit="GR01"), headers=world.auth("gr_cs")
    ).json()
    _patch(client, world, "GR03", {"takes_voices": False})
    r = client.post(
        f"/api/v1/voices/{voice['id']}/transfer",
        json={"unit": "GR03", "note": "교통 사안"},
        headers=world.auth("gr_lead"),
    )
    assert r.status_code == 422 and "받지 않는 부서" in r.text
    page = client.get(f"/voices/{voice['id']}", headers=world.auth("gr_lead"))
    assert page.status_code == 200
    assert 'value="GR03"' not in page.text


def test_admin_page_form_closes_a_unit_and_shows_it(api: tuple, engine: Engine) -> None:
    client, world = api
    h = world.auth("admin")
    page = client.get("/admin", headers=h)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    data = {"unit": "GR03", "name": "", "duties": "뺑소니 조사", "status": "", "csrf_token": token}
    client.get("/admin?lang=ko", headers=h)
    data["merged_into"] = "GR02"
    r = client.post("/admin/units/change", data=data, headers=h)
    assert "부서를 바꿨습니다: 교통조사계 (GR03)" in r.text
    assert "가리봉파출소에 합침" in r.text and "뺑소니 조사" in r.text
    unit = _unit(engine, "GR03")
    assert (unit.takes_voices, unit.duties) == (False, "뺑소니 조사")
    bad = {"unit": "GR00", "status": "closed", "csrf_token": token}
    r = client.post("/admin/units/change", data=bad, headers=h)
    assert "접수 창구 부서는 닫을 수 없습니다" in r.text
    assert _unit(engine, "GR00").takes_voices is True


def _csrf(client: TestClient, headers: dict[str, str]) -> str:
    page = client.get("/admin", headers=headers)
    return re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]


def _change_form(page: str) -> str:
    """The HTML of the unit-change form on the admin page."""
    start = page.index('action="/admin/units/change"')
    return page[start : page.index("</form>", start)]


def test_admin_page_merge_without_the_unit_merged_into_is_refused(
    api: tuple, engine: Engine
) -> None:
    client, world = api
    h = world.auth("admin")
    assert '<option value="merged">' in _change_form(client.get("/admin", headers=h).text)
    typed = {"unit": "GR03", "name": "", "duties": "교통 업무 이관", "status": "merged"}
    data = {**typed, "merged_into": "", "csrf_token": _csrf(client, h)}
    r = client.post("/admin/units/change", data=data, headers=h)
    assert r.status_code == 422
    assert "부서를 바꿨습니다" not in r.text
    assert "어느 부서에 합쳤는지 합칠 부서를 고르세요." in r.text
    form = _change_form(r.text)
    assert '<option value="GR03" selected>' in form and '<option value="merged" selected>' in form
    assert "교통 업무 이관" in form and 'aria-describedby="err-unit-change-merged_into"' in form
    unit = _unit(engine, "GR03")
    assert (unit.takes_voices, unit.merged_into_id, unit.duties) == (True, None, "")
    english = client.post("/admin/units/change?lang=en", data=data, headers=h)
    assert english.status_code == 422
    assert "Choose the unit it was merged into." in english.text
    client.get("/admin?lang=ko", headers=h)
    data["merged_into"] = "GR02"
    r = client.post("/admin/units/change", data=data, headers=h)
    assert "부서를 바꿨습니다: 교통조사계 (GR03)" in r.text and "가리봉파출소에 합침" in r.text
    unit = _unit(engine, "GR03")
    assert (unit.takes_voices, unit.merged_into_id is not None) == (False, True)


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ({"status": "open", "merged_into": "GR02"}, "민원을 받게 하면서 다른 부서에 합칠 수는"),
        ({"status": "merged", "merged_into": "DJ01"}, "OK팀(DJ01) 부서는 대전본부 소속입니다"),
        ({"status": "merged", "merged_into": "GR03"}, "부서를 자기 자신에 합칠 수 없습니다."),
        ({"status": "gone"}, "민원 접수는 목록에서 고르세요."),
        ({}, "바꿀 것을 적거나 고르세요"),
    ],
)
def test_admin_page_refuses_a_change_that_would_not_do_what_it_says(
    api: tuple, engine: Engine, typed: dict[str, str], message: str
) -> None:
    client, world = api
    h = world.auth("admin")
    data = {"unit": "GR03", "name": "", "duties": "", "status": "", "merged_into": ""}
    r = client.post(
        "/admin/units/change", data={**data, **typed, "csrf_token": _csrf(client, h)}, headers=h
    )
    assert r.status_code == 422 and message in r.text
    assert "부서를 바꿨습니다" not in r.text
    unit = _unit(engine, "GR03")
    assert (unit.takes_voices, unit.merged_into_id) == (True, None)
