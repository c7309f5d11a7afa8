"""What one monthly CS report says, as plain frozen data, independent of any output format.

A ``MonthlyReport`` is built elsewhere (from the ledger, the surveys, the rankings and the
actions) and handed to a renderer (``minwon.reports.pdf``, ``minwon.reports.xlsx``). Keeping the
numbers apart from the database and from the layout lets both renderers show the very same
figures, and lets tests render a report without a database.

Conventions used throughout:

* counts are non-negative ``int``;
* shares and rates are fractions between 0 and 1 (0.873, not 87.3), ``None`` when there is
  nothing to divide by;
* CSAT is a mean on the 1–5 scale, NPS lies between -100 and 100;
* an ``Estimate`` carries its 95 % interval (``low``/``high``) and its sample size ``n``; any
  bound may be ``None`` when it cannot be computed (e.g. fewer than two answers);
* lists of (label, count) are tuples of pairs; every sequence field accepts any sequence
  (a list is fine) and is stored as a tuple, so a report stays immutable and hashable;
* free text (cause examples) must already be masked: renderers print it as given.

Every section has an empty default, so ``MonthlyReport(title=..., office=..., month=...)`` is a
valid report whose sections all say "자료가 없습니다" (no data).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

__all__ = [
    "Action",
    "Cause",
    "DailyCount",
    "Deadlines",
    "Estimate",
    "LabelCount",
    "MonthlyReport",
    "PracticeBeside",
    "PracticeItem",
    "PracticeUnit",
    "IncidentUnit",
    "Quality",
    "QualityItem",
    "QualityKind",
    "QualityUnit",
    "Ranking",
    "RankingRow",
    "Satisfaction",
    "UnitSatisfaction",
    "Volume",
    "month_label",
]

LabelCount = tuple[str, int]
"""A label and how many voices carry it, e.g. ``("전화", 120)``."""

_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


def _freeze(obj: Any, name: str, items: Sequence[Any] | None) -> None:
    """Store a sequence field of a frozen dataclass as a tuple (lists are accepted)."""
    object.__setattr__(obj, name, tuple(items or ()))


def _check_count(value: int | None, what: str) -> None:
    if value is not None and value < 0:
        raise ValueError(f"{what} must not be negative, got {value}")


def _check_share(value: float | None, what: str) -> None:
    if value is not None and not 0.0 <= value <= 1.0:
        raise ValueError(f"{what} is a fraction between 0 and 1, got {value}")


def _freeze_pairs(obj: Any, name: str, pairs: Sequence[tuple[str, int]]) -> None:
    frozen = tuple((str(label), int(count)) for label, count in pairs)
    for label, count in frozen:
        _check_count(count, f"{name}[{label!r}]")
    object.__setattr__(obj, name, frozen)


def month_label(month: str) -> str:
    """``"2026-10"`` as Korean readers write it, ``"2026년 10월"``."""
    match = _MONTH.match(month)
    if not match:
        raise ValueError(f"month must look like YYYY-MM, got {month!r}")
    return f"{match.group(1)}년 {int(match.group(2))}월"


@dataclass(frozen=True)
class Volume:
    """How many voices came in and were dealt with during the month.

    ``open_at_end`` is the backlog on the last day of the month (voices of any month not yet
    closed). ``by_channel`` (방문, 전화, 인터넷, ...) and ``by_category`` count the voices
    received in the month; the renderers show them in the order given.
    """

    received: int = 0
    answered: int = 0
    closed: int = 0
    open_at_end: int = 0
    by_channel: Sequence[LabelCount] = ()
    by_category: Sequence[LabelCount] = ()

    def __post_init__(self) -> None:
        for name in ("received", "answered", "closed", "open_at_end"):
            _check_count(getattr(self, name), name)
        _freeze_pairs(self, "by_channel", self.by_channel)
        _freeze_pairs(self, "by_category", self.by_category)


@dataclass(frozen=True)
class Deadlines:
    """Deadline compliance of the voices whose legal deadline (처리기한) fell in the month.

    ``met + missed`` normally equals ``due``; ``avg_days_to_answer`` is the mean number of
    working days from receipt to answer of the voices answered in the month.
    """

    due: int = 0
    met: int = 0
    missed: int = 0
    avg_days_to_answer: float | None = None

    def __post_init__(self) -> None:
        for name in ("due", "met", "missed"):
            _check_count(getattr(self, name), name)
        if self.met > self.due:
            raise ValueError(f"met ({self.met}) cannot exceed due ({self.due})")

    @property
    def share_met(self) -> float | None:
        """Share of the due voices answered in time (met / due), None when nothing was due."""
        return self.met / self.due if self.due else None


@dataclass(frozen=True)
class Estimate:
    """A survey figure with its 95 % interval and the number of answers behind it."""

    value: float | None = None
    low: float | None = None
    high: float | None = None
    n: int = 0

    def __post_init__(self) -> None:
        _check_count(self.n, "n")


@dataclass(frozen=True)
class UnitSatisfaction:
    """One unit's (team, police box) CSAT with interval, and its NPS, for the per-unit table."""

    unit: str
    n: int
    csat: float | None = None
    low: float | None = None
    high: float | None = None
    nps: float | None = None

    def __post_init__(self) -> None:
        _check_count(self.n, "n")


@dataclass(frozen=True)
class Satisfaction:
    """Survey results of the month: CSAT (1–5 mean), top-2-box share, NPS, response rate.

    ``top2`` is the share of answers 4 or 5 (a fraction), ``nps`` lies in -100..100,
    ``response_rate`` is the answers to invitations / the ``invited`` (invitations sent; a
    fraction, None when none were sent); ``uninvited`` answers came without an invitation
    (kiosk, happy calls, outreach code cards) and are not in the rate.
    """

    csat: Estimate = field(default_factory=Estimate)
    top2: Estimate = field(default_factory=Estimate)
    nps: Estimate = field(default_factory=Estimate)
    response_rate: float | None = None
    invited: int = 0
    uninvited: int = 0
    units: Sequence[UnitSatisfaction] = ()

    def __post_init__(self) -> None:
        _check_share(self.response_rate, "response_rate")
        _check_count(self.invited, "invited")
        _check_count(self.uninvited, "uninvited")
        _freeze(self, "units", self.units)

    @property
    def is_empty(self) -> bool:
        """True when no survey answer backs any figure (the section then says so)."""
        return self.csat.n == 0 and self.top2.n == 0 and self.nps.n == 0 and not self.units


@dataclass(frozen=True)
class RankingRow:
    """One office or unit in the ranking.

    ``rank`` is None when the sample is too small to rank (``status`` then says so, e.g.
    "표본 부족"); tied rows share a rank. ``score`` is the ranking score (already corrected
    for small samples); ``movement`` is places gained since the previous period (positive is
    up, negative down, None when not ranked before).
    """

    rank: int | None
    name: str
    n: int
    score: float | None = None
    status: str = ""
    movement: int | None = None

    def __post_init__(self) -> None:
        _check_count(self.n, "n")
        if self.rank is not None and self.rank < 1:
            raise ValueError(f"rank starts at 1, got {self.rank}")


@dataclass(frozen=True)
class Ranking:
    """The ranking table, in display order, with the rule used (``basis``, shown as a note).

    ``highlight`` names the row of the office the report is about; renderers emphasise it.
    """

    rows: Sequence[RankingRow] = ()
    basis: str = ""
    highlight: str = ""

    def __post_init__(self) -> None:
        _freeze(self, "rows", self.rows)


@dataclass(frozen=True)
class Cause:
    """A cause (topic, category) of voices: its count, change on last month, masked examples.

    ``change`` is this month's count minus last month's (None when unknown); ``examples``
    holds one to three short excerpts whose personal data is already masked.
    """

    label: str
    count: int
    change: int | None = None
    examples: Sequence[str] = ()

    def __post_init__(self) -> None:
        _check_count(self.count, "count")
        _freeze(self, "examples", [str(e) for e in self.examples])
        if len(self.examples) > 3:
            raise ValueError(f"at most 3 examples per cause, got {len(self.examples)}")


@dataclass(frozen=True)
class Action:
    """An action taken or planned because of voices (반영 조치), with how many voices it cites."""

    title: str
    status: str
    owner: str = ""
    due: date | None = None
    voices: int = 0

    def __post_init__(self) -> None:
        _check_count(self.voices, "voices")


@dataclass(frozen=True)
class DailyCount:
    """Voices received and answered on one day of the month (the trend chart's points)."""

    day: date
    received: int = 0
    answered: int = 0

    def __post_init__(self) -> None:
        _check_count(self.received, "received")
        _check_count(self.answered, "answered")


@dataclass(frozen=True)
class QualityKind:
    """Checks of one kind (자가 점검, 동료 관찰, 암행 점검) and their compliance (0–1)."""

    label: str
    checks: int
    compliance: float | None = None

    def __post_init__(self) -> None:
        _check_count(self.checks, "checks")
        _check_share(self.compliance, "compliance")


@dataclass(frozen=True)
class QualityItem:
    """A checklist item often missed: how many times missed of how many times marked."""

    label: str
    stage: str
    missed: int
    marked: int

    def __post_init__(self) -> None:
        _check_count(self.missed, "missed")
        _check_count(self.marked, "marked")


@dataclass(frozen=True)
class QualityUnit:
    """A unit's checks, mystery results and promise: compliance and promise kept are 0–1;
    ``small`` marks too few checks to read much into (shown, never ranked)."""

    unit: str
    checks: int
    compliance: float | None = None
    mystery: int = 0
    mystery_compliance: float | None = None
    promise: str = ""
    promise_kept: float | None = None
    promise_checks: int = 0
    small: bool = False

    def __post_init__(self) -> None:
        _check_count(self.checks, "checks")
        _check_share(self.compliance, "compliance")
        _check_share(self.mystery_compliance, "mystery_compliance")
        _check_share(self.promise_kept, "promise_kept")


def _check_score(value: float | None, what: str) -> None:
    if value is not None and not 1.0 <= value <= 5.0:
        raise ValueError(f"{what} is a 1–5 score, got {value}")


@dataclass(frozen=True)
class PracticeItem:
    """A rubric item of role-play practice: the observers' mean score (1–5) over ``n`` scores."""

    label: str
    mean: float | None
    n: int

    def __post_init__(self) -> None:
        _check_count(self.n, "n")
        _check_score(self.mean, "mean")


@dataclass(frozen=True)
class PracticeUnit:
    """A unit's role-play practice in the month: sessions held, participants, the observers'
    mean score overall and per rubric item; ``small`` marks too few sessions."""

    unit: str
    sessions: int
    participants: int
    mean: float | None = None
    items: Sequence[PracticeItem] = ()
    small: bool = False

    def __post_init__(self) -> None:
        _check_count(self.sessions, "sessions")
        _check_count(self.participants, "participants")
        _check_score(self.mean, "mean")
        _freeze(self, "items", self.items)


@dataclass(frozen=True)
class IncidentUnit:
    """A unit's 특이민원 incidents in the month — counts only, never staff names: by channel,
    how many were reported to the investigating authority, how many had support given (and of
    which kind)."""

    unit: str
    incidents: int
    by_channel: Sequence[tuple[str, int]] = ()
    reported: int = 0
    supported: int = 0
    support: Sequence[tuple[str, int]] = ()

    def __post_init__(self) -> None:
        _check_count(self.incidents, "incidents")
        _check_count(self.reported, "reported")
        _check_count(self.supported, "supported")
        _freeze_pairs(self, "by_channel", self.by_channel)
        _freeze_pairs(self, "support", self.support)


@dataclass(frozen=True)
class PracticeBeside:
    """A unit's month side by side: compliance (0–1) and checks, role-play sessions and the
    observers' mean score, incidents, and mean CSAT (1–5) with its answers; each ``*_small``
    marks a small sample. Side by side only, not proof."""

    unit: str
    compliance: float | None
    checks: int
    checks_small: bool
    sessions: int
    practice_score: float | None
    sessions_small: bool
    incidents: int
    csat: float | None
    answers: int
    csat_small: bool

    def __post_init__(self) -> None:
        _check_share(self.compliance, "compliance")
        _check_count(self.checks, "checks")
        _check_count(self.sessions, "sessions")
        _check_count(self.incidents, "incidents")
        _check_count(self.answers, "answers")
        _check_score(self.practice_score, "practice_score")
        _check_score(self.csat, "csat")


@dataclass(frozen=True)
class Quality:
    """Service quality in the month: checklists, mystery visits and calls, promises kept
    (checks and the survey's promise question), with the rule behind the numbers; and
    practice beside satisfaction — role-play per unit and rubric item, incidents per unit (no
    staff names), and each unit's compliance, practice, incidents and CSAT side by side."""

    checks: int = 0
    compliance: float | None = None
    kinds: Sequence[QualityKind] = ()
    missed: Sequence[QualityItem] = ()
    units: Sequence[QualityUnit] = ()
    promise_kept: float | None = None
    survey_promise: float | None = None
    survey_promise_n: int = 0
    basis: str = ""
    roleplay: Sequence[PracticeUnit] = ()
    roleplay_items: Sequence[PracticeItem] = ()
    incidents: Sequence[IncidentUnit] = ()
    beside: Sequence[PracticeBeside] = ()
    practice_basis: str = ""

    def __post_init__(self) -> None:
        _check_count(self.checks, "checks")
        _check_share(self.compliance, "compliance")
        _check_share(self.promise_kept, "promise_kept")
        _check_share(self.survey_promise, "survey_promise")
        _freeze(self, "kinds", self.kinds)
        _freeze(self, "missed", self.missed)
        _freeze(self, "units", self.units)
        for name in ("roleplay", "roleplay_items", "incidents", "beside"):
            _freeze(self, name, getattr(self, name))

    @property
    def is_empty(self) -> bool:
        """No check and no survey answer about promises in the month."""
        return self.checks == 0 and self.survey_promise_n == 0

    @property
    def practice_empty(self) -> bool:
        """No role-play session, no incident and nothing to set beside satisfaction."""
        return not (self.roleplay or self.incidents or self.beside)


@dataclass(frozen=True)
class MonthlyReport:
    """One monthly CS report of an office (or the whole organisation) for one month.

    ``month`` is ``"YYYY-MM"``; ``generated_at`` is when the figures were taken (aware
    datetimes are shown in Korean time). ``top_causes`` are expected in descending count order;
    renderers sort them anyway (a "기타" row last) for the Pareto view. ``daily`` is kept
    sorted by day; renderers draw only the days given, so the builder should include every
    day of the month, zeros too.
    """

    title: str
    office: str
    month: str
    generated_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    volume: Volume = field(default_factory=Volume)
    deadlines: Deadlines = field(default_factory=Deadlines)
    satisfaction: Satisfaction = field(default_factory=Satisfaction)
    ranking: Ranking = field(default_factory=Ranking)
    top_causes: Sequence[Cause] = ()
    actions: Sequence[Action] = ()
    daily: Sequence[DailyCount] = ()
    quality: Quality = field(default_factory=Quality)

    def __post_init__(self) -> None:
        month_label(self.month)  # validates the format
        _freeze(self, "top_causes", self.top_causes)
        _freeze(self, "actions", self.actions)
        _freeze(self, "daily", sorted(self.daily, key=lambda d: d.day))

    @property
    def month_label(self) -> str:
        """The month in Korean, e.g. ``"2026년 10월"``."""
        return month_label(self.month)

    def causes_in_pareto_order(self) -> tuple[Cause, ...]:
        """Causes by descending count, ties in the given order, a "기타" (other) row last."""
        return tuple(
            sorted(self.top_causes, key=lambda c: (c.label.strip() in {"기타", "그 외"}, -c.count))
        )
