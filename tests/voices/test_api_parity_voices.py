"""The ledger's page capabilities through the API: a citizen's attached file (same office and
personal-data rule as the voice page) and ledger imports (start, follow, list), with the page's
roles and messages."""

from pathlib import Path

import pytest
from factories import World, build_world
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from web.pagetools import api_voice

from minwon.app import create_app
from minwon.db import write_session
from minwon.voices import import_launch
from minwon.voices.importer import import_file
from minwon.voices.models import VoiceAttachment

DATA = Path(__file__).parent / "data"
PDF = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n"


@pytest.fixture
def setup(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> tuple[TestClient, World]:
    """The test organisation; imports run in this process (no background process)."""

    def inline(engine_: Engine, path: Path, principal, import_id: int, chosen: dict) -> None:
        import_file(engine=engine_, path=path, principal=principal, import_id=import_id, **chosen)

    monkeypatch.setattr(import_launch, "start", inline)
    return TestClient(create_app(engine=engine)), build_world(engine)


def test_an_attached_file_is_for_the_voices_office(engine: Engine, setup) -> None:
    client, world = setup
    voice = api_voice(client, world, "gr_officer")
    with write_session(engine) as db:
        item = VoiceAttachment(
            voice_id=voice["id"],
            file_name="사진.pdf",
            content_type="application/pdf",
            size=len(PDF),
            content=PDF,
        )
        db.add(item)
        db.flush()
        item_id = item.id
    url = f"/api/v1/voices/{voice['id']}/attachments/{item_id}"
    got = client.get(url, headers=world.auth("gr_lead"))
    assert got.status_code == 200 and got.content == PDF
    assert got.headers["content-type"] == "application/pdf"
    assert "attachment" in got.headers["content-disposition"]
    assert client.get(url, headers=world.auth("hq")).status_code == 403
    assert client.get(url, headers=world.auth("dj_lead")).status_code == 404
    missing = client.get(f"{url}9", headers=world.auth("gr_lead"))
    assert missing.status_code == 404 and missing.json()["detail"]


def test_a_ledger_file_is_imported_and_followed(setup) -> None:
    client, world = setup
    content = (DATA / "ledger_good_bom.csv").read_bytes()
    started = client.post(
        "/api/v1/imports",
        files={"file": ("3월 대장.csv", content, "text/csv")},
        headers=world.auth("gr_cs"),
    )
    assert started.status_code == 202, started.text
    import_id = started.json()["id"]
    got = client.get(f"/api/v1/imports/{import_id}", headers=world.auth("gr_cs")).json()
    assert got["file"] == "3월 대장.csv" and got["rows_loaded"] == 4 and got["error_count"] == 0
    listed = client.get("/api/v1/imports", headers=world.auth("gr_cs")).json()
    assert [i["id"] for i in listed] == [import_id]
    assert (
        client.get(f"/api/v1/imports/{import_id}", headers=world.auth("dj_lead")).json()["detail"]
        == "가져오기 기록을 찾을 수 없습니다."
    )
    assert client.get("/api/v1/imports", headers=world.auth("dj_lead")).json() == []


def test_imports_are_refused_to_analysts_and_a_bad_file_saves_nothing(setup) -> None:
    client, world = setup
    refused = client.get("/api/v1/imports", headers=world.auth("hq"))
    assert refused.status_code == 403
    assert refused.json()["detail"] == "이 역할로는 민원을 가져올 수 없습니다."
    bad = client.post(
        "/api/v1/imports",
        files={"file": ("대장.csv", "제목만,있음\n가,나\n".encode(), "text/csv")},
        headers=world.auth("gr_cs"),
    )
    assert bad.status_code == 202
    assert bad.json()["rows_loaded"] == 0 and bad.json()["error_count"] >= 1
    assert bad.json()["state"] == "failed"
    no_file = client.post("/api/v1/imports", headers=world.auth("gr_cs"))
    assert no_file.status_code == 422
