"""The ledger's pages: list, filters and paging, deadlines, staff intake, a voice and its
workflow forms, and office scoping."""

import re

import pytest
from factories import World, build_world
from fastapi.testclient import TestClient
from sqlalchemy import Engine, event, select
from web.pagetools import (
    api_voice,
    client_for,
    count_voices,
    is_html_page,
    login,
    post_form,
)

from minwon.db import session_factory
from minwon.outbox.models import OutboxMessage
from minwon.voices import queries
from minwon.voices.models import Answer, Voice, VoiceContact

LEDGER_NO = re.compile(r"[A-Z0-9]+-\d{4}-\d{6}")


@pytest.fixture
def world(engine: Engine) -> World:
    return build_world(engine)


@pytest.fixture
def client(engine: Engine, world: World) -> TestClient:
    return client_for(engine)


def _act(client: TestClient, vid: int, action: str, **data: str):
    return post_form(client, f"/voices/{vid}/{action}", data, f"/voices/{vid}")


def _voice(engine: Engine, vid: int) -> Voice:
    with session_factory(engine)() as db:
        return db.get_one(Voice, vid)


# ---- the ledger -------------------------------------------------------------------------


def test_ledger_lists_rows_with_columns_filters_and_count(client, world) -> None:
    made = [api_voice(client, world, title=f"가로등 {i}") for i in range(3)]
    api_voice(client, world, unit="GR02", title="주차 문제", channel="web", body="차가 막아요")
    login(client, "gr_cs")
    r = client.get("/ledger")
    assert r.status_code == 200 and is_html_page(r)
    for v in made:
        assert v["ledger_no"] in r.text and f'href="/voices/{v["id"]}"' in r.text
    assert "총 4건" in r.text
    for header in ("접수번호", "접수일시", "종류", "경로", "제목", "담당 부서", "처리기한", "상태"):
        assert f">{header}</th>" in r.text
    assert 'name="status"' in r.text and 'name="q"' in r.text and 'name="date_from"' in r.text
    assert 'href="/ledger/export.xlsx?' in r.text
    only_web = client.get("/ledger?channel=web")
    assert "주차 문제" in only_web.text and "가로등 0" not in only_web.text
    searched = client.get("/ledger?q=가로등&status=received&unit=")
    assert "총 3건" in searched.text and "주차 문제" not in searched.text
    assert "export.xlsx?status=received&amp;unit=&amp;q=" in searched.text
    none = client.get("/ledger?status=closed&date_from=2020-01-01&date_to=2020-01-31")
    assert "조건에 맞는 민원이 없습니다" in none.text


def _next_page(text: str) -> str | None:
    link = re.search(r'<a class="btn" href="(/ledger\?[^"]*)">다음 페이지', text)
    return link.group(1).replace("&amp;", "&") if link else None


def test_ledger_pages_with_a_cursor(engine: Engine, world) -> None:
    client = client_for(engine, page_size=2)
    numbers = [api_voice(client, world)["ledger_no"] for _ in range(5)]
    login(client, "gr_cs")
    first = client.get("/ledger")
    assert LEDGER_NO.findall(first.text)[:2] == [numbers[4], numbers[3]]
    assert "총 5건" in first.text and "처음으로" not in first.text
    next_url = _next_page(first.text)
    assert next_url and "cursor=" in next_url
    second = client.get(next_url)
    assert LEDGER_NO.findall(second.text)[:2] == [numbers[2], numbers[1]]
    assert "처음으로" in second.text
    third = client.get(_next_page(second.text) or "")
    assert LEDGER_NO.findall(third.text) == [numbers[0]]
    assert _next_page(third.text) is None


def test_count_is_capped(client, world, monkeypatch: pytest.MonkeyPatch) -> None:
    for _ in range(3):
        api_voice(client, world)
    monkeypatch.setattr(queries, "COUNT_CAP", 2)
    login(client, "gr_cs")
    assert "2건 이상" in client.get("/ledger").text


def test_officer_sees_own_unit_by_default_and_can_clear_it(client, world) -> None:
    own = api_voice(client, world, unit="GR01", title="우리 부서 민원")
    other = api_voice(client, world, unit="GR02", title="옆 파출소 민원")
    login(client, "gr_officer")
    r = client.get("/ledger")
    assert own["ledger_no"] in r.text and other["ledger_no"] not in r.text
    assert '<option value="GR01" selected>' in r.text
    everything = client.get("/ledger?unit=")
    assert own["ledger_no"] in everything.text and other["ledger_no"] in everything.text
    login(client, "gr_cs")
    assert other["ledger_no"] in client.get("/ledger").text


def test_ledger_runs_a_fixed_number_of_queries(engine: Engine, client, world) -> None:
    login(client, "gr_cs")

    def statements() -> int:
        seen: list[str] = []

        def count(*args: object) -> None:
            seen.append(str(args[2]))

        event.listen(engine, "before_cursor_execute", count)
        try:
            assert client.get("/ledger").status_code == 200
        finally:
            event.remove(engine, "before_cursor_execute", count)
        return len(seen)

    api_voice(client, world, contact={"name": "갑"})
    few = statements()
    for i in range(12):
        api_voice(client, world, unit=("GR01", "GR02")[i % 2], contact={"name": "을"})
    assert statements() == few


def test_overdue_and_soon_deadlines_are_marked(client, world) -> None:
    late = api_voice(client, world, received_at="2025-03-03T10:00:00+09:00", title="늦은 민원")
    fresh = api_voice(client, world, title="새 민원")
    login(client, "gr_lead")
    r = client.get("/ledger")
    assert re.search(
        r'class="due overdue"><span class="date">[^<]*</span>\s*<b class="due-tag">기한 경과',
        r.text,
    )
    page = client.get("/ledger/deadlines")
    assert page.status_code == 200 and is_html_page(page)
    overdue, soon = page.text.split('id="due-soon"')
    assert late["ledger_no"] in overdue and fresh["ledger_no"] not in page.text
    assert "24시간 안에 기한이 오는 민원이 없습니다" in soon


def test_deadlines_scope_lead_unit_and_cs_office(client, world) -> None:
    gr02 = api_voice(client, world, unit="GR02", received_at="2025-03-03T10:00:00+09:00")
    login(client, "gr_lead")
    assert gr02["ledger_no"] not in client.get("/ledger/deadlines").text
    login(client, "gr_cs")
    assert gr02["ledger_no"] in client.get("/ledger/deadlines").text


# ---- staff intake -----------------------------------------------------------------------


def _intake(**overrides: str) -> dict[str, str]:
    form = {
        "kind": "request",
        "channel": "card",
        "title": "야간 순찰 요청",
        "body": "공원 주변이 어두워 무섭습니다.",
        "category": "",
        "unit": "GR01",
        "dong": "구로1동",
        "address": "구로동 1",
        "received_at": "2026-03-03T14:30",
        "contact_name": "홍길동",
        "contact_phone": "010-1234-5678",
        "contact_email": "hong@example.com",
        "contact_consent": "on",
    }
    return form | overrides


def test_intake_records_and_shows_number_and_secret(client, engine: Engine) -> None:
    login(client, "gr_officer")
    form = client.get("/voices/new")
    assert form.status_code == 200 and 'type="datetime-local"' in form.text
    assert "자동 배정" in form.text
    r = post_form(client, "/voices/new", _intake(), "/voices/new")
    assert r.status_code == 200 and re.fullmatch(r"/voices/\d+", r.url.path)
    assert "GR01-2026-000001" in r.text
    assert "민원인에게 접수번호와 확인 코드를 알려 주세요" in r.text
    secret = re.search(r'<dd class="mono">([A-Z0-9]{8})</dd>', r.text)
    assert secret
    with session_factory(engine)() as db:
        voice = db.scalars(select(Voice)).one()
        assert voice.channel == "card" and voice.dong == "구로1동"
        assert voice.received_at.isoformat().startswith("2026-03-03T05:30")
        assert db.get_one(VoiceContact, voice.id).consent is True
    assert "민원인에게" not in client.get(r.url.path).text


def test_intake_with_empty_title_keeps_values_and_writes_nothing(client, engine: Engine) -> None:
    login(client, "gr_officer")
    r = post_form(client, "/voices/new", _intake(title="   "), "/voices/new")
    assert r.status_code == 422 and is_html_page(r)
    assert re.search(r'id="f-title"[^>]*aria-invalid="true"', r.text)
    assert '<p class="field-error" id="err-title">필수 입력 항목입니다.</p>' in r.text
    assert "공원 주변이 어두워 무섭습니다." in r.text
    assert 'value="010-1234-5678"' in r.text
    assert '<option value="card" selected>' in r.text
    assert count_voices(engine) == 0


@pytest.mark.parametrize(
    ("override", "field", "message"),
    [
        ({"contact_email": "not-an-email"}, "contact_email", "전자우편 주소 형식"),
        ({"category": "NOPE"}, "category", "분류를 찾을 수 없습니다"),
        ({"received_at": "2099-01-01T10:00"}, "received_at", "미래"),
        ({"unit": "DJ01"}, "unit", "부서를 찾을 수 없습니다"),
    ],
)
def test_intake_errors_are_shown_next_to_the_field(
    client, engine: Engine, override: dict, field: str, message: str
) -> None:
    login(client, "gr_officer")
    r = post_form(client, "/voices/new", _intake(**override), "/voices/new")
    assert r.status_code == 422
    assert re.search(rf'id="err-{field}">[^<]*{message}', r.text)
    assert count_voices(engine) == 0


# ---- a voice and its workflow -----------------------------------------------------------


def test_full_workflow_through_the_voice_page(engine: Engine, world) -> None:
    lead, officer = client_for(engine), client_for(engine)
    login(lead, "gr_lead")
    login(officer, "gr_officer2")
    vid = api_voice(lead, world, contact={"name": "홍길동", "email": "c@example.com"})["id"]
    page = lead.get(f"/voices/{vid}")
    assert "홍길동" in page.text and f'action="/voices/{vid}/assign"' in page.text
    assert f'action="/voices/{vid}/approve"' not in page.text
    assert "배정했습니다" in _act(lead, vid, "assign", assignee="gr_officer2").text
    assert "처리를 시작했습니다" in _act(officer, vid, "start").text
    r = _act(officer, vid, "answer", body="가로등을 점검하겠습니다.")
    assert "답변을 저장했습니다" in r.text and f'action="/voices/{vid}/approve"' not in r.text
    assert f'action="/voices/{vid}/approve"' in lead.get(f"/voices/{vid}").text
    assert "답변을 반려했습니다" in _act(lead, vid, "return", note="일정을 적어 주세요").text
    assert "반려된 답변입니다" in officer.get(f"/voices/{vid}").text
    _act(officer, vid, "answer", body="5월 3일까지 가로등을 교체합니다.")
    assert "승인하고 발송했습니다" in _act(lead, vid, "approve").text
    assert _voice(engine, vid).status == "answered"
    assert "종결했습니다" in _act(lead, vid, "close").text
    r = _act(lead, vid, "reopen", note="민원인이 다시 연락함")
    assert "다시 처리합니다" in r.text and _voice(engine, vid).status == "in_progress"
    for label in ("배정", "처리 시작", "답변 반려", "답변 승인·발송", "종결", "재개"):
        assert f"<strong>{label}</strong>" in r.text
    assert "일정을 적어 주세요" in r.text and "5월 3일까지 가로등을 교체합니다." in r.text


def test_officer_cannot_approve_and_nothing_changes(engine: Engine, client, world) -> None:
    vid = api_voice(client, world)["id"]
    login(client, "gr_officer")
    _act(client, vid, "answer", body="초안입니다.")
    r = _act(client, vid, "approve")
    assert r.status_code == 200 and r.url.path == f"/voices/{vid}"
    assert 'class="flash flash-error"' in r.text and "팀장" in r.text
    assert "처리 중" in r.text
    with session_factory(engine)() as db:
        assert db.scalars(select(Answer.status)).all() == ["draft"]
        assert db.get_one(Voice, vid).status == "in_progress"


def test_wrong_state_and_bad_input_come_back_as_flash_errors(client, world, engine) -> None:
    vid = api_voice(client, world)["id"]
    login(client, "gr_lead")
    r = _act(client, vid, "close")
    assert "현재 상태(접수)에서는 할 수 없습니다" in r.text
    r = _act(client, vid, "return", note="")  # no draft to return: no form, a flash
    assert 'class="flash flash-error"' in r.text and "사유: 필수 입력 항목입니다." in r.text
    r = _act(client, vid, "extend", days="abc", reason="자료 요청")
    # the extension form comes back with the message and the reason typed (issue 13)
    assert r.status_code == 422 and 'class="field-error"' in r.text
    assert "연장 일수" in r.text and "자료 요청</textarea>" in r.text
    assert _voice(engine, vid).extended is False
    missing = post_form(client, f"/voices/{vid}/explode", {}, "/ledger")
    assert missing.status_code == 404 and is_html_page(missing)


def test_transfer_and_one_extension(engine: Engine, client, world) -> None:
    vid = api_voice(client, world)["id"]
    login(client, "gr_lead")
    page = client.get(f"/voices/{vid}")
    assert '<option value="GR02">' in page.text and '<option value="DJ01">' not in page.text
    r = _act(client, vid, "extend", days="3", reason="현장 확인 필요")
    assert "처리기한을 연장했습니다" in r.text and "연장 사유: 현장 확인 필요" in r.text
    assert f'action="/voices/{vid}/extend"' not in r.text
    again = _act(client, vid, "extend", days="1", reason="또")
    assert "한 번만" in again.text
    r = _act(client, vid, "transfer", unit="GR02", note="관할 파출소")
    assert "새 접수번호: GR02-" in r.text
    new_id = _voice(engine, vid).transferred_to_id
    assert f'href="/voices/{new_id}"' in r.text
    assert f'href="/voices/{vid}"' in client.get(f"/voices/{new_id}").text


def test_extension_days_come_back_after_a_refusal(engine: Engine, client, world) -> None:
    """Days over the limit are refused with the limit named; the form comes back with the days
    and the reason typed, and the deadline is untouched."""
    vid = api_voice(client, world)["id"]
    due = _voice(engine, vid).due_at
    login(client, "gr_lead")
    r = _act(client, vid, "extend", days="30", reason="현장 확인 필요")
    assert r.status_code == 422 and "처리기간(7일) 이내로만" in r.text
    assert re.search(r'<input id="extend-days" name="days"[^>]* value="30"', r.text)
    assert "현장 확인 필요</textarea>" in r.text
    assert _voice(engine, vid).due_at == due and _voice(engine, vid).extended is False
    fresh = client.get(f"/voices/{vid}")  # a new visit offers the full period again
    assert re.search(r'<input id="extend-days" name="days"[^>]* value="7"', fresh.text)


def test_an_overdue_voice_cannot_be_extended(engine: Engine, client, world) -> None:
    """Past its deadline a voice's page says why it cannot be extended instead of offering the
    form; a late post anyway is refused with that message and the reason typed kept on the page,
    and nothing changes: same deadline, no notice mailed, still listed as overdue."""
    contact = {"name": "홍길동", "email": "citizen@example.com"}
    made = api_voice(client, world, received_at="2026-11-16T10:00:00+09:00", contact=contact)
    vid, due = made["id"], _voice(engine, made["id"]).due_at
    note = "처리기한(2026-11-24 18:00)이 이미 지나 연장할 수 없습니다."
    login(client, "gr_lead")
    page = client.get(f"/voices/{vid}")
    assert f'action="/voices/{vid}/extend"' not in page.text and 'id="extend-days"' not in page.text
    assert "처리기한 연장(1회)" in page.text and note in page.text and "답변해 주세요" in page.text
    english = client.get(f"/voices/{vid}?lang=en").text
    assert "The deadline (2026-11-24 18:00) has already passed, so it cannot be" in english
    client.cookies.delete("lang")
    r = _act(client, vid, "extend", days="3", reason="현장 확인 필요")
    assert r.status_code == 422 and "처리기한을 연장했습니다" not in r.text
    assert re.search(r'<p class="field-error" role="alert" id="err-extend">처리기한\(', r.text)
    assert "현장 확인 필요</textarea>" in r.text  # what was typed is not lost
    voice = _voice(engine, vid)
    assert voice.due_at == due and voice.extended is False and not voice.extension_reason
    with session_factory(engine)() as db:
        assert db.scalars(select(OutboxMessage)).all() == []
    overdue, _ = client.get("/ledger/deadlines").text.split('id="due-soon"')
    assert made["ledger_no"] in overdue
    login(client, "gr_officer")  # an officer may not extend: no note about it either
    assert note not in client.get(f"/voices/{vid}").text


def test_another_offices_voice_is_404(client, world, engine: Engine) -> None:
    vid = api_voice(client, world)["id"]
    login(client, "dj_lead")
    r = client.get(f"/voices/{vid}")
    assert r.status_code == 404 and is_html_page(r)
    assert "민원을 찾을 수 없습니다" in r.text
    r = post_form(client, f"/voices/{vid}/close", {}, "/ledger")
    assert r.status_code == 404 and is_html_page(r)
    assert _voice(engine, vid).status == "received"


def test_hq_sees_the_voice_without_contact_or_actions(client, world) -> None:
    vid = api_voice(client, world, contact={"name": "홍길동", "phone": "010-9999-8888"})["id"]
    login(client, "hq")
    r = client.get(f"/voices/{vid}")
    assert r.status_code == 200
    assert "010-9999-8888" not in r.text and "홍길동" not in r.text
    assert "지금 이 민원에 할 수 있는 처리가 없습니다" in r.text
