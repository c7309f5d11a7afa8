"""Fans: the returning-citizen rate and promoter share of an office, and the history of the
consenting citizens who came back."""

from datetime import timedelta

from factories import build_world, voice_json
from fastapi.testclient import TestClient
from reports.test_rollups import _respond
from sqlalchemy import Engine
from web.pagetools import login

from minwon.app import create_app
from minwon.db import write_session
from minwon.org import service as org
from minwon.reports import fans, rollups
from minwon.timeutil import to_kst, utcnow


def test_returning_rate_promoters_and_fan_history(engine: Engine) -> None:
    world = build_world(engine)
    client = TestClient(create_app(engine=engine))
    h = world.auth("gr_cs")
    fan = {"name": "단골", "phone": "010-1000-2000", "consent": True}
    for title in ("가로등", "보도블록", "쓰레기"):
        client.post(
            "/api/v1/voices", json=voice_json(unit="GR01", title=title, contact=fan), headers=h
        )
    client.post(
        "/api/v1/voices",
        json=voice_json(unit="GR01", contact={"phone": "010-3000-4000"}),
        headers=h,
    )
    client.post(
        "/api/v1/voices", json=voice_json(unit="GR01", contact={"email": "x@example.kr"}), headers=h
    )
    for nps in (10, 9, 5, 8):
        _respond(engine, "GR01", 4, nps)
    rollups.update(engine)
    today = to_kst(utcnow()).date()
    with write_session(engine) as db:
        office = org.find_office(db_session=db, ref="GR").id
        r = fans.rates(db, office_id=office, start=today - timedelta(days=7), end=today)
        people = fans.fans(db, office_id=office, start=today - timedelta(days=7), end=today)
    assert (r.citizens, r.returning) == (3, 1) and abs(r.returning_rate - 1 / 3) < 1e-9
    assert r.promoter_share == 0.5
    assert [p.name for p in people] == ["단골"] and len(people[0].voices) == 3
    login(client, "gr_cs")
    page = client.get("/fans")
    assert page.status_code == 200 and "단골" in page.text and "33%" in page.text
    hq = TestClient(create_app(engine=engine))
    login(hq, "hq")
    assert "단골" not in hq.get("/fans").text
