"""The confidence of a suggestion: a temperature, the first suggestion mapped to how often
such suggestions were right, and no confidence claimed beyond the held-out evidence."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from minwon.analysis import calibration as cal


def test_the_first_suggestions_confidence_matches_how_often_it_is_right() -> None:
    rng = np.random.default_rng(3)
    n, k = 2000, 100
    truth = rng.integers(0, k, n)
    scores = rng.normal(0, 1, (n, k))
    right = rng.random(n) < 0.6  # the first suggestion is right 60 % of the time
    scores[np.arange(n), np.where(right, truth, (truth + 1) % k)] += 8.0  # and very sure of it
    t = cal.best_temperature(scores, truth)
    confidence = cal.softmax(scores / t).max(axis=1)
    assert t > 1
    assert confidence.mean() == pytest.approx(right.mean(), abs=0.03)


def test_the_first_suggestion_is_mapped_to_how_often_such_suggestions_were_right() -> None:
    rng = np.random.default_rng(5)
    top = rng.uniform(0.3, 1.0, 3000)
    right = (rng.random(3000) < 0.2 + 0.6 * top).astype(float)  # very sure, right 80 %
    slope, intercept = cal.fit_top_calibration(top, right)
    assert 0 < slope < 1
    probs = np.column_stack([top, 1 - top])
    calibrated = cal.calibrate_first(probs, slope, intercept)[:, 0]
    for low, high in ((0.3, 0.5), (0.5, 0.7), (0.7, 0.9), (0.9, 1.0)):
        band = (top >= low) & (top < high)
        assert calibrated[band].mean() == pytest.approx(right[band].mean(), abs=0.04)


@pytest.mark.parametrize(
    ("top", "right"),
    [
        (np.full(49, 0.9), np.r_[np.ones(30), np.zeros(19)]),  # too few outcomes
        (np.full(200, 0.9), np.ones(200)),  # never wrong
        (np.full(200, 0.9), np.zeros(200)),  # never right
    ],
)
def test_too_little_evidence_leaves_the_confidence_alone(
    top: np.ndarray, right: np.ndarray
) -> None:
    assert cal.fit_top_calibration(top, right) == (1.0, 0.0)


def test_no_confidence_is_claimed_beyond_what_twenty_held_out_suggestions_reached() -> None:
    rng = np.random.default_rng(8)
    top = np.r_[rng.uniform(0.2, 0.7, 400), np.full(3, 0.99)]  # three very sure outcomes only
    right = (rng.random(403) < top).astype(float)
    slope, intercept = cal.fit_top_calibration(top, right)
    ceiling = cal.confidence_ceiling(top, slope, intercept)
    mapped = cal.top_map(top, slope, intercept)
    assert (mapped >= ceiling).sum() == 20 and ceiling < 0.85
    probs = np.array([[0.99, 0.01], [0.6, 0.4]])
    out = cal.calibrate_first(probs, slope, intercept, ceiling=ceiling)
    assert out[0, 0] == pytest.approx(ceiling) and out[0].sum() == pytest.approx(1.0)
    below = cal.top_map(np.array([0.6]), slope, intercept)[0]
    assert below < ceiling and out[1, 0] == pytest.approx(below)  # under it, the map alone


def test_fewer_than_twenty_held_out_suggestions_claim_no_more_than_an_even_chance() -> None:
    assert cal.confidence_ceiling(np.full(19, 0.9), 1.0, 0.0) == 0.5
    assert cal.confidence_ceiling(np.zeros(0), 1.0, 0.0) == 0.5
    assert cal.confidence_ceiling(np.linspace(0.1, 0.9, 20), 1.0, 0.0) == pytest.approx(0.1)


def test_a_ceiling_alone_caps_an_uncalibrated_first_suggestion() -> None:
    out = cal.calibrate_first(np.array([[0.95, 0.05]]), 1.0, 0.0, ceiling=0.8)[0]
    assert out == pytest.approx([0.8, 0.2])


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.floats(0.0, 1.0), min_size=2, max_size=8).filter(lambda v: sum(v) > 0.01),
    st.floats(0.05, 3.0),
    st.floats(-3.0, 3.0),
    st.floats(0.3, 1.0),
)
def test_calibrating_the_first_keeps_the_order_and_a_distribution(
    values: list[float], slope: float, intercept: float, ceiling: float
) -> None:
    probs = np.array([values]) / sum(values)
    out = cal.calibrate_first(probs, slope, intercept, ceiling=ceiling)[0]
    first = int(probs[0].argmax())
    assert out.sum() == pytest.approx(1.0)
    assert (out >= 0).all() and out[first] >= out.max() - 1e-12
    before, after = probs[0][:, None], out[:, None]
    assert ((before > before.T) <= (after >= after.T - 1e-12)).all()  # no order reversed
