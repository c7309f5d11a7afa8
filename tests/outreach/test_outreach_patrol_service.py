"""Patrol requests end to end: residents' form and staff entry, ranking with imported incidents,
the adopted plan, "your place was patrolled" to each consenting requester (to nobody without
consent), and the quarterly reset that keeps history."""

import re
from datetime import datetime, timedelta

import httpx
import time_machine
from factories import build_world
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select, update
from web.pagetools import csrf, login

from minwon.app import create_app
from minwon.db import write_session
from minwon.outbox.models import OutboxMessage
from minwon.outreach import patrol_logs, patrol_quarters
from minwon.outreach.models import PatrolRequest
from minwon.timeutil import KST, to_kst, utcnow


def _ask(client: TestClient, place: str, start: int, end: int, **kw: str) -> httpx.Response:
    data = {
        "csrf_token": csrf(client, "/patrols/request"),
        "unit": "GR01",
        "place": place,
        "day": to_kst(utcnow()).date().isoformat(),
        "start_hour": str(start),
        "end_hour": str(end),
        **kw,
    }
    return client.post("/patrols/request", data=data)


def _mails(engine: Engine) -> list[OutboxMessage]:
    with write_session(engine) as db:
        return list(db.scalars(select(OutboxMessage).where(OutboxMessage.topic == "patrolled")))


def test_requests_rank_plan_patrol_and_tell_only_consenting_requesters(engine: Engine) -> None:
    build_world(engine)
    resident = TestClient(create_app(engine=engine))
    assert (
        _ask(resident, "구로공원 뒷길", 22, 2, email="a@example.kr", consent="on").status_code
        == 200
    )
    no_consent = _ask(resident, "구로공원  뒷길", 23, 1, email="b@example.kr")
    assert no_consent.status_code == 422 and "동의해 주세요" in no_consent.text  # nothing kept
    _ask(resident, "구로공원  뒷길", 23, 1)  # sent again without the address: never told
    _ask(resident, "구로공원 뒷길", 22, 24)
    _ask(resident, "시장 입구", 18, 20, email="c@example.kr", consent="on")
    bad = _ask(resident, "", 22, 2)
    assert bad.status_code == 422 and "장소" in bad.text
    assert _ask(resident, "시장", 5, 5).status_code == 422
    lead = TestClient(create_app(engine=engine))
    login(lead, "gr_lead")
    token = csrf(lead, "/patrols")
    csv_text = "장소,시,건수\n시장 입구,19,30\n"
    imported = lead.post(
        "/patrols/incidents",
        data={
            "csrf_token": token,
            "unit": "GR01",
            "quarter": patrol_quarters.quarter_label(to_kst(utcnow()).date()),
        },
        files={"file": ("112.csv", csv_text.encode(), "text/csv")},
        follow_redirects=False,
    )
    assert imported.status_code == 303
    page = lead.get("/patrols?unit=GR01")
    assert page.status_code == 200 and 'id="plan-draft"' in page.text
    first_rows = page.text.split('id="plan-draft"', 1)[1].split("</tbody>", 1)[0]
    assert first_rows.index("시장 입구") < first_rows.index("구로공원 뒷길")  # 1 request + 0.5×30
    adopted = lead.post(
        "/patrols/plan",
        data={
            "csrf_token": token,
            "unit": "GR01",
            "quarter": patrol_quarters.quarter_label(to_kst(utcnow()).date()),
        },
        follow_redirects=False,
    )
    assert adopted.status_code == 303 and 'id="coverage"' in lead.get("/patrols?unit=GR01").text
    with write_session(engine) as db:
        db.execute(update(PatrolRequest).values(created_at=utcnow() - timedelta(days=1)))
        unit_id = db.scalars(select(PatrolRequest.unit_id)).first()
        from minwon.org import service as org

        principal = org.principal_for(org.staff_by_login(db_session=db, login="gr_officer"))
        at = utcnow().astimezone(to_kst(utcnow()).tzinfo).replace(hour=23, minute=10) - timedelta(
            days=0
        )
        if at > utcnow():
            at -= timedelta(days=1)
        _, told = patrol_logs.log_patrol(
            db, principal=principal, unit_id=unit_id, place="구로공원 뒷길", at=at
        )
    assert told == 1
    assert [m.recipient for m in _mails(engine)] == ["a@example.kr"]
    with write_session(engine) as db:
        again = patrol_logs.notify_patrolled(db, unit_id=unit_id)
    assert again == 0 and len(_mails(engine)) == 1


def test_quarterly_reset_keeps_history(engine: Engine) -> None:
    build_world(engine)
    resident = TestClient(create_app(engine=engine))
    _ask(resident, "학교 앞", 7, 9)
    _ask(resident, "공원", 20, 22)
    with write_session(engine) as db:
        db.execute(
            update(PatrolRequest).where(PatrolRequest.place == "학교 앞").values(quarter="2025Q1")
        )
    lead = TestClient(create_app(engine=engine))
    login(lead, "gr_lead")
    now = lead.get("/patrols?unit=GR01").text
    assert "공원" in now and "학교 앞" not in now.split('id="plan-draft"', 1)[1]
    past = lead.get("/patrols?unit=GR01&quarter=2025Q1").text
    assert "학교 앞" in past and "지난 분기" in past
    with write_session(engine) as db:
        assert len(db.scalars(select(PatrolRequest)).all()) == 2


def test_map_only_with_coordinates_and_list_always(engine: Engine) -> None:
    build_world(engine)
    resident = TestClient(create_app(engine=engine))
    _ask(resident, "공원 입구", 20, 22)
    lead = TestClient(create_app(engine=engine))
    login(lead, "gr_lead")
    page = lead.get("/patrols?unit=GR01").text
    assert 'id="patrol-map"' not in page and "공원 입구" in page
    _ask(resident, "역 앞", 21, 23, lat="37.5033", lon="126.8817")
    page = lead.get("/patrols?unit=GR01").text
    assert 'id="patrol-map"' in page and "126.8817" in page and "grid24" in page


def _staff_request(client: TestClient, unit: str) -> httpx.Response:
    data = {
        "csrf_token": csrf(client, "/patrols"),
        "unit": unit,
        "place": "역 앞 골목",
        "day": to_kst(utcnow()).date().isoformat(),
        "start_hour": "22",
        "end_hour": "2",
        "source": "card",
    }
    return client.post("/patrols/staff-request", data=data, follow_redirects=False)


def _requests(engine: Engine) -> list[str]:
    with write_session(engine) as db:
        return [r.place for r in db.scalars(select(PatrolRequest))]


def test_staff_cannot_file_or_print_cards_for_another_offices_unit(engine: Engine) -> None:
    build_world(engine)
    lead = TestClient(create_app(engine=engine))
    login(lead, "gr_lead")
    refused = _staff_request(lead, "DJ01")
    assert refused.status_code == 422 and _requests(engine) == []
    assert "부서를 찾을 수 없습니다" in refused.text and 'value="역 앞 골목"' in refused.text
    assert '<input type="hidden" name="unit" value="GR01">' in refused.text  # the lead's own
    assert _staff_request(lead, "GR01").status_code == 303 and _requests(engine) == ["역 앞 골목"]
    other = lead.get("/outreach/cards?print=1&unit=DJ01&count=1")
    assert other.status_code == 404 and other.headers["content-type"].startswith("text/html")
    own = lead.get("/outreach/cards?print=1&unit=GR01&count=1")
    assert own.status_code == 200 and own.content.startswith(b"%PDF")
    admin = TestClient(create_app(engine=engine))
    login(admin, "admin")
    assert admin.get("/outreach/cards?print=1&unit=DJ01&count=1").status_code == 200


def test_a_request_goes_into_the_quarter_of_the_day_asked_for(
    engine: Engine, clock: time_machine.Traveller
) -> None:
    build_world(engine)
    clock.move_to(datetime(2026, 12, 7, 10, 0, tzinfo=KST))  # a Monday in 2026 Q4
    resident = TestClient(create_app(engine=engine))
    form = resident.get("/patrols/request").text
    assert 'min="2026-12-07"' in form and 'max="2027-03-31"' in form
    january = _ask(resident, "구로초등학교 앞", 18, 22, day="2027-01-08")
    assert january.status_code == 200
    assert "2027년 1분기 순찰 계획에 반영됩니다" in january.text
    today = _ask(resident, "시장 입구", 20, 22, day="2026-12-07")
    assert "2026년 4분기 순찰 계획에 반영됩니다" in today.text
    with write_session(engine) as db:
        filed = {r.place: r.quarter for r in db.scalars(select(PatrolRequest))}
    assert filed == {"구로초등학교 앞": "2027Q1", "시장 입구": "2026Q4"}
    lead = TestClient(create_app(engine=engine))
    login(lead, "gr_lead")
    now = lead.get("/patrols?unit=GR01").text.split('id="plan-draft"', 1)[1]
    assert "시장 입구" in now and "구로초등학교 앞" not in now  # not ranked in December
    later = lead.get("/patrols?unit=GR01&quarter=2027Q1").text
    assert "구로초등학교 앞" in later.split('id="plan-draft"', 1)[1]
    assert "지난 분기" not in later  # a coming quarter is no history


def test_a_day_gone_by_or_too_far_ahead_is_refused_and_kept(
    engine: Engine, clock: time_machine.Traveller
) -> None:
    build_world(engine)
    clock.move_to(datetime(2026, 12, 7, 10, 0, tzinfo=KST))
    resident = TestClient(create_app(engine=engine))
    past = _ask(resident, "공원 뒷길", 22, 2, day="2026-12-01", reason="가로등이 꺼졌어요")
    assert past.status_code == 422
    assert "지난 날짜로는 순찰을 신청할 수 없습니다. 오늘(2026-12-07)이나" in past.text
    assert 'value="2026-12-01"' in past.text and 'value="공원 뒷길"' in past.text
    assert "가로등이 꺼졌어요" in past.text
    far = _ask(resident, "공원 뒷길", 22, 2, day="2027-04-01")
    assert far.status_code == 422
    assert "다음 분기가 끝나는 2027-03-31까지의 날짜로 받습니다" in far.text
    unreadable = _ask(resident, "공원 뒷길", 22, 2, day="다음 주")
    assert unreadable.status_code == 422 and "YYYY-MM-DD" in unreadable.text
    assert _requests(engine) == []
    last = _ask(resident, "공원 뒷길", 22, 2, day="2027-03-31")
    assert last.status_code == 200 and "2027년 1분기" in last.text
    lead = TestClient(create_app(engine=engine))
    login(lead, "gr_lead")
    staff = lead.post(
        "/patrols/staff-request",
        data={
            "csrf_token": csrf(lead, "/patrols"),
            "unit": "GR01",
            "place": "역 앞",
            "day": "2026-12-06",
            "start_hour": "22",
            "end_hour": "2",
            "source": "box",
        },
    )
    assert staff.status_code == 422 and _requests(engine) == ["공원 뒷길"]
    assert "지난 날짜로는" in staff.text
    form = staff.text.split('id="staff-request"', 1)[1].split("</form>", 1)[0]
    assert (
        'value="역 앞"' in form and 'value="2026-12-06"' in form and 'aria-invalid="true"' in form
    )
    assert 'value="box" selected' in form and 'value="22"' in form and 'value="2"' in form
    english = lead.post(
        "/patrols/staff-request?lang=en",
        data={"csrf_token": csrf(lead, "/patrols"), "unit": "GR01", "place": "역 앞"}
        | {"day": "2026-12-06", "start_hour": "22", "end_hour": "22", "source": "box"},
    )
    assert "A patrol cannot be requested for a day gone by. Please choose today (2026-12-07)" in (
        english.text
    )
    assert "Please check the hours (0 to 24; the start and end must differ)." in english.text
    lead.cookies.delete("lang")
    empty_log = lead.post(
        "/patrols/log",
        data={
            "csrf_token": csrf(lead, "/patrols"),
            "unit": "GR01",
            "place": " ",
            "note": "순찰 완료",
        },
    )
    assert empty_log.status_code == 422 and "장소를 적어 주세요." in empty_log.text
    assert 'value="순찰 완료"' in empty_log.text


def test_the_plan_shows_how_each_score_is_reached(engine: Engine) -> None:
    build_world(engine)
    resident = TestClient(create_app(engine=engine))
    for _ in range(3):
        _ask(resident, "구로초등학교 앞", 18, 22)
    for _ in range(4):
        _ask(resident, "구로초등학교 앞", 20, 24)  # half in 18–22, half in 22–24
    lead = TestClient(create_app(engine=engine))
    login(lead, "gr_lead")
    page = lead.get("/patrols?unit=GR01").text
    row = page.split('id="plan-draft"', 1)[1].split("<tbody>", 1)[1].split("</tr>", 1)[0]
    assert "구로초등학교 앞" in row and "18–22시" in row
    assert "5.0 <small" in row and "= 5.0 + 0.5 × 0" in row  # 7 requests, weighing 5.0
    assert re.search(r'<td[^>]*class="num">7</td>$', row)
