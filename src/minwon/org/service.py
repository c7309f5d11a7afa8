"""The organisation tree, staff, categories and routing rules."""

from datetime import date, time
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from minwon.errors import Conflict, Forbidden, Invalid, NotFound, Unauthorized
from minwon.org import rules, sessions, signin, tokens
from minwon.org.models import (
    Category,
    ClosedDay,
    Office,
    Organization,
    RoutingRule,
    Staff,
    Unit,
)
from minwon.org.passwords import check_password
from minwon.org.roles import ADMIN, LEADS, ROLES, Principal
from minwon.org.schemas import (
    CategoryCreate,
    OfficeCreate,
    RoutingRuleCreate,
    StaffCreate,
    UnitCreate,
)
from minwon.org.security import (
    hash_password,
    verify_dummy,
    verify_password,
)
from minwon.timeutil import utcnow
from minwon.voices.deadlines import WorkCalendar


def create_organization(
    *, db_session: Session, code: str, name: str, settings: dict[str, Any] | None = None
) -> Organization:
    """Add an organisation; its ``settings`` hold deadline periods and working hours."""
    _require_new(db_session, Organization, code)
    org = Organization(code=code, name=name, settings=settings or {})
    db_session.add(org)
    db_session.flush()
    rules.forget()
    return org


def create_office(
    *, db_session: Session, organization: Organization, code: str, name: str
) -> Office:
    """Add an office (본부·경찰서) under ``organization``."""
    _require_new(db_session, Office, code)
    office = Office(organization_id=organization.id, code=code, name=name)
    db_session.add(office)
    db_session.flush()
    return office


def create_unit(
    *,
    db_session: Session,
    office: Office,
    code: str,
    name: str,
    kind: str = "team",
    is_front_desk: bool = False,
) -> Unit:
    """Add a unit with its own ledger; ``code`` prefixes its ledger numbers."""
    if not code.replace("-", "").replace("_", "").isalnum():
        raise Invalid(f"부서 코드 '{code}'에는 글자와 숫자만 쓸 수 있습니다.", field="code")
    _require_new(db_session, Unit, code)
    unit = Unit(office_id=office.id, code=code, name=name, kind=kind, is_front_desk=is_front_desk)
    db_session.add(unit)
    db_session.flush()
    return unit


def create_staff(
    *,
    db_session: Session,
    login: str,
    name: str,
    role: str,
    password: str | None = None,
    office: Office | None = None,
    unit: Unit | None = None,
    email: str = "",
) -> Staff:
    """Add a staff account; office staff must belong to an office, HQ and admin need not."""
    if role not in ROLES:
        raise Invalid(f"알 수 없는 역할입니다: {role}", field="role")
    if db_session.scalar(select(Staff.id).where(Staff.login == login)):
        raise Conflict(f"이미 있는 로그인 아이디입니다: {login}", field="login")
    if unit is not None and office is None:
        office = unit.office
    if office is None and role not in ("admin", "hq_analyst"):
        raise Invalid("이 역할의 직원은 소속 기관(본부·경찰서)이 있어야 합니다.", field="office")
    staff = Staff(
        login=login,
        name=name,
        role=role,
        email=email,
        office_id=office.id if office else None,
        unit_id=unit.id if unit else None,
        password_hash=hash_password(password) if password else "",
    )
    db_session.add(staff)
    db_session.flush()
    return staff


def create_category(
    *,
    db_session: Session,
    organization: Organization,
    code: str,
    name: str,
    parent: Category | None = None,
) -> Category:
    """Add a category to the organisation's tree."""
    exists = select(Category.id).where(
        Category.organization_id == organization.id, Category.code == code
    )
    if db_session.scalar(exists):
        raise Conflict(f"이미 있는 분류 코드입니다: {code}", field="code")
    cat = Category(
        organization_id=organization.id,
        code=code,
        name=name,
        parent_id=parent.id if parent else None,
    )
    db_session.add(cat)
    db_session.flush()
    return cat


def create_routing_rule(
    *,
    db_session: Session,
    unit: Unit,
    category: Category | None = None,
    dong: str | None = None,
    priority: int = 100,
    office: Office | None = None,
) -> RoutingRule:
    """Route voices of ``category`` and/or ``dong`` (행정동) in the unit's office to ``unit``.

    ``office``, when given, is the office the rule is meant for: a unit of another office is
    refused (the rule would be filed under the unit's office, where it never meets the
    voices it was written for)."""
    if category is None and not dong:
        raise Invalid("배정 규칙에는 분류나 행정동 중 하나는 있어야 합니다.")
    if office is not None and unit.office_id != office.id:
        raise Invalid(
            f"{unit.name}({unit.code}) 부서는 {office.name} 소속이 아닙니다"
            f"({unit.office.name} 소속): 배정 규칙은 규칙의 기관에 있는 부서로만 보낼 수 "
            "있습니다.",
            field="unit",
        )
    rule = RoutingRule(
        office_id=unit.office_id,
        unit_id=unit.id,
        category_id=category.id if category else None,
        dong=dong or None,
        priority=priority,
    )
    db_session.add(rule)
    db_session.flush()
    return rule


def add_closed_day(
    *, db_session: Session, organization: Organization, day: date, reason: str
) -> None:
    """Mark a day on which the organisation does not count deadlines."""
    db_session.add(ClosedDay(organization_id=organization.id, day=day, reason=reason))
    db_session.flush()
    rules.forget()


def route(
    *, db_session: Session, office_id: int, category_id: int | None, dong: str | None
) -> Unit | None:
    """The unit the routing rules send a voice to: category+동 beats one of them; else None."""
    conds = [RoutingRule.category_id.is_(None) | (RoutingRule.category_id == category_id)]
    conds.append(RoutingRule.dong.is_(None) | (RoutingRule.dong == (dong or None)))
    rules = db_session.scalars(
        select(RoutingRule)
        .join(Unit, Unit.id == RoutingRule.unit_id)
        .where(RoutingRule.office_id == office_id, Unit.takes_voices.is_(True), *conds)
    ).all()
    if not rules:
        return None
    best = min(rules, key=lambda r: (-_specificity(r), r.priority, r.id))
    return db_session.get(Unit, best.unit_id)


def _specificity(rule: RoutingRule) -> int:
    return (rule.category_id is not None) + (rule.dong is not None)


def front_desk(*, db_session: Session, office_id: int) -> Unit:
    """The office's front desk unit (or its first unit taking voices) that takes unrouted
    voices."""
    units = db_session.scalars(
        select(Unit)
        .where(Unit.office_id == office_id, Unit.takes_voices.is_(True))
        .order_by(Unit.is_front_desk.desc(), Unit.id)
    ).first()
    if units is None:
        raise Invalid("이 기관에는 민원을 받을 부서가 없습니다.", field="unit")
    return units


def office_ids_of(*, db_session: Session, organization_id: int) -> list[int]:
    """The ids of an organisation's offices."""
    query = select(Office.id).where(Office.organization_id == organization_id)
    return list(db_session.scalars(query))


def get_office(*, db_session: Session, office_id: int) -> Office:
    """The office with ``office_id`` or NotFound."""
    office = db_session.get(Office, office_id)
    if office is None:
        raise NotFound("기관을 찾을 수 없습니다.")
    return office


def find_office(*, db_session: Session, ref: str) -> Office:
    """An office by code or name."""
    office = db_session.scalar(select(Office).where(or_(Office.code == ref, Office.name == ref)))
    if office is None:
        raise NotFound(f"기관을 찾을 수 없습니다: {ref}", field="office")
    return office


def find_unit(*, db_session: Session, ref: str, office_id: int | None = None) -> Unit:
    """A unit by code or name (names are looked up within ``office_id`` when given)."""
    query = select(Unit).where(or_(Unit.code == ref, Unit.name == ref))
    if office_id is not None:
        query = query.where(Unit.office_id == office_id)
    unit = db_session.scalars(query.order_by(Unit.id)).first()
    if unit is None:
        raise NotFound(f"부서를 찾을 수 없습니다: {ref}", field="unit")
    return unit


def find_unit_for(*, db_session: Session, principal: Principal, ref: str) -> Unit:
    """A unit by code or name among the caller's offices (every office for admins and HQ).

    Another office's unit is "not found", as every object of another office is, so a staff
    member can neither write into it nor learn that its code exists.
    """
    if principal.all_offices:
        return find_unit(db_session=db_session, ref=ref)
    if principal.office_id is None:
        raise NotFound(f"부서를 찾을 수 없습니다: {ref}", field="unit")
    return find_unit(db_session=db_session, ref=ref, office_id=principal.office_id)


def get_unit(*, db_session: Session, unit_id: int) -> Unit:
    """The unit with ``unit_id`` or NotFound."""
    unit = db_session.get(Unit, unit_id)
    if unit is None:
        raise NotFound("부서를 찾을 수 없습니다.", field="unit")
    return unit


def find_category(*, db_session: Session, organization_id: int, ref: str) -> Category:
    """A category of the organisation by code or name."""
    query = select(Category).where(
        Category.organization_id == organization_id, or_(Category.code == ref, Category.name == ref)
    )
    cat = db_session.scalars(query.order_by(Category.id)).first()
    if cat is None:
        raise NotFound(f"분류를 찾을 수 없습니다: {ref}", field="category")
    return cat


def list_categories(*, db_session: Session, organization_id: int) -> list[Category]:
    """The organisation's categories in code order."""
    query = select(Category).where(Category.organization_id == organization_id)
    return list(db_session.scalars(query.order_by(Category.code)))


def list_offices(*, db_session: Session, principal: Principal) -> list[Office]:
    """The offices the caller may look at."""
    query = select(Office).order_by(Office.code)
    if not principal.all_offices:
        query = query.where(Office.id == principal.office_id)
    return list(db_session.scalars(query))


def list_units(*, db_session: Session, office_id: int | None = None) -> list[Unit]:
    """Units, of one office or all, in code order."""
    query = select(Unit).order_by(Unit.code)
    if office_id is not None:
        query = query.where(Unit.office_id == office_id)
    return list(db_session.scalars(query))


def unit_staff(*, db_session: Session, unit_id: int) -> list[Staff]:
    """Active staff of a unit, by name."""
    query = select(Staff).where(Staff.unit_id == unit_id, Staff.active.is_(True))
    return list(db_session.scalars(query.order_by(Staff.name)))


def get_staff(*, db_session: Session, staff_id: int) -> Staff:
    """The staff member with ``staff_id`` or NotFound."""
    staff = db_session.get(Staff, staff_id)
    if staff is None:
        raise NotFound("직원을 찾을 수 없습니다.", field="staff")
    return staff


def organization_of_office(*, db_session: Session, office_id: int) -> Organization:
    """The organisation an office belongs to."""
    return get_office(db_session=db_session, office_id=office_id).organization


def calendar_for(*, db_session: Session, organization: Organization) -> WorkCalendar:
    """The organisation's working calendar: hours from settings, its closed days."""
    days = db_session.scalars(
        select(ClosedDay.day).where(ClosedDay.organization_id == organization.id)
    ).all()
    hours = organization.settings.get("work_hours", {})
    return WorkCalendar(
        closed_days=frozenset(days),
        work_start=_time(hours.get("start"), time(9, 0)),
        work_end=_time(hours.get("end"), time(18, 0)),
        lunch_start=_time(hours.get("lunch_start"), time(12, 0)),
        lunch_end=_time(hours.get("lunch_end"), time(13, 0)),
    )


def _time(value: str | None, default: time) -> time:
    return time.fromisoformat(value) if value else default


def authenticate(*, db_session: Session, login: str, password: str) -> Staff:
    """The active staff member with this login and password, or Unauthorized. An unknown login
    is checked against a dummy hash, so it takes as long as a real one (no timing oracle)."""
    staff = db_session.scalar(select(Staff).where(Staff.login == login))
    matches = (
        verify_password(staff.password_hash, password)
        if staff is not None
        else verify_dummy(password)
    )
    if staff is None or not staff.active or not matches:
        raise Unauthorized("아이디 또는 비밀번호가 맞지 않습니다.")
    return staff


def set_password(*, db_session: Session, staff: Staff, password: str) -> None:
    """Replace a staff member's password, under the password policy, and sign every browser
    of theirs out."""
    check_password(password, hints=(staff.login, staff.name, staff.email))
    staff.password_hash = hash_password(password)
    sessions.end_staff_sessions(
        db_session=db_session, staff_id=staff.id, now=utcnow(), reason="password"
    )


def issue_token(
    *,
    db_session: Session,
    staff: Staff,
    name: str,
    scopes: str | list[str] | None = None,
    expires_in_days: int = tokens.DEFAULT_DAYS,
) -> str:
    """Create an API token for ``staff`` (by default with every scope the role allows, for
    90 days); the plain token is returned once and never stored. See :mod:`minwon.org.tokens`."""
    _, raw = tokens.issue(
        db_session=db_session,
        staff=staff,
        name=name,
        scopes=scopes,
        expires_in_days=expires_in_days,
        now=utcnow(),
    )
    return raw


def staff_for_token(*, db_session: Session, token: str) -> Staff:
    """The active staff member owning a live bearer token, or Unauthorized saying why."""
    return tokens.authenticate(db_session=db_session, token=token, now=utcnow()).staff


def principal_for(staff: Staff) -> Principal:
    """The caller identity used by every service for scoping and permissions."""
    return Principal(staff.id, staff.login, staff.name, staff.role, staff.office_id, staff.unit_id)


def _require_new(db_session: Session, model: Any, code: str) -> None:
    if not code or not code.strip():
        raise Invalid("코드는 비워 둘 수 없습니다.", field="code")
    if db_session.scalar(select(model.id).where(model.code == code)):
        raise Conflict(f"이미 있는 코드입니다: {code}", field="code")


def staff_by_login(*, db_session: Session, login: str) -> Staff:
    """The staff member with ``login`` or NotFound."""
    staff = db_session.scalar(select(Staff).where(Staff.login == login))
    if staff is None:
        raise NotFound(f"직원을 찾을 수 없습니다: {login}", field="login")
    return staff


def require_admin(principal: Principal) -> None:
    """Refuse anyone but an admin (calling with a token: one with the admin scope): the
    organisation tree is theirs to change."""
    if not principal.is_admin:
        raise Forbidden("조직·직원·분류·배정 규칙 관리는 관리자만 할 수 있습니다.")


def list_organizations(*, db_session: Session) -> list[Organization]:
    """Every organisation, in code order."""
    return list(db_session.scalars(select(Organization).order_by(Organization.code)))


def find_organization(*, db_session: Session, ref: str | None = None) -> Organization:
    """An organisation by code or name; without ``ref``, the only one there is."""
    if ref:
        query = select(Organization).where(or_(Organization.code == ref, Organization.name == ref))
        org = db_session.scalars(query.order_by(Organization.id)).first()
        if org is None:
            raise NotFound(f"기관(조직)을 찾을 수 없습니다: {ref}", field="organization")
        return org
    orgs = list(db_session.scalars(select(Organization).order_by(Organization.id).limit(2)))
    if not orgs:
        raise Invalid(
            "기관(조직)이 아직 없습니다. 조직 파일을 먼저 불러오세요.", field="organization"
        )
    if len(orgs) > 1:
        raise Invalid(
            "기관(조직)이 여럿입니다. organization 코드를 지정하세요.", field="organization"
        )
    return orgs[0]


def list_staff(
    *, db_session: Session, principal: Principal, office_id: int | None = None
) -> list[Staff]:
    """Staff an admin (any office) or a lead (own office only) may list, by name."""
    if principal.role != ADMIN:
        if principal.role not in LEADS:
            raise Forbidden("직원 목록은 관리자와 팀장·CS 담당만 볼 수 있습니다.")
        if office_id not in (None, principal.office_id):
            raise NotFound("기관을 찾을 수 없습니다.", field="office")
        office_id = principal.office_id
    query = select(Staff).order_by(Staff.name, Staff.login)
    if office_id is not None:
        query = query.where(Staff.office_id == office_id)
    return list(db_session.scalars(query))


def list_routing_rules(*, db_session: Session, office_id: int | None = None) -> list[RoutingRule]:
    """Routing rules, of one office or all, in the order they are tried within a tie."""
    query = select(RoutingRule).order_by(
        RoutingRule.office_id, RoutingRule.priority, RoutingRule.id
    )
    if office_id is not None:
        query = query.where(RoutingRule.office_id == office_id)
    return list(db_session.scalars(query))


def staff_counts(*, db_session: Session) -> dict[int, int]:
    """The number of active staff per unit id (units without staff are absent)."""
    query = (
        select(Staff.unit_id, func.count())
        .where(Staff.active.is_(True), Staff.unit_id.is_not(None))
        .group_by(Staff.unit_id)
    )
    return {unit_id: n for unit_id, n in db_session.execute(query).all() if unit_id is not None}


def add_office(*, db_session: Session, office_in: OfficeCreate) -> Office:
    """Create an office from the API / form model (organisation by code, or the only one)."""
    org = find_organization(db_session=db_session, ref=office_in.organization)
    return create_office(
        db_session=db_session, organization=org, code=office_in.code, name=office_in.name
    )


def add_unit(*, db_session: Session, unit_in: UnitCreate) -> Unit:
    """Create a unit from the API / form model, resolving its office code."""
    office = find_office(db_session=db_session, ref=unit_in.office)
    return create_unit(
        db_session=db_session,
        office=office,
        code=unit_in.code,
        name=unit_in.name,
        kind=unit_in.kind,
        is_front_desk=unit_in.front_desk,
    )


def add_staff(*, db_session: Session, staff_in: StaffCreate, actor_id: int | None = None) -> Staff:
    """Create a staff member from the API / form model, resolving office and unit codes; a
    password given must pass the password policy. The audit trail records who added them."""
    if staff_in.password:
        hints = (staff_in.login, staff_in.name, staff_in.email or "")
        check_password(staff_in.password, hints=hints)
    office = find_office(db_session=db_session, ref=staff_in.office) if staff_in.office else None
    unit = None
    if staff_in.unit:
        office_id = office.id if office else None
        unit = find_unit(db_session=db_session, ref=staff_in.unit, office_id=office_id)
    staff = create_staff(
        db_session=db_session,
        login=staff_in.login,
        name=staff_in.name,
        role=staff_in.role,
        password=staff_in.password,
        office=office,
        unit=unit,
        email=staff_in.email,
    )
    signin.audit(
        db_session=db_session,
        action="staff_created",
        staff=staff,
        actor_id=actor_id,
        now=utcnow(),
        detail={"role": staff.role, "office_id": staff.office_id, "unit_id": staff.unit_id},
    )
    return staff


def add_category(*, db_session: Session, category_in: CategoryCreate) -> Category:
    """Create a category from the API / form model, resolving organisation and parent."""
    org = find_organization(db_session=db_session, ref=category_in.organization)
    parent = None
    if category_in.parent:
        parent = find_category(
            db_session=db_session, organization_id=org.id, ref=category_in.parent
        )
    return create_category(
        db_session=db_session,
        organization=org,
        code=category_in.code,
        name=category_in.name,
        parent=parent,
    )


def add_routing_rule(*, db_session: Session, rule_in: RoutingRuleCreate) -> RoutingRule:
    """Create a routing rule from the API / form model, resolving office, unit and category
    codes."""
    office = find_office(db_session=db_session, ref=rule_in.office) if rule_in.office else None
    unit = find_unit(db_session=db_session, ref=rule_in.unit)
    category = None
    if rule_in.category:
        category = find_category(
            db_session=db_session,
            organization_id=unit.office.organization_id,
            ref=rule_in.category,
        )
    return create_routing_rule(
        db_session=db_session,
        unit=unit,
        category=category,
        dong=rule_in.dong,
        priority=rule_in.priority,
        office=office,
    )


def staff_of_units(*, db_session: Session, unit_ids: list[int]) -> list[Staff]:
    """Active staff of these units, in one query (for names on dashboards and tables)."""
    if not unit_ids:
        return []
    query = select(Staff).where(Staff.unit_id.in_(unit_ids), Staff.active.is_(True))
    return list(db_session.scalars(query.order_by(Staff.name)))
