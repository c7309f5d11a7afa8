"""Evidence of an action through the API, as on the action page: a lead attaches a note and a
file (sniffed type, allow-list), staff of the office download it, others are refused."""

from factories import build_world
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from web.pagetools import api_voice

from minwon.app import create_app

PDF = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n"


def test_evidence_is_attached_downloaded_and_refused(engine: Engine) -> None:
    world = build_world(engine)
    client = TestClient(create_app(engine=engine))
    voice = api_voice(client, world, "gr_officer")
    action = client.post(
        "/api/v1/actions",
        json={"title": "가로등 교체", "voice_ids": [voice["id"]]},
        headers=world.auth("gr_lead"),
    ).json()
    url = f"/api/v1/actions/{action['id']}/evidence"
    added = client.post(
        url,
        data={"note": "교체 완료 사진"},
        files={"file": ("완료.pdf", PDF, "image/png")},
        headers=world.auth("gr_lead"),
    )
    assert added.status_code == 201, added.text
    body = added.json()
    assert body["note"] == "교체 완료 사진" and body["content_type"] == "application/pdf"
    got = client.get(f"/api/v1/actions/evidence/{body['id']}", headers=world.auth("gr_officer"))
    assert got.status_code == 200 and got.content == PDF
    other = client.get(f"/api/v1/actions/evidence/{body['id']}", headers=world.auth("dj_lead"))
    assert other.status_code in (403, 404)
    officer = client.post(url, data={"note": "메모"}, headers=world.auth("gr_officer"))
    assert officer.status_code == 403
    empty = client.post(url, data={"note": " "}, headers=world.auth("gr_lead"))
    assert empty.status_code == 422 and "메모나 파일 중 하나는" in empty.text
    html = client.post(
        url,
        data={"note": "x"},
        files={"file": ("a.pdf", b"<!doctype html><script></script>", "application/pdf")},
        headers=world.auth("gr_lead"),
    )
    assert html.status_code == 422
    notes = client.get(f"/api/v1/actions/{action['id']}", headers=world.auth("gr_lead"))
    assert notes.status_code == 200
