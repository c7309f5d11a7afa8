"""Three workers on one database run the background rounds at once: every answered voice gets
one survey invitation, the rollups equal a one-worker run, a surge is alerted once, and the
jobs of a worker that died are taken over when its leases expire."""

import threading
from datetime import UTC, timedelta

import time_machine
from dbtools import configured
from factories import build_world, voice_json
from fastapi.testclient import TestClient
from sqlalchemy import Engine, delete, func, select, update

from minwon import background
from minwon.analysis.models import SurgeAlert
from minwon.app import create_app
from minwon.db import make_engine, session_factory, write_session
from minwon.leases import JobLease
from minwon.org import service as org
from minwon.org.models import Staff
from minwon.outbox.models import OutboxMessage
from minwon.reports import cuboids, rollups
from minwon.reports.models import RollupCursor
from minwon.surveys import templates
from minwon.surveys.models import SurveyInvitation
from minwon.timeutil import utcnow

BASE = "http://minwon.test"
WORKERS = 3
ROUNDS = 4
ANSWERED = 12


def _post(client: TestClient, h: dict, days_ago: float, **kw: object) -> dict:
    at = (utcnow() - timedelta(days=days_ago)).astimezone(UTC).isoformat()
    r = client.post("/api/v1/voices", json=voice_json(received_at=at, **kw), headers=h)
    assert r.status_code == 201, r.text
    return r.json()


def _ledger(engine: Engine) -> TestClient:
    """A ledger with answered voices (citizens with e-mail), a transfer, and a surge of
    싱크홀 voices in 구로3동 this week after one a week before."""
    world = build_world(engine)
    with write_session(engine) as db:
        templates.ensure_defaults(
            db_session=db, organization_id=org.find_organization(db_session=db, ref="KNPA").id
        )
        db.execute(update(Staff).where(Staff.login == "gr_lead").values(email="lead@gr.kr"))
    client = TestClient(create_app(engine=engine))
    h = world.auth("gr_lead")
    for i in range(ANSWERED):
        contact = {"email": f"citizen{i}@example.kr"}
        voice = _post(client, h, 0.1, unit="GR01", contact=contact)
        client.post(f"/api/v1/voices/{voice['id']}/answer", json={"body": "조치"}, headers=h)
        done = client.post(f"/api/v1/voices/{voice['id']}/answer/approve", headers=h)
        assert done.status_code == 200, done.text
    waiting = _post(client, h, 0.1, unit="GR01")
    moved = client.post(
        f"/api/v1/voices/{waiting['id']}/transfer", json={"unit": "GR02", "note": "담당"}, headers=h
    )
    assert moved.status_code == 200, moved.text
    for week in range(1, 9):
        _post(client, h, 7 * week + 1, unit="GR01", dong="구로3동", body=f"싱크홀 신고 {week}")
    for i in range(9):
        text = f"구로3동 도로에 싱크홀이 생겼어요 {i}"
        _post(client, h, 0.2 + i * 0.5, unit="GR01", dong="구로3동", title=text, body=text)
    return client


def _in_workers(engine: Engine, rounds: int) -> list[background.Round]:
    """``rounds`` background rounds in each of ``WORKERS`` threads started together, each
    worker with its own engine and name, as separate processes would be."""
    url = engine.url.render_as_string(hide_password=False)
    engines = [make_engine(url) for _ in range(WORKERS)]
    start = threading.Barrier(WORKERS)
    done: list[background.Round] = []
    errors: list[BaseException] = []

    def work(i: int) -> None:
        try:
            start.wait()
            for _ in range(rounds):
                done.append(background.run_once(engines[i], base_url=BASE, holder=f"w{i}"))
        except BaseException as exc:  # reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(WORKERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for e in engines:
        e.dispose()
    assert not errors, errors
    return done


ROLLUPS = [c.model for family in (cuboids.VOICE, cuboids.SURVEY) for c in cuboids.of_family(family)]


def _rollup_rows(engine: Engine) -> dict[str, list[tuple]]:
    with session_factory(engine)() as db:
        return {
            m.__tablename__: sorted(tuple(r) for r in db.execute(select(m.__table__)).all())
            for m in ROLLUPS
        }


def _one_worker_rollups(engine: Engine) -> dict[str, list[tuple]]:
    """The rollups as one worker alone makes them from the same ledger."""
    with write_session(engine) as db:
        for model in ROLLUPS:
            db.execute(delete(model))
        db.execute(delete(RollupCursor))
    rollups.update(engine)
    return _rollup_rows(engine)


def test_three_workers_at_once_invite_count_and_alert_exactly_once(engine: Engine) -> None:
    _ledger(engine)
    rounds = _in_workers(engine, ROUNDS)
    assert len(rounds) == WORKERS * ROUNDS
    assert sum(r.invited for r in rounds) == ANSWERED
    with session_factory(engine)() as db:
        voices = db.scalars(select(SurveyInvitation.voice_id)).all()
        mails = db.execute(
            select(OutboxMessage.topic, OutboxMessage.recipient, OutboxMessage.subject)
        ).all()
        alerts = db.execute(select(SurgeAlert.office_id, SurgeAlert.kind, SurgeAlert.key)).all()
        leased = db.scalars(select(JobLease.holder)).all()
    assert len(voices) == len(set(voices)) == ANSWERED
    survey_mails = [m for m in mails if m.topic == "survey"]
    assert len(survey_mails) == len({m.recipient for m in survey_mails}) == ANSWERED
    assert ("place", "구로3동") in {(kind, key) for _, kind, key in alerts}
    assert len(alerts) == len(set(alerts))
    surge_mails = [m.subject for m in mails if m.topic == "surge"]
    assert len(surge_mails) == len(set(surge_mails)) == len(alerts)
    assert sum(r.alerts for r in rounds) == len(alerts)
    assert leased == [None] * 5  # every lease given back (analysis, surveys, rollups, imports,
    # sign-in pruning)
    counted = _rollup_rows(engine)
    assert counted["rollup_voice_day"] and counted["rollup_survey_day"]
    assert counted == _one_worker_rollups(engine)


def test_a_dead_workers_jobs_are_taken_over_when_its_leases_expire(
    engine: Engine, clock: time_machine.Traveller
) -> None:
    _ledger(engine)
    dead = "host:4242:dead"
    with write_session(engine) as db:
        for job in ("analysis", "survey-invitations", "rollups"):
            at = utcnow()
            db.add(
                JobLease(
                    name=f"background:{job}",
                    holder=dead,
                    taken_at=at,
                    expires_at=at + background.LEASE,
                )
            )
    waiting = background.run_once(engine, base_url=BASE, holder="alive")
    assert waiting.busy == ("analysis", "survey-invitations", "rollups")
    assert (waiting.invited, waiting.counted, waiting.alerts) == (0, 0, 0)
    clock.shift(background.LEASE + timedelta(seconds=1))
    taken = background.run_once(engine, base_url=BASE, holder="alive")
    assert taken.busy == () and taken.invited == ANSWERED and taken.counted > 0
    assert taken.alerts >= 1
    with session_factory(engine)() as db:
        assert db.scalar(select(func.count()).select_from(SurveyInvitation)) == ANSWERED


def test_worker_once_names_the_jobs_another_worker_is_running(engine: Engine) -> None:
    from typer.testing import CliRunner

    from minwon.cli import app

    build_world(engine)
    with write_session(engine) as db:
        at = utcnow()
        db.add(
            JobLease(
                name="background:rollups",
                holder="other-host:77:abcd",
                taken_at=at,
                expires_at=at + background.LEASE,
            )
        )
    with configured(engine.url.render_as_string(hide_password=False)):
        done = CliRunner().invoke(app, ["worker", "--once"])
    assert done.exit_code == 0, done.output
    assert "건너뛴 작업: rollups" in done.output and "만족도 조사 초대: 0건" in done.output
    with session_factory(engine)() as db:
        assert db.get(JobLease, "background:rollups").holder == "other-host:77:abcd"
        assert db.get(JobLease, "background:analysis").holder is None
