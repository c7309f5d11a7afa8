"""Surge alerts: the documented rule on hand-computed cases, its properties, and window binning
with Korean and UTC time stamps."""

import inspect
import math
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from minwon.analysis.surges import RULE_KO, Surge, detect, weekly_counts

KST = ZoneInfo("Asia/Seoul")
QUIET = [1, 0, 2, 1, 1, 0, 1, 2]  # mean 1.0


def _poisson_tail(k: int, lam: float) -> float:
    """P(X >= k) for X ~ Poisson(lam), summed by hand from the probability mass function."""
    return sum(math.exp(i * math.log(lam) - lam - math.lgamma(i + 1)) for i in range(k, k + 200))


def test_nine_after_a_quiet_two_months_is_a_surge() -> None:
    (surge,) = detect({"주차": [*QUIET, 9]})
    assert (surge.key, surge.current, surge.baseline, surge.ratio) == ("주차", 9, 1.0, 9.0)
    assert surge.p_value == pytest.approx(_poisson_tail(9, 1.0), rel=1e-9)
    assert surge.p_value == pytest.approx(1.1252e-6, rel=1e-4)  # e⁻¹·(1/9! + 1/10! + …)


def test_four_is_below_the_minimum_count() -> None:
    assert detect({"a": [0] * 8 + [4]}, alpha=0.01) == []  # p = 0.0018 would pass at 1 %
    (surge,) = detect({"a": [0] * 8 + [4]}, alpha=0.01, min_count=4)
    assert surge.baseline == 0.0 and surge.ratio == 8.0  # λ floored at 0.5
    assert surge.p_value == pytest.approx(_poisson_tail(4, 0.5), rel=1e-9)


def test_not_enough_history() -> None:
    assert detect({"a": [0, 0, 0, 9]}) == []  # 3 windows before the current one
    assert len(detect({"a": [0, 0, 0, 0, 9]})) == 1  # 4 are enough
    assert detect({"a": [], "b": [9]}) == []


def test_steady_high_counts_do_not_alert() -> None:
    assert detect({"a": [100, 95, 105, 98, 102, 97, 103, 99, 110]}) == []


def test_unlikely_but_less_than_double_does_not_alert() -> None:
    series = {"a": [100] * 8 + [150]}
    assert _poisson_tail(150, 100) < 1e-5
    assert detect(series) == []


def test_only_the_last_eight_windows_make_the_baseline() -> None:
    (surge,) = detect({"a": [50] * 5 + QUIET + [9]})
    assert surge.baseline == 1.0
    assert detect({"a": [50] * 5 + QUIET + [9]}, history=12) == []  # 50s now in the baseline


def test_alerts_are_sorted_by_p_value() -> None:
    surges = detect({"mild": [*QUIET, 7], "none": [*QUIET, 2], "strong": [*QUIET, 15]})
    assert [s.key for s in surges] == ["strong", "mild"]
    assert surges[0].p_value < surges[1].p_value < 0.001
    assert isinstance(surges[0], Surge)


def test_the_korean_rule_states_the_defaults() -> None:
    defaults = inspect.signature(detect).parameters
    assert defaults["history"].default == 8 and "최대 8주" in RULE_KO
    assert defaults["min_history"].default == 4 and "4주 미만" in RULE_KO
    assert defaults["min_count"].default == 5 and "5건 이상" in RULE_KO
    assert defaults["alpha"].default == 0.001 and "0.1% 미만" in RULE_KO
    assert "2배 이상" in RULE_KO


def test_invalid_arguments() -> None:
    with pytest.raises(ValueError):
        detect({"a": [1, 2, -1, 3, 4, 5]})
    with pytest.raises(ValueError):
        detect({"a": [1] * 9}, min_history=0)
    with pytest.raises(ValueError):
        detect({"a": [1] * 9}, history=3, min_history=4)


counts = st.lists(st.integers(0, 40), min_size=4, max_size=12)


@given(past=counts, current=st.integers(0, 200))
def test_one_more_voice_never_removes_an_alert(past: list[int], current: int) -> None:
    if detect({"k": [*past, current]}):
        assert detect({"k": [*past, current + 1]})


@given(past=counts, data=st.data())
def test_a_window_at_or_below_baseline_never_alerts(past: list[int], data: st.DataObject) -> None:
    baseline = sum(past[-8:]) / len(past[-8:])
    current = data.draw(st.integers(0, math.floor(baseline)))
    assert detect({"k": [*past, current]}, min_count=1, alpha=0.5) == []


@given(past=counts, current=st.integers(0, 200))
def test_every_alert_meets_all_three_conditions(past: list[int], current: int) -> None:
    for s in detect({"k": [*past, current]}):
        assert s.current >= 5 and s.current >= 2 * s.baseline and s.p_value < 0.001


END = datetime(2026, 3, 9, tzinfo=KST)  # Monday 00:00 in Korea = Sunday 15:00 UTC
WEEK = timedelta(days=7)
TICK = timedelta(microseconds=1)


def test_weekly_counts_window_edges() -> None:
    times = [
        END,  # the end itself is outside
        END - TICK,  # last window
        END - WEEK,  # start of the last window belongs to it
        END - WEEK - TICK,  # middle window
        END - 3 * WEEK,  # start of the first window
        END - 3 * WEEK - TICK,  # before the first window
    ]
    assert weekly_counts(times, end=END, windows=3) == [1, 1, 2]


def test_weekly_counts_mixes_kst_and_utc() -> None:
    times = [
        datetime(2026, 3, 8, 14, 59, 59, tzinfo=UTC),  # 23:59:59 KST Sunday: last window
        datetime(2026, 3, 8, 15, 0, tzinfo=UTC),  # = END: outside
        datetime(2026, 3, 1, 15, 0, tzinfo=UTC),  # Monday 00:00 KST: start of the last window
        datetime(2026, 3, 1, 14, 0, tzinfo=UTC),  # Sunday 23:00 KST: the window before
        datetime(2026, 3, 2, 9, 0, tzinfo=KST),
    ]
    assert weekly_counts(times, end=END, windows=2) == [1, 3]
    assert weekly_counts(times, end=END.astimezone(UTC), windows=2) == [1, 3]


def test_weekly_counts_other_window_lengths() -> None:
    times = [END - timedelta(days=d, hours=1) for d in range(10)]
    assert weekly_counts(times, end=END, windows=5, days=2) == [2, 2, 2, 2, 2]
    assert weekly_counts([], end=END, windows=4) == [0, 0, 0, 0]


def test_weekly_counts_needs_aware_times() -> None:
    with pytest.raises(ValueError):
        weekly_counts([], end=datetime(2026, 3, 9), windows=2)
    with pytest.raises(ValueError):
        weekly_counts([datetime(2026, 3, 5)], end=END, windows=2)
    with pytest.raises(ValueError):
        weekly_counts([], end=END, windows=0)
