"""Counting surveys in the rollups: an answered invitation is kept with its invitation (its day,
unit and month), answers without an invitation (kiosk, a happy call that was the first contact)
are counted apart, so a response rate is never impossible and no dashboard or ranking fails,
whatever day or month the answer came in."""

import random
from datetime import date, datetime, timedelta

import pytest
from factories import build_world
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select, text
from web.pagetools import login

from minwon import commit_order
from minwon.app import create_app
from minwon.db import write_session
from minwon.org import service as org
from minwon.reports import cuboids, dashboard, rollups
from minwon.reports.dashboard import Scope
from minwon.surveys import invitations, service, templates
from minwon.surveys.invitations import Target
from minwon.surveys.models import SurveyInvitation, SurveyResponse
from minwon.surveys.responses import submit
from minwon.timeutil import KST, to_kst, utcnow
from minwon.voices import service as voices
from minwon.voices.schemas import VoiceCreate

ANSWERS = {"csat": "4", "kind": "4", "speed": "4", "nps": "9"}


def _invite(engine: Engine, unit: str, at: datetime, via: str = "letter") -> int:
    with write_session(engine) as db:
        org_id = org.find_organization(db_session=db, ref="KNPA").id
        template = templates.ensure_defaults(db_session=db, organization_id=org_id)[0]
        # by SQL, so the helper also works on an older schema (the upgrade test)
        unit_id, office_id = db.execute(
            text("SELECT id, office_id FROM unit WHERE code = :code"), {"code": unit}
        ).one()
        target = Target(office_id=office_id, unit_id=unit_id, channel="phone")
        issued = invitations.issue(db, template, target, via=via, now=at)
        assert issued is not None
        return issued.invitation.id


def _answer(engine: Engine, invitation_id: int, at: datetime, mode: str = "web") -> None:
    with write_session(engine) as db:
        submit(db, db.get_one(SurveyInvitation, invitation_id), ANSWERS, mode=mode, now=at)


def _months() -> tuple[date, date]:
    """The first days of the month before last and of last month (both wholly past)."""
    last = (to_kst(utcnow()).date().replace(day=1) - timedelta(days=1)).replace(day=1)
    return (last - timedelta(days=1)).replace(day=1), last


def _month_scope(first: date, last: date | None = None) -> Scope:
    end = ((last or first) + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    return Scope(None, first, end)


def _kst(d: date, hour: int) -> datetime:
    return datetime(d.year, d.month, d.day, hour, tzinfo=KST)


def test_an_answer_in_the_month_after_its_invitation_counts_with_the_invitation(
    engine: Engine,
) -> None:
    build_world(engine)
    before, last = _months()
    invited = _invite(engine, "GR01", _kst(last - timedelta(days=1), 23))  # last day, 23:00
    _answer(engine, invited, _kst(last + timedelta(days=1), 10))
    rollups.update(engine)
    with write_session(engine) as db:
        sent = dashboard.satisfaction(db, _month_scope(before))[None].score
        answered = dashboard.satisfaction(db, _month_scope(last))[None].score
        both = dashboard.satisfaction(db, _month_scope(before, last))[None].score
        for level in ("office", "unit"):
            assert dashboard.ranking(db, _month_scope(last), level=level, min_n=1)
    assert sent.response_rate.value == 1.0 and sent.responses == 0  # 1 of 1 answered
    assert answered.response_rate.value is None and answered.csat.value == 4.0
    assert (answered.responses, answered.invited, answered.uninvited) == (1, 0, 0)
    assert both.response_rate.value == 1.0 and both.responses == 1
    client = TestClient(create_app(engine=engine))
    login(client, "gr_cs")
    for first in (before, last):
        end = _month_scope(first).end
        page = client.get(f"/dashboard?start={first}&end={end}&unit=")
        assert page.status_code == 200, page.text[-1500:]


def test_kiosk_answers_are_counted_apart_from_the_response_rate(engine: Engine) -> None:
    build_world(engine)
    _, last = _months()
    at = _kst(last + timedelta(days=3), 11)
    for _ in range(3):
        _answer(engine, _invite(engine, "GR00", at, via="kiosk"), at, mode="kiosk")
    _invite(engine, "GR00", at)  # a letter nobody answered
    rollups.update(engine)
    with write_session(engine) as db:
        score = dashboard.satisfaction(db, _month_scope(last))[None].score
        assert dashboard.ranking(db, _month_scope(last), level="unit", min_n=1)
    assert score.responses == 3 and score.csat.n == 3
    assert (score.invited, score.uninvited) == (0, 3)
    assert score.response_rate.value == 0.0 and score.response_rate.n == 1
    client = TestClient(create_app(engine=engine))
    login(client, "gr_cs")
    end = _month_scope(last).end
    page = client.get(f"/dashboard?start={last}&end={end}&unit=")
    assert page.status_code == 200 and "초대 없이 응답 3건" in page.text


def test_a_happy_call_answers_its_invitation_or_is_counted_apart(engine: Engine) -> None:
    world = build_world(engine)
    with write_session(engine) as db:
        lead = org.principal_for(org.get_staff(db_session=db, staff_id=world.staff_ids["gr_lead"]))
        org_id = org.find_organization(db_session=db, ref="KNPA").id
        templates.ensure_defaults(db_session=db, organization_id=org_id)
        voice_in = VoiceCreate(
            kind="complaint", channel="phone", title="가로등", body="가로등이 꺼졌어요"
        )
        made = [
            voices.create(db_session=db, voice_in=voice_in, principal=lead)[0].id for _ in range(2)
        ]
    with write_session(engine) as db:
        letter = service.invite_after_answer(
            db, voice_id=made[0], base_url="http://x", now=utcnow()
        )
        assert letter.issued is not None
        for voice_id in made:
            service.happy_call(db, principal=lead, voice_id=voice_id, answers=ANSWERS, now=utcnow())
    rollups.update(engine)
    today = to_kst(utcnow()).date()
    with write_session(engine) as db:
        score = dashboard.satisfaction(db, Scope(None, today, today))[None].score
    assert (score.responses, score.invited, score.uninvited) == (2, 1, 1)
    assert score.response_rate.value == 1.0 and score.response_rate.n == 1


def test_an_answer_waits_for_its_invitation_to_be_counted(engine: Engine) -> None:
    build_world(engine)
    now = utcnow()
    first, second = (_invite(engine, "GR01", now - timedelta(days=2)) for _ in range(2))
    _answer(engine, second, now - timedelta(days=1))  # answered first, invited second
    _answer(engine, first, now - timedelta(hours=1))
    rounds = []
    assert commit_order.settle(engine)
    with write_session(engine) as db:
        while (done := rollups.update_once(db, batch=1)).total:
            rounds.append((done.invitations, done.responses))
            assert _impossible_rows(db) == []
    assert rounds == [(1, 0), (1, 1), (0, 1)]


def _impossible_rows(db) -> list:
    """Rows of any survey table with more answered invitations than invitations."""
    bad = []
    for cuboid in cuboids.of_family(cuboids.SURVEY):
        t = cuboid.model.__table__
        query = select(t).where(t.c.invited_responses > t.c.invitations)
        bad += [(t.name, *row) for row in db.execute(query)]
    return bad


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_random_invitations_and_answers_over_months_never_make_an_impossible_rate(
    engine: Engine, seed: int
) -> None:
    build_world(engine)
    rng = random.Random(seed)
    now = utcnow()
    made = {"invitations": 0, "invited": 0, "uninvited": 0}
    for _ in range(40):
        at = now - timedelta(hours=rng.randint(30, 24 * 120))
        unit = rng.choice(["GR00", "GR01", "GR02", "DJ01"])
        via = rng.choice(["letter", "email", "outreach", "kiosk", "phone"])
        invitation = _invite(engine, unit, at, via=via)
        made["invitations"] += invitations.asks(via)
        if via in ("kiosk", "phone") or rng.random() < 0.6:
            later = at + timedelta(hours=0 if via in ("kiosk", "phone") else rng.randint(1, 24 * 9))
            _answer(engine, invitation, min(later, now), mode="kiosk" if via == "kiosk" else "web")
            made["invited" if invitations.asks(via) else "uninvited"] += 1
        if rng.random() < 0.3:
            rollups.update(engine, batch=rng.randint(1, 5))
    rollups.update(engine, batch=3)
    with write_session(engine) as db:
        assert _impossible_rows(db) == []
        assert (
            db.scalar(select(func.count(SurveyResponse.id))) == made["invited"] + made["uninvited"]
        )
        today = to_kst(now).date()
        for days in (7, 31, 45, 92, 130):
            scope = Scope(None, today - timedelta(days=days), today)
            for by in (None, "month", "unit", "office", "officer", "channel", "category"):
                for s in dashboard.satisfaction(db, scope, by=by).values():
                    s.score  # noqa: B018  (raises on an impossible rate)
            dashboard.ranking(db, scope, level="unit", min_n=1)
        whole = dashboard.satisfaction(db, Scope(None, today - timedelta(days=400), today))
        score = whole[None].score
    assert score.response_rate.n == made["invitations"]
    assert (score.invited, score.uninvited) == (made["invited"], made["uninvited"])


def test_upgrading_recounts_the_survey_rollups_by_the_new_rule(tmp_path) -> None:
    from minwon import migrate
    from minwon.db import make_engine

    url = f"sqlite:///{tmp_path}/old.db"
    migrate.upgrade(url)
    engine = make_engine(url)
    build_world(engine)  # with today's tables, then back to 0007 to count its way
    before, last = _months()
    invited = _invite(engine, "GR01", _kst(last - timedelta(days=1), 23))
    _answer(engine, invited, _kst(last + timedelta(days=1), 10))
    engine.dispose()
    migrate.downgrade(url, "0007")
    with engine.begin() as conn:  # what 0007's rule counted: the answer on its own day
        conn.execute(
            text(
                "INSERT INTO rollup_survey_day (office_id, day, unit_id, officer_id, category_id, "
                "channel, invitations, responses, invited_responses, csat_n, csat_sum, csat_sq, "
                "top2, nps_n, nps_sum, promoters, detractors) "
                "VALUES (1, :day, 2, 0, 0, 'phone', 0, 1, 1, 1, 4, 16, 1, 1, 9, 1, 0)"
            ),
            {"day": last + timedelta(days=1)},
        )
        conn.execute(
            text(
                "INSERT INTO rollup_cursor (name, position) VALUES ('invitations', 1), "
                "('responses', 1)"
            )
        )
    migrate.upgrade(url)
    rollups.update(engine)
    with write_session(engine) as db:
        assert _impossible_rows(db) == []
        sent = dashboard.satisfaction(db, _month_scope(before))[None].score
        answered = dashboard.satisfaction(db, _month_scope(last))[None].score
    engine.dispose()
    assert sent.response_rate.value == 1.0
    assert (answered.responses, answered.invited, answered.csat.n) == (1, 0, 1)
