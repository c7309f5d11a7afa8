"""Printed cards: the phone on a card is a real Korean number (or the 182 line when none is
typed), a wrong one refused with the form kept; the QR link names the officer by a staff
reference, never by their login, and links printed before (``officer=<login>``) still count."""

from typing import Any

import pytest
from factories import build_world
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from web.pagetools import csrf, login

from minwon.app import create_app
from minwon.db import write_session
from minwon.org.staff_refs import staff_ref
from minwon.outreach import cards as card_module
from minwon.outreach.cards import card_url
from minwon.voices.models import Voice

BASE = "http://minwon.test"


def _client(engine: Engine, who: str) -> TestClient:
    client = TestClient(create_app(engine=engine))
    login(client, who)
    return client


def _printed(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """The cards the next PDF is made of (the PDF itself stays real)."""
    seen: list[Any] = []
    real = card_module.render_cards

    def spy(cards: Any, **kw: Any) -> bytes:
        seen.extend(cards)
        return real(cards, **kw)

    monkeypatch.setattr(card_module, "render_cards", spy)
    return seen


def test_a_card_phone_that_is_no_number_is_refused_and_the_form_kept(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    world = build_world(engine)
    officer = _client(engine, "gr_officer")
    bad = officer.get("/outreach/cards?print=1&unit=GR01&phone=abc&count=7&size=business")
    assert bad.status_code == 422 and bad.headers["content-type"].startswith("text/html")
    assert "전화번호를 확인해 주세요." in bad.text
    assert 'value="abc"' in bad.text and 'aria-invalid="true"' in bad.text
    assert 'value="7"' in bad.text and 'value="business" selected' in bad.text
    assert officer.get("/outreach/cards?print=1&unit=GR01&phone=12").status_code == 422
    english = officer.get("/outreach/cards?print=1&unit=GR01&phone=abc&lang=en")
    assert "Please check the phone number" in english.text
    api = TestClient(create_app(engine=engine))
    refused = api.get(
        "/api/v1/outreach/cards?unit=GR01&phone=abc", headers=world.auth("gr_officer")
    )
    assert refused.status_code == 422 and "전화번호를 확인해 주세요." in refused.text

    printed = _printed(monkeypatch)
    officer.cookies.delete("lang")
    good = officer.get("/outreach/cards?print=1&unit=GR01&count=1&phone=02 860 1234")
    assert good.status_code == 200 and good.content.startswith(b"%PDF")
    blank = officer.get("/outreach/cards?print=1&unit=GR01&count=1")
    assert blank.status_code == 200
    assert [c.phone for c in printed] == ["02-860-1234", "182"]


def test_a_new_card_names_the_officer_by_id_not_login(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    world = build_world(engine)
    printed = _printed(monkeypatch)
    officer = _client(engine, "gr_officer")
    assert officer.get("/outreach/cards?print=1&unit=GR01&count=1&mine=1").status_code == 200
    staff_id = world.staff_ids["gr_officer"]
    (card,) = printed
    assert card.officer_ref == staff_ref(staff_id) == f"~{staff_id}"
    url = card_url(BASE, unit="GR01", officer=card.officer_ref, campaign=None)
    assert url == f"{BASE}/submit?unit=GR01&officer=~{staff_id}&channel=card"
    assert "gr_officer" not in url


def _file(engine: Engine, officer: str) -> int | None:
    citizen = TestClient(create_app(engine=engine))
    path = f"/submit?unit=GR01&officer={officer}&channel=card"
    sent = citizen.post(
        "/submit",
        data={
            "csrf_token": csrf(citizen, path),
            "kind": "request",
            "channel": "card",
            "unit": "GR01",
            "officer": officer,
            "title": "골목 가로등",
            "body": "골목 가로등이 꺼져 있어 어둡습니다.",
        },
        follow_redirects=False,
    )
    assert sent.status_code == 303
    with write_session(engine) as db:
        return db.scalars(select(Voice.source_officer_id).order_by(Voice.id.desc())).first()


def test_a_card_printed_before_with_a_login_still_credits_the_officer(engine: Engine) -> None:
    world = build_world(engine)
    assert _file(engine, "gr_officer") == world.staff_ids["gr_officer"]


def test_a_new_card_credits_the_officer_through_the_public_form(engine: Engine) -> None:
    world = build_world(engine)
    staff_id = world.staff_ids["gr_officer"]
    assert _file(engine, f"~{staff_id}") == staff_id
