"""HTTP API of the admin's Open311 set-up under /api/v1/open311: client keys (issue, list,
revoke) and services with their attributes — the capabilities of /admin/open311, admin only,
with the same checks and messages (thin: parse, call the service, commit)."""

from fastapi import APIRouter, Response
from sqlalchemy.orm import Session

from minwon.open311 import definitions, keys
from minwon.open311.models import Open311Attribute, Open311Key, Open311Service
from minwon.open311.schemas import (
    AttributeIn,
    AttributeRead,
    KeyCreate,
    KeyIssued,
    KeyRead,
    ServiceBase,
    ServiceCreate,
    ServiceRead,
    ValueIn,
)
from minwon.org.models import Category, Office
from minwon.timeutil import utcnow
from minwon.web.deps import DbId, SessionDep, StaffDep
from minwon.web.text_route import TextRoute

router = APIRouter(route_class=TextRoute, prefix="/api/v1/open311", tags=["open311 admin"])


def _codes(db: Session, office_ids: list[int]) -> list[str]:
    return sorted(db.get_one(Office, o).code for o in office_ids)


def _key_read(db: Session, key: Open311Key) -> KeyRead:
    return KeyRead(
        id=key.id,
        name=key.name,
        hint=key.hint,
        rate_limit=key.rate_limit,
        offices=_codes(db, [o.office_id for o in key.offices]),
        created_at=key.created_at,
        revoked_at=key.revoked_at,
        last_used_at=key.last_used_at,
    )


def _attribute_read(a: Open311Attribute) -> AttributeRead:
    return AttributeRead(
        id=a.id,
        code=a.code,
        datatype=a.datatype,
        description=a.description,
        datatype_description=a.datatype_description,
        order=a.position,
        required=a.required,
        variable=a.variable,
        values=[ValueIn.model_validate(v) for v in a.values or []],
    )


def _service_read(db: Session, s: Open311Service) -> ServiceRead:
    category = db.get(Category, s.category_id) if s.category_id else None
    return ServiceRead(
        id=s.id,
        office=db.get_one(Office, s.office_id).code,
        code=s.code,
        name=s.name,
        description=s.description,
        category=category.code if category else None,
        kind=s.kind,
        group=s.group_name,
        keywords=s.keywords,
        active=s.active,
        updated_at=s.updated_at,
        attributes=[_attribute_read(a) for a in s.attributes],
    )


@router.get("/keys", response_model=list[KeyRead], summary="Open311 키 목록 · Client keys")
def list_keys(db: SessionDep, principal: StaffDep) -> list[KeyRead]:
    """관리자 기관에 닿는 클라이언트 키 (폐기된 키 포함, 최신순). The client keys touching the
    admin's offices, newest first, revoked ones marked (admin)."""
    return [_key_read(db, k) for k in keys.list_keys(db_session=db, principal=principal)]


@router.post(
    "/keys", response_model=KeyIssued, status_code=201, summary="Open311 키 발급 · Issue a key"
)
def issue_key(body: KeyCreate, db: SessionDep, principal: StaffDep) -> KeyIssued:
    """클라이언트 키를 발급합니다; 키는 이 응답에만 보입니다. Issue a client key for offices the
    admin may see; the key is shown in this answer only (never kept or mailed)."""
    key, raw = keys.issue(db_session=db, key_in=body, principal=principal, now=utcnow())
    read = KeyIssued(**_key_read(db, key).model_dump(), key=raw)
    db.commit()
    return read


@router.delete("/keys/{key_id}", response_model=KeyRead, summary="Open311 키 폐기 · Revoke a key")
def revoke_key(key_id: DbId, db: SessionDep, principal: StaffDep) -> KeyRead:
    """키를 바로 폐기합니다 (접수된 요청은 남습니다). Revoke a client key at once; the requests
    it filed stay in the ledger."""
    key = keys.revoke(db_session=db, key_id=key_id, principal=principal, now=utcnow())
    read = _key_read(db, key)
    db.commit()
    return read


@router.get("/services", response_model=list[ServiceRead], summary="Open311 서비스 목록 · Services")
def list_services(db: SessionDep, principal: StaffDep) -> list[ServiceRead]:
    """관리자 기관이 제공하는 서비스와 속성. The services of the admin's offices, with their
    attributes (offered or not)."""
    found = definitions.list_services(db_session=db, principal=principal)
    return [_service_read(db, s) for s in found]


@router.post(
    "/services",
    response_model=ServiceRead,
    status_code=201,
    summary="Open311 서비스 추가 · Offer a service",
)
def add_service(body: ServiceCreate, db: SessionDep, principal: StaffDep) -> ServiceRead:
    """기관에 새 서비스를 추가합니다. Offer a new service in an office (code unique in it)."""
    service = definitions.add_service(
        db_session=db, service_in=body, principal=principal, now=utcnow()
    )
    read = _service_read(db, service)
    db.commit()
    return read


@router.get(
    "/services/{service_id}", response_model=ServiceRead, summary="Open311 서비스 · One service"
)
def get_service(service_id: DbId, db: SessionDep, principal: StaffDep) -> ServiceRead:
    """서비스 한 건과 속성. A service with its attributes."""
    service = definitions.get_service(db_session=db, service_id=service_id, principal=principal)
    return _service_read(db, service)


@router.patch(
    "/services/{service_id}",
    response_model=ServiceRead,
    summary="Open311 서비스 고치기 · Change a service",
)
def change_service(
    service_id: DbId, body: ServiceBase, db: SessionDep, principal: StaffDep
) -> ServiceRead:
    """서비스 이름·설명·분류·종류·묶음·검색어·제공 여부를 고칩니다 (모든 항목을 보냅니다). Change a
    service's fields — name, text, category, kind, group, keywords, offered — given whole,
    as the service page's form sends them."""
    service = definitions.update_service(
        db_session=db, service_id=service_id, change=body, principal=principal, now=utcnow()
    )
    read = _service_read(db, service)
    db.commit()
    return read


@router.put(
    "/services/{service_id}/attributes",
    response_model=AttributeRead,
    summary="Open311 속성 추가·교체 · Add or replace an attribute",
)
def set_attribute(
    service_id: DbId, body: AttributeIn, db: SessionDep, principal: StaffDep
) -> AttributeRead:
    """속성을 더하거나 같은 코드의 속성을 바꿉니다. Add an attribute to a service, or replace
    the one with the same code."""
    attribute = definitions.set_attribute(
        db_session=db, service_id=service_id, attribute_in=body, principal=principal, now=utcnow()
    )
    read = _attribute_read(attribute)
    db.commit()
    return read


@router.delete(
    "/services/{service_id}/attributes/{attribute_id}",
    status_code=204,
    summary="Open311 속성 빼기 · Remove an attribute",
)
def remove_attribute(
    service_id: DbId, attribute_id: DbId, db: SessionDep, principal: StaffDep
) -> Response:
    """서비스에서 속성을 뺍니다. Take an attribute off a service."""
    definitions.remove_attribute(
        db_session=db,
        service_id=service_id,
        attribute_id=attribute_id,
        principal=principal,
        now=utcnow(),
    )
    db.commit()
    return Response(status_code=204)
