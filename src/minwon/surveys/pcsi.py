"""A 100-point index in the form of Korea's public-institution customer satisfaction survey
(PCSI, 공공기관 고객만족도 조사), with absolute grades and relative grades within peer groups.

The rule, in plain words (``RULE_KO`` says the same in Korean, for users):

    Index. Every survey item is put on a 0–100 scale: a 1–5 answer x becomes (x − 1) / 4 × 100
    (1 → 0, 3 → 50, 5 → 100) and a 0–10 answer x becomes x × 10. For each item the office's
    answers are averaged; the index is the weighted average of those item averages (equal
    weights unless configured; an item nobody answered is left out and the other items' weights
    are scaled up). The index is shown to one decimal and grades use that shown value.

    Absolute grade: 우수 at 90 or more, 양호 85 to under 90, 보통 80 to under 85, 미흡 under 80
    (the survey's historical bands; configurable).

    Relative grade within a peer group of similar offices (the survey grades institutions
    within groups of similar functions since 2014): an office's position is the share of the
    offices in its group with a higher index. Position under 10 % → S (탁월), under 30 % →
    A (우수), under 70 % → B (양호), under 90 % → C (보통), otherwise D (미흡). In a group of ten
    that is 1, 2, 4, 2 and 1 offices; equal indices get the same grade. Cut points and grade
    names are configurable. Groups with fewer than 5 graded offices get no relative grade;
    offices with fewer than 30 responses get neither grade ("not enough answers").

This is minwon's own index from its own survey items, so an office sees roughly where it would
stand; it is not the official survey, whose sampling and weights differ.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from numbers import Real
from typing import Literal

__all__ = [
    "ABSOLUTE_GRADE_CODES",
    "ABSOLUTE_THRESHOLDS",
    "RELATIVE_CUTS",
    "RELATIVE_GRADES",
    "RELATIVE_GRADES_KO",
    "RULE_KO",
    "Item",
    "OfficeIndex",
    "PcsiResult",
    "absolute_grade",
    "grade_offices",
    "index_from_sums",
    "office_index",
    "relative_grades",
    "rescale",
]

RULE_KO = (
    "지수: 설문 문항마다 점수를 0~100점으로 바꿉니다. 5점 척도(1~5) 응답 x는 (x − 1) ÷ 4 × 100 "
    "(1 → 0, 3 → 50, 5 → 100), 11점 척도(0~10) 응답 x는 x × 10입니다. 문항별로 기관의 응답을 "
    "평균하고, 그 평균들을 가중평균한 값이 지수입니다(따로 정하지 않으면 가중치는 같음, 아무도 "
    "답하지 않은 문항은 빼고 나머지 가중치를 늘림). 지수는 소수 첫째 자리까지 보여 주며 등급도 "
    "그 값으로 정합니다. 절대 등급: 90점 이상 우수, 85점 이상 90점 미만 양호, 80점 이상 85점 "
    "미만 보통, 80점 미만 미흡(조사의 종전 기준, 바꿀 수 있음). 상대 등급: 기능이 비슷한 기관끼리 "
    "묶은 비교군 안에서 매깁니다(2014년부터 조사가 유형별 상대평가를 함). 비교군에서 지수가 더 "
    "높은 기관의 비율이 10% 미만이면 S(탁월), 30% 미만 A(우수), 70% 미만 B(양호), 90% 미만 "
    "C(보통), 그 밖에는 D(미흡)입니다. 10곳이면 1·2·4·2·1곳이며, 지수가 같으면 같은 등급입니다. "
    "평가 대상이 5곳 미만인 비교군은 상대 등급을 매기지 않고, 응답이 30건 미만인 기관은 두 "
    "등급 모두 매기지 않습니다('응답 부족'). 민원 시스템 자체 설문으로 계산한 지수이므로 공식 "
    "조사(표본과 가중치가 다름)와 같지 않습니다."
)
"""The rule of the module docstring in Korean, for the pages that show the index."""

SCALES: dict[str, tuple[float, float]] = {"1-5": (1.0, 5.0), "0-10": (0.0, 10.0)}
ABSOLUTE_THRESHOLDS: tuple[tuple[float, str], ...] = (
    (90.0, "우수"),
    (85.0, "양호"),
    (80.0, "보통"),
)
"""(lowest index, grade), highest band first; below the last band the grade is ``LOWEST``."""
LOWEST = "미흡"
ABSOLUTE_GRADE_CODES: dict[str, str] = {
    "우수": "excellent",
    "양호": "good",
    "보통": "fair",
    "미흡": "poor",
}
"""The codes of the absolute grades' usual names, by which pages name them in the reader's
language (the catalog's ``absgrade_<code>``)."""
RELATIVE_CUTS: tuple[float, ...] = (0.10, 0.30, 0.70, 0.90)
"""Upper limits of the position (share of the group above) for each grade but the last."""
RELATIVE_GRADES: tuple[str, ...] = ("S", "A", "B", "C", "D")
RELATIVE_GRADES_KO: dict[str, str] = {
    "S": "탁월",
    "A": "우수",
    "B": "양호",
    "C": "보통",
    "D": "미흡",
}
SHOWN_DECIMALS = 1

Status = Literal["graded", "not_enough"]
Response = Mapping[str, float | None]


@dataclass(frozen=True, slots=True)
class Item:
    """One survey item of the index: its key, its answer scale and its weight."""

    key: str
    scale: str | tuple[float, float] = "1-5"
    weight: float = 1.0

    def __post_init__(self) -> None:
        if not self.key:
            raise ValueError("an item needs a key")
        low, high = self.bounds
        if not (math.isfinite(low) and math.isfinite(high) and low < high):
            raise ValueError(f"item {self.key!r}: scale must have low < high; got {self.scale!r}")
        if not _is_real(self.weight) or self.weight < 0:
            raise ValueError(f"item {self.key!r}: weight must be >= 0; got {self.weight!r}")

    @property
    def bounds(self) -> tuple[float, float]:
        """The lowest and highest possible answer."""
        if isinstance(self.scale, str):
            if self.scale not in SCALES:
                raise ValueError(f"item {self.key!r}: unknown scale {self.scale!r}; use 1-5, 0-10")
            return SCALES[self.scale]
        low, high = self.scale
        return float(low), float(high)


@dataclass(frozen=True, slots=True)
class OfficeIndex:
    """An office's index (0–100, ``None`` without answers), its responses and item scores."""

    value: float | None
    n: int
    items: Mapping[str, float] = field(default_factory=dict)

    @property
    def shown(self) -> float | None:
        """The index as shown and graded: rounded to one decimal."""
        return None if self.value is None else round(self.value, SHOWN_DECIMALS)


@dataclass(frozen=True, slots=True)
class PcsiResult:
    """One office: index, absolute and relative grade, peer group and its graded size, n."""

    key: Hashable
    peer_group: str
    n: int
    index: float | None
    absolute_grade: str | None
    relative_grade: str | None
    status: Status
    group_size: int

    @property
    def shown(self) -> float | None:
        """The index rounded to one decimal, as graded."""
        return None if self.index is None else round(self.index, SHOWN_DECIMALS)

    @property
    def absolute_grade_code(self) -> str | None:
        """The absolute grade's code (``ABSOLUTE_GRADE_CODES``), or None without a grade or for
        a grade named otherwise in the settings (shown as it is)."""
        return ABSOLUTE_GRADE_CODES.get(self.absolute_grade or "")

    @property
    def relative_grade_ko(self) -> str | None:
        """The relative grade's Korean name (탁월, 우수, …) when it has one."""
        if self.relative_grade is None:
            return None
        return RELATIVE_GRADES_KO.get(self.relative_grade, self.relative_grade)


def rescale(value: float, scale: str | tuple[float, float] = "1-5") -> float:
    """An answer on ``scale`` as 0–100: ``(value − low) / (high − low) · 100``."""
    item = Item("value", scale)
    low, high = item.bounds
    _check_answer(item, value, "")
    return (value - low) / (high - low) * 100


def office_index(responses: Iterable[Response], items: Sequence[Item]) -> OfficeIndex:
    """The index of one office from its responses (mappings of item key → answer or None).

    Keys that are not items are ignored; ``n`` counts responses with at least one item answer.
    """
    _check_items(items)
    counts = {it.key: 0 for it in items}
    totals = {it.key: 0.0 for it in items}
    n = 0
    for i, response in enumerate(responses):
        answered = False
        for it in items:
            value = response.get(it.key)
            if value is None:
                continue
            _check_answer(it, value, f" (response {i})")
            counts[it.key] += 1
            totals[it.key] += float(value)
            answered = True
        n += answered
    return index_from_sums({k: (counts[k], totals[k]) for k in counts}, items, n=n)


def index_from_sums(
    item_sums: Mapping[str, tuple[int, float]], items: Sequence[Item], *, n: int | None = None
) -> OfficeIndex:
    """The index from per-item (answer count, sum of raw answers), as a rollup keeps them.

    ``n`` (responses) defaults to the largest item count.
    """
    _check_items(items)
    scores: dict[str, float] = {}
    for it in items:
        count, total = item_sums.get(it.key, (0, 0.0))
        if isinstance(count, bool) or not isinstance(count, int) or count < 0:
            raise ValueError(f"item {it.key!r}: count must be a whole number >= 0; got {count!r}")
        if not _is_real(total):
            raise ValueError(f"item {it.key!r}: sum must be a finite number; got {total!r}")
        if count == 0:
            continue
        _check_answer(it, total / count, " (mean of the sums)")
        low, high = it.bounds
        scores[it.key] = (total / count - low) / (high - low) * 100
    if n is None:
        n = max((item_sums[it.key][0] for it in items if it.key in item_sums), default=0)
    if n < 0:
        raise ValueError(f"n must be >= 0; got {n}")
    weights = {it.key: it.weight for it in items if it.key in scores}
    if not scores or sum(weights.values()) == 0:
        return OfficeIndex(None, n, scores)
    value = sum(weights[k] * scores[k] for k in scores) / sum(weights.values())
    return OfficeIndex(value, n, scores)


def absolute_grade(
    index: float,
    thresholds: Sequence[tuple[float, str]] = ABSOLUTE_THRESHOLDS,
    lowest: str = LOWEST,
) -> str:
    """The grade of an index by absolute bands (``thresholds`` highest first, each inclusive)."""
    _check_thresholds(thresholds)
    if not _is_real(index) or not 0 <= index <= 100:
        raise ValueError(f"an index must be between 0 and 100; got {index!r}")
    for floor, grade in thresholds:
        if index >= floor:
            return grade
    return lowest


def relative_grades(
    indices: Mapping[Hashable, float],
    *,
    cuts: Sequence[float] = RELATIVE_CUTS,
    labels: Sequence[str] = RELATIVE_GRADES,
) -> dict[Hashable, str]:
    """Grades within one peer group: by the share of the group with a strictly higher index.

    A position (share above) under ``cuts[i]`` gets ``labels[i]``; the rest get the last label.
    Equal indices share a position, hence a grade.
    """
    _check_cuts(cuts, labels)
    size = len(indices)
    out: dict[Hashable, str] = {}
    for key, value in indices.items():
        position = sum(other > value for other in indices.values()) / size
        out[key] = next(
            (lab for cut, lab in zip(cuts, labels, strict=False) if position < cut), labels[-1]
        )
    return out


def grade_offices(
    offices: Mapping[Hashable, OfficeIndex | Iterable[Response]],
    peer_groups: Mapping[Hashable, str],
    *,
    items: Sequence[Item] | None = None,
    thresholds: Sequence[tuple[float, str]] = ABSOLUTE_THRESHOLDS,
    lowest: str = LOWEST,
    cuts: Sequence[float] = RELATIVE_CUTS,
    labels: Sequence[str] = RELATIVE_GRADES,
    min_n: int = 30,
    min_group: int = 5,
) -> list[PcsiResult]:
    """Index, absolute grade and relative grade within its peer group, for every office.

    ``offices`` maps an office to its responses (then ``items`` is required) or to an
    :class:`OfficeIndex`; ``peer_groups`` maps every office to its group's name. Results are
    ordered by peer group, then index (highest first).
    """
    _check_thresholds(thresholds)
    _check_cuts(cuts, labels)
    if min_n < 1 or min_group < 1:
        raise ValueError("min_n and min_group must be at least 1")
    indices = {key: _index(key, value, items) for key, value in offices.items()}
    missing = [key for key in indices if key not in peer_groups]
    if missing:
        raise ValueError(f"offices without a peer group: {', '.join(map(str, missing))}")
    graded: dict[Hashable, float] = {
        k: ix.shown for k, ix in indices.items() if ix.shown is not None and ix.n >= min_n
    }
    relative: dict[Hashable, str] = {}
    sizes: dict[str, int] = {}
    for group in {peer_groups[k] for k in indices}:
        members = {k: shown for k, shown in graded.items() if peer_groups[k] == group}
        sizes[group] = len(members)
        if len(members) >= min_group:
            relative.update(relative_grades(members, cuts=cuts, labels=labels))
    out = [
        _result(k, ix, peer_groups[k], k in graded, relative.get(k), sizes, thresholds, lowest)
        for k, ix in indices.items()
    ]
    out.sort(key=lambda r: (r.peer_group, r.index is None, -(r.index or 0.0), str(r.key)))
    return out


def _result(
    key: Hashable,
    ix: OfficeIndex,
    group: str,
    graded: bool,
    relative: str | None,
    sizes: Mapping[str, int],
    thresholds: Sequence[tuple[float, str]],
    lowest: str,
) -> PcsiResult:
    shown = ix.shown
    absolute = absolute_grade(shown, thresholds, lowest) if graded and shown is not None else None
    status: Status = "graded" if graded else "not_enough"
    return PcsiResult(key, group, ix.n, ix.value, absolute, relative, status, sizes[group])


def _index(
    key: Hashable, value: OfficeIndex | Iterable[Response], items: Sequence[Item] | None
) -> OfficeIndex:
    if isinstance(value, OfficeIndex):
        return value
    if items is None:
        raise ValueError("items are required to compute an index from responses")
    try:
        return office_index(value, items)
    except ValueError as exc:
        raise ValueError(f"office {key!r}: {exc}") from exc


def _check_items(items: Sequence[Item]) -> None:
    if not items:
        raise ValueError("the index needs at least one item")
    keys = [it.key for it in items]
    if len(set(keys)) != len(keys):
        raise ValueError(f"item keys must be unique; got {keys}")
    if sum(it.weight for it in items) <= 0:
        raise ValueError("at least one item needs a positive weight")


def _check_answer(item: Item, value: object, where: str) -> None:
    low, high = item.bounds
    if not _is_real(value) or not low <= value <= high:  # type: ignore[operator]
        raise ValueError(f"item {item.key!r}: answer {value!r}{where} is outside {low:g}–{high:g}")


def _check_thresholds(thresholds: Sequence[tuple[float, str]]) -> None:
    floors = [t for t, _ in thresholds]
    if any(not _is_real(t) for t in floors) or floors != sorted(set(floors), reverse=True):
        raise ValueError(f"thresholds must be distinct and highest first; got {thresholds!r}")


def _check_cuts(cuts: Sequence[float], labels: Sequence[str]) -> None:
    if len(labels) != len(cuts) + 1:
        raise ValueError(f"need one more grade than cut points; got {len(labels)} and {len(cuts)}")
    if list(cuts) != sorted(set(cuts)) or any(not 0 < c <= 1 for c in cuts):
        raise ValueError(f"cut points must increase strictly within (0, 1]; got {cuts!r}")


def _is_real(v: object) -> bool:
    return not isinstance(v, bool) and isinstance(v, Real) and math.isfinite(v)
