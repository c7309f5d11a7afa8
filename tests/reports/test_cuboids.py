"""Rollups at coarser grains: a period cut into days and whole months covers each day once, and
every figure the dashboards show is the same whichever rollup tables answer it."""

import random
from collections import defaultdict
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import Engine, insert

from minwon.db import write_session
from minwon.reports import cuboids, dashboard, rollups
from minwon.reports.cuboids import DAY, Part, split
from minwon.reports.dashboard import Scope
from minwon.reports.models import SurveyDay, VoiceDay
from minwon.timeutil import to_kst, utcnow

days = st.dates(min_value=date(2023, 1, 1), max_value=date(2027, 12, 31))


def _covers(part: Part, d: date) -> bool:
    if part.grain == DAY:
        return (part.start is None or part.start <= d) and d <= part.end
    first = d.replace(day=1)
    return (part.start is None or part.start <= first) and first <= part.end


@given(start=st.one_of(st.none(), days), end=days, today=days)
def test_a_period_is_cut_into_parts_covering_each_day_once(
    start: date | None, end: date, today: date
) -> None:
    if start is not None and start > end:
        start, end = end, start
    parts = split(start, end, today)
    d = (start or date(2022, 12, 1)) - timedelta(days=40)
    while d <= max(end, today) + timedelta(days=40):
        n = sum(_covers(p, d) for p in parts)
        if (start is None or start <= d) and d <= end:
            assert n == 1, (d, parts)
        elif d < end or d <= today:
            assert n == 0, (d, parts)  # days after today hold no rows: covering them is free
        d += timedelta(days=1)


def _fill(engine: Engine, today: date, seed: int = 7) -> tuple[list[dict], list[dict]]:
    rnd = random.Random(seed)
    voices: dict[tuple, dict] = {}
    surveys: dict[tuple, dict] = {}
    for _ in range(1500):
        day = today - timedelta(days=rnd.randrange(0, 500))
        office = rnd.choice((1, 2, 3))
        unit = office * 10 + rnd.randrange(3)
        category = rnd.choice((0, 1, 2, 3))
        channel = rnd.choice(("phone", "web", "visit"))
        voices[(office, day, unit, category, channel)] = {
            "office_id": office, "day": day, "unit_id": unit, "category_id": category,
            "channel": channel, "received": rnd.randrange(1, 9), "answered": rnd.randrange(9),
            "on_time": rnd.randrange(6), "late": rnd.randrange(3),
            "answer_hours": rnd.random() * 100, "closed": rnd.randrange(4),
            "reopened": rnd.randrange(2), "transferred_out": rnd.randrange(2),
        }  # fmt: skip
        officer = unit * 10 + rnd.randrange(2)
        n = rnd.randrange(0, 5)
        surveys[(office, day, unit, officer, category, channel)] = {
            "office_id": office, "day": day, "unit_id": unit, "officer_id": officer,
            "category_id": category, "channel": channel, "invitations": n + rnd.randrange(3),
            "responses": n, "invited_responses": n, "csat_n": n, "csat_sum": 4.0 * n,
            "csat_sq": 17.0 * n, "top2": n, "nps_n": n, "nps_sum": 8.0 * n,
            "promoters": n // 2, "detractors": n // 4,
        }  # fmt: skip
    with write_session(engine) as db:
        db.execute(insert(VoiceDay), list(voices.values()))
        db.execute(insert(SurveyDay), list(surveys.values()))
    rollups.rebuild_derived(engine)
    return list(voices.values()), list(surveys.values())


def _in(row: dict, scope: Scope, until_only: bool = False) -> bool:
    return (
        (until_only or row["day"] >= scope.start)
        and row["day"] <= scope.end
        and (scope.office_ids is None or row["office_id"] in scope.office_ids)
        and (scope.unit_id is None or row["unit_id"] == scope.unit_id)
        and (scope.category_id is None or row["category_id"] == scope.category_id)
    )


def _scopes(today: date) -> list[Scope]:
    rnd = random.Random(11)
    out = [
        Scope(None, today.replace(day=1), today),
        Scope(None, today - timedelta(days=364), today),
        Scope((1,), (today.replace(day=1) - timedelta(days=1)).replace(day=1), today),
    ]
    for _ in range(30):
        end = today - timedelta(days=rnd.choice((0, 0, rnd.randrange(400))))
        start = end - timedelta(days=rnd.randrange(400))
        office_ids = rnd.choice((None, (1,), (2, 3)))
        unit = rnd.choice((None, None, 21)) if office_ids != (1,) else None
        category = rnd.choice((None, None, 2))
        out.append(Scope(office_ids, start, end, unit_id=unit, category_id=category))
    return out


def test_figures_are_the_same_from_every_grain(engine: Engine) -> None:
    today = to_kst(utcnow()).date()
    voices, surveys = _fill(engine, today)
    with write_session(engine) as db:
        for scope in _scopes(today):
            mine = [r for r in voices if _in(r, scope)]
            vol = dashboard.volume(db, scope)
            assert vol.received == sum(r["received"] for r in mine), scope
            assert vol.late == sum(r["late"] for r in mine)
            assert abs(vol.answer_hours - sum(r["answer_hours"] for r in mine)) < 1e-6
            until = [r for r in voices if _in(r, scope, until_only=True)]
            open_ = sum(
                r["received"] - r["transferred_out"] - r["answered"] + r["reopened"] for r in until
            )
            assert dashboard.backlog(db, scope) == max(open_, 0), scope
            for column in ("unit_id", "category_id", "channel"):
                want: dict = defaultdict(int)
                for r in mine:
                    want[r[column]] += r["received"]
                got = dict(dashboard.counts_by(db, scope, column))
                assert got == {k: v for k, v in want.items() if v}, (scope, column)
            per_month: dict = defaultdict(int)
            for r in mine:
                per_month[r["day"].replace(day=1)] += r["received"]
            assert {d: n for d, n, _ in dashboard.monthly(db, scope)} == dict(per_month)
            per_day: dict = defaultdict(int)
            for r in mine:
                per_day[r["day"]] += r["received"]
            assert {d: n for d, n, _ in dashboard.daily(db, scope)} == dict(per_day)
            answers = [r for r in surveys if _in(r, scope)]
            for by, column in (
                ("office", "office_id"),
                ("unit", "unit_id"),
                ("officer", "officer_id"),
                ("category", "category_id"),
                ("channel", "channel"),
            ):
                want = defaultdict(int)
                for r in answers:
                    want[r[column]] += r["csat_n"]
                got = {k: s.sums.csat_n for k, s in dashboard.satisfaction(db, scope, by).items()}
                assert {k: v for k, v in got.items() if v} == {
                    k: v for k, v in want.items() if v
                }, (scope, by)
            total = dashboard.satisfaction(db, scope)[None].sums
            assert total.invitations == sum(r["invitations"] for r in answers)
            assert total.csat_sumsq == sum(r["csat_sq"] for r in answers)


def test_the_smallest_table_with_the_dimensions_answers() -> None:
    assert cuboids.choose("voice", "month", set()).model.__tablename__ == "rollup_voice_month_all"
    assert cuboids.choose("survey", "month", {"office_id"}).model.__tablename__ == (
        "rollup_survey_month_unit"
    )
    assert cuboids.choose("survey", "month", {"office_id", "channel"}).model.__tablename__ == (
        "rollup_survey_month"
    )
    assert cuboids.choose("survey", "month", {"office_id", "category_id"}).model.__tablename__ == (
        "rollup_survey_month_office"
    )
    assert cuboids.choose("survey", "month", {"officer_id"}).model.__tablename__ == (
        "rollup_survey_month_officer"
    )
    assert cuboids.choose("survey", "month", {"officer_id", "channel"}) is None  # from the days
    assert cuboids.choose("survey", "day", {"officer_id"}).base


def test_an_empty_database_rebuilds_to_empty_tables_and_zero_figures(engine: Engine) -> None:
    rows = rollups.rebuild_derived(engine)
    assert len(rows) == len(cuboids.CUBOIDS) - 2 and not any(rows.values())
    today = to_kst(utcnow()).date()
    with write_session(engine) as db:
        scope = Scope(None, today - timedelta(days=400), today)
        assert dashboard.volume(db, scope).received == 0
        assert dashboard.survey_sums(db, scope, ("nps_sum",), "office") == {}
        assert dashboard.survey_months(db) is None
        assert dashboard.monthly(db, scope) == [] and dashboard.daily(db, scope) == []


def test_unknown_groupings_and_charts_are_refused(engine: Engine) -> None:
    from minwon.org.roles import ADMIN, Principal
    from minwon.reports import views

    today = to_kst(utcnow()).date()
    scope = Scope(None, today, today)
    admin = Principal(None, "admin", "admin", ADMIN, None, None)
    with write_session(engine) as db:
        for bad in ("officer", "month", "", "office_id"):
            with pytest.raises(ValueError, match="unknown grouping"):
                dashboard.survey_sums(db, scope, ("csat_n",), bad)
        with pytest.raises(ValueError, match="unknown chart"):
            views.chart(db, admin, scope, "pie", title="")
