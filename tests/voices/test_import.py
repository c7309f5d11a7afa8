"""Ledger import: good CSV/XLSX files land with normal numbers and deadlines; a file with any bad
row writes nothing and names the row (as the file shows it) and the column; bad files get clear
messages, never a traceback."""

import zipfile
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import xlwt
from conftest import TEST_NOW
from openpyxl import Workbook
from sqlalchemy import Engine, func, select

from minwon.db import session_factory, write_session
from minwon.org import service as org_service
from minwon.org.models import Unit
from minwon.org.roles import Principal
from minwon.voices import history, import_jobs, workflow
from minwon.voices.deadlines import KST, WorkCalendar, due_at
from minwon.voices.import_known import KnownVoices
from minwon.voices.importer import ImportReport, _Bad, import_file, parse_when
from minwon.voices.models import LedgerCounter, Voice, VoiceContact
from minwon.voices.schemas import MAX_BODY

DATA = Path(__file__).parent / "data"
HEAD = "received_at,kind,channel,title,body"
KO_HEAD = "접수일시,종류,경로,제목,내용,부서,상태,답변,답변일시,성명,전화"


@dataclass
class World:
    """An organisation with two offices and the people who import."""

    engine: Engine
    cs: Principal
    officer: Principal
    admin: Principal
    hq: Principal


def _world(engine: Engine) -> World:
    with write_session(engine) as db:
        org = org_service.create_organization(db_session=db, code="KNPA", name="경찰청")
        gr = org_service.create_office(db_session=db, organization=org, code="GR", name="구로서")
        sd = org_service.create_office(db_session=db, organization=org, code="SD", name="서대문서")
        desk = org_service.create_unit(
            db_session=db, office=gr, code="GR01", name="구로지구대", is_front_desk=True
        )
        team = org_service.create_unit(db_session=db, office=gr, code="GR02", name="민원실")
        org_service.create_unit(db_session=db, office=sd, code="SD01", name="신촌지구대")
        traffic = org_service.create_category(
            db_session=db, organization=org, code="traffic", name="교통"
        )
        org_service.create_routing_rule(db_session=db, unit=team, category=traffic)

        def staff(login: str, role: str, **where: object) -> Principal:
            made = org_service.create_staff(
                db_session=db,
                login=login,
                name=login,
                role=role,
                **where,  # type: ignore[arg-type]
            )
            return org_service.principal_for(made)

        return World(
            engine=engine,
            cs=staff("cs", "cs_manager", office=gr),
            officer=staff("officer", "officer", unit=desk),
            admin=staff("admin", "admin"),
            hq=staff("hq", "hq_analyst"),
        )


@pytest.fixture
def world(engine: Engine) -> World:
    """A fresh organisation on each database engine."""
    return _world(engine)


def _csv(tmp_path: Path, text: str, encoding: str = "utf-8-sig", name: str = "l.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def _voices(engine: Engine) -> list[Voice]:
    with session_factory(engine)() as db:
        return list(db.scalars(select(Voice).order_by(Voice.id)))


def _import(world: World, path: Path, who: Principal | None = None, **kw: object) -> ImportReport:
    report = import_file(engine=world.engine, path=path, principal=who or world.cs, **kw)  # type: ignore[arg-type]
    assert report.format()
    return report


def _kst(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=KST)


def _only_error(report: ImportReport) -> tuple[int | None, str, str]:
    assert not report.ok
    assert report.error_count == 1, report.format()
    return report.errors[0]


# --- good files ------------------------------------------------------------------------------


def test_good_csv_with_bom_imports_with_numbers_deadlines_and_answers(world: World) -> None:
    report = _import(world, DATA / "ledger_good_bom.csv")
    assert report.ok, report.format()
    assert (report.rows_read, report.voices_created) == (4, 4)
    assert report.file_format == "CSV, UTF-8"
    lamp, parking, paper, praise = _voices(world.engine)
    assert [v.ledger_no for v in (lamp, parking, paper, praise)] == [
        "GR01-2026-000001",
        "GR02-2026-000001",  # no unit: routed by category 교통
        "GR01-2025-000001",  # received 2025-12-31 23:30 KST: the 2025 ledger
        "GR01-2026-000002",  # unit by name
    ]
    # complaint, 7 working days from Tue 3 March: 3,4,5,6,9,10,11 March
    assert lamp.due_at == _kst("2026-03-11T18:00")
    assert lamp.received_at == _kst("2026-03-03T10:00")
    assert lamp.body == "가로등이 꺼져 있어요.\n밤길이 어둡습니다."
    assert parking.due_at == due_at(_kst("2026-03-05T00:00"), 14, WorkCalendar())
    assert praise.due_at is None
    assert (lamp.status, parking.status, paper.status) == ("answered", "received", "closed")
    assert lamp.answered_at == _kst("2026-03-04T11:30")
    assert paper.closed_at == paper.answered_at == _kst("2026-01-02T10:00")
    with session_factory(world.engine)() as db:
        sent = workflow.sent_answer(db_session=db, voice_id=lamp.id)
        assert sent is not None and sent.body == "3월 4일 교체했습니다."
        assert sent.sent_at == lamp.answered_at and sent.author_id is None
        contact = db.get_one(VoiceContact, lamp.id)
        assert (contact.name, contact.phone, contact.consent) == ("홍길동", "010-1234-5678", True)
        events = history.events(db_session=db, voice_id=lamp.id)
        assert [e.kind for e in events] == ["received", "imported"]
        assert events[1].before == {"status": "received"}
        assert events[1].after["original_status"] == "answered"
        assert events[1].after["line"] == 2
        assert "ledger_good_bom.csv 2행" in events[1].note


def test_good_xlsx_with_korean_headers_dates_and_empty_rows(world: World, tmp_path: Path) -> None:
    book = Workbook()
    ws = book.active
    ws.append(
        ["접수일시", "종류", "경로", "제목", "내용", "부서", "분류", "상태", "답변"]
        + ["답변일시", "성명", "전화", "동의"]
    )
    ws.append([datetime(2026, 3, 3, 10, 0), "불만", "전화", "소음", "밤마다 시끄러워요", "GR01"])
    ws.append([])
    ws.append([None] * 5)
    row = [datetime(2026, 3, 4, 9, 0), "질의(제도·절차)", "방문", "민원", "절차 문의", "민원실"]
    row += ["교통", "답변 완료", "안내드렸습니다", datetime(2026, 3, 4, 15, 0), "김철", 1012345678]
    ws.append(row + ["예"])
    path = tmp_path / "대장.xlsx"
    book.save(path)
    report = _import(world, path)
    assert report.ok, report.format()
    assert (report.rows_read, report.voices_created, report.file_format) == (2, 2, "XLSX")
    noise, query = _voices(world.engine)
    assert (noise.ledger_no, query.ledger_no) == ("GR01-2026-000001", "GR02-2026-000001")
    assert noise.due_at == _kst("2026-03-11T18:00")
    assert (query.kind, query.channel, query.status) == ("inquiry_procedure", "visit", "answered")
    assert query.answered_at == _kst("2026-03-04T15:00")
    with session_factory(world.engine)() as db:
        contact = db.get_one(VoiceContact, query.id)
        assert (contact.name, contact.phone, contact.consent) == (
            "김철",
            "010-1234-5678",
            True,
        )  # stored normalised


def test_cp949_csv_from_korean_excel(world: World, tmp_path: Path) -> None:
    text = f"{KO_HEAD}\r\n2026-03-03 14:05,불만,전화,쓰레기 무단 투기,골목에 쓰레기가 쌓였어요,GR01"
    text += ",답변완료,치웠습니다,2026-03-05 10:00,박민수,02-123-4567\r\n"
    path = _csv(tmp_path, text, encoding="cp949")
    report = _import(world, path)
    assert report.ok, report.format()
    assert report.file_format == "CSV, CP949"
    (voice,) = _voices(world.engine)
    assert (voice.title, voice.status) == ("쓰레기 무단 투기", "answered")


def test_header_names_are_forgiving(world: World, tmp_path: Path) -> None:
    text = "Received_At,KIND,접수 경로,제목*,내용(필수),비고\n"
    text += "2026-03-03,complaint,web,제목,내용,메모\n"
    report = _import(world, _csv(tmp_path, text))
    assert report.ok, report.format()
    assert report.ignored_columns == ["비고"]
    assert "무시한 열: 비고" in report.format()


def test_header_names_of_other_systems_exports(world: World, tmp_path: Path) -> None:
    # 국민신문고 / 새올 style headers: none of them is minwon's own name for the column
    text = "신청번호,신청일자,민원구분,신청경로,민원제목,신청내용,처리기관,처리과,진행상태,"
    text += "회신내용,처리일자,신청인,휴대전화\n"
    text += "1AA-2603-001,2026.03.02,불만,전화,신호등,꺼졌습니다,구로서,민원실,답변완료,"
    text += "고쳤습니다,2026.03.03,홍길동,010-1234-5678\n"
    report = _import(world, _csv(tmp_path, text, encoding="cp949"))
    assert report.ok, report.format()
    assert report.ignored_columns == ["신청번호", "처리기관"]
    voice = _voices(world.engine)[0]
    assert (voice.body, voice.status, voice.ledger_no[:4]) == ("꺼졌습니다", "answered", "GR02")
    assert voice.answered_at == _kst("2026-03-03T00:00")
    # minwon's own name wins over another system's: 답변일자 is the answer's date
    text = "접수일자,종류,경로,제목,내용,처리일자,답변,답변일자\n"
    text += "2026.03.02,불만,전화,t,b,2026.03.09,답,2026.03.04\n"
    report = _import(world, _csv(tmp_path, text))
    assert report.ok, report.format()
    assert report.ignored_columns == ["처리일자"]
    assert _voices(world.engine)[-1].answered_at == _kst("2026-03-04T00:00")


def test_statuses_channels_and_kinds_as_other_systems_write_them(
    world: World, tmp_path: Path
) -> None:
    text = "접수일자,민원종류,접수경로,제목,내용,처리상태,답변,답변일자\n"
    rows = [
        ("고충민원", "국민신문고", "접수완료", ""),
        ("건의민원", "정부24", "미처리", ""),
        ("불만", "우편", "검토중", ""),
        ("불만", "내방", "민원종결", "답"),
        ("불만", "유선", "처리종결", "답"),
        ("질의", "콜센터", "접수", ""),
        ("문의", "홈페이지", "접수", ""),
    ]
    for kind, channel, status, answer in rows:
        text += (
            f"2026.03.02,{kind},{channel},t,b,{status},{answer},{'2026.03.03' if answer else ''}\n"
        )
    report = _import(world, _csv(tmp_path, text))
    assert report.ok, report.format()
    got = [(v.kind, v.channel, v.status) for v in _voices(world.engine)]
    assert got == [
        ("grievance", "web", "received"),
        ("request", "web", "received"),
        ("complaint", "mailbox", "in_progress"),
        ("complaint", "visit", "closed"),
        ("complaint", "phone", "closed"),
        ("inquiry_procedure", "phone", "received"),
        ("inquiry_procedure", "web", "received"),
    ]


def test_tab_separated_utf16_text_from_excel(world: World, tmp_path: Path) -> None:
    text = "접수일시\t종류\t경로\t제목\t내용\r\n2026-03-03 10:00\t불만\t전화\t제목\t내용\r\n"
    report = _import(world, _csv(tmp_path, text, encoding="utf-16"))
    assert report.ok, report.format()
    assert report.voices_created == 1


def test_a_title_and_period_above_the_header_are_skipped(world: World, tmp_path: Path) -> None:
    # Agencies' exports put the ledger's title and period above the header row.
    book = Workbook()
    ws = book.active
    ws.append(["2026년 민원처리부"])
    ws.append(["기간", "2026.03.01", "~", "2026.03.31"])
    ws.append([])
    ws.append(["접수일자", "민원종류", "접수경로", "민원제목", "민원내용"])
    ws.append([datetime(2026, 3, 3, 10), "불만", "전화", "제목", "내용"])
    ws.append(["2026.03.04", "불만", "전화", "제목", ""])
    path = tmp_path / "처리부.xlsx"
    book.save(path)
    line, column, message = _only_error(_import(world, path))
    assert (line, column, message) == (6, "민원내용", "비어 있습니다.")
    ws.delete_rows(6)
    book.save(path)
    assert _import(world, path).voices_created == 1
    # the same as tab separated text: the title line holds a comma and no tab
    text = "민원처리부, 2026년 3월\n\n접수일시\t종류\t경로\t제목\t내용\n"
    text += "2026-03-03 10:00\t불만\t전화\t제목\t내용, 쉼표, 여럿, 있음, 가, 나\n"
    report = _import(world, _csv(tmp_path, text, encoding="cp949", name="처리부.txt"))
    assert report.ok, report.format()
    assert _voices(world.engine)[-1].body == "내용, 쉼표, 여럿, 있음, 가, 나"


def test_progress_reports_checking_then_writing(world: World) -> None:
    calls: list[tuple[int, int]] = []
    _import(world, DATA / "ledger_good_bom.csv", progress=lambda d, t: calls.append((d, t)))
    assert calls[-1] == (8, 8)
    assert (4, 8) in calls
    assert all(done <= total for done, total in calls)


# --- all or nothing --------------------------------------------------------------------------


def test_one_bad_row_among_good_ones_imports_nothing(world: World, tmp_path: Path) -> None:
    text = (
        f"{HEAD}\n"
        '2026-03-03 10:00,complaint,phone,첫째,"여러 줄\n본문"\n'  # lines 2-3
        "2026-03-03 11:00,불평,phone,둘째,내용\n"  # line 4: unknown kind
        "2026-03-03 12:00,complaint,phone,셋째,내용\n"
    )
    report = _import(world, _csv(tmp_path, text))
    line, column, message = _only_error(report)
    assert (line, column) == (4, "kind")
    assert "알 수 없는 민원 종류" in message and "불평" in message
    assert report.rows_read == 3 and report.voices_created == 0
    assert "아무것도 저장하지 않았습니다" in report.format()
    assert _voices(world.engine) == []
    with session_factory(world.engine)() as db:
        assert db.scalar(select(func.count()).select_from(LedgerCounter)) == 0


def test_every_bad_row_and_column_is_named(world: World, tmp_path: Path) -> None:
    text = (
        f"{HEAD},unit\n어제,complaint,팩스,제목,내용,GR01\n2026-03-03,complaint,phone,,내용,GR77\n"
    )
    report = _import(world, _csv(tmp_path, text))
    found = {(e.line, e.column) for e in report.errors}
    assert found == {(2, "received_at"), (2, "channel"), (3, "title"), (3, "unit")}
    table = report.format()
    assert "줄 │ 열" in table and "날짜를 읽을 수 없습니다: '어제'" in table


# --- bad files -------------------------------------------------------------------------------

GOOD_ROW = "2026-03-03 10:00,complaint,phone,제목,내용"
BAD_TEXT_FILES = [
    ("only-bom", "", None, "", "파일이 비어 있습니다"),
    ("only-bom-and-blanks", "\n\n  \n", None, "", "파일이 비어 있습니다"),
    ("no-header", f"{GOOD_ROW}\n{GOOD_ROW}\n", 1, "", "머리글"),
    (
        "missing-body",
        "received_at,kind,channel,title\n2026-03-03,complaint,phone,t\n",
        1,
        "내용(body)",
        "필수 열이 없습니다",
    ),
    ("header-only", f"{HEAD}\n", 1, "", "가져올 행이 없습니다"),
    ("unknown-channel", f"{HEAD}\n2026-03-03,complaint,팩스,t,b\n", 2, "channel", "접수 경로"),
    (
        "unknown-category",
        f"{HEAD},category\n2026-03-03,complaint,web,t,b,날씨\n",
        2,
        "category",
        "분류를 찾을 수 없습니다",
    ),
    (
        "unknown-unit",
        f"{HEAD},unit\n2026-03-03,complaint,web,t,b,GR77\n",
        2,
        "unit",
        "--create-units",
    ),
    (
        "other-office-unit",
        f"{HEAD},unit\n2026-03-03,complaint,web,t,b,SD01\n",
        2,
        "unit",
        "부서를 찾을 수 없습니다",
    ),
    (
        "other-office",
        f"{HEAD},office\n2026-03-03,complaint,web,t,b,SD\n",
        2,
        "office",
        "기관을 찾을 수 없습니다",
    ),
    ("bad-date", f"{HEAD}\n2026-13-45,complaint,web,t,b\n", 2, "received_at", "날짜를 읽을 수"),
    ("future-date", f"{HEAD}\n2099-01-01 10:00,complaint,web,t,b\n", 2, "received_at", "미래"),
    ("ancient-date", f"{HEAD}\n1999-12-31,complaint,web,t,b\n", 2, "received_at", "2000년"),
    ("empty-title", f"{HEAD}\n2026-03-03,complaint,web,  ,b\n", 2, "title", "비어 있습니다"),
    ("empty-body", f"{HEAD}\n2026-03-03,complaint,web,t,\n", 2, "body", "비어 있습니다"),
    ("long-title", f"{HEAD}\n2026-03-03,complaint,web,{'가' * 301},b\n", 2, "title", "최대 300자"),
    ("unquoted-comma", f"{HEAD}\n2026-03-03,complaint,web,t,b,c\n", 2, "", "칸이 많습니다"),
    ("bad-phone", f"{HEAD},전화\n2026-03-03,complaint,web,t,b,010-abc\n", 2, "전화", "전화번호"),
    ("bad-email", f"{HEAD},이메일\n2026-03-03,complaint,web,t,b,nope@\n", 2, "이메일", "이메일"),
    ("bad-consent", f"{HEAD},동의\n2026-03-03,complaint,web,t,b,글쎄\n", 2, "동의", "동의 여부"),
    (
        "assigned-status",
        f"{HEAD},status\n2026-03-03,complaint,web,t,b,배정\n",
        2,
        "status",
        "가져올 수 없습니다",
    ),
    (
        "answered-without-answer",
        f"{HEAD},status,answered_at\n2026-03-03,complaint,web,t,b,답변 완료,2026-03-04\n",
        2,
        "답변(answer)",
        "답변 내용이 있어야",
    ),
    (
        "answer-before-receipt",
        f"{HEAD},answer,answered_at\n2026-03-03,complaint,web,t,b,a,2026-03-02\n",
        2,
        "answered_at",
        "접수일시보다 빠릅니다",
    ),
    (
        "answer-but-open",
        f"{HEAD},status,answer\n2026-03-03,complaint,web,t,b,접수,a\n",
        2,
        "status",
        "답변이 있는데",
    ),
    ("excel-error", f"{HEAD}\n2026-03-03,complaint,web,#REF!,b\n", 2, "title", "#REF!"),
    ("duplicate-column", f"{HEAD},제목\n2026-03-03,complaint,web,t,b,t\n", 1, "제목", "같은 열"),
]


@pytest.mark.parametrize(
    ("text", "line", "column", "needle"),
    [case[1:] for case in BAD_TEXT_FILES],
    ids=[case[0] for case in BAD_TEXT_FILES],
)
def test_bad_text_file_gets_a_clear_message(
    world: World, tmp_path: Path, text: str, line: int | None, column: str, needle: str
) -> None:
    report = _import(world, _csv(tmp_path, text))
    assert not report.ok
    assert any(
        e.line == line and e.column == column and needle in e.message for e in report.errors
    ), report.format()
    assert _voices(world.engine) == []


def test_body_up_to_the_schema_limit_is_fine_one_more_is_not(world: World, tmp_path: Path) -> None:
    longest = _csv(
        tmp_path, f"{HEAD}\n2026-03-03,complaint,web,t,{'가' * MAX_BODY}\n", name="a.csv"
    )
    assert _import(world, longest).ok
    too_long = _csv(tmp_path, f"{HEAD}\n2026-03-03,complaint,web,t,{'가' * (MAX_BODY + 1)}\n")
    line, column, message = _only_error(_import(world, too_long))
    assert (line, column) == (2, "body")
    assert "100,001자" in message and "최대 100,000자" in message
    assert len(_voices(world.engine)) == 1


@pytest.mark.parametrize(
    ("content", "needle"),
    [
        (b"", "파일이 비어 있습니다"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)), "이진 파일"),
        (
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512,
            "옛 Excel(.xls) 파일로 읽을 수 없습니다",
        ),
        (b"PK\x03\x04" + b"not really a zip" * 10, "XLSX 파일을 열 수 없습니다"),
        (b"received_at,kind\n\x80\x80\x80\xff\n", "UTF-8이나 CP949"),
        # systems' "엑셀 저장" (국민신문고, 새올) often writes an HTML table named .xls
        (
            "\r\n<html><head><meta charset='euc-kr'></head><body><table><tr><th>접수일자</th>"
            "<th>민원제목</th></tr><tr><td>2024.03.02</td><td>신호등</td></tr></table>".encode(
                "cp949"
            ),
            "HTML",
        ),
        (
            b'<?xml version="1.0"?>\n<Workbook xmlns="urn:schemas-microsoft-com:office:'
            b'spreadsheet"><Worksheet ss:Name="Sheet1"/></Workbook>',
            ".xlsx",
        ),
    ],
    ids=[
        "zero-bytes",
        "png",
        "old-xls",
        "broken-zip",
        "unknown-encoding",
        "html-xls",
        "xml-spreadsheet",
    ],
)
def test_binary_and_unreadable_files(
    world: World, tmp_path: Path, content: bytes, needle: str
) -> None:
    path = tmp_path / "upload.csv"
    path.write_bytes(content)
    _line, _column, message = _only_error(_import(world, path))
    assert needle in message


def test_zip_that_is_not_a_workbook(world: World, tmp_path: Path) -> None:
    path = tmp_path / "photos.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("photo.txt", "hello")
    _line, _column, message = _only_error(_import(world, path))
    assert "XLSX 파일을 열 수 없습니다" in message


def test_missing_file(world: World, tmp_path: Path) -> None:
    _line, _column, message = _only_error(_import(world, tmp_path / "nope.csv"))
    assert "파일을 찾을 수 없습니다" in message


def test_xlsx_formula_without_saved_result_and_empty_rows(world: World, tmp_path: Path) -> None:
    book = Workbook()
    ws = book.active
    ws.append(["접수일시", "종류", "경로", "제목", "내용"])
    ws.append([datetime(2026, 3, 3, 10), "불만", "전화", "좋은 행", "내용"])
    ws.append([])  # row 3 empty
    ws.append([datetime(2026, 3, 3, 11), "불만", "전화", '=A2&"!"', "내용"])  # row 4
    ws.append([datetime(2026, 3, 3, 11), "불만", "전화", "제목", "=1/0"])  # row 5
    path = tmp_path / "formulas.xlsx"
    book.save(path)
    report = _import(world, path)
    assert [(e.line, e.column) for e in report.errors] == [(4, "제목"), (5, "내용")]
    assert all("수식" in e.message and "저장" in e.message for e in report.errors)
    assert report.rows_read == 3
    assert _voices(world.engine) == []


def test_xlsx_bad_row_is_named_by_its_excel_row(world: World, tmp_path: Path) -> None:
    book = Workbook()
    ws = book.active
    ws.append(["메모: 2026년 3월 민원"])  # not a header: nothing understood
    path = tmp_path / "memo.xlsx"
    book.save(path)
    line, _column, message = _only_error(_import(world, path))
    assert line == 1 and "머리글" in message
    ws.delete_rows(1)
    ws.append(["접수일시", "종류", "경로", "제목", "내용"])
    for _ in range(3):
        ws.append([datetime(2026, 3, 3, 10), "불만", "전화", "제목", "내용"])
    ws.append([])
    ws.append([datetime(2026, 3, 3, 10), "불만", "팩스", "제목", "내용"])  # row 6
    book.save(path)
    line, column, _message = _only_error(_import(world, path))
    assert (line, column) == (6, "경로")


def test_xls_of_excel_97_2003_imports_like_xlsx(world: World, tmp_path: Path) -> None:
    """Many agencies' systems still save .xls: dates, whole numbers and a title row above the
    header come through as from an .xlsx (a phone number is not 1012345678.0)."""
    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("민원처리부")
    when = xlwt.easyxf(num_format_str="yyyy-mm-dd hh:mm")
    sheet.write(0, 0, "2026년 3월 민원처리부")
    for col, name in enumerate(["접수일시", "종류", "경로", "제목", "내용", "성명", "전화"]):
        sheet.write(2, col, name)
    row = [
        datetime(2026, 3, 3, 10, 5),
        "불만",
        "전화",
        "가로등 고장",
        "꺼져 있어요",
        "김민원",
        1012345678,
    ]
    for col, value in enumerate(row):
        sheet.write(3, col, value, when if col == 0 else xlwt.Style.default_style)
    path = tmp_path / "ledger.xls"
    book.save(str(path))
    report = _import(world, path)
    assert report.ok and report.file_format == "XLS (Excel 97-2003)", report.format()
    [voice] = _voices(world.engine)
    assert voice.title == "가로등 고장"
    assert voice.received_at.astimezone(KST).strftime("%Y-%m-%d %H:%M") == "2026-03-03 10:05"
    with session_factory(world.engine)() as db:
        contact = db.scalar(select(VoiceContact).where(VoiceContact.voice_id == voice.id))
        assert contact is not None and contact.phone == "010-1234-5678"


def test_xls_bad_row_is_named_by_its_row_and_changes_nothing(world: World, tmp_path: Path) -> None:
    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("민원")
    rows = [
        ["접수일시", "종류", "경로", "제목", "내용"],
        ["2026-03-03", "불만", "전화", "제목", "내용"],
        ["2026-03-03", "불만", "팩스", "제목", "내용"],
    ]
    for r, cells in enumerate(rows):
        for c, value in enumerate(cells):
            sheet.write(r, c, value)
    path = tmp_path / "bad.xls"
    book.save(str(path))
    line, column, _message = _only_error(_import(world, path))
    assert (line, column) == (3, "경로")
    assert _voices(world.engine) == []


def test_a_file_already_imported_is_refused_unless_asked_again(
    world: World, tmp_path: Path
) -> None:
    path = _csv(tmp_path, f"{HEAD}\n{GOOD_ROW}\n{GOOD_ROW}\n")
    first = _import(world, path)
    assert first.ok and first.voices_created == 2
    copy = tmp_path / "같은 대장(사본).csv"  # the same bytes under another name
    copy.write_bytes(path.read_bytes())
    line, column, message = _only_error(_import(world, copy))
    assert (line, column) == (None, "")
    assert "이미 가져왔습니다" in message and f"가져오기 #{first.import_id}" in message
    assert "민원 2건" in message and "--again" in message and "다시 가져옵니다" in message
    assert len(_voices(world.engine)) == 2
    again = _import(world, copy, again=True)
    assert again.ok and again.voices_created == 2
    assert len(_voices(world.engine)) == 4


def test_rows_of_an_overlapping_export_already_in_the_ledger_are_left_out(
    world: World, tmp_path: Path
) -> None:
    """January to March, then March to May: March's voices are not recorded twice."""
    row = "2026-03-0{day} 10:00,complaint,phone,{title},{body}".format
    first = _csv(tmp_path, f"{HEAD}\n{row(day=1, title='가로등', body='꺼짐')}\n"
                 f"{row(day=2, title='신호등', body='고장')}\n")  # fmt: skip
    assert _import(world, first).voices_created == 2
    numbers = [v.ledger_no for v in _voices(world.engine)]
    second = tmp_path / "3-5월.csv"
    second.write_text(
        f"{HEAD}\n{row(day=2, title='신호등', body='고장')}\n"  # already in: March 2nd
        f"{row(day=2, title='신호등', body='고장 (다른 글)')}\n"  # another body: new
        f"{row(day=3, title='가로등', body='꺼짐')}\n"  # the same words another day: new
        f"{row(day=1, title='가로등', body='꺼짐')}\n",  # already in: March 1st
        encoding="utf-8",
    )
    report = _import(world, second)
    assert report.ok and report.voices_created == 2 and report.rows_read == 4, report.format()
    assert report.skipped == [(2, numbers[1]), (5, numbers[0])]
    assert f"이미 장부에 있는 민원 2건은 건너뛰었습니다: 2행({numbers[1]}), 5행({numbers[0]})" in (
        report.format()
    )
    assert len(_voices(world.engine)) == 4
    # asked again, every row is imported as written
    forced = _import(world, second, again=True)
    assert forced.ok and forced.voices_created == 4 and forced.skipped_count == 0
    assert len(_voices(world.engine)) == 8


def test_a_check_says_what_the_import_would_do_and_saves_nothing(
    world: World, tmp_path: Path
) -> None:
    head = "received_at,kind,channel,title,body,unit,status,answer,answered_at"
    known = "2026-03-02 10:00,complaint,phone,신호등,고장,GR01,,,"
    assert _import(world, _csv(tmp_path, f"{head}\n{known}\n")).voices_created == 1
    number = _voices(world.engine)[0].ledger_no
    path = tmp_path / "3-5월.csv"
    path.write_text(
        f"{head}\n{known}\n"
        "2026-03-03 10:00,complaint,phone,가로등,꺼짐,교통 안전팀,답변 완료,고쳤습니다,2026-03-04\n"
        "2026-03-05 10:00,complaint,phone,소음,공사,GR01,,,\n",
        encoding="utf-8",
    )
    checked = _import(world, path, create_units=True, check_only=True)
    assert checked.ok and checked.voices_created == 0, checked.format()
    text = checked.format()
    assert "확인만 했습니다 (읽은 행 3개, 오류 없음)" in text
    assert "가져오면 민원 2건을 저장합니다: 답변 완료·종결 1건, 접수·처리 중 1건" in text
    assert f"이미 장부에 있는 민원 1건은 건너뛰었습니다: 2행({number})" in text
    assert (
        "새로 만들 부서: 교통 안전팀 (교통안전팀)" in text
        and "아무것도 저장하지 않았습니다" in text
    )
    assert len(_voices(world.engine)) == 1
    with session_factory(world.engine)() as db:
        assert db.scalar(select(Unit).where(Unit.code == "교통안전팀")) is None
    # a checked file is not one already imported: importing it now saves what the check said
    report = _import(world, path, create_units=True)
    assert (
        report.ok and report.voices_created == 2 and report.units_created == checked.units_created
    )
    # a check of a bad file fails as the import would
    bad = _csv(tmp_path, f"{head}\n2026-03-03,nope,phone,t,b,GR01,,,\n")
    line, column, _message = _only_error(_import(world, bad, check_only=True))
    assert (line, column) == (2, "kind")


def test_open_rows_already_past_their_deadline_are_counted_before_and_after_import(
    world: World, tmp_path: Path
) -> None:
    def at(days: int) -> str:
        return (TEST_NOW - timedelta(days=days)).astimezone(KST).strftime("%Y-%m-%d %H:%M")

    head = "received_at,kind,channel,title,body,unit,status,answer,answered_at"
    path = _csv(
        tmp_path,
        f"{head}\n"
        f"{at(90)},complaint,phone,신호등,고장,GR01,,,\n"  # open, long past its deadline
        f"{at(60)},complaint,phone,소음,공사,GR01,처리 중,,\n"  # in progress, also past it
        f"{at(90)},complaint,phone,가로등,꺼짐,GR01,답변 완료,고쳤습니다,{at(85)}\n"
        f"{at(0)},complaint,phone,쓰레기,무단투기,GR01,,,\n",  # open, deadline still ahead
    )
    checked = _import(world, path, check_only=True)
    assert (checked.answered_rows, checked.open_rows, checked.overdue_rows) == (1, 3, 2)
    assert (
        "접수·처리 중 가운데 2건은 처리 기한이 이미 지나, 가져오면 민원 대장과 기한 관리, "
        "할 일에 기한 넘김으로 나옵니다. 이미 처리한 민원이면 상태·답변·답변일시 열을 채워 "
        "가져오세요." in checked.format().replace("\n", " ")
    )
    assert _voices(world.engine) == []
    report = _import(world, path)
    assert report.ok and report.voices_created == 4 and report.overdue_rows == 2
    assert "처리 기한이 이미 지난 미처리 민원 2건이 들어왔습니다" in report.format()
    with session_factory(world.engine)() as db:
        status = import_jobs.get(db_session=db, principal=world.cs, import_id=report.import_id or 0)
    assert status.overdue_rows == 2
    late = [v.title for v in _voices(world.engine) if v.answered_at is None and v.due_at]
    assert sorted(late) == ["소음", "신호등", "쓰레기"]


def test_a_history_with_every_answer_is_told_of_no_overdue_voice(
    world: World, tmp_path: Path
) -> None:
    head = "received_at,kind,channel,title,body,unit,status,answer,answered_at"
    path = _csv(
        tmp_path,
        f"{head}\n2026-03-02 10:00,complaint,phone,신호등,고장,GR01,종결,고침,2026-03-03\n",
    )
    checked = _import(world, path, check_only=True)
    assert checked.overdue_rows == 0 and "기한 넘김" not in checked.format()


def test_an_open_row_of_a_kind_without_a_deadline_is_never_overdue(
    world: World, tmp_path: Path
) -> None:
    long_ago = (TEST_NOW - timedelta(days=400)).astimezone(KST).strftime("%Y-%m-%d %H:%M")
    head = "received_at,kind,channel,title,body,unit"
    path = _csv(tmp_path, f"{head}\n{long_ago},praise,phone,감사,친절했습니다,GR01\n")
    checked = _import(world, path, check_only=True)
    assert (checked.open_rows, checked.overdue_rows) == (1, 0), checked.format()
    assert "기한 넘김" not in checked.format()


def test_two_imports_of_one_file_started_together_save_it_once(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Both pass their checks before either saves; the second's reservation meets the first."""
    path = _csv(tmp_path, f"{HEAD}\n{GOOD_ROW}\n")
    first = _import(world, path)
    monkeypatch.setattr(import_jobs, "record_digest", lambda *a, **kw: None)  # checked meanwhile
    monkeypatch.setattr(KnownVoices, "numbers", lambda self, rows: [None] * len(rows))
    line, _column, message = _only_error(_import(world, path))
    assert (
        line is None
        and f"가져오기 #{first.import_id}" in message
        and "이미 가져왔습니다" in message
    )
    assert len(_voices(world.engine)) == 1
    with session_factory(world.engine)() as db:
        counter = db.scalars(select(LedgerCounter)).one()
        assert counter.last == 1  # the refused reservation took no numbers


def test_a_file_that_failed_may_be_brought_again(world: World, tmp_path: Path) -> None:
    """A failed import wrote nothing, so the same file later (the unit created meanwhile, or
    with --create-units) is no repeat."""
    path = _csv(tmp_path, f"{HEAD},unit\n{GOOD_ROW},GR09\n")
    assert not _import(world, path).ok
    report = _import(world, path, create_units=True)
    assert report.ok and report.voices_created == 1, report.format()


# --- who may import what ---------------------------------------------------------------------


def test_hq_analyst_cannot_import(world: World) -> None:
    _line, _column, message = _only_error(_import(world, DATA / "ledger_good_bom.csv", world.hq))
    assert "이 역할로는" in message


def test_officer_imports_open_voices_but_not_answered_ones(world: World, tmp_path: Path) -> None:
    report = _import(world, DATA / "ledger_good_bom.csv", world.officer)
    assert {(e.line, e.column) for e in report.errors} == {(2, "status"), (5, "status")}
    assert "팀장" in report.errors[0].message
    open_only = _csv(tmp_path, f"{HEAD}\n{GOOD_ROW}\n")
    assert _import(world, open_only, world.officer).voices_created == 1


def test_admin_needs_an_office_for_rows_without_unit(world: World, tmp_path: Path) -> None:
    path = _csv(tmp_path, f"{HEAD}\n{GOOD_ROW}\n")
    line, column, message = _only_error(_import(world, path, world.admin))
    assert (line, column) == (2, "기관(office)") and "--office" in message
    report = _import(world, path, world.admin, office="서대문서")
    assert report.ok, report.format()
    assert _voices(world.engine)[0].ledger_no == "SD01-2026-000001"
    _line, _column, message = _only_error(_import(world, path, world.cs, office="SD"))
    assert "기관을 찾을 수 없습니다" in message


# --- --create-units --------------------------------------------------------------------------


def test_create_units_makes_unknown_units_in_the_rows_office(world: World, tmp_path: Path) -> None:
    text = f"{HEAD},unit\n{GOOD_ROW},GR09\n{GOOD_ROW},GR09\n{GOOD_ROW},GR01\n"
    path = _csv(tmp_path, text)
    without = _import(world, path)
    assert [(e.line, e.column) for e in without.errors] == [(2, "unit"), (3, "unit")]
    assert "GR09" in without.errors[0].message and "--create-units" in without.errors[0].message
    # officers may not create units, even with the option
    assert not _import(world, path, world.officer, create_units=True).ok
    report = _import(world, path, create_units=True)
    assert report.ok, report.format()
    assert report.units_created == ["GR09"]
    assert "새로 만든 부서: GR09" in report.format()
    assert [v.ledger_no for v in _voices(world.engine)] == [
        "GR09-2026-000001",
        "GR09-2026-000002",
        "GR01-2026-000001",
    ]
    with session_factory(world.engine)() as db:
        unit = db.scalar(select(Unit).where(Unit.code == "GR09"))
        assert unit is not None
        assert org_service.get_office(db_session=db, office_id=unit.office_id).code == "GR"


def test_create_units_is_all_or_nothing_too(world: World, tmp_path: Path) -> None:
    text = f"{HEAD},unit\n{GOOD_ROW},GR09\n2026-03-03,nope,phone,t,b,GR01\n"
    report = _import(world, _csv(tmp_path, text), create_units=True)
    assert not report.ok and report.units_created == []
    with session_factory(world.engine)() as db:
        assert db.scalar(select(Unit).where(Unit.code == "GR09")) is None


def test_departments_named_as_agencies_name_them_become_units(world: World, tmp_path: Path) -> None:
    """A 국민신문고 export names departments with spaces, '·' and brackets: each becomes a unit
    under that name, with a code made of its letters and digits for the ledger numbers."""
    names = ["서울특별시 송파구 교통행정과", "기획·예산팀", "민원봉사과(여권)", "기획예산팀"]
    rows = "".join(f'{GOOD_ROW},"{name}"\n' for name in [*names, names[0]])
    report = _import(world, _csv(tmp_path, f"{HEAD},unit\n{rows}"), create_units=True)
    assert report.ok, report.format()
    assert report.units_created == [
        "서울특별시 송파구 교통행정과 (서울특별시송파구교통행정과)",
        "기획·예산팀 (기획예산팀)",
        "민원봉사과(여권) (민원봉사과여권)",
        "기획예산팀 (기획예산팀-2)",
    ]
    assert [v.ledger_no for v in _voices(world.engine)] == [
        "서울특별시송파구교통행정과-2026-000001",
        "기획예산팀-2026-000001",
        "민원봉사과여권-2026-000001",
        "기획예산팀-2-2026-000001",
        "서울특별시송파구교통행정과-2026-000002",
    ]
    with session_factory(world.engine)() as db:
        made = db.scalars(select(Unit).where(Unit.code.in_(["기획예산팀", "기획예산팀-2"])))
        assert sorted((u.code, u.name) for u in made) == [
            ("기획예산팀", "기획·예산팀"),
            ("기획예산팀-2", "기획예산팀"),
        ]
    # the next file finds them by the same names, and makes nothing new
    later = f'2026-03-04 10:00,complaint,phone,다음 달 민원,내용,"{names[1]}"'
    again = _import(world, _csv(tmp_path, f"{HEAD},unit\n{later}\n"), create_units=True)
    assert again.ok and again.units_created == []
    assert _voices(world.engine)[-1].ledger_no == "기획예산팀-2026-000002"


def test_a_code_taken_by_another_unit_is_numbered_past(world: World, tmp_path: Path) -> None:
    text = f"{HEAD},unit\n{GOOD_ROW},GR 01\n"
    report = _import(world, _csv(tmp_path, text), create_units=True)
    assert report.ok and report.units_created == ["GR 01 (GR01-2)"], report.format()


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("!!! ···", "새 부서 이름에 글자나 숫자가 없습니다"),
        ("- _ -", "새 부서 이름에 글자나 숫자가 없습니다"),
        ("과" * 201, "새 부서 이름이 너무 깁니다"),
    ],
)
def test_unit_names_that_cannot_be_units_are_refused(
    world: World, tmp_path: Path, name: str, expected: str
) -> None:
    text = f"{HEAD},unit\n{GOOD_ROW},{name}\n"
    line, column, message = _only_error(_import(world, _csv(tmp_path, text), create_units=True))
    assert (line, column) == (2, "unit") and expected in message
    assert _voices(world.engine) == []


# --- dates -----------------------------------------------------------------------------------

NOW = _kst("2026-11-23T12:00")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-03-02T14:05:00+09:00", "2026-03-02T14:05"),
        ("2026-03-02T05:05:00Z", "2026-03-02T14:05"),
        ("2026-03-02 14:05", "2026-03-02T14:05"),
        ("2026.03.02", "2026-03-02T00:00"),
        ("2026.3.2.", "2026-03-02T00:00"),
        ("2026. 3. 2. 오후 2:05", "2026-03-02T14:05"),
        ("2026-03-02 오전 12:30:00", "2026-03-02T00:30"),
        ("2026/03/02 2:05 PM", "2026-03-02T14:05"),
        ("2026년 3월 2일 14시 5분", "2026-03-02T14:05"),
        ("2026-03-02", "2026-03-02T00:00"),
        (datetime(2026, 3, 2, 14, 5), "2026-03-02T14:05"),
        (46083.5, "2026-03-02T12:00"),
        ("2026.03.02(월)", "2026-03-02T00:00"),
        ("2026-03-02 (월) 오후 2:05", "2026-03-02T14:05"),
    ],
)
def test_dates_in_the_forms_agencies_write_them(value: object, expected: str) -> None:
    assert parse_when(value, NOW) == _kst(expected)


@pytest.mark.parametrize("value", ["2026-02-30", "내일", "3/2", "2026-11-24", 12.5])
def test_dates_that_are_wrong_or_future(value: object) -> None:
    with pytest.raises(_Bad):
        parse_when(value, NOW)


def test_a_new_unit_belongs_to_one_office_only(world: World, tmp_path: Path) -> None:
    text = f"{HEAD},office,unit\n{GOOD_ROW},GR,NEW1\n{GOOD_ROW},서대문서,NEW1\n{GOOD_ROW},SD,SD01\n"
    report = _import(world, _csv(tmp_path, text), world.admin, create_units=True)
    line, column, message = _only_error(report)
    assert (line, column) == (3, "unit") and "여러 기관" in message
