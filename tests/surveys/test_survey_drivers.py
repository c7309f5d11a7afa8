"""Driver table: Welch difference and effect sizes by hand, yes/no attributes, too-small groups
shown as such, ordering by effect, records as mappings or objects, and bad input."""

import inspect
from dataclasses import dataclass

import pytest
from hypothesis import given
from hypothesis import strategies as st
from props import examples

import minwon.surveys.drivers as drivers_module
from minwon.surveys.drivers import RULE_KO, Comparison, compare, drivers

PROPERTY = examples(150)
LATE = [1, 2, 3, 2, 2]
ON_TIME = [4, 5, 4, 5, 3, 4]

# late: n 5, mean 2, squared deviations 1+0+1+0+0 = 2, s² = 0.5
# on time: n 6, mean 25/6 = 4.166667, squared deviations 2.833333, s² = 0.566667
# diff = 2 − 4.166667 = −2.166667; s²/n: 0.1 and 0.094444, SE = √0.194444 = 0.440959
# Welch df = 0.194444² / (0.1²/4 + 0.094444²/5) = 0.0378086 / 0.00428395 = 8.825648
# t(0.975, 8.825648) = 2.268988 → half 1.000530 → [−3.167196, −1.166137]
# pooled s² = (4·0.5 + 5·0.566667)/9 = 0.537037, s = 0.732828 → d = −2.956582
# Hedges: J = 1 − 3/(4·11 − 9) = 0.914286 → g = −2.703161
HAND = Comparison(-2.166667, -3.167196, -1.166137, -2.956582, -2.703161)


def test_welch_difference_and_effect_sizes_by_hand() -> None:
    c = compare(LATE, ON_TIME)
    for field in ("diff", "low", "high", "d", "g"):
        assert getattr(c, field) == pytest.approx(getattr(HAND, field), abs=1e-5)


def _records() -> list[dict[str, object]]:
    late = [
        {"category": "주차", "channel": "web", "deadline_missed": True, "csat": v} for v in LATE
    ]
    on_time = [
        {"category": "소음", "channel": "phone", "deadline_missed": False, "csat": v}
        for v in ON_TIME
    ]
    rare = [{"category": "기타", "channel": None, "deadline_missed": False, "csat": 5}] * 3
    return late + on_time + rare + [{"category": "주차", "csat": None}]  # no score: skipped


def test_driver_table() -> None:
    rows = drivers(_records(), attributes=["category", "channel", "deadline_missed"])
    ok = [(r.attribute, r.value) for r in rows if r.status == "ok"]
    # deadline_missed=True: late (5) vs the rest (6 on time + 3 rare = 9)
    assert ("deadline_missed", False) not in ok  # the mirror image of True is not listed
    missed = next(r for r in rows if r.attribute == "deadline_missed")
    assert (missed.value, missed.n, missed.mean, missed.rest_n) == (True, 5, 2.0, 9)
    assert missed.rest_mean == pytest.approx(40 / 9)  # (25 + 15)/9
    # channel: 기타 has no channel, so web (5) is compared with phone (6) only — the hand case
    web = next(r for r in rows if r.attribute == "channel" and r.value == "web")
    assert (web.rest_n, web.diff, web.g) == (6, pytest.approx(HAND.diff), pytest.approx(HAND.g))
    assert (web.low, web.high) == (pytest.approx(HAND.low), pytest.approx(HAND.high))
    # largest |g| first; 기타 (n 3) is listed last as not enough
    assert [abs(r.g or 0) for r in rows if r.status == "ok"] == sorted(
        (abs(r.g or 0) for r in rows if r.status == "ok"), reverse=True
    )
    rare = rows[-1]
    assert (rare.value, rare.n, rare.status, rare.diff, rare.g) == (
        "기타",
        3,
        "not_enough",
        None,
        None,
    )


def test_attributes_default_to_every_other_key() -> None:
    rows = drivers(_records())
    assert {r.attribute for r in rows} == {"category", "channel", "deadline_missed"}


def test_records_may_be_objects() -> None:
    @dataclass
    class Answer:
        csat: int
        reopened: bool
        office: str

    records = [Answer(v, True, "구로") for v in LATE] + [Answer(v, False, "구로") for v in ON_TIME]
    rows = drivers(records)
    reopened = next(r for r in rows if r.attribute == "reopened")
    assert reopened.g == pytest.approx(HAND.g, abs=1e-5)
    office = next(r for r in rows if r.attribute == "office")
    assert (office.status, office.rest_n) == ("not_enough", 0)  # nothing to compare with


def test_no_spread_at_all() -> None:
    c = compare([3, 3, 3], [3, 3])
    assert (c.diff, c.low, c.high, c.d, c.g) == (0.0, 0.0, 0.0, 0.0, 0.0)
    c = compare([4, 4], [2, 2])
    assert (c.diff, c.low, c.high, c.d, c.g) == (2.0, 2.0, 2.0, None, None)


class _Slotted:
    """A record that is neither a mapping, nor a dataclass, nor has a ``__dict__``."""

    __slots__ = ("csat",)

    def __init__(self) -> None:
        self.csat = 4


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: drivers([{"csat": 6, "a": 1}]), "record 0: score 6 is outside 1–5"),
        (lambda: drivers([{"csat": "5", "a": 1}]), "finite number"),
        (lambda: drivers([{"csat": 5, "a": [1]}]), "attribute 'a' must be a plain value"),
        (lambda: drivers([], min_n=1), "min_n"),
        (lambda: drivers([_Slotted()]), "attributes="),
        (lambda: compare([1], [2, 3]), "at least two"),
    ],
)
def test_bad_input_is_a_clear_value_error(call: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        call()  # type: ignore[operator]


def test_other_scales() -> None:
    rows = drivers([{"nps": v, "a": v > 5} for v in range(11)] * 2, value="nps", scale=(0, 10))
    assert rows[0].attribute == "a" and rows[0].n == 10


def test_the_rule_is_documented_for_users() -> None:
    doc = inspect.getdoc(drivers_module) or ""
    assert "Welch" in doc and "Hedges' g" in doc and "fewer than 5" in doc
    assert "웰치" in RULE_KO and "5건 미만" in RULE_KO


SAMPLES = st.lists(st.integers(1, 5), min_size=2, max_size=40)


@PROPERTY
@given(SAMPLES, SAMPLES)
def test_the_interval_contains_the_difference(a: list[int], b: list[int]) -> None:
    c = compare(a, b)
    assert c.low <= c.diff + 1e-12 and c.diff - 1e-12 <= c.high
    if c.d is not None and c.g is not None:
        assert abs(c.g) <= abs(c.d) and c.g * c.diff >= 0


def test_an_attribute_unknown_on_every_record_gives_no_rows() -> None:
    records = [{"csat": 4, "reopened": None, "channel": "web"} for _ in range(6)]
    rows = drivers(records, attributes=["reopened", "channel"])
    assert {r.attribute for r in rows} == {"channel"}
