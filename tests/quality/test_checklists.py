"""An admin changes the shipped checklists — adds, rewords, retires and restores items — and
past checks keep the words they were recorded with; no one else may change them."""

from sqlalchemy import Engine

from quality.helpers import marks, setup, template


def test_admin_edits_and_past_checks_keep_their_words(engine: Engine) -> None:
    client, world = setup(engine)
    tpl = template(client, world)
    first = tpl["items"][0]
    body = {"kind": "self", "template_id": tpl["id"], "marks": marks(tpl)}
    old = client.post("/api/v1/quality/checks", json=body, headers=world.auth("gr_officer"))
    assert old.status_code == 201
    admin = world.auth("admin")
    r = client.patch(
        f"/api/v1/quality/items/{first['id']}", json={"text": "먼저 일어나 맞이했다"}, headers=admin
    )
    assert r.status_code == 200 and r.json()["text"] == "먼저 일어나 맞이했다"
    retired = tpl["items"][1]
    r = client.patch(
        f"/api/v1/quality/items/{retired['id']}", json={"retired": True}, headers=admin
    )
    assert r.json()["retired"] is True
    added = client.post(
        f"/api/v1/quality/templates/{tpl['id']}/items",
        json={"stage": "place", "text": "대기 의자가 충분했다"},
        headers=admin,
    )
    assert added.status_code == 201 and added.json()["stage_label"] == "환경"
    past = client.get(
        f"/api/v1/quality/checks/{old.json()['id']}", headers=world.auth("gr_officer")
    ).json()
    texts = [x["text"] for x in past["results"]]
    assert first["text"] in texts and retired["text"] in texts
    now = template(client, world)
    assert retired["id"] not in [i["id"] for i in now["items"]]
    assert "대기 의자가 충분했다" in [i["text"] for i in now["items"]]
    stale = client.post("/api/v1/quality/checks", json=body, headers=world.auth("gr_officer"))
    assert stale.status_code == 422  # the new item is unmarked, the retired one unknown
    fresh = {**body, "marks": marks(now)}
    r = client.post("/api/v1/quality/checks", json=fresh, headers=world.auth("gr_officer"))
    assert r.status_code == 201
    restored = client.patch(
        f"/api/v1/quality/items/{retired['id']}", json={"retired": False}, headers=admin
    )
    assert restored.json()["retired"] is False


def test_only_an_admin_changes_checklists_and_bad_items_are_refused(engine: Engine) -> None:
    client, world = setup(engine)
    tpl = template(client, world)
    path = f"/api/v1/quality/templates/{tpl['id']}/items"
    good = {"stage": "greet", "text": "명함을 건넸다"}
    for login in ("gr_cs", "gr_lead", "gr_officer", "hq"):
        assert client.post(path, json=good, headers=world.auth(login)).status_code == 403
    admin = world.auth("admin")
    wrong_stage = client.post(path, json={**good, "stage": "connect"}, headers=admin)
    assert wrong_stage.status_code == 422 and wrong_stage.json()["field"] == "stage"
    assert client.post(path, json={**good, "text": " "}, headers=admin).status_code == 422
    assert len(template(client, world)["items"]) == len(tpl["items"])
