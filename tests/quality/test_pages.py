"""Quality pages: a self check from the form (a mistake keeps every mark and note typed), the
visit plan form (a mistake keeps the scenario), the observer's page, an admin rewording and
retiring items, a unit lead stating the promise; English; who may reach what."""

from datetime import timedelta

from conftest import TEST_NOW
from sqlalchemy import Engine, func, select
from web.pagetools import csrf, login, post_form

from minwon.db import write_session
from minwon.quality.models import MysteryVisit, QualityCheck
from quality.helpers import setup, template

TODAY = TEST_NOW.date()


def _count(engine: Engine, model: type) -> int:
    with write_session(engine) as db:
        return db.scalar(select(func.count(model.id))) or 0


def test_a_self_check_from_the_form_and_a_mistake_keeps_what_was_typed(engine: Engine) -> None:
    client, world = setup(engine)
    tpl = template(client, world)
    login(client, "gr_officer")
    form = client.get("/quality/checks/new?kind=self")
    assert form.status_code == 200 and "맞이" in form.text and "마무리" in form.text
    items = [i for i in tpl["items"] if not i["is_promise"]]
    data = {"kind": "self", "channel": "visit", "note": "오후 창구"}
    data |= {f"m_{i['id']}": "yes" for i in items[:-1]}
    data[f"n_{items[0]['id']}"] = "허리 굽혀 인사함"
    bad = post_form(client, "/quality/checks", data, "/quality/checks/new?kind=self")
    assert bad.status_code == 422
    assert "표시한 곳을 확인해 주세요" in bad.text and "허리 굽혀 인사함" in bad.text
    assert "오후 창구" in bad.text and f'name="m_{items[1]["id"]}" value="yes" checked' in bad.text
    assert _count(engine, QualityCheck) == 0
    data[f"m_{items[-1]['id']}"] = "no"
    ok = post_form(
        client, "/quality/checks", data, "/quality/checks/new?kind=self", follow_redirects=False
    )
    assert ok.status_code == 303 and ok.headers["location"].startswith("/quality/checks/")
    page = client.get(ok.headers["location"])
    assert "자가 점검" in page.text and "허리 굽혀 인사함" in page.text and "못 지킴" in page.text
    overview = client.get("/quality")
    assert overview.status_code == 200 and items[-1]["text"] in overview.text  # most missed


def test_planning_a_visit_on_the_page_and_recording_it(engine: Engine) -> None:
    client, world = setup(engine)
    tpl = template(client, world, "call")
    login(client, "gr_cs")
    plan = {
        "unit": "GR02",
        "channel": "call",
        "scenario": "야간 순찰을 늘려 달라는 주민 전화",
        "window_start": str(TODAY),
        "window_end": str(TODAY - timedelta(days=1)),
        "observer": "gr_officer",
    }
    bad = post_form(client, "/quality/visits", plan, "/quality/visits")
    assert bad.status_code == 200 and "기간의 끝이 시작보다 앞섭니다" in bad.text
    assert "야간 순찰을 늘려 달라는 주민 전화" in bad.text  # the typed scenario waits
    plan["window_end"] = str(TODAY + timedelta(days=3))
    ok = post_form(client, "/quality/visits", plan, "/quality/visits", follow_redirects=False)
    assert ok.status_code == 303
    assert _count(engine, MysteryVisit) == 1
    visit_path = ok.headers["location"]
    client.cookies.clear()
    login(client, "gr_officer")
    page = client.get(visit_path)
    assert page.status_code == 200 and "연결" in page.text and "경청" in page.text
    marks = {f"m_{i['id']}": "yes" for i in tpl["items"] if not i["is_promise"]}
    done = post_form(client, visit_path, marks, visit_path, follow_redirects=False)
    assert done.status_code == 303
    assert "점검 결과 보기" in client.get(visit_path).text
    client.cookies.clear()
    login(client, "gr2_lead")
    assert client.get(visit_path).status_code == 404  # the unit never sees the plan


def test_admin_rewords_and_retires_items_on_the_page(engine: Engine) -> None:
    client, world = setup(engine)
    tpl = template(client, world)
    item = tpl["items"][2]
    login(client, "gr_lead")
    assert "q-item-edit" not in client.get("/quality/checklists").text
    refused = client.post(
        f"/quality/items/{item['id']}",
        data={"do": "retire", "csrf_token": csrf(client, "/quality/checklists")},
    )
    assert "점검표는 관리자가 고칩니다" in refused.text and "폐지됨" not in refused.text
    client.cookies.clear()
    login(client, "admin")
    post_form(
        client,
        f"/quality/items/{item['id']}",
        {"do": "edit", "text": "자리를 권했다"},
        "/quality/checklists",
    )
    post_form(client, f"/quality/items/{item['id']}", {"do": "retire"}, "/quality/checklists")
    page = client.get("/quality/checklists")
    assert 'value="자리를 권했다"' in page.text and "폐지됨" in page.text
    add = post_form(
        client,
        f"/quality/checklists/{tpl['id']}/items",
        {"stage": "place", "text": ""},
        "/quality/checklists",
    )
    assert "점검 항목은 1~300자" in add.text


def test_a_unit_lead_states_the_promise_and_it_shows_on_the_unit_page(engine: Engine) -> None:
    client, world = setup(engine)
    login(client, "gr_lead")
    page = client.get("/quality/promises")
    assert 'name="text"' in page.text and "가리봉파출소" in page.text
    r = post_form(
        client,
        "/quality/promises",
        {"unit": "GR01", "text": "끝까지 듣겠습니다", "since": str(TODAY)},
        "/quality/promises",
    )
    assert r.status_code == 200 and "끝까지 듣겠습니다" in r.text and "우리 부서의 약속" in r.text
    form = client.get("/quality/checks/new?kind=self")
    assert "끝까지 듣겠습니다" in form.text  # the promise item now carries its words


def test_pages_need_a_login_and_another_office_is_out_of_reach(engine: Engine) -> None:
    client, world = setup(engine)
    for path in ("/quality", "/quality/visits", "/quality/checklists", "/quality/promises"):
        r = client.get(path, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"].startswith("/login")
    units = client.get("/api/v1/units", headers=world.auth("admin")).json()
    dj = next(u["id"] for u in units if u["code"] == "DJ01")
    login(client, "gr_cs")
    assert client.get(f"/quality/units/{dj}").status_code == 404
    english = client.get("/quality?lang=en")
    assert "Service quality" in english.text and "Mystery checks" in english.text
