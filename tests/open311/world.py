"""Open311 test data: the test organisation with two services in GR (every attribute
datatype), one in DJ, client keys, and a valid request to post."""

from dataclasses import dataclass

from factories import World
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from minwon.db import write_session
from minwon.open311 import definitions, keys
from minwon.open311.schemas import AttributeIn, KeyCreate, ServiceCreate
from minwon.org import service as org_service
from minwon.timeutil import utcnow

ATTRIBUTES = [
    {"code": "where_exactly", "datatype": "string", "description": "정확한 위치", "order": 1},
    {"code": "lamps", "datatype": "number", "description": "꺼진 가로등 수", "order": 2},
    {
        "code": "since",
        "datatype": "datetime",
        "description": "언제부터",
        "order": 3,
        "datatype_description": "W3C date-time",
    },
    {"code": "details", "datatype": "text", "description": "자세한 내용", "order": 4},
    {
        "code": "danger",
        "datatype": "singlevaluelist",
        "description": "위험한가요?",
        "order": 5,
        "required": True,
        "values": [{"key": "yes", "name": "예"}, {"key": "no", "name": "아니요"}],
    },
    {
        "code": "hours",
        "datatype": "multivaluelist",
        "description": "언제 어두운가요?",
        "order": 6,
        "values": [
            {"key": "evening", "name": "저녁"},
            {"key": "night", "name": "밤"},
            {"key": "dawn", "name": "새벽"},
        ],
    },
]


@dataclass
class Open311World:
    """The app, the test organisation and what the Open311 fixture added."""

    client: TestClient
    world: World
    engine: Engine
    key: str
    dj_key: str


def add_services(engine: Engine) -> None:
    """GR: streetlight (every datatype) and noise (no attributes); DJ: streetlight."""
    with write_session(engine) as db:
        admin = org_service.principal_for(org_service.staff_by_login(db_session=db, login="admin"))
        now = utcnow()
        light = definitions.add_service(
            db_session=db,
            service_in=ServiceCreate(
                office="GR",
                code="streetlight",
                name="가로등 고장",
                description="꺼지거나 깜박이는 가로등",
                category="TRAFFIC",
                kind="request",
                group="도로",
                keywords="가로등,조명",
            ),
            principal=admin,
            now=now,
        )
        for attribute in ATTRIBUTES:
            definitions.set_attribute(
                db_session=db,
                service_id=light.id,
                attribute_in=AttributeIn.model_validate(attribute),
                principal=admin,
                now=now,
            )
        definitions.add_service(
            db_session=db,
            service_in=ServiceCreate(office="GR", code="noise", name="소음", kind="complaint"),
            principal=admin,
            now=now,
        )
        definitions.add_service(
            db_session=db,
            service_in=ServiceCreate(office="DJ", code="streetlight", name="가로등(대전)"),
            principal=admin,
            now=now,
        )


def issue_key(engine: Engine, offices: list[str], rate: str = "100/hour") -> str:
    """A client key for ``offices``."""
    with write_session(engine) as db:
        admin = org_service.principal_for(org_service.staff_by_login(db_session=db, login="admin"))
        _, raw = keys.issue(
            db_session=db,
            key_in=KeyCreate(name="시민앱", offices=offices, rate_limit=rate),
            principal=admin,
            now=utcnow(),
        )
    return raw


def post_request(
    o: Open311World, fmt: str = "json", headers: dict[str, str] | None = None, **fields: object
):
    """POST requests with a valid GR request, changed by ``fields`` (None drops one)."""
    data: dict[str, object] = {
        "api_key": o.key,
        "jurisdiction_id": "GR",
        "service_code": "streetlight",
        "lat": "37.4954",
        "long": "126.8874",
        "address_string": "서울 구로구 구로동 123",
        "description": "골목 가로등이 꺼졌습니다. 연락은 010-1234-5678 홍길동",
        "first_name": "길동",
        "last_name": "홍",
        "email": "hong@example.com",
        "phone": "010-1234-5678",
        "attribute[danger]": "yes",
        "attribute[hours]": ["evening", "night"],
        "attribute[lamps]": "3",
    }
    for name, value in fields.items():
        if value is None:
            data.pop(name, None)
        else:
            data[name] = value
    return o.client.post(f"/open311/v2/requests.{fmt}", data=data, headers=headers)


NO_ATTRIBUTES: dict[str, object] = {
    "attribute[danger]": None,
    "attribute[hours]": None,
    "attribute[lamps]": None,
}
"""Drops the streetlight answers from ``post_request`` (for services without attributes)."""
