"""Leases: of many workers asking at once exactly one gets a job; it is given back after the
job (also a failed one), and a crashed holder's lease expires so that another takes over."""

import threading
from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import Engine, select

from minwon import leases
from minwon.db import make_engine, session_factory, write_session
from minwon.leases import JobLease
from minwon.timeutil import utcnow

TTL = timedelta(minutes=5)


def _url(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=False)


def _at_once(engine: Engine, workers: int, work) -> list:
    """Run ``work(engine, i)`` in ``workers`` threads, each with its own engine (as separate
    processes would have), all released together; their results in worker order."""
    engines = [make_engine(_url(engine)) for _ in range(workers)]
    start = threading.Barrier(workers)
    results: list = [None] * workers
    errors: list[BaseException] = []

    def run(i: int) -> None:
        try:
            start.wait()
            results[i] = work(engines[i], i)
        except BaseException as exc:  # reported by the test below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for e in engines:
        e.dispose()
    assert not errors, errors
    return results


def test_of_many_workers_asking_at_once_exactly_one_takes_the_lease(engine: Engine) -> None:
    for round_ in range(3):
        name = f"job-{round_}"
        got = _at_once(
            engine, 6, lambda eng, i, n=name: leases.take(eng, name=n, holder=f"w{i}", ttl=TTL)
        )
        assert got.count(True) == 1
        with session_factory(engine)() as db:
            lease = db.get(JobLease, name)
        assert lease is not None and lease.holder == f"w{got.index(True)}"


def test_a_held_lease_is_refused_to_others_until_given_back(engine: Engine) -> None:
    assert leases.take(engine, name="rollups", holder="a", ttl=TTL)
    assert not leases.take(engine, name="rollups", holder="b", ttl=TTL)
    assert leases.take(engine, name="rollups", holder="a", ttl=TTL)  # its holder may take it again
    leases.release(engine, name="rollups", holder="b")  # not b's: nothing changes
    assert not leases.take(engine, name="rollups", holder="b", ttl=TTL)
    leases.release(engine, name="rollups", holder="a")
    assert leases.take(engine, name="rollups", holder="b", ttl=TTL)
    assert leases.take(engine, name="surges", holder="a", ttl=TTL)  # leases are per job


def test_a_crashed_holders_lease_expires_and_another_takes_over(
    engine: Engine, clock: time_machine.Traveller
) -> None:
    assert leases.take(engine, name="rollups", holder="crashed", ttl=TTL)
    clock.shift(TTL - timedelta(seconds=5))
    assert not leases.take(engine, name="rollups", holder="next", ttl=TTL)
    clock.shift(timedelta(seconds=10))
    assert leases.take(engine, name="rollups", holder="next", ttl=TTL)
    leases.release(engine, name="rollups", holder="crashed")  # it woke up: too late
    assert not leases.take(engine, name="rollups", holder="third", ttl=TTL)
    with session_factory(engine)() as db:
        assert db.scalar(select(JobLease.holder)) == "next"


def test_held_gives_the_lease_back_after_the_block_even_when_it_failed(engine: Engine) -> None:
    with leases.held(engine, "invitations", holder="a", ttl=TTL) as taken:
        assert taken
        with leases.held(engine, "invitations", holder="b", ttl=TTL) as other:
            assert not other
    with pytest.raises(RuntimeError), leases.held(engine, "invitations", holder="b", ttl=TTL):
        raise RuntimeError("the job failed")
    assert leases.take(engine, name="invitations", holder="c", ttl=TTL)


def test_holders_name_their_host_and_process_and_differ() -> None:
    first, second = leases.new_holder(), leases.new_holder()
    assert first != second and first.split(":")[1] == second.split(":")[1]
    assert len(first) <= 200


def test_serialized_transactions_take_turns(engine: Engine) -> None:
    """Three read-then-write transactions on the same key: each sees what the one before it
    wrote, so the counter ends at 3 (without the lock, PostgreSQL would lose updates)."""
    with write_session(engine) as db:
        db.add(JobLease(name="counter", holder="0", taken_at=utcnow(), expires_at=utcnow()))

    def bump(eng: Engine, _i: int) -> None:
        with write_session(eng) as db:
            leases.serialize(db, "counter", 1)
            row = db.scalars(select(JobLease).where(JobLease.name == "counter")).one()
            seen = int(row.holder or "0")
            db.execute(select(1)).all()  # a round trip between the read and the write
            row.holder = str(seen + 1)

    _at_once(engine, 3, bump)
    with session_factory(engine)() as db:
        assert db.get(JobLease, "counter").holder == "3"
