"""How sure a routing suggestion is: scores to probabilities that mean what they say.

A model's scores become probabilities by a softmax with one temperature (``best_temperature``),
and the first suggestion's probability is then mapped to how often such suggestions were right
on held-out voices (Platt scaling, ``fit_top_calibration``), never beyond what enough of those
held-out suggestions reached (``confidence_ceiling``). Auto-routing acts on that one number.
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import minimize, minimize_scalar

__all__ = [
    "IDENTITY",
    "MIN_CALIBRATION",
    "MIN_EVIDENCE",
    "NO_EVIDENCE_CEILING",
    "as_scores",
    "best_temperature",
    "bounded_calibration",
    "calibrate_first",
    "confidence_ceiling",
    "first_outcomes",
    "fit_top_calibration",
    "softmax",
    "top_map",
]

MIN_CALIBRATION = 50  # held-out examples needed to calibrate at all
MIN_EVIDENCE = 20  # held-out suggestions that must reach a confidence before it is claimed
NO_EVIDENCE_CEILING = 0.5  # the ceiling of a router with fewer held-out suggestions than that
IDENTITY = (1.0, 0.0)


def first_outcomes(
    classes: np.ndarray, scores: np.ndarray, truth: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The first suggestion's probability for each held-out example, and whether it was right."""
    probs = softmax(scores)
    right = classes[probs.argmax(axis=1)] == truth
    return probs.max(axis=1), right.astype(float)


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, 1e-6, 1 - 1e-6)
    return np.asarray(np.log(p / (1 - p)))


def fit_top_calibration(top: np.ndarray, right: np.ndarray) -> tuple[float, float]:
    """Slope and intercept mapping the first suggestion's logit to the logit of how often it
    is right (Platt scaling), fitted by log-loss on held-out outcomes.

    Identity when there are too few outcomes, when all were right or all wrong, or when the
    fit would not keep a surer suggestion surer (a slope that is not positive).
    """
    if len(top) < MIN_CALIBRATION or right.min() == right.max():
        return IDENTITY
    z = _logit(top)

    def loss(ab: np.ndarray) -> float:
        q = np.clip(1 / (1 + np.exp(-(ab[0] * z + ab[1]))), 1e-9, 1 - 1e-9)
        return float(-(right * np.log(q) + (1 - right) * np.log(1 - q)).mean())

    fit = minimize(loss, np.array(IDENTITY), method="Nelder-Mead")
    slope, intercept = (float(v) for v in fit.x)
    return (slope, intercept) if fit.success and slope > 0 else IDENTITY


def bounded_calibration(
    outcomes: list[tuple[np.ndarray, np.ndarray]],
) -> tuple[tuple[float, float], float]:
    """The top calibration fitted on held-out first suggestions' outcomes (probability,
    right), and the confidence ceiling their evidence supports."""
    top = np.concatenate([o[0] for o in outcomes])
    calibration = fit_top_calibration(top, np.concatenate([o[1] for o in outcomes]))
    return calibration, confidence_ceiling(top, *calibration)


def confidence_ceiling(top: np.ndarray, slope: float, intercept: float) -> float:
    """The highest calibrated confidence that at least ``MIN_EVIDENCE`` held-out first
    suggestions reached: a confidence above it would rest on a handful of examples, too few
    to say how often such suggestions are right. With fewer held-out suggestions than that,
    ``NO_EVIDENCE_CEILING``: no suggestion is claimed more likely right than wrong."""
    if len(top) < MIN_EVIDENCE:
        return NO_EVIDENCE_CEILING
    calibrated = top_map(top, slope, intercept)
    return float(np.partition(calibrated, len(top) - MIN_EVIDENCE)[len(top) - MIN_EVIDENCE])


def top_map(p: np.ndarray, slope: float, intercept: float) -> np.ndarray:
    """The Platt map of first-suggestion probabilities (identity for the identity calibration)."""
    if (slope, intercept) == IDENTITY:
        return p
    return np.asarray(1 / (1 + np.exp(-(slope * _logit(p) + intercept))))


def calibrate_first(
    probs: np.ndarray, slope: float, intercept: float, *, ceiling: float = 1.0
) -> np.ndarray:
    """Rows of probabilities whose largest is replaced by its calibrated value, at most
    ``ceiling``, and the others rescaled to share the rest; no other label ends above the
    first (the order stays), and a first without any rival keeps its probability."""
    if ((slope, intercept) == IDENTITY and ceiling >= 1.0) or probs.shape[1] < 2:
        return probs
    rows = np.arange(len(probs))
    first = probs.argmax(axis=1)
    q = np.minimum(top_map(probs[rows, first], slope, intercept), ceiling)
    others = probs.copy()
    others[rows, first] = 0.0
    second, rest = others.max(axis=1), others.sum(axis=1)
    rival = rest > 1e-12  # else the first is all but certain (one label allowed): kept as is
    safe_rest = np.where(rival, rest, 1.0)
    # the calibrated first is never below the rescaled second: q ≥ second·(1 − q)/rest
    q = np.maximum(q, second / (safe_rest + second))
    out = others * ((1 - q) / safe_rest)[:, None]
    out[rows, first] = np.maximum(q, out.max(axis=1))  # a tie must not round to second place
    return np.where(rival[:, None], out, probs)


def as_scores(decision: np.ndarray) -> np.ndarray:
    """One-vs-rest decision values as a (texts × labels) matrix, binary case included."""
    if decision.ndim == 1:
        decision = np.column_stack([-decision / 2, decision / 2])
    return decision


def softmax(scores: np.ndarray) -> np.ndarray:
    """Each row of scores as probabilities (row-wise softmax, stable for large scores)."""
    z = scores - scores.max(axis=1, keepdims=True)
    np.exp(z, out=z)
    return z / z.sum(axis=1, keepdims=True)


def best_temperature(scores: np.ndarray, truth: np.ndarray) -> float:
    """The temperature at which the first suggestion's confidence best matches how often it
    is right (its Brier score).

    Auto-routing acts on that one number, so it is the one calibrated; fitting the whole
    distribution (log-likelihood) left it too confident on sets with a hundred units.
    """
    first = np.asarray(scores.argmax(axis=1) == truth, dtype=float)

    def brier(log_t: float) -> float:
        confidence = softmax(scores / np.exp(log_t)).max(axis=1)
        return float(((confidence - first) ** 2).mean())

    result = minimize_scalar(brier, bounds=(np.log(0.05), np.log(20.0)), method="bounded")
    return float(np.exp(result.x))
