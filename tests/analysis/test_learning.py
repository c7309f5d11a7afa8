"""Learning from staff corrections between trainings: each transfer is a label the worker
teaches the active unit model, once, and repeated corrections flip the suggestion."""

import pytest
from factories import World, build_world, filed_and_moved, voice_json
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from minwon import commit_order
from minwon.analysis import calibration, service
from minwon.analysis.learning import learn_from_transfers
from minwon.analysis.models import RoutingModel
from minwon.analysis.training import train
from minwon.app import create_app
from minwon.db import write_session
from minwon.org import service as org

TRAFFIC = [
    "신호등이 고장 나서 차들이 뒤엉킵니다",
    "횡단보도 신호가 너무 짧아요",
    "교차로 신호 위반 차량 단속",
    "과속 차량이 많아 과속 카메라 설치 요청",
]
PATROL = [
    "밤마다 골목이 어두워 순찰을 늘려 주세요",
    "빈집털이가 걱정되니 야간 순찰 부탁드립니다",
    "놀이터 주변 순찰 강화 요청",
    "상가 뒷골목 방범 순찰 요청",
]
CORRECTED = "골목길 과속 차량 때문에 야간 순찰 요청"


def _voice(client: TestClient, h: dict[str, str], unit: str, text: str) -> int:
    r = client.post(
        "/api/v1/voices", json=voice_json(unit=unit, title=text[:20], body=text), headers=h
    )
    assert r.status_code == 201, r.text
    return r.json()["id"]


def _trained_world(engine: Engine) -> tuple[TestClient, World, int]:
    world = build_world(engine)
    client = TestClient(create_app(engine=engine))
    h = world.auth("gr_cs")
    for i in range(3):
        for unit, texts in (("GR02", TRAFFIC), ("GR01", PATROL)):
            for text in texts:
                vid = _voice(client, h, unit, f"{text} ({i})")
                client.post(f"/api/v1/voices/{vid}/answer", json={"body": "조치"}, headers=h)
                client.post(f"/api/v1/voices/{vid}/answer/approve", headers=h)
    with write_session(engine) as db:
        org_id = org.find_organization(db_session=db, ref="KNPA").id
        train(db_session=db, organization_id=org_id, target="unit")
    return client, world, org_id


def _suggested(engine: Engine, org_id: int, text: str) -> tuple[str, float]:
    service.forget_models()
    with write_session(engine) as db:
        unit = service.suggest(db_session=db, organization_id=org_id, text=text).unit
    assert unit is not None
    return unit.label, unit.confidence


def _share(engine: Engine, org_id: int, text: str, label: str) -> float:
    service.forget_models()
    with write_session(engine) as db:
        unit = service.suggest(db_session=db, organization_id=org_id, text=text).unit
    assert unit is not None
    return dict([(unit.label, unit.confidence), *unit.alternatives]).get(label, 0.0)


def _move(client: TestClient, world: World, wrong: str, right: str, n: int, start: int) -> None:
    for i in range(start, start + n):
        filed_and_moved(client, world, unit=wrong, to=right, text=f"{CORRECTED} {i}")


@pytest.mark.parametrize("engine", ["sqlite"], indirect=True)
def test_transfers_teach_the_unit_model_once(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    # a 24-voice model shows at most an even chance; this test watches the model itself move
    monkeypatch.setattr(calibration, "NO_EVIDENCE_CEILING", 1.0)
    client, world, org_id = _trained_world(engine)
    wrong = _suggested(engine, org_id, CORRECTED)[0]
    right = "GR01" if wrong == "GR02" else "GR02"
    before = _share(engine, org_id, CORRECTED, right)
    _move(client, world, wrong, right, 5, 0)
    assert commit_order.settle(engine)
    with write_session(engine) as db:
        first = learn_from_transfers(db)
    assert first.read == 5 and first.learned == 5 and len(first.model_ids) == 1
    after = _share(engine, org_id, CORRECTED, right)
    assert after > before
    assert commit_order.settle(engine)
    with write_session(engine) as db:
        again = learn_from_transfers(db)
    assert again.read == 0 and again.model_ids == []
    assert _share(engine, org_id, CORRECTED, right) == after
    rounds = 0
    while _suggested(engine, org_id, CORRECTED)[0] != right and rounds < 8:
        _move(client, world, wrong, right, 10, 10 + rounds * 10)
        assert commit_order.settle(engine)
        with write_session(engine) as db:
            learn_from_transfers(db)
        rounds += 1
    assert _suggested(engine, org_id, CORRECTED)[0] == right
    assert _suggested(engine, org_id, PATROL[0])[0] == "GR01"
    assert _suggested(engine, org_id, TRAFFIC[0])[0] == "GR02"
    with write_session(engine) as db:
        models = db.scalars(select(RoutingModel).where(RoutingModel.target == "unit")).all()
    active = [m for m in models if m.active]
    assert len(active) == 1 and active[0].metrics["corrections"] == 5 + 10 * rounds
    assert len(models) == 2  # the trained base and the newest corrected version


@pytest.mark.parametrize("engine", ["sqlite"], indirect=True)
def test_transfer_to_a_unit_the_model_does_not_know_is_kept_for_training(engine: Engine) -> None:
    client, world, org_id = _trained_world(engine)
    with write_session(engine) as db:
        office = org.find_office(db_session=db, ref="GR")
        org.create_unit(db_session=db, office=office, code="GR09", name="신설 파출소")
    filed_and_moved(client, world, unit="GR01", to="GR09", text=CORRECTED, note="신설")
    assert commit_order.settle(engine)
    with write_session(engine) as db:
        done = learn_from_transfers(db)
        active = db.scalars(select(RoutingModel).where(RoutingModel.active.is_(True))).all()
    assert done.read == 1 and done.learned == 0 and done.skipped == 1 and done.model_ids == []
    assert all("corrections" not in m.metrics for m in active)


def test_no_transfers_and_no_model_do_nothing(engine: Engine) -> None:
    build_world(engine)
    assert commit_order.settle(engine)
    with write_session(engine) as db:
        assert learn_from_transfers(db).read == 0
