"""HTTP API of the organisation tree under /api/v1 (thin: parse, call the service, commit)."""

from fastapi import APIRouter
from sqlalchemy.orm import Session

from minwon.errors import NotFound
from minwon.org import service, signin, unit_status
from minwon.org.models import Category, Office, RoutingRule, Staff, Unit
from minwon.org.roles import ROLE_LABELS, Principal
from minwon.org.schemas import (
    CategoryCreate,
    CategoryRead,
    OfficeCreate,
    OfficeRead,
    RoutingRuleCreate,
    RoutingRuleRead,
    StaffCreate,
    StaffRead,
    TokenCreate,
    TokenIssued,
    UnitCreate,
    UnitRead,
    UnitUpdate,
)
from minwon.timeutil import utcnow
from minwon.web.deps import SessionDep, StaffDep

router = APIRouter(prefix="/api/v1", tags=["org"])


@router.get("/offices", response_model=list[OfficeRead], summary="기관 목록 · Offices")
def list_offices(db: SessionDep, principal: StaffDep) -> list[OfficeRead]:
    """The offices the caller may look at."""
    return [office_read(o) for o in service.list_offices(db_session=db, principal=principal)]


@router.post(
    "/offices", status_code=201, response_model=OfficeRead, summary="기관 추가 · Add an office"
)
def create_office(office_in: OfficeCreate, db: SessionDep, principal: StaffDep) -> OfficeRead:
    """Add an office (admin)."""
    service.require_admin(principal)
    office = service.add_office(db_session=db, office_in=office_in)
    db.commit()
    return office_read(office)


@router.get("/units", response_model=list[UnitRead], summary="부서 목록 · Units")
def list_units(db: SessionDep, principal: StaffDep, office: str | None = None) -> list[UnitRead]:
    """Units of the caller's offices, or of one office (code)."""
    office_id = _visible_office(db, principal, office)
    units = service.list_units(db_session=db, office_id=office_id)
    return [unit_read(u) for u in units if _sees(principal, u.office_id)]


@router.post("/units", status_code=201, response_model=UnitRead, summary="부서 추가 · Add a unit")
def create_unit(unit_in: UnitCreate, db: SessionDep, principal: StaffDep) -> UnitRead:
    """Add a unit with its own ledger (admin)."""
    service.require_admin(principal)
    unit = service.add_unit(db_session=db, unit_in=unit_in)
    db.commit()
    return unit_read(unit)


@router.patch("/units/{code}", response_model=UnitRead)
def update_unit(code: str, change: UnitUpdate, db: SessionDep, principal: StaffDep) -> UnitRead:
    """Rename a unit, write its duties (업무분장), close it or merge it into another (admin).

    A closed or merged unit keeps its ledger but is no longer routed to or suggested.
    """
    service.require_admin(principal)
    unit = service.find_unit(db_session=db, ref=code)
    unit_status.update_unit(db_session=db, unit=unit, change=change)
    db.commit()
    return unit_read(unit)


@router.get("/staff", response_model=list[StaffRead], summary="직원 목록 · Staff")
def list_staff(db: SessionDep, principal: StaffDep, office: str | None = None) -> list[StaffRead]:
    """Staff (admin: any office; unit leads and CS managers: their own office)."""
    office_id = service.find_office(db_session=db, ref=office).id if office else None
    staff = service.list_staff(db_session=db, principal=principal, office_id=office_id)
    return [staff_read(s) for s in staff]


@router.post(
    "/staff", status_code=201, response_model=StaffRead, summary="직원 추가 · Add a staff account"
)
def create_staff(staff_in: StaffCreate, db: SessionDep, principal: StaffDep) -> StaffRead:
    """Add a staff account (admin); without a password it can only use API tokens."""
    service.require_admin(principal)
    staff = service.add_staff(db_session=db, staff_in=staff_in, actor_id=principal.staff_id)
    db.commit()
    return staff_read(staff)


@router.post(
    "/staff/{login}/tokens",
    status_code=201,
    response_model=TokenIssued,
    summary="API 토큰 발급 · Issue an API token",
)
def issue_token(
    login: str, token_in: TokenCreate, db: SessionDep, principal: StaffDep
) -> TokenIssued:
    """Issue an API token for a staff member (admin); the token is shown only in this answer."""
    service.require_admin(principal)
    staff = service.staff_by_login(db_session=db, login=login)
    token = service.issue_token(db_session=db, staff=staff, name=token_in.name)
    signin.audit(
        db_session=db,
        action="token_issued",
        staff=staff,
        actor_id=principal.staff_id,
        now=utcnow(),
        detail={"name": token_in.name},
    )
    db.commit()
    return TokenIssued(login=staff.login, name=token_in.name, token=token)


@router.get("/categories", response_model=list[CategoryRead], summary="분류 목록 · Categories")
def list_categories(
    db: SessionDep, principal: StaffDep, organization: str | None = None
) -> list[CategoryRead]:
    """Categories of one organisation (code), else of the caller's, else of all (admin, HQ)."""
    orgs = {o.id: o.code for o in service.list_organizations(db_session=db)}
    if organization:
        org_ids = [service.find_organization(db_session=db, ref=organization).id]
    elif principal.office_id is not None:
        org_ids = [service.get_office(db_session=db, office_id=principal.office_id).organization_id]
    else:
        org_ids = list(orgs)
    cats = [c for i in org_ids for c in service.list_categories(db_session=db, organization_id=i)]
    return categories_read(cats, orgs)


@router.post(
    "/categories",
    status_code=201,
    response_model=CategoryRead,
    summary="분류 추가 · Add a category",
)
def create_category(
    category_in: CategoryCreate, db: SessionDep, principal: StaffDep
) -> CategoryRead:
    """Add a category (admin)."""
    service.require_admin(principal)
    cat = service.add_category(db_session=db, category_in=category_in)
    db.commit()
    orgs = {o.id: o.code for o in service.list_organizations(db_session=db)}
    return categories_read([cat], orgs, parents=_parent_codes(db, cat))[0]


@router.get(
    "/routing-rules", response_model=list[RoutingRuleRead], summary="배정 규칙 목록 · Routing rules"
)
def list_routing_rules(
    db: SessionDep, principal: StaffDep, office: str | None = None
) -> list[RoutingRuleRead]:
    """Routing rules of the caller's offices, or of one office (code)."""
    office_id = _visible_office(db, principal, office)
    rules = service.list_routing_rules(db_session=db, office_id=office_id)
    return rules_read(db, [r for r in rules if _sees(principal, r.office_id)])


@router.post("/routing-rules", status_code=201, response_model=RoutingRuleRead)
def create_routing_rule(
    rule_in: RoutingRuleCreate, db: SessionDep, principal: StaffDep
) -> RoutingRuleRead:
    """Add a routing rule (admin): category and/or 행정동 → unit."""
    service.require_admin(principal)
    rule = service.add_routing_rule(db_session=db, rule_in=rule_in)
    db.commit()
    return rules_read(db, [rule])[0]


# ---------------------------------------------------------------- answers


def office_read(office: Office) -> OfficeRead:
    """An office for the API."""
    return OfficeRead(
        id=office.id, code=office.code, name=office.name, organization=office.organization.code
    )


def unit_read(unit: Unit) -> UnitRead:
    """A unit for the API."""
    return UnitRead(
        id=unit.id,
        code=unit.code,
        name=unit.name,
        kind=unit.kind,
        front_desk=unit.is_front_desk,
        office=unit.office.code,
        takes_voices=unit.takes_voices,
        merged_into=unit.merged_into.code if unit.merged_into else None,
        duties=unit.duties,
    )


def staff_read(staff: Staff) -> StaffRead:
    """A staff member for the API, without password hash or tokens."""
    return StaffRead(
        id=staff.id,
        login=staff.login,
        name=staff.name,
        email=staff.email,
        role=staff.role,
        role_label=ROLE_LABELS.get(staff.role, staff.role),
        office=staff.office.code if staff.office else None,
        unit=staff.unit.code if staff.unit else None,
        active=staff.active,
    )


def categories_read(
    cats: list[Category], orgs: dict[int, str], parents: dict[int, str] | None = None
) -> list[CategoryRead]:
    """Categories for the API with their parents' codes (taken from ``cats`` by default)."""
    codes = parents if parents is not None else {c.id: c.code for c in cats}
    return [
        CategoryRead(
            id=c.id,
            code=c.code,
            name=c.name,
            parent=codes.get(c.parent_id) if c.parent_id else None,
            organization=orgs.get(c.organization_id, ""),
        )
        for c in cats
    ]


def rules_read(db: Session, rules: list[RoutingRule]) -> list[RoutingRuleRead]:
    """Routing rules for the API, by office, unit and category codes."""
    units = {u.id: u for u in service.list_units(db_session=db)}
    cats = {c.id: c.code for c in _categories_of(db, rules)}
    return [
        RoutingRuleRead(
            id=r.id,
            office=units[r.unit_id].office.code,
            unit=units[r.unit_id].code,
            category=cats.get(r.category_id) if r.category_id else None,
            dong=r.dong,
            priority=r.priority,
        )
        for r in rules
    ]


def _categories_of(db: Session, rules: list[RoutingRule]) -> list[Category]:
    return [c for r in rules if r.category_id and (c := db.get(Category, r.category_id))]


def _parent_codes(db: Session, cat: Category) -> dict[int, str]:
    parent = db.get(Category, cat.parent_id) if cat.parent_id else None
    return {parent.id: parent.code} if parent else {}


def _sees(principal: Principal, office_id: int) -> bool:
    return principal.all_offices or principal.office_id == office_id


def _visible_office(db: Session, principal: Principal, ref: str | None) -> int | None:
    """The id of office ``ref`` if the caller may see it (404 otherwise), or None."""
    if not ref:
        return None
    office = service.find_office(db_session=db, ref=ref)
    if not _sees(principal, office.id):
        raise NotFound(f"기관을 찾을 수 없습니다: {ref}", field="office")
    return office.id
