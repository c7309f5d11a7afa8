"""Training routing models from answered voices, then automatic routing and the route API."""

import shutil
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, NamedTuple

import pytest
import time_machine
from conftest import TEST_NOW
from factories import World, build_world, filed_and_moved, voice_json
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import Engine, select

from minwon import commit_order
from minwon.analysis import training
from minwon.analysis.models import RoutingModel
from minwon.analysis.training import train
from minwon.app import create_app
from minwon.db import make_engine, write_session
from minwon.errors import Invalid
from minwon.org import service as org

TRAFFIC = [
    "신호등이 고장 나서 차들이 뒤엉킵니다",
    "횡단보도 신호가 너무 짧아요",
    "교차로 신호 위반 차량 단속",
    "불법 주정차 때문에 버스가 못 지나가요",
    "과속 차량이 많아 과속 카메라 설치 요청",
]
PATROL = [
    "밤마다 골목이 어두워 순찰을 늘려 주세요",
    "빈집털이가 걱정되니 야간 순찰 부탁드립니다",
    "공원에 밤늦게 청소년들이 모여 소란",
    "놀이터 주변 순찰 강화 요청",
    "상가 뒷골목 방범 순찰 요청",
]


def _answered(client: TestClient, world, unit: str, text: str, day: int) -> None:
    at = f"2026-0{1 + day % 8}-{10 + day % 15:02d}T10:00:00+09:00"
    vid = client.post(
        "/api/v1/voices",
        json=voice_json(unit=unit, title=text[:20], body=text, received_at=at),
        headers=world.auth("gr_cs"),
    ).json()["id"]
    client.post(
        f"/api/v1/voices/{vid}/answer", json={"body": "조치했습니다."}, headers=world.auth("gr_cs")
    )
    client.post(f"/api/v1/voices/{vid}/answer/approve", headers=world.auth("gr_cs"))


def _forty_answered(client: TestClient, world: World) -> None:
    """Four rounds of the traffic and patrol voices, answered by GR02 and GR01."""
    for i in range(4):
        for j, text in enumerate(TRAFFIC):
            _answered(client, world, "GR02", f"{text} ({i})", i * 5 + j)
        for j, text in enumerate(PATROL):
            _answered(client, world, "GR01", f"{text} ({i})", i * 5 + j)


@pytest.mark.parametrize("engine", ["sqlite"], indirect=True)
def test_train_then_route_automatically(engine: Engine) -> None:
    world = build_world(engine, settings={"analysis": {"auto_route_threshold": 0.5}})
    client = TestClient(create_app(engine=engine))
    _forty_answered(client, world)
    with write_session(engine) as db:
        org_id = org.find_organization(db_session=db, ref="KNPA").id
        [trained] = train(db_session=db, organization_id=org_id, target="unit")
    assert trained.n_train == 40 and 0 <= trained.metrics["accuracy"] <= 1
    assert 0 < trained.metrics["confidence_ceiling"] <= 1
    assert trained.office == "GR"
    route = client.post(
        "/api/v1/analysis/route",
        json={"text": "사거리 신호등이 꺼져 있어요"},
        headers=world.auth("gr_lead"),
    )
    assert route.status_code == 200, route.text
    data = route.json()
    assert data["unit"]["code"] == "GR02" and 0 <= data["confidence"] <= 1
    assert len(data["alternatives"]) >= 1
    created = client.post(
        "/api/v1/voices",
        json=voice_json(title="순찰", body="밤에 골목 순찰을 늘려 주세요", dong="신도림동"),
        headers=world.auth("gr_cs"),
    ).json()
    analysis = client.get(
        f"/api/v1/voices/{created['id']}/analysis", headers=world.auth("gr_cs")
    ).json()
    assert analysis["suggested_unit"] == "GR01"
    if analysis["auto_routed"]:
        assert created["unit"]["code"] == "GR01"


@pytest.mark.parametrize("engine", ["sqlite"], indirect=True)
def test_training_needs_enough_answered_voices(engine: Engine) -> None:
    build_world(engine)
    with write_session(engine) as db:
        org_id = org.find_organization(db_session=db, ref="KNPA").id
        with pytest.raises(Invalid, match="부족"):
            train(db_session=db, organization_id=org_id, target="unit")
        with pytest.raises(Invalid):
            train(db_session=db, organization_id=org_id, target="nonsense")


@pytest.mark.parametrize("engine", ["sqlite"], indirect=True)
def test_training_apart_lets_intake_file_voices_while_it_fits(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    world = build_world(engine)
    client = TestClient(create_app(engine=engine))
    _forty_answered(client, world)
    fit, filed = training._fit, []

    def fit_while_a_citizen_files(target: str, job: Any, progress: Any) -> Any:
        body = voice_json(unit="GR01", title="가로등 고장", body="골목 가로등이 꺼졌어요")
        filed.append(client.post("/api/v1/voices", json=body, headers=world.auth("gr_cs")))
        return fit(target, job, progress)

    monkeypatch.setattr(training, "_fit", fit_while_a_citizen_files)
    with write_session(engine) as db:
        org_id = org.find_organization(db_session=db, ref="KNPA").id
    [trained] = training.train_apart(engine, organization_id=org_id, target="unit")
    assert [r.status_code for r in filed] == [201]  # not kept waiting by the training
    assert trained.n_train == 40 and trained.office == "GR"
    with write_session(engine) as db:
        office_id = org.find_office(db_session=db, ref="GR").id
        active = training.active_models(db, org_id, "unit", office_id)
    assert [m.id for m in active] == [trained.model_id]
    with pytest.raises(Invalid):
        training.train_apart(engine, organization_id=org_id, target="nonsense")
    with pytest.raises(Invalid, match="부족"):  # an organisation that is not there has no history
        training.train_apart(engine, organization_id=org_id + 999, target="unit")
    with write_session(engine) as db:
        assert not training.grown(db, org_id + 999, "unit")
        still = training.active_models(db, org_id, "unit", office_id)
        assert [m.id for m in still] == [trained.model_id]  # nothing stored, nothing retired


@pytest.mark.parametrize("engine", ["sqlite"], indirect=True)
def test_the_worker_retrains_once_a_day_when_the_history_has_grown(engine: Engine) -> None:
    from minwon.analysis import jobs

    world = build_world(engine)
    client = TestClient(create_app(engine=engine))
    now = datetime(2026, 6, 1, 3, tzinfo=UTC)
    for j, text in enumerate(TRAFFIC * 4):
        _answered(client, world, "GR02", f"{text} ({j})", j)
    for j, text in enumerate(PATROL * 4):
        _answered(client, world, "GR01", f"{text} ({j})", j)
    assert jobs.run_once(engine, now=now).retrained == 0  # nobody trained yet: the admin's call
    with write_session(engine) as db:
        org_id = org.find_organization(db_session=db, ref="KNPA").id
        [first] = train(db_session=db, organization_id=org_id, target="unit")
    assert first.metrics[training.HISTORY] == 40
    for j, text in enumerate(TRAFFIC * 4):  # 20 more answered voices: half as many again
        _answered(client, world, "GR02", f"{text} (새 {j})", j)
    assert jobs.run_once(engine, now=now + timedelta(hours=2)).retrained == 0  # once a day
    later = jobs.run_once(engine, now=now + timedelta(days=1, hours=1))
    assert later.retrained == 1
    with write_session(engine) as db:
        [model] = db.scalars(
            select(RoutingModel).where(RoutingModel.target == "unit", RoutingModel.active)
        ).all()
        assert model.id != first.model_id and model.metrics[training.HISTORY] == 60
        assert not training.grown(db, org_id, "unit")  # nothing new since
    assert jobs.run_once(engine, now=now + timedelta(days=2, hours=2)).retrained == 0


@pytest.mark.parametrize("engine", ["sqlite"], indirect=True)
def test_the_worker_retrains_a_model_an_older_minwon_trained(engine: Engine) -> None:
    from minwon.analysis import jobs

    world = build_world(engine)
    client = TestClient(create_app(engine=engine))
    _forty_answered(client, world)
    with write_session(engine) as db:
        org_id = org.find_organization(db_session=db, ref="KNPA").id
        [first] = train(db_session=db, organization_id=org_id, target="unit")
        model = db.get(RoutingModel, first.model_id)
        assert model is not None and not training.grown(db, org_id, "unit")
        # as stored before the confidence had a calibration and a ceiling
        model.metrics = {k: v for k, v in model.metrics.items() if k != training.CEILING}
    with write_session(engine) as db:
        assert training.grown(db, org_id, "unit")  # not one voice more: its model is old
    assert jobs.run_once(engine, now=datetime(2026, 6, 1, 3, tzinfo=UTC)).retrained == 1
    with write_session(engine) as db:
        [active] = db.scalars(
            select(RoutingModel).where(RoutingModel.target == "unit", RoutingModel.active)
        ).all()
        assert active.id != first.model_id and training.CEILING in active.metrics
        assert not training.grown(db, org_id, "unit")
        # another office's old model that training could not replace (too few voices now)
        dj = org.find_office(db_session=db, ref="DJ").id
        training.store_model(
            db,
            organization_id=org_id,
            target="unit",
            blob=active.blob,
            n_train=5,
            metrics={},
            office_id=dj,
        )
    with write_session(engine) as db:
        assert not training.grown(db, org_id, "unit")  # not retried every day: growth decides


def _answered_as(client: TestClient, world, who: str, unit: str, text: str, day: int) -> None:
    at = f"2026-0{1 + day % 8}-{10 + day % 15:02d}T10:00:00+09:00"
    h = world.auth(who)
    body = voice_json(unit=unit, title=text[:20], body=text, received_at=at)
    vid = client.post("/api/v1/voices", json=body, headers=h).json()["id"]
    client.post(f"/api/v1/voices/{vid}/answer", json={"body": "조치했습니다."}, headers=h)
    client.post(f"/api/v1/voices/{vid}/answer/approve", headers=h)


def _labels(engine: Engine, office: str | None) -> list[str]:
    """The labels of the active unit model of an office (None: the organisation-wide one)."""
    from sqlalchemy import select

    from minwon.analysis.classifier import Router
    from minwon.analysis.models import RoutingModel
    from minwon.db import session_factory
    from minwon.org.models import Office

    with session_factory(engine)() as db:
        office_id = db.scalar(select(Office.id).where(Office.code == office))
        which = (
            RoutingModel.office_id.is_(None)
            if office is None
            else RoutingModel.office_id == office_id
        )
        blob = db.scalar(
            select(RoutingModel.blob).where(
                RoutingModel.target == "unit", which, RoutingModel.active.is_(True)
            )
        )
        assert blob is not None, f"no active unit model for {office or 'the organisation'}"
        return Router.from_bytes(blob).labels


def _world_with_history(engine: Engine) -> tuple[TestClient, World, int]:
    """GR: patrol → GR01, traffic → GR02, more patrol → GR03; DJ: patrol → DJ01, traffic →
    DJ02 (all answered)."""
    world = build_world(engine, settings={"analysis": {"auto_route_threshold": 0.99}})
    client = TestClient(create_app(engine=engine))
    for code, office in (("GR03", "GR"), ("DJ02", "DJ")):
        unit = {"office": office, "code": code, "name": f"{code}팀"}
        client.post("/api/v1/units", json=unit, headers=world.auth("admin"))
    for i in range(3):
        for j, text in enumerate(TRAFFIC):
            _answered_as(client, world, "gr_cs", "GR02", f"{text} ({i})", i * 5 + j)
            _answered_as(client, world, "admin", "DJ02", f"{text} ({i}) 대전", i * 5 + j)
        for j, text in enumerate(PATROL):
            _answered_as(client, world, "gr_cs", "GR01", f"{text} ({i})", i * 5 + j)
            _answered_as(client, world, "gr_cs", "GR03", f"{text} 방범 ({i})", i * 5 + j)
            _answered_as(client, world, "admin", "DJ01", f"{text} ({i}) 대전", i * 5 + j)
    with write_session(engine) as db:
        org_id = org.find_organization(db_session=db, ref="KNPA").id
    return client, world, org_id


class History(NamedTuple):
    """``_world_with_history`` on a database of the test's own."""

    engine: Engine
    client: TestClient
    world: World
    org_id: int


@pytest.fixture(scope="module")
def history_file(
    tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path
) -> tuple[Path, World, int]:
    """``_world_with_history`` on SQLite, filed and answered through the API once for the
    module, an hour before the test clock starts: each test that needs it copies the file."""
    path = tmp_path_factory.mktemp("history") / "minwon.db"
    shutil.copyfile(sqlite_template, path)
    engine = make_engine(f"sqlite:///{path}")
    with time_machine.travel(TEST_NOW - timedelta(hours=1), tick=True):
        _, world, org_id = _world_with_history(engine)
    engine.dispose()
    return path, world, org_id


@pytest.fixture
def history(history_file: tuple[Path, World, int], tmp_path: Path) -> Iterator[History]:
    """A copy of the module's history for one test."""
    source, world, org_id = history_file
    shutil.copyfile(source, tmp_path / "minwon.db")
    engine = make_engine(f"sqlite:///{tmp_path / 'minwon.db'}")
    yield History(engine, TestClient(create_app(engine=engine)), world, org_id)
    engine.dispose()


def _trained(history: History) -> History:
    """The history with its unit models trained."""
    with write_session(history.engine) as db:
        train(db_session=db, organization_id=history.org_id, target="unit")
    return history


def _route(
    client: TestClient, world: World, who: str, text: str, office: str | None = None
) -> Response:
    """``POST /api/v1/analysis/route`` as ``who`` (naming ``office`` when given)."""
    params = {"office": office} if office is not None else {}
    return client.post(
        "/api/v1/analysis/route", params=params, json={"text": text}, headers=world.auth(who)
    )


def _codes(response: Response) -> list[str]:
    """The suggested unit's code, then the alternatives', best first."""
    data = response.json()
    return [data["unit"]["code"], *(a["unit"]["code"] for a in data["alternatives"])]


def test_each_office_gets_its_own_unit_model_and_only_its_units(history: History) -> None:
    engine, client, world, org_id = history
    with write_session(engine) as db:
        models = train(db_session=db, organization_id=org_id, target="unit")
    assert sorted((m.office, m.n_train) for m in models) == [("", 75), ("DJ", 30), ("GR", 45)]
    assert _labels(engine, "GR") == ["GR01", "GR02", "GR03"]
    assert _labels(engine, "DJ") == ["DJ01", "DJ02"]
    text = {"text": "사거리 신호등이 꺼져 있어요"}
    for who, office in (("gr_lead", "GR"), ("dj_lead", "DJ")):
        r = client.post("/api/v1/analysis/route", json=text, headers=world.auth(who))
        assert r.status_code == 200, r.text
        assert all(code.startswith(office) for code in _codes(r))
    anywhere = client.post("/api/v1/analysis/route", json=text, headers=world.auth("hq"))
    assert anywhere.json()["unit"]["code"] in ("GR02", "DJ02")


def test_merged_history_teaches_the_successor_and_closed_history_is_left_out(
    history: History,
) -> None:
    engine, client, world, org_id = history
    admin = world.auth("admin")
    client.patch("/api/v1/units/GR03", json={"merged_into": "GR01"}, headers=admin)
    with write_session(engine) as db:
        [gr] = [
            m
            for m in train(db_session=db, organization_id=org_id, target="unit")
            if m.office == "GR"
        ]
    assert gr.n_train == 45 and _labels(engine, "GR") == ["GR01", "GR02"]
    client.patch("/api/v1/units/GR03", json={"merged_into": None}, headers=admin)
    with write_session(engine) as db:
        [gr] = [
            m
            for m in train(db_session=db, organization_id=org_id, target="unit")
            if m.office == "GR"
        ]
    assert gr.n_train == 30 and _labels(engine, "GR") == ["GR01", "GR02"]
    r = client.post(
        "/api/v1/analysis/route", json={"text": "야간 순찰 요청"}, headers=world.auth("gr_lead")
    )
    assert r.json()["unit"]["code"] != "GR03"


def test_a_new_units_duties_make_it_a_suggestion_before_it_has_history(history: History) -> None:
    engine, client, world, org_id = history
    unit = {"office": "GR", "code": "GR04", "name": "여성청소년계"}
    client.post("/api/v1/units", json=unit, headers=world.auth("admin"))
    duties = {"duties": "학교폭력 상담, 실종 아동 수색, 청소년 선도"}
    client.patch("/api/v1/units/GR04", json=duties, headers=world.auth("admin"))
    with write_session(engine) as db:
        train(db_session=db, organization_id=org_id, target="unit")
    assert "GR04" in _labels(engine, "GR")
    r = client.post(
        "/api/v1/analysis/route",
        json={"text": "학교폭력 상담을 받고 싶어요"},
        headers=world.auth("gr_lead"),
    )
    assert "GR04" in _codes(r)


def test_a_caller_of_no_office_is_answered_by_one_model_of_every_offices_units(
    history: History,
) -> None:
    engine, client, world, _ = _trained(history)
    assert _labels(engine, None) == ["DJ01", "DJ02", "GR01", "GR02", "GR03"]
    r = _route(client, world, "hq", "대전 사거리 신호등이 꺼져 있어요")
    assert r.status_code == 200, r.text
    codes = _codes(r)
    # one ranking over both offices' units, not one office's model picked by its confidence
    assert codes[0] == "DJ02" and {c[:2] for c in codes} == {"DJ", "GR"}


def test_an_office_without_its_own_model_is_routed_among_its_own_units(
    history: History,
) -> None:
    from sqlalchemy import delete, select

    from minwon.analysis.models import RoutingModel
    from minwon.org.models import Office

    engine, client, world, org_id = history
    with write_session(engine) as db:
        models = train(db_session=db, organization_id=org_id, target="unit")
        dj = db.scalar(select(Office.id).where(Office.code == "DJ"))
        db.execute(delete(RoutingModel).where(RoutingModel.office_id == dj))  # DJ has none
    assert "" in {m.office for m in models}
    r = _route(client, world, "dj_lead", "신호등이 고장 났어요")
    assert r.status_code == 200, r.text
    assert all(code.startswith("DJ") for code in _codes(r))


@pytest.mark.parametrize("engine", ["sqlite"], indirect=True)
def test_one_office_of_history_retires_an_older_organisation_wide_model(engine: Engine) -> None:
    from sqlalchemy import select

    from minwon.analysis.models import RoutingModel
    from minwon.analysis.training import store_model

    world = build_world(engine)
    client = TestClient(create_app(engine=engine))
    for i in range(3):
        for j, (traffic, patrol) in enumerate(zip(TRAFFIC, PATROL, strict=True)):
            _answered(client, world, "GR02", f"{traffic} ({i})", i * 5 + j)
            _answered(client, world, "GR01", f"{patrol} ({i})", i * 5 + j)
    with write_session(engine) as db:
        org_id = org.find_organization(db_session=db, ref="KNPA").id
        [gr] = train(db_session=db, organization_id=org_id, target="unit")
        blob = db.get_one(RoutingModel, gr.model_id).blob
        store_model(  # as a version before per-office models left it
            db, organization_id=org_id, target="unit", blob=blob, n_train=1, metrics={}
        )
    assert _labels(engine, None) == ["GR01", "GR02"]
    with write_session(engine) as db:
        assert [m.office for m in train(db_session=db, organization_id=org_id, target="unit")] == [
            "GR"
        ]
        active = db.scalars(
            select(RoutingModel.office_id).where(
                RoutingModel.target == "unit", RoutingModel.active.is_(True)
            )
        ).all()
    assert len(active) == 1 and active[0] is not None
    assert _codes(_route(client, world, "hq", "야간 순찰"))[0] == "GR01"


def test_hq_can_ask_for_one_offices_units_and_others_only_for_their_own(history: History) -> None:
    _, client, world, _ = _trained(history)
    text = "사거리 신호등이 꺼져 있어요"
    for office in ("GR", "DJ"):
        r = _route(client, world, "hq", text, office)
        assert r.status_code == 200, r.text
        assert all(code.startswith(office) for code in _codes(r))
    own = _route(client, world, "gr_lead", text, "GR")
    assert own.status_code == 200 and _codes(own)[0] == "GR02"
    assert _route(client, world, "gr_lead", text, "DJ").status_code == 404
    for unknown in ("XX", "", "X" * 5_000):
        r = _route(client, world, "hq", text, unknown)
        assert r.status_code == 404 and r.json()["field"] == "office"


def test_a_transfer_teaches_the_offices_model_and_the_organisation_wide_one(
    history: History,
) -> None:
    from sqlalchemy import select

    from minwon.analysis.learning import learn_from_transfers
    from minwon.analysis.models import RoutingModel

    engine, client, world, _ = _trained(history)
    filed_and_moved(client, world, unit="GR01", to="GR02", text="교차로 신호등이 꺼졌어요")
    assert commit_order.settle(engine)
    with write_session(engine) as db:
        done = learn_from_transfers(db)
        active = db.scalars(
            select(RoutingModel).where(RoutingModel.target == "unit", RoutingModel.active.is_(True))
        ).all()
        gr = org.find_office(db_session=db, ref="GR").id
    assert (done.read, done.learned, done.skipped, len(done.model_ids)) == (1, 1, 0, 2)
    taught = {m.office_id: m.metrics.get("corrections") for m in active if m.id in done.model_ids}
    assert taught == {None: 1, gr: 1}  # DJ's model is left as it was
    assert _labels(engine, None) == ["DJ01", "DJ02", "GR01", "GR02", "GR03"]
