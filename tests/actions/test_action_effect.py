"""The effect of an action on constructed data with a known answer: the target's change beyond
the change in the rest of the office, so a season is not claimed as effect."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from minwon.actions.effect import MIN_VOICES, Window, measure


def test_a_real_drop_beyond_the_season() -> None:
    # target 40 -> 20 voices while the rest of the office went 200 -> 160 (season: -20 %)
    # expected ratio 0.8, seen 0.5: effect = 0.5 / 0.8 - 1 = -0.375
    e = measure(Window(40), Window(20), Window(200), Window(160))
    assert e.volume.effect == pytest.approx(-0.375)


def test_the_season_alone_is_no_effect() -> None:
    e = measure(Window(40), Window(32), Window(200), Window(160))
    assert e.volume.effect == pytest.approx(0.0)


def test_tone_and_csat_are_differences_in_differences() -> None:
    e = measure(
        Window(10, tone=[-0.6, -0.4, -0.5], csat=[2, 3, 2.5]),
        Window(10, tone=[-0.1, 0.0, -0.2], csat=[4, 4, 4.5]),
        Window(50, tone=[-0.2, -0.2, -0.2], csat=[3.5, 3.5, 3.5]),
        Window(50, tone=[-0.1, -0.1, -0.1], csat=[3.6, 3.6, 3.6]),
    )
    # tone: (-0.1 - -0.5) - (-0.1 - -0.2) = 0.4 - 0.1 = 0.3
    assert e.tone.effect == pytest.approx(0.3)
    # csat: (4.1667 - 2.5) - (3.6 - 3.5) = 1.5667
    assert e.csat.effect == pytest.approx(25 / 6 - 2.5 - 0.1)


def test_too_little_data_gives_no_number() -> None:
    e = measure(Window(MIN_VOICES - 1), Window(0), Window(10), Window(10))
    assert e.volume.effect is None and "too few" in e.volume.note
    assert e.tone.effect is None and e.csat.effect is None
    empty_rest = measure(Window(10), Window(5), Window(0), Window(0))
    assert empty_rest.volume.effect is None
    with pytest.raises(ValueError):
        Window(-1)


@given(
    st.integers(MIN_VOICES, 500),
    st.integers(0, 500),
    st.integers(1, 500),
    st.integers(1, 500),
    st.integers(1, 20),
)
def test_the_size_of_the_rest_of_the_office_does_not_matter(
    tb: int, ta: int, rb: int, ra: int, k: int
) -> None:
    base = measure(Window(tb), Window(ta), Window(rb), Window(ra)).volume.effect
    scaled = measure(Window(tb), Window(ta), Window(rb * k), Window(ra * k)).volume.effect
    assert base is not None and base >= -1
    assert scaled == pytest.approx(base)
    assert measure(Window(tb), Window(tb), Window(rb), Window(rb)).volume.effect == pytest.approx(0)
