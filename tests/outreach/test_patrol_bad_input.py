"""Bad input to patrol requests and incident files: a clear refusal, the form kept as typed,
nothing stored (numbers written in other scripts, a half or impossible position, a quarter no
day belongs to, an incident file with no line or only unreadable ones, which leaves the
quarter's statistics as they were)."""

import html
from datetime import timedelta

import httpx
import pytest
from factories import build_world
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select
from web.pagetools import csrf, login

from minwon.app import create_app
from minwon.db import write_session
from minwon.errors import Invalid
from minwon.org import service as org
from minwon.outreach import incident_files, patrol_quarters
from minwon.outreach.models import IncidentCount, PatrolRequest
from minwon.timeutil import to_kst, utcnow

POSITION_REFUSED = "위치를 읽을 수 없습니다."


def _count(engine: Engine, model: type) -> int:
    with write_session(engine) as db:
        return db.scalar(select(func.count()).select_from(model)) or 0


def _form(**overrides: str) -> dict[str, str]:
    now = to_kst(utcnow())
    return {
        "unit": "GR01",
        "place": "구로동 거리공원 정문",
        "day": now.date().isoformat(),
        "start_hour": "22",
        "end_hour": "24",
        "reason": "밤에 어둡습니다",
    } | overrides


@pytest.mark.parametrize(
    "position",
    [
        {"lat": "37.5"},
        {"lon": "126.9"},
        {"lat": "nan", "lon": "nan"},
        {"lat": "inf", "lon": "-inf"},
        {"lat": "999", "lon": "999"},
    ],
)
def test_a_citizen_s_form_with_an_unreadable_position_is_refused_and_kept(
    engine: Engine, position: dict[str, str]
) -> None:
    build_world(engine)
    client = TestClient(create_app(engine=engine))
    typed = _form(**position)
    r = client.post(
        "/patrols/request", data={**typed, "csrf_token": csrf(client, "/patrols/request")}
    )
    assert r.status_code == 422
    assert POSITION_REFUSED in r.text
    assert 'value="구로동 거리공원 정문"' in r.text and "밤에 어둡습니다" in r.text
    assert _count(engine, PatrolRequest) == 0


@pytest.mark.parametrize("hour", ["²", "٢٢", "9" * 5000, "-3"])
def test_an_hour_that_is_no_plain_number_is_refused_and_kept(engine: Engine, hour: str) -> None:
    build_world(engine)
    client = TestClient(create_app(engine=engine))
    typed = _form(start_hour=hour)
    r = client.post(
        "/patrols/request", data={**typed, "csrf_token": csrf(client, "/patrols/request")}
    )
    assert r.status_code == 422
    assert "시간대를 확인해 주세요" in r.text and "밤에 어둡습니다" in r.text
    assert _count(engine, PatrolRequest) == 0


@pytest.mark.parametrize(
    "position", [{"lat": 37.5}, {"lat": 95, "lon": 0}, {"lat": 37.5, "lon": -181}]
)
def test_the_api_refuses_a_half_or_impossible_position(
    engine: Engine, position: dict[str, float]
) -> None:
    world = build_world(engine)
    api = TestClient(create_app(engine=engine))
    body: dict[str, object] = {**_form(), "source": "card", **position}
    r = api.post("/api/v1/patrols/requests", json=body, headers=world.auth("gr_officer"))
    assert r.status_code == 422
    assert POSITION_REFUSED in r.json()["errors"]["lat"]
    assert _count(engine, PatrolRequest) == 0


@pytest.mark.parametrize("quarter", ["zzz", "", "9999Q9", "2026Q5", "2026Q4' OR 1=1", "26Q4"])
def test_incidents_are_never_filed_under_a_quarter_no_day_belongs_to(
    engine: Engine, quarter: str
) -> None:
    world = build_world(engine)
    api = TestClient(create_app(engine=engine))
    r = api.post(
        "/api/v1/patrols/incidents",
        data={"unit": "GR01", "quarter": quarter},
        files={"file": ("counts.csv", "구로역,22,5\n".encode(), "text/csv")},
        headers=world.auth("gr_lead"),
    )
    assert r.status_code == 422
    if quarter and len(quarter) <= 8:  # longer or empty: refused by the form's own limits
        assert r.json()["detail"] == "분기는 2026Q4처럼 연도와 1~4분기로 적어 주십시오."
    assert _count(engine, IncidentCount) == 0


def test_a_quarter_asked_for_must_be_one_too(engine: Engine) -> None:
    world = build_world(engine)
    api = TestClient(create_app(engine=engine))
    asked = api.get("/api/v1/patrols?unit=GR01&quarter=2026Q9", headers=world.auth("gr_lead"))
    assert asked.status_code == 422
    assert (
        api.get(
            "/api/v1/patrols?unit=GR01&quarter=2026Q4", headers=world.auth("gr_lead")
        ).status_code
        == 200
    )


@pytest.mark.parametrize(
    "line", ["구로역,²,3", "구로역,3,²", "구로역,3," + "9" * 30, "구로역,3,1000000", "구로역,3,-1"]
)
def test_an_incident_line_with_no_plain_count_names_the_line(engine: Engine, line: str) -> None:
    world = build_world(engine)
    api = TestClient(create_app(engine=engine))
    r = api.post(
        "/api/v1/patrols/incidents",
        data={"unit": "GR01", "quarter": "2026Q4"},
        files={"file": ("counts.csv", f"구로역,1,1\n{line}\n".encode(), "text/csv")},
        headers=world.auth("gr_lead"),
    )
    assert r.status_code == 422
    assert r.json()["detail"].startswith("2번째 줄: ")
    assert _count(engine, IncidentCount) == 0


def test_counts_of_one_place_and_hour_may_not_add_up_past_the_limit(engine: Engine) -> None:
    world = build_world(engine)
    api = TestClient(create_app(engine=engine))
    r = api.post(
        "/api/v1/patrols/incidents",
        data={"unit": "GR01", "quarter": "2026Q4"},
        files={"file": ("c.csv", "구로역,3,999999\n구로역,3,1\n".encode(), "text/csv")},
        headers=world.auth("gr_lead"),
    )
    assert r.status_code == 422 and r.json()["detail"].startswith("2번째 줄: ")
    assert _count(engine, IncidentCount) == 0


NO_LINE = "파일에 '장소,시(0~23),건수' 형식의 줄이 없습니다."
NO_LINE_EN = "The file has no line written as place,hour (0–23),count."
MARKET = "구로시장 입구,20,6\n"
"""The statistics imported before a bad file: one cell, 6 incidents at 20시."""
NO_LINE_FILES = {
    "empty": b"",
    "header": "장소,시,건수\n".encode(),
    "header-no-newline": "장소,시,건수".encode(),
    "garbage": b"garbage",
    "bom": "\ufeff".encode(),
    "header-and-blank-lines": "\ufeff장소,시,건수\r\n\r\n".encode(),
    "blank-cells": b"\n\n,,\n  \n , , \n",
}
"""Files that hold no incident line at all; each used to replace the quarter's statistics with
none ("사건 통계 0칸을 올렸습니다.")."""


def _import(engine: Engine, quarter: str, data: bytes) -> int:
    """Import ``data`` as gr_lead for GR01 in one transaction (committed unless refused)."""
    with write_session(engine) as db:
        principal = org.principal_for(org.staff_by_login(db_session=db, login="gr_lead"))
        assert principal.unit_id is not None
        return incident_files.import_incident_file(
            db, principal=principal, unit_id=principal.unit_id, quarter=quarter, data=data
        )


def _counts(engine: Engine) -> list[tuple[str, str, int, int]]:
    with write_session(engine) as db:
        rows = db.scalars(
            select(IncidentCount).order_by(IncidentCount.quarter.desc(), IncidentCount.hour)
        )
        return [(r.quarter, r.place_key, r.hour, r.count) for r in rows]


@pytest.mark.parametrize("data", NO_LINE_FILES.values(), ids=NO_LINE_FILES.keys())
def test_a_file_with_no_incident_line_is_refused_and_the_counts_stay(
    engine: Engine, data: bytes
) -> None:
    build_world(engine)
    assert _import(engine, "2026Q4", MARKET.encode()) == 1
    with pytest.raises(Invalid) as refused:
        _import(engine, "2026Q4", data)
    assert (refused.value.message, refused.value.field) == (NO_LINE, "file")
    assert _counts(engine) == [("2026Q4", "구로시장 입구", 20, 6)]


BAD_LINE = "번째 줄: '장소,시(0~23),건수' 형식이어야 합니다(건수는 999,999까지)."


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("장소,시,건수\n구로역,스물,다섯\n시장,x,y\n", "2" + BAD_LINE),
        ("garbage\nmore garbage\n", "2" + BAD_LINE),
        ("장소,시,건수\n\n구로역,25,1\n", "3번째 줄: 시는 0~23입니다."),
        ("\ufeff장소,시,건수\r\n , 3 , 1 \r\n", "2번째 줄: 장소가 비어 있습니다."),
        ("구로역,1," + "9" * 200_000 + "\n", "1" + BAD_LINE),  # a cell past the CSV reader's limit
        ("구로역,1,1\n" + "x" * 200_000 + ",1,1\n", "2" + BAD_LINE),
    ],
    ids=["header-then-words", "words", "header-hour", "header-place", "huge-count", "huge-place"],
)
def test_a_file_of_unreadable_lines_names_the_file_s_own_line_and_changes_nothing(
    engine: Engine, text: str, said: str
) -> None:
    """The line named is the file's (a header counted), and a cell too long for the CSV reader
    is a bad line too (it was a server error)."""
    world = build_world(engine)
    assert _import(engine, "2026Q4", MARKET.encode()) == 1
    api = TestClient(create_app(engine=engine))
    r = api.post(
        "/api/v1/patrols/incidents",
        data={"unit": "GR01", "quarter": "2026Q4"},
        files={"file": ("counts.csv", text.encode(), "text/csv")},
        headers=world.auth("gr_lead"),
    )
    assert r.status_code == 422 and r.json()["detail"] == said
    assert _counts(engine) == [("2026Q4", "구로시장 입구", 20, 6)]


@pytest.mark.parametrize("data", NO_LINE_FILES.values(), ids=NO_LINE_FILES.keys())
def test_the_api_refuses_a_file_with_no_incident_line(engine: Engine, data: bytes) -> None:
    world = build_world(engine)
    assert _import(engine, "2026Q4", MARKET.encode()) == 1
    api = TestClient(create_app(engine=engine))
    r = api.post(
        "/api/v1/patrols/incidents",
        data={"unit": "GR01", "quarter": "2026Q4"},
        files={"file": ("counts.csv", data, "text/csv")},
        headers=world.auth("gr_lead"),
    )
    assert r.status_code == 422 and r.json()["detail"] == NO_LINE
    assert _counts(engine) == [("2026Q4", "구로시장 입구", 20, 6)]


def _upload(client: TestClient, quarter: str, data: bytes, lang: str = "") -> httpx.Response:
    return client.post(
        "/patrols/incidents" + (f"?lang={lang}" if lang else ""),
        data={"csrf_token": csrf(client, "/patrols"), "unit": "GR01", "quarter": quarter},
        files={"file": ("112.csv", data, "text/csv")},
        follow_redirects=False,
    )


def _incident_form(page: str) -> str:
    """The incident upload part of the unit page (its only <h3>): heading, message and form."""
    return html.unescape(page.split("<h3>", 1)[1].split("</form>", 1)[0])


def test_the_unit_page_refuses_a_file_with_no_line_and_keeps_the_ranking(engine: Engine) -> None:
    """gr_lead's walk on /patrols: 구로시장 입구 ranked with its 6 incidents; a header alone, a
    lone word or an empty file is refused on the page (422, the unit and quarter as they were,
    the reason by the upload form), and the ranking keeps its incidents."""
    build_world(engine)
    today = to_kst(utcnow()).date()
    now_q = patrol_quarters.quarter_label(today)  # the quarter /patrols opens on
    past_q = patrol_quarters.quarter_label(today.replace(day=1) - timedelta(days=92))
    resident = TestClient(create_app(engine=engine))
    asked = resident.post(
        "/patrols/request",
        data={**_form(place="구로시장 입구", start_hour="18", end_hour="22")}
        | {"csrf_token": csrf(resident, "/patrols/request")},
    )
    assert asked.status_code == 200
    lead = TestClient(create_app(engine=engine))
    login(lead, "gr_lead")
    assert _upload(lead, now_q, MARKET.encode()).status_code == 303
    assert "= 1.0 + 0.5 × 6" in lead.get("/patrols?unit=GR01").text
    for data in (b"", "장소,시,건수\n".encode(), b"garbage"):
        refused = _upload(lead, now_q, data)
        assert refused.status_code == 422, data
        assert "0칸을 올렸습니다" not in refused.text
        assert NO_LINE in _incident_form(refused.text)
        assert 'id="incidents-error"' in refused.text
        assert "= 1.0 + 0.5 × 6" in refused.text  # the page as it was, ranking included
        assert "= 1.0 + 0.5 × 6" in lead.get("/patrols?unit=GR01").text
    assert _counts(engine) == [(now_q, "구로시장 입구", 20, 6)]

    english = _upload(lead, now_q, b"garbage", lang="en")
    assert english.status_code == 422 and NO_LINE_EN in _incident_form(english.text)
    lead.cookies.delete("lang")

    # an earlier quarter's statistics: the refusal stays on that quarter's page
    assert _upload(lead, past_q, "구로역,22,5\n".encode()).status_code == 303
    past = _upload(lead, past_q, b"")
    assert past.status_code == 422 and NO_LINE in _incident_form(past.text)
    assert f"· {past_q}</small>" in past.text
    assert f'name="quarter" value="{past_q}"' in _incident_form(past.text)
    assert _counts(engine) == [
        (now_q, "구로시장 입구", 20, 6),
        (past_q, "구로역", 22, 5),
    ]


def test_the_line_limit_counts_the_lines_after_the_header(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As before the header and blank lines were read apart: a header is not counted, every
    line after it is (blank ones too), and a file over the limit changes nothing."""
    build_world(engine)
    monkeypatch.setattr(incident_files, "MAX_INCIDENT_ROWS", 3)
    assert _import(engine, "2026Q4", "장소,시,건수\na,1,1\nb,2,2\nc,3,3\n".encode()) == 3
    for over in ("a,1,1\nb,2,2\nc,3,3\nd,4,4\n", "장소,시,건수\na,1,1\n\nb,2,2\nc,3,3\n"):
        with pytest.raises(Invalid) as refused:
            _import(engine, "2026Q4", over.encode())
        assert refused.value.message == "한 번에 3줄까지 올릴 수 있습니다."
    assert len(_counts(engine)) == 3
