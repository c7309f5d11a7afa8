"""The effect of a done action, measured so that seasons are not claimed as effect.

The rule, in plain words (the action page shows it in the reader's language, from the
catalog's ``ac_effect_rule_text``):

    We compare two windows of the same length: before the action was done and after it. For
    the action's place or category (the target) and for the rest of the office, we count the
    voices and average their tone and satisfaction in each window. A change in the target alone
    could be the season (winter brings fewer noise complaints everywhere), so the effect is the
    target's change beyond the change in the rest of the office:

        volume effect   = (target after / target before) ÷ (rest after / rest before) − 1
        tone effect     = (target after − target before) − (rest after − rest before)
        CSAT effect     = (target after − target before) − (rest after − rest before)

    A volume effect of −0.30 means 30 % fewer voices than the rest of the office would have
    led us to expect. With fewer than ``MIN_VOICES`` voices in a target window we say "too few
    voices" instead of a number; means need ``MIN_VALUES`` values in every window.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from statistics import fmean

MIN_VOICES = 5
MIN_VALUES = 3


@dataclass(frozen=True)
class Window:
    """What one window of one group holds: voices, and the tone and CSAT values seen."""

    voices: int
    tone: Sequence[float] = ()
    csat: Sequence[float] = ()

    def __post_init__(self) -> None:
        if self.voices < 0:
            raise ValueError(f"voices must be >= 0; got {self.voices}")


@dataclass(frozen=True)
class Measure:
    """One measure before and after, for the target and the rest, and the effect (or None)."""

    target_before: float | None
    target_after: float | None
    rest_before: float | None
    rest_after: float | None
    effect: float | None
    note: str = ""


@dataclass(frozen=True)
class Effect:
    """The effect of an action on voice volume, tone and satisfaction."""

    volume: Measure
    tone: Measure
    csat: Measure


def _volume(tb: Window, ta: Window, rb: Window, ra: Window) -> Measure:
    values = (float(tb.voices), float(ta.voices), float(rb.voices), float(ra.voices))
    if tb.voices < MIN_VOICES:
        return Measure(*values, None, "too few voices before")
    if rb.voices == 0 or ra.voices == 0:
        return Measure(*values, None, "no voices in the rest of the office")
    return Measure(*values, (ta.voices / tb.voices) / (ra.voices / rb.voices) - 1)


def _mean(values: Sequence[float]) -> float | None:
    return fmean(values) if values else None


def _difference(
    tb: Sequence[float], ta: Sequence[float], rb: Sequence[float], ra: Sequence[float]
) -> Measure:
    means = (_mean(tb), _mean(ta), _mean(rb), _mean(ra))
    if min(len(tb), len(ta), len(rb), len(ra)) < MIN_VALUES:
        return Measure(*means, None, "too few values")
    t_b, t_a, r_b, r_a = (m for m in means if m is not None)
    return Measure(*means, (t_a - t_b) - (r_a - r_b))


def measure(
    target_before: Window, target_after: Window, rest_before: Window, rest_after: Window
) -> Effect:
    """The effect by the rule of the module docstring."""
    windows = (target_before, target_after, rest_before, rest_after)
    return Effect(
        volume=_volume(*windows),
        tone=_difference(*(w.tone for w in windows)),
        csat=_difference(*(w.csat for w in windows)),
    )
