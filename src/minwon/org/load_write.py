"""Writing a validated organisation file to the database, section by section: matching by
code (staff by login), updating in place, and reporting every refusal with its place."""

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from minwon.errors import MinwonError
from minwon.org import service, sessions, signin
from minwon.org.load_problems import Loc, Locator, OrgFileError, Problem
from minwon.org.load_report import LoadReport
from minwon.org.models import Category, ClosedDay, Office, Organization, RoutingRule, Staff, Unit
from minwon.org.passwords import password_problem
from minwon.org.schemas import CategoryIn, OfficeIn, OrgFile, RoutingIn, StaffIn, UnitIn
from minwon.org.security import hash_password, verify_password
from minwon.timeutil import utcnow
from minwon.voices.catalog import KINDS

NO_OFFICE_ROLES = ("admin", "hq_analyst")


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
        name = spec.name or (org.name if org is not None else None)
        if name is None:
            return self.fail(("organization", "name"), "새 기관에는 name이 있어야 합니다")
        self._known_kinds(org)
        if self.problems:
            return None
        if org is None:
            org = service.create_organization(
                db_session=self.db, code=spec.code, name=name, settings=spec.settings.stored()
            )
            outcome = "created"
        else:
            settings = {**org.settings, **spec.settings.stored()}
            outcome = _assign(org, name=name, settings=settings)
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
                self.fail(
                    loc + ("name",), "새 본부·경찰서에는 name이 있어야 합니다(엑셀: offices 시트)"
                )
                return None
            office = service.create_office(
                db_session=self.db, organization=self.org, code=spec.code, name=spec.name
            )
            tally.count("created")
        elif office.organization_id != self.org.id:
            self.fail(loc + ("code",), f"다른 기관의 본부·경찰서 코드입니다: {spec.code}")
            return None
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
                ).duties = spec.duties or ""
                tally.count("created")
            return None
        if unit.office_id != office.id:
            return self.fail(loc + ("code",), f"다른 본부·경찰서의 부서 코드입니다: {spec.code}")
        front = unit.is_front_desk if spec.front_desk is None else spec.front_desk
        duties = unit.duties if spec.duties is None else spec.duties
        tally.count(
            _assign(
                unit,
                name=spec.name or unit.name,
                kind=spec.kind or unit.kind,
                is_front_desk=front,
                duties=duties,
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
            self.fail(loc, f"이 기관에 없는 부서 코드입니다: {code}")
            return None
        return unit

    def _office_ref(self, loc: Loc, code: str) -> Office | None:
        office = self.db.scalar(select(Office).where(Office.code == code))
        if office is None or office.organization_id != self.org.id:
            self.fail(loc, f"이 기관에 없는 본부·경찰서 코드입니다: {code}")
            return None
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
            self.fail(
                ("categories", i, "parent"),
                f"상위 분류가 돌고 돕니다: {parent}"
                if parent in in_file
                else f"알 수 없는 상위 분류입니다: {parent}",
            )
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
            self.fail(loc + ("unit",), f"부서 {unit.code}는 {office.code} 소속이 아닙니다")
            return None
        return (office or (unit.office if unit else None)), unit

    def _new_staff(self, loc: Loc, spec: StaffIn, office: Office | None, unit: Unit | None) -> None:
        missing = [name for name in ("name", "role") if getattr(spec, name) is None]
        if missing:
            return self.fail(loc + (missing[0],), "새 직원에게 꼭 있어야 합니다")
        if spec.password is not None:
            hints = (spec.login, spec.name or "", spec.email or "")
            problem = password_problem(spec.password, hints=hints)
            if problem is not None:
                return self.fail(loc + ("password",), problem)
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
            self.db.flush()
            signin.audit(
                db_session=self.db,
                action="staff_created",
                staff=staff,
                actor_id=None,
                now=utcnow(),
                detail={"role": staff.role, "source": "org_file"},
            )
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
        if spec.password:
            problem = password_problem(spec.password, hints=(staff.login, staff.name, staff.email))
            if problem is not None:
                return self.fail(loc + ("password",), problem)
        before = (staff.role, staff.active, staff.office_id, staff.unit_id)
        outcome = _assign(staff, **values)
        after = (staff.role, staff.active, staff.office_id, staff.unit_id)
        reason = "role" if before != after else ""
        if reason:
            signin.audit(
                db_session=self.db,
                action="staff_changed",
                staff=staff,
                actor_id=None,
                now=utcnow(),
                detail={
                    "before": _permissions(before),
                    "after": _permissions(after),
                    "source": "org_file",
                },
            )
        if spec.password and not verify_password(staff.password_hash, spec.password):
            staff.password_hash = hash_password(spec.password)
            outcome, reason = "updated", reason or "password"
        if reason:  # a changed role, office, unit, state or password signs every browser out
            sessions.end_staff_sessions(
                db_session=self.db, staff_id=staff.id, now=utcnow(), reason=reason
            )
        self.report.tallies["staff"].count(outcome)
        return None

    # routing

    def _routing(self) -> None:
        seen: dict[tuple[int, int | None, str | None], Loc] = {}
        for i, spec in enumerate(self.doc.routing):
            loc: Loc = ("routing", i)
            unit = self._rule_unit(loc, spec)
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

    def _rule_unit(self, loc: Loc, spec: RoutingIn) -> Unit | None:
        """The unit a rule sends to; None (with a problem) when it is unknown, or when the
        rule names its office and the unit belongs to another (the rule would be filed under
        the unit's office and never meet the voices it was written for)."""
        unit = self._unit_ref(loc + ("unit",), spec.unit)
        office = self._office_ref(loc + ("office",), spec.office) if spec.office else None
        if unit is None or (spec.office and office is None):
            return None
        if office is not None and unit.office_id != office.id:
            self.fail(loc + ("unit",), f"부서 {unit.code}는 {office.code} 소속이 아닙니다")
            return None
        return unit

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


def _permissions(values: tuple[str, bool, int | None, int | None]) -> dict[str, Any]:
    """What a staff row allows, for the audit trail."""
    role, active, office_id, unit_id = values
    return {"role": role, "active": active, "office_id": office_id, "unit_id": unit_id}


def _generated_password() -> str:
    """A random password for a new account that the file gave none."""
    return secrets.token_urlsafe(12)
