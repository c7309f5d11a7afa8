"""Actions: recorded by leads from voices or a group, scoped to the office; when done, each
citizen who asked and consented is told once through the outbox; the public board shows them;
the effect compares the place with the rest of the office."""

from datetime import timedelta

from factories import build_world, voice_json
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select, update

from minwon.actions.models import Action
from minwon.app import create_app
from minwon.db import write_session
from minwon.outbox.models import OutboxMessage
from minwon.timeutil import utcnow


def _voice(client: TestClient, h: dict, contact: dict | None = None, **kw: object) -> dict:
    body = voice_json(unit="GR01", **kw, **({"contact": contact} if contact else {}))
    r = client.post("/api/v1/voices", json=body, headers=h)
    assert r.status_code == 201, r.text
    return r.json()


def _notices(engine: Engine) -> list[OutboxMessage]:
    with write_session(engine) as db:
        return list(db.scalars(select(OutboxMessage).where(OutboxMessage.topic == "action-done")))


def test_done_action_tells_consenting_citizens_once(engine: Engine) -> None:
    world = build_world(engine)
    client = TestClient(create_app(engine=engine))
    h = world.auth("gr_lead")
    yes = _voice(client, h, {"name": "가", "email": "yes@example.kr", "consent": True})
    again = _voice(client, h, {"name": "가", "email": "YES@example.kr", "consent": True})
    no = _voice(client, h, {"name": "나", "email": "no@example.kr", "consent": False})
    phone = _voice(client, h, {"name": "다", "phone": "010-1111-2222", "consent": True})
    body = {
        "title": "구로1동 골목 야간 순찰 강화 (22~02시)",
        "description": "5월 3일부터 매일 밤 두 차례 순찰합니다.",
        "voice_ids": [yes["id"], again["id"], no["id"], phone["id"]],
    }
    made = client.post("/api/v1/actions", json=body, headers=h)
    assert made.status_code == 201, made.text
    action = made.json()
    assert len(action["voices"]) == 4 and action["status"] == "planned"
    assert _notices(engine) == []
    done = client.post(f"/api/v1/actions/{action['id']}/status", json={"status": "done"}, headers=h)
    assert done.status_code == 200 and done.json()["done_at"]
    notices = _notices(engine)
    assert [m.recipient.lower() for m in notices] == ["yes@example.kr"]
    assert "야간 순찰" in notices[0].body
    client.post(f"/api/v1/actions/{action['id']}/status", json={"status": "done"}, headers=h)
    assert len(_notices(engine)) == 1
    board = TestClient(create_app(engine=engine)).get("/api/v1/board/GR")
    assert board.status_code == 200 and board.json()[0]["title"] == body["title"]
    assert TestClient(create_app(engine=engine)).get("/api/v1/board/DJ").json() == []


def test_actions_are_for_leads_of_the_office(engine: Engine) -> None:
    world = build_world(engine)
    client = TestClient(create_app(engine=engine))
    v = _voice(client, world.auth("gr_lead"))
    body = {"title": "조치", "voice_ids": [v["id"]]}
    assert (
        client.post("/api/v1/actions", json=body, headers=world.auth("gr_officer")).status_code
        == 403
    )
    assert (
        client.post("/api/v1/actions", json=body, headers=world.auth("dj_lead")).status_code == 404
    )
    assert (
        client.post(
            "/api/v1/actions", json={**body, "title": ""}, headers=world.auth("gr_lead")
        ).status_code
        == 422
    )
    bad_dates = {**body, "starts_on": "2026-05-03", "due_on": "2026-05-01"}
    assert (
        client.post("/api/v1/actions", json=bad_dates, headers=world.auth("gr_lead")).status_code
        == 422
    )
    made = client.post("/api/v1/actions", json=body, headers=world.auth("gr_cs")).json()
    assert (
        client.get(f"/api/v1/actions/{made['id']}", headers=world.auth("dj_lead")).status_code
        == 404
    )
    bad = client.post(
        f"/api/v1/actions/{made['id']}/status",
        json={"status": "finished"},
        headers=world.auth("gr_cs"),
    )
    assert bad.status_code == 422
    early = client.get(f"/api/v1/actions/{made['id']}/effect", headers=world.auth("gr_cs"))
    assert early.status_code == 422


def test_an_action_for_a_whole_group(engine: Engine) -> None:
    world = build_world(engine)
    client = TestClient(create_app(engine=engine))
    h = world.auth("gr_lead")
    text = "아파트 정문 앞 불법 주차 차량이 많아 통행이 어렵습니다. 단속을 부탁드립니다."
    for i in range(3):
        _voice(client, h, {"phone": f"010-2000-000{i}"}, body=text)
    group = client.get("/api/v1/analysis/clusters", headers=h).json()[0]
    made = client.post(
        "/api/v1/actions",
        json={"title": "정문 앞 주차 단속 강화", "cluster_id": group["cluster_id"]},
        headers=h,
    )
    assert made.status_code == 201 and len(made.json()["voices"]) == 3
    missing = client.post("/api/v1/actions", json={"title": "x", "cluster_id": 999999}, headers=h)
    assert missing.status_code == 404


def test_effect_compares_the_place_with_the_rest(engine: Engine) -> None:
    world = build_world(engine)
    client = TestClient(create_app(engine=engine))
    h = world.auth("gr_lead")
    now = utcnow()

    def at(days: float) -> str:
        return (now - timedelta(days=days)).isoformat()

    for i in range(10):  # before: place 10, rest 20
        _voice(client, h, dong="구로1동", received_at=at(50 + i))
        _voice(client, h, dong="구로2동", received_at=at(50 + i))
        _voice(client, h, dong="구로3동", received_at=at(50 + i * 0.5))
    for i in range(4):  # after: place 4, rest 16
        _voice(client, h, dong="구로1동", received_at=at(5 + i))
    for i in range(16):
        _voice(client, h, dong="구로2동", received_at=at(5 + i * 0.5))
    made = client.post(
        "/api/v1/actions", json={"title": "구로1동 순찰", "dong": "구로1동"}, headers=h
    )
    action_id = made.json()["id"]
    client.post(f"/api/v1/actions/{action_id}/status", json={"status": "done"}, headers=h)
    with write_session(engine) as db:
        db.execute(
            update(Action).where(Action.id == action_id).values(done_at=now - timedelta(days=30))
        )
    got = client.get(f"/api/v1/actions/{action_id}/effect?days=30", headers=h)
    assert got.status_code == 200, got.text
    volume = got.json()["volume"]
    # place 10 -> 4 (x0.4) while the rest went 20 -> 16 (x0.8): 0.4 / 0.8 - 1 = -0.5
    assert (volume["target_before"], volume["target_after"]) == (10, 4)
    assert (volume["rest_before"], volume["rest_after"]) == (20, 16)
    assert abs(volume["effect"] + 0.5) < 1e-9


def test_action_pages_and_public_board(engine: Engine) -> None:
    from web.pagetools import csrf, login

    world = build_world(engine)
    client = TestClient(create_app(engine=engine))
    v = _voice(
        client,
        world.auth("gr_lead"),
        {"name": "홍길동", "email": "h@example.kr", "consent": True},
        title="홍길동입니다 010-1234-5678",
        body="골목 가로등이 어둡습니다.",
        dong="구로1동",
    )
    login(client, "gr_lead")
    form = client.get(f"/actions?voices={v['ledger_no']}")
    assert form.status_code == 200 and f">{v['ledger_no']}</textarea>" in form.text
    made = client.post(
        "/actions",
        data={
            "csrf_token": csrf(client, "/actions"),
            "title": "골목 가로등 교체",
            "voices": v["ledger_no"],
            "dong": "구로1동",
            "public": "on",
        },
        follow_redirects=False,
    )
    assert made.status_code == 303
    detail = made.headers["location"]
    page = client.get(detail)
    assert page.status_code == 200 and v["ledger_no"] in page.text
    token = csrf(client, detail)
    client.post(
        f"{detail}/evidence",
        data={"csrf_token": token, "note": "교체 완료 사진"},
        files={"file": ("photo.jpg", b"\xff\xd8\xff\xe0\x00\x10JFIF\x00fake", "image/jpeg")},
    )
    client.post(f"{detail}/status", data={"csrf_token": token, "status": "done"})
    page = client.get(detail)
    assert "교체 완료 사진" in page.text and "조치 효과" in page.text
    assert "같은 길이의 두 기간을 비교합니다" in page.text and "5건보다 적으면" in page.text
    english = client.get(detail, params={"lang": "en"}).text
    assert "We compare two windows of the same length" in english
    assert "fewer than 5 voices" in english and "The rule, in plain words" not in english
    assert (
        'ac-done">done</span>' in english and '<option value="dropped">dropped</option>' in english
    )
    assert "골목 가로등 교체" in client.get(f"/voices/{v['id']}").text
    public = TestClient(create_app(engine=engine)).get("/board/GR")
    assert public.status_code == 200 and "골목 가로등 교체" in public.text
    assert "010-1234-5678" not in public.text and "홍길동" not in public.text
    assert len(_notices(engine)) == 1
