"""Citizens attach files on the public submit form (as on 국민신문고): photos, PDF and Hangul
or office documents, a few per voice, each under the upload limit. Staff of the voice's office
see and download them (sniffed type, nosniff, the original Hangul name); HQ analysts, who see
only masked voices, and another office's staff do not. A refused file (HTML, SVG, a program,
too big, too many) comes back as a Korean message on the form with the text kept."""

import html
import re
from urllib.parse import quote

import pytest
from factories import build_world
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select
from web.pagetools import client_for, count_voices, csrf, login

from minwon.db import session_factory
from minwon.voices.models import Voice, VoiceAttachment

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 64
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n"
HWP = (
    bytes.fromhex("d0cf11e0a1b11ae1")
    + b"\x00" * 504
    + b"F\x00i\x00l\x00e\x00H\x00e\x00a\x00d\x00e\x00r\x00HWP Document File"
    + b"\x00" * 64
)
REFUSED = {
    "html": ("사진.jpg", b"<!doctype html><script>alert(document.cookie)</script>"),
    "svg": ("그림.png", b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'),
    "exe": ("문서.pdf", b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 120),
}
FORM = {
    "kind": "complaint",
    "office": "GR",
    "title": "골목 가로등 고장",
    "body": "구로동 골목 가로등이 일주일째 꺼져 있습니다. 사진을 첨부합니다.",
}


def _submit(client: TestClient, files: list[tuple[str, tuple[str, bytes, str]]], **form: str):
    data = {**FORM, **form, "csrf_token": csrf(client, "/submit")}
    return client.post("/submit", data=data, files=files, follow_redirects=False)


def _attachments(engine: Engine) -> list[VoiceAttachment]:
    with session_factory(engine)() as db:
        rows = db.scalars(select(VoiceAttachment).order_by(VoiceAttachment.id)).all()
        for row in rows:
            _ = row.content  # load the deferred bytes before the session closes
        return list(rows)


def _voice_id(engine: Engine) -> int:
    with session_factory(engine)() as db:
        return db.scalar(select(func.max(Voice.id))) or 0


@pytest.fixture
def submitted(engine: Engine) -> tuple[Engine, int, list[VoiceAttachment]]:
    """A citizen's voice to office GR with a photo (Hangul name) and a PDF."""
    build_world(engine)
    client = client_for(engine)
    files = [
        ("files", ("골목 사진.png", PNG, "image/png")),
        ("files", ("민원 설명.pdf", PDF, "application/pdf")),
    ]
    r = _submit(client, files)
    assert r.status_code == 303 and r.headers["location"] == "/submit/done", r.text
    done = client.get("/submit/done")
    assert "첨부 파일 2개도 함께 접수했습니다" in done.text
    return engine, _voice_id(engine), _attachments(engine)


def test_the_submit_form_is_multipart_and_states_its_limits(engine: Engine) -> None:
    build_world(engine)
    page = client_for(engine).get("/submit").text
    assert 'enctype="multipart/form-data"' in page
    assert 'name="files" type="file" multiple' in page
    assert "3개까지, 각 10MB까지" in page
    accept = re.search(r'name="files"[^>]* accept="([^"]*)"', page)
    assert accept is not None
    assert ".hwp" in accept[1] and ".pdf" in accept[1] and ".svg" not in accept[1]
    assert 'maxlength="100000"' in page and "최대 100,000자" in page
    assert 'maxlength="300"' in page and "최대 300자" in page


def test_files_are_stored_with_the_voice_and_their_sniffed_type(submitted: tuple) -> None:
    _, voice_id, rows = submitted
    assert [(a.voice_id, a.file_name, a.content_type) for a in rows] == [
        (voice_id, "골목 사진.png", "image/png"),
        (voice_id, "민원 설명.pdf", "application/pdf"),
    ]
    assert rows[0].content == PNG and rows[0].size == len(PNG)


@pytest.mark.parametrize("staff", ["gr_cs", "admin"])
def test_staff_of_the_office_see_and_download_them(submitted: tuple, staff: str) -> None:
    engine, voice_id, rows = submitted
    client = client_for(engine)
    login(client, staff)
    page = client.get(f"/voices/{voice_id}").text
    assert "민원인 첨부 파일" in page and "골목 사진.png" in page and "PDF 문서" in page
    r = client.get(f"/voices/{voice_id}/attachments/{rows[0].id}")
    assert r.status_code == 200 and r.content == PNG
    assert r.headers["content-type"] == "image/png"
    assert r.headers["x-content-type-options"] == "nosniff"
    disposition = r.headers["content-disposition"]
    assert disposition.startswith("attachment;")
    assert f"filename*=UTF-8''{quote('골목 사진.png', safe='')}" in disposition
    assert 'filename="attachment.png"' in disposition


def test_hq_analysts_who_see_masked_voices_never_see_the_files(submitted: tuple) -> None:
    engine, voice_id, rows = submitted
    client = client_for(engine)
    login(client, "hq")
    page = client.get(f"/voices/{voice_id}")
    assert page.status_code == 200
    assert "골목 사진.png" not in page.text and "/attachments/" not in page.text
    r = client.get(f"/voices/{voice_id}/attachments/{rows[0].id}")
    assert r.status_code == 403 and r.content != PNG
    assert "첨부한 파일을 볼 수 없습니다" in r.text


def test_another_offices_staff_and_anonymous_callers_get_nothing(submitted: tuple) -> None:
    engine, voice_id, rows = submitted
    client = client_for(engine)
    anonymous = client.get(f"/voices/{voice_id}/attachments/{rows[0].id}", follow_redirects=False)
    assert anonymous.status_code == 303 and anonymous.headers["location"].startswith("/login")
    login(client, "dj_lead")
    r = client.get(f"/voices/{voice_id}/attachments/{rows[0].id}")
    assert r.status_code in (403, 404) and r.content != PNG


def test_an_attachment_is_reached_only_through_its_own_voice(engine: Engine) -> None:
    build_world(engine)
    client = client_for(engine)
    _submit(client, [("files", ("a.png", PNG, "image/png"))])
    first = _voice_id(engine)
    _submit(client, [], title="두 번째 민원")
    second = _voice_id(engine)
    login(client, "gr_cs")
    attachment = _attachments(engine)[0].id
    assert client.get(f"/voices/{first}/attachments/{attachment}").status_code == 200
    assert client.get(f"/voices/{second}/attachments/{attachment}").status_code == 404
    assert client.get(f"/voices/{first}/attachments/{attachment + 99}").status_code == 404


@pytest.mark.parametrize("name", REFUSED)
def test_a_refused_file_gives_a_korean_message_and_keeps_the_text(
    engine: Engine, name: str
) -> None:
    build_world(engine)
    client = client_for(engine)
    filename, content = REFUSED[name]
    r = _submit(client, [("files", (filename, content, "image/jpeg"))])
    assert r.status_code == 422
    page = html.unescape(r.text)
    assert f"{filename}: 이 형식의 파일은 받을 수 없습니다" in page
    assert FORM["title"] in page and FORM["body"] in page
    assert count_voices(engine) == 0 and _attachments(engine) == []


def test_a_file_over_the_limit_is_refused_in_korean(engine: Engine) -> None:
    build_world(engine)
    client = client_for(engine, max_upload_bytes=50 * 1024)
    big = PDF + b"\x00" * (60 * 1024)
    r = _submit(client, [("files", ("큰 파일.pdf", big, "application/pdf"))])
    assert r.status_code == 422
    page = html.unescape(r.text)
    assert "큰 파일.pdf: 파일은 50KB 이하여야 합니다" in page and FORM["body"] in page
    assert count_voices(engine) == 0


def test_more_files_than_allowed_are_refused(engine: Engine) -> None:
    build_world(engine)
    client = client_for(engine)
    files = [("files", (f"{i}.png", PNG, "image/png")) for i in range(4)]
    r = _submit(client, files)
    assert r.status_code == 422
    assert "파일은 3개까지 첨부할 수 있습니다" in r.text and FORM["title"] in r.text
    assert count_voices(engine) == 0


def test_hwp_and_an_empty_file_input_are_fine(engine: Engine) -> None:
    build_world(engine)
    client = client_for(engine)
    files = [("files", ("", b"", "application/octet-stream")), ("files", ("신고.hwp", HWP, ""))]
    assert _submit(client, files).status_code == 303
    assert [(a.file_name, a.content_type) for a in _attachments(engine)] == [
        ("신고.hwp", "application/x-hwp")
    ]


def test_a_refused_file_is_told_in_english_on_an_english_form(engine: Engine) -> None:
    build_world(engine)
    client = client_for(engine)
    data = {**FORM, "csrf_token": csrf(client, "/submit?lang=en")}
    svg = REFUSED["svg"]
    for filename, content, told in (
        (svg[0], svg[1], "Files of this type cannot be accepted."),
        ("빈.pdf", b"", "The file is empty."),
    ):
        r = client.post(
            "/submit?lang=en",
            data=data,
            files=[("files", (filename, content, "image/png"))],
            follow_redirects=False,
        )
        page = html.unescape(r.text)
        assert r.status_code == 422 and f"{filename}: " in page, page
        assert told in page and "빈 파일입니다" not in page and "받을 수 없습니다" not in page
        assert FORM["body"] in page


def test_an_empty_file_is_refused(engine: Engine) -> None:
    build_world(engine)
    r = _submit(client_for(engine), [("files", ("빈.pdf", b"", "application/pdf"))])
    assert r.status_code == 422 and "빈.pdf: 빈 파일입니다" in html.unescape(r.text)


def test_with_another_mistake_the_form_asks_for_the_files_again(engine: Engine) -> None:
    build_world(engine)
    r = _submit(client_for(engine), [("files", ("a.png", PNG, "image/png"))], title="")
    assert r.status_code == 422
    assert "파일 1개를 다시 골라 주세요" in r.text and FORM["body"] in html.unescape(r.text)
    assert count_voices(engine) == 0


def test_the_multipart_form_still_needs_its_csrf_token(engine: Engine) -> None:
    build_world(engine)
    client = client_for(engine)
    client.get("/submit")
    data = {**FORM, "csrf_token": "forged"}
    r = client.post("/submit", data=data, files=[("files", ("a.png", PNG, "image/png"))])
    assert r.status_code == 403 and "보안 토큰" in r.text
    assert count_voices(engine) == 0


def test_a_text_part_too_large_to_parse_comes_back_in_korean(engine: Engine) -> None:
    build_world(engine)
    client = client_for(engine)
    huge = "가" * 400_000  # 1.2 MB in UTF-8: more than the form parser takes in one field
    r = _submit(client, [("files", ("a.png", PNG, "image/png"))], body=huge)
    assert r.status_code == 413
    assert "100,000자까지" in r.text and "<form" in r.text
    assert count_voices(engine) == 0


def test_a_body_over_the_whole_limit_gets_a_korean_page_naming_the_limits(
    engine: Engine,
) -> None:
    build_world(engine)
    client = client_for(engine, max_upload_bytes=10 * 1024, max_body_bytes=10 * 1024)
    files = [("files", ("a.pdf", PDF + b"\x00" * 50_000, "application/pdf"))]
    r = _submit(client, files)
    assert r.status_code == 413 and r.headers["content-type"].startswith("text/html")
    assert "보내신 내용이 너무 큽니다" in r.text
    assert "내용 100,000자까지" in r.text and "3개까지 각" in r.text
    assert "이전 화면으로 돌아가면 쓰신 글이 남아 있습니다" in r.text


def test_a_transferred_voice_keeps_its_attachments(submitted: tuple) -> None:
    engine, voice_id, _ = submitted
    client = client_for(engine)
    login(client, "gr_cs")
    data = {"unit": "GR02", "note": "담당 부서로 이송", "csrf_token": csrf(client, "/ledger")}
    client.post(f"/voices/{voice_id}/transfer", data=data)
    new_id = _voice_id(engine)
    assert new_id != voice_id
    page = client.get(f"/voices/{new_id}").text
    assert "골목 사진.png" in page and "민원 설명.pdf" in page
    moved = [a for a in _attachments(engine) if a.voice_id == new_id]
    assert [a.content for a in moved] == [PNG, PDF]
