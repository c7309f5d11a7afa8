"""A card's QR address tags the citizen's voice with the officer who handed it out and the
campaign, so outreach is credited; an unknown or foreign officer only loses the credit."""

from factories import build_world
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from web.pagetools import csrf

from minwon.app import create_app
from minwon.db import write_session
from minwon.voices.models import Voice


def _submit(client: TestClient, query: str, **extra: str) -> None:
    page = client.get(f"/submit?{query}")
    assert page.status_code == 200
    form = {
        "csrf_token": csrf(client, f"/submit?{query}"),
        "kind": "request",
        "channel": "card",
        "unit": "GR01",
        "title": "골목 순찰 요청",
        "body": "밤에 골목이 어두우니 순찰을 자주 돌아 주세요.",
        **extra,
    }
    assert client.post("/submit", data=form, follow_redirects=False).status_code == 303


def test_card_link_credits_officer_and_campaign(engine: Engine) -> None:
    world = build_world(engine)
    client = TestClient(create_app(engine=engine))
    page = client.get("/submit?unit=GR01&channel=card&officer=gr_officer&campaign=SAFE-NIGHT")
    assert 'name="officer" value="gr_officer"' in page.text
    assert 'name="campaign" value="SAFE-NIGHT"' in page.text
    _submit(client, "unit=GR01", officer="gr_officer", campaign="SAFE-NIGHT")
    _submit(client, "unit=GR01", officer="dj_officer", campaign="SAFE-NIGHT")
    _submit(client, "unit=GR01", officer="nobody")
    with write_session(engine) as db:
        voices = db.scalars(select(Voice).order_by(Voice.id)).all()
    assert [v.channel for v in voices] == ["card"] * 3
    assert voices[0].source_officer_id == world.staff_ids["gr_officer"]
    assert voices[0].campaign == "SAFE-NIGHT"
    assert voices[1].source_officer_id is None and voices[2].source_officer_id is None
    odd = client.get("/submit?unit=GR01&campaign=<script>캠페인")
    assert "<script>" not in odd.text.split("<form", 1)[1]
