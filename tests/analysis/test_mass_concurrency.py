"""다수인 under load: many citizens posting one matter at the same moment, into several units of
one office, never meet an error, and afterwards every voice is in one group whose size is the
number of voices, marked 다수인 (each voice has its own citizen).

The writers go on until ``MINWON_STRESS_SECONDS`` seconds have passed (5 by default; the
issue's proof is 20) and they have made ``MINWON_STRESS_INTAKES`` voices between them (200 by
default), so even a slow machine sees hundreds of intakes meet."""

import logging
import os
import threading
import time
from collections import Counter
from dataclasses import dataclass, field

import pytest
from factories import World, build_world, voice_json
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select, text

from minwon.analysis import similar
from minwon.analysis.models import VoiceAnalysis, VoiceBand
from minwon.analysis.tokenize import content_tokens
from minwon.app import create_app
from minwon.db import session_factory, write_session
from minwon.org import service as org_service
from minwon.voices.models import Voice

log = logging.getLogger(__name__)
WRITERS = 8
SECONDS = float(os.environ.get("MINWON_STRESS_SECONDS", "5"))
INTAKES = int(os.environ.get("MINWON_STRESS_INTAKES", "200"))
UNITS = ("GR00", "GR01", "GR02", "GR11", "GR12", "GR13", "GR14", "GR15")
LOGINS = ("gr_officer", "gr_officer2", "gr2_officer", "gr_lead")
TEXTS = (
    "아파트 정문 앞 도로에 불법 주차 차량이 많아 통행이 어렵습니다. 단속을 부탁드립니다.",
    "단속 부탁드립니다. 통행이 어렵습니다, 아파트 정문 앞 도로의 불법 주차 차량이 많아서요.",
    "아파트 정문앞 도로에 불법주차 차량이 많아서 통행이 어려워요. 단속 부탁드려요!",
    "아파트 정문 앞 도로에 밤마다 불법 주차 차량이 너무 많아 통행이 어렵습니다. 단속 바랍니다.",
)


@dataclass
class Tally:
    """What the writers got back, shared between their threads."""

    stop_at: float
    took: float = 0.0
    created: list[int] = field(default_factory=list)
    errors: Counter[str] = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def going(self) -> bool:
        """Whether the writers go on: until the time is up and enough intakes were made."""
        with self.lock:
            made = len(self.created) + sum(self.errors.values())
        return time.perf_counter() < self.stop_at or made < INTAKES


def _writer(client: TestClient, world: World, me: int, tally: Tally) -> None:
    n = 0
    while tally.going():
        body = voice_json(
            title="정문 앞 불법 주차",
            body=TEXTS[(me + n) % len(TEXTS)],
            unit=UNITS[me % len(UNITS)],
            channel="web",
            contact={"name": "주민", "phone": f"010-{7000 + me:04d}-{n:04d}", "consent": True},
        )
        headers = world.auth(LOGINS[me % len(LOGINS)])
        try:
            r = client.post("/api/v1/voices", json=body, headers=headers)
            outcome = str(r.status_code) if r.status_code != 201 else None
        except Exception as exc:  # a writer reports every failure, whatever its kind
            outcome = type(exc).__name__
            r = None
        with tally.lock:
            if outcome is None and r is not None:
                tally.created.append(r.json()["id"])
            else:
                tally.errors[outcome or "?"] += 1
        n += 1


def _more_units(engine: Engine) -> None:
    """Units enough for every writer to number its voices in a ledger of its own (writers of
    one ledger queue on its counter, so they would never meet in the analysis)."""
    with write_session(engine) as db:
        office = org_service.find_office(db_session=db, ref="GR")
        for code in UNITS[3:]:
            org_service.create_unit(db_session=db, office=office, code=code, name=f"{code}팀")


def _run_writers(engine: Engine, world: World) -> Tally:
    app = create_app(engine=engine)
    content_tokens(TEXTS[0])  # the morphology model loads once, before the clock starts
    start = time.perf_counter()
    tally = Tally(stop_at=start + SECONDS)
    clients = [TestClient(app, raise_server_exceptions=False) for _ in range(WRITERS)]
    threads = [
        threading.Thread(target=_writer, args=(c, world, i, tally)) for i, c in enumerate(clients)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    tally.took = time.perf_counter() - start
    return tally


def _stored_groups(engine: Engine) -> tuple[int, Counter[int | None], int, int]:
    """(voices, voices per group, voices marked 다수인, voices in the similar-voice index)."""
    with session_factory(engine)() as db:
        voices = int(db.scalar(select(func.count()).select_from(Voice)) or 0)
        per_group = select(VoiceAnalysis.cluster_id, func.count()).group_by(
            VoiceAnalysis.cluster_id
        )
        groups = Counter(dict(db.execute(per_group).all()))
        marked = int(db.scalar(select(func.count()).where(VoiceAnalysis.mass.is_(True))) or 0)
        indexed = int(db.scalar(select(func.count(func.distinct(VoiceBand.voice_id)))) or 0)
    return voices, groups, marked, indexed


def _postgresql_only(engine: Engine) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("the concurrency of row locks is PostgreSQL's; SQLite serialises writers")


def _waiting_for_office_lock(engine: Engine, office_id: int) -> int:
    """How many transactions of this database wait for the office's lock of the groups."""
    query = text(
        "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
        " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
        " AND classid = :space AND objid = :office AND objsubid = 2"
    )
    with engine.connect() as conn:
        found = conn.scalar(query, {"space": similar.LOCK_SPACE, "office": office_id})
        return int(found or 0)


def test_comparing_voices_of_one_office_waits_for_the_transaction_before(engine: Engine) -> None:
    _postgresql_only(engine)
    sessions = session_factory(engine)
    got: list[str] = []
    with sessions() as first:
        similar.lock_office(first, 1)
        with sessions() as other_office:
            similar.lock_office(other_office, 2)  # another office does not wait
            other_office.commit()

        def second() -> None:
            with sessions() as db:
                similar.lock_office(db, 1)
                got.append("second")
                db.commit()

        waiter = threading.Thread(target=second)
        waiter.start()
        deadline = time.perf_counter() + 30
        while not _waiting_for_office_lock(engine, 1) and time.perf_counter() < deadline:
            time.sleep(0.05)
        assert _waiting_for_office_lock(engine, 1) == 1 and got == []
        got.append("first")
        first.commit()
        waiter.join(timeout=30)
    assert got == ["first", "second"]


def test_concurrent_writers_of_one_matter_get_no_error_and_one_exact_group(
    engine: Engine,
) -> None:
    _postgresql_only(engine)
    world = build_world(engine)
    _more_units(engine)
    tally = _run_writers(engine, world)
    n = len(tally.created)
    log.info("%d writers, %d intakes in %.1f s, errors %s", WRITERS, n, tally.took, tally.errors)
    assert dict(tally.errors) == {}, f"{sum(tally.errors.values())} errors in {n} intakes"
    voices, groups, marked, indexed = _stored_groups(engine)
    assert voices == n and indexed == n
    assert len(groups) == 1 and None not in groups, groups
    assert sum(groups.values()) == n and marked == n
    client = TestClient(create_app(engine=engine))
    h = world.auth("gr_cs")
    shown = client.get("/api/v1/analysis/clusters?office=GR", headers=h).json()
    assert [(c["size"], c["citizens"], c["mass"]) for c in shown] == [(n, n, True)]
    for voice_id in (tally.created[0], tally.created[-1]):
        got = client.get(f"/api/v1/voices/{voice_id}/analysis", headers=h).json()
        assert got["mass"] is True and got["cluster_id"] == shown[0]["cluster_id"]
