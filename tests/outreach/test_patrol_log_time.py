"""A patrol logged after the fact: the unit page's form takes the time it was done (by default
now, in Korean time), so a night patrol written up the next morning tells the requesters of
those hours; a time to come or further back than the API allows is refused, the form kept."""

from datetime import datetime

import time_machine
from factories import build_world
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from web.pagetools import csrf, login

from minwon.app import create_app
from minwon.db import write_session
from minwon.outbox.models import OutboxMessage
from minwon.outreach.models import PatrolLog
from minwon.timeutil import KST, to_kst

PLACE = "구로공원 뒷길"


def _told(engine: Engine) -> list[str]:
    with write_session(engine) as db:
        query = select(OutboxMessage.recipient).where(OutboxMessage.topic == "patrolled")
        return list(db.scalars(query))


def _log(client: TestClient, **fields: str) -> object:
    data = {"csrf_token": csrf(client, "/patrols"), "unit": "GR01", "place": PLACE} | fields
    return client.post("/patrols/log", data=data)


def test_a_night_patrol_logged_next_morning_counts_for_its_hours(
    engine: Engine, clock: time_machine.Traveller
) -> None:
    world = build_world(engine)
    clock.move_to(datetime(2026, 12, 7, 10, 0, tzinfo=KST))  # a Monday
    resident = TestClient(create_app(engine=engine))
    asked = resident.post(
        "/patrols/request",
        data={
            "csrf_token": csrf(resident, "/patrols/request"),
            "unit": "GR01",
            "place": PLACE,
            "day": "2026-12-07",
            "start_hour": "22",
            "end_hour": "2",
            "email": "a@example.kr",
            "consent": "on",
        },
    )
    assert asked.status_code == 200
    clock.move_to(datetime(2026, 12, 8, 9, 0, tzinfo=KST))  # the next morning
    lead = TestClient(create_app(engine=engine))
    login(lead, "gr_lead")
    page = lead.get("/patrols?unit=GR01").text
    field = page.split('id="l-at"', 1)[1].split(">", 1)[0]
    assert 'type="datetime-local"' in field and 'value="2026-12-08T09:00"' in field
    assert 'max="2026-12-08T09:00"' in field and 'min="2026-12-01T09:00"' in field

    future = _log(lead, at="2026-12-08T10:00", note="야간 순찰")
    assert future.status_code == 422 and "앞으로의 시각으로는" in future.text
    form = future.text.split('action="/patrols/log"', 1)[1].split("</form>", 1)[0]
    assert 'value="2026-12-08T10:00"' in form and 'value="야간 순찰"' in form
    assert f'value="{PLACE}"' in form and 'aria-invalid="true"' in form
    old = _log(lead, at="2026-11-30T23:00")
    assert old.status_code == 422 and "7일 전(2026-12-01 09:00)부터" in old.text
    unreadable = _log(lead, at="어젯밤")
    assert unreadable.status_code == 422 and "YYYY-MM-DD HH:MM" in unreadable.text
    assert _told(engine) == []

    done = _log(lead, at="2026-12-07T23:30", note="야간 순찰")
    assert done.status_code == 200 and "알림 1건" in done.text
    assert _told(engine) == ["a@example.kr"]
    with write_session(engine) as db:
        (at,) = db.scalars(select(PatrolLog.at)).all()
    assert to_kst(at) == datetime(2026, 12, 7, 23, 30, tzinfo=KST)
    assert "12-07 23:30</span> · 구로공원 뒷길" in done.text

    api = TestClient(create_app(engine=engine))
    refused = api.post(
        "/api/v1/patrols/logs",
        json={"unit": "GR01", "place": PLACE, "at": "2026-11-30T23:00:00"},
        headers=world.auth("gr_officer"),
    )
    assert refused.status_code == 422 and "7일 전" in refused.text
    taken = api.post(
        "/api/v1/patrols/logs",
        json={"unit": "GR01", "place": PLACE, "at": "2026-12-08T01:15:00+09:00"},
        headers=world.auth("gr_officer"),
    )
    assert taken.status_code == 201, taken.text
    assert to_kst(datetime.fromisoformat(taken.json()["at"])).hour == 1
