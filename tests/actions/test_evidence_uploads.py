"""Evidence files: the type is sniffed from the bytes and checked against the allow-list;
HTML, SVG, programs and unknown data are refused in Korean with nothing stored; files are
served with the sniffed type, nosniff, and their original (Hangul) name."""

import io
import zipfile
from urllib.parse import quote

import pytest
from factories import build_world, voice_json
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select
from web.pagetools import csrf, login

from minwon.actions.models import ActionEvidence
from minwon.app import create_app
from minwon.db import session_factory
from minwon.web.files import REFUSED, content_disposition, download_name, sniff


def _zip(entries: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buf.getvalue()


JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01" + b"\x00" * 64
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 64
GIF = b"GIF89a" + b"\x00" * 64
WEBP = b"RIFF\x24\x00\x00\x00WEBPVP8 " + b"\x00" * 64
HEIC = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00" * 64
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n"
DOCX = _zip({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w:document/>"})
XLSX = _zip({"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<workbook/>"})
PPTX = _zip({"[Content_Types].xml": b"<Types/>", "ppt/presentation.xml": b"<p/>"})
HWPX = _zip({"mimetype": b"application/hwp+zip", "Contents/section0.xml": b"<s/>"})
CFB = bytes.fromhex("d0cf11e0a1b11ae1") + b"\x00" * 504
HWP = (
    CFB
    + b"F\x00i\x00l\x00e\x00H\x00e\x00a\x00d\x00e\x00r\x00"
    + b"HWP Document File"
    + b"\x00" * 64
)

ACCEPTED = {
    "jpeg": (JPEG, "image/jpeg"),
    "png": (PNG, "image/png"),
    "gif": (GIF, "image/gif"),
    "webp": (WEBP, "image/webp"),
    "heic": (HEIC, "image/heic"),
    "pdf": (PDF, "application/pdf"),
    "docx": (DOCX, "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    "xlsx": (XLSX, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "pptx": (PPTX, "application/vnd.openxmlformats-officedocument.presentationml.presentation"),
    "hwp": (HWP, "application/x-hwp"),
    "hwpx": (HWPX, "application/hwp+zip"),
}
REFUSED_FILES = {
    "html": b"<!doctype html><script>alert(document.cookie)</script>",
    "svg": b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>',
    "exe": b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 120,
    "elf": b"\x7fELF\x02\x01\x01" + b"\x00" * 120,
    "zip": _zip({"a.txt": b"hello"}),
    "doc": CFB + b"Microsoft Word",
    "text": b"just some words",
}


@pytest.mark.parametrize("name", ACCEPTED)
def test_sniffing_recognises_every_allowed_type(name: str) -> None:
    content, mime = ACCEPTED[name]
    kind = sniff(content)
    assert kind is not None and kind.mime == mime


@pytest.mark.parametrize("name", REFUSED_FILES)
def test_sniffing_refuses_pages_pictures_as_code_programs_and_unknowns(name: str) -> None:
    assert sniff(REFUSED_FILES[name]) is None


def _action_page(engine: Engine) -> tuple[TestClient, str, str]:
    world = build_world(engine)
    client = TestClient(create_app(engine=engine))
    r = client.post("/api/v1/voices", json=voice_json(unit="GR01"), headers=world.auth("gr_lead"))
    voice_id = r.json()["id"]
    login(client, "gr_lead")
    made = client.post(
        "/actions",
        data={
            "csrf_token": csrf(client, "/actions"),
            "title": "가로등 교체",
            "voices": str(voice_id),
        },
        follow_redirects=False,
    )
    detail = made.headers["location"]
    return client, detail, csrf(client, detail)


def _stored(engine: Engine) -> list[ActionEvidence]:
    with session_factory(engine)() as db:
        return list(db.scalars(select(ActionEvidence)))


def test_an_allowed_file_is_stored_and_served_with_its_sniffed_type_and_name(
    engine: Engine,
) -> None:
    client, detail, token = _action_page(engine)
    client.post(
        f"{detail}/evidence",
        data={"csrf_token": token, "note": "교체 후 사진"},
        files={"file": ("현장 사진.jpg", JPEG, "text/html")},  # the claim is ignored
    )
    [item] = _stored(engine)
    assert item.content_type == "image/jpeg" and item.file_name == "현장 사진.jpg"
    r = client.get(f"/actions/evidence/{item.id}")
    assert r.status_code == 200 and r.content == JPEG
    assert r.headers["content-type"] == "image/jpeg"
    assert r.headers["x-content-type-options"] == "nosniff"
    disposition = r.headers["content-disposition"]
    assert disposition.startswith("attachment;")
    assert 'filename="evidence.jpg"' in disposition
    assert f"filename*=UTF-8''{quote('현장 사진.jpg', safe='')}" in disposition


def test_a_document_keeps_its_name_and_gets_its_extension(engine: Engine) -> None:
    client, detail, token = _action_page(engine)
    client.post(
        f"{detail}/evidence",
        data={"csrf_token": token, "note": ""},
        files={"file": ("report", HWPX, "application/octet-stream")},
    )
    [item] = _stored(engine)
    r = client.get(f"/actions/evidence/{item.id}")
    assert r.headers["content-type"] == "application/hwp+zip"
    assert 'filename="report.hwpx"' in r.headers["content-disposition"]


@pytest.mark.parametrize("name", ["html", "svg", "exe", "zip", "text"])
def test_a_refused_file_gets_a_korean_message_and_nothing_is_stored(
    engine: Engine, name: str
) -> None:
    client, detail, token = _action_page(engine)
    r = client.post(
        f"{detail}/evidence",
        data={"csrf_token": token, "note": "사진"},
        files={"file": ("photo.jpg", REFUSED_FILES[name], "image/jpeg")},
    )
    assert r.status_code == 200 and REFUSED in r.text
    assert _stored(engine) == []


def test_a_file_over_the_limit_is_refused_while_reading(engine: Engine) -> None:
    client, detail, token = _action_page(engine)
    r = client.post(
        f"{detail}/evidence",
        data={"csrf_token": token, "note": "큰 사진"},
        files={"file": ("big.jpg", JPEG + b"\x00" * (5 * 1024 * 1024), "image/jpeg")},
    )
    assert r.status_code == 200 and "5MB 이하" in r.text
    with session_factory(engine)() as db:
        assert db.scalar(select(func.count(ActionEvidence.id))) == 0


def test_old_files_with_a_claimed_type_are_served_as_their_bytes_show(engine: Engine) -> None:
    from minwon.db import write_session

    client, detail, token = _action_page(engine)
    client.post(f"{detail}/evidence", data={"csrf_token": token, "note": "메모"})
    with write_session(engine) as db:
        item = db.scalars(select(ActionEvidence)).one()
        item.content, item.content_type, item.file_name = REFUSED_FILES["html"], "text/html", ""
        evidence_id = item.id
    r = client.get(f"/actions/evidence/{evidence_id}")
    assert r.headers["content-type"] == "application/octet-stream"
    assert r.headers["content-disposition"].startswith('attachment; filename="evidence"')


def test_content_disposition_escapes_and_falls_back() -> None:
    header = content_disposition('보고서 "최종".pdf', 'bad"name\r\n.pdf')
    assert "\r" not in header and "\n" not in header and 'filename="bad_name_.pdf"' in header
    assert download_name("C:\\사진\\현장.heic", sniff(HEIC), "evidence") == (
        "현장.heic",
        "evidence.heic",
    )
    assert download_name("photo 1.png", sniff(PNG), "evidence") == ("photo 1.png", "photo_1.png")


def test_the_note_typed_with_a_refused_file_waits_in_the_form(engine: Engine) -> None:
    client, detail, token = _action_page(engine)
    r = client.post(
        f"{detail}/evidence",
        data={"csrf_token": token, "note": "가로등 교체 완료 <확인>"},
        files={"file": ("page.html", REFUSED_FILES["html"], "text/html")},
    )
    assert REFUSED in r.text
    assert "가로등 교체 완료 &lt;확인&gt;</textarea>" in r.text
    assert "JPG, PNG, GIF, WEBP, HEIC, PDF, DOCX, XLSX, PPTX, HWP, HWPX" in r.text
    assert "가로등 교체 완료" not in client.get(detail).text.split("<textarea")[1]


def test_a_note_over_its_maximum_is_refused_in_korean(engine: Engine) -> None:
    client, detail, token = _action_page(engine)
    r = client.post(f"{detail}/evidence", data={"csrf_token": token, "note": "가" * 2001})
    assert "메모는 2,000자 이내로" in r.text and _stored(engine) == []
