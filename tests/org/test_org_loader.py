"""Loading an organisation file: YAML and XLSX, re-loads, errors with places, the demo file."""

from datetime import date, time
from io import BytesIO
from pathlib import Path

import pytest
import yaml
from openpyxl import Workbook
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from minwon.db import begin_write, session_factory, write_session
from minwon.errors import Invalid
from minwon.org import loader, service
from minwon.org.loader import (
    DEMO_FILE,
    LoadReport,
    OrgFileError,
    load_org_data,
    load_org_file,
    parse_org_data,
)
from minwon.org.models import (
    Category,
    ClosedDay,
    Office,
    Organization,
    RoutingRule,
    Staff,
    Unit,
)
from minwon.voices.catalog import period_for

TABLES = (Organization, ClosedDay, Office, Unit, Staff, Category, RoutingRule)

SMALL = """
organization:
  code: TEST
  name: 시험 기관
  settings:
    periods: {complaint: 5, praise: null}
    work_hours: {start: "09:00", end: 18:00, lunch_start: "12:00", lunch_end: "13:00"}
    kinds:
      patrol_request: {label: 순찰 요청, period: 3}
    closed_days:
      - {day: 2026-04-24, reason: 개청 기념일}
offices:
  - code: GR
    name: 구로경찰서
    units:
      - {code: GR00, name: 민원실, kind: 민원실, front_desk: true}
      - {code: GR01, name: 구로지구대, kind: 지구대}
  - code: DJ
    name: 대전충남본부
    units:
      - {code: DJ01, name: 보상팀, kind: 팀}
staff:
  - {login: gr01.lead, name: 김민수, role: unit_lead, unit: GR01, password: cobalt-meadow-fjord}
  - {login: gr.cs, name: 이서연, role: cs_manager, office: GR, email: cs@example.com}
  - {login: admin, name: 관리자, role: admin, password: cobalt-meadow-fjord}
categories:
  - {code: PATROL-REQUEST, name: 순찰 요청, parent: PATROL}
  - {code: PATROL, name: 치안·순찰}
  - {code: COMP, name: 보상}
routing:
  - {category: PATROL, dong: 가리봉동, unit: GR01, priority: 10}
  - {dong: 구로1동, unit: GR01}
  - {category: COMP, unit: DJ01}
"""


def _doc(**changes: object) -> dict:
    """The small file as a dict, with top-level sections replaced by ``changes``."""
    doc = yaml.safe_load(SMALL)
    doc.update(changes)
    return doc


def _yaml(doc: dict) -> bytes:
    return yaml.safe_dump(doc, allow_unicode=True).encode()


def _load(engine: Engine, data: bytes, filename: str = "org.yaml") -> LoadReport:
    with write_session(engine) as db:
        return load_org_data(db_session=db, data=data, filename=filename)


def _counts(engine: Engine) -> dict[str, int]:
    with session_factory(engine)() as db:
        return {t.__name__: db.scalar(select(func.count(t.id))) or 0 for t in TABLES}


def _failure(engine: Engine, data: bytes, filename: str = "org.yaml") -> list[str]:
    """Load a bad file in a transaction that then commits: the loader must leave nothing."""
    with session_factory(engine)() as db:
        begin_write(db)
        with pytest.raises(OrgFileError) as info:
            load_org_data(db_session=db, data=data, filename=filename)
        db.commit()
    return [str(p) for p in info.value.problems]


def _one(db: Session, model: type, **where: object) -> object:
    return db.scalars(select(model).filter_by(**where)).one()


def test_yaml_file_creates_the_whole_tree(engine: Engine) -> None:
    report = _load(engine, SMALL.encode())
    assert report.tallies["units"].created == 3
    assert report.tallies["routing"].created == 3
    assert list(report.passwords) == ["gr.cs"]  # the only one without a password
    with session_factory(engine)() as db:
        org = _one(db, Organization, code="TEST")
        assert org.settings["periods"] == {"complaint": 5, "praise": None}
        assert org.settings["work_hours"]["end"] == "18:00"  # unquoted 18:00 read right
        assert period_for(org.settings, "patrol_request") == 3
        cal = service.calendar_for(db_session=db, organization=org)
        assert cal.closed_days == frozenset({date(2026, 4, 24)})
        lead = _one(db, Staff, login="gr01.lead")
        assert (lead.office.code, lead.unit.code, lead.role) == ("GR", "GR01", "unit_lead")
        assert _one(db, Unit, code="GR00").is_front_desk
        child = _one(db, Category, code="PATROL-REQUEST")
        assert db.get(Category, child.parent_id).code == "PATROL"
        patrol = _one(db, Category, code="PATROL")
        gr = _one(db, Office, code="GR")
        unit = service.route(db_session=db, office_id=gr.id, category_id=patrol.id, dong="가리봉동")
        assert unit is not None and unit.code == "GR01"
        password = report.passwords["gr.cs"]
        assert service.authenticate(db_session=db, login="gr.cs", password=password).id


def test_reload_updates_in_place_and_reports_no_new_passwords(engine: Engine) -> None:
    _load(engine, SMALL.encode())
    before = _counts(engine)
    again = _load(engine, SMALL.encode())
    assert again.changed == 0
    assert again.passwords == {}
    assert again.tallies["staff"].unchanged == 3
    assert _counts(engine) == before
    doc = _doc()
    doc["offices"][0]["units"][1]["name"] = "구로지구대(신청사)"
    doc["offices"][0]["units"][1]["duties"] = "112 신고 출동, 방범 순찰"
    doc["routing"][2]["priority"] = 5
    third = _load(engine, _yaml(doc))
    assert (third.tallies["units"].updated, third.tallies["routing"].updated) == (1, 1)
    assert _counts(engine) == before
    with session_factory(engine)() as db:
        unit = _one(db, Unit, code="GR01")
        assert (unit.name, unit.duties) == ("구로지구대(신청사)", "112 신고 출동, 방범 순찰")


def test_reload_never_deletes_and_keeps_omitted_settings(engine: Engine) -> None:
    _load(engine, SMALL.encode())
    doc = {"organization": {"code": "TEST"}, "offices": [{"code": "GR", "units": []}]}
    report = _load(engine, _yaml(doc))
    assert report.changed == 0
    with session_factory(engine)() as db:
        assert db.scalar(select(func.count(Unit.id))) == 3
        assert _one(db, Organization, code="TEST").settings["periods"]["complaint"] == 5


def test_reload_changes_password_only_when_the_file_gives_a_new_one(engine: Engine) -> None:
    _load(engine, SMALL.encode())
    doc = _doc()
    doc["staff"][0]["password"] = "another-secret"
    report = _load(engine, _yaml(doc))
    assert report.tallies["staff"].updated == 1
    with session_factory(engine)() as db:
        assert service.authenticate(db_session=db, login="gr01.lead", password="another-secret")


def _workbook(**overrides: list[list[object]]) -> bytes:
    sheets: dict[str, list[list[object]]] = {
        "organization": [
            ["key", "value"],
            ["code", "XL"],
            ["name", "엑셀 기관"],
            ["periods.complaint", 10],
            ["periods.praise", None],
            ["work_hours.start", time(9, 0)],
            ["work_hours.end", "18:00"],
            ["work_hours.lunch_start", "12:00"],
            ["work_hours.lunch_end", "13:00"],
        ],
        "closed_days": [["day", "reason"], [date(2026, 5, 4), "창립기념일"]],
        "offices": [["code", "name"], ["GR", "구로경찰서"], ["DJ", "대전충남본부"]],
        "units": [
            ["office", "code", "name", "kind", "front_desk"],
            ["GR", "GR00", "민원실", "민원실", "예"],
            ["GR", "GR01", "구로지구대", "지구대", None],
            ["DJ", "DJ01", "보상팀", "팀", "N"],
        ],
        "staff": [
            ["login", "name", "role", "office", "unit", "email", "password"],
            [
                "gr01.lead",
                "김민수",
                "unit_lead",
                None,
                "GR01",
                "lead@example.com",
                "harbor-cobalt-x",
            ],
            ["hq", "문정호", "hq_analyst", None, None, None, None],
        ],
        "categories": [
            ["code", "name", "parent"],
            ["TRAFFIC", "교통", None],
            [101, "사고", "TRAFFIC"],
        ],
        "routing": [["category", "dong", "unit", "priority"], ["TRAFFIC", None, "GR01", 10]],
    }
    sheets.update(overrides)
    book = Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        ws = book.create_sheet(name)
        for row in rows:
            ws.append(row)
    out = BytesIO()
    book.save(out)
    return out.getvalue()


def test_xlsx_workbook_loads_like_yaml(engine: Engine) -> None:
    data = _workbook()
    report = _load(engine, data, "org.xlsx")
    assert report.tallies["units"].created == 3
    assert list(report.passwords) == ["hq"]
    with session_factory(engine)() as db:
        org = _one(db, Organization, code="XL")
        assert org.settings["periods"] == {"complaint": 10, "praise": None}
        assert org.settings["work_hours"]["start"] == "09:00"
        assert db.scalar(select(ClosedDay.reason)) == "창립기념일"
        assert _one(db, Unit, code="GR00").is_front_desk
        assert not _one(db, Unit, code="DJ01").is_front_desk
        assert _one(db, Staff, login="gr01.lead").office.code == "GR"
        assert db.get(Category, _one(db, Category, code="101").parent_id).code == "TRAFFIC"
        assert db.scalar(select(func.count(RoutingRule.id))) == 1
    assert _load(engine, data, "org.xlsx").changed == 0


def test_xlsx_units_may_name_an_existing_office_not_in_the_offices_sheet(engine: Engine) -> None:
    _load(engine, SMALL.encode())
    data = _workbook(
        organization=[["key", "value"], ["code", "TEST"]],
        offices=[["code", "name"]],
        units=[["office", "code", "name"], ["DJ", "DJ02", "판매팀"]],
        staff=[["login"]],
        categories=[["code"]],
        routing=[["unit"]],
        closed_days=[["day"]],
    )
    assert _load(engine, data, "org.xlsx").tallies["units"].created == 1


@pytest.mark.parametrize(
    ("sheet", "rows", "place", "message"),
    [
        (
            "units",
            [["office", "code", "name"], ["GR", "GR00", "민원실"], ["GR", "GR 01", "지구대"]],
            "units 시트 3행 B열(code)",
            "형식",
        ),
        (
            "units",
            [["office", "code", "nmae"], ["GR", "GR00", "x"]],
            "units 시트 2행 C열(nmae)",
            "알 수 없는",
        ),
        (
            "staff",
            [["login", "name", "role", "unit"], ["a1", "가", "boss", "GR00"]],
            "staff 시트 2행 C열(role)",
            "다음 중 하나",
        ),
        (
            "staff",
            [["login", "name", "role", "unit"], ["a1", "가", "officer", "ZZ9"]],
            "staff 시트 2행 D열(unit)",
            "없는 부서",
        ),
        (
            "units",
            [["office", "code", "name"], ["XX", "XX01", "어디"]],
            "units 시트 2행 A열(office)",
            "offices 시트",
        ),
        (
            "routing",
            [["office", "category", "dong", "unit"], ["GR", "TRAFFIC", "구로3동", "DJ01"]],
            "routing 시트 2행 D열(unit)",
            "부서 DJ01는 GR 소속이 아닙니다",
        ),
        (
            "organization",
            [["key", "value"], ["code", "XL"], ["name", "엑셀"], ["periods.nope", 3]],
            "organization 시트 4행 B열(value)",
            "nope",
        ),
        (
            "closed_days",
            [["day", "reason"], ["내일", "x"]],
            "closed_days 시트 2행 A열(day)",
            "날짜",
        ),
        ("unit", [["code"]], "unit 시트", "알 수 없는 시트"),
    ],
)
def test_xlsx_errors_name_sheet_row_and_column(
    engine: Engine, sheet: str, rows: list[list[object]], place: str, message: str
) -> None:
    problems = _failure(engine, _workbook(**{sheet: rows}), "org.xlsx")
    assert any(p.startswith(place) and message in p for p in problems), problems
    assert all(n == 0 for n in _counts(engine).values())


def _with(section: str, index: int, **fields: object) -> dict:
    doc = _doc()
    doc[section][index].update(fields)
    return doc


def _org_settings(**settings: object) -> dict:
    doc = _doc()
    doc["organization"]["settings"].update(settings)
    return doc


def _unit(**fields: object) -> dict:
    doc = _doc()
    doc["offices"][1]["units"][0].update(fields)
    return doc


BAD_YAML = [
    (_unit(code="DJ 01"), "offices[1].units[0].code", "형식"),
    (_doc(offices=[{"code": "NEW", "units": []}]), "offices[0].name", "name"),
    (_with("staff", 0, role="chief"), "staff[0].role", "다음 중 하나"),
    (_with("staff", 0, unit="GR99"), "staff[0].unit", "없는 부서"),
    (_with("staff", 0, office="DJ"), "staff[0].unit", "소속이 아닙니다"),
    (_with("staff", 1, office=None), "staff[1].office", "소속"),
    (_with("staff", 0, password="short"), "staff[0].password", "12자 이상이어야 합니다"),
    (_with("staff", 0, password="password1234"), "staff[0].password", "널리 알려진"),
    (_with("staff", 0, password="gr01.lead-harbor"), "staff[0].password", "아이디"),
    (_with("staff", 1, login="gr01.lead"), "staff[1]", "두 번"),
    (_with("staff", 1, email="not-an-address"), "staff[1].email", "전자우편"),
    (_with("categories", 0, parent="NOPE"), "categories[0].parent", "알 수 없는 상위 분류"),
    (_with("categories", 1, parent="PATROL-REQUEST"), "categories[1].parent", "돌고 돕니다"),
    (_with("routing", 1, dong=None), "routing[1]", "category나 dong"),
    (_with("routing", 2, category="NOPE"), "routing[2].category", "알 수 없는 분류"),
    (_with("routing", 0, unit="DJ01", dong=None, category="COMP"), "routing[2]", "두 번"),
    (_with("routing", 0, priority="high"), "routing[0].priority", "정수"),
    (_with("routing", 0, office="GR", unit="DJ01"), "routing[0].unit", "DJ01는 GR 소속이 아닙니다"),
    (_with("routing", 1, office="ZZ"), "routing[1].office", "이 기관에 없는 본부·경찰서"),
    (_doc(ofices=[]), "ofices", "알 수 없는 항목"),
    (
        _org_settings(periods={"complaint": 7, "bogus": 3}),
        "organization.settings.periods.bogus",
        "kinds",
    ),
    (_org_settings(periods={"complaint": -1}), "organization.settings.periods.complaint", "0 이상"),
    (
        _org_settings(
            work_hours={
                "start": "18:00",
                "end": "09:00",
                "lunch_start": "12:00",
                "lunch_end": "13:00",
            }
        ),
        "organization.settings.work_hours",
        "순서",
    ),
    (_org_settings(kinds={"complaint": {"label": "x"}}), "organization.settings.kinds", "법정"),
    (
        _org_settings(closed_days=[{"day": "2026-13-01"}]),
        "organization.settings.closed_days[0].day",
        "날짜",
    ),
]


@pytest.mark.parametrize(("doc", "place", "message"), BAD_YAML)
def test_bad_yaml_names_the_place_and_writes_nothing(
    engine: Engine, doc: dict, place: str, message: str
) -> None:
    problems = _failure(engine, _yaml(doc))
    assert any(p.startswith(place + ":") and message in p for p in problems), problems
    assert all(n == 0 for n in _counts(engine).values())


def test_password_never_appears_in_an_error(engine: Engine) -> None:
    problems = _failure(engine, _yaml(_with("staff", 0, password="sekret7")))
    assert not any("sekret7" in p for p in problems)


def test_second_front_desk_in_an_office_is_refused(engine: Engine) -> None:
    doc = _doc()
    doc["offices"][0]["units"][1]["front_desk"] = True
    problems = _failure(engine, _yaml(doc))
    assert any(p.startswith("offices[0].units[0].front_desk:") for p in problems), problems


def test_error_after_earlier_sections_leaves_earlier_ones_unwritten(engine: Engine) -> None:
    _load(engine, SMALL.encode())
    before = _counts(engine)
    doc = _doc()
    doc["offices"].append(
        {"code": "NW", "name": "새 본부", "units": [{"code": "NW01", "name": "팀"}]}
    )
    doc["staff"].append({"login": "new.one", "name": "새 직원", "role": "officer", "unit": "NW01"})
    doc["routing"].append({"category": "MISSING", "unit": "NW01"})
    problems = _failure(engine, _yaml(doc))
    assert problems == ["routing[3].category: 알 수 없는 분류 코드입니다: MISSING"]
    assert _counts(engine) == before


def test_office_of_another_organisation_is_refused(engine: Engine) -> None:
    _load(engine, SMALL.encode())
    other = {"organization": {"code": "OTHER", "name": "다른 기관"}, "offices": [{"code": "GR"}]}
    problems = _failure(engine, _yaml(other))
    assert problems == ["offices[0].code: 다른 기관의 본부·경찰서 코드입니다: GR"]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"organization: [unclosed", "YAML 문법 오류"),
        (b"- just\n- a list\n", "맨 위는"),
        (b"offices: []\n", "organization: 빠진 항목"),
    ],
)
def test_malformed_yaml_is_a_clear_error(engine: Engine, data: bytes, message: str) -> None:
    problems = _failure(engine, data)
    assert any(message in p for p in problems), problems


def test_unreadable_files_are_invalid(engine: Engine, tmp_path: Path) -> None:
    with session_factory(engine)() as db:
        with pytest.raises(Invalid, match="YAML"):
            load_org_data(db_session=db, data=b"x", filename="org.csv")
        with pytest.raises(Invalid, match="엑셀"):
            load_org_data(db_session=db, data=b"not a zip", filename="org.xlsx")
        with pytest.raises(Invalid, match="읽을 수 없습니다"):
            load_org_file(db_session=db, path=tmp_path / "missing.yaml")


def test_demo_file_loads_two_offices_and_seven_units(engine: Engine) -> None:
    with write_session(engine) as db:
        report = load_org_file(db_session=db, path=DEMO_FILE)
    assert report.passwords == {}
    with session_factory(engine)() as db:
        offices = {o.code: o for o in db.scalars(select(Office))}
        assert sorted(offices) == ["DJ", "GR"]
        units = {u.code: u for u in db.scalars(select(Unit))}
        assert sorted(units) == ["DJ00", "DJ01", "DJ02", "GR00", "GR01", "GR02", "GR03"]
        assert [c for c, u in sorted(units.items()) if u.is_front_desk] == ["DJ00", "GR00"]
        assert units["GR02"].name == "가리봉파출소"
        counts = service.staff_counts(db_session=db)
        assert all(counts[u.id] >= 3 for u in units.values())
        roles = set(db.scalars(select(Staff.role)))
        assert roles == {"officer", "unit_lead", "cs_manager", "hq_analyst", "admin"}
        assert service.authenticate(db_session=db, login="admin", password="minwon-demo-pass")

        def routed(office: str, category: str, dong: str | None) -> str:
            org_id = offices[office].organization_id
            cat = service.find_category(db_session=db, organization_id=org_id, ref=category)
            unit = service.route(
                db_session=db, office_id=offices[office].id, category_id=cat.id, dong=dong
            )
            return unit.code if unit else ""

        assert routed("GR", "TRAFFIC", "가리봉동") == "GR03"
        assert routed("GR", "PATROL", "가리봉동") == "GR02"
        assert routed("GR", "PATROL", "구로3동") == "GR01"
        assert routed("GR", "LIVING-NOISE", "신도림동") == "GR01"
        assert routed("GR", "ADMIN-SERVICE", "구로1동") == "GR00"
        assert routed("DJ", "COMP-LAND", None) == "DJ01"
        assert routed("DJ", "SALE", None) == "DJ02"


def test_the_documented_yaml_example_is_a_valid_file() -> None:
    example = loader.__doc__.split("```yaml\n", 1)[1].split("```", 1)[0]
    doc, _ = parse_org_data(example.encode(), "example.yaml")
    assert doc.organization.settings.work_hours is not None
    assert [s.login for s in doc.staff] == ["gr01.lead", "gr.cs", "hq"]
    assert doc.offices[0].units[1].duties == "112 신고 출동, 방범 순찰"
