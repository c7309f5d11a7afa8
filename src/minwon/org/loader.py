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
      - {code: GR01, name: 구로지구대, kind: 지구대, duties: '112 신고 출동, 방범 순찰'}
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
  - {office: GR, dong: 구로1동, unit: GR01, priority: 200}   # office: checked against the unit
```

Staff need an `office` or a `unit` (the unit's office is then taken) unless they are
hq_analyst or admin. A routing rule is matched on (office, category, dong); a re-load updates
its unit and priority (default 100). A rule may name its `office`: its unit must then be one
of that office's units (a unit of another office is a problem). When a voice is routed,
category + 행정동 beats either alone, then the lower priority wins; a child category needs its
own rule. Quote clock times ("18:00"); unquoted ones are read correctly too.

### XLSX

One sheet per section, named as below. The first row holds the column names (any order;
unknown names are an error), each further row is one item; empty rows are skipped. Only the
`organization` sheet is required; other sheet names are an error.

| sheet          | columns |
|----------------|---------|
| `organization` | `key`, `value` (rows: `code`, `name`, then settings by dotted key) |
| `closed_days`  | `day`, `reason` |
| `offices`      | `code`, `name` |
| `units`        | `office`, `code`, `name`, `kind`, `front_desk` (예/아니오, Y/N, O/X), `duties` |
| `staff`        | `login`, `name`, `role`, `office`, `unit`, `email`, `password`, `active` |
| `categories`   | `code`, `name`, `parent` |
| `routing`      | `office`, `category`, `dong`, `unit`, `priority` |

Dotted settings keys on `organization`: `periods.complaint` (an empty value = no deadline),
`work_hours.start`, `work_hours.end`, `work_hours.lunch_start`, `work_hours.lunch_end`,
`kinds.patrol_request.label`, `kinds.patrol_request.period`. Dates and clock times may be
Excel dates/times or text. A `units` row may name an office that already exists without
listing it on `offices`.
"""

from pathlib import Path

from pydantic import ValidationError
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from minwon.errors import Conflict, Invalid
from minwon.org import rules
from minwon.org.load_problems import Loc, Locator, OrgFileError, Problem, yaml_path
from minwon.org.load_read import XLSX_SHEETS, _read_xlsx, _read_yaml
from minwon.org.load_report import SECTIONS, LoadReport, Tally
from minwon.org.load_write import NO_OFFICE_ROLES, _Apply
from minwon.org.schemas import OrgFile, korean_message
from minwon.textutil import without_nuls

# The names other code imports from here; the parts live in the load_* modules.
__all__ = [
    "DEMO_FILE",
    "NO_OFFICE_ROLES",
    "SECTIONS",
    "XLSX_SHEETS",
    "Loc",
    "LoadReport",
    "Locator",
    "OrgFileError",
    "Problem",
    "Tally",
    "load_org_data",
    "load_org_file",
    "parse_org_data",
    "yaml_path",
]

DEMO_FILE = Path(__file__).resolve().parent.parent / "demo" / "demo_org.yaml"


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


def parse_org_data(data: bytes, filename: str) -> tuple[OrgFile, Locator]:
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
    try:  # YAML writes a NUL as "\0", which PostgreSQL cannot store: dropped like a form's
        return OrgFile.model_validate(without_nuls(raw)), where
    except ValidationError as exc:
        problems = [Problem(where(e["loc"]), korean_message(e)) for e in exc.errors()]
        raise OrgFileError(problems) from exc
