"""Fair rankings of offices and units by satisfaction (CSAT 1–5), movement and streaks.

The rule, in plain words (``RULE_KO`` says the same in Korean, for users):

    A unit's plain average can be high by luck when few citizens answered: three answers of 5
    make a perfect 5.00. So units are ranked by an adjusted score that pulls each unit's average
    toward the national average (all answers of all units together) — strongly when the unit
    has few answers, hardly at all when it has many:

        adjusted score = (n × unit average + k × national average) / (n + k)

    k works like "k extra answers at the national average". It is estimated from the answers
    each time: how much answers vary inside a unit, divided by how much the units' true
    averages differ from each other (the within-unit and between-unit variances of a one-way
    analysis of variance, estimated by the method of moments). When units really differ, k is
    small and a unit's own answers count more; when they hardly differ, k is large. k is kept
    between 10 and 1,000, so no unit is trusted on a handful of answers (it is 1,000 when the
    units differ no more than chance alone would make them); when it cannot be estimated (fewer
    than three units with answers, or no spread in the answers) k is 10. So three perfect
    answers never outrank 3,000 answers averaging 4.6 unless the national average is itself
    above about 4.48, where 4.6 is no longer remarkable.

    Units with fewer than 30 answers are listed as "not enough answers" and get no rank (their
    adjusted score is still shown). Units whose adjusted scores are equal to three decimals
    share a rank and the next rank is skipped (1, 1, 3). Movement compares with the previous
    period: up or down by so many places, or new (not ranked then).

Streaks (:func:`streaks`) count consecutive years, up to the latest year, in which a unit was
ranked 1st or kept the same grade; a year missing or different breaks the streak. Two or more
years of a failing grade (미흡, or D, the relative grade of that name) flag the unit for a
service-improvement plan.

The numbers 10, 1,000, 30 and three decimals are the defaults of :func:`estimate_prior` and
:func:`rank`.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from minwon.surveys.scores import Sums

__all__ = [
    "FLAG_GRADES",
    "K_FALLBACK",
    "K_MAX",
    "K_MIN",
    "RULE_KO",
    "Movement",
    "Prior",
    "Ranked",
    "Streak",
    "estimate_prior",
    "movement",
    "rank",
    "shrink",
    "streaks",
]

RULE_KO = (
    "응답이 적은 곳은 우연히 평균이 높거나 낮을 수 있습니다(5점 응답 3건이면 평균 5.00). "
    "그래서 순위는 각 부서의 평균을 전국 평균(모든 부서의 응답 전체)쪽으로 당겨 보정한 "
    "점수로 매깁니다. 응답이 적을수록 많이, 많을수록 조금 당깁니다. "
    "보정 점수 = (응답 수 × 부서 평균 + k × 전국 평균) ÷ (응답 수 + k). "
    "k는 '전국 평균 점수의 가상 응답 k건'과 같으며, 매번 응답 자료에서 추정합니다: 한 부서 "
    "안에서 응답이 흩어진 정도(부서 내 분산)를 부서들의 실제 평균이 서로 다른 정도(부서 간 "
    "분산, 일원분산분석의 적률법 추정)로 나눈 값입니다. 부서 간 차이가 크면 k가 작아져 부서 "
    "자신의 응답이 더 반영되고, 차이가 작으면 k가 커집니다. k는 10 이상 1,000 이하로 "
    "두며(부서 간 차이가 우연으로 생길 정도를 넘지 않으면 1,000), "
    "추정할 수 없을 때(응답이 있는 부서가 3곳 미만이거나 응답에 흩어짐이 없을 때)는 10으로 "
    "합니다. 응답이 30건 미만인 부서는 '응답 부족'으로 표시하고 순위를 매기지 않습니다(보정 "
    "점수는 보여 줍니다). 보정 점수가 소수 셋째 자리까지 같으면 같은 순위이며 다음 순위는 "
    "건너뜁니다(1, 1, 3위). 순위 변동은 직전 기간과 비교해 몇 계단 올랐는지·내렸는지, "
    "또는 신규인지 보여 줍니다. 연속 기록은 가장 최근 연도까지 해마다 1위였거나 같은 등급을 "
    "받은 햇수이며, 빠진 해나 다른 결과가 있으면 끊깁니다. '미흡'(상대 등급 D 포함)이 2년 "
    "이상 이어지면 서비스 "
    "개선계획 대상으로 표시합니다."
)
"""The rule of the module docstring in Korean, for the pages that show a ranking."""

K_MIN = 10.0
"""Smallest k: the national average always counts as at least 10 answers."""
K_MAX = 1000.0
"""Largest k, used also when units do not differ beyond chance (between-unit variance <= 0)."""
K_FALLBACK = 10.0
"""k when it cannot be estimated (fewer than three units with answers, or no spread)."""
TIE_DECIMALS = 3
FLAG_GRADES = ("미흡", "D")
"""Grades that, held two years running or more, call for a service-improvement plan."""

Status = Literal["ranked", "not_enough"]
Direction = Literal["up", "down", "same", "new", "unranked"]
Group = Sums | Iterable[float]


@dataclass(frozen=True, slots=True)
class Prior:
    """What the shrinkage pulls toward and how hard.

    ``mu`` is the national mean, ``within``/``between`` the estimated variances (``None`` when
    not estimable), ``k_estimated`` their ratio before the floor and ceiling (``inf`` when the
    between-unit variance is not positive, ``None`` when not estimable), ``k`` the value used.
    """

    mu: float
    k: float
    within: float | None = None
    between: float | None = None
    k_estimated: float | None = None
    units: int = 0
    n: int = 0

    @property
    def estimated(self) -> bool:
        """Whether k comes from the data rather than the fallback."""
        return self.k_estimated is not None


@dataclass(frozen=True, slots=True)
class Ranked:
    """One unit in a ranking: raw mean, adjusted (shrunk) score, rank or ``None``."""

    key: Hashable
    n: int
    mean: float | None
    score: float | None
    rank: int | None
    status: Status


@dataclass(frozen=True, slots=True)
class Movement:
    """A unit's change of rank since the previous period; ``change > 0`` means moved up."""

    key: Hashable
    rank: int | None
    previous: int | None
    change: int | None
    direction: Direction

    @property
    def label_ko(self) -> str:
        """A short Korean label: ▲2, ▼1, −, 신규, 순위 없음."""
        if self.direction == "up":
            return f"▲{self.change}"
        if self.direction == "down":
            return f"▼{-(self.change or 0)}"
        return {"same": "−", "new": "신규", "unranked": "순위 없음"}[self.direction]


@dataclass(frozen=True, slots=True)
class Streak:
    """A run of consecutive years ending at the latest year: 1st place or the same grade."""

    key: Hashable
    kind: Literal["rank1", "grade"]
    grade: str | None
    years: int
    first_year: int
    last_year: int
    flagged: bool

    @property
    def label(self) -> str:
        """Korean label, e.g. "2년 연속 1위", "6년 연속 우수"."""
        what = "1위" if self.kind == "rank1" else self.grade
        text = f"{self.years}년 연속 {what}"
        return f"{text} · 서비스 개선계획 대상" if self.flagged else text

    @property
    def label_en(self) -> str:
        """English label, e.g. "1st two years running", "우수 six years in a row"."""
        words = ("two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")
        count = words[self.years - 2] if 2 <= self.years <= 10 else str(self.years)
        if self.kind == "rank1":
            return f"1st {count} years running"
        text = f"{self.grade} {count} years in a row"
        return f"{text} (service-improvement plan)" if self.flagged else text


def estimate_prior(
    groups: Mapping[Hashable, Group],
    *,
    k_min: float = K_MIN,
    k_max: float = K_MAX,
    k_fallback: float = K_FALLBACK,
) -> Prior:
    """The national mean and the shrinkage strength k estimated from all groups' answers.

    One-way random-effects ANOVA by the method of moments: MSW is the pooled within-group
    variance, MSB the weighted spread of group means, ``between = (MSB − MSW) / n₀`` with
    ``n₀ = (N − Σnᵢ²/N) / (g − 1)``, and ``k = MSW / between``, kept in ``[k_min, k_max]``.
    """
    if not 0 < k_min <= k_fallback <= k_max:
        raise ValueError("need 0 < k_min <= k_fallback <= k_max")
    stats = [s for s in (_sums(key, g) for key, g in groups.items()) if s.csat_n > 0]
    total_n = sum(s.csat_n for s in stats)
    if total_n == 0:
        raise ValueError("no answers: the national mean is undefined")
    mu = sum(s.csat_sum for s in stats) / total_n
    g = len(stats)
    within_ss = sum(max(s.csat_sumsq - s.csat_sum**2 / s.csat_n, 0.0) for s in stats)
    fallback = Prior(mu=mu, k=k_fallback, units=g, n=total_n)
    if g < 3 or total_n - g < 1 or within_ss <= 0:
        return fallback
    msw = within_ss / (total_n - g)
    msb = sum(s.csat_n * (s.csat_sum / s.csat_n - mu) ** 2 for s in stats) / (g - 1)
    n0 = (total_n - sum(s.csat_n**2 for s in stats) / total_n) / (g - 1)
    between = (msb - msw) / n0
    k_est = msw / between if between > 0 else float("inf")
    k = min(max(k_est, k_min), k_max)
    return Prior(mu, k, msw, between, k_est, g, total_n)


def shrink(n: int, mean: float, prior: Prior) -> float:
    """``(n · mean + k · μ) / (n + k)``: a group's mean pulled toward the national mean."""
    if n < 0:
        raise ValueError(f"n must be >= 0; got {n}")
    return (n * mean + prior.k * prior.mu) / (n + prior.k)


def rank(
    groups: Mapping[Hashable, Group],
    *,
    min_n: int = 30,
    prior: Prior | None = None,
    k_min: float = K_MIN,
    k_max: float = K_MAX,
    k_fallback: float = K_FALLBACK,
) -> list[Ranked]:
    """Rank groups (offices, units) by shrunk CSAT mean, by the rule of the module docstring.

    ``groups`` maps a key to its CSAT answers (1–5) or to its :class:`Sums`. ``prior``
    overrides the estimate (e.g. the nation's, when ranking the units of one office). Ranked
    groups come first, by rank; then the groups with fewer than ``min_n`` answers, by score.
    """
    if min_n < 1:
        raise ValueError(f"min_n must be at least 1; got {min_n}")
    stats = {key: _sums(key, g) for key, g in groups.items()}
    if prior is None and any(s.csat_n for s in stats.values()):
        prior = estimate_prior(stats, k_min=k_min, k_max=k_max, k_fallback=k_fallback)
    rows = [_row(key, s, prior, min_n) for key, s in stats.items()]
    ranked = sorted(
        (r for r in rows if r.status == "ranked"),
        key=lambda r: (-round(r.score or 0.0, TIE_DECIMALS), -r.n, str(r.key)),
    )
    out: list[Ranked] = []
    for i, r in enumerate(ranked):
        tied = i > 0 and round(r.score or 0.0, TIE_DECIMALS) == round(
            ranked[i - 1].score or 0.0, TIE_DECIMALS
        )
        out.append(_replace_rank(r, out[-1].rank if tied else i + 1))
    rest = [r for r in rows if r.status != "ranked"]
    rest.sort(key=lambda r: (r.score is None, -(r.score or 0.0), str(r.key)))
    return out + rest


def movement(
    current: Iterable[Ranked], previous: Iterable[Ranked] | Mapping[Hashable, int | None]
) -> list[Movement]:
    """Each current unit's movement since ``previous`` (a ranking or a key → rank mapping).

    ``up``/``down`` by ``change`` places, ``same``, ``new`` (not ranked in the previous period)
    or ``unranked`` (not ranked now).
    """
    before = dict(previous) if isinstance(previous, Mapping) else {r.key: r.rank for r in previous}
    out: list[Movement] = []
    for r in current:
        prev = before.get(r.key)
        if r.rank is None:
            out.append(Movement(r.key, None, prev, None, "unranked"))
        elif prev is None:
            out.append(Movement(r.key, r.rank, None, None, "new"))
        else:
            change = prev - r.rank
            direction: Direction = "up" if change > 0 else "down" if change < 0 else "same"
            out.append(Movement(r.key, r.rank, prev, change, direction))
    return out


def streaks(
    history: Mapping[Hashable, Mapping[int, int | str | None]],
    *,
    as_of: int | None = None,
    min_years: int = 2,
    flag_grades: Sequence[str] = FLAG_GRADES,
) -> list[Streak]:
    """Current streaks: consecutive years up to ``as_of`` ranked 1st or with the same grade.

    ``history`` maps a key to {year: rank (int) or grade (str) or None}. ``as_of`` defaults to
    the latest year in the whole history, so a unit without a result that year has no current
    streak. A missing year breaks a streak. Streaks of at least ``min_years`` are returned;
    a grade in ``flag_grades`` held that long is ``flagged`` (service-improvement plan).
    Flagged streaks come first, then longer ones.
    """
    if min_years < 1:
        raise ValueError(f"min_years must be at least 1; got {min_years}")
    for key, years in history.items():
        for year, value in years.items():
            _check_year_value(key, year, value)
    if as_of is None:
        all_years = [y for years in history.values() for y in years]
        if not all_years:
            return []
        as_of = max(all_years)
    found = [_streak(key, years, as_of, flag_grades) for key, years in history.items()]
    out = [s for s in found if s is not None and s.years >= min_years]
    out.sort(key=lambda s: (not s.flagged, -s.years, s.kind, str(s.key)))
    return out


def _streak(
    key: Hashable, years: Mapping[int, int | str | None], as_of: int, flag: Sequence[str]
) -> Streak | None:
    value = years.get(as_of)
    if value is None or (isinstance(value, int) and value != 1):
        return None
    first = as_of
    while years.get(first - 1) == value:
        first -= 1
    count = as_of - first + 1
    if isinstance(value, int):
        return Streak(key, "rank1", None, count, first, as_of, False)
    return Streak(key, "grade", value, count, first, as_of, value in flag and count >= 2)


def _check_year_value(key: Hashable, year: object, value: object) -> None:
    if isinstance(year, bool) or not isinstance(year, int):
        raise ValueError(f"years must be whole numbers; got {year!r} for {key!r}")
    if value is None or (isinstance(value, str) and value.strip()):
        return
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(
            f"a year's result must be a rank >= 1, a grade or None; got {value!r} "
            f"for {key!r} in {year}"
        )


def _sums(key: Hashable, group: Group) -> Sums:
    if isinstance(group, Sums):
        group.score()  # validates the sums
        return group
    if isinstance(group, str | bytes) or not isinstance(group, Iterable):
        raise ValueError(f"group {key!r} must be CSAT answers or Sums; got {group!r}")
    try:
        return Sums.of(group)
    except ValueError as exc:
        raise ValueError(f"group {key!r}: {exc}") from exc


def _row(key: Hashable, s: Sums, prior: Prior | None, min_n: int) -> Ranked:
    if s.csat_n == 0 or prior is None:
        return Ranked(key, s.csat_n, None, None, None, "not_enough")
    mean = s.csat_sum / s.csat_n
    status: Status = "ranked" if s.csat_n >= min_n else "not_enough"
    return Ranked(key, s.csat_n, mean, shrink(s.csat_n, mean, prior), None, status)


def _replace_rank(r: Ranked, position: int | None) -> Ranked:
    return Ranked(r.key, r.n, r.mean, r.score, position, r.status)
