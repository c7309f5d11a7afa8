"""Survey scores: CSAT, top-2-box, NPS and response rate against hand-computed values, the same
figures from rollup sums, interval properties, and clear errors for bad input."""

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st
from props import examples

from minwon.surveys.scores import (
    Estimate,
    Sums,
    csat,
    from_sums,
    nps,
    response_rate,
    summarise,
    t_quantile,
    top2,
    wilson,
    z_quantile,
)

Z = 1.959964  # two-sided 95 % normal quantile
PROPERTY = examples(200)
CSAT_LISTS = st.lists(st.integers(1, 5), max_size=60)
NPS_LISTS = st.lists(st.integers(0, 10), max_size=60)


def _wilson_by_hand(k: int, n: int) -> tuple[float, float]:
    p = k / n
    centre = (p + Z * Z / (2 * n)) / (1 + Z * Z / n)
    half = Z / (1 + Z * Z / n) * math.sqrt(p * (1 - p) / n + Z * Z / (4 * n * n))
    return centre - half, centre + half


def test_quantiles_are_the_table_values() -> None:
    assert z_quantile() == pytest.approx(1.959964, abs=1e-6)
    assert t_quantile(9) == pytest.approx(2.262157, abs=1e-6)  # t table, df 9
    assert t_quantile(3) == pytest.approx(3.182446, abs=1e-6)  # t table, df 3


def test_csat_mean_and_t_interval() -> None:
    # 4,4,5,3,4,5,4,4,3,5: n 10, sum 41, mean 4.1; sum of squares 5·16 + 3·25 + 2·9 = 173
    # s² = (173 − 41²/10) / 9 = (173 − 168.1) / 9 = 0.544444; s / √n = 0.737865 / 3.162278
    # = 0.233333; half width 2.262157 · 0.233333 = 0.527837 → [3.572163, 4.627837]
    est = csat([4, 4, 5, 3, 4, 5, 4, 4, 3, 5])
    assert est.value == pytest.approx(4.1)
    assert est.low == pytest.approx(3.572163, abs=1e-6)
    assert est.high == pytest.approx(4.627837, abs=1e-6)
    assert est.n == 10


def test_csat_interval_is_cut_to_the_scale() -> None:
    # 3,4,5,5: mean 4.25, s² = (75 − 17²/4) / 3 = 0.916667, s/√4 = 0.478714,
    # half 3.182446 · 0.478714 = 1.523480 → [2.726520, 5.773480], cut to 5
    est = csat([3, 4, 5, 5])
    assert est.low == pytest.approx(2.726520, abs=1e-5)
    assert est.high == 5.0


def test_csat_of_one_or_no_answer() -> None:
    assert csat([4]) == Estimate(4.0, None, None, 1)
    assert not csat([4]).has_interval
    assert csat([]) == Estimate(None, None, None, 0)
    assert csat([5, 5, 5]) == Estimate(5.0, 5.0, 5.0, 3)  # no spread: a zero-width interval


def test_top2_share_and_wilson_interval() -> None:
    # 3,4,5,5: 3 of 4 are 4 or 5, p = 0.75; z² = 3.841459, 1 + z²/n = 1.960365
    # centre (0.75 + 0.480182) / 1.960365 = 0.627527
    # half 1.959964 · √(0.75·0.25/4 + 3.841459/64) / 1.960365 = 1.959964 · 0.326953 / 1.960365
    # = 0.326886 → [0.300641, 0.954413]
    est = top2([3, 4, 5, 5])
    assert est.value == 0.75 and est.n == 4
    assert est.low == pytest.approx(0.300641, abs=1e-5)
    assert est.high == pytest.approx(0.954413, abs=1e-5)
    assert (est.low, est.high) == pytest.approx(_wilson_by_hand(3, 4), abs=1e-6)


def test_wilson_at_zero_and_all() -> None:
    assert wilson(0, 10)[0] == 0.0
    assert wilson(10, 10)[1] == 1.0
    # 0 of 10: high = (0 + z²/20) / (1 + z²/10) + z/(1 + z²/10)·√(z²/400) = 2·0.192073/1.384146
    assert wilson(0, 10)[1] == pytest.approx(0.277533, abs=1e-5)


def test_nps_points_and_interval() -> None:
    # 10,9,8,7,6,0,10,9,5,10: promoters 10,9,10,9,10 = 5; passives 8,7; detractors 6,0,5 = 3
    # NPS = (5 − 3)/10 = 0.2 → 20 points. Per-answer scores +1/0/−1: mean 0.2,
    # variance 0.5 + 0.3 − 0.2² = 0.76; SE √(0.76/10) = 0.275681; half 1.959964 · 0.275681
    # = 0.540325 → 20 ± 54.0325 = [−34.0325, 74.0325]
    est = nps([10, 9, 8, 7, 6, 0, 10, 9, 5, 10])
    assert est.value == pytest.approx(20.0)
    assert est.low == pytest.approx(-34.0325, abs=1e-4)
    assert est.high == pytest.approx(74.0325, abs=1e-4)
    assert est.n == 10


def test_nps_extremes() -> None:
    assert nps([10] * 5) == Estimate(100.0, 100.0, 100.0, 5)
    assert nps([0, 3]).value == -100.0
    assert nps([7, 8]).value == 0.0
    assert nps([9]) == Estimate(100.0, None, None, 1)


def test_response_rate() -> None:
    # 30 of 120 = 0.25; Wilson: centre (0.25 + 3.841459/240)/(1 + 3.841459/120) = 0.257721,
    # half 1.959964·√(0.25·0.75/120 + 3.841459/57600)/1.032012 = 0.076623 → [0.181098, 0.334411]
    est = response_rate(30, 120)
    assert est.value == 0.25 and est.n == 120
    assert est.low == pytest.approx(0.181098, abs=1e-5)
    assert est.high == pytest.approx(0.334411, abs=1e-5)
    assert response_rate(0, 0) == Estimate(None, None, None, 0)


def test_summarise_and_from_sums_agree() -> None:
    score = summarise([3, 4, 5, 5], [10, 9, 8, 7, 6, 0, 10, 9, 5, 10], 40)
    assert score.responses == 10  # the longer list
    assert score.response_rate.value == 0.25
    # 3,4,5,5: n 4, sum 17, squares 9 + 16 + 25 + 25 = 75, top-2 3
    same = from_sums(
        csat_n=4,
        csat_sum=17,
        csat_sumsq=75,
        top2=3,
        nps_n=10,
        promoters=5,
        detractors=3,
        invitations=40,
    )
    assert same == score
    assert summarise([4, 5]).response_rate == Estimate(None, None, None, 0)


def test_sums_add_like_groups() -> None:
    a = Sums.of([5, 4], [10, 3], invitations=5)
    b = Sums.of([2], [9, 9], invitations=4)
    merged = a + b
    assert merged == Sums.of([5, 4, 2], [10, 3, 9, 9], responses=4, invitations=9)
    assert merged.score() == summarise([5, 4, 2], [10, 3, 9, 9], 9, responses=4)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: csat([4, 6]), "between 1 and 5; got 6 at position 1"),
        (lambda: csat([0]), "between 1 and 5"),
        (lambda: csat([float("nan")]), "finite number"),
        (lambda: csat([True]), "finite number"),
        (lambda: csat(["5"]), "finite number"),  # type: ignore[list-item]
        (lambda: top2([5, 5.5]), "between 1 and 5"),
        (lambda: nps([11]), "whole numbers from 0 to 10"),
        (lambda: nps([-1]), "whole numbers from 0 to 10"),
        (lambda: nps([8.5]), "whole numbers from 0 to 10"),
        (lambda: response_rate(5, 4), "cannot exceed invitations"),
        (lambda: response_rate(-1, 4), "whole number >= 0"),
        (lambda: response_rate(1, 2.5), "whole number >= 0"),  # type: ignore[arg-type]
        (lambda: from_sums(csat_n=-1), "whole number >= 0"),
        (lambda: from_sums(csat_n=2, csat_sum=12, csat_sumsq=72), "impossible"),
        (lambda: from_sums(csat_n=2, csat_sum=8, csat_sumsq=20), "inconsistent"),
        (lambda: from_sums(csat_n=2, csat_sum=8, csat_sumsq=32, top2=3), "cannot exceed"),
        (lambda: from_sums(csat_n=2, csat_sum=2, csat_sumsq=2, top2=1), "inconsistent"),
        (lambda: from_sums(nps_n=3, promoters=2, detractors=2), "cannot exceed NPS n"),
        (lambda: from_sums(csat_n=3, csat_sum=9, csat_sumsq=27, responses=2), "fewer than"),
        (lambda: csat([4, 5], level=1.0), "confidence level"),
    ],
)
def test_bad_input_is_a_clear_value_error(call: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        call()  # type: ignore[operator]


def _inside(est: Estimate, low: float, high: float) -> None:
    assert est.value is not None
    if est.has_interval:
        assert est.low is not None and est.high is not None
        assert low <= est.low <= est.value + 1e-9
        assert est.value - 1e-9 <= est.high <= high


@PROPERTY
@given(CSAT_LISTS.filter(bool))
def test_csat_and_top2_intervals_contain_the_estimate(values: list[int]) -> None:
    _inside(csat(values), 1.0, 5.0)
    _inside(top2(values), 0.0, 1.0)


@PROPERTY
@given(NPS_LISTS.filter(bool))
def test_nps_interval_contains_the_estimate(values: list[int]) -> None:
    _inside(nps(values), -100.0, 100.0)


@PROPERTY
@given(st.integers(0, 5000), st.integers(0, 5000))
def test_response_rate_interval_contains_the_estimate(a: int, b: int) -> None:
    responses, invitations = min(a, b), max(a, b, 1)
    _inside(response_rate(responses, invitations), 0.0, 1.0)


@PROPERTY
@given(CSAT_LISTS, NPS_LISTS, st.integers(0, 100))
def test_merged_rollup_sums_give_the_same_scores_as_answers(
    csat_values: list[int], nps_values: list[int], extra: int
) -> None:
    invitations = max(len(csat_values), len(nps_values)) + extra
    merged = Sums(invitations=invitations)
    for i in range(max(len(csat_values), len(nps_values))):  # one rollup row per response
        merged += Sums.of(csat_values[i : i + 1], nps_values[i : i + 1])
    assert merged.score() == summarise(csat_values, nps_values, invitations or None)


@PROPERTY
@given(CSAT_LISTS.filter(bool))
def test_a_perfect_answer_never_lowers_the_mean(values: list[int]) -> None:
    before, after = csat(values).value, csat([*values, 5]).value
    assert before is not None and after is not None
    assert after >= before - 1e-12
