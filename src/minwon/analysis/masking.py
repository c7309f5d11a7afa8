"""Mask personal data in Korean voice text before analysis, export or HQ views.

Pure functions over strings: no database, no network, only precompiled ``re`` patterns that run
in linear time. Matching happens on a same-length normalised copy of the text (full-width
characters, dash and space variants folded to ASCII), so every offset found is an offset into
the original text, and every character outside a masked span is returned unchanged.

Each kind of personal data is replaced by a fixed token (``[전화번호]`` ...) so analysis still
sees that something was there. Only names the caller passes are masked; names are never guessed.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from minwon.analysis.pii_detectors import Span, Window, _clean_names, _detect, _merge
from minwon.analysis.pii_patterns import (
    _FOLD,
    _FOLDABLE,
    _HOST_CHARS,
    _TOKEN,
    _URL,
    TOKENS,
    Kind,
)

# The patterns live in pii_patterns and the detectors in pii_detectors; this module resolves
# overlapping candidates and renders the masked text.
__all__ = ["TOKENS", "Finding", "Kind", "MaskResult", "mask", "mask_text"]

# When two candidates overlap, the kind listed first wins (an e-mail address may contain a
# phone-like number; a 13-digit resident number may pass the card checksum).
_ORDER: tuple[Kind, ...] = (
    "email",
    "rrn",
    "card",
    "phone",
    "account",
    "plate",
    "address_detail",
    "name",
)
_PRIORITY: dict[Kind, int] = {kind: rank for rank, kind in enumerate(_ORDER)}


@dataclass(frozen=True, slots=True)
class Finding:
    """One masked span: its kind and its [start, end) offsets in the original text."""

    kind: Kind
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class MaskResult:
    """The masked text and what was masked (kinds and offsets only, never the values)."""

    text: str
    found: tuple[Finding, ...]


# --- resolving overlaps and rendering -------------------------------------------------------


def _urls(norm: str) -> Iterator[Window]:
    if "/" not in norm and "www." not in norm:
        return
    for m in _URL.finditer(norm):
        start = m.start()
        if norm[start] == ".":  # a bare host such as news.v.daum.net/v/2020...: find its start
            while start and norm[start - 1] in _HOST_CHARS:
                start -= 1
            if start == m.start():
                continue
        if not (start and norm[start - 1] == "@"):  # the path of an e-mail domain
            yield start, m.end()


def _resolve(norm: str, spans: Iterable[Span]) -> list[Finding]:
    """Keep candidates by priority (then leftmost, then longest) that overlap nothing kept,
    no token already in the text (so masking masked text changes nothing) and no web address.
    """
    blocked = sorted([m.span() for m in _TOKEN.finditer(norm)] + list(_urls(norm)))
    kept: list[tuple[int, int, Kind | None]] = [(a, b, None) for a, b in _merge(blocked)]
    starts = [start for start, _, _ in kept]
    for _, start, neg_end, kind in sorted((_PRIORITY[k], s, -e, k) for k, s, e in spans):
        end = -neg_end
        i = bisect_right(starts, start)
        if (i and kept[i - 1][1] > start) or (i < len(kept) and kept[i][0] < end):
            continue
        starts.insert(i, start)
        kept.insert(i, (start, end, kind))
    return [Finding(kind, start, end) for start, end, kind in kept if kind is not None]


def _render(text: str, found: list[Finding]) -> str:
    parts: list[str] = []
    pos = 0
    for f in found:
        parts.append(text[pos : f.start])
        parts.append(TOKENS[f.kind])
        pos = f.end
    parts.append(text[pos:])
    return "".join(parts)


def _to_original(found: list[Finding], extra: list[Finding]) -> list[Finding]:
    """Move findings in the masked text (rendered from ``found``) back onto original offsets."""
    token_starts: list[int] = []
    shifts: list[int] = []
    shift = 0
    for f in found:
        token_starts.append(f.start - shift)
        shift += f.end - f.start - len(TOKENS[f.kind])
        shifts.append(shift)
    moved = []
    for x in extra:
        i = bisect_right(token_starts, x.start)
        delta = shifts[i - 1] if i else 0
        moved.append(Finding(x.kind, x.start + delta, x.end + delta))
    return moved


_MAX_ROUNDS = 8  # one extra round is the most seen in practice; the cap keeps time linear


def _settle(norm: str, names: tuple[str, ...], found: list[Finding]) -> list[Finding]:
    """Also mask what masking uncovers (a number that touched a masked one and so did not
    match), until nothing new turns up: masking masked text then changes nothing."""
    for _ in range(_MAX_ROUNDS):
        if not found:
            break
        masked = _render(norm, found)
        extra = _resolve(masked, _detect(masked, names))
        if not extra:
            break
        found = sorted(found + _to_original(found, extra), key=lambda f: f.start)
    return found


# --- public API -----------------------------------------------------------------------------


def mask(text: str, *, names: Iterable[str] = ()) -> MaskResult:
    """Replace personal data in ``text`` by one token per kind and say where it was.

    Detects resident/foreigner registration numbers, phone numbers (mobile, landline, 15xx
    numbers, 050x safe numbers, +82 forms), e-mail addresses, Luhn-valid card numbers, bank
    account numbers next to banking words, vehicle plates, the detailed part of addresses
    (building/lot numbers, 동/층/호; the road or 동 name stays for place analysis) and the
    given ``names`` (only those: names are never guessed). Dates, times, money, counts, law
    articles, ledger numbers and postal codes stay. Offsets in ``found`` index ``text``.
    """
    if not isinstance(text, str):
        raise TypeError(f"mask() needs a str, not {type(text).__name__}")
    norm = text.translate(_FOLD) if _FOLDABLE.search(text) else text
    marked = _clean_names(names)
    found = _settle(norm, marked, _resolve(norm, _detect(norm, marked)))
    return MaskResult(text=_render(text, found), found=tuple(found))


def mask_text(text: str, *, names: Iterable[str] = ()) -> str:
    """The masked text alone, for callers that need no offsets (exports, HQ views)."""
    return mask(text, names=names).text
