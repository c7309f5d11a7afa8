"""The public board lists at most five of an action's voices, masked, and says how many more
there are; adding evidence on the action page says it was added."""

import re

from factories import build_world, voice_json
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from web.pagetools import csrf, login

from minwon.app import create_app


def _done_action(engine: Engine, voices: int) -> None:
    world = build_world(engine)
    api = TestClient(create_app(engine=engine))
    h = world.auth("gr_lead")
    ids = []
    for i in range(voices):
        body = voice_json(
            unit="GR01",
            title=f"홍길동{i}입니다 010-1234-56{i:02d} 가로등",
            body="골목 가로등이 어둡습니다.",
            contact={"name": f"홍길동{i}", "phone": f"010-1234-56{i:02d}"},
        )
        made = api.post("/api/v1/voices", json=body, headers=h)
        assert made.status_code == 201, made.text
        ids.append(made.json()["id"])
    action = api.post(
        "/api/v1/actions", json={"title": "골목 가로등 교체", "voice_ids": ids}, headers=h
    ).json()
    api.post(f"/api/v1/actions/{action['id']}/status", json={"status": "done"}, headers=h)


def _said(html: str) -> list[str]:
    found = re.search(r'<ul class="plain said">(.*?)</ul>', html, re.S)
    assert found, html
    return re.findall(r"<li>(.*?)</li>", found.group(1), re.S)


def test_the_board_says_how_many_more_voices_there_are(engine: Engine) -> None:
    _done_action(engine, 7)
    board = TestClient(create_app(engine=engine))
    page = board.get("/board/GR").text
    said = _said(page)
    assert len(said) == 5
    assert all("“" in s for s in said)
    assert "외 2건" in page
    assert "and 2 more" in board.get("/board/GR", params={"lang": "en"}).text
    assert "홍길동" not in page and "010-1234" not in page


def test_five_voices_or_fewer_are_listed_without_more(engine: Engine) -> None:
    _done_action(engine, 5)
    page = TestClient(create_app(engine=engine)).get("/board/GR").text
    assert len(_said(page)) == 5
    assert "외 " not in page


def test_adding_evidence_says_so(engine: Engine) -> None:
    world = build_world(engine)
    client = TestClient(create_app(engine=engine))
    action = client.post(
        "/api/v1/actions", json={"title": "가로등 교체"}, headers=world.auth("gr_lead")
    ).json()
    login(client, "gr_lead")
    detail = f"/actions/{action['id']}"
    page = client.post(
        f"{detail}/evidence", data={"csrf_token": csrf(client, detail), "note": "교체 완료"}
    )
    assert page.status_code == 200 and page.url.path == detail
    assert re.search(
        r'class="flash flash-ok"[^>]*>\s*근거 자료를 추가했습니다\.\s*</div>',
        page.text,
    )
    client.cookies.set("lang", "en")
    page = client.post(
        f"{detail}/evidence", data={"csrf_token": csrf(client, detail), "note": "사진"}
    )
    assert "Evidence added." in page.text
