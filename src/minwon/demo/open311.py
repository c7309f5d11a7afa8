"""Open311 in the demo: services of 구로경찰서 (GR) with attributes of every datatype, a few
requests filed through them, and a client key made fresh on every run (shown once by
``minwon demo``; no key is shipped)."""

from datetime import datetime
from typing import Any

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from minwon.db import write_session
from minwon.open311 import definitions, intake, keys
from minwon.open311.models import Open311Key, Open311Service
from minwon.open311.schemas import AttributeIn, KeyCreate, ServiceCreate
from minwon.org import service as org_service
from minwon.org.roles import Principal
from minwon.reports import rollups

OFFICE = "GR"
SERVICES: list[dict[str, Any]] = [
    {
        "code": "streetlight",
        "name": "가로등·보안등 고장",
        "description": "꺼지거나 깜박이는 가로등·보안등",
        "category": "PATROL-CCTV",
        "kind": "request",
        "group": "방범시설",
        "keywords": "가로등,보안등,어두움",
        "attributes": [
            {
                "code": "pole",
                "datatype": "string",
                "description": "전신주 번호(있으면)",
                "order": 1,
            },
            {"code": "lamps", "datatype": "number", "description": "꺼진 등 개수", "order": 2},
            {"code": "since", "datatype": "datetime", "description": "언제부터", "order": 3},
            {"code": "details", "datatype": "text", "description": "더 알려 줄 내용", "order": 4},
            {
                "code": "danger",
                "datatype": "singlevaluelist",
                "description": "지나다니기 위험한가요?",
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
        ],
    },
    {
        "code": "illegal-parking",
        "name": "불법 주정차",
        "description": "소화전·횡단보도·골목의 불법 주정차",
        "category": "TRAFFIC-PARKING",
        "kind": "complaint",
        "group": "교통",
        "keywords": "주차,주정차",
        "attributes": [],
    },
    {
        "code": "noise",
        "name": "생활 소음",
        "description": "야간 소음, 공사 소음",
        "category": "LIVING-NOISE",
        "kind": "complaint",
        "group": "생활불편",
        "keywords": "소음",
        "attributes": [],
    },
]
REQUESTS: list[tuple[str, str, dict[str, list[str]]]] = [
    (
        "streetlight",
        "구로동 골목 보안등이 일주일째 꺼져 있어 밤길이 무섭습니다.",
        {"danger": ["yes"], "hours": ["evening", "night"], "lamps": ["2"]},
    ),
    ("illegal-parking", "소화전 앞에 매일 저녁 같은 차가 서 있습니다.", {}),
    ("noise", "새벽까지 공사 소음이 들립니다.", {}),
]


def _admin(engine: Engine) -> Principal:
    with write_session(engine) as db:
        staff = org_service.staff_by_login(db_session=db, login="admin")
        return org_service.principal_for(staff)


def load_demo_open311(engine: Engine, *, now: datetime) -> str:
    """Set up the demo's Open311 services (once) and issue a fresh demo key; returns it."""
    admin = _admin(engine)
    with write_session(engine) as db:
        fresh = not db.scalar(select(func.count(Open311Service.id)))
        if fresh:
            for spec in SERVICES:
                _add_service(db, admin, spec, now)
        for old in db.scalars(select(Open311Key).where(Open311Key.name == "demo")):
            old.revoked_at = old.revoked_at or now
        key, raw = keys.issue(
            db_session=db,
            key_in=KeyCreate(name="demo", offices=[OFFICE], rate_limit="60/hour"),
            principal=admin,
            now=now,
        )
        if fresh:
            for code, text, answers in REQUESTS:
                _file(db, key, code, text, answers, now)
    if fresh:
        rollups.update(engine)  # the dashboards count the requests filed here, as the ledger does
    return raw


def _add_service(db: Session, admin: Principal, spec: dict, now: datetime) -> None:
    fields = {k: v for k, v in spec.items() if k != "attributes"}
    service = definitions.add_service(
        db_session=db,
        service_in=ServiceCreate(office=OFFICE, **fields),
        principal=admin,
        now=now,
    )
    for attribute in spec["attributes"]:
        definitions.set_attribute(
            db_session=db,
            service_id=service.id,
            attribute_in=AttributeIn.model_validate(attribute),
            principal=admin,
            now=now,
        )


def _file(
    db: Session,
    key: Open311Key,
    code: str,
    text: str,
    answers: dict[str, list[str]],
    now: datetime,
) -> None:
    posted = intake.Posted(
        fields={
            "jurisdiction_id": OFFICE,
            "service_code": code,
            "address_string": "서울 구로구 구로동",
            "lat": "37.4954",
            "long": "126.8874",
            "description": text,
        },
        attributes=answers,
    )
    intake.file_request(db_session=db, key=key, posted=posted, now=now)
