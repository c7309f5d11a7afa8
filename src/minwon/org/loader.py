"""Load an organisation file (YAML or XLSX) into the database: `minwon org load FILE`.

One file describes one organisation: its settings, offices (본부·경찰서) and their units
(팀·지구대·파출소), staff, categories and routing rules.

- **Idempotent**: objects are matched by code (staff by login) and updated in place, never
  duplicated; a re-load of the same file changes nothing. Nothing is ever deleted — leave an
  item out and it stays; set `active: false` to stop a staff account.
- **All-or-nothing**: the load runs in a savepoint of the caller's transaction. Every problem is
  reported with its place — a YAML path such as `offices[1].units[0].code`, or sheet, row and
  column such as `units 시트 3행 B열(code)` — and nothing is written when there is any.
- **Passwords**: a new staff member without `password` gets a generated one, reported once;
  re-loads leave existing passwords alone unless the file gives a new one.

### YAML

```yaml
organization:
  code: DEMO                  # required; matched on re-load
  name: minwon 데모            # required when the organisation is new
  settings:                   # optional; each key given replaces the stored one
    periods:                  # processing period in working days per kind:
      complaint: 7            #   0 = immediately (3 working hours), null = no deadline
      praise: null
      patrol_request: 3       # the legal kinds and the organisation's own kinds only
    work_hours: {start: "09:00", end: "18:00", lunch_start: "12:00", lunch_end: "13:00"}
    kinds:                    # the organisation's own kinds beside the legal ones
      patrol_request: {label: 순찰 요청, period: 3}
    closed_days:              # days without deadline counting; added or updated
      - {day: 2026-12-31, reason: 연말 전산 점검}
offices:                      # name may be left out for an office that exists
  - code: GR
    name: 구로경찰서
    units:                    # kind is free text (default "team"); one front desk per office
      - {code: GR00, name: 민원실, kind: 민원실, front_desk: true}
      - {code: GR01, name: 구로지구대, kind: 지구대}
staff:                        # role: officer, unit_lead, cs_manager, hq_analyst, admin
  - {login: gr01.lead, name: 김민수, role: unit_lead, unit: GR01,
     email: gr01.lead@example.com, password: change-me-please}
  - {login: gr.cs, name: 이서연, role: cs_manager, office: GR}     # password generated
  - {login: hq, name: 문정호, role: hq_analyst}                    # HQ and admin: no office
categories:                   # parent: another category's code; any order
  - {code: TRAFFIC-PARKING, name: 불법 주정차, parent: TRAFFIC}
  - {code: TRAFFIC, name: 교통}
routing:                      # category and/or 행정동 (dong) → unit, in the unit's office
  - {category: TRAFFIC, unit: GR03, priority: 10}
  - {category: PATROL, dong: 가리봉동, unit: GR02}
  - {dong: 구로1동, unit: GR01, priority: 200}
```

Staff need an `office` or a `unit` (the unit's office is then taken) unless they are
hq_analyst or admin. A routing rule is matched on (office, category, dong); a re-load updates
its unit and priority (default 100). When a voice is routed, category + 행정동 beats either
alone, then the lower priority wins; a child category needs its own rule. Quote clock times
("18:00"); unquoted ones are read correctly too.

### XLSX

One sheet per section, named as below. The first row holds the column names (any order;
unknown names are an error), each further row is one item; empty rows are skipped. Only the
`organization` sheet is required; other sheet names are an error.

| sheet          | columns |
|----------------|---------|
| `organization` | `key`, `value` (rows: `code`, `name`, then settings by dotted key) |
| `closed_days`  | `day`, `reason` |
| `offices`      | `code`, `name` |
| `units`        | `office`, `code`, `name`, `kind`, `front_desk` (예/아니오, Y/N, O/X) |
| `staff`        | `login`, `name`, `role`, `office`, `unit`, `email`, `password`, `active` |
| `categories`   | `code`, `name`, `parent` |
| `routing`      | `category`, `dong`, `unit`, `priority` |

Dotted settings keys on `organization`: `periods.complaint` (an empty value = no deadline),
`work_hours.start`, `work_hours.end`, `work_hours.lunch_start`, `work_hours.lunch_end`,
`kinds.patrol_request.label`, `kinds.patrol_request.period`. Dates and clock times may be
Excel dates/times or text. A `units` row may name an office that already exists without
listing it on `offices`.
"""

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from io import BytesIO
from pathlib import Path
from typing import Any

import yaml
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from minwon.errors import Conflict, Invalid, MinwonError
from minwon.org import rules, service
from minwon.org.models import Category, ClosedDay, Office, Organization, RoutingRule, Staff, Unit
from minwon.org.schemas import CategoryIn, OfficeIn, OrgFile, StaffIn, UnitIn, korean_message
from minwon.org.security import hash_password, verify_password
from minwon.voices.catalog import KINDS

Loc = tuple[str | int, ...]
SECTIONS = {
    "organization": "기관",
    "closed_days": "휴무일",
    "offices": "본부·경찰서",
    "units": "부서",
    "staff": "직원",
    "categories": "분류",
    "routing": "배정 규칙",
}
DEMO_FILE = Path(__file__).resolve().parent.parent / "demo" / "demo_org.yaml"
XLSX_SHEETS = ("organization", "closed_days", "offices", "units", "staff", "categories", "routing")
NO_OFFICE_ROLES = ("admin", "hq_analyst")


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the file, and where."""

    place: str
    message: str

    def __str__(self) -> str:
        return f"{self.place}: {self.message}"


class OrgFileError(Invalid):
    """The file cannot be loaded; ``problems`` lists every place to fix."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        shown = "; ".join(str(p) for p in problems[:3])
        more = f" 외 {len(problems) - 3}건" if len(problems) > 3 else ""
        super().__init__(f"조직 파일에 오류가 {len(problems)}건 있습니다: {shown}{more}")


@dataclass
class Tally:
    """How many items of a section were created, updated or left as they were."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0

    def count(self, outcome: str) -> None:
        """Add one ``outcome`` ("created", "updated" or "unchanged")."""
        setattr(self, outcome, getattr(self, outcome) + 1)


@dataclass
class LoadReport:
    """What a load did, per section, and the passwords it generated (shown once)."""

    organization: str
    tallies: dict[str, Tally] = field(default_factory=lambda: {key: Tally() for key in SECTIONS})
    passwords: dict[str, str] = field(default_factory=dict)

    @property
    def changed(self) -> int:
        """How many objects were created or updated."""
        return sum(t.created + t.updated for t in self.tallies.values())

    def summary(self) -> list[str]:
        """The counts as Korean lines, without any password."""
        out = [f"기관 {self.organization}: 새로 만들거나 바꾼 항목 {self.changed}개"]
        for key, label in SECTIONS.items():
            t = self.tallies[key]
            if t.created or t.updated or t.unchanged:
                out.append(f"{label}: 새로 {t.created}, 변경 {t.updated}, 그대로 {t.unchanged}")
        return out

    def lines(self) -> list[str]:
        """The whole report for a terminal: the counts, then each generated password."""
        passwords = [f"생성된 비밀번호 {login}: {pw}" for login, pw in self.passwords.items()]
        return self.summary() + passwords


def load_org_file(*, db_session: Session, path: Path) -> LoadReport:
    """Load the YAML or XLSX organisation file at ``path`` in the caller's transaction."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise Invalid(f"파일을 읽을 수 없습니다: {path} ({exc.strerror})", field="file") from exc
    return load_org_data(db_session=db_session, data=data, filename=path.name)


def load_org_data(*, db_session: Session, data: bytes, filename: str) -> LoadReport:
    """Load an organisation file's bytes; the format follows the name (.yaml/.yml/.xlsx).

    Runs in a SAVEPOINT of the caller's transaction, so an error leaves nothing written even
    if the caller goes on; the caller commits.
    """
    doc, where = parse_org_data(data, filename)
    try:
        with db_session.begin_nested():
            report = _Apply(db_session, doc, where).run()
        rules.forget()
        return report
    except IntegrityError as exc:
        raise Conflict("다른 작업과 동시에 같은 항목을 만들었습니다. 다시 시도하세요.") from exc


def parse_org_data(data: bytes, filename: str) -> tuple[OrgFile, "Locator"]:
    """Read and validate a file without touching the database; raises OrgFileError."""
    suffix = Path(filename).suffix.lower()
    if suffix in (".yaml", ".yml"):
        raw, where = _read_yaml(data), Locator()
    elif suffix == ".xlsx":
        raw, places = _read_xlsx(data)
        where = Locator(places)
    else:
        raise Invalid(
            f"YAML(.yaml, .yml)이나 엑셀(.xlsx) 파일이어야 합니다: {filename}", field="file"
        )
    try:
        return OrgFile.model_validate(raw), where
    except ValidationError as exc:
        problems = [Problem(where(e["loc"]), korean_message(e)) for e in exc.errors()]
        raise OrgFileError(problems) from exc


# ---------------------------------------------------------------- places and messages


class Locator:
    """Turns a location in the document into a place a person can find in the file."""

    def __init__(self, places: dict[Loc, str] | None = None) -> None:
        self.places = places

    def __call__(self, loc: Loc) -> str:
        """``offices[1].units[0].code`` for YAML; the sheet, row and column for XLSX."""
        if self.places is not None:
            for n in range(len(loc), 0, -1):
                if loc[:n] in self.places:
                    rest = yaml_path(loc[n:])
                    return self.places[loc[:n]] + (f" {rest}" if rest else "")
        return yaml_path(loc) or "파일"


def yaml_path(loc: Loc) -> str:
    """A location as a YAML path: ``offices[1].units[0].code``."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


# ---------------------------------------------------------------- reading


def _read_yaml(data: bytes) -> Any:
    try:
        raw = yaml.safe_load(data.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise Invalid("YAML 파일은 UTF-8로 저장해야 합니다.", field="file") from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{mark.line + 1}행 {mark.column + 1}열: " if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise OrgFileError([Problem("파일", f"{where}YAML 문법 오류 — {problem}")]) from exc
    if not isinstance(raw, dict):
        raise OrgFileError([Problem("파일", "맨 위는 organization, offices … 묶음이어야 합니다")])
    return raw


def _cell(value: Any) -> Any:
    """A spreadsheet value as the YAML reader would give it (empty text is no value)."""
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, datetime) and value.time() == datetime.min.time():
        return value.date()
    return value


@dataclass
class _Sheet:
    """One worksheet's rows as {column: value}, with where each row and cell came from."""

    name: str
    rows: list[tuple[int, dict[str, Any]]]
    columns: dict[str, str]

    def place(self, row: int, column: str | None = None) -> str:
        """``units 시트 3행`` or ``units 시트 3행 B열(code)``."""
        text = f"{self.name} 시트 {row}행"
        return f"{text} {self.columns[column]}열({column})" if column else text


def _read_sheet(ws: Any) -> _Sheet:
    rows = list(ws.iter_rows(values_only=True))
    header = [str(c).strip().lower() if c is not None else "" for c in (rows[0] if rows else ())]
    columns = {name: get_column_letter(i + 1) for i, name in enumerate(header) if name}
    out = []
    for number, row in enumerate(rows[1:], start=2):
        values = {h: _cell(v) for h, v in zip(header, row, strict=False) if h}
        if any(v is not None for v in values.values()):
            out.append((number, {k: v for k, v in values.items() if v is not None}))
    return _Sheet(ws.title.strip().lower(), out, columns)


def _read_xlsx(data: bytes) -> tuple[dict[str, Any], dict[Loc, str]]:
    try:
        book = load_workbook(BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # any damage to the zip or XML means "not a workbook"
        raise Invalid(
            "엑셀(.xlsx) 파일을 읽을 수 없습니다. 파일이 손상되었는지 확인하세요."
        ) from exc
    sheets = {ws.title.strip().lower(): _read_sheet(ws) for ws in book.worksheets}
    book.close()
    unknown = sorted(set(sheets) - set(XLSX_SHEETS))
    if unknown:
        names = ", ".join(XLSX_SHEETS)
        raise OrgFileError(
            [Problem(f"{n} 시트", f"알 수 없는 시트입니다({names})") for n in unknown]
        )
    if "organization" not in sheets:
        raise OrgFileError([Problem("파일", "organization 시트가 있어야 합니다")])
    return _Workbook(sheets).document()


class _Workbook:
    """Builds the YAML-shaped document from the sheets, remembering each item's place."""

    def __init__(self, sheets: dict[str, _Sheet]) -> None:
        self.sheets = sheets
        self.doc: dict[str, Any] = {}
        self.places: dict[Loc, str] = {}
        self.problems: list[Problem] = []

    def document(self) -> tuple[dict[str, Any], dict[Loc, str]]:
        """The document and the places of its items; OrgFileError on a malformed sheet."""
        self._organization(self.sheets["organization"])
        if self.problems:
            raise OrgFileError(self.problems)
        for name in ("offices", "units", "staff", "categories", "routing", "closed_days"):
            if name in self.sheets:
                getattr(self, f"_{name}")(self.sheets[name])
        return self.doc, self.places

    def _rows(self, sheet: _Sheet, loc: Loc, skip: tuple[str, ...] = ()) -> list[dict[str, Any]]:
        items = []
        for i, (number, values) in enumerate(sheet.rows):
            self._remember(sheet, number, loc + (i,), values, skip)
            items.append({k: v for k, v in values.items() if k not in skip})
        return items

    def _remember(
        self, sheet: _Sheet, number: int, loc: Loc, values: dict[str, Any], skip: tuple = ()
    ) -> None:
        self.places[loc] = sheet.place(number)
        for column in values:
            if column not in skip:
                self.places[loc + (column,)] = sheet.place(number, column)

    def _organization(self, sheet: _Sheet) -> None:
        org: dict[str, Any] = {"settings": {}}
        self.places[("organization",)] = "organization 시트"
        missing = [c for c in ("key", "value") if c not in sheet.columns]
        if missing:
            self.problems.append(Problem("organization 시트 1행", "key, value 열이 있어야 합니다"))
            return
        for number, values in sheet.rows:
            key = str(values.get("key", "")).strip()
            if not key:
                self.problems.append(Problem(sheet.place(number, "key"), "key가 비어 있습니다"))
                continue
            path = [key] if key in ("code", "name") else ["settings", *key.split(".")]
            self.places[("organization", *path)] = sheet.place(number, "value")
            _put(org, path, values.get("value"))
        self.doc["organization"] = org

    def _closed_days(self, sheet: _Sheet) -> None:
        loc: Loc = ("organization", "settings", "closed_days")
        self.doc["organization"]["settings"]["closed_days"] = self._rows(sheet, loc)

    def _offices(self, sheet: _Sheet) -> None:
        self.doc["offices"] = self._rows(sheet, ("offices",))

    def _units(self, sheet: _Sheet) -> None:
        offices = self.doc.setdefault("offices", [])
        for number, values in sheet.rows:
            code = values.get("office")
            index = next((i for i, o in enumerate(offices) if o.get("code") == code), None)
            if index is None:
                index = len(offices)
                offices.append({"code": code})
                self.places[("offices", index)] = sheet.place(number)
                key = "office" if "office" in sheet.columns else None
                self.places[("offices", index, "code")] = sheet.place(number, key)
                self.places[("offices", index, "name")] = sheet.place(number, key)
            units = offices[index].setdefault("units", [])
            loc: Loc = ("offices", index, "units", len(units))
            self._remember(sheet, number, loc, values, ("office",))
            units.append({k: v for k, v in values.items() if k != "office"})

    def _staff(self, sheet: _Sheet) -> None:
        self.doc["staff"] = self._rows(sheet, ("staff",))

    def _categories(self, sheet: _Sheet) -> None:
        self.doc["categories"] = self._rows(sheet, ("categories",))

    def _routing(self, sheet: _Sheet) -> None:
        self.doc["routing"] = self._rows(sheet, ("routing",))


def _put(target: dict[str, Any], path: list[Any], value: Any) -> None:
    """Set ``value`` at a dotted ``path`` inside nested dicts (a clash keeps the first)."""
    for part in path[:-1]:
        nxt = target.setdefault(part, {})
        if not isinstance(nxt, dict):
            return
        target = nxt
    target.setdefault(path[-1], value)


# ---------------------------------------------------------------- writing


def _assign(obj: Any, **values: Any) -> str:
    """Set the attributes that differ; "updated" if any did, else "unchanged"."""
    changed = False
    for key, value in values.items():
        if getattr(obj, key) != value:
            setattr(obj, key, value)
            changed = True
    return "updated" if changed else "unchanged"


class _Apply:
    """Writes a validated file section by section; stops after a section with problems."""

    def __init__(self, db: Session, doc: OrgFile, where: Locator) -> None:
        self.db, self.doc, self.where = db, doc, where
        self.report = LoadReport(organization=doc.organization.code)
        self.problems: list[Problem] = []
        self.org: Organization

    def run(self) -> LoadReport:
        steps = (self._duplicates, self._organization, self._offices, self._categories)
        for step in (*steps, self._staff, self._routing):
            step()
            if self.problems:
                raise OrgFileError(self.problems)
        self.db.flush()
        return self.report

    def fail(self, loc: Loc, message: str) -> None:
        self.problems.append(Problem(self.where(loc), message))

    @contextmanager
    def guard(self, loc: Loc) -> Iterator[None]:
        """Record a service's refusal as a problem at ``loc`` (and its field) and go on."""
        try:
            yield
        except MinwonError as exc:
            self.fail(loc + ((exc.field,) if exc.field else ()), exc.message)

    def _duplicates(self) -> None:
        doc, days = self.doc, self.doc.organization.settings.closed_days
        self._unique([(("offices", i), o.code) for i, o in enumerate(doc.offices)])
        self._unique(
            [
                (("offices", i, "units", j), u.code)
                for i, o in enumerate(doc.offices)
                for j, u in enumerate(o.units)
            ]
        )
        self._unique([(("staff", i), s.login) for i, s in enumerate(doc.staff)])
        self._unique([(("categories", i), c.code) for i, c in enumerate(doc.categories)])
        self._unique(
            [(("organization", "settings", "closed_days", i), d.day) for i, d in enumerate(days)]
        )

    def _unique(self, items: list[tuple[Loc, Any]]) -> None:
        """A problem for every item whose key an earlier item of the file already used."""
        first: dict[Any, Loc] = {}
        for loc, key in items:
            if key in first:
                self.fail(loc, f"파일에 두 번 나옵니다: {key} (처음: {self.where(first[key])})")
            first.setdefault(key, loc)

    # organisation and closed days

    def _organization(self) -> None:
        spec = self.doc.organization
        org = self.db.scalar(select(Organization).where(Organization.code == spec.code))
        if org is None and not spec.name:
            return self.fail(("organization", "name"), "새 기관에는 name이 있어야 합니다")
        self._known_kinds(org)
        if self.problems:
            return None
        if org is None:
            org = service.create_organization(
                db_session=self.db, code=spec.code, name=spec.name, settings=spec.settings.stored()
            )
            outcome = "created"
        else:
            settings = {**org.settings, **spec.settings.stored()}
            outcome = _assign(org, name=spec.name or org.name, settings=settings)
        self.report.tallies["organization"].count(outcome)
        self.org = org
        self._closed_days()

    def _known_kinds(self, org: Organization | None) -> None:
        """Periods may name the legal kinds and the organisation's own (file or stored)."""
        settings = self.doc.organization.settings
        stored = org.settings.get("kinds", {}) if org is not None else {}
        known = {**KINDS, **stored, **(settings.kinds or {})}
        for kind in settings.periods or {}:
            if kind not in known:
                loc = ("organization", "settings", "periods", kind)
                self.fail(loc, f"알 수 없는 민원 종류입니다(kinds에 먼저 정의하세요): {kind}")

    def _closed_days(self) -> None:
        tally = self.report.tallies["closed_days"]
        for spec in self.doc.organization.settings.closed_days:
            row = self.db.scalar(
                select(ClosedDay).where(
                    ClosedDay.organization_id == self.org.id, ClosedDay.day == spec.day
                )
            )
            if row is None:
                service.add_closed_day(
                    db_session=self.db, organization=self.org, day=spec.day, reason=spec.reason
                )
                tally.count("created")
            else:
                tally.count(_assign(row, reason=spec.reason))

    # offices and units

    def _offices(self) -> None:
        for i, spec in enumerate(self.doc.offices):
            office = self._office(("offices", i), spec)
            if office is not None:
                for j, unit in enumerate(spec.units):
                    self._unit(("offices", i, "units", j), office, unit)
                self._one_front_desk(("offices", i), office, spec)

    def _office(self, loc: Loc, spec: OfficeIn) -> Office | None:
        tally = self.report.tallies["offices"]
        office = self.db.scalar(select(Office).where(Office.code == spec.code))
        if office is None:
            if not spec.name:
                return self.fail(
                    loc + ("name",), "새 본부·경찰서에는 name이 있어야 합니다(엑셀: offices 시트)"
                )
            office = service.create_office(
                db_session=self.db, organization=self.org, code=spec.code, name=spec.name
            )
            tally.count("created")
        elif office.organization_id != self.org.id:
            return self.fail(loc + ("code",), f"다른 기관의 본부·경찰서 코드입니다: {spec.code}")
        else:
            tally.count(_assign(office, name=spec.name or office.name))
        return office

    def _unit(self, loc: Loc, office: Office, spec: UnitIn) -> None:
        tally = self.report.tallies["units"]
        unit = self.db.scalar(select(Unit).where(Unit.code == spec.code))
        if unit is None and not spec.name:
            return self.fail(loc + ("name",), "새 부서에는 name이 있어야 합니다")
        if unit is None:
            with self.guard(loc):
                service.create_unit(
                    db_session=self.db,
                    office=office,
                    code=spec.code,
                    name=spec.name or "",
                    kind=spec.kind or "team",
                    is_front_desk=bool(spec.front_desk),
                )
                tally.count("created")
            return None
        if unit.office_id != office.id:
            return self.fail(loc + ("code",), f"다른 본부·경찰서의 부서 코드입니다: {spec.code}")
        front = unit.is_front_desk if spec.front_desk is None else spec.front_desk
        tally.count(
            _assign(
                unit, name=spec.name or unit.name, kind=spec.kind or unit.kind, is_front_desk=front
            )
        )
        return None

    def _one_front_desk(self, loc: Loc, office: Office, spec: OfficeIn) -> None:
        self.db.flush()
        codes = self.db.scalars(
            select(Unit.code).where(Unit.office_id == office.id, Unit.is_front_desk.is_(True))
        ).all()
        if len(codes) > 1:
            where = next((j for j, u in enumerate(spec.units) if u.front_desk), None)
            at = loc + ("units", where, "front_desk") if where is not None else loc
            self.fail(at, f"민원실(front_desk)은 한 곳만 둘 수 있습니다: {', '.join(codes)}")

    def _unit_ref(self, loc: Loc, code: str) -> Unit | None:
        unit = self.db.scalar(select(Unit).where(Unit.code == code))
        if unit is None or unit.office.organization_id != self.org.id:
            return self.fail(loc, f"이 기관에 없는 부서 코드입니다: {code}")
        return unit

    def _office_ref(self, loc: Loc, code: str) -> Office | None:
        office = self.db.scalar(select(Office).where(Office.code == code))
        if office is None or office.organization_id != self.org.id:
            return self.fail(loc, f"이 기관에 없는 본부·경찰서 코드입니다: {code}")
        return office

    # categories

    def _categories(self) -> None:
        for i in self._category_order():
            self._category(("categories", i), self.doc.categories[i])

    def _category_order(self) -> list[int]:
        """Indexes of the file's categories, parents before children; problems for the rest."""
        specs = self.doc.categories
        in_file = {c.code for c in specs}
        placed: set[str] = set()
        order: list[int] = []
        pending = list(range(len(specs)))
        while pending:
            ready = [i for i in pending if self._parent_ready(specs[i], in_file, placed)]
            if not ready:
                break
            order += ready
            placed |= {specs[i].code for i in ready}
            pending = [i for i in pending if i not in ready]
        for i in pending:
            parent = specs[i].parent
            why = "상위 분류가 돌고 돕니다" if parent in in_file else "알 수 없는 상위 분류입니다"
            self.fail(("categories", i, "parent"), f"{why}: {parent}")
        return order

    def _parent_ready(self, spec: CategoryIn, in_file: set[str], placed: set[str]) -> bool:
        if spec.parent is None or spec.parent in placed:
            return True
        return spec.parent not in in_file and self._category_by_code(spec.parent) is not None

    def _category_by_code(self, code: str) -> Category | None:
        return self.db.scalar(
            select(Category).where(Category.organization_id == self.org.id, Category.code == code)
        )

    def _category(self, loc: Loc, spec: CategoryIn) -> None:
        tally = self.report.tallies["categories"]
        parent = self._category_by_code(spec.parent) if spec.parent else None
        cat = self._category_by_code(spec.code)
        if cat is None:
            service.create_category(
                db_session=self.db,
                organization=self.org,
                code=spec.code,
                name=spec.name,
                parent=parent,
            )
            return tally.count("created")
        tally.count(_assign(cat, name=spec.name, parent_id=parent.id if parent else None))
        if self._loops(cat):
            self.fail(loc + ("parent",), f"상위 분류가 돌고 돕니다: {spec.parent}")

    def _loops(self, cat: Category) -> bool:
        seen = {cat.id}
        parent_id = cat.parent_id
        while parent_id is not None:
            if parent_id in seen:
                return True
            seen.add(parent_id)
            parent = self.db.get(Category, parent_id)
            parent_id = parent.parent_id if parent else None
        return False

    # staff

    def _staff(self) -> None:
        for i, spec in enumerate(self.doc.staff):
            loc: Loc = ("staff", i)
            placed = self._staff_place(loc, spec)
            if placed is None:
                continue
            office, unit = placed
            staff = self.db.scalar(select(Staff).where(Staff.login == spec.login))
            if staff is None:
                self._new_staff(loc, spec, office, unit)
            else:
                self._update_staff(loc, staff, spec, office, unit)

    def _staff_place(self, loc: Loc, spec: StaffIn) -> tuple[Office | None, Unit | None] | None:
        unit = self._unit_ref(loc + ("unit",), spec.unit) if spec.unit else None
        office = self._office_ref(loc + ("office",), spec.office) if spec.office else None
        if (spec.unit and unit is None) or (spec.office and office is None):
            return None
        if unit is not None and office is not None and unit.office_id != office.id:
            return self.fail(loc + ("unit",), f"부서 {unit.code}는 {office.code} 소속이 아닙니다")
        return (office or (unit.office if unit else None)), unit

    def _new_staff(self, loc: Loc, spec: StaffIn, office: Office | None, unit: Unit | None) -> None:
        missing = [name for name in ("name", "role") if getattr(spec, name) is None]
        if missing:
            return self.fail(loc + (missing[0],), "새 직원에게 꼭 있어야 합니다")
        password = spec.password or _generated_password()
        with self.guard(loc):
            staff = service.create_staff(
                db_session=self.db,
                login=spec.login,
                name=spec.name or "",
                role=spec.role or "",
                password=password,
                office=office,
                unit=unit,
                email=spec.email or "",
            )
            staff.active = True if spec.active is None else spec.active
            self.report.tallies["staff"].count("created")
            if spec.password is None:
                self.report.passwords[spec.login] = password
        return None

    def _update_staff(
        self, loc: Loc, staff: Staff, spec: StaffIn, office: Office | None, unit: Unit | None
    ) -> None:
        values: dict[str, Any] = {
            "name": spec.name or staff.name,
            "role": spec.role or staff.role,
            "email": staff.email if spec.email is None else spec.email,
            "active": staff.active if spec.active is None else spec.active,
        }
        if office is not None:
            keep = unit is None and staff.unit is not None and staff.unit.office_id == office.id
            values |= {
                "office_id": office.id,
                "unit_id": unit.id if unit else (staff.unit_id if keep else None),
            }
        if values["role"] not in NO_OFFICE_ROLES and (
            values.get("office_id", staff.office_id) is None
        ):
            return self.fail(loc + ("office",), "이 역할의 직원은 소속 본부·경찰서가 있어야 합니다")
        outcome = _assign(staff, **values)
        if spec.password and not verify_password(staff.password_hash, spec.password):
            staff.password_hash = hash_password(spec.password)
            outcome = "updated"
        self.report.tallies["staff"].count(outcome)
        return None

    # routing

    def _routing(self) -> None:
        seen: dict[tuple[int, int | None, str | None], Loc] = {}
        for i, spec in enumerate(self.doc.routing):
            loc: Loc = ("routing", i)
            unit = self._unit_ref(loc + ("unit",), spec.unit)
            category = self._category_by_code(spec.category) if spec.category else None
            if spec.category and category is None:
                self.fail(loc + ("category",), f"알 수 없는 분류 코드입니다: {spec.category}")
            if unit is None or (spec.category and category is None):
                continue
            key = (unit.office_id, category.id if category else None, spec.dong)
            if key in seen:
                self.fail(
                    loc, f"같은 분류·행정동의 규칙이 두 번 나옵니다 (처음: {self.where(seen[key])})"
                )
                continue
            seen[key] = loc
            self._rule(unit, category, spec.dong, spec.priority)

    def _rule(self, unit: Unit, category: Category | None, dong: str | None, priority: int) -> None:
        tally = self.report.tallies["routing"]
        query = select(RoutingRule).where(
            RoutingRule.office_id == unit.office_id,
            RoutingRule.category_id.is_(None)
            if category is None
            else RoutingRule.category_id == category.id,
            RoutingRule.dong.is_(None) if dong is None else RoutingRule.dong == dong,
        )
        rule = self.db.scalars(query.order_by(RoutingRule.id)).first()
        if rule is None:
            service.create_routing_rule(
                db_session=self.db, unit=unit, category=category, dong=dong, priority=priority
            )
            return tally.count("created")
        tally.count(_assign(rule, unit_id=unit.id, priority=priority))


def _generated_password() -> str:
    """A random password for a new account that the file gave none."""
    return secrets.token_urlsafe(12)
