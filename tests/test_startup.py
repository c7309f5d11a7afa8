"""What serve and worker do before they write: a database whose schema is behind is named, and
two-factor secrets are sealed under the current secret key — those of an earlier minwon, and
those sealed under a key kept in MINWON_SECRET_KEY_FALLBACKS — so a secret key can change
without signing anyone out of their authenticator app; a key changed without its fallback is
named (log, admin page, API) and changes nothing."""

import logging
import threading
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path

import pytest
from dbtools import configured, second_database, url_of
from factories import World, build_world
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from typer.testing import CliRunner
from web.pagetools import csrf, login

from minwon import migrate, startup
from minwon.app import create_app
from minwon.config import DEFAULT_SECRET_KEY, Settings, get_settings
from minwon.db import make_engine, session_factory, write_session
from minwon.org import admin_security, twofactor
from minwon.org.models import Staff
from minwon.org.roles import Principal
from minwon.org.totp_seal import PREFIX
from minwon.timeutil import utcnow

OLD = "old-" + "o" * 40
NEW = "new-" + "n" * 40
LEGACY = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
"""A secret as a minwon before sealing stored it: plain base32."""

Keys = Callable[..., None]


@pytest.fixture
def keys() -> Iterator[Keys]:
    """Set the process's secret key and fallbacks, as a restart with new settings would."""
    with pytest.MonkeyPatch.context() as mp:

        def use(key: str, *fallbacks: str) -> None:
            mp.setenv("MINWON_SECRET_KEY", key)
            mp.setenv("MINWON_SECRET_KEY_FALLBACKS", ",".join(fallbacks))
            get_settings.cache_clear()

        yield use
    get_settings.cache_clear()


def _stored(engine: Engine, login_name: str) -> str:
    with session_factory(engine)() as db:
        return db.scalar(select(Staff.totp_secret).where(Staff.login == login_name)) or ""


def _enrol(engine: Engine, login_name: str, now: datetime) -> str:
    """Set two-factor up for ``login_name`` under the current key; returns the secret."""
    with write_session(engine) as db:
        staff = db.scalars(select(Staff).where(Staff.login == login_name)).one()
        twofactor.offer_secret(staff)
        twofactor.enable(db_session=db, staff=staff, now=now)
        return twofactor.secret_of(staff)


def _code_works(engine: Engine, login_name: str, secret: str, now: datetime) -> bool:
    with write_session(engine) as db:
        staff = db.scalars(select(Staff).where(Staff.login == login_name)).one()
        staff.totp_last_step = 0
        return twofactor.verify_code(staff, twofactor.code_at(secret, now), now=now)


def test_secrets_of_an_earlier_minwon_are_sealed_at_start(engine: Engine, clock: object) -> None:
    build_world(engine)
    now = utcnow()
    with write_session(engine) as db:
        admin = db.scalars(select(Staff).where(Staff.login == "admin")).one()
        admin.totp_secret, admin.totp_enabled_at = LEGACY, now
        officer = db.scalars(select(Staff).where(Staff.login == "gr_officer")).one()
        officer.totp_secret = LEGACY  # a set-up begun, not confirmed
    assert _code_works(engine, "admin", LEGACY, now)  # read as it is until sealed

    done = startup.prepare(engine)
    assert (done.resealed, done.unreadable) == (2, [])
    for name in ("admin", "gr_officer"):
        assert _stored(engine, name).startswith(PREFIX) and LEGACY not in _stored(engine, name)
    assert _code_works(engine, "admin", LEGACY, now)
    assert startup.prepare(engine).resealed == 0  # each process of a deployment may run it


def test_a_new_key_with_the_old_as_fallback_signs_no_one_out(
    engine: Engine, clock: object, keys: Keys
) -> None:
    build_world(engine)
    now = utcnow()
    keys(OLD)
    secret = _enrol(engine, "admin", now)
    sealed_old = _stored(engine, "admin")

    keys(NEW, OLD)
    assert _code_works(engine, "admin", secret, now)  # before the restart's resealing too
    assert startup.prepare(engine).resealed == 1
    assert _stored(engine, "admin") != sealed_old

    keys(NEW)  # the fallback retired
    assert _code_works(engine, "admin", secret, now)
    assert startup.prepare(engine) == startup.Prepared()


def test_a_key_changed_without_its_fallback_is_named_and_changes_nothing(
    engine: Engine, clock: object, keys: Keys, caplog: pytest.LogCaptureFixture
) -> None:
    world = build_world(engine)
    now = utcnow()
    keys(OLD)
    secret = _enrol(engine, "gr_lead", now)
    with write_session(engine) as db:  # a set-up begun under the old key, never confirmed
        twofactor.offer_secret(db.scalars(select(Staff).where(Staff.login == "gr_officer")).one())
    sealed = _stored(engine, "gr_lead")

    keys(NEW)
    with caplog.at_level(logging.ERROR, logger="minwon"):
        done = startup.prepare(engine)
        startup.log_report(done)  # as serve_app does
    assert done.unreadable == ["gr_lead"] and done.resealed == 0
    assert "gr_lead" in caplog.text and "MINWON_SECRET_KEY_FALLBACKS" in caplog.text
    assert _stored(engine, "gr_lead") == sealed  # kept: the old key may still be found
    assert _stored(engine, "gr_officer") == ""  # the next set-up offers a new secret
    assert not _code_works(engine, "gr_lead", secret, now)

    admin = TestClient(create_app(settings=Settings(), engine=engine))
    login(admin, "admin")
    page = admin.get("/admin/security")
    assert 'id="totp-unreadable"' in page.text and "(gr_lead)" in page.text
    assert admin.get("/api/v1/security").json()["unreadable_totp"] == ["gr_lead"]

    with write_session(engine) as db:
        staff = db.get(Staff, world.staff_ids["gr_lead"])
        boss = Principal(
            staff_id=world.staff_ids["admin"],
            login="admin",
            name="관리자",
            role="admin",
            office_id=None,
            unit_id=None,
        )
        admin_security.reset_totp(db, principal=boss, staff=staff, now=now)
    assert 'id="totp-unreadable"' not in admin.get("/admin/security").text
    assert startup.prepare(engine).unreadable == []


def test_the_worker_says_what_it_sealed(engine: Engine, clock: object) -> None:
    from minwon.cli import app

    build_world(engine)
    with write_session(engine) as db:
        admin = db.scalars(select(Staff).where(Staff.login == "admin")).one()
        admin.totp_secret, admin.totp_enabled_at = LEGACY, utcnow()
    with configured(url_of(engine)):
        done = CliRunner().invoke(app, ["worker", "--once"])
    assert done.exit_code == 0, done.output
    assert "2단계 인증 비밀값 1개를 지금의 키로 다시 봉인했습니다" in done.output


def test_a_schema_one_step_behind_is_named(engine: Engine, tmp_path: Path) -> None:
    from minwon.cli import app

    with second_database(engine.dialect.name, tmp_path, "behind") as url:
        migrate.upgrade(url, migrate.revisions()[1])
        behind = make_engine(url)
        try:
            assert migrate.is_behind(behind)
            with pytest.raises(migrate.SchemaBehind, match="minwon db upgrade"):
                startup.prepare(behind)
        finally:
            behind.dispose()
        with configured(url):
            done = CliRunner().invoke(app, ["worker", "--once"])
            served = CliRunner().invoke(app, ["serve", "--port", "8799"])
        assert done.exit_code == 2 and "minwon db upgrade" in done.output
        assert served.exit_code == 2 and "minwon db upgrade" in served.output
        migrate.upgrade(url)
        upgraded = make_engine(url)
        try:
            assert not migrate.is_behind(upgraded)
        finally:
            upgraded.dispose()


def test_a_database_built_from_the_models_is_not_behind(engine: Engine) -> None:
    assert not migrate.is_behind(engine)


def test_an_empty_or_downgraded_database_is_behind(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/empty.db"
    empty = make_engine(url)
    try:
        assert migrate.is_behind(empty)
        with pytest.raises(migrate.SchemaBehind):
            startup.prepare(empty)
        migrate.upgrade(url)
        assert not migrate.is_behind(empty)
        migrate.downgrade(url)  # to the base: the revision table stays, empty
        assert migrate.is_behind(empty)
    finally:
        empty.dispose()


def test_a_downgrade_turns_sealed_two_factor_off(engine: Engine, tmp_path: Path) -> None:
    with second_database(engine.dialect.name, tmp_path, "down") as url:
        migrate.upgrade(url)
        other = make_engine(url)
        try:
            world: World = build_world(other)
            _enrol(other, "admin", utcnow())
            migrate.downgrade(url, "0020_commit_order")
            with session_factory(other)() as db:
                admin = db.get(Staff, world.staff_ids["admin"])
                assert (admin.totp_secret, admin.totp_enabled_at) == ("", None)
        finally:
            other.dispose()


def test_a_weak_key_seals_nothing(engine: Engine) -> None:
    """`minwon restore` run from a shell without the deployment's key leaves the secrets to
    `serve`, instead of sealing them under the public default."""
    build_world(engine)
    with write_session(engine) as db:
        admin = db.scalars(select(Staff).where(Staff.login == "admin")).one()
        admin.totp_secret, admin.totp_enabled_at = LEGACY, utcnow()
    assert startup.prepare(engine, Settings(secret_key=DEFAULT_SECRET_KEY)) == startup.Prepared()
    assert _stored(engine, "admin") == LEGACY
    assert startup.prepare(engine, Settings(secret_key=NEW)).resealed == 1


def test_two_processes_starting_together_seal_each_secret_once(
    engine: Engine, tmp_path: Path
) -> None:
    """Serve and worker started at once after the upgrade: neither fails on the other's
    transaction, and each secret is sealed by one of them."""
    build_world(engine)
    with write_session(engine) as db:
        for person in db.scalars(select(Staff)):
            person.totp_secret, person.totp_enabled_at = LEGACY, utcnow()
        count = len(db.scalars(select(Staff)).all())
    url = url_of(engine)
    engines = [make_engine(url), make_engine(url)]  # pools of their own, as two processes
    done: list[startup.Prepared] = []
    failed: list[BaseException] = []
    ready = threading.Barrier(2)

    def start(own: Engine) -> None:
        ready.wait()
        try:
            done.append(startup.prepare(own, Settings(secret_key=NEW)))
        except BaseException as exc:  # noqa: BLE001 (reported by the assertion below)
            failed.append(exc)

    threads = [threading.Thread(target=start, args=(e,)) for e in engines]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    for own in engines:
        own.dispose()
    assert not failed, failed
    assert sorted(d.resealed for d in done) == [0, count]


def test_sign_in_with_a_secret_no_key_opens(engine: Engine, clock: object, keys: Keys) -> None:
    """The person is asked for a code, no code works, a recovery code does; a set-up begun
    under the old key is offered anew, and confirming it under the lost key is no error."""
    build_world(engine)
    keys(OLD)
    client = TestClient(create_app(settings=Settings(), engine=engine))
    with write_session(engine) as db:
        lead = db.scalars(select(Staff).where(Staff.login == "gr_lead")).one()
        twofactor.offer_secret(lead)
        twofactor.enable(db_session=db, staff=lead, now=utcnow())
        secret = twofactor.secret_of(lead)
        codes = twofactor.new_recovery_codes(db_session=db, staff=lead)
    login(client, "gr_officer")
    assert client.get("/account/totp").status_code == 200  # a set-up begun under OLD

    keys(NEW)
    stranger = TestClient(create_app(settings=Settings(), engine=engine))
    assert login(stranger, "gr_lead").url.path == "/login/code"
    tried = stranger.post(
        "/login/code",
        data={
            "code": twofactor.code_at(secret, utcnow()),
            "csrf_token": csrf(stranger, "/login/code"),
        },
        follow_redirects=False,
    )
    assert tried.status_code == 400
    used = stranger.post(
        "/login/code",
        data={"code": codes[0], "csrf_token": csrf(stranger, "/login/code")},
        follow_redirects=False,
    )
    assert used.status_code == 303

    confirm = client.post(
        "/account/totp",
        data={"code": "123456", "csrf_token": csrf(client, "/account/security")},
        follow_redirects=False,
    )
    assert confirm.status_code == 303 and confirm.headers["location"] == "/account/security"
    again = client.get("/account/totp")
    assert again.status_code == 200 and 'id="totp-secret"' in again.text


def test_the_command_line_resets_two_factor_when_no_admin_can(
    engine: Engine, clock: object
) -> None:
    from minwon.cli import app

    build_world(engine)
    _enrol(engine, "admin", utcnow())
    with configured(url_of(engine)):
        done = CliRunner().invoke(app, ["org", "totp-reset", "admin"])
        unknown = CliRunner().invoke(app, ["org", "totp-reset", "nobody"])
    assert done.exit_code == 0, done.output
    assert _stored(engine, "admin") == ""
    assert unknown.exit_code == 1
