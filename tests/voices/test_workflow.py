"""Workflow through the API: every transition's permissions, history, answers, transfer,
extension, office scoping (another office's voice is 404 on every endpoint)."""

from datetime import datetime

import pytest
from factories import World, build_world, voice_json
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from minwon.app import create_app
from minwon.db import session_factory
from minwon.outbox.models import OutboxMessage
from minwon.timeutil import KST


@pytest.fixture
def setup(engine: Engine) -> tuple[TestClient, World]:
    return TestClient(create_app(engine=engine)), build_world(engine)


def _new(client: TestClient, world: World, **kw: object) -> int:
    body = voice_json(unit="GR01", contact={"name": "홍길동", "email": "citizen@example.com"}, **kw)
    r = client.post("/api/v1/voices", json=body, headers=world.auth("gr_officer"))
    assert r.status_code == 201, r.text
    return r.json()["id"]


def _post(
    client: TestClient, world: World, login: str, vid: int, action: str, body: dict | None = None
):
    return client.post(f"/api/v1/voices/{vid}/{action}", json=body, headers=world.auth(login))


def test_full_loop_with_history_and_outbox(setup, engine: Engine) -> None:
    client, world = setup
    vid = _new(client, world)
    assert (
        _post(client, world, "gr_lead", vid, "assign", {"assignee": "gr_officer2"}).json()["status"]
        == "assigned"
    )
    assert _post(client, world, "gr_officer2", vid, "start").json()["status"] == "in_progress"
    assert _post(client, world, "gr_officer2", vid, "answer", {"body": "초안"}).status_code == 200
    returned = _post(client, world, "gr_lead", vid, "answer/return", {"note": "근거 보완"})
    assert returned.status_code == 200
    assert (
        _post(
            client, world, "gr_officer2", vid, "answer", {"body": "가로등을 교체했습니다."}
        ).status_code
        == 200
    )
    sent = _post(client, world, "gr_lead", vid, "answer/approve")
    assert sent.json()["status"] == "answered" and sent.json()["answered_at"]
    assert _post(client, world, "gr_lead", vid, "close").json()["status"] == "closed"
    assert (
        _post(client, world, "gr_lead", vid, "reopen", {"note": "추가 민원"}).json()["status"]
        == "in_progress"
    )
    kinds = [
        e["kind"]
        for e in client.get(f"/api/v1/voices/{vid}/history", headers=world.auth("gr_lead")).json()
    ]
    assert kinds == [
        "received",
        "assigned",
        "started",
        "answer_drafted",
        "answer_returned",
        "answer_drafted",
        "answer_sent",
        "closed",
        "reopened",
    ]
    answers = client.get(f"/api/v1/voices/{vid}/answers", headers=world.auth("gr_lead")).json()
    assert [a["status"] for a in answers] == ["sent"]
    assert answers[0]["approver"] == "gr_lead"
    with session_factory(engine)() as db:
        mail = db.scalars(select(OutboxMessage)).all()
    assert [(m.topic, m.recipient) for m in mail] == [("answer", "citizen@example.com")]
    assert "가로등을 교체했습니다." in mail[0].body


# (action, body, login that may NOT do it from the right state)
FORBIDDEN = [
    ("assign", {"assignee": "gr_officer"}, "gr_officer"),
    ("assign", {"assignee": "gr_officer"}, "gr2_lead"),
    ("answer", {"body": "x"}, "gr2_officer"),
    ("answer", {"body": "x"}, "hq"),
    ("start", None, "gr2_officer"),
    ("close", None, "gr_officer"),
    ("reopen", {"note": "x"}, "gr_officer"),
    ("transfer", {"unit": "GR02", "note": "x"}, "gr_officer"),
    ("extend", {"days": 3, "reason": "x"}, "gr_officer"),
    ("answer/approve", None, "gr_officer"),
    ("answer/return", {"note": "x"}, "gr_officer"),
]


@pytest.mark.parametrize(
    ("action", "body", "login"), FORBIDDEN, ids=[f"{a}-{who}" for a, _, who in FORBIDDEN]
)
def test_transition_permissions(setup, action: str, body: dict | None, login: str) -> None:
    client, world = setup
    vid = _new(client, world)
    if action in ("answer/approve", "answer/return"):
        _post(client, world, "gr_officer", vid, "answer", {"body": "초안"})
    if action in ("close", "reopen"):
        _post(client, world, "gr_officer", vid, "answer", {"body": "초안"})
        _post(client, world, "gr_lead", vid, "answer/approve")
    before = client.get(f"/api/v1/voices/{vid}/history", headers=world.auth("gr_lead")).json()
    r = _post(client, world, login, vid, action, body)
    assert r.status_code == 403, r.text
    assert r.json()["detail"]
    after = client.get(f"/api/v1/voices/{vid}/history", headers=world.auth("gr_lead")).json()
    assert after == before


ALLOWED = [
    ("assign", {"assignee": "gr_officer"}, ["gr_lead", "gr_cs", "admin"]),
    ("start", None, ["gr_officer", "gr_lead", "gr_cs", "admin"]),
    ("answer", {"body": "답"}, ["gr_officer", "gr_lead", "gr_cs", "admin"]),
    ("transfer", {"unit": "GR02", "note": "관할"}, ["gr_lead", "gr_cs", "admin"]),
    ("extend", {"days": 3, "reason": "현장 확인"}, ["gr_lead", "gr_cs", "admin"]),
]


@pytest.mark.parametrize(("action", "body", "logins"), ALLOWED, ids=[a for a, _, _ in ALLOWED])
def test_transition_allowed_roles(setup, action: str, body: dict | None, logins: list[str]) -> None:
    client, world = setup
    for login in logins:
        vid = _new(client, world)
        r = _post(client, world, login, vid, action, body)
        assert r.status_code == 200, (login, r.text)


def test_wrong_state_is_409_and_changes_nothing(setup) -> None:
    client, world = setup
    vid = _new(client, world)
    assert _post(client, world, "gr_lead", vid, "close").status_code == 409
    assert _post(client, world, "gr_lead", vid, "reopen", {"note": "x"}).status_code == 409
    assert _post(client, world, "gr_lead", vid, "answer/approve").status_code == 409
    assert (
        client.get(f"/api/v1/voices/{vid}", headers=world.auth("gr_lead")).json()["status"]
        == "received"
    )


def test_assignee_must_belong_to_the_unit(setup) -> None:
    client, world = setup
    vid = _new(client, world)
    r = _post(client, world, "gr_lead", vid, "assign", {"assignee": "gr2_officer"})
    assert r.status_code == 422 and r.json()["field"] == "assignee"


def test_transfer_renumbers_and_links(setup) -> None:
    client, world = setup
    _new(client, world)
    vid = _new(client, world)
    before = client.get(f"/api/v1/voices/{vid}", headers=world.auth("gr_lead")).json()
    new = _post(
        client, world, "gr_lead", vid, "transfer", {"unit": "GR02", "note": "가리봉 관할"}
    ).json()
    old = client.get(f"/api/v1/voices/{vid}", headers=world.auth("gr_lead")).json()
    assert new["ledger_no"].startswith("GR02-") and new["ledger_no"].endswith("-000001")
    assert new["transferred_from"] == before["ledger_no"] == old["ledger_no"]
    assert old["status"] == "transferred" and old["transferred_to"] == new["ledger_no"]
    assert new["due_at"] == before["due_at"] and new["contact"]["name"] == "홍길동"
    bad = _post(client, world, "gr_lead", vid, "transfer", {"unit": "GR02", "note": "again"})
    assert bad.status_code == 409
    other_office = _post(
        client, world, "gr2_lead", new["id"], "transfer", {"unit": "DJ01", "note": "x"}
    )
    assert other_office.status_code == 422


def test_extension_once_with_notice(setup, engine: Engine, clock) -> None:
    client, world = setup
    vid = _new(client, world, received_at="2026-11-16T10:00:00+09:00")
    clock.move_to(datetime(2026, 11, 24, 17, 59, tzinfo=KST))  # a minute before the deadline
    first = _post(client, world, "gr_lead", vid, "extend", {"days": 7, "reason": "현장 조사 필요"})
    assert first.status_code == 200
    # due Tue 24 Nov 18:00; 7 more working days from Wed 25 Nov -> Thu 3 Dec.
    assert first.json()["due_at"] == "2026-12-03T18:00:00+09:00" and first.json()["extended"]
    assert (
        _post(client, world, "gr_lead", vid, "extend", {"days": 1, "reason": "또"}).status_code
        == 409
    )
    too_long = _new(client, world)
    assert (
        _post(client, world, "gr_lead", too_long, "extend", {"days": 8, "reason": "x"}).status_code
        == 422
    )
    with session_factory(engine)() as db:
        topics = [m.topic for m in db.scalars(select(OutboxMessage))]
    assert topics == ["extension"]


def test_extension_is_refused_once_the_deadline_has_passed(setup, engine: Engine, clock) -> None:
    """An extension is decided within the processing period (민원 처리에 관한 법률): once the
    deadline has passed it is refused with a Korean message, the deadline stays, nothing is
    mailed, and the voice stays on the overdue list."""
    client, world = setup
    vid = _new(client, world, received_at="2026-11-16T10:00:00+09:00")  # due Tue 24 Nov 18:00
    h = world.auth("gr_lead")
    before = client.get(f"/api/v1/voices/{vid}", headers=h).json()
    assert before["overdue"] and before["due_at"] == "2026-11-24T18:00:00+09:00"
    for moment in (  # the morning after, and the very minute of the deadline
        datetime(2026, 11, 25, 10, 30, tzinfo=KST),
        datetime(2026, 11, 24, 18, 0, 30, tzinfo=KST),
    ):
        clock.move_to(moment)
        late = _post(client, world, "gr_lead", vid, "extend", {"days": 3, "reason": "자료 요청"})
        assert late.status_code == 409, late.text
        assert "처리기한(2026-11-24 18:00)이 이미 지나" in late.json()["detail"]
        assert "답변" in late.json()["detail"]
    clock.move_to(datetime(2026, 11, 25, 10, 30, tzinfo=KST))
    after = client.get(f"/api/v1/voices/{vid}", headers=h).json()
    assert after["due_at"] == before["due_at"] and not after["extended"] and after["overdue"]
    overdue = client.get("/api/v1/voices?overdue=true", headers=h).json()["items"]
    assert [v["id"] for v in overdue] == [vid]
    kinds = [e["kind"] for e in client.get(f"/api/v1/voices/{vid}/history", headers=h).json()]
    assert "extended" not in kinds
    with session_factory(engine)() as db:
        assert db.scalars(select(OutboxMessage)).all() == []


VOICE_ENDPOINTS = [
    ("get", "", None),
    ("get", "/history", None),
    ("get", "/answers", None),
    ("post", "/assign", {"assignee": "dj_officer"}),
    ("post", "/start", None),
    ("post", "/answer", {"body": "x"}),
    ("post", "/answer/approve", None),
    ("post", "/answer/return", {"note": "x"}),
    ("post", "/close", None),
    ("post", "/reopen", {"note": "x"}),
    ("post", "/transfer", {"unit": "DJ01", "note": "x"}),
    ("post", "/extend", {"days": 1, "reason": "x"}),
]


@pytest.mark.parametrize(
    ("method", "path", "body"), VOICE_ENDPOINTS, ids=[p or "/" for _, p, _ in VOICE_ENDPOINTS]
)
def test_another_offices_voice_is_404_everywhere(
    setup, method: str, path: str, body: dict | None
) -> None:
    client, world = setup
    vid = _new(client, world)
    for login in ("dj_officer", "dj_lead"):
        r = client.request(
            method, f"/api/v1/voices/{vid}{path}", json=body, headers=world.auth(login)
        )
        assert r.status_code == 404, (login, r.text)
    missing = client.request(
        method, f"/api/v1/voices/999999{path}", json=body, headers=world.auth("gr_lead")
    )
    assert missing.status_code == 404
    assert missing.json() == r.json()


def test_lists_are_scoped_and_hq_sees_no_personal_data(setup) -> None:
    client, world = setup
    _new(client, world)
    client.post("/api/v1/voices", json=voice_json(), headers=world.auth("dj_officer"))
    gr = client.get("/api/v1/voices", headers=world.auth("gr_officer")).json()["items"]
    dj = client.get("/api/v1/voices", headers=world.auth("dj_officer")).json()["items"]
    hq = client.get("/api/v1/voices", headers=world.auth("hq")).json()["items"]
    assert {v["office"] for v in gr} == {"GR"} and {v["office"] for v in dj} == {"DJ"}
    assert len(hq) == 2 and all(v["contact"] is None for v in hq)
    assert gr[0]["contact"]["email"] == "citizen@example.com"
    assert (
        client.post(
            "/api/v1/voices", json=voice_json(office="GR"), headers=world.auth("hq")
        ).status_code
        == 403
    )


def test_list_filters_and_paging(setup) -> None:
    client, world = setup
    for i in range(7):
        _new(
            client,
            world,
            received_at=f"2026-11-0{i + 2}T10:00:00+09:00",
            kind="request" if i % 2 else "complaint",
        )
    h = world.auth("gr_lead")
    page1 = client.get("/api/v1/voices?limit=3", headers=h).json()
    page2 = client.get(f"/api/v1/voices?limit=3&cursor={page1['next_cursor']}", headers=h).json()
    page3 = client.get(f"/api/v1/voices?limit=3&cursor={page2['next_cursor']}", headers=h).json()
    seen = [v["ledger_no"] for p in (page1, page2, page3) for v in p["items"]]
    assert len(seen) == len(set(seen)) == 7 and page3["next_cursor"] is None
    assert seen == sorted(seen, reverse=True)
    requests = client.get("/api/v1/voices?kind=request", headers=h).json()["items"]
    assert len(requests) == 3
    dated = client.get("/api/v1/voices?date_from=2026-11-04&date_to=2026-11-05", headers=h).json()[
        "items"
    ]
    assert len(dated) == 2
    overdue = client.get("/api/v1/voices?overdue=true", headers=h).json()["items"]
    assert all(v["overdue"] for v in overdue)
    assert client.get("/api/v1/voices?q=가로등", headers=h).json()["items"]
    assert client.get("/api/v1/voices?cursor=garbage", headers=h).status_code == 422
    assert client.get("/api/v1/voices?status=nope", headers=h).status_code == 422
    assert client.get("/api/v1/voices?limit=0", headers=h).status_code == 422


def test_citizen_tracks_with_number_and_secret(setup) -> None:
    client, world = setup
    body = voice_json(office="GR", channel="web")
    created = client.post("/api/v1/voices", json=body).json()
    vid = created["id"]
    assert (
        _post(client, world, "gr_cs", vid, "answer", {"body": "조치했습니다."}).status_code == 200
    )
    assert _post(client, world, "gr_cs", vid, "answer/approve").status_code == 200
    ok = client.post(
        "/api/v1/track",
        json={"ledger_no": created["ledger_no"], "secret": created["receipt_secret"].lower()},
    )
    assert ok.status_code == 200 and ok.json()["answer"] == "조치했습니다."
    wrong = client.post(
        "/api/v1/track", json={"ledger_no": created["ledger_no"], "secret": "AAAAAAAA"}
    )
    unknown = client.post(
        "/api/v1/track", json={"ledger_no": "X-1", "secret": created["receipt_secret"]}
    )
    assert wrong.status_code == unknown.status_code == 404
    assert wrong.json() == unknown.json()
    assert client.get(f"/api/v1/voices/{vid}").status_code == 401


def test_citizen_tracks_with_the_number_in_any_case_and_spacing(setup) -> None:
    """The receipt number is matched whatever its case and spaces (as the check code is); a
    wrong code still gets the one message of a wrong pair."""
    client, world = setup
    body = voice_json(office="GR", channel="web", title="골목 가로등")
    created = client.post("/api/v1/voices", json=body).json()
    number, secret = created["ledger_no"], created["receipt_secret"]
    for typed in (number.lower(), f"  {number.lower()} ", number.replace("-", " - ").title()):
        r = client.post("/api/v1/track", json={"ledger_no": typed, "secret": secret.lower()})
        assert r.status_code == 200, (typed, r.text)
        assert r.json()["ledger_no"] == number and r.json()["title"] == "골목 가로등"
    wrong = client.post("/api/v1/track", json={"ledger_no": number.lower(), "secret": "AAAAAAAA"})
    unknown = client.post("/api/v1/track", json={"ledger_no": "gr01-1999-000001", "secret": secret})
    assert wrong.status_code == unknown.status_code == 404
    assert wrong.json() == unknown.json()


def test_citizen_tracks_with_a_number_typed_in_full_width(setup) -> None:
    """A Korean input method may type the receipt in full-width forms (ＧＲ０１－…) or with
    another dash: it is the same number, and so is the code."""
    client, _ = setup
    created = client.post("/api/v1/voices", json=voice_json(office="GR", channel="web")).json()
    number, secret = created["ledger_no"], created["receipt_secret"]
    wide = wide_of(number)
    for typed, code in ((wide, secret), (number.replace("-", "\u2013"), wide_of(secret))):
        r = client.post("/api/v1/track", json={"ledger_no": typed, "secret": code})
        assert r.status_code == 200, (typed, r.text)
        assert r.json()["ledger_no"] == number


def wide_of(text: str) -> str:
    """``text`` in full-width forms, as a Korean input method in full-width mode types it."""
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


def test_ids_beyond_the_database_range_are_404_not_500(setup) -> None:
    client, world = setup
    h = world.auth("gr_lead")
    assert client.get(f"/api/v1/voices/{2**70}", headers=h).status_code in (404, 422)
    assert client.post(f"/api/v1/voices/{2**70}/close", headers=h).status_code in (404, 422)
    assert client.get(f"/voices/{2**70}", headers=h).status_code == 404
