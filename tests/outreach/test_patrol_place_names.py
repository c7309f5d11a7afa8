"""Places are matched case-insensitively (one key for "QA-PATROL" and "qa-patrol") but shown as
first written: the ranking, the hour grid, the plan and its coverage never show the folded key."""

from datetime import date, datetime

from factories import build_world
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from web.pagetools import csrf, login

from minwon.app import create_app
from minwon.outreach.patrols import (
    PatrolLog,
    PatrolRequest,
    coverage,
    patrol_plan,
    place_names,
    rank_cells,
)
from minwon.timeutil import KST, to_kst, utcnow

TYPED = "가리봉 QA-PATROL"


def _req(rid: str, place: str, made: date) -> PatrolRequest:
    return PatrolRequest(rid, place, made_at=made, start_hour=22, end_hour=2)


def test_a_place_is_shown_as_first_written_and_matched_in_any_case() -> None:
    requests = [
        _req("2", "가리봉  qa-patrol ", date(2026, 4, 3)),
        _req("1", TYPED, date(2026, 4, 2)),  # the earliest: its spelling is shown
        _req("3", "가리봉 Qa-Patrol", date(2026, 4, 4)),
    ]
    assert place_names(requests) == {"가리봉 qa-patrol": TYPED}
    plan = patrol_plan(requests)
    assert {e.place for e in plan.entries} == {TYPED}
    assert [row.place for row in plan.grid] == [TYPED] and plan.grid[0].requests == 3
    assert {c.place for c in rank_cells(requests)} == {TYPED}
    logs = [PatrolLog("가리봉 QA-patrol", datetime(2026, 4, 8, 23, 0, tzinfo=KST))]
    done = {c.band.label: c.patrols for c in coverage(plan, logs, date(2026, 4, 9))}
    assert done == {"22–24": 1, "00–06": 0}


def test_the_patrol_page_shows_places_as_typed(engine: Engine) -> None:
    build_world(engine)
    resident = TestClient(create_app(engine=engine))
    for place in (TYPED, "가리봉 qa-patrol"):
        sent = resident.post(
            "/patrols/request",
            data={
                "csrf_token": csrf(resident, "/patrols/request"),
                "unit": "GR01",
                "place": place,
                "day": to_kst(utcnow()).date().isoformat(),
                "start_hour": "22",
                "end_hour": "2",
            },
        )
        assert sent.status_code == 200
    lead = TestClient(create_app(engine=engine))
    login(lead, "gr_lead")
    page = lead.get("/patrols?unit=GR01").text
    draft = page.split('id="plan-draft"', 1)[1].split("</tbody>", 1)[0]
    assert TYPED in draft and "qa-patrol" not in draft
    grid = page.split('<datalist id="places">', 1)[1].split("</datalist>", 1)[0]
    assert f'value="{TYPED}"' in grid and "qa-patrol" not in grid
