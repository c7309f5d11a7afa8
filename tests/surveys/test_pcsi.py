"""PCSI-style 100-point index: rescaling, weighted item means by hand, absolute bands, relative
grades within two peer groups, and clear errors for bad input."""

import inspect

import pytest
from hypothesis import given
from hypothesis import strategies as st
from props import examples

import minwon.surveys.pcsi as pcsi
from minwon.surveys.pcsi import (
    RULE_KO,
    Item,
    OfficeIndex,
    absolute_grade,
    grade_offices,
    index_from_sums,
    office_index,
    relative_grades,
    rescale,
)

PROPERTY = examples(150)
ITEMS = [Item("overall", "1-5", weight=2.0), Item("recommend", "0-10")]


def test_rescale_to_100_points() -> None:
    assert [rescale(x) for x in (1, 2, 3, 4, 5)] == [0.0, 25.0, 50.0, 75.0, 100.0]
    assert rescale(7, "0-10") == 70.0 and rescale(0, "0-10") == 0.0
    assert rescale(4.6) == pytest.approx(90.0)  # (4.6 − 1)/4·100
    assert rescale(3, (1, 7)) == pytest.approx(100 / 3)  # (3 − 1)/6·100


def test_weighted_index_by_hand() -> None:
    responses = [
        {"overall": 5, "recommend": 9, "comment": "친절해요"},  # not an item: ignored
        {"overall": 4, "recommend": 8},
        {"overall": 4, "recommend": None},  # did not answer
    ]
    # overall: mean 13/3 = 4.3333 → (4.3333 − 1)/4·100 = 83.3333; recommend: mean 8.5 → 85
    # index = (2 · 83.3333 + 1 · 85)/3 = 251.6667/3 = 83.8889 → shown 83.9
    ix = office_index(responses, ITEMS)
    assert ix.items == pytest.approx({"overall": 250 / 3, "recommend": 85.0})
    assert ix.value == pytest.approx(251.6667 / 3, abs=1e-4)
    assert (ix.shown, ix.n) == (83.9, 3)
    # equal weights by default: (83.3333 + 85)/2 = 84.1667
    plain = [Item("overall"), Item("recommend", "0-10")]
    assert office_index(responses, plain).value == pytest.approx(84.16667, abs=1e-5)


def test_an_item_nobody_answered_is_left_out() -> None:
    ix = office_index([{"overall": 5}, {"overall": 3}, {}], ITEMS)
    assert (ix.value, ix.n, ix.items) == (75.0, 2, {"overall": 75.0})  # mean 4 → 75
    assert office_index([], ITEMS) == OfficeIndex(None, 0, {})


def test_index_from_rollup_sums() -> None:
    # overall 3 answers summing 13, recommend 2 summing 17: as in the hand example above
    ix = index_from_sums({"overall": (3, 13.0), "recommend": (2, 17.0)}, ITEMS)
    assert ix.value == pytest.approx(251.6667 / 3, abs=1e-4) and ix.n == 3


@pytest.mark.parametrize(
    ("index", "grade"),
    [
        (100, "우수"),
        (90, "우수"),
        (89.9, "양호"),
        (85, "양호"),
        (84.9, "보통"),
        (80, "보통"),
        (79.9, "미흡"),
        (0, "미흡"),
    ],
)
def test_absolute_bands(index: float, grade: str) -> None:
    assert absolute_grade(index) == grade


def test_grades_use_the_index_as_shown() -> None:
    offices = {
        "a": OfficeIndex(89.96, 40),
        "b": OfficeIndex(89.94, 40),
        "c": OfficeIndex(79.95, 40),
    }
    rows = {r.key: r for r in grade_offices(offices, dict.fromkeys(offices, "g"), min_group=9)}
    assert (rows["a"].shown, rows["a"].absolute_grade) == (90.0, "우수")
    assert (rows["b"].shown, rows["b"].absolute_grade) == (89.9, "양호")
    assert (rows["c"].shown, rows["c"].absolute_grade) == (80.0, "보통")


def test_configurable_bands() -> None:
    bands = ((80.0, "A"), (60.0, "B"))
    assert [absolute_grade(x, bands, "C") for x in (80, 79.9, 60, 10)] == ["A", "B", "B", "C"]


def test_relative_grades_in_two_peer_groups() -> None:
    police = [95, 92, 90, 88, 87, 85, 84, 82, 80, 70]
    corps = [91, 89, 89, 86, 83, 78]
    offices = {f"경찰서{i}": OfficeIndex(x, 100) for i, x in enumerate(police)}
    offices |= {f"공사{i}": OfficeIndex(x, 100) for i, x in enumerate(corps)}
    offices["공사-소규모"] = OfficeIndex(99.0, 12)  # fewer than 30 responses: not graded
    groups = {key: "공사" if key.startswith("공사") else "경찰서" for key in offices}
    rows = grade_offices(offices, groups)
    by_group = {g: [r for r in rows if r.peer_group == g] for g in ("경찰서", "공사")}
    # police, 10 offices: share above 0 → S; .1, .2 → A; .3–.6 → B; .7, .8 → C; .9 → D
    assert [r.relative_grade for r in by_group["경찰서"]] == list("SAABBBBCCD")
    assert [r.absolute_grade for r in by_group["경찰서"]] == [
        *["우수"] * 3,
        *["양호"] * 3,
        *["보통"] * 3,
        "미흡",
    ]
    # corporations, 6 graded: 91 → 0 → S; the two 89s → 1/6 → A; 86 → 3/6 → B; 83 → 4/6 → B;
    # 78 → 5/6 = 0.83 → C. The small office keeps its index but gets no grade.
    corps_rows = by_group["공사"]
    assert corps_rows[0].key == "공사-소규모" and corps_rows[0].status == "not_enough"
    assert (corps_rows[0].absolute_grade, corps_rows[0].relative_grade) == (None, None)
    assert [r.relative_grade for r in corps_rows[1:]] == list("SAABBC")
    assert {r.group_size for r in corps_rows} == {6}
    assert corps_rows[1].relative_grade_ko == "탁월"
    assert all(r.status == "graded" for r in corps_rows[1:])


def test_small_peer_groups_get_no_relative_grade() -> None:
    offices = {k: OfficeIndex(v, 50) for k, v in {"a": 91.0, "b": 85.0, "c": 70.0}.items()}
    rows = grade_offices(offices, dict.fromkeys(offices, "tiny"))
    assert [(r.absolute_grade, r.relative_grade) for r in rows] == [
        ("우수", None),
        ("양호", None),
        ("미흡", None),
    ]
    rows = grade_offices(offices, dict.fromkeys(offices, "t"), min_group=3)
    assert [r.relative_grade for r in rows] == ["S", "B", "B"]  # shares above 0, 1/3, 2/3 < 0.7


def test_configurable_relative_cuts() -> None:
    grades = relative_grades({"a": 90, "b": 80, "c": 80, "d": 60}, cuts=(0.5,), labels=("상", "하"))
    assert grades == {"a": "상", "b": "상", "c": "상", "d": "하"}  # shares 0, 1/4, 1/4, 3/4


def test_offices_from_responses() -> None:
    answers = [{"overall": 5, "recommend": 10}] * 30 + [{"overall": 1, "recommend": 0}] * 30
    rows = grade_offices({"x": answers}, {"x": "g"}, items=ITEMS)
    assert (rows[0].index, rows[0].n, rows[0].absolute_grade) == (50.0, 60, "미흡")


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: rescale(6), "outside 1–5"),
        (lambda: rescale(-1, "0-10"), "outside 0–10"),
        (lambda: Item("q", "1-7"), "unknown scale"),
        (lambda: Item("q", (5, 1)), "low < high"),
        (lambda: Item("q", weight=-1), "weight"),
        (lambda: office_index([{"overall": 6}], ITEMS), "'overall': answer 6 \\(response 0\\)"),
        (lambda: office_index([{"overall": "5"}], ITEMS), "outside"),
        (lambda: office_index([], []), "at least one item"),
        (lambda: office_index([], [Item("a"), Item("a")]), "unique"),
        (lambda: office_index([], [Item("a", weight=0)]), "positive weight"),
        (lambda: index_from_sums({"overall": (2, 12.0)}, ITEMS), "outside"),
        (lambda: index_from_sums({"overall": (-1, 0.0)}, ITEMS), "count"),
        (lambda: absolute_grade(101), "between 0 and 100"),
        (lambda: absolute_grade(90, ((80, "a"), (90, "b"))), "highest first"),
        (lambda: relative_grades({"a": 1.0}, cuts=(0.5, 0.3), labels="abc"), "increase"),
        (lambda: relative_grades({"a": 1.0}, cuts=(0.5,), labels="abc"), "one more grade"),
        (lambda: grade_offices({"a": OfficeIndex(90, 40)}, {}), "without a peer group: a"),
        (lambda: grade_offices({"a": [{"overall": 5}]}, {"a": "g"}), "items are required"),
        (lambda: grade_offices({"a": [{"overall": 9}]}, {"a": "g"}, items=ITEMS), "office 'a'"),
    ],
)
def test_bad_input_is_a_clear_value_error(call: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        call()  # type: ignore[operator]


def test_the_rule_is_documented_for_users() -> None:
    doc = inspect.getdoc(pcsi) or ""
    for words in ("(x − 1) / 4 × 100", "x × 10", "우수 at 90", "under 10 % → S", "fewer than 5"):
        assert words in doc
    for words in ("(x − 1) ÷ 4 × 100", "90점 이상 우수", "10% 미만이면 S", "30건 미만"):
        assert words in RULE_KO


RESPONSES = st.lists(
    st.fixed_dictionaries(
        {"overall": st.none() | st.integers(1, 5), "recommend": st.none() | st.integers(0, 10)}
    ),
    max_size=30,
)


@PROPERTY
@given(RESPONSES)
def test_the_index_lies_within_0_and_100(responses: list[dict[str, int | None]]) -> None:
    ix = office_index(responses, ITEMS)
    assert ix.value is None or 0 <= ix.value <= 100
    assert ix.n == sum(any(v is not None for v in r.values()) for r in responses)


@PROPERTY
@given(st.dictionaries(st.integers(0, 50), st.floats(0, 100), min_size=1, max_size=25))
def test_a_higher_index_never_gets_a_worse_relative_grade(indices: dict[int, float]) -> None:
    grades = relative_grades(indices)
    order = "SABCD"
    for a in indices:
        for b in indices:
            if indices[a] > indices[b]:
                assert order.index(grades[a]) <= order.index(grades[b])
            if indices[a] == indices[b]:
                assert grades[a] == grades[b]
    assert grades[max(indices, key=indices.__getitem__)] == "S"
