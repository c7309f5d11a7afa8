"""Service definitions: which services each office offers over Open311 (``jurisdiction_id``
is the office code), their attributes, and the check of ``attribute[code]`` values."""

from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from minwon.errors import Conflict, Invalid, NotFound
from minwon.open311.formats import Open311Error
from minwon.open311.keys import require_admin, visible_office_ids
from minwon.open311.models import Open311Attribute, Open311Service
from minwon.open311.schemas import LIST_TYPES, AttributeIn, ServiceBase, ServiceCreate
from minwon.org import service as org_service
from minwon.org.models import Office
from minwon.org.roles import Principal
from minwon.voices.catalog import kinds_for

MAX_TEXT = 4000


# ---------------------------------------------------------------- jurisdictions (public)


def jurisdictions(db: Session) -> list[Office]:
    """The offices that offer at least one active service, in code order."""
    query = (
        select(Office)
        .where(Office.id.in_(select(Open311Service.office_id).where(Open311Service.active)))
        .order_by(Office.code)
    )
    return list(db.scalars(query))


def jurisdiction(db: Session, jurisdiction_id: str | None) -> Office | None:
    """The office a request names; without one, the only office offering services (None
    when there is none). Several offices and no ``jurisdiction_id`` is a 400 naming them."""
    if jurisdiction_id:
        office = db.scalar(select(Office).where(Office.code == jurisdiction_id))
        if office is None:
            raise Open311Error(404, f"jurisdiction_id not found: {jurisdiction_id}")
        return office
    offering = jurisdictions(db)
    if len(offering) > 1:
        codes = ", ".join(o.code for o in offering)
        raise Open311Error(400, f"jurisdiction_id is required (one of: {codes})")
    return offering[0] if offering else None


def services_of(db: Session, office: Office | None) -> list[Open311Service]:
    """The active services of an office, by group and code."""
    if office is None:
        return []
    query = select(Open311Service).where(
        Open311Service.office_id == office.id, Open311Service.active
    )
    return list(db.scalars(query.order_by(Open311Service.group_name, Open311Service.code)))


def service_by_code(db: Session, office: Office | None, code: str) -> Open311Service:
    """An active service of the office by its code; 404 otherwise."""
    found = None
    if office is not None:
        found = db.scalar(
            select(Open311Service).where(
                Open311Service.office_id == office.id,
                Open311Service.code == code,
                Open311Service.active,
            )
        )
    if found is None:
        raise Open311Error(404, f"service_code not found: {code}")
    return found


def service_read(service: Open311Service) -> dict[str, Any]:
    """A service as GET services lists it."""
    return {
        "service_code": service.code,
        "service_name": service.name,
        "description": service.description,
        "metadata": bool(service.attributes),
        "type": "realtime",
        "keywords": service.keywords,
        "group": service.group_name,
    }


def definition_read(service: Open311Service) -> dict[str, Any]:
    """A service definition as GET services/{code} gives it: every attribute in order."""
    return {
        "service_code": service.code,
        "attributes": [
            {
                "variable": a.variable,
                "code": a.code,
                "datatype": a.datatype,
                "required": a.required,
                "datatype_description": a.datatype_description,
                "order": a.position,
                "description": a.description,
                **({"values": list(a.values)} if a.datatype in LIST_TYPES else {}),
            }
            for a in service.attributes
        ],
    }


# ---------------------------------------------------------------- attribute values


def check_attributes(service: Open311Service, given: dict[str, list[str]]) -> dict[str, Any]:
    """The ``attribute[code]`` values of a request, checked against the definition: required
    ones present, numbers and date-times readable, list values among the allowed keys (a
    multi-value list may repeat the argument). Codes the service does not define are left
    out (FixMyStreet-style clients send extra ones such as ``attribute[report_url]``)."""
    known = {a.code: a for a in service.attributes if a.variable}
    kept: dict[str, Any] = {}
    for code, attribute in known.items():
        values = [v.strip() for v in given.get(code, []) if v.strip()]
        if not values:
            if attribute.required:
                raise Open311Error(400, f"attribute[{code}] is required")
            continue
        kept[code] = _checked(attribute, values)
    return kept


def _checked(attribute: Open311Attribute, values: list[str]) -> Any:
    code, datatype = attribute.code, attribute.datatype
    if datatype == "multivaluelist":
        allowed = {v["key"] for v in attribute.values}
        wanted = list(dict.fromkeys(p.strip() for v in values for p in v.split(",") if p.strip()))
        if not set(wanted) <= allowed:
            raise Open311Error(400, f"attribute[{code}] must be among: {', '.join(allowed)}")
        return wanted
    if len(values) > 1:
        raise Open311Error(400, f"attribute[{code}] takes one value")
    value = values[0]
    if len(value) > MAX_TEXT:
        raise Open311Error(400, f"attribute[{code}] is longer than {MAX_TEXT} characters")
    if datatype == "singlevaluelist" and value not in {v["key"] for v in attribute.values}:
        raise Open311Error(400, f"attribute[{code}] is not an allowed value")
    if datatype == "number":
        try:
            number = Decimal(value)
        except InvalidOperation:
            number = Decimal("NaN")
        if not number.is_finite():
            raise Open311Error(400, f"attribute[{code}] must be a number")
    if datatype == "datetime":
        try:
            datetime.fromisoformat(value)
        except ValueError as exc:
            raise Open311Error(400, f"attribute[{code}] must be a W3C date-time") from exc
    return value


def value_label(service: Open311Service, code: str, value: Any) -> str:
    """An attribute's value as staff read it in the voice's text (list keys by their names)."""
    attribute = next((a for a in service.attributes if a.code == code), None)
    names = {v["key"]: v["name"] for v in attribute.values} if attribute else {}
    items = value if isinstance(value, list) else [value]
    return ", ".join(names.get(str(v), str(v)) for v in items)


# ---------------------------------------------------------------- admin


def list_services(*, db_session: Session, principal: Principal) -> list[Open311Service]:
    """Every service (inactive too) of the admin's offices, by office and code."""
    require_admin(principal)
    allowed = visible_office_ids(db_session, principal)
    query = select(Open311Service).where(Open311Service.office_id.in_(allowed))
    return list(db_session.scalars(query.order_by(Open311Service.office_id, Open311Service.code)))


def get_service(*, db_session: Session, service_id: int, principal: Principal) -> Open311Service:
    """A service of the admin's offices; one of another office is not found."""
    service = db_session.get(Open311Service, service_id)
    if service is None or service not in list_services(db_session=db_session, principal=principal):
        raise NotFound("Open311 서비스를 찾을 수 없습니다.")
    return service


def _apply(db: Session, service: Open311Service, office: Office, data: ServiceBase) -> None:
    if data.kind not in kinds_for(office.organization.settings):
        raise Invalid(f"알 수 없는 민원 종류입니다: {data.kind}", field="kind")
    category_id = None
    if data.category:
        category_id = org_service.find_category(
            db_session=db, organization_id=office.organization_id, ref=data.category
        ).id
    service.name, service.description, service.kind = data.name, data.description, data.kind
    service.category_id, service.group_name = category_id, data.group
    service.keywords, service.active = data.keywords, data.active


def add_service(
    *, db_session: Session, service_in: ServiceCreate, principal: Principal, now: datetime
) -> Open311Service:
    """A new service of one of the admin's offices; its code is unique within the office."""
    require_admin(principal)
    office = db_session.scalar(select(Office).where(Office.code == service_in.office))
    if office is None or office.id not in visible_office_ids(db_session, principal):
        raise Invalid(f"기관을 찾을 수 없습니다: {service_in.office}", field="office")
    taken = db_session.scalar(
        select(Open311Service.id).where(
            Open311Service.office_id == office.id, Open311Service.code == service_in.code
        )
    )
    if taken is not None:
        raise Conflict(f"이미 있는 서비스 코드입니다: {service_in.code}")
    service = Open311Service(office_id=office.id, code=service_in.code, updated_at=now)
    _apply(db_session, service, office, service_in)
    db_session.add(service)
    db_session.flush()
    return service


def update_service(
    *,
    db_session: Session,
    service_id: int,
    change: ServiceBase,
    principal: Principal,
    now: datetime,
) -> Open311Service:
    """Change a service's name, text, category, kind, group, keywords or whether it is offered."""
    service = get_service(db_session=db_session, service_id=service_id, principal=principal)
    _apply(db_session, service, db_session.get_one(Office, service.office_id), change)
    service.updated_at = now
    return service


def set_attribute(
    *,
    db_session: Session,
    service_id: int,
    attribute_in: AttributeIn,
    principal: Principal,
    now: datetime,
) -> Open311Attribute:
    """Add an attribute to a service, or replace the one with the same code."""
    service = get_service(db_session=db_session, service_id=service_id, principal=principal)
    attribute = next((a for a in service.attributes if a.code == attribute_in.code), None)
    if attribute is None:
        attribute = Open311Attribute(code=attribute_in.code)
        service.attributes.append(attribute)
    attribute.datatype, attribute.description = attribute_in.datatype, attribute_in.description
    attribute.datatype_description = attribute_in.datatype_description
    attribute.position, attribute.required = attribute_in.order, attribute_in.required
    attribute.variable = attribute_in.variable
    attribute.values = [v.model_dump() for v in attribute_in.values]
    service.updated_at = now
    db_session.flush()
    return attribute


def remove_attribute(
    *,
    db_session: Session,
    service_id: int,
    attribute_id: int,
    principal: Principal,
    now: datetime,
) -> Open311Attribute:
    """Take an attribute off a service (values already kept on requests stay)."""
    service = get_service(db_session=db_session, service_id=service_id, principal=principal)
    attribute = next((a for a in service.attributes if a.id == attribute_id), None)
    if attribute is None:
        raise NotFound("속성을 찾을 수 없습니다.")
    service.attributes.remove(attribute)
    service.updated_at = now
    return attribute


def changeset(db: Session) -> datetime | None:
    """When any service definition last changed (discovery's ``changeset``)."""
    return db.scalar(select(Open311Service.updated_at).order_by(Open311Service.updated_at.desc()))
