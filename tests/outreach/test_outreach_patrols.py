"""탄력순찰 patrol requests: place keys, windows across midnight, band spreading, clustering,
ranking with ties and incidents, the plan's frequencies and grid, quarters, coverage and the
"your place was patrolled" notices (never without consent)."""

from datetime import UTC, date, datetime, timedelta
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st
from props import examples

from minwon.outreach.patrols import (
    DEFAULT_BANDS,
    Band,
    PatrolLog,
    PatrolRequest,
    Quarter,
    band_of,
    cluster_places,
    coverage,
    haversine_m,
    hour_grid,
    in_focus_period,
    notices,
    patrol_plan,
    per_week,
    place_key,
    quarter_of,
    rank_cells,
    split_quarter,
    spread,
    window_hours,
)
from minwon.timeutil import KST

STATION = "가리봉동 남구로역 2번 출구"
PARK = "구로동 거리공원"
B = {band.label: band for band in DEFAULT_BANDS}


def _req(
    rid: str, place: str = STATION, start: int = 18, end: int = 22, **kw: object
) -> PatrolRequest:
    kw.setdefault("made_at", date(2026, 4, 2))
    return PatrolRequest(rid, place, start_hour=start, end_hour=end, **kw)  # type: ignore[arg-type]


def test_place_key_trims_folds_whitespace_and_latin_case() -> None:
    assert place_key("  가리봉동 \t 남구로역   2번  출구 ") == "가리봉동 남구로역 2번 출구"
    assert place_key("구로동", " Guro  DIGITAL Complex ") == place_key(
        "구로동 guro digital complex"
    )
    assert place_key("ＧＳ25 편의점") == "gs25 편의점"  # full-width Latin and digits
    assert place_key("ᄀ" + "ᅡ" + "리봉동") == "가리봉동"  # decomposed jamo compose


@given(st.lists(st.text(), min_size=1, max_size=3))
def test_place_key_is_idempotent(parts: list[str]) -> None:
    key = place_key(*parts)
    assert place_key(key) == key


def test_windows_and_midnight() -> None:
    assert window_hours(22, 2) == (22, 23, 0, 1)
    assert window_hours(22, 0) == window_hours(22, 24) == (22, 23)
    assert window_hours(0, 24) == tuple(range(24))
    assert window_hours(9, 11) == (9, 10)
    for bad in [(5, 5), (24, 3), (3, 25), (-1, 4)]:
        with pytest.raises(ValueError, match="bad time window"):
            window_hours(*bad)


def test_spread_over_bands() -> None:
    assert spread(_req("a", start=22, end=2)) == {
        B["22–24"]: Fraction(1, 2),
        B["00–06"]: Fraction(1, 2),
    }
    assert spread(_req("b", start=9, end=11)) == {
        B["06–10"]: Fraction(1, 2),
        B["10–14"]: Fraction(1, 2),
    }
    assert spread(_req("c", start=19, end=21)) == {B["18–22"]: 1}
    night = (Band(0, 12), Band(12, 24))
    assert spread(_req("d", start=21, end=3), night) == {
        Band(12, 24): Fraction(1, 2),
        Band(0, 12): Fraction(1, 2),
    }
    assert band_of(23) == B["22–24"] and B["22–24"].label == "22–24"


def test_bad_bands_and_requests() -> None:
    with pytest.raises(ValueError, match="cover hours"):
        rank_cells([_req("a")], bands=[Band(0, 12), Band(13, 24)])
    with pytest.raises(ValueError, match="cover hours"):
        rank_cells([_req("a")], bands=[Band(0, 12), Band(10, 24)])
    with pytest.raises(ValueError):
        Band(20, 20)
    with pytest.raises(ValueError, match="empty place"):
        _req("a", place="   ")
    with pytest.raises(ValueError, match="lat and lon"):
        _req("a", lat=37.5)
    with pytest.raises(ValueError, match="out of range"):
        _req("a", lat=137.5, lon=126.9)
    with pytest.raises(ValueError, match="bad time window"):
        _req("a", start=7, end=7)


hours = st.integers(0, 23)
windows = st.tuples(hours, st.integers(0, 24)).filter(lambda w: w[0] != w[1])


@st.composite
def band_sets(draw: st.DrawFn) -> tuple[Band, ...]:
    cuts = sorted(draw(st.sets(st.integers(1, 23), max_size=6)))
    edges = [0, *cuts, 24]
    return tuple(Band(a, b) for a, b in zip(edges, edges[1:], strict=False))


@examples(200)
@given(
    st.lists(windows, min_size=1, max_size=12),
    band_sets(),
    st.lists(st.sampled_from([STATION, PARK]), min_size=12, max_size=12),
)
def test_band_spreading_conserves_request_count(
    ws: list[tuple[int, int]], bands: tuple[Band, ...], places: list[str]
) -> None:
    requests = [_req(f"r{i}", places[i], s, e) for i, (s, e) in enumerate(ws)]
    for r in requests:
        assert sum(spread(r, bands).values()) == 1
    cells = rank_cells(requests, bands=bands)
    assert sum(c.requests for c in cells) == pytest.approx(len(requests))
    for place in {r.key for r in requests}:
        here = [r for r in requests if r.key == place]
        assert sum(c.requests for c in cells if c.place == place) == pytest.approx(len(here))


def test_haversine_one_degree_of_latitude() -> None:
    assert haversine_m(37.0, 127.0, 38.0, 127.0) == pytest.approx(111_195.08, abs=0.1)
    assert haversine_m(37.5, 126.9, 37.5, 126.9) == 0


def test_clusters_by_key_and_distance() -> None:
    # 0.0005° of latitude ≈ 55.6 m
    requests = [
        _req("a", " 가리봉동  남구로역 2번 출구", lat=37.4850, lon=126.9010),
        _req("b", STATION, lat=37.4850, lon=126.9010),
        _req("c", "가리봉동 남구로역 3번 출구", lat=37.4855, lon=126.9010),
        _req("d", PARK),
    ]
    by_key = cluster_places(requests)
    assert [(c.key, c.members, c.requests) for c in by_key] == [
        (place_key(STATION), (place_key(STATION),), 2),
        ("가리봉동 남구로역 3번 출구", ("가리봉동 남구로역 3번 출구",), 1),
        (PARK, (PARK,), 1),
    ]
    assert cluster_places(requests, merge_within_m=50) == by_key
    merged = cluster_places(requests, merge_within_m=60)
    assert [(c.key, c.members, c.requests) for c in merged] == [
        (place_key(STATION), (place_key(STATION), "가리봉동 남구로역 3번 출구"), 3),
        (PARK, (PARK,), 1),
    ]
    assert (merged[0].lat, merged[0].lon) == (37.4850, 126.9010)
    assert (merged[1].lat, merged[1].lon) == (None, None)
    cells = rank_cells(requests, merge_within_m=60)
    assert [(c.place, c.requests, c.request_ids) for c in cells] == [
        (place_key(STATION), 3.0, ("a", "b", "c")),
        (PARK, 1.0, ("d",)),
    ]


def test_ranking_with_incidents_and_ties() -> None:
    requests = [
        _req("s1"),  # station 18–22: 2 requests
        _req("s2"),
        _req("p1", PARK),  # park 18–22: 1 request + 2 incidents × 0.5 = 2, ties with the station
        _req("m1", "가리봉동 시장"),  # market 18–22: 1
        _req("h1", "가리봉동 학교"),  # school 18–22: 1, ties with the market on everything
    ]
    incidents = {(PARK, 19): 1, (" 구로동  거리공원", 21): 1, (PARK, 3): 9, ("nowhere", 20): 40}
    cells = rank_cells(requests, incidents=incidents)
    assert [(c.place, c.band.label, c.requests, c.incidents, c.score, c.rank) for c in cells] == [
        (place_key(STATION), "18–22", 2.0, 0, 2.0, 1),
        (PARK, "18–22", 1.0, 2, 2.0, 1),  # same score: shares rank 1, fewer requests → second
        ("가리봉동 시장", "18–22", 1.0, 0, 1.0, 3),  # competition rank 1, 1, 3
        ("가리봉동 학교", "18–22", 1.0, 0, 1.0, 3),  # full tie: place key order (시 < 학)
    ]
    weighted = rank_cells(requests, incidents=incidents, weight=1.0)
    assert [(c.place, c.score, c.rank) for c in weighted][:2] == [
        (PARK, 3.0, 1),
        (place_key(STATION), 2.0, 2),
    ]
    with pytest.raises(ValueError, match="incident"):
        rank_cells(requests, incidents={(PARK, 24): 1})
    with pytest.raises(ValueError, match="weight"):
        rank_cells(requests, weight=-1)


def test_plan_frequency_and_grid() -> None:
    requests = (
        [_req(f"x{i}", "x") for i in range(4)]  # score 4 → 7 a week
        + [_req(f"y{i}", "y") for i in range(2)]  # 2 → ⌈3.5⌉ = 4
        + [_req("z0", "z")]  # 1 → ⌈1.75⌉ = 2
        + [_req("w0", "w", 0, 24)]  # 00–06 gets 6/24 = 0.25 → ⌈0.4375⌉ = 1
    )
    plan = patrol_plan(requests, top=4)
    assert [(e.place, e.band.label, e.score, e.per_week) for e in plan.entries] == [
        ("x", "18–22", 4.0, 7),
        ("y", "18–22", 2.0, 4),
        ("z", "18–22", 1.0, 2),
        ("w", "00–06", 0.25, 1),
    ]
    grid = {row.place: row for row in plan.grid}
    assert [row.place for row in plan.grid] == ["x", "y", "w", "z"]
    assert grid["x"].hours == (0,) * 18 + (4, 4, 4, 4) + (0, 0)
    assert grid["w"].hours == (1,) * 24 and grid["w"].requests == 1
    assert len(patrol_plan(requests, top=100).entries) == 4 + 5  # w's other five bands too
    with pytest.raises(ValueError, match="top"):
        patrol_plan(requests, top=0)


def test_a_plan_entry_carries_the_two_terms_of_its_score() -> None:
    """The QA case: 7 requests touch 구로초등학교 앞 18–22, 4 of them run on to midnight and
    weigh half there, so the score is 3 + 4 × 0.5 = 5.0 (plus 0.5 × 2 incidents = 6.0)."""
    school = "구로초등학교 앞"
    requests = [_req(f"a{i}", school, 18, 22) for i in range(3)] + [
        _req(f"b{i}", school, 20, 24) for i in range(4)
    ]
    first = patrol_plan(requests).entries[0]
    assert (first.band.label, len(first.request_ids), first.requests, first.score) == (
        "18–22",
        7,
        5.0,
        5.0,
    )
    counted = patrol_plan(requests, incidents={(school, 19): 2}).entries[0]
    assert (counted.requests, counted.incidents, counted.score) == (5.0, 2, 6.0)
    assert counted.score == counted.requests + 0.5 * counted.incidents


def test_grid_counts_a_midnight_window_on_both_sides() -> None:
    (row,) = hour_grid([_req("a", start=22, end=2), _req("b", start=23, end=24)])
    assert row.hours[22:] == (1, 2) and row.hours[:3] == (1, 1, 0) and row.requests == 2


def test_per_week_rule() -> None:
    assert per_week(100, 100) == 7
    assert per_week(50, 100) == 4  # ⌈3.5⌉
    assert per_week(0.01, 100) == 1
    assert per_week(1, 7) == 1 and per_week(Fraction(8, 7), 8) == 1
    assert per_week(3, 0) == 1


@given(st.lists(st.floats(0, 1e6, allow_nan=False), min_size=1))
def test_per_week_between_one_and_seven(scores: list[float]) -> None:
    top = max(scores)
    assert all(1 <= per_week(s, top) <= 7 for s in scores)


@examples(100)
@given(
    st.lists(st.tuples(st.sampled_from("abcd"), windows), min_size=1, max_size=15),
    st.integers(1, 30),
)
def test_plan_frequency_bounds(reqs: list[tuple[str, tuple[int, int]]], top: int) -> None:
    requests = [_req(f"r{i}", p, s, e) for i, (p, (s, e)) in enumerate(reqs)]
    plan = patrol_plan(requests, top=top, incidents={("a", 20): 3})
    assert 1 <= len(plan.entries) <= top
    assert all(1 <= e.per_week <= 7 for e in plan.entries)
    assert plan.entries[0].per_week == 7
    assert [e.score for e in plan.entries] == sorted((e.score for e in plan.entries), reverse=True)


def test_quarter_boundaries() -> None:
    assert quarter_of(date(2026, 3, 31)) == Quarter(2026, 1)
    assert quarter_of(date(2026, 4, 1)) == Quarter(2026, 2)
    assert quarter_of(date(2026, 12, 31)) == Quarter(2026, 4)
    assert quarter_of(datetime(2026, 3, 31, 15, 30, tzinfo=UTC)) == Quarter(2026, 2)  # 00:30 KST
    assert (Quarter(2026, 1).start, Quarter(2026, 1).end) == (date(2026, 1, 1), date(2026, 3, 31))
    assert (Quarter(2026, 4).start, Quarter(2026, 4).end) == (date(2026, 10, 1), date(2026, 12, 31))
    assert Quarter(2025, 4) < Quarter(2026, 1)
    with pytest.raises(ValueError):
        Quarter(2026, 5)


def test_focus_period() -> None:
    assert in_focus_period(date(2026, 4, 1)) and in_focus_period(date(2026, 4, 14))
    assert not in_focus_period(date(2026, 4, 15)) and not in_focus_period(date(2026, 3, 31))
    assert in_focus_period(date(2026, 7, 7), focus_days=7) and not in_focus_period(
        date(2026, 7, 8), focus_days=7
    )


def test_quarterly_reset_keeps_history() -> None:
    requests = [
        _req("old", made_at=date(2025, 12, 30)),
        _req("q1", made_at=datetime(2026, 3, 31, 23, 59, tzinfo=KST)),
        _req("q2", made_at=datetime(2026, 3, 31, 15, 0, tzinfo=UTC)),  # 4/1 00:00 KST
        _req("q2b", made_at=date(2026, 5, 20)),
    ]
    split = split_quarter(requests, date(2026, 5, 21))
    assert split.quarter == Quarter(2026, 2)
    assert [r.request_id for r in split.active] == ["q2", "q2b"]
    assert [r.request_id for r in split.archived] == ["old", "q1"]
    assert (split.focus, split.focus_until) == (False, date(2026, 4, 14))
    assert split_quarter(requests, date(2026, 4, 3)).focus


@given(
    st.lists(st.dates(date(2024, 1, 1), date(2027, 12, 31)), max_size=20),
    st.dates(date(2024, 1, 1), date(2027, 12, 31)),
)
def test_split_loses_nothing(days: list[date], today: date) -> None:
    requests = [_req(f"r{i}", made_at=d) for i, d in enumerate(days)]
    split = split_quarter(requests, today)
    assert sorted(r.request_id for r in split.active + split.archived) == sorted(
        r.request_id for r in requests
    )
    assert all(quarter_of(r.made) < quarter_of(today) for r in split.archived)


def test_coverage_this_week() -> None:
    requests = [
        _req("a", lat=37.4850, lon=126.9010),
        _req("b", "가리봉동 남구로역 3번 출구", lat=37.4853, lon=126.9010),
        _req("c", PARK, 22, 2),
    ]
    plan = patrol_plan(requests, merge_within_m=100)
    logs = [
        PatrolLog("가리봉동 남구로역 3번 출구", datetime(2026, 4, 6, 19, 0)),  # Mon, member place
        PatrolLog(STATION, datetime(2026, 4, 12, 21, 59, tzinfo=KST)),  # Sun
        PatrolLog(STATION, datetime(2026, 4, 13, 20, 0)),  # next Monday: another week
        PatrolLog(PARK, datetime(2026, 4, 8, 14, 0, tzinfo=UTC)),  # 23:00 KST, band 22–24
        PatrolLog(PARK, datetime(2026, 4, 8, 12, 0)),  # no plan cell at noon
    ]
    got = {(c.place, c.band.label): c for c in coverage(plan, logs, date(2026, 4, 9))}
    station = got[(place_key(STATION), "18–22")]
    assert (station.per_week, station.patrols, station.remaining, station.covered) == (
        7,
        2,
        5,
        True,
    )
    assert got[(PARK, "22–24")].covered and got[(PARK, "22–24")].patrols == 1
    assert got[(PARK, "00–06")].per_week == 2  # ⌈7 × 0.5 / 2⌉
    assert not got[(PARK, "00–06")].covered and got[(PARK, "00–06")].remaining == 2


def test_notices_only_with_contact_and_consent_after_the_request() -> None:
    made = datetime(2026, 4, 2, 15, 0, tzinfo=KST)
    requests = [
        _req("told", start=22, end=2, made_at=made, has_contact=True, consented=True),
        _req("no-consent", start=22, end=2, made_at=made, has_contact=True, consented=False),
        _req("no-contact", start=22, end=2, made_at=made, has_contact=False, consented=True),
        _req(
            "later",
            start=22,
            end=2,
            made_at=made + timedelta(days=5),
            has_contact=True,
            consented=True,
        ),
        _req("day-band", start=9, end=11, made_at=made, has_contact=True, consented=True),
        _req("park", PARK, start=22, end=2, made_at=made, has_contact=True, consented=True),
        _req("done-before", start=22, end=2, made_at=made, has_contact=True, consented=True),
    ]
    logs = [
        PatrolLog(STATION, datetime(2026, 4, 1, 23, 0)),  # before every request
        PatrolLog(STATION, datetime(2026, 4, 4, 1, 30)),  # 00–06, after midnight
        PatrolLog(f"  {STATION} ", datetime(2026, 4, 3, 23, 10)),  # 22–24, the first one after
        PatrolLog(STATION, datetime(2026, 4, 2, 14, 0)),  # 14–18: no request window there
    ]
    out = notices(requests, logs, already_told={"done-before"})
    assert [(n.request_id, n.band.label, n.patrolled_at) for n in out] == [
        ("told", "22–24", datetime(2026, 4, 3, 23, 10, tzinfo=KST)),
    ]
    assert notices(requests[:3], []) == ()


def test_notice_for_a_request_known_by_date_and_a_merged_place() -> None:
    requests = [
        _req(
            "a",
            "가리봉동 남구로역 3번 출구",
            22,
            2,
            made_at=date(2026, 4, 2),
            has_contact=True,
            consented=True,
        ),
    ]
    logs = [PatrolLog(STATION, datetime(2026, 4, 2, 1, 0))]  # same day, 01:00
    place_of = {"가리봉동 남구로역 3번 출구": place_key(STATION)}
    (n,) = notices(requests, logs, place_of=place_of)
    assert (n.request_id, n.place, n.band.label) == ("a", place_key(STATION), "00–06")
    assert notices(requests, logs) == ()  # without the clustering the places differ
