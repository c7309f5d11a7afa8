"""What serve and worker do before they write: a database whose schema is behind is named, and
two-factor secrets are sealed under the current secret key — those of an earlier minwon, and
those sealed under a key kept in MINWON_SECRET_KEY_FALLBACKS — so a secret key can change
without signing anyone out of their authenticator app; a key changed without its fallback is
named (log, admin page, API) and changes nothing."""

import logging
from collections.abc import Callable, Iterator
from datetime import datetime

import pytest
from dbtools import configured, second_database
from factories import World, build_world
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from typer.testing import CliRunner
from web.pagetools import login

from minwon import migrate, startup
from minwon.app import create_app
from minwon.config import Settings, get_settings
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
def keys(monkeypatch: pytest.MonkeyPatch) -> Iterator[Keys]:
    """Set the process's secret key and fallbacks, as a restart with new settings would."""

    def use(key: str, *fallbacks: str) -> None:
        monkeypatch.setenv("MINWON_SECRET_KEY", key)
        monkeypatch.setenv("MINWON_SECRET_KEY_FALLBACKS", ",".join(fallbacks))
        get_settings.cache_clear()

    yield use
    monkeypatch.undo()
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


def test_secrets_of_an_earlier_minwon_are_sealed_at_start(engine: Engine, clock) -> None:
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
    engine: Engine, clock, keys: Keys
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
    engine: Engine, clock, keys: Keys, caplog: pytest.LogCaptureFixture
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


def test_the_worker_says_what_it_sealed(engine: Engine, tmp_path, clock) -> None:
    from minwon.cli import app

    with second_database(engine.dialect.name, tmp_path, "sealing") as url:
        migrate.upgrade(url)
        other = make_engine(url)
        try:
            build_world(other)
            with write_session(other) as db:
                admin = db.scalars(select(Staff).where(Staff.login == "admin")).one()
                admin.totp_secret, admin.totp_enabled_at = LEGACY, utcnow()
        finally:
            other.dispose()
        with configured(url):
            done = CliRunner().invoke(app, ["worker", "--once"])
        assert done.exit_code == 0, done.output
        assert "2단계 인증 비밀값 1개를 지금의 키로 다시 봉인했습니다" in done.output


def test_a_schema_one_step_behind_is_named(engine: Engine, tmp_path) -> None:
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
        assert done.exit_code == 2 and "minwon db upgrade" in done.output
        migrate.upgrade(url)
        upgraded = make_engine(url)
        try:
            assert not migrate.is_behind(upgraded)
        finally:
            upgraded.dispose()


def test_a_database_built_from_the_models_is_not_behind(engine: Engine) -> None:
    assert not migrate.is_behind(engine)


def test_an_empty_database_is_behind(tmp_path) -> None:
    empty = make_engine(f"sqlite:///{tmp_path}/empty.db")
    try:
        assert migrate.is_behind(empty)
        with pytest.raises(migrate.SchemaBehind):
            startup.prepare(empty)
    finally:
        empty.dispose()


def test_a_downgrade_turns_sealed_two_factor_off(engine: Engine, tmp_path) -> None:
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
