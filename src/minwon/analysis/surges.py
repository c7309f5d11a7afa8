"""Surges: a category, place or cause that suddenly has far more voices than usual.

The rule, in plain words (``RULE_KO`` says the same in Korean, for users):

    We compare this week (the current window) with the weeks before it. The usual level
    (baseline) is the average number of voices in up to the 8 weeks before this one; with
    fewer than 4 weeks of history we raise no alert, because we cannot yet say what is usual.
    We raise an alert only when all three hold:

    1. there are at least 5 voices this week, so a handful of voices never alarms anyone;
    2. there are at least twice as many as usual;
    3. so many would be very unlikely by chance: if voices came at random at the usual rate
       (a Poisson count whose mean is the baseline, taken as at least 0.5 so a thing that
       was never heard of before still needs several voices), the chance of seeing this many
       or more is below 0.1 % (p < 0.001).

    The alerts are listed from the least likely (smallest p) to the most.

Windows are any equal lengths of time (a week by default in ``weekly_counts``); the numbers 8,
4, 5, 2 and 0.001 are the defaults of ``detect``. ``ratio`` is the current count over that
floored baseline.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

__all__ = ["LAMBDA_FLOOR", "RULE_KO", "Surge", "detect", "weekly_counts"]

RULE_KO = (
    "이번 주 민원 건수를 직전 주들과 비교합니다. 평소 수준(기준선)은 이번 주 직전 최대 8주의 "
    "주당 평균 건수이며, 직전 기록이 4주 미만이면 평소 수준을 알 수 없으므로 알리지 않습니다. "
    "다음 세 가지를 모두 만족할 때만 급증으로 알립니다. ① 이번 주 건수가 5건 이상 "
    "② 평소의 2배 이상 ③ 민원이 평소 수준대로 우연히 들어온다고 할 때(평균이 기준선인 "
    "포아송 분포, 기준선이 0.5보다 작으면 0.5로 봄) 이번 주만큼 또는 그보다 많이 들어올 "
    "확률이 0.1% 미만(p < 0.001). 알림은 확률이 낮은(더 이례적인) 순서로 보여 줍니다."
)
"""The rule of the module docstring in Korean, for the pages that explain an alert (defaults
of ``detect``)."""

LAMBDA_FLOOR = 0.5
"""Smallest expected count used in the Poisson test (a baseline of 0 would make any 1 a
certain surge)."""


@dataclass(frozen=True)
class Surge:
    """One alert: the series' key, this window's count, the usual level, and how unusual.

    ``ratio`` is ``current / max(baseline, 0.5)``; ``p_value`` is the Poisson chance of at
    least ``current`` voices at the usual rate.
    """

    key: Hashable
    current: int
    baseline: float
    ratio: float
    p_value: float


def detect(
    series: Mapping[Hashable, Sequence[int]],
    *,
    min_count: int = 5,
    alpha: float = 0.001,
    history: int = 8,
    min_history: int = 4,
) -> list[Surge]:
    """The series whose last (current) window is a surge by the rule of the module docstring.

    ``series`` maps a key (a category, a place, a cause) to its counts per window, oldest
    first. Series without ``min_history`` windows before the current one give no alert.
    Results are sorted by p-value, smallest first (ties: higher ratio first).
    """
    from scipy.stats import poisson

    if min_history < 1 or history < min_history:
        raise ValueError("need 1 <= min_history <= history")
    surges: list[Surge] = []
    for key, counts in series.items():
        if any(c < 0 for c in counts):
            raise ValueError(f"negative count in series {key!r}")
        past = list(counts[-history - 1 : -1])
        if len(past) < min_history:
            continue
        current = int(counts[-1])
        baseline = sum(past) / len(past)
        lam = max(baseline, LAMBDA_FLOOR)
        if current < min_count or current < 2 * baseline:
            continue
        p_value = float(poisson.sf(current - 1, lam))
        if p_value < alpha:
            surges.append(Surge(key, current, baseline, current / lam, p_value))
    surges.sort(key=lambda s: (s.p_value, -s.ratio))
    return surges


def weekly_counts(
    times: Iterable[datetime], *, end: datetime, windows: int, days: int = 7
) -> list[int]:
    """Counts of ``times`` in ``windows`` consecutive windows of ``days`` days ending at ``end``.

    Oldest window first; the last one is ``[end - days, end)``. Each window includes its start
    and excludes its end, so a time exactly on a boundary counts once, in the later window;
    times before the first window or at/after ``end`` are ignored. Times and ``end`` must be
    timezone-aware (any zones, compared as instants), so that KST and UTC stamps of the same
    moment fall in the same window; a day is 24 hours, so a daylight-saving change elsewhere
    never stretches a window.
    """
    if windows < 1 or days < 1:
        raise ValueError("windows and days must be at least 1")
    if end.tzinfo is None or end.utcoffset() is None:
        raise ValueError("end must be timezone-aware")
    span = timedelta(days=days)
    end = end.astimezone(UTC)
    start = end - windows * span
    counts = [0] * windows
    for t in times:
        if t.tzinfo is None or t.utcoffset() is None:
            raise ValueError("times must be timezone-aware")
        if start <= t < end:
            counts[(t - start) // span] += 1
    return counts
