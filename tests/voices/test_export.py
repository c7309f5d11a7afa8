"""Ledger export: the 민원 처리부 as XLSX/CSV with masked citizens, real datetimes, a frozen
header and an autofilter; HQ analysts get no personal data; one office never sees another's
voices; the HTTP downloads carry the right type and a Korean file name."""

import csv
import io
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from openpyxl import Workbook, load_workbook
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from minwon.app import create_app
from minwon.db import session_factory, write_session
from minwon.org import service as org_service
from minwon.org.roles import Principal
from minwon.timeutil import KST, utcnow
from minwon.voices import exporter, service, workflow
from minwon.voices.io_routes import router as io_router
from minwon.voices.models import Voice
from minwon.voices.queries import LedgerFilter
from minwon.voices.schemas import ContactIn, VoiceCreate

HEADER = ["접수번호", "접수일시", "민원인", "민원 요지", "처리 부서", "처리기한", "답변일시"]
HEADER += ["처리 결과", "기한 준수"]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass
class World:
    """Two offices with a few voices each, and the people who export them."""

    engine: Engine
    cs: Principal
    admin: Principal
    hq: Principal
    sd_lead: Principal
    tokens: dict[str, str]


def _voice(db: Session, who: Principal, title: str, body: str, **kw: object) -> Voice:
    data = {"kind": "complaint", "channel": "phone", "title": title, "body": body, **kw}
    voice, _secret = service.create(
        db_session=db, voice_in=VoiceCreate.model_validate(data), principal=who
    )
    return voice


def _yesterday_at_ten() -> datetime:
    """Received the day before the test's clock, so answering now is within the deadline."""
    yesterday = utcnow().astimezone(KST).date() - timedelta(days=1)
    return datetime.combine(yesterday, time(10, 0), tzinfo=KST)


def _seed(engine: Engine) -> World:
    with write_session(engine) as db:
        org = org_service.create_organization(db_session=db, code="KNPA", name="경찰청")
        gr = org_service.create_office(db_session=db, organization=org, code="GR", name="구로서")
        sd = org_service.create_office(db_session=db, organization=org, code="SD", name="서대문서")
        org_service.create_unit(
            db_session=db, office=gr, code="GR01", name="구로지구대", is_front_desk=True
        )
        sd01 = org_service.create_unit(db_session=db, office=sd, code="SD01", name="신촌지구대")
        people = {
            "cs": org_service.create_staff(
                db_session=db, login="cs", name="김담당", role="cs_manager", office=gr
            ),
            "admin": org_service.create_staff(db_session=db, login="ad", name="관리", role="admin"),
            "hq": org_service.create_staff(
                db_session=db, login="hq", name="본사", role="hq_analyst"
            ),
            "sd": org_service.create_staff(
                db_session=db, login="sd", name="박팀장", role="unit_lead", unit=sd01
            ),
        }
        tokens = {
            k: org_service.issue_token(db_session=db, staff=s, name="t") for k, s in people.items()
        }
        who = {k: org_service.principal_for(s) for k, s in people.items()}
        cs = who["cs"]
        answered = _voice(
            db,
            cs,
            "가로등 고장",
            "가로등이 꺼져 있어요. 연락은 010-9876-5432로 주세요.",
            received_at=_yesterday_at_ten(),
            contact=ContactIn(name="홍길동", phone="010-1234-5678", email="hong@example.kr"),
        )
        workflow.draft_answer(db_session=db, voice=answered, principal=cs, body="교체했습니다.")
        workflow.approve_answer(db_session=db, voice=answered, principal=cs)
        _voice(
            db,
            cs,
            '=HYPERLINK("x")',
            "수식처럼 보이는 제목",
            received_at=datetime(2026, 1, 5, 10, 0, tzinfo=KST),
        )
        _voice(db, cs, "주차", "주차 문의", contact=ContactIn(name="김철", email="kim@example.kr"))
        _voice(db, cs, "칭찬", "친절했어요", kind="praise")
        _voice(db, who["sd"], "서대문 민원", "다른 기관", contact=ContactIn(name="이서대"))
    return World(engine, cs, who["admin"], who["hq"], who["sd"], tokens)


@pytest.fixture
def world(engine: Engine) -> World:
    """Voices in two offices on each database engine."""
    return _seed(engine)


def _xlsx(world: World, who: Principal, flt: LedgerFilter | None = None) -> tuple[int, Any]:
    out = io.BytesIO()
    with session_factory(world.engine)() as db:
        count = exporter.export_ledger_xlsx(
            db_session=db, principal=who, flt=flt or LedgerFilter(sort="received"), out=out
        )
    book = load_workbook(io.BytesIO(out.getvalue()))
    return count, book.worksheets[0]


def _rows(ws: Any) -> list[dict[str, Any]]:
    values = list(ws.iter_rows(min_row=3, values_only=True))
    return [dict(zip(HEADER, row, strict=True)) for row in values]


def test_xlsx_has_title_header_masked_citizens_and_real_dates(world: World) -> None:
    count, ws = _xlsx(world, world.cs)
    assert count == 4
    assert "민원 처리부" in ws["A1"].value and "구로서" in ws["A1"].value
    assert [c.value for c in ws[2]] == HEADER
    assert ws.freeze_panes == "A3"
    assert ws.auto_filter.ref == "A2:I6"
    assert ws.column_dimensions["D"].width == 60
    rows = _rows(ws)
    assert len(rows) == 4
    old, answered, parking, praise = rows  # sorted by receipt, oldest first
    assert answered["민원인"] == "홍*동 010-****-5678"
    assert parking["민원인"] == "김*"
    assert old["민원인"] == "익명"
    assert answered["접수일시"] == _yesterday_at_ten().replace(tzinfo=None)
    assert isinstance(answered["처리기한"], datetime)
    assert isinstance(answered["답변일시"], datetime)
    assert ws.cell(row=4, column=2).number_format == "yyyy-mm-dd hh:mm"
    assert ws.cell(row=4, column=2).is_date
    assert answered["처리 부서"] == "구로지구대"
    assert answered["민원 요지"].startswith("가로등 고장 — 가로등이 꺼져 있어요.")
    assert "010-****-5432" in answered["민원 요지"] and "9876" not in answered["민원 요지"]
    assert answered["처리 결과"] == "답변 완료: 교체했습니다."
    assert (answered["기한 준수"], old["기한 준수"], parking["기한 준수"]) == ("Y", "N", "진행 중")
    assert praise["기한 준수"] == "—" and praise["처리기한"] is None
    assert old["민원 요지"].startswith('=HYPERLINK("x")')  # text, not a formula
    assert ws.cell(row=3, column=4).data_type == "s"


def test_another_offices_voices_are_never_exported(world: World) -> None:
    _count, ws = _xlsx(world, world.cs)
    text = repr([c for row in ws.iter_rows(values_only=True) for c in row])
    assert "SD01" not in text and "서대문 민원" not in text and "이*대" not in text
    count, _ws = _xlsx(world, world.cs, LedgerFilter(office="SD"))
    assert count == 0
    count, ws = _xlsx(world, world.sd_lead)
    assert count == 1 and _rows(ws)[0]["민원인"] == "이*대"
    count, ws = _xlsx(world, world.admin)
    assert count == 5
    assert {r["처리 부서"] for r in _rows(ws)} == {"구로서 구로지구대", "서대문서 신촌지구대"}


def test_hq_analyst_export_has_no_personal_data(world: World) -> None:
    count, ws = _xlsx(world, world.hq)
    assert count == 5
    assert {r["민원인"] for r in _rows(ws)} == {"—"}
    cells = " ".join(str(c) for row in ws.iter_rows(values_only=True) for c in row if c)
    for personal in ("홍", "길동", "1234", "5678", "9876", "hong@", "kim@", "김*", "이*대"):
        assert personal not in cells
    assert "전체 기관" in ws["A1"].value


def test_filters_narrow_the_export(world: World) -> None:
    count, ws = _xlsx(world, world.cs, LedgerFilter(status="answered"))
    assert count == 1 and _rows(ws)[0]["처리 결과"].startswith("답변 완료")
    count, _ws = _xlsx(world, world.cs, LedgerFilter(overdue=True))
    assert count == 1


def test_csv_export_has_bom_same_columns_and_masks(world: World) -> None:
    out = io.BytesIO()
    with session_factory(world.engine)() as db:
        count = exporter.export_ledger_csv(
            db_session=db, principal=world.cs, flt=LedgerFilter(sort="received"), out=out
        )
    raw = out.getvalue()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert count == 4 and len(rows) == 5
    assert rows[0] == HEADER
    assert rows[2][2] == "홍*동 010-****-5678"
    assert rows[2][1] == _yesterday_at_ten().strftime("%Y-%m-%d %H:%M")
    assert rows[1][3].startswith("'=HYPERLINK")  # never run as a formula by a spreadsheet
    assert not out.closed


def test_export_to_a_path(world: World, tmp_path: Path) -> None:
    with session_factory(world.engine)() as db:
        count = exporter.export_ledger_xlsx(
            db_session=db, principal=world.cs, flt=LedgerFilter(), out=tmp_path / "l.xlsx"
        )
        assert (
            exporter.export_ledger_csv(
                db_session=db, principal=world.cs, flt=LedgerFilter(), out=tmp_path / "l.csv"
            )
            == count
            == 4
        )
    assert load_workbook(tmp_path / "l.xlsx").worksheets[0].max_row == 6
    assert (tmp_path / "l.csv").read_bytes().startswith(b"\xef\xbb\xbf")


def test_empty_export_still_has_title_and_header(world: World) -> None:
    count, ws = _xlsx(world, world.cs, LedgerFilter(q="없는 검색어"))
    assert count == 0
    assert [c.value for c in ws[2]] == HEADER and ws.auto_filter.ref == "A2:I2"


@pytest.mark.parametrize(
    ("name", "masked"),
    [
        ("홍길동", "홍*동"),
        ("김철", "김*"),
        ("남궁민수", "남**수"),
        ("이", "*"),
        (" 홍 길동 ", "홍*동"),
    ],
)
def test_mask_name(name: str, masked: str) -> None:
    assert exporter.mask_name(name) == masked


@pytest.mark.parametrize(
    ("phone", "masked"),
    [
        ("010-1234-5678", "010-****-5678"),
        ("02-123-4567", "02-***-4567"),
        ("01012345678", "010****5678"),
        ("+82 10 1234 5678", "+82 ** **** 5678"),
        ("1234", "****"),
    ],
)
def test_mask_phone(phone: str, masked: str) -> None:
    assert exporter.mask_phone(phone) == masked


def test_mask_text() -> None:
    text = "전화 010-1234-5678, 메일 hong@example.kr, 주민번호 900101-1234567"
    assert exporter.mask_text(text) == (
        "전화 010-****-5678, 메일 h***@example.kr, 주민번호 900101-*******"
    )


# --- HTTP ------------------------------------------------------------------------------------


def _client(engine: Engine) -> TestClient:
    """The app with the export routes ahead of ``/api/v1/voices/{voice_id}`` (as mounted)."""
    app = create_app(engine=engine)
    paths = {getattr(route, "path", "") for route in app.router.routes}
    if "/api/v1/voices/export.csv" not in paths:
        app.include_router(io_router)
        mine = app.router.routes[-len(io_router.routes) :]
        del app.router.routes[-len(io_router.routes) :]
        app.router.routes[0:0] = mine
    return TestClient(app)


def _auth(world: World, who: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {world.tokens[who]}"}


def test_api_xlsx_download(world: World) -> None:
    client = _client(world.engine)
    r = client.get("/api/v1/voices/export.xlsx?sort=received", headers=_auth(world, "cs"))
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == XLSX
    disposition = r.headers["content-disposition"]
    assert disposition.startswith('attachment; filename="minwon-ledger_')
    assert f"filename*=UTF-8''{quote('민원처리부_')}" in disposition
    assert disposition.endswith(".xlsx")
    assert r.headers["x-row-count"] == "4"
    ws = load_workbook(io.BytesIO(r.content)).worksheets[0]
    assert [c.value for c in ws[2]] == HEADER and ws.max_row == 6


def test_api_csv_download_with_filters(world: World) -> None:
    client = _client(world.engine)
    r = client.get("/api/v1/voices/export.csv?status=answered", headers=_auth(world, "cs"))
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "text/csv; charset=utf-8"
    assert ".csv" in r.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert rows[0] == HEADER and len(rows) == 2
    r = client.get("/api/v1/voices/export.csv?office=SD", headers=_auth(world, "cs"))
    assert r.headers["x-row-count"] == "0"


def test_page_download_uses_the_ledger_page_query(world: World) -> None:
    client = _client(world.engine)
    r = client.get("/ledger/export.xlsx?status=&unit=GR01&overdue=1", headers=_auth(world, "cs"))
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == XLSX
    assert r.headers["x-row-count"] == "1"


def test_downloads_need_staff_and_good_filters(world: World) -> None:
    client = _client(world.engine)
    assert client.get("/api/v1/voices/export.xlsx").status_code == 401
    page = client.get("/ledger/export.xlsx", follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"].startswith("/login")
    bad = client.get("/api/v1/voices/export.csv?status=nope", headers=_auth(world, "cs"))
    assert bad.status_code == 422 and bad.json()["field"] == "status"
    hq = client.get("/api/v1/voices/export.csv", headers=_auth(world, "hq"))
    assert hq.status_code == 200 and "홍" not in hq.content.decode("utf-8-sig")
    assert client.get("/api/v1/voices/1", headers=_auth(world, "cs")).status_code == 200


def test_past_excels_row_limit_the_ledger_goes_on_in_a_new_sheet(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(exporter, "EXCEL_MAX_ROWS", 5)  # 2 header rows + 3 lines per sheet
    book = Workbook(write_only=True)
    sheet = exporter._XlsxLedger(book, "민원 처리부 · 시험")
    at = datetime(2026, 3, 3, 10, 0)
    for i in range(7):
        sheet.append(
            exporter.LedgerLine(
                f"GR01-2026-{i:06d}", at, "익명", "요지", "팀", None, None, "접수", "—"
            )
        )
    sheet.finish()
    out = io.BytesIO()
    book.save(out)
    reopened = load_workbook(io.BytesIO(out.getvalue()))
    assert reopened.sheetnames == ["민원 처리부", "민원 처리부 (2)", "민원 처리부 (3)"]
    assert [ws.max_row for ws in reopened.worksheets] == [5, 5, 3]
    assert [ws.auto_filter.ref for ws in reopened.worksheets] == ["A2:I5", "A2:I5", "A2:I3"]
    assert reopened.worksheets[2]["A3"].value == "GR01-2026-000006"


def test_an_office_with_control_characters_is_a_clean_title_not_a_500(world: World) -> None:
    """Found by the schemathesis run: the typed office went into the title cell unfiltered."""
    client = _client(world.engine)
    answer = client.get(
        "/api/v1/voices/export.xlsx", params={"office": "\x02GR"}, headers=_auth(world, "admin")
    )
    assert answer.status_code == 200
    title = load_workbook(io.BytesIO(answer.content)).active["A1"].value
    assert "\x02" not in title and title.startswith("민원 처리부")
