"""The residents' patrol form offers the units that patrol (지구대·파출소), grouped by office, with
nothing chosen but a prompt — never another agency's team — or the unit its QR link names;
sent without a unit it comes back with a Korean message and the place typed kept."""

import re

from factories import build_world
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select
from web.pagetools import csrf

from minwon.app import create_app
from minwon.db import write_session
from minwon.outreach import patrol_requests
from minwon.outreach.models import PatrolRequest
from minwon.timeutil import to_kst, utcnow


def _options(html: str) -> dict[str, tuple[str, bool]]:
    select_html = html.split('id="f-unit"', 1)[1].split("</select>", 1)[0]
    found = re.findall(r'<option value="([^"]*)"( selected)?>([^<]*)</option>', select_html)
    return {value: (text, bool(chosen)) for value, chosen, text in found}


def test_form_offers_police_boxes_and_preselects_none(engine: Engine) -> None:
    build_world(engine)
    client = TestClient(create_app(engine=engine))
    options = _options(client.get("/patrols/request").text)
    assert options[""] == ("순찰을 부탁할 지구대·파출소를 고르세요", True)
    assert options["GR01"] == ("구로지구대", False) and options["GR02"] == ("가리봉파출소", False)
    assert "DJ01" not in options and "GR00" not in options  # OK팀, 민원실 do not patrol
    assert '<optgroup label="구로경찰서">' in client.get("/patrols/request").text


def test_a_qr_link_preselects_its_unit(engine: Engine) -> None:
    build_world(engine)
    client = TestClient(create_app(engine=engine))
    options = _options(client.get("/patrols/request?unit=GR02").text)
    assert options["GR02"] == ("가리봉파출소", True) and not options[""][1]


def test_sent_without_a_unit_is_refused_in_korean_and_kept(engine: Engine) -> None:
    build_world(engine)
    client = TestClient(create_app(engine=engine))
    data = {
        "csrf_token": csrf(client, "/patrols/request"),
        "unit": "",
        "place": "구로역 2번 출구",
        "day": to_kst(utcnow()).date().isoformat(),
        "start_hour": "22",
        "end_hour": "2",
    }
    r = client.post("/patrols/request", data=data)
    assert r.status_code == 422
    assert 'value="구로역 2번 출구"' in r.text
    assert "순찰을 부탁할 지구대·파출소를 고르세요." in r.text
    with write_session(engine) as db:
        assert db.scalar(select(func.count(PatrolRequest.id))) == 0


def test_without_any_police_box_every_unit_is_offered(engine: Engine) -> None:
    with write_session(engine) as db:
        from minwon.org import service as org

        o = org.create_organization(db_session=db, code="LH", name="토지공사")
        office = org.create_office(db_session=db, organization=o, code="DJ", name="대전본부")
        org.create_unit(db_session=db, office=office, code="DJ00", name="OK팀")
        assert [u.code for u in patrol_requests.patrol_units(db)] == ["DJ00"]
