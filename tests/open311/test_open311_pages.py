"""The admin's Open311 pages: a key is issued and shown once (only its hash is kept), then
revoked; services and attributes of every datatype are set up; other roles are refused; a
refused form comes back with what was typed."""

import re

import pytest
from sqlalchemy import select
from web.pagetools import login, post_form

from minwon.db import session_factory
from minwon.open311.models import Open311Attribute, Open311Key, Open311Service
from minwon.org.security import token_digest
from open311.world import Open311World, post_request

KEY_RE = re.compile(r"o311_[A-Za-z0-9_-]{40,}")


def _admin(o: Open311World):
    client = o.client
    client.follow_redirects = True
    assert login(client, "admin").status_code == 200
    return client


def test_a_key_is_shown_once_kept_hashed_and_revocable(o311: Open311World) -> None:
    client = _admin(o311)
    page = post_form(
        client,
        "/admin/open311/keys",
        {"name": "구로 시민앱", "rate_limit": "30/hour", "office_GR": "on"},
        "/admin/open311",
    )
    assert page.status_code == 200
    raw = KEY_RE.search(page.text).group(0)
    assert raw not in client.get("/admin/open311").text
    with session_factory(o311.engine)() as db:
        key = db.scalars(select(Open311Key).where(Open311Key.name == "구로 시민앱")).one()
        assert key.key_hash == token_digest(raw) and key.rate_limit == "30/hour"
    assert post_request(o311, api_key=raw).status_code == 200
    revoked = post_form(client, f"/admin/open311/keys/{key.id}/revoke", {}, "/admin/open311")
    assert "키를 폐기했습니다: 구로 시민앱" in revoked.text
    assert post_request(o311, api_key=raw).status_code == 403


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        ({"name": "앱", "rate_limit": "often", "office_GR": "on"}, "rate_limit"),
        ({"name": "앱", "rate_limit": "60/hour"}, "기관"),
        ({"name": "", "rate_limit": "60/hour", "office_GR": "on"}, "name"),
    ],
)
def test_a_refused_key_form_keeps_what_was_typed(
    o311: Open311World, data: dict[str, str], reason: str
) -> None:
    client = _admin(o311)
    with session_factory(o311.engine)() as db:
        before = len(list(db.scalars(select(Open311Key))))
    page = post_form(client, "/admin/open311/keys", data, "/admin/open311")
    assert page.status_code == 422
    assert 'class="field-error"' in page.text
    if data["name"]:
        assert f'value="{data["name"]}"' in page.text
    with session_factory(o311.engine)() as db:
        assert len(list(db.scalars(select(Open311Key)))) == before


def test_services_and_attributes_are_set_up_on_the_pages(o311: Open311World) -> None:
    client = _admin(o311)
    page = post_form(
        client,
        "/admin/open311/services",
        {"office": "DJ", "code": "graffiti", "name": "낙서", "kind": "complaint"},
        "/admin/open311",
    )
    assert page.status_code == 200 and "서비스를 추가했습니다: 낙서" in page.text
    with session_factory(o311.engine)() as db:
        service = db.scalars(select(Open311Service).where(Open311Service.code == "graffiti")).one()
    url = f"/admin/open311/services/{service.id}"
    saved = post_form(
        client,
        f"{url}/attributes",
        {
            "code": "surface",
            "datatype": "singlevaluelist",
            "description": "어디에 있나요?",
            "order": "1",
            "required": "on",
            "variable": "on",
            "values": "wall=벽\nbridge=다리",
        },
        url,
    )
    assert "추가 항목을 저장했습니다: surface" in saved.text
    definition = client.get("/open311/v2/services/graffiti.json?jurisdiction_id=DJ").json()
    assert definition["attributes"][0]["values"] == [
        {"key": "wall", "name": "벽"},
        {"key": "bridge", "name": "다리"},
    ]
    refused = post_form(
        client,
        f"{url}/attributes",
        {"code": "colour", "datatype": "multivaluelist", "description": "색"},
        url,
    )
    assert refused.status_code == 422 and 'value="colour"' in refused.text
    changed = post_form(client, url, {"name": "낙서·벽보", "kind": "complaint"}, url)
    assert "서비스를 저장했습니다: 낙서·벽보" in changed.text
    listed = client.get("/open311/v2/services.json?jurisdiction_id=DJ").json()
    assert "graffiti" not in {s["service_code"] for s in listed}  # "active" left unticked
    with session_factory(o311.engine)() as db:
        attribute = db.scalars(
            select(Open311Attribute).where(Open311Attribute.service_id == service.id)
        ).one()
    removed = post_form(client, f"{url}/attributes/{attribute.id}/delete", {}, url)
    assert "추가 항목을 삭제했습니다: surface" in removed.text
    other = client.get("/admin/open311").text  # a service's attribute is not another's
    assert other and post_form(client, f"{url}/attributes/1/delete", {}, url).status_code == 404


def test_the_pages_speak_english(o311: Open311World) -> None:
    client = _admin(o311)
    page = client.get("/admin/open311?lang=en")
    assert "Client keys" in page.text and "Issue a key" in page.text


@pytest.mark.parametrize("who", ["gr_cs", "gr_lead", "hq"])
def test_other_roles_are_refused(o311: Open311World, who: str) -> None:
    headers = o311.world.auth(who)
    assert o311.client.get("/admin/open311", headers=headers).status_code == 403
    assert o311.client.get("/admin/open311/services/1", headers=headers).status_code == 403
