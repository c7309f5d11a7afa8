"""Satisfaction drivers: which attributes of a voice go with lower (or higher) satisfaction.

The rule, in plain words (``RULE_KO`` says the same in Korean, for users):

    For every attribute of the answered voices (category, channel, deadline missed, reopened,
    and any other) and each of its values, the responses with that value are compared with all
    other responses that have a value for the attribute ("the rest"): the mean satisfaction of
    each, the difference of the means with a 95 % Welch interval (which does not assume the two
    spreads are equal), and the effect size Hedges' g — the difference in units of the pooled
    standard deviation, corrected for small samples (Cohen's d, uncorrected, is also given).
    As a rough guide |g| ≈ 0.2 is small, 0.5 medium, 0.8 large. Values with fewer than 5
    responses, or whose rest has fewer than 5, are listed as "not enough answers" without a
    comparison. For yes/no attributes only "yes" is listed, since "no" is its mirror image.
    Rows are sorted by |g|, largest first. These are associations, not proven causes.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, fields, is_dataclass
from numbers import Real
from typing import Any, Literal

from minwon.surveys.scores import LEVEL, t_quantile

__all__ = ["RULE_KO", "Comparison", "Driver", "compare", "drivers"]

RULE_KO = (
    "응답이 달린 민원의 속성(분야, 접수 경로, 처리기한 초과, 재처리 등)의 값마다, 그 값을 가진 "
    "응답과 같은 속성의 다른 값을 가진 나머지 응답을 비교합니다: 각각의 평균 만족도, 평균의 "
    "차이와 95% 웰치 신뢰구간(두 집단의 흩어짐이 같다고 가정하지 않음), 효과 크기 Hedges' g"
    "(차이를 합동 표준편차 단위로 나타내고 작은 표본을 보정한 값, 보정 전 Cohen's d도 함께 "
    "보여 줌). 대략 |g| 0.2는 작은, 0.5는 중간, 0.8은 큰 차이입니다. 응답이 5건 미만인 값이나 "
    "나머지가 5건 미만인 값은 비교 없이 '응답 부족'으로 표시합니다. 예/아니오 속성은 '예'만 "
    "보여 줍니다('아니오'는 그 반대일 뿐이므로). |g|가 큰 순서로 보여 주며, 관련성이지 원인이 "
    "증명된 것은 아닙니다."
)
"""The rule of the module docstring in Korean, for the page that shows the driver table."""

Status = Literal["ok", "not_enough"]


@dataclass(frozen=True, slots=True)
class Comparison:
    """A group against the rest: difference of means with its Welch interval, d and g."""

    diff: float
    low: float
    high: float
    d: float | None
    g: float | None


@dataclass(frozen=True, slots=True)
class Driver:
    """One attribute value in the driver table; comparison fields are ``None`` if not enough."""

    attribute: str
    value: Hashable
    n: int
    mean: float
    rest_n: int
    rest_mean: float | None
    diff: float | None
    low: float | None
    high: float | None
    d: float | None
    g: float | None
    status: Status


@dataclass(frozen=True, slots=True)
class _Stats:
    n: int
    total: float
    sumsq: float

    @property
    def mean(self) -> float:
        return self.total / self.n

    @property
    def var(self) -> float:
        return max(self.sumsq - self.total**2 / self.n, 0.0) / (self.n - 1)

    def __sub__(self, other: _Stats) -> _Stats:
        return _Stats(self.n - other.n, self.total - other.total, self.sumsq - other.sumsq)


def compare(group: Sequence[float], rest: Sequence[float], *, level: float = LEVEL) -> Comparison:
    """Compare two samples: ``mean(group) − mean(rest)``, its Welch interval, d and g.

    Both samples need at least two values.
    """
    a, b = _stats_of(group), _stats_of(rest)
    if a.n < 2 or b.n < 2:
        raise ValueError("each sample needs at least two values")
    return _compare(a, b, level)


def drivers(
    records: Iterable[Mapping[str, Any] | object],
    *,
    attributes: Sequence[str] | None = None,
    value: str = "csat",
    min_n: int = 5,
    scale: tuple[float, float] | None = (1.0, 5.0),
    level: float = LEVEL,
) -> list[Driver]:
    """The driver table of response records, by the rule of the module docstring.

    A record is a mapping or an object with the attributes and the score ``value`` (CSAT by
    default, checked against ``scale``; records without a score are skipped). ``attributes``
    defaults to every other key of the records; an attribute that is ``None`` on a record is
    unknown there and left out of that attribute's comparisons.
    """
    if min_n < 2:
        raise ValueError(f"min_n must be at least 2; got {min_n}")
    sums: dict[str, dict[Hashable, list[float]]] = {}
    for i, rec in enumerate(records):
        score = _get(rec, value)
        if score is None:
            continue
        _check_score(score, scale, i)
        for attr in attributes if attributes is not None else _keys(rec, value):
            _add(sums.setdefault(attr, {}), _get(rec, attr), float(score), attr, i)
    rows = [row for attr, groups in sums.items() for row in _rows(attr, groups, min_n, level)]
    ok = sorted(
        (r for r in rows if r.status == "ok"),
        key=lambda r: (r.g is None, -abs(r.g or 0.0), r.attribute, str(r.value)),
    )
    rest = sorted((r for r in rows if r.status != "ok"), key=lambda r: (r.attribute, -r.n))
    return ok + rest


def _rows(attr: str, groups: dict[Hashable, list[float]], min_n: int, level: float) -> list[Driver]:
    if not groups:  # the attribute was unknown on every record
        return []
    total = _Stats(*(sum(x) for x in zip(*groups.values(), strict=True)))
    is_bool = all(isinstance(v, bool) for v in groups)
    out: list[Driver] = []
    for val, (n, s, ss) in groups.items():
        if is_bool and val is not True:
            continue
        here = _Stats(int(n), s, ss)
        other = total - here
        rest_mean = other.total / other.n if other.n else None
        if here.n < min_n or other.n < min_n:
            out.append(
                Driver(
                    attr,
                    val,
                    here.n,
                    here.mean,
                    other.n,
                    rest_mean,
                    diff=None,
                    low=None,
                    high=None,
                    d=None,
                    g=None,
                    status="not_enough",
                )
            )
            continue
        c = _compare(here, other, level)
        out.append(
            Driver(
                attr,
                val,
                here.n,
                here.mean,
                other.n,
                rest_mean,
                c.diff,
                c.low,
                c.high,
                c.d,
                c.g,
                "ok",
            )
        )
    return out


def _compare(a: _Stats, b: _Stats, level: float) -> Comparison:
    diff = a.mean - b.mean
    va, vb = a.var / a.n, b.var / b.n
    se = math.sqrt(va + vb)
    if se > 0:
        df = (va + vb) ** 2 / (va**2 / (a.n - 1) + vb**2 / (b.n - 1))
        half = t_quantile(df, level) * se
    else:
        half = 0.0
    pooled = math.sqrt(((a.n - 1) * a.var + (b.n - 1) * b.var) / (a.n + b.n - 2))
    d = diff / pooled if pooled > 0 else (0.0 if diff == 0 else None)
    g = None if d is None else d * (1 - 3 / (4 * (a.n + b.n) - 9))
    return Comparison(diff, diff - half, diff + half, d, g)


def _add(groups: dict[Hashable, list[float]], key: object, score: float, attr: str, i: int) -> None:
    if key is None:
        return
    if not isinstance(key, Hashable):
        raise ValueError(f"record {i}: attribute {attr!r} must be a plain value; got {key!r}")
    acc = groups.setdefault(key, [0, 0.0, 0.0])
    acc[0] += 1
    acc[1] += score
    acc[2] += score * score


def _stats_of(values: Sequence[float]) -> _Stats:
    for i, v in enumerate(values):
        _check_score(v, None, i)
    return _Stats(len(values), math.fsum(values), math.fsum(v * v for v in values))


def _get(rec: Mapping[str, Any] | object, key: str) -> Any:
    return rec.get(key) if isinstance(rec, Mapping) else getattr(rec, key, None)


def _keys(rec: Mapping[str, Any] | object, value: str) -> list[str]:
    if isinstance(rec, Mapping):
        names = list(rec)
    elif is_dataclass(rec):
        names = [f.name for f in fields(rec)]
    elif hasattr(rec, "__dict__"):
        names = list(vars(rec))
    else:
        raise ValueError("pass attributes= for records that are neither mappings nor dataclasses")
    return [k for k in names if k != value]


def _check_score(v: object, scale: tuple[float, float] | None, i: int) -> None:
    if isinstance(v, bool) or not isinstance(v, Real) or not math.isfinite(v):
        raise ValueError(f"record {i}: the score must be a finite number; got {v!r}")
    if scale is not None and not scale[0] <= float(v) <= scale[1]:
        raise ValueError(f"record {i}: score {v!r} is outside {scale[0]:g}–{scale[1]:g}")
