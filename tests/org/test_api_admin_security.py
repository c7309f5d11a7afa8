"""The admin page's capabilities through the API: loading an organisation file, signing
everyone out, and the sign-in security actions (two-factor roles, unlock, two-factor reset,
throttle), admin only, recorded, with the pages' messages."""

from datetime import timedelta

import pytest
from factories import World, build_world
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select

from minwon.app import create_app
from minwon.db import write_session
from minwon.org.models import Staff, Unit
from minwon.timeutil import utcnow

ORG_FILE = """
organization: {code: KNPA}
offices:
  - code: GR
    units:
      - {code: GR07, name: 신도림지구대, kind: 지구대}
staff:
  - {login: gr07.lead, name: 박대장, role: unit_lead, unit: GR07}
"""


@pytest.fixture
def site(engine: Engine) -> tuple[TestClient, World]:
    return TestClient(create_app(engine=engine)), build_world(engine)


def _units(engine: Engine) -> int:
    with write_session(engine) as db:
        return db.scalar(select(func.count(Unit.id))) or 0


def test_an_organisation_file_is_loaded_by_the_admin_only(site, engine: Engine) -> None:
    client, world = site
    files = {"file": ("org.yaml", ORG_FILE.encode(), "application/yaml")}
    refused = client.post("/api/v1/org/load", files=files, headers=world.auth("gr_cs"))
    assert refused.status_code == 403 and "관리자만" in refused.json()["detail"]
    bad = ORG_FILE.replace("unit: GR07", "unit: GR99").encode()
    wrong = client.post(
        "/api/v1/org/load",
        files={"file": ("org.yaml", bad, "application/yaml")},
        headers=world.auth("admin"),
    )
    assert wrong.status_code == 422 and "GR99" in wrong.text
    assert _units(engine) == 4
    loaded = client.post("/api/v1/org/load", files=files, headers=world.auth("admin"))
    assert loaded.status_code == 200, loaded.text
    body = loaded.json()
    assert body["organization"] == "KNPA" and list(body["passwords"]) == ["gr07.lead"]
    assert _units(engine) == 5


def test_security_actions_are_the_admins_and_recorded(site, engine: Engine) -> None:
    client, world = site
    admin = world.auth("admin")
    with write_session(engine) as db:
        staff = db.scalars(select(Staff).where(Staff.login == "gr_officer")).one()
        staff.locked_until, staff.failed_logins = utcnow() + timedelta(minutes=30), 5
    seen = client.get("/api/v1/security", headers=admin).json()
    assert [x["login"] for x in seen["locked"]] == ["gr_officer"]
    assert client.get("/api/v1/security", headers=world.auth("gr_lead")).status_code == 403
    assert client.post("/api/v1/staff/gr_officer/unlock", headers=admin).status_code == 204
    assert client.post("/api/v1/staff/nobody/unlock", headers=admin).status_code == 404
    roles = client.put(
        "/api/v1/security/totp-roles", json={"roles": ["admin", "cs_manager"]}, headers=admin
    )
    assert roles.status_code == 200 and roles.json()["roles"] == ["admin", "cs_manager"]
    unknown = client.put("/api/v1/security/totp-roles", json={"roles": ["boss"]}, headers=admin)
    assert unknown.status_code == 422 and "알 수 없는 역할입니다: boss" in unknown.text
    lead = client.put(
        "/api/v1/security/totp-roles", json={"roles": []}, headers=world.auth("gr_lead")
    )
    assert lead.status_code == 403
    assert client.post("/api/v1/staff/gr_officer/totp-reset", headers=admin).status_code == 204
    assert client.post("/api/v1/security/throttle-reset", headers=admin).status_code == 204
    ended = client.post("/api/v1/sessions/end-all", headers=admin)
    assert ended.status_code == 200 and ended.json()["sessions"] >= 0
    assert client.post("/api/v1/sessions/end-all", headers=world.auth("gr_cs")).status_code == 403
    after = client.get("/api/v1/security", headers=admin).json()
    assert after["locked"] == [] and after["totp_roles"] == ["admin", "cs_manager"]
    actions = [e["action"] for e in after["events"]]
    for action in ("unlocked", "totp_policy", "totp_reset", "throttle_cleared"):
        assert action in actions
    assert "signed_everyone_out" in actions
