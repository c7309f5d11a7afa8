"""Service functions added for the API and the admin page: permissions, lookups, creation."""

import pytest
from factories import build_world
from sqlalchemy import Engine

from minwon.db import session_factory, write_session
from minwon.errors import Conflict, Forbidden, Invalid, NotFound
from minwon.org import service
from minwon.org.roles import ROLES
from minwon.org.schemas import (
    CategoryCreate,
    OfficeCreate,
    Role,
    RoutingRuleCreate,
    StaffCreate,
    UnitCreate,
)


def _principal(engine: Engine, login: str) -> service.Principal:
    with session_factory(engine)() as db:
        return service.principal_for(service.staff_by_login(db_session=db, login=login))


def test_role_literal_matches_roles() -> None:
    assert set(Role.__args__) == set(ROLES)


def test_require_admin(engine: Engine) -> None:
    build_world(engine)
    service.require_admin(_principal(engine, "admin"))
    for login in ("gr_officer", "gr_lead", "gr_cs", "hq"):
        with pytest.raises(Forbidden, match="관리자"):
            service.require_admin(_principal(engine, login))


def test_find_organization_by_ref_or_the_only_one(engine: Engine) -> None:
    with write_session(engine) as db:
        with pytest.raises(Invalid, match="아직 없습니다"):
            service.find_organization(db_session=db)
        knpa = service.create_organization(db_session=db, code="KNPA", name="경찰청")
        assert service.find_organization(db_session=db) is knpa
        service.create_organization(db_session=db, code="LX", name="토지공사")
        with pytest.raises(Invalid, match="여럿"):
            service.find_organization(db_session=db)
        assert service.find_organization(db_session=db, ref="토지공사").code == "LX"
        with pytest.raises(NotFound):
            service.find_organization(db_session=db, ref="NOPE")


def test_list_staff_is_scoped_by_role_and_office(engine: Engine) -> None:
    build_world(engine)
    admin, lead = _principal(engine, "admin"), _principal(engine, "gr_lead")
    with session_factory(engine)() as db:
        gr = service.find_office(db_session=db, ref="GR")
        dj = service.find_office(db_session=db, ref="DJ")
        assert len(service.list_staff(db_session=db, principal=admin)) == 10
        assert len(service.list_staff(db_session=db, principal=admin, office_id=dj.id)) == 2
        mine = service.list_staff(db_session=db, principal=lead)
        assert {s.office_id for s in mine} == {gr.id} and len(mine) == 6
        with pytest.raises(NotFound):
            service.list_staff(db_session=db, principal=lead, office_id=dj.id)
        with pytest.raises(Forbidden):
            service.list_staff(db_session=db, principal=_principal(engine, "gr_officer"))
        with pytest.raises(Forbidden):
            service.list_staff(db_session=db, principal=_principal(engine, "hq"))


def test_staff_counts_and_routing_rules(engine: Engine) -> None:
    build_world(engine)
    with session_factory(engine)() as db:
        units = {u.code: u.id for u in service.list_units(db_session=db)}
        counts = service.staff_counts(db_session=db)
        assert counts[units["GR01"]] == 3 and units["GR00"] not in counts
        rules = service.list_routing_rules(db_session=db)
        assert len(rules) == 2
        dj = service.find_office(db_session=db, ref="DJ")
        assert service.list_routing_rules(db_session=db, office_id=dj.id) == []


def test_add_functions_resolve_codes(engine: Engine) -> None:
    build_world(engine)
    with write_session(engine) as db:
        office = service.add_office(db_session=db, office_in=OfficeCreate(code="SP", name="송파"))
        assert office.organization.code == "KNPA"
        unit = service.add_unit(
            db_session=db, unit_in=UnitCreate(office="SP", code="SP01", name="교통조사계")
        )
        staff = service.add_staff(
            db_session=db,
            staff_in=StaffCreate(login="sp.lead", name="송팀장", role="unit_lead", unit="SP01"),
        )
        assert (staff.office_id, staff.unit_id, staff.password_hash) == (office.id, unit.id, "")
        parent = service.add_category(
            db_session=db, category_in=CategoryCreate(code="CS", name="응대")
        )
        child = service.add_category(
            db_session=db, category_in=CategoryCreate(code="CS-1", name="친절", parent="응대")
        )
        assert child.parent_id == parent.id
        rule = service.add_routing_rule(
            db_session=db, rule_in=RoutingRuleCreate(unit="SP01", category="CS", priority=5)
        )
        assert (rule.office_id, rule.category_id, rule.dong) == (office.id, parent.id, None)
        with pytest.raises(Conflict):
            service.add_unit(db_session=db, unit_in=UnitCreate(office="SP", code="SP01", name="x"))
        with pytest.raises(NotFound):
            service.add_staff(
                db_session=db,
                staff_in=StaffCreate(login="x1", name="x", role="officer", unit="ZZ01"),
            )
