"""The role-play scenario library of an organisation: the shipped defaults copied in on first
use, read by every staff member, edited (or put back to the default) by an admin."""

import copy
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from minwon.db import restart_as_write
from minwon.errors import Forbidden, Invalid, NotFound
from minwon.org import service as org_service
from minwon.org.roles import Principal
from minwon.protection import access
from minwon.protection.models import Scenario
from minwon.protection.roleplay_schemas import ScenarioIn, ScenarioRead
from minwon.protection.scenario_defaults import SCENARIOS

MAX_ID = 2**63
DEFAULTS = {s["code"]: s for s in SCENARIOS}


def organization_id_of(db: Session, principal: Principal) -> int:
    """The organisation whose library the caller uses (their office's; admins without an
    office: the one organisation)."""
    if principal.office_id is None:
        return org_service.find_organization(db_session=db).id
    return org_service.get_office(db_session=db, office_id=principal.office_id).organization_id


def ensure_defaults(db: Session, organization_id: int, now: datetime) -> None:
    """Copy the shipped scenarios an organisation does not have yet into its library."""
    have = set(db.scalars(select(Scenario.code).where(Scenario.organization_id == organization_id)))
    for code, spec in DEFAULTS.items():
        if code not in have:
            db.add(Scenario(organization_id=organization_id, updated_at=now, **copy.deepcopy(spec)))
    db.flush()


def ensure_library(*, db_session: Session, principal: Principal, now: datetime) -> None:
    """Before a page or call reads the library: when the caller's organisation lacks some
    shipped scenario, end the read transaction and copy the defaults in a write of its own
    (committed; a concurrent twin that got there first is fine)."""
    org_id = organization_id_of(db_session, principal)
    have = db_session.scalars(select(Scenario.code).where(Scenario.organization_id == org_id))
    if set(DEFAULTS) <= set(have):
        return
    restart_as_write(db_session)
    try:
        ensure_defaults(db_session, org_id, now)
        db_session.commit()
    except IntegrityError:
        db_session.rollback()


def library(*, db_session: Session, principal: Principal) -> list[Scenario]:
    """The scenarios of the caller's organisation (service family first, then drills)."""
    access.require_staff(principal)
    org_id = organization_id_of(db_session, principal)
    query = select(Scenario).where(Scenario.organization_id == org_id)
    return sorted(db_session.scalars(query), key=lambda s: (s.family != "service", s.id))


def get(*, db_session: Session, scenario_id: int, principal: Principal) -> Scenario:
    """A scenario of the caller's organisation; another's is not found."""
    access.require_staff(principal)
    row = db_session.get(Scenario, scenario_id) if 0 < scenario_id < MAX_ID else None
    if row is None or row.organization_id != organization_id_of(db_session, principal):
        raise NotFound("시나리오를 찾을 수 없습니다.")
    return row


def _require_admin(principal: Principal) -> None:
    if not principal.is_admin:
        raise Forbidden("시나리오는 관리자만 고칠 수 있습니다.")


def update(
    *,
    db_session: Session,
    scenario_id: int,
    data: ScenarioIn,
    principal: Principal,
    now: datetime,
) -> Scenario:
    """Change a scenario's persona, wants, lines and rubric (admins); rubric item codes must
    be distinct, since sessions keep their scores by item code."""
    _require_admin(principal)
    row = get(db_session=db_session, scenario_id=scenario_id, principal=principal)
    codes = [item.code for item in data.rubric]
    if len(set(codes)) != len(codes):
        raise Invalid("채점 항목 코드가 겹칩니다.", field="rubric")
    row.title, row.persona, row.wants = data.title, data.persona, data.wants
    row.channel, row.active = data.channel, data.active
    row.lines = [line.model_dump() for line in data.lines]
    row.rubric = [item.model_dump() for item in data.rubric]
    row.edited, row.updated_by_id, row.updated_at = True, principal.staff_id, now
    db_session.flush()
    return row


def reset(
    *, db_session: Session, scenario_id: int, principal: Principal, now: datetime
) -> Scenario:
    """Put a shipped scenario back to minwon's default text and rubric (admins)."""
    _require_admin(principal)
    row = get(db_session=db_session, scenario_id=scenario_id, principal=principal)
    spec = DEFAULTS.get(row.code)
    if spec is None:
        raise Invalid("기본 시나리오가 아니라 되돌릴 수 없습니다.", field="code")
    for name, value in copy.deepcopy(spec).items():
        setattr(row, name, value)
    row.active, row.edited, row.updated_by_id, row.updated_at = True, False, principal.staff_id, now
    db_session.flush()
    return row


def read(row: Scenario) -> ScenarioRead:
    """The scenario for the API."""
    return ScenarioRead.model_validate(
        {
            "id": row.id,
            "code": row.code,
            "family": row.family,
            "edited": row.edited,
            "updated_at": row.updated_at,
            "title": row.title,
            "persona": row.persona,
            "wants": row.wants,
            "channel": row.channel,
            "lines": row.lines,
            "rubric": row.rubric,
            "active": row.active,
        }
    )
