"""The action form names its voices by receipt number (접수번호), found with a search: numbers
of the office link their voices, an unknown one is refused in Korean with what was typed kept
and nothing saved, and the search never shows another office's voices."""

from factories import build_world, voice_json
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select
from web.pagetools import csrf, login

from minwon.actions.models import Action
from minwon.app import create_app
from minwon.db import write_session


def _voice(client: TestClient, h: dict, unit: str = "GR01", **kw: object) -> dict:
    r = client.post("/api/v1/voices", json=voice_json(unit=unit, **kw), headers=h)
    assert r.status_code == 201, r.text
    return r.json()


def _actions(engine: Engine) -> int:
    with write_session(engine) as db:
        return db.scalar(select(func.count(Action.id))) or 0


def test_action_links_voices_by_receipt_number(engine: Engine) -> None:
    world = build_world(engine)
    client = TestClient(create_app(engine=engine))
    a = _voice(client, world.auth("gr_lead"), title="가로등 고장")
    b = _voice(client, world.auth("gr_lead"), title="골목이 어둡습니다")
    login(client, "gr_lead")
    page = client.get("/actions").text
    assert "관련 민원 접수번호" in page and "(id)" not in page
    made = client.post(
        "/actions",
        data={
            "csrf_token": csrf(client, "/actions"),
            "title": "가로등 교체",
            "voices": f"{a['ledger_no']},\n{b['ledger_no'].lower()}",
        },
        follow_redirects=False,
    )
    assert made.status_code == 303
    detail = client.get(made.headers["location"]).text
    assert a["ledger_no"] in detail and b["ledger_no"] in detail


def test_unknown_receipt_number_is_refused_and_kept(engine: Engine) -> None:
    world = build_world(engine)
    client = TestClient(create_app(engine=engine))
    a = _voice(client, world.auth("gr_lead"))
    other = _voice(client, world.auth("dj_lead"), unit="DJ01")
    login(client, "gr_lead")
    typed = f"{a['ledger_no']}, {other['ledger_no']}"
    r = client.post(
        "/actions",
        data={"csrf_token": csrf(client, "/actions"), "title": "조치", "voices": typed},
    )
    assert r.status_code == 422
    assert f"찾을 수 없는 접수번호입니다: {other['ledger_no']}" in r.text
    assert f">{typed}</textarea>" in r.text and 'value="조치"' in r.text
    assert _actions(engine) == 0


def test_voice_search_finds_by_number_or_title_within_the_office(engine: Engine) -> None:
    world = build_world(engine)
    client = TestClient(create_app(engine=engine))
    a = _voice(client, world.auth("gr_lead"), title="가로등 고장")
    _voice(client, world.auth("dj_lead"), unit="DJ01", title="가로등 보상 문의")
    login(client, "gr_lead")
    by_title = client.get("/actions/voice-search", params={"q": "가로등"}).text
    assert f'data-add-ledger="{a["ledger_no"]}"' in by_title
    assert "보상 문의" not in by_title and "<html" not in by_title
    by_number = client.get("/actions/voice-search", params={"q": a["ledger_no"][-6:]}).text
    assert a["ledger_no"] in by_number
    assert "찾는 민원이 없습니다" in client.get("/actions/voice-search?q=없는말").text
    voice_page = client.get(f"/voices/{a['id']}").text
    assert f'href="/actions?voices={a["ledger_no"]}"' in voice_page
