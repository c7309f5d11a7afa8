"""The admin's Open311 set-up through the API, as on /admin/open311: keys issued (shown once)
and revoked, services added and changed, attributes set and removed — admin only, with the
pages' checks and messages, and a refused change leaves things as they were."""

from open311.world import Open311World

BASE = "/api/v1/open311"
ATTRIBUTE = {
    "code": "floor",
    "datatype": "singlevaluelist",
    "description": "몇 층인가요?",
    "values": [{"key": "1", "name": "1층"}, {"key": "2", "name": "2층"}],
}


def test_keys_are_issued_once_and_revoked(o311: Open311World) -> None:
    client, admin = o311.client, o311.world.auth("admin")
    issued = client.post(BASE + "/keys", json={"name": "앱", "offices": ["GR"]}, headers=admin)
    assert issued.status_code == 201, issued.text
    body = issued.json()
    assert body["key"].startswith(body["hint"]) and body["offices"] == ["GR"]
    listed = client.get(BASE + "/keys", headers=admin).json()
    assert body["id"] in [k["id"] for k in listed] and all("key" not in k for k in listed)
    revoked = client.delete(f"{BASE}/keys/{body['id']}", headers=admin)
    assert revoked.status_code == 200 and revoked.json()["revoked_at"]
    bad = client.post(BASE + "/keys", json={"name": "앱", "offices": ["ZZ"]}, headers=admin)
    assert bad.status_code == 422 and "ZZ" in bad.text, bad.text
    lead = client.get(BASE + "/keys", headers=o311.world.auth("gr_cs"))
    assert (
        lead.status_code == 403
        and lead.json()["detail"] == "Open311 설정은 관리자만 할 수 있습니다."
    )


def test_services_and_attributes_are_set_up(o311: Open311World) -> None:
    client, admin = o311.client, o311.world.auth("admin")
    added = client.post(
        BASE + "/services",
        json={"office": "GR", "code": "parking2", "name": "소음 신고", "kind": "complaint"},
        headers=admin,
    )
    assert added.status_code == 201, added.text
    service_id = added.json()["id"]
    twice = client.post(
        BASE + "/services",
        json={"office": "GR", "code": "parking2", "name": "소음"},
        headers=admin,
    )
    assert twice.status_code == 409 and "이미 있는 서비스 코드입니다: parking2" in twice.text
    wrong_kind = client.patch(
        f"{BASE}/services/{service_id}", json={"name": "소음", "kind": "nope"}, headers=admin
    )
    assert wrong_kind.status_code == 422 and "알 수 없는 민원 종류입니다: nope" in wrong_kind.text
    changed = client.patch(
        f"{BASE}/services/{service_id}",
        json={"name": "층간 소음", "kind": "complaint", "active": False},
        headers=admin,
    )
    assert changed.status_code == 200 and changed.json()["name"] == "층간 소음"
    assert changed.json()["active"] is False
    attribute = client.put(
        f"{BASE}/services/{service_id}/attributes", json=ATTRIBUTE, headers=admin
    )
    assert attribute.status_code == 200, attribute.text
    got = client.get(f"{BASE}/services/{service_id}", headers=admin).json()
    assert [a["code"] for a in got["attributes"]] == ["floor"] and got["office"] == "GR"
    assert service_id in [s["id"] for s in client.get(BASE + "/services", headers=admin).json()]
    removed = client.delete(
        f"{BASE}/services/{service_id}/attributes/{attribute.json()['id']}", headers=admin
    )
    assert removed.status_code == 204
    assert client.get(f"{BASE}/services/{service_id}", headers=admin).json()["attributes"] == []
    officer = client.get(f"{BASE}/services/{service_id}", headers=o311.world.auth("gr_officer"))
    assert officer.status_code == 403
