"""Test data: a small organisation with two offices, units, staff of every role, tokens."""

from dataclasses import dataclass, field

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from minwon.db import write_session
from minwon.org import service as org
from minwon.org import twofactor

PASSWORD = "amber-lantern-harbor"


@dataclass
class World:
    """Codes, logins and tokens of the test organisation."""

    tokens: dict[str, str] = field(default_factory=dict)
    staff_ids: dict[str, int] = field(default_factory=dict)

    def auth(self, login: str) -> dict[str, str]:
        """Headers for an API call as ``login``."""
        return {"Authorization": f"Bearer {self.tokens[login]}"}


STAFF = [
    ("gr_officer", "GR", "GR01", "officer"),
    ("gr_officer2", "GR", "GR01", "officer"),
    ("gr_lead", "GR", "GR01", "unit_lead"),
    ("gr2_officer", "GR", "GR02", "officer"),
    ("gr2_lead", "GR", "GR02", "unit_lead"),
    ("gr_cs", "GR", None, "cs_manager"),
    ("dj_officer", "DJ", "DJ01", "officer"),
    ("dj_lead", "DJ", "DJ01", "unit_lead"),
    ("hq", None, None, "hq_analyst"),
    ("admin", None, None, "admin"),
]


def build_world(engine: Engine, settings: dict | None = None) -> World:
    """Create organisation KNPA with offices GR (GR00 front desk, GR01, GR02) and DJ (DJ01)."""
    world = World()
    with write_session(engine) as db:
        o = org.create_organization(db_session=db, code="KNPA", name="경찰청", settings=settings)
        gr = org.create_office(db_session=db, organization=o, code="GR", name="구로경찰서")
        dj = org.create_office(db_session=db, organization=o, code="DJ", name="대전본부")
        units = {
            "GR00": org.create_unit(
                db_session=db, office=gr, code="GR00", name="민원실", is_front_desk=True
            ),
            "GR01": org.create_unit(db_session=db, office=gr, code="GR01", name="구로지구대"),
            "GR02": org.create_unit(db_session=db, office=gr, code="GR02", name="가리봉파출소"),
            "DJ01": org.create_unit(
                db_session=db, office=dj, code="DJ01", name="OK팀", is_front_desk=True
            ),
        }
        traffic = org.create_category(db_session=db, organization=o, code="TRAFFIC", name="교통")
        org.create_routing_rule(db_session=db, unit=units["GR02"], category=traffic)
        org.create_routing_rule(db_session=db, unit=units["GR01"], dong="구로1동")
        offices = {"GR": gr, "DJ": dj}
        for login, office, unit, role in STAFF:
            staff = org.create_staff(
                db_session=db,
                login=login,
                name=login,
                role=role,
                password=PASSWORD,
                office=offices.get(office) if office else None,
                unit=units.get(unit) if unit else None,
            )
            world.staff_ids[login] = staff.id
            world.tokens[login] = org.issue_token(db_session=db, staff=staff, name="test")
        # Page tests sign in with a password only; tests/org/test_two_factor.py covers the
        # default (admins must use two-factor) and the second step.
        twofactor.set_required_roles(db_session=db, roles=())
    return world


def voice_json(**overrides: object) -> dict[str, object]:
    """A valid intake body, changed by ``overrides``."""
    body: dict[str, object] = {
        "kind": "complaint",
        "channel": "phone",
        "title": "가로등 고장",
        "body": "골목 가로등이 꺼졌습니다.",
    }
    body.update(overrides)
    return body


def filed_and_moved(
    client: TestClient, world: World, *, unit: str, to: str, text: str, note: str = "담당 아님"
) -> int:
    """A voice filed by the front desk (gr_cs) in ``unit``, then moved to ``to`` by that unit's
    lead — the transfer the worker learns from; its id."""
    filed = client.post(
        "/api/v1/voices",
        json=voice_json(unit=unit, title=text[:20], body=text),
        headers=world.auth("gr_cs"),
    )
    assert filed.status_code == 201, filed.text
    vid = int(filed.json()["id"])
    lead = {"GR01": "gr_lead", "GR02": "gr2_lead", "DJ01": "dj_lead"}[unit]
    moved = client.post(
        f"/api/v1/voices/{vid}/transfer", json={"unit": to, "note": note}, headers=world.auth(lead)
    )
    assert moved.status_code == 200, moved.text
    return vid
