"""Fair rankings: shrinkage toward the national mean on hand-computed cases, small samples that
must not win, ties, movement, streaks across years (gaps break them) and the rule's properties."""

import inspect

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from props import examples

import minwon.surveys.rankings as rankings
from minwon.surveys.rankings import (
    RULE_KO,
    Prior,
    Ranked,
    estimate_prior,
    movement,
    rank,
    shrink,
    streaks,
)
from minwon.surveys.scores import Sums

PROPERTY = examples(150)
ANSWERS = st.lists(st.integers(1, 5), min_size=1, max_size=40)
NATIONS = st.dictionaries(st.integers(0, 99), ANSWERS, min_size=1, max_size=12)


def _answers(n5: int, n4: int, n3: int, n2: int = 0, n1: int = 0) -> list[int]:
    return [5] * n5 + [4] * n4 + [3] * n3 + [2] * n2 + [1] * n1


def _nation() -> dict[str, list[int]]:
    """30 offices of 270–502 answers, means 3.74–4.44, as a nationwide survey might give."""
    return {f"office-{i:02d}": _answers(60 + 9 * i, 120, 60 - i, 20, 10) for i in range(30)}


# A: 5,5,4,4 (mean 4.5, s² = (82 − 18²/4)/3 = 1/3); B: 3,3,4,4 (mean 3.5, s² = 1/3);
# C: 4,4,3,5 (mean 4.0, s² = (66 − 64)/3 = 2/3). N = 12, g = 3, μ = 48/12 = 4.0.
# MSW = (3·1/3 + 3·1/3 + 3·2/3)/(12 − 3) = 4/9; MSB = (4·0.5² + 4·0.5² + 0)/2 = 1.0;
# n₀ = (12 − 48/12)/2 = 4; between = (1 − 4/9)/4 = 5/36; k = (4/9)/(5/36) = 3.2.
SMALL = {"A": [5, 5, 4, 4], "B": [3, 3, 4, 4], "C": [4, 4, 3, 5]}


def test_prior_by_the_method_of_moments() -> None:
    prior = estimate_prior(SMALL)
    assert prior.mu == pytest.approx(4.0)
    assert prior.within == pytest.approx(4 / 9)
    assert prior.between == pytest.approx(5 / 36)
    assert prior.k_estimated == pytest.approx(3.2)
    assert prior.k == 10.0  # 3.2 is below the floor of 10
    assert prior.estimated and (prior.units, prior.n) == (3, 12)


def test_shrunk_scores_by_hand() -> None:
    # k = 10: A (4·4.5 + 10·4)/14 = 58/14 = 4.142857; C (16 + 40)/14 = 4; B 54/14 = 3.857143
    rows = rank(SMALL, min_n=1)
    assert [(r.key, r.rank) for r in rows] == [("A", 1), ("C", 2), ("B", 3)]
    assert [r.score for r in rows] == pytest.approx([58 / 14, 4.0, 54 / 14])
    assert [r.mean for r in rows] == pytest.approx([4.5, 4.0, 3.5])
    # floor lowered to 1, the estimate k = 3.2 is used: A (18 + 12.8)/7.2 = 4.277778,
    # B (14 + 12.8)/7.2 = 3.722222
    rows = rank(SMALL, min_n=1, k_min=1)
    assert [r.score for r in rows] == pytest.approx([30.8 / 7.2, 4.0, 26.8 / 7.2])


def test_sums_rank_like_answers() -> None:
    sums = {key: Sums.of(values) for key, values in SMALL.items()}
    assert rank(sums, min_n=1) == rank(SMALL, min_n=1)


def test_fallback_and_ceiling_of_k() -> None:
    # two units: k cannot be estimated → 10
    assert estimate_prior({"a": [5, 4], "b": [3, 4]}) == Prior(mu=4.0, k=10.0, units=2, n=4)
    # no spread at all inside units → 10
    assert estimate_prior({"a": [5, 5], "b": [3, 3], "c": [4]}).k == 10.0
    # units differ less than chance would make them (MSB < MSW) → the ceiling, 1,000
    prior = estimate_prior({"a": [1, 5, 3], "b": [5, 1, 3], "c": [3, 1, 5]})
    assert prior.k_estimated == float("inf") and prior.k == 1000.0


def test_three_perfect_answers_do_not_outrank_three_thousand_very_good_ones() -> None:
    nation = _nation()
    nation["perfect-3"] = [5, 5, 5]
    nation["big-3000"] = _answers(1950, 900, 150)  # mean (9750 + 3600 + 450)/3000 = 4.6
    for min_n in (30, 1):
        rows = {r.key: r for r in rank(nation, min_n=min_n)}
        big, small = rows["big-3000"], rows["perfect-3"]
        assert big.rank == 1 and big.mean == pytest.approx(4.6)
        if min_n == 30:
            assert small.status == "not_enough" and small.rank is None
        else:
            assert small.rank is not None and small.rank > big.rank
            assert small.mean == 5.0 and small.score is not None and small.score < 4.45


@PROPERTY
@given(st.lists(st.tuples(*[st.integers(0, 400)] * 5), min_size=1, max_size=15))
def test_three_perfect_answers_never_win_when_the_nation_is_below_4_4(
    others: list[tuple[int, int, int, int, int]],
) -> None:
    # perfect three: μ + 3(5 − μ)/(3 + k); big: μ + 3000(4.6 − μ)/(3000 + k). The first is the
    # smaller for every k in [10, 1000] when μ < 4.479 (the worst case is k = 10:
    # 0.2308(5 − μ) < 0.9967(4.6 − μ) ⇔ μ < 4.4796), so no nation below 4.4 lets them win.
    nation: dict[str, list[int]] = {f"o{i}": _answers(*c) for i, c in enumerate(others) if any(c)}
    nation["perfect-3"] = [5, 5, 5]
    nation["big-3000"] = _answers(1950, 900, 150)
    assume(estimate_prior(nation).mu <= 4.4)
    rows = {r.key: r for r in rank(nation, min_n=1)}
    assert rows["perfect-3"].rank >= rows["big-3000"].rank  # type: ignore[operator]


def test_not_enough_answers_are_listed_without_rank() -> None:
    groups: dict[str, list[int]] = {"big": [4] * 40 + [5] * 10, "small": [5] * 29, "none": []}
    rows = rank(groups)
    assert [(r.key, r.status, r.rank) for r in rows] == [
        ("big", "ranked", 1),
        ("small", "not_enough", None),
        ("none", "not_enough", None),
    ]
    assert rows[1].score is not None and rows[2].score is None and rows[2].mean is None
    assert rank({}) == []
    assert [r.score for r in rank({"a": [], "b": []})] == [None, None]


def test_ties_share_a_rank_and_the_next_is_skipped() -> None:
    # μ = (200 + 200 + 160 + 120)/160 = 4.25, no spread inside units → k = 10:
    # A and B (200 + 42.5)/50 = 4.85, C (160 + 42.5)/50 = 4.05, D (120 + 42.5)/50 = 3.25
    groups = {"A": [5] * 40, "B": [5] * 40, "C": [4] * 40, "D": [3] * 40}
    rows = rank(groups)
    assert [(r.key, r.rank) for r in rows] == [("A", 1), ("B", 1), ("C", 3), ("D", 4)]
    assert [r.score for r in rows] == pytest.approx([4.85, 4.85, 4.05, 3.25])


def test_ties_are_equal_to_three_decimals() -> None:
    prior = Prior(mu=4.0, k=10.0)  # score = (sum + 40)/50 for 40 answers: sum = 50·score − 40

    def sums(score: float) -> Sums:
        total = 50 * score - 40
        return Sums(csat_n=40, csat_sum=total, csat_sumsq=total**2 / 40 + 5, top2=40)

    rows = rank({"x": sums(4.1231), "y": sums(4.1234), "z": sums(4.1236)}, prior=prior)
    assert [(r.key, r.rank) for r in rows] == [("z", 1), ("x", 2), ("y", 2)]  # 4.124, 4.123 ×2


def test_movement_since_the_previous_period() -> None:
    current = [
        Ranked("a", 50, 4.5, 4.4, 1, "ranked"),
        Ranked("b", 50, 4.0, 4.0, 2, "ranked"),
        Ranked("c", 50, 3.9, 3.9, 3, "ranked"),
        Ranked("d", 50, 3.5, 3.6, 4, "ranked"),
        Ranked("e", 10, 3.0, 3.8, None, "not_enough"),
    ]
    previous = {"a": 3, "b": 1, "c": 3, "d": None, "e": 2}
    moves = {m.key: m for m in movement(current, previous)}
    assert [(m.direction, m.change, m.label_ko) for m in moves.values()] == [
        ("up", 2, "▲2"),
        ("down", -1, "▼1"),
        ("same", 0, "−"),
        ("new", None, "신규"),
        ("unranked", None, "순위 없음"),
    ]
    assert movement(current, current)[0].direction == "same"  # a ranking works as previous


def test_streaks_of_first_place_and_grades() -> None:
    history = {
        "대전충남": {2025: 1, 2026: 1},
        "lg": dict.fromkeys(range(2021, 2027), "우수"),
        "구로": {2025: "미흡", 2026: "미흡"},
        "송파": {2025: 2, 2026: 1},
        "강서": {2026: "미흡"},
        "서초": {2025: "D", 2026: "D"},  # the relative grade 미흡
    }
    found = {s.key: s for s in streaks(history)}
    assert set(found) == {"대전충남", "lg", "구로", "서초"}
    assert found["서초"].flagged and found["서초"].years == 2
    assert (found["대전충남"].kind, found["대전충남"].years) == ("rank1", 2)
    assert found["대전충남"].label == "2년 연속 1위"
    assert found["대전충남"].label_en == "1st two years running"
    assert (found["lg"].grade, found["lg"].years, found["lg"].first_year) == ("우수", 6, 2021)
    assert found["lg"].label == "6년 연속 우수" and not found["lg"].flagged
    assert found["lg"].label_en == "우수 six years in a row"
    assert found["구로"].flagged and found["구로"].label == "2년 연속 미흡 · 서비스 개선계획 대상"
    assert list(found)[0] == "구로"  # flagged first


@pytest.mark.parametrize(
    "years",
    [
        {2023: 1, 2024: 1, 2026: 1},  # 2025 missing
        {2024: 1, 2025: 2, 2026: 1},  # 2nd in 2025
        {2024: 1, 2025: None, 2026: 1},  # no result in 2025
        {2024: "우수", 2025: "양호", 2026: "우수"},
        {2023: "미흡", 2024: "미흡", 2026: "미흡"},
    ],
)
def test_a_gap_breaks_a_streak(years: dict[int, int | str | None]) -> None:
    assert streaks({"x": years}) == []
    (one,) = streaks({"x": years}, min_years=1)
    assert (one.years, one.first_year, one.last_year, one.flagged) == (1, 2026, 2026, False)


def test_streaks_are_current_as_of_the_latest_year() -> None:
    history = {"old": {2023: 1, 2024: 1, 2025: 1}, "now": {2026: 3}}
    assert streaks(history) == []  # "old" had no result in 2026
    (s,) = streaks(history, as_of=2025)
    assert (s.key, s.years) == ("old", 3)
    assert streaks({}) == [] and streaks({"x": {}}) == []


@pytest.mark.parametrize(
    "history",
    [{"x": {"2025": 1}}, {"x": {2025: 0}}, {"x": {2025: True}}, {"x": {2025: ""}}],
)
def test_bad_history_is_a_value_error(history: dict) -> None:
    with pytest.raises(ValueError, match="x"):
        streaks(history)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: rank({"a": [4, 6]}), "group 'a': CSAT answers must be between 1 and 5"),
        (lambda: rank({"a": "555"}), "CSAT answers or Sums"),
        (lambda: rank({"a": [4]}, min_n=0), "min_n"),
        (lambda: rank({"a": Sums(csat_n=-1)}), "whole number >= 0"),
        (lambda: estimate_prior({"a": []}), "no answers"),
        (lambda: estimate_prior({"a": [4]}, k_min=20), "k_min <= k_fallback"),
        (lambda: shrink(-1, 4.0, Prior(4.0, 10.0)), "n must be"),
        (lambda: streaks({}, min_years=0), "min_years"),
    ],
)
def test_bad_input_is_a_clear_value_error(call: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        call()  # type: ignore[operator]


def test_the_rule_is_documented_for_users() -> None:
    doc = inspect.getdoc(rankings) or ""
    for words in ("(n × unit average + k × national average) / (n + k)", "between 10 and 1,000"):
        assert words in doc
    assert "30" in doc and "(1, 1, 3)" in doc and "미흡" in doc
    for words in ("전국 평균", "10 이상 1,000 이하", "30건 미만", "1, 1, 3위", "서비스 개선계획"):
        assert words in RULE_KO


@PROPERTY
@given(NATIONS)
def test_shrinkage_lies_between_the_raw_mean_and_the_national_mean(
    nation: dict[int, list[int]],
) -> None:
    prior = estimate_prior(nation)
    assert 1 <= prior.mu <= 5 and 10 <= prior.k <= 1000
    for r in rank(nation, min_n=1):
        assert r.mean is not None and r.score is not None
        low, high = sorted((r.mean, prior.mu))
        assert low - 1e-9 <= r.score <= high + 1e-9


@PROPERTY
@given(NATIONS, st.integers(1, 20))
def test_ranks_run_from_one_with_ties_shared(nation: dict[int, list[int]], min_n: int) -> None:
    rows = [r for r in rank(nation, min_n=min_n) if r.status == "ranked"]
    assert all(r.n >= min_n for r in rows)
    rounded = [round(r.score or 0.0, 3) for r in rows]
    assert [r.rank for r in rows] == [1 + sum(o > s for o in rounded) for s in rounded]
    if rows:
        assert rows[0].rank == 1 and max(r.rank or 0 for r in rows) <= len(rows)


@PROPERTY
@given(ANSWERS, st.floats(1, 5), st.floats(10, 1000))
def test_a_perfect_answer_never_lowers_a_score(values: list[int], mu: float, k: float) -> None:
    prior = Prior(mu=mu, k=k)
    before = shrink(len(values), sum(values) / len(values), prior)
    after = shrink(len(values) + 1, (sum(values) + 5) / (len(values) + 1), prior)
    assert after >= before - 1e-12
    assert (sum(values) + 5) / (len(values) + 1) >= sum(values) / len(values)
