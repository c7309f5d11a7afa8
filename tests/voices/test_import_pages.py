"""The import page: staff upload a ledger file, the server imports it in the background and
the page follows it to the end (rows checked, voices saved, analyses waiting); a bad file shows
every bad row and saves nothing; roles and offices see only what they may."""

import html
import re
import time
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from conftest import TEST_NOW
from factories import World, build_world
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from web.pagetools import client_for, count_voices, csrf, is_html_page, login

from minwon.db import session_factory
from minwon.org import service as org_service
from minwon.timeutil import KST
from minwon.voices import import_launch
from minwon.voices.importer import import_file

DATA = Path(__file__).parent / "data"
IMPORT_URL = re.compile(r"/imports/(\d+)$")


@pytest.fixture
def world(engine: Engine) -> World:
    return build_world(engine)


@pytest.fixture
def client(engine: Engine, world: World) -> TestClient:
    return client_for(engine)


def _upload(client: TestClient, name: str, content: bytes, **data: str) -> httpx.Response:
    token = csrf(client, "/imports")
    files = {"file": (name, content, "text/csv")}
    return client.post("/imports", data={"csrf_token": token, **data}, files=files)


def _finished(client: TestClient, url: str) -> str:
    """The import's page once the background import saved everything or nothing."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        page = client.get(url)
        assert page.status_code == 200 and is_html_page(page)
        if "저장을 마쳤습니다" in page.text or "저장하지 않았습니다" in page.text:
            return page.text
        time.sleep(0.2)
    raise AssertionError(f"{url} still running")


def test_a_file_is_uploaded_imported_and_followed_to_the_end(engine: Engine, client) -> None:
    login(client, "gr_cs")
    form = client.get("/imports")
    assert form.status_code == 200 and is_html_page(form)
    assert 'enctype="multipart/form-data"' in form.text and 'name="create_units"' in form.text
    assert "민원 가져오기" in form.text and "아직 가져온 파일이 없습니다" in form.text
    done = _upload(client, "3월 대장.csv", (DATA / "ledger_good_bom.csv").read_bytes())
    assert done.status_code == 200 and IMPORT_URL.search(str(done.url))
    page = _finished(client, str(done.url))
    assert "저장을 마쳤습니다" in page and "민원 4건을 저장했습니다" in page
    assert "3월 대장.csv" in page and 'role="progressbar"' in page
    assert "분석한 민원" in page and "minwon worker" in page
    assert 'hx-trigger="every 2s"' in page  # the analysis is still to come: the page follows it
    assert count_voices(engine) == 4
    listing = client.get("/imports").text
    assert "3월 대장.csv" in listing and "저장을 마쳤습니다" in listing
    row = (
        listing.split("3월 대장.csv", 1)[0].rsplit("<tr>", 1)[1]
        + listing.split("3월 대장.csv", 1)[1].split("</tr>", 1)[0]
    )
    assert row.count("<td") == row.count('<td data-label="') == 6  # each cell named on a phone
    part = client.get(str(done.url) + "/progress")
    assert part.status_code == 200 and 'id="import-progress"' in part.text
    assert 'href="/imports"' in client.get("/ledger").text


def _cells(page: str) -> str:
    """The page with its table cells' phone-width labels left out, to read a row as cells."""
    return re.sub(r'<td data-label="[^"]*">', "<td>", page)


def test_a_bad_file_shows_each_bad_row_and_saves_nothing(engine: Engine, client) -> None:
    login(client, "gr_cs")
    text = "접수일시,종류,경로,제목,내용\n"
    text += "2026-03-03,불평,전화,제목,내용\n어제,불만,전화,제목,내용\n"
    done = _upload(client, "bad.csv", text.encode("utf-8"))
    page = _cells(_finished(client, str(done.url)))
    assert "저장하지 않았습니다" in page and "오류 2건" in page
    assert "알 수 없는 민원 종류" in page and "날짜를 읽을 수 없습니다" in page
    assert "<td>2</td><td>종류</td>" in page and "<td>3</td><td>접수일시</td>" in page
    assert count_voices(engine) == 0


def test_a_failed_import_s_bad_rows_are_told_in_the_reader_s_language(
    engine: Engine, world: World, client: TestClient
) -> None:
    login(client, "gr_cs")
    text = "접수일시,종류,경로,제목,내용\n"
    text += "2026-03-03,불평,전화,제목,내용\n2026-03-04,불만,전화,,내용\n"
    done = _upload(client, "bad.csv", text.encode("utf-8"))
    _finished(client, str(done.url))
    korean = _cells(html.unescape(client.get(f"{done.url}?lang=ko").text))
    kind, title = "<td>2</td><td>종류</td><td>", "<td>3</td><td>제목</td><td>"
    assert f"{kind}알 수 없는 민원 종류입니다: '불평' (쓸 수 있는 값: 불만, " in korean
    assert f"{title}비어 있습니다.</td>" in korean
    english = _cells(html.unescape(client.get(f"{done.url}?lang=en").text))
    assert f"{kind}Unknown kind of voice: '불평' (allowed: 불만, " in english
    assert f"{title}The cell is empty.</td>" in english
    assert "알 수 없는" not in english and "비어 있습니다" not in english
    import_id = str(done.url).rsplit("/", 1)[1]
    api = client.get(f"/api/v1/imports/{import_id}?lang=en", headers=world.auth("gr_cs")).json()
    assert [e["message"] for e in api["errors"]][1] == "비어 있습니다."  # the API keeps Korean
    assert count_voices(engine) == 0


def test_a_unicode_text_file_s_format_is_named_in_the_reader_s_language(
    engine: Engine, client: TestClient
) -> None:
    login(client, "gr_cs")
    text = "접수일시\t종류\t경로\t제목\t내용\n2026-03-03 10:00\t불만\t전화\t제목\t내용\n"
    done = _upload(client, "유니코드.txt", text.encode("utf-16"))
    assert "유니코드 텍스트(UTF-16)" in _finished(client, str(done.url))
    english = client.get(f"{done.url}?lang=en").text
    assert "Unicode text (UTF-16)" in english and "유니코드 텍스트" not in english
    assert count_voices(engine) == 1


def test_an_upload_without_a_file_is_sent_back_with_a_reason(client) -> None:
    login(client, "gr_cs")
    token = csrf(client, "/imports")
    back = client.post("/imports", data={"csrf_token": token})
    assert back.status_code == 200 and str(back.url).endswith("/imports")
    assert "가져올 파일" in back.text


def test_hq_analysts_cannot_import_and_see_no_link(client) -> None:
    login(client, "hq")
    assert client.get("/imports").status_code == 403
    assert 'href="/imports"' not in client.get("/ledger").text


def test_another_offices_import_is_not_found(client) -> None:
    login(client, "gr_cs")
    done = _upload(client, "l.csv", (DATA / "ledger_good_bom.csv").read_bytes())
    _finished(client, str(done.url))
    client.cookies.clear()
    login(client, "dj_lead")
    assert client.get(str(done.url)).status_code == 404
    assert "l.csv" not in client.get("/imports").text
    client.cookies.clear()
    login(client, "admin")
    assert client.get(str(done.url)).status_code == 200


def test_an_unknown_unit_names_the_page_s_checkbox_not_only_the_command(
    engine: Engine, client
) -> None:
    login(client, "gr_cs")
    text = "접수일시,종류,경로,제목,내용,부서\n2026-03-03,불만,전화,제목,내용,교통행정과\n"
    url = str(_upload(client, "부서.csv", text.encode("utf-8")).url)
    page = _finished(client, url)
    assert "부서를 찾을 수 없습니다" in page
    assert "파일에 나오는 새 부서를 만듭니다" in page and "--create-units" in page
    english = html.unescape(client.get(f"{url}?lang=en").text)
    assert "The unit could not be found: '교통행정과' (to create it as a new unit, turn on " in (
        english
    )
    assert "'Create the units the file names that do not exist yet' on the import page" in english
    assert count_voices(engine) == 0


def test_the_same_file_twice_is_refused_until_the_page_is_told_again(
    engine: Engine, client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    login(client, "gr_cs")
    content = (DATA / "ledger_good_bom.csv").read_bytes()
    assert 'name="again"' in client.get("/imports").text
    assert "저장을 마쳤습니다" in _finished(client, str(_upload(client, "a.csv", content).url))
    refused = _finished(client, str(_upload(client, "b.csv", content).url))
    assert "이미 가져왔습니다" in refused and "다시 가져옵니다" in refused
    assert count_voices(engine) == 4
    asked: list[dict[str, object]] = []
    monkeypatch.setattr(import_launch, "start", lambda *args: asked.append(args[-1]))
    _upload(client, "c.csv", content, again="1")
    _upload(client, "d.csv", content)
    _upload(client, "e.csv", content, check_only="1")
    assert [(a["again"], a["check_only"]) for a in asked] == [
        (True, False),
        (False, False),
        (False, True),
    ]


def test_a_checked_file_shows_what_importing_it_would_save(
    engine: Engine, client: TestClient, tmp_path: Path
) -> None:
    with session_factory(engine)() as db:
        cs = org_service.principal_for(org_service.staff_by_login(db_session=db, login="gr_cs"))
    long_ago = (TEST_NOW - timedelta(days=90)).astimezone(KST).strftime("%Y-%m-%d %H:%M")
    path = tmp_path / "check.csv"
    path.write_text(
        f"received_at,kind,channel,title,body\n{long_ago},complaint,phone,제목,내용\n",
        encoding="utf-8",
    )
    checked = import_file(engine=engine, path=path, principal=cs, check_only=True)
    login(client, "gr_cs")
    form = client.get("/imports").text
    assert 'name="check_only"' in form and "확인만 하기" in form
    page = client.get(f"/imports/{checked.import_id}").text
    assert "확인을 마쳤습니다 (저장하지 않음)" in page
    assert "가져오면 민원 1건을 저장합니다: 답변 완료·종결 0건, 접수·처리 중 1건" in page
    assert "hx-trigger" not in page and count_voices(engine) == 0
    english = client.get(f"/imports/{checked.import_id}?lang=en").text
    assert "Checked (nothing saved)" in english
    assert "Importing would save 1 voices: 0 answered or closed, 1 received or in progress" in (
        english
    )
    assert "Check only" in client.get("/imports?lang=en").text
    # an open complaint received 90 days ago is long overdue: importing it would show so
    assert "접수·처리 중 가운데 1건은 처리 기한이 이미 지나" in page
    assert "1 are already past their legal deadline" in english
    saved = import_file(engine=engine, path=path, principal=cs)
    assert "처리 기한이 이미 지난 미처리 민원 1건이 들어왔습니다" in (
        client.get(f"/imports/{saved.import_id}?lang=ko").text
    )


def test_the_page_names_the_rows_left_out_as_already_in_the_ledger(
    engine: Engine, client: TestClient, tmp_path: Path
) -> None:
    with session_factory(engine)() as db:
        cs = org_service.principal_for(org_service.staff_by_login(db_session=db, login="gr_cs"))
    head = "received_at,kind,channel,title,body\n"
    rows = [f"2026-03-0{day} 10:00,complaint,phone,제목 {day},내용\n" for day in (1, 2, 3)]
    (tmp_path / "1.csv").write_text(head + rows[0] + rows[1], encoding="utf-8")
    (tmp_path / "2.csv").write_text(head + rows[1] + rows[2], encoding="utf-8")
    import_file(engine=engine, path=tmp_path / "1.csv", principal=cs)
    second = import_file(engine=engine, path=tmp_path / "2.csv", principal=cs)
    assert second.ok and second.voices_created == 1
    login(client, "gr_cs")
    page = client.get(f"/imports/{second.import_id}").text
    number = second.skipped[0][1]
    assert f"이미 장부에 있는 민원 1건은 건너뛰었습니다: 2행({number})" in page
    assert 'aria-valuemax="1" aria-valuenow="1"' in page  # the save bar ends full


def test_an_imported_voice_s_history_reads_in_words(
    engine: Engine, world: World, tmp_path: Path
) -> None:
    """The history names the import and its details as people read them, in both languages,
    not as the codes it keeps (imported, file, line, original_status, answered_at)."""
    from sqlalchemy import select

    from minwon.voices.models import Voice

    path = tmp_path / "old.csv"
    path.write_text(
        "접수일시,종류,경로,제목,내용,부서,상태,답변,답변일시\n"
        "2026-03-02 10:00,불만,전화,가로등,꺼짐,GR01,처리완료,고쳤습니다,2026-03-04 18:00\n",
        encoding="utf-8",
    )
    with session_factory(engine)() as db:
        lead = org_service.principal_for(org_service.staff_by_login(db_session=db, login="gr_lead"))
    assert import_file(engine=engine, path=path, principal=lead).ok
    with session_factory(engine)() as db:
        voice_id = db.scalars(select(Voice.id)).one()
    client = client_for(engine)
    login(client, "gr_lead")
    history = client.get(f"/voices/{voice_id}").text.split('class="timeline"', 1)[1]
    assert "다른 시스템에서 가져옴" in history and "원래 상태: 처리완료" in history
    assert "파일: old.csv" in history and "답변 일시: 2026-03-04 18:00" in history
    for code in (">imported<", "original_status", "answered_at", "file:", "line:"):
        assert code not in history, code
    english = client.get(f"/voices/{voice_id}?lang=en").text.split('class="timeline"', 1)[1]
    assert "Imported from another system" in english and "Answered at: 2026-03-04 18:00" in english
