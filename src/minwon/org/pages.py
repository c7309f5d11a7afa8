"""The admin page /admin: the organisation tree, staff, categories, routing rules, small forms
to add to them and the upload of an organisation file. Thin: parse, call the service, render."""

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Depends, Request, UploadFile
from fastapi.responses import Response
from pydantic import BaseModel, ValidationError
from sqlalchemy.orm import Session

from minwon.config import Settings
from minwon.errors import Invalid, MinwonError
from minwon.org import admin_security, loader, passwords, service, sessions, signin, unit_status
from minwon.org.load_problems import Problem
from minwon.org.load_report import SECTIONS, LoadReport
from minwon.org.models import Category, Office, Organization, Staff, Unit
from minwon.org.roles import ROLE_LABELS, Principal
from minwon.org.schemas import (
    CategoryCreate,
    RoutingRuleCreate,
    StaffCreate,
    UnitCreate,
    UnitUpdate,
    korean_message,
)
from minwon.timeutil import utcnow
from minwon.web.deps import CsrfDep, SessionDep, session_timeouts
from minwon.web.error_texts import in_language
from minwon.web.pages import FormDep, PageStaff, flash, redirect, said, tr
from minwon.web.templating import language, render
from minwon.web.text_route import TextRoute

router = APIRouter(route_class=TextRoute, include_in_schema=False)
MAX_UPLOAD = 5 * 1024 * 1024
FIELDS = {  # a form field's name in a message: its interface text key
    "office": "adm_office",
    "organization": "adm_organization",
    "code": "adm_code",
    "name": "adm_name",
    "kind": "adm_kind",
    "front_desk": "adm_front_desk",
    "login": "adm_login",
    "role": "adm_role",
    "unit": "adm_unit",
    "email": "adm_email",
    "password": "adm_password",
    "parent": "adm_parent",
    "category": "adm_category",
    "dong": "adm_dong",
    "priority": "adm_priority",
    "duties": "adm_duties",
    "merged_into": "adm_merge_into",
}
ROLE_ORDER = ("admin", "hq_analyst", "cs_manager", "unit_lead", "officer")
UNIT_STATUSES = ("", "open", "closed", "merged")
"""The unit-change form's intake choices: unchanged, takes voices, closed, merged into the
unit the form names."""
T = TypeVar("T")
M = TypeVar("M", bound=BaseModel)


def page_admin(principal: PageStaff) -> Principal:
    """The caller of an admin page; other staff get the 403 error page with the reason."""
    service.require_admin(principal)
    return principal


PageAdmin = Annotated[Principal, Depends(page_admin)]


@router.get("/admin")
def admin_page(request: Request, db: SessionDep, principal: PageAdmin) -> Response:
    """The organisation tree, staff, categories and routing rules, with forms to add to them."""
    return _render(request, db, principal)


@router.post("/admin/units", dependencies=[CsrfDep])
def add_unit(request: Request, db: SessionDep, principal: PageAdmin, form: FormDep) -> Response:
    """Add a unit to an office."""
    return _act(
        request,
        db,
        principal,
        lambda: service.add_unit(db_session=db, unit_in=_model(UnitCreate, form)),
        lambda u: tr(request, "adm_unit_added", name=u.name, code=u.code),
        failed=("unit", form),
    )


@router.post("/admin/units/change", dependencies=[CsrfDep])
def change_unit(request: Request, db: SessionDep, principal: PageAdmin, form: FormDep) -> Response:
    """Rename a unit, write its duties, close, reopen or merge it (blank fields: unchanged).
    "Merged" needs the unit it was merged into; a form with nothing to change is refused,
    never answered "changed"."""

    def change() -> Unit:
        unit = service.find_unit(db_session=db, ref=form.get("unit", ""))
        fields = {k: form.get(k, "").strip() for k in ("name", "duties", "merged_into")}
        status = form.get("status", "").strip()
        if status not in UNIT_STATUSES:
            raise Invalid("민원 접수는 목록에서 고르세요.", field="status")
        if status == "merged" and not fields["merged_into"]:
            raise Invalid("어느 부서에 합쳤는지 합칠 부서를 고르세요.", field="merged_into")
        if status in ("open", "closed"):
            fields["takes_voices"] = "true" if status == "open" else "false"
        if not status and not any(fields.values()):
            raise Invalid("바꿀 것을 적거나 고르세요: 새 이름, 업무분장, 민원 접수나 합칠 부서.")
        return unit_status.update_unit(db_session=db, unit=unit, change=_model(UnitUpdate, fields))

    return _act(
        request,
        db,
        principal,
        change,
        lambda u: tr(request, "adm_unit_changed", name=u.name, code=u.code),
        failed=("unit-change", form),
    )


@router.post("/admin/staff", dependencies=[CsrfDep])
def add_staff(request: Request, db: SessionDep, principal: PageAdmin, form: FormDep) -> Response:
    """Add a staff member (the admin sets the first password)."""

    def create() -> Any:
        if not form.get("password", ""):
            raise Invalid("첫 비밀번호를 입력하세요.", field="password")
        staff_in = _model(StaffCreate, form)
        return service.add_staff(db_session=db, staff_in=staff_in, actor_id=principal.staff_id)

    return _act(
        request,
        db,
        principal,
        create,
        lambda s: tr(request, "adm_staff_added", name=s.name, login=s.login),
        failed=("staff", form),
    )


@router.post("/admin/categories", dependencies=[CsrfDep])
def add_category(request: Request, db: SessionDep, principal: PageAdmin, form: FormDep) -> Response:
    """Add a category (optionally under a parent)."""
    return _act(
        request,
        db,
        principal,
        lambda: service.add_category(db_session=db, category_in=_model(CategoryCreate, form)),
        lambda c: tr(request, "adm_category_added", name=c.name, code=c.code),
        failed=("category", form),
    )


@router.post("/admin/routing", dependencies=[CsrfDep])
def add_routing_rule(
    request: Request, db: SessionDep, principal: PageAdmin, form: FormDep
) -> Response:
    """Add a routing rule: category and/or 행정동 → unit."""
    return _act(
        request,
        db,
        principal,
        lambda: service.add_routing_rule(db_session=db, rule_in=_model(RoutingRuleCreate, form)),
        lambda r: tr(request, "adm_rule_added"),
        failed=("routing", form),
    )


@router.post("/admin/sessions/end-all", dependencies=[CsrfDep])
def end_all_sessions(request: Request, db: SessionDep, principal: PageAdmin) -> Response:
    """Sign every staff member out at once, the admin included (e.g. after a suspected leak
    of a password or of the secret key); everyone signs in again."""
    ended = admin_security.end_everyone(db, principal=principal, now=utcnow())
    db.commit()
    flash(request, tr(request, "adm_ended_all", n=ended))
    return redirect("/login")


@router.post("/admin/upload", dependencies=[CsrfDep])
def upload(
    request: Request, db: SessionDep, principal: PageAdmin, file: UploadFile | None = None
) -> Response:
    """Load an organisation file (YAML/XLSX). Success: a flash and back; generated passwords
    or errors are shown on the answer itself (too long or too secret for the session cookie)."""
    if file is None or not file.filename:
        flash(request, tr(request, "adm_choose_file"), "error")
        return redirect("/admin")
    data = file.file.read(MAX_UPLOAD + 1)
    if len(data) > MAX_UPLOAD:
        flash(request, tr(request, "adm_too_large", mb=MAX_UPLOAD // 1024 // 1024), "error")
        return redirect("/admin")
    try:
        report = loader.load_org_data(db_session=db, data=data, filename=file.filename)
    except loader.OrgFileError as exc:
        db.rollback()
        problems = problems_in(language(request), exc.problems)
        return _render(request, db, principal, 422, problems=problems, filename=file.filename)
    except MinwonError as exc:
        db.rollback()
        flash(request, said(request, exc), "error")
        return redirect("/admin")
    db.commit()
    if report.passwords:
        summary = _summary(request, report)
        return _render(
            request, db, principal, report=report, summary=summary, filename=file.filename
        )
    for line in _summary(request, report):
        flash(request, line)
    return redirect("/admin")


# ---------------------------------------------------------------- helpers


_SHEET_PLACE = re.compile(r"(\S+) 시트(?: (\d+)행)?(?: ([A-Z]+)열\(([^)]*)\))?")
_FILE_PLACE = re.compile(r"파일(?: (\d+)행 (\d+)열)?")
_WITH_VALUE = re.compile(r"(.*) \(값: (.*)\)", re.DOTALL)


def problems_in(lang: str, problems: list[Problem]) -> list[Problem]:
    """An organisation file's problems in the reader's language: each place (a sheet, row
    and column, or a line of the file) and each message, with the values it quotes."""
    if lang == "ko":
        return problems
    return [Problem(_place_in(p.place), _message_in(lang, p.message)) for p in problems]


def _place_in(place: str) -> str:
    """``units 시트 3행 B열(code)`` → ``sheet units, row 3, column B (code)``; ``파일 3행 5열`` →
    ``file, line 3, column 5``; a YAML path is the same in every language."""
    found = _FILE_PLACE.fullmatch(place)
    if found:
        return "file" + (f", line {found[1]}, column {found[2]}" if found[1] else "")
    return _SHEET_PLACE.sub(_sheet_in, place)


def _sheet_in(found: re.Match[str]) -> str:
    sheet, row, letter, column = found.groups()
    parts = [f"sheet {sheet}"]
    if row:
        parts.append(f"row {row}")
    if letter:
        parts.append(f"column {letter} ({column})")
    return ", ".join(parts)


def _message_in(lang: str, message: str) -> str:
    """A problem's message from the catalog; the wrong value it quotes is kept as written, and
    a place it names (where the same item came first) is translated as a place."""
    quoted = _WITH_VALUE.fullmatch(message)
    if quoted:
        return f"{_message_in(lang, quoted[1])} (value: {quoted[2]})"
    return _place_in(in_language(lang, message))


def _model(model: type[M], form: Mapping[str, str]) -> M:
    """The form as ``model``; empty fields count as not given, the CSRF token is dropped."""
    data = {k: v for k, v in form.items() if k != "csrf_token" and v.strip()}
    return model.model_validate(data)


def _act(
    request: Request,
    db: Session,
    principal: Principal,
    action: Callable[[], T],
    done: Callable[[T], str],
    *,
    failed: tuple[str, Mapping[str, str]],
) -> Response:
    """Run ``action``; commit, flash ``done`` and go back; or roll back and show the page again
    (422) with the reason and the form ``failed`` names still filled in as typed (its
    password aside), each wrong field marked."""
    try:
        result = action()
    except ValidationError as exc:
        db.rollback()
        message = tr(request, "adm_check_input", reasons=_reasons(request, exc))
        errors = {str(e["loc"][0]): _message(request, e) for e in exc.errors() if e["loc"]}
    except MinwonError as exc:
        db.rollback()
        message = said(request, exc)
        errors = {exc.field: message} if exc.field else {}
    else:
        db.commit()
        flash(request, done(result))
        return redirect("/admin")
    flash(request, message, "error")
    name, form = failed
    typed = {k: v for k, v in form.items() if k not in ("csrf_token", "password")}
    return _render(request, db, principal, 422, failed=name, typed=typed, form_errors=errors)


def _reasons(request: Request, exc: ValidationError) -> str:
    """Every field's problem on one line ("Login: …"), in the request's language."""
    parts = []
    for error in exc.errors():
        name = str(error["loc"][0]) if error["loc"] else ""
        label = tr(request, FIELDS[name]) if name in FIELDS else name or tr(request, "adm_input")
        parts.append(f"{label}: {_message(request, error)}")
    return " · ".join(parts)


def _message(request: Request, error: Any) -> str:
    """One Pydantic error in the request's language: the Korean of ``korean_message``, or
    Pydantic's own English (a validator's Korean message through the error catalog)."""
    lang = language(request)
    if lang == "ko":
        return korean_message(error)
    return in_language(lang, str(error["msg"]).removeprefix("Value error, "))


def _summary(request: Request, report: LoadReport) -> list[str]:
    """What an organisation file load did, as ``LoadReport.summary`` in the request's
    language."""
    out = [tr(request, "adm_summary", org=report.organization, n=report.changed)]
    for key in SECTIONS:
        t = report.tallies[key]
        if t.created or t.updated or t.unchanged:
            section = tr(request, f"adm_section_{key}")
            out.append(
                tr(
                    request,
                    "adm_summary_section",
                    section=section,
                    created=t.created,
                    updated=t.updated,
                    unchanged=t.unchanged,
                )
            )
    return out


@dataclass
class OfficeView:
    """An office with its units and their active staff counts."""

    office: Office
    units: list[tuple[Unit, int]]


def _render(
    request: Request, db: Session, principal: Principal, status: int = 200, **extra: Any
) -> Response:
    return render(
        request,
        "org_admin.html",
        status,
        principal=principal,
        **_view(db, principal, request.app.state.settings),
        **extra,
    )


def _view(db: Session, principal: Principal, settings: Settings) -> dict[str, Any]:
    """Everything the admin page shows, by the service's lists."""
    orgs = service.list_organizations(db_session=db)
    offices = service.list_offices(db_session=db, principal=principal)
    counts = service.staff_counts(db_session=db)
    units = service.list_units(db_session=db)
    categories = [
        c for o in orgs for c in service.list_categories(db_session=db, organization_id=o.id)
    ]
    return {
        "tree": _tree(orgs, offices, counts),
        "staff": sorted(service.list_staff(db_session=db, principal=principal), key=_staff_order),
        "categories": _category_rows(categories),
        "category_names": {c.id: c.name for c in categories},
        "rules": service.list_routing_rules(db_session=db),
        "units": units,
        "unit_by_id": {u.id: u for u in units},
        "offices": offices,
        "organizations": orgs,
        "role_labels": ROLE_LABELS,
        "password_min": passwords.MIN_LENGTH,
        **_session_view(db, settings),
    }


def _session_view(db: Session, settings: Settings) -> dict[str, Any]:
    """The sign-in section: valid sessions now and the timeouts, for the admin's decision."""
    timeouts = session_timeouts(settings)
    return {
        "open_sessions": sessions.open_session_count(
            db_session=db, now=utcnow(), timeouts=timeouts
        ),
        "locked_count": len(signin.locked_accounts(db_session=db, now=utcnow())),
        "idle_minutes": timeouts.idle // 60,
        "max_hours": round(timeouts.absolute / 3600, 1),
    }


def _staff_order(staff: Staff) -> tuple[str, str, int, str]:
    """HQ first, then by office and unit; within a unit the lead before the officers."""
    office = staff.office.code if staff.office else ""
    unit = staff.unit.code if staff.unit else ""
    return (
        office,
        unit,
        ROLE_ORDER.index(staff.role) if staff.role in ROLE_ORDER else 9,
        staff.login,
    )


def _tree(
    orgs: list[Organization], offices: list[Office], counts: dict[int, int]
) -> list[tuple[Organization, list[OfficeView]]]:
    return [
        (
            org,
            [
                OfficeView(office, [(u, counts.get(u.id, 0)) for u in office.units])
                for office in offices
                if office.organization_id == org.id
            ],
        )
        for org in orgs
    ]


def _category_rows(categories: list[Category]) -> list[tuple[Category, int]]:
    """Categories in tree order with their depth (parents before their children)."""
    children: dict[int | None, list[Category]] = {}
    for cat in categories:
        children.setdefault(cat.parent_id, []).append(cat)
    known = {c.id for c in categories}
    roots = [c for c in categories if c.parent_id is None or c.parent_id not in known]
    rows: list[tuple[Category, int]] = []

    def walk(cat: Category, depth: int) -> None:
        rows.append((cat, depth))
        for child in children.get(cat.id, []):
            if depth < 20:
                walk(child, depth + 1)

    for root in roots:
        walk(root, 0)
    return rows
