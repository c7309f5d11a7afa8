"""Tone of a voice: sentiment, anger, distress and safety urgency, from a shipped Korean lexicon.

Pure and fast (it runs on every intake): no database, no network, no morphology. The lexicon
(``minwon.analysis.lexicon``: ``tone_ko.yaml`` plus an agency's extra file) is compiled once into
a few trie-shaped regular expressions that find every term and sentence boundary in one
left-to-right, longest-match pass: about 0.1 ms per 1,000 characters, where kiwipiepy's
tokenizer alone takes about 12 ms; Korean tone cues are surface strings (짜증, 어이없, ㅡㅡ, !!!)
that need no morphology.

Rules around each term, all inside its sentence: negation after it (친절하지 않, 감사할 수가
없, 사고가 나지 않도록) or before it (안 친절); an intensifier just before it (너무, 정말);
repeated punctuation ending the sentence (!!!, ???); a contrast (…했지만, …했는데) that halves
what came before it; requests (신속히 처리해 주세요 asks for speed, it does not praise it); a
stand-alone "감사합니다." closing a request is politeness. Scores are normalised by the calm
part of the text (characters no term explains), so a long, calm petition with a few sharp
words is not "very negative"; the formula is built so that appending a negative sentence never
raises the sentiment and appending a positive one never lowers it (see ``_sentiment``).
Safety terms raise a voice (``urgent``) when their weights reach 1; in long texts the needed
weight grows with length, except for self-harm, which always counts.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Literal

from minwon.analysis.lexicon import Entry, LexiconError, load

__all__ = [
    "LABELS",
    "Label",
    "LexiconError",
    "Tone",
    "ToneAnalyzer",
    "analyse_many",
    "analyse_tone",
    "default_analyzer",
    "mask_profanity",
]

Label = Literal["positive", "neutral", "negative", "angry"]
LABELS: tuple[Label, ...] = ("positive", "neutral", "negative", "angry")

# Tuning, documented once: a hit "explains" CALM_PER_HIT calm characters; each calm character
# beyond that adds CALM_DAMPING to the denominators (CALM_DAMPING * CALM_PER_HIT <= 1 keeps the
# ordering property). Thresholds map scores to the label and flags.
CALM_PER_HIT = 10
CALM_DAMPING = 0.01
SENTIMENT_PRIOR = 1.0  # denominator constant: one weight-1 word alone scores 0.5
EMOTION_PRIOR = 1.0
POSITIVE_AT, NEGATIVE_AT, ANGRY_AT, DISTRESS_AT = 0.2, -0.2, 0.5, 0.5
URGENT_AT = 1.0
INTENSIFIER_GAP, INTENSIFIER_CAP = 4, 2.25
BANG_BOOST, BANG_ANGER, QUESTION_SENTIMENT, QUESTION_ANGER = 1.3, 0.5, 0.5, 0.5
CONTRAST_BEFORE = 0.5  # terms before 지만/는데 in a sentence count half
COURTESY_WEIGHT, COURTESY_SLACK = 0.1, 6  # a "감사합니다." sentence after a request
URGENT_CHARS = 600  # past this many characters, damped urgency needs sqrt(chars / 600) weight
NEGATED_POSITIVE = -0.5  # "친절하지 않" is mildly negative; a negated negative counts zero
NEGATION_REACH = 12  # characters back from a negated praise word that its negation covers

_SPACE_RE = "[ \\t\\u00a0\\u3000]*"
_NOT_END = r"[^\s.!?\n。！？…]"
_NEG_AFTER = re.compile(
    rf"{_SPACE_RE}{_NOT_END}{{0,4}}(?:지|진|치){_SPACE_RE}(?:는|도|를|가|조차)?{_SPACE_RE}"
    rf"(?:않|안[ \t]|못|말)"
    rf"|{_SPACE_RE}{_NOT_END}{{0,3}}{_SPACE_RE}(?:수|줄|리){_SPACE_RE}(?:가|도|는|조차)?"
    rf"{_SPACE_RE}없"
    rf"|{_NOT_END}{{0,2}}?(?:(?:이|가|은|는|도|조차)?{_SPACE_RE}"
    rf"(?:없|안{_SPACE_RE}[되돼됩]|못{_SPACE_RE}하)|(?:이|가){_SPACE_RE}아[니닌닙님])"
)


@dataclass(frozen=True, slots=True)
class Tone:
    """The tone of one text. ``sentiment`` is in [-1, 1] (negative = dissatisfied), ``anger``
    and ``distress`` in [0, 1], all rounded to 4 places. ``flags`` summarises them ("angry",
    "distress", "profanity", "sarcasm", "escalation", "urgent:<kind>" or, below the urgency
    bar, "safety:<kind>"). ``evidence`` lists the lexicon terms found, in order, profanity
    masked (씨*)."""

    sentiment: float
    anger: float
    distress: float
    urgent: bool
    safety_terms: tuple[str, ...]
    safety_kinds: tuple[str, ...]
    flags: tuple[str, ...]
    label: Label
    evidence: tuple[str, ...] = ()


@dataclass(slots=True)
class _Clause:
    hits: list[tuple[Entry, float, bool, int]] = field(default_factory=list)  # …, negated, end
    request: bool = False
    contrast_at: int = 0  # hits before this index precede a contrast (…지만)
    boost: float = 1.0
    boost_end: int = -1
    begin: int = 0  # where the clause starts in the text


@dataclass(slots=True)
class _Totals:
    pos: float = 0.0
    neg: float = 0.0
    anger: float = 0.0
    distress: float = 0.0
    hits: int = 0
    covered: int = 0
    courtesy: float = 0.0  # stand-alone thanks, weighed once the whole text is read
    asks: bool = False  # the text has a request marker
    urgency: float = 0.0  # safety weight, needs more evidence in long texts
    undamped: float = 0.0  # safety weight that raises a voice of any length
    safety: dict[str, float] = field(default_factory=dict)
    safety_terms: dict[str, None] = field(default_factory=dict)
    flags: dict[str, None] = field(default_factory=dict)
    evidence: list[str] = field(default_factory=list)


def _mask(term: str) -> str:
    return term[0] + "*" * (len(term) - 1)


def _close(clause: _Clause, punct: str, size: int, t: _Totals) -> None:
    """Add a finished clause of ``size`` characters to the totals; ``punct`` ended it."""
    if not clause.hits and len(punct) < 2:
        return
    bangs = punct.count("!") + punct.count("！") if len(punct) > 1 else 0
    asks = punct.count("?") + punct.count("？") if len(punct) > 1 else 0
    amp = BANG_BOOST if bangs >= 2 else 1.0
    clause_sentiment = 0.0
    for i, (entry, factor, negated, _) in enumerate(clause.hits):
        gain = factor * amp * (CONTRAST_BEFORE if i < clause.contrast_at else 1.0)
        value = entry.sentiment * gain
        if value > 0 and entry.requestable and clause.request:
            value = 0.0
        if negated:
            value = value * NEGATED_POSITIVE if value > 0 else 0.0
        elif value > 0 and entry.courtesy and size <= len(entry.term) + COURTESY_SLACK:
            t.courtesy += value  # "감사합니다." alone: politeness, unless nothing was asked
            continue
        else:
            t.anger += entry.anger * gain
            t.distress += entry.distress * gain
            if entry.flag:
                t.flags[entry.flag] = None
        clause_sentiment += value
        t.pos, t.neg = t.pos + max(value, 0.0), t.neg + max(-value, 0.0)
    if amp > 1.0 and clause_sentiment < 0:
        t.anger += BANG_ANGER
    if asks >= 2 or (asks and bangs):
        t.neg += QUESTION_SENTIMENT
        t.anger += QUESTION_ANGER


def _negated(text: str, start: int, end: int) -> bool:
    """Negation right after the term (…하지 않, …할 수 없) or right before it (안 …)."""
    if _NEG_AFTER.match(text, end):
        return True
    return _negation_before(text, start)


def _negation_before(text: str, start: int) -> bool:
    """A word 안/못 standing alone before ``start``, with spaces or tabs (not a line break)
    between: however many spaces, and whatever came before that word's own line."""
    gap = start
    while gap > 0 and text[gap - 1] in " \t":
        gap -= 1
    if gap == start or gap == 0 or text[gap - 1] not in "안못":
        return False
    return gap == 1 or not ("\uac00" <= text[gap - 2] <= "\ud7a3")


def _sentiment(t: _Totals, calm_excess: float) -> float:
    """(P - N) / (P + N + prior + damping): appending a clause that adds weight k to N (or P)
    and at most CALM_PER_HIT calm characters per hit can only move the score down (or up)."""
    return (t.pos - t.neg) / (t.pos + t.neg + SENTIMENT_PRIOR + calm_excess)


class ToneAnalyzer:
    """Compiled tone lexicon: the shipped one, plus an agency's ``extra_lexicon`` file whose
    terms are added to (or replace) the shipped ones. Build once and reuse; thread-safe."""

    def __init__(self, extra_lexicon: Path | str | None = None, *, base: Path | str | None = None):
        self._lexicon = load(extra_lexicon, base=base)

    @property
    def size(self) -> int:
        """Number of surface forms (after [..] expansion), exclusion phrases included."""
        return len(self._lexicon.entries)

    def analyse(self, text: str) -> Tone:
        """The tone of one text (any string: empty, huge, HTML, emoji, NUL are all fine)."""
        if not isinstance(text, str):
            raise TypeError(f"analyse_tone expects str, not {type(text).__name__}")
        if not unicodedata.is_normalized("NFC", text):
            text = unicodedata.normalize("NFC", text)
        totals = self._scan(text)
        chars = len(text) - sum(map(text.count, " \n\t\r\u3000"))
        excess = CALM_DAMPING * max(0, chars - totals.covered - CALM_PER_HIT * totals.hits)
        return _result(totals, _sentiment(totals, excess), excess, _urgent(totals, chars))

    def analyse_many(self, texts: Iterable[str]) -> list[Tone]:
        return [self.analyse(text) for text in texts]

    def mask_profanity(self, text: str) -> str:
        """The text with every profanity term masked (first character kept: 씨**)."""
        parts, last = [], 0
        for start, end, found, entry in self._lexicon.scan(text):
            if entry is not None and entry.role == "profanity":
                parts += [text[last:start], _mask(found)]
                last = end
        return "".join(parts) + text[last:]

    def _scan(self, text: str) -> _Totals:
        totals, clause = _Totals(), _Clause()
        for start, end, found, entry in self._lexicon.scan(text):
            if entry is None:  # a sentence boundary
                totals.covered += len(found) - found.count("\n")
                _close(clause, found, start - clause.begin, totals)
                if clause.hits or clause.request or clause.boost_end >= 0:
                    clause = _Clause()
                clause.begin = end
                continue
            totals.covered += end - start - found.count(" ")
            _hit(entry, text, start, end, clause, totals)
        _close(clause, "", len(text) - clause.begin, totals)
        totals.pos += totals.courtesy * (COURTESY_WEIGHT if totals.asks else 1.0)
        return totals


def _hit(entry: Entry, text: str, start: int, end: int, clause: _Clause, t: _Totals) -> None:
    """Account for one lexicon term found at text[start:end]."""
    if entry.role == "intensifier":
        near = clause.boost_end >= 0 and start - clause.boost_end <= INTENSIFIER_GAP
        clause.boost = min(INTENSIFIER_CAP, (clause.boost if near else 1.0) * entry.factor)
        clause.boost_end = end
        return
    if entry.role == "request":
        clause.request = t.asks = True
        return
    if entry.role == "contrast":
        clause.contrast_at = len(clause.hits)
        return
    negated = _negated(text, start, end)
    if entry.role == "safety" and not negated and entry.term not in t.safety_terms:
        t.safety[entry.group] = t.safety.get(entry.group, 0.0) + entry.weight
        if entry.damped:
            t.urgency += entry.weight
        else:
            t.undamped += entry.weight
        t.safety_terms[entry.term] = None
    if entry.moves_scores:
        near = clause.boost_end >= 0 and start - clause.boost_end <= INTENSIFIER_GAP
        if negated and entry.sentiment > 0:
            _negate_modifiers(clause, start)
        clause.hits.append((entry, clause.boost if near else 1.0, negated, end))
        clause.boost_end = -1
        t.hits += 1
        if entry.role == "profanity":
            t.flags["profanity"] = None
        t.evidence.append(_mask(entry.term) if entry.role == "profanity" else entry.term)


def _negate_modifiers(clause: _Clause, start: int) -> None:
    """A negated predicate also negates the praise that leads up to it in its phrase:
    "친절한 응대에 감사할 수가 없" negates 친절 as well as 감사."""
    for i, (entry, factor, negated, end) in enumerate(clause.hits):
        if not negated and entry.sentiment > 0 and start - end <= NEGATION_REACH:
            clause.hits[i] = (entry, factor, True, end)


def _urgent(t: _Totals, chars: int) -> bool:
    """Safety weight 1 raises a voice; past URGENT_CHARS characters the damped kinds need
    more (a long essay that mentions 폭력 once is not an emergency report; self-harm is)."""
    need = URGENT_AT * max(1.0, (chars / URGENT_CHARS) ** 0.5)
    return t.undamped >= URGENT_AT or t.undamped + t.urgency >= need


def _result(t: _Totals, sentiment: float, excess: float, urgent: bool) -> Tone:
    anger = t.anger / (t.anger + EMOTION_PRIOR + excess)
    distress = t.distress / (t.distress + EMOTION_PRIOR + excess)
    kinds = tuple(sorted(t.safety, key=lambda k: -t.safety[k]))
    flags = ["angry"] if anger >= ANGRY_AT else []
    flags += ["distress"] if distress >= DISTRESS_AT else []
    flags += list(t.flags)
    flags += [("urgent:" if urgent else "safety:") + kind for kind in kinds]
    return Tone(
        sentiment=round(sentiment, 4),
        anger=round(anger, 4),
        distress=round(distress, 4),
        urgent=urgent,
        safety_terms=tuple(t.safety_terms),
        safety_kinds=kinds,
        flags=tuple(flags),
        label=_label(sentiment, anger, "profanity" in t.flags),
        evidence=tuple(dict.fromkeys(t.evidence)),
    )


def _label(sentiment: float, anger: float, profanity: bool) -> Label:
    if sentiment < 0 and (anger >= ANGRY_AT or profanity):
        return "angry"
    if sentiment <= NEGATIVE_AT:
        return "negative"
    return "positive" if sentiment >= POSITIVE_AT else "neutral"


@lru_cache(maxsize=1)
def default_analyzer() -> ToneAnalyzer:
    """The shipped lexicon, compiled once per process."""
    return ToneAnalyzer()


def analyse_tone(text: str) -> Tone:
    """The tone of ``text`` with the shipped lexicon."""
    return default_analyzer().analyse(text)


def analyse_many(texts: Iterable[str]) -> list[Tone]:
    """The tone of each text, in order."""
    return default_analyzer().analyse_many(texts)


def mask_profanity(text: str) -> str:
    """``text`` with profanity masked, using the shipped lexicon."""
    return default_analyzer().mask_profanity(text)
