"""Satisfaction scores of one group of survey responses, each with a 95 % interval and its n.

A group is whatever the caller chose: an officer, a unit, an office, the organisation, a
category, a channel, a month. The rules, in plain words:

* **CSAT** (answers 1–5): the mean, with a 95 % Student-t interval
  ``mean ± t(0.975, n−1) · s / √n`` (``s`` the sample standard deviation). With fewer than two
  answers there is no interval. The interval is cut to 1–5, where the true mean must lie.
* **Top-2-box**: the share (0–1) of CSAT answers of 4 or 5, with a 95 % Wilson interval.
* **NPS** (answers 0–10, whole numbers): promoters (9–10) minus detractors (0–6), in points
  from −100 to 100. Each answer scores +1, 0 or −1; the interval is ``NPS ± 1.96 · √(v / n)``
  where ``v`` is the variance of those per-answer scores (normal approximation), cut to
  −100..100; fewer than two answers give no interval.
* **Response rate**: answers to invitations / invitations (0–1) with a 95 % Wilson interval;
  ``n`` is the number of invitations. Answers given without an invitation sent (a counter
  kiosk, a happy-call that was the first contact, an outreach code card) are counted apart as
  ``uninvited``: they are answers (they count in CSAT and NPS) but not responses to anything
  sent, so they never raise a rate.

Every figure also exists "from sums" (:func:`from_sums`, :class:`Sums`), so rollup tables that
keep ``n``, the sum and the sum of squares, the top-2 count, promoters and detractors give the
same numbers as the raw answers. Answers out of range and negative or inconsistent counts raise
``ValueError`` with a message saying which.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, fields
from functools import lru_cache
from numbers import Real
from statistics import NormalDist

__all__ = [
    "CSAT_MAX",
    "CSAT_MIN",
    "Estimate",
    "Score",
    "Sums",
    "csat",
    "csat_from_sums",
    "from_sums",
    "nps",
    "nps_from_counts",
    "response_rate",
    "summarise",
    "t_quantile",
    "top2",
    "top2_from_counts",
    "wilson",
    "z_quantile",
]

CSAT_MIN, CSAT_MAX = 1.0, 5.0
TOP2_FROM = 4.0
NPS_MIN, NPS_MAX = 0, 10
PROMOTER_FROM, DETRACTOR_TO = 9, 6
LEVEL = 0.95
_EPS = 1e-9


@dataclass(frozen=True, slots=True)
class Estimate:
    """A point estimate with its interval and sample size.

    ``value`` is ``None`` when there is nothing to estimate (``n == 0``); ``low``/``high`` are
    ``None`` when no interval can be given (e.g. a mean of a single answer).
    """

    value: float | None
    low: float | None
    high: float | None
    n: int

    @property
    def has_interval(self) -> bool:
        """Whether both interval ends are known."""
        return self.low is not None and self.high is not None


EMPTY = Estimate(None, None, None, 0)


@dataclass(frozen=True, slots=True)
class Score:
    """All figures of one group: CSAT mean, top-2-box share, NPS, response rate.

    ``responses`` counts every answered survey; ``invited`` those that answered an invitation
    (the numerator of the response rate), ``uninvited`` those given without one.
    """

    csat: Estimate
    top2: Estimate
    nps: Estimate
    response_rate: Estimate
    responses: int
    invited: int = 0
    uninvited: int = 0


@lru_cache(maxsize=64)
def z_quantile(level: float = LEVEL) -> float:
    """The two-sided normal quantile for ``level`` (1.959964 for 95 %)."""
    _check_level(level)
    return NormalDist().inv_cdf(0.5 + level / 2)


@lru_cache(maxsize=4096)
def t_quantile(df: float, level: float = LEVEL) -> float:
    """The two-sided Student-t quantile for ``level`` with ``df`` degrees of freedom (kept in
    memory: a national table asks for the same few hundred quantiles on every request)."""
    from scipy.stats import t

    _check_level(level)
    return float(t.ppf(0.5 + level / 2, df))


def wilson(successes: int, n: int, level: float = LEVEL) -> tuple[float, float]:
    """The Wilson score interval of a proportion ``successes / n`` (``n >= 1``).

    Chosen over the plain ±1.96·SE interval because it stays inside 0–1 and is honest at 0 %,
    100 % and small n, which is common for small units.
    """
    _check_count(successes, "successes")
    _check_count(n, "n")
    if n == 0:
        raise ValueError("a Wilson interval needs n >= 1")
    if successes > n:
        raise ValueError(f"successes ({successes}) cannot exceed n ({n})")
    z = z_quantile(level)
    p = successes / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    low = 0.0 if successes == 0 else max(0.0, centre - half)  # exactly 0 and 1 at the ends,
    high = 1.0 if successes == n else min(1.0, centre + half)  # not 1e-17 of rounding
    return low, high


def csat_from_sums(n: int, total: float, sumsq: float, *, level: float = LEVEL) -> Estimate:
    """CSAT mean and t-interval from ``n``, the sum and the sum of squares of the answers."""
    _check_count(n, "CSAT n")
    _check_real(total, "CSAT sum")
    _check_real(sumsq, "CSAT sum of squares")
    if n == 0:
        if total != 0 or sumsq != 0:
            raise ValueError("CSAT sums must be 0 when n is 0")
        return EMPTY
    mean = total / n
    if not CSAT_MIN - _EPS <= mean <= CSAT_MAX + _EPS:
        raise ValueError(f"CSAT sum {total} is impossible for {n} answers of 1–5")
    ss = sumsq - total * total / n  # sum of squared deviations
    if ss < -_EPS * max(1.0, sumsq) or sumsq > CSAT_MAX**2 * n * (1 + _EPS):
        raise ValueError(f"CSAT sum of squares {sumsq} is inconsistent with n={n}, sum={total}")
    if n < 2:
        return Estimate(mean, None, None, n)
    half = t_quantile(n - 1, level) * math.sqrt(max(ss, 0.0) / (n - 1) / n)
    return Estimate(mean, max(CSAT_MIN, mean - half), min(CSAT_MAX, mean + half), n)


def top2_from_counts(top: int, n: int, *, level: float = LEVEL) -> Estimate:
    """Top-2-box share ``top / n`` (0–1) with its Wilson interval."""
    _check_count(top, "top-2 count")
    _check_count(n, "CSAT n")
    if top > n:
        raise ValueError(f"top-2 count ({top}) cannot exceed the number of answers ({n})")
    if n == 0:
        return EMPTY
    low, high = wilson(top, n, level)
    return Estimate(top / n, low, high, n)


def nps_from_counts(promoters: int, detractors: int, n: int, *, level: float = LEVEL) -> Estimate:
    """NPS in points (−100..100) and its normal-approximation interval from counts.

    Each answer scores +1 (promoter), 0 (passive) or −1 (detractor); the NPS is 100 times their
    mean and its standard error ``√(v / n)`` uses their variance
    ``v = p₊ + p₋ − (p₊ − p₋)²``.
    """
    _check_count(promoters, "promoters")
    _check_count(detractors, "detractors")
    _check_count(n, "NPS n")
    if promoters + detractors > n:
        raise ValueError(
            f"promoters ({promoters}) + detractors ({detractors}) cannot exceed NPS n ({n})"
        )
    if n == 0:
        return EMPTY
    plus, minus = promoters / n, detractors / n
    mean = plus - minus
    if n < 2:
        return Estimate(100 * mean, None, None, n)
    var = max(plus + minus - mean * mean, 0.0)
    half = z_quantile(level) * math.sqrt(var / n)
    return Estimate(100 * mean, 100 * max(-1.0, mean - half), 100 * min(1.0, mean + half), n)


def csat(values: Iterable[float], *, level: float = LEVEL) -> Estimate:
    """CSAT mean of answers 1–5 with its t-interval (none for fewer than two answers)."""
    vals = _csat_values(values)
    return csat_from_sums(len(vals), math.fsum(vals), math.fsum(v * v for v in vals), level=level)


def top2(values: Iterable[float], *, level: float = LEVEL) -> Estimate:
    """Share of CSAT answers that are 4 or 5, with its Wilson interval."""
    vals = _csat_values(values)
    return top2_from_counts(sum(v >= TOP2_FROM for v in vals), len(vals), level=level)


def nps(values: Iterable[int], *, level: float = LEVEL) -> Estimate:
    """Net promoter score (points, −100..100) of answers 0–10 with its interval."""
    vals = _nps_values(values)
    promoters = sum(v >= PROMOTER_FROM for v in vals)
    detractors = sum(v <= DETRACTOR_TO for v in vals)
    return nps_from_counts(promoters, detractors, len(vals), level=level)


def response_rate(responses: int, invitations: int, *, level: float = LEVEL) -> Estimate:
    """Responses per invitation (0–1) with its Wilson interval; ``n`` is the invitations.

    With no invitations there is no rate (``value`` is ``None``).
    """
    _check_count(responses, "responses")
    _check_count(invitations, "invitations")
    if responses > invitations:
        raise ValueError(f"responses ({responses}) cannot exceed invitations ({invitations})")
    if invitations == 0:
        return EMPTY
    low, high = wilson(responses, invitations, level)
    return Estimate(responses / invitations, low, high, invitations)


@dataclass(frozen=True, slots=True)
class Sums:
    """What a rollup row keeps for one group; add two with ``+`` to merge groups.

    ``responses`` counts answered surveys (a response may carry CSAT, NPS or both);
    ``invitations`` counts surveys sent, ``invited_responses`` how many of those were answered
    (kept with the invitation, so it never exceeds ``invitations``), ``uninvited_responses`` the
    answers given without an invitation. A 0 ``responses`` means "not recorded": it is then
    taken as ``max(csat_n, nps_n)``; without invitations there is no response rate.
    """

    csat_n: int = 0
    csat_sum: float = 0.0
    csat_sumsq: float = 0.0
    top2: int = 0
    nps_n: int = 0
    promoters: int = 0
    detractors: int = 0
    responses: int = 0
    invitations: int = 0
    invited_responses: int = 0
    uninvited_responses: int = 0

    @classmethod
    def of(
        cls,
        csat_values: Iterable[float] = (),
        nps_values: Iterable[int] = (),
        *,
        responses: int | None = None,
        invitations: int = 0,
        uninvited: int = 0,
    ) -> Sums:
        """The sums of raw answers; ``responses`` defaults to the longer of the two lists, of
        which all but ``uninvited`` answered an invitation."""
        cv, nv = _csat_values(csat_values), _nps_values(nps_values)
        answered = max(len(cv), len(nv)) if responses is None else responses
        return cls(
            csat_n=len(cv),
            csat_sum=math.fsum(cv),
            csat_sumsq=math.fsum(v * v for v in cv),
            top2=sum(v >= TOP2_FROM for v in cv),
            nps_n=len(nv),
            promoters=sum(v >= PROMOTER_FROM for v in nv),
            detractors=sum(v <= DETRACTOR_TO for v in nv),
            responses=answered,
            invitations=invitations,
            invited_responses=max(answered - uninvited, 0),
            uninvited_responses=uninvited,
        )

    def __add__(self, other: Sums) -> Sums:
        if not isinstance(other, Sums):
            return NotImplemented
        return Sums(*(getattr(self, f.name) + getattr(other, f.name) for f in fields(self)))

    def score(self, *, level: float = LEVEL) -> Score:
        """All figures of these sums (see :func:`from_sums`)."""
        return from_sums(
            csat_n=self.csat_n,
            csat_sum=self.csat_sum,
            csat_sumsq=self.csat_sumsq,
            top2=self.top2,
            nps_n=self.nps_n,
            promoters=self.promoters,
            detractors=self.detractors,
            responses=self.responses or None,
            invitations=self.invitations or None,
            invited_responses=self.invited_responses,
            uninvited_responses=self.uninvited_responses,
            level=level,
        )


def from_sums(
    *,
    csat_n: int = 0,
    csat_sum: float = 0.0,
    csat_sumsq: float = 0.0,
    top2: int = 0,
    nps_n: int = 0,
    promoters: int = 0,
    detractors: int = 0,
    responses: int | None = None,
    invitations: int | None = None,
    invited_responses: int | None = None,
    uninvited_responses: int = 0,
    level: float = LEVEL,
) -> Score:
    """All figures of a group from the sums a rollup table keeps.

    Gives exactly what :func:`summarise` gives for the raw answers. ``responses`` defaults to
    ``max(csat_n, nps_n)``; ``invited_responses`` (the answers to the ``invitations``) to the
    responses less the ``uninvited_responses``; without ``invitations`` there is no response
    rate.
    """
    responses = max(csat_n, nps_n) if responses is None else responses
    _check_count(responses, "responses")
    _check_count(uninvited_responses, "uninvited responses")
    if responses < max(csat_n, nps_n):
        raise ValueError(f"responses ({responses}) cannot be fewer than CSAT or NPS answers")
    if uninvited_responses > responses:
        raise ValueError(
            f"uninvited responses ({uninvited_responses}) cannot exceed responses ({responses})"
        )
    invited = responses - uninvited_responses if invited_responses is None else invited_responses
    _check_count(invited, "invited responses")
    csat_est = csat_from_sums(csat_n, csat_sum, csat_sumsq, level=level)
    top2_est = top2_from_counts(top2, csat_n, level=level)
    if not _top2_consistent(csat_n, csat_sum, top2):
        raise ValueError(f"top-2 count {top2} is inconsistent with CSAT sum {csat_sum}")
    return Score(
        csat=csat_est,
        top2=top2_est,
        nps=nps_from_counts(promoters, detractors, nps_n, level=level),
        response_rate=(
            EMPTY if invitations is None else response_rate(invited, invitations, level=level)
        ),
        responses=responses,
        invited=invited,
        uninvited=uninvited_responses,
    )


def summarise(
    csat_values: Iterable[float],
    nps_values: Iterable[int] = (),
    invitations: int | None = None,
    *,
    responses: int | None = None,
    uninvited: int = 0,
    level: float = LEVEL,
) -> Score:
    """All figures of a group from its raw answers.

    ``responses`` (answered surveys) defaults to the longer of the two answer lists, of which
    all but ``uninvited`` answered an invitation; the response rate is those answers /
    ``invitations``, absent without ``invitations``.
    """
    sums = Sums.of(csat_values, nps_values, responses=responses, uninvited=uninvited)
    return from_sums(
        **{f.name: getattr(sums, f.name) for f in fields(sums) if f.name != "invitations"},
        invitations=invitations,
        level=level,
    )


def _top2_consistent(n: int, total: float, top: int) -> bool:
    """Whether ``top`` answers of 4–5 and ``n − top`` of 1–<4 can add up to ``total``."""
    low = TOP2_FROM * top + CSAT_MIN * (n - top)
    high = CSAT_MAX * top + TOP2_FROM * (n - top)
    return low - _EPS * n <= total <= high + _EPS * n


def _csat_values(values: Iterable[float]) -> list[float]:
    out: list[float] = []
    for i, v in enumerate(values):
        _check_real(v, f"CSAT answer at position {i}")
        if not CSAT_MIN <= v <= CSAT_MAX:
            raise ValueError(f"CSAT answers must be between 1 and 5; got {v!r} at position {i}")
        out.append(float(v))
    return out


def _nps_values(values: Iterable[int]) -> list[int]:
    out: list[int] = []
    for i, v in enumerate(values):
        _check_real(v, f"NPS answer at position {i}")
        if v != int(v) or not NPS_MIN <= v <= NPS_MAX:
            raise ValueError(
                f"NPS answers must be whole numbers from 0 to 10; got {v!r} at position {i}"
            )
        out.append(int(v))
    return out


def _check_real(v: object, what: str) -> None:
    if isinstance(v, bool) or not isinstance(v, Real) or not math.isfinite(v):
        raise ValueError(f"{what} must be a finite number; got {v!r}")


def _check_count(v: object, what: str) -> None:
    if (
        isinstance(v, bool)
        or not isinstance(v, Real)
        or not math.isfinite(v)
        or not float(v).is_integer()
        or v < 0
    ):
        raise ValueError(f"{what} must be a whole number >= 0; got {v!r}")


def _check_level(level: float) -> None:
    if not 0 < level < 1:
        raise ValueError(f"confidence level must be between 0 and 1; got {level!r}")
