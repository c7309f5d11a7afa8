"""Finding candidate spans of personal data in normalised text: the windows around digit
clusters worth scanning, one detector per kind (with checks such as Luhn, banking words or
court case numbers) and the names the caller marks. Overlaps are resolved by the caller."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from functools import lru_cache

from minwon.analysis.pii_patterns import (
    _ACCOUNT,
    _ACCOUNT_CONTEXT,
    _ADMIN_CONTEXT,
    _CARD,
    _CARD_ISSUER,
    _COMPOUND_SURNAMES,
    _COURT_AFTER,
    _COURT_BEFORE,
    _DETAIL,
    _EMAIL,
    _FOLD,
    _HANGUL_NAME,
    _HONORIFIC,
    _LOT_ADDRESS,
    _MONEY_AFTER,
    _NON_DIGIT,
    _NOT_DONG,
    _NOT_ROAD_ENDINGS,
    _NOT_ROAD_WORDS,
    _PHONE,
    _PLACE_AFTER,
    _PLATE,
    _PLATE_LETTERS,
    _ROAD_ADDRESS,
    _RRN,
    Kind,
)

# --- windows: only the text around digit clusters is scanned -------------------------------

Span = tuple[Kind, int, int]
Window = tuple[int, int]
Detector = Callable[[str, list[Window]], Iterator[Span]]

# Eight or more digits with at most four separators between neighbours: where phone, resident,
# card and account numbers can be. Separators never match a digit, so this runs in linear time.
_LONG_NUMBER = re.compile(r"[0-9](?:[()+ .*\-]{0,4}[0-9*]){7,}")
# A digit next to the Hangul that plates and addresses need (12가3456; 101동, 3층, 302호; 로 123;
# 동 123-4). It starts with one character class, which the regex engine scans for quickly.
_NEAR_HANGUL = re.compile(
    r"[0-9로길동리가산](?:"
    rf"(?<=[0-9])(?=(?P<plate>[0-9]{{1,2}}[ ]?[{_PLATE_LETTERS}][ ]?[0-9]{{4}})"
    r"|(?P<detail>[동층호]|[ ]?번지))"
    r"|(?<=[로길동리가산])(?=(?P<address>[ ]?[1-9])(?![0-9]{0,3}[,.:/][ ]?[0-9])))"
)
_MARGINS = {"long": (8, 4), "plate": (8, 16), "address": (30, 30)}  # (before, after)


def _merge(windows: Iterable[Window]) -> list[Window]:
    merged: list[Window] = []
    for start, end in sorted(windows):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def _windows(norm: str) -> dict[str, list[Window]]:
    """Where long numbers (phone, resident, card, account), plates and detailed addresses may
    be, so that a text with only dates and amounts is barely scanned."""
    size = len(norm)
    found: dict[str, list[Window]] = {"long": [], "plate": [], "address": []}
    for source, pattern in (("long", _LONG_NUMBER), ("near", _NEAR_HANGUL)):
        for m in pattern.finditer(norm):
            key = source if source == "long" else "plate" if m["plate"] else "address"
            before, after = _MARGINS[key]
            found[key].append((max(0, m.start() - before), min(size, m.end() + after)))
    return {key: _merge(windows) for key, windows in found.items()}


# --- detectors: each yields (kind, start, end) on the normalised text -------------------------


# A window bounds where a match may start, not what it may see: a match that starts in the
# window reads on past its end (its look-aheads too, so "로 1000.1%" is a decimal, not a building
# number cut off at the window's edge). No pattern's match with its look-ahead is this long.
_TAIL = 96


def _matches(pattern: re.Pattern[str], norm: str, windows: list[Window]) -> Iterator[re.Match[str]]:
    size = len(norm)
    for start, end in windows:
        for m in pattern.finditer(norm, start, min(size, end + _TAIL)):
            if m.start() >= end:
                break
            yield m


def _plain(kind: Kind, pattern: re.Pattern[str]) -> Detector:
    def detect(norm: str, windows: list[Window]) -> Iterator[Span]:
        for m in _matches(pattern, norm, windows):
            yield kind, m.start(), m.end()

    return detect


def _luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch) * (2 if i % 2 else 1)
        total += d - 9 if d > 9 else d
    return total % 10 == 0 and len(set(digits)) > 1


def _cards(norm: str, windows: list[Window]) -> Iterator[Span]:
    for m in _matches(_CARD, norm, windows):
        digits = _NON_DIGIT.sub("", m.group())
        if len(digits) == len(m.group()) and _MONEY_AFTER.match(norm, m.end()):
            continue  # 13+ bare digits and 원: a budget, not a card
        if 13 <= len(digits) <= 19 and _CARD_ISSUER.match(digits) and _luhn_ok(digits):
            yield "card", m.start(), m.end()


def _accounts(norm: str, windows: list[Window]) -> Iterator[Span]:
    for m in _matches(_ACCOUNT, norm, windows):
        digits = len(_NON_DIGIT.sub("", m.group()))
        if 10 <= digits <= 16 and _ACCOUNT_CONTEXT.search(
            norm, max(0, m.start() - 25), min(len(norm), m.end() + 15)
        ):
            yield "account", m.start(), m.end()


def _rrns(norm: str, windows: list[Window]) -> Iterator[Span]:
    for m in _matches(_RRN, norm, windows):
        bare = m["sep"] is None
        if bare and _ACCOUNT_CONTEXT.search(norm, max(0, m.start() - 12), m.start()):
            continue  # 13 bare digits right after 계좌/은행 are an account number
        yield "rrn", m.start(), m.end()


def _plates(norm: str, windows: list[Window]) -> Iterator[Span]:
    for m in _matches(_PLATE, norm, windows):
        start, end = m.span()
        court = _COURT_BEFORE.search(norm, max(0, start - 12), start) or _COURT_AFTER.match(
            norm, end
        )
        if not court:
            yield "plate", start, end


def _admin_before(norm: str, pos: int) -> bool:
    return _ADMIN_CONTEXT.search(norm, max(0, pos - 40), pos) is not None


def _in_brackets(norm: str, start: int, end: int) -> bool:
    return norm[start - 1 : start] == "(" and norm[end : end + 1] == ")"


def _road_addresses(norm: str, windows: list[Window]) -> Iterator[Span]:
    """Road name + building number (+ 동/층/호): keep the road, mask what follows it, when the
    road looks like one: a 길 or numbered 길, 동/층/호 after, an address before (서울 구로구),
    a place word after (소재, 앞, 건물) or the whole in brackets ((체육관로 28))."""
    for m in _matches(_ROAD_ADDRESS, norm, windows):
        road, start, end = m["road"], m.start("num"), m.end()
        if road in _NOT_ROAD_WORDS or road.endswith(_NOT_ROAD_ENDINGS):
            continue
        if (
            road.endswith("길")
            or m["sub"]
            or m["detail"]
            or _admin_before(norm, start)
            or _PLACE_AFTER.match(norm, end)
            or _in_brackets(norm, m.start(), end)
        ):
            yield "address_detail", start, end


def _lot_addresses(norm: str, windows: list[Window]) -> Iterator[Span]:
    for m in _matches(_LOT_ADDRESS, norm, windows):
        if m["dong"] in _NOT_DONG:
            continue
        if m["bunji"] or "-" in m["num"] or _admin_before(norm, m.start("num")):
            yield "address_detail", m.start("num"), m.end()


_emails = _plain("email", _EMAIL)
_DETECTORS: tuple[tuple[str, Detector], ...] = (
    ("long", _rrns),
    ("long", _cards),
    ("long", _plain("phone", _PHONE)),
    ("long", _accounts),
    ("plate", _plates),
    ("address", _road_addresses),
    ("address", _lot_addresses),
    ("address", _plain("address_detail", _DETAIL)),
)


# --- names ----------------------------------------------------------------------------------


def _name_variants(name: str) -> list[str]:
    """Regex alternatives for one marked name: the full name (spaces between syllables
    allowed) and, for a Korean full name, the given name before an honorific (길동씨)."""
    if not _HANGUL_NAME.fullmatch(name):
        words = [re.escape(word) for word in name.split()]
        return [r"(?<![A-Za-z0-9])(?i:" + "[ ]+".join(words) + r")(?![A-Za-z0-9])"]
    variants = ["[ ]?".join(name)]
    given = name[2:] if name.startswith(_COMPOUND_SURNAMES) and len(name) >= 4 else name[1:]
    if len(name) >= 3 and len(given) >= 2:
        variants.append(given + _HONORIFIC)
    return variants


@lru_cache(maxsize=512)
def _name_pattern(names: tuple[str, ...]) -> re.Pattern[str] | None:
    variants = [v for name in names for v in _name_variants(name)]
    if not variants:
        return None
    return re.compile("|".join(sorted(variants, key=len, reverse=True)))


def _clean_names(names: Iterable[str]) -> tuple[str, ...]:
    """Fold, trim and de-duplicate marked names; drop ones under two characters, which would
    mask every occurrence of a common syllable."""
    if isinstance(names, str):
        names = (names,)
    names = names or ()
    cleaned = {" ".join(str(n).translate(_FOLD).split()) for n in names if n is not None}
    return tuple(sorted(n for n in cleaned if len(n) >= 2))


def _names(norm: str, names: tuple[str, ...]) -> Iterator[Span]:
    pattern = _name_pattern(names) if names else None
    if pattern is not None:
        for m in pattern.finditer(norm):
            yield "name", m.start(), m.end()


def _detect(norm: str, names: tuple[str, ...], *, windowed: bool = True) -> Iterator[Span]:
    """Every candidate span; ``windowed=False`` scans the whole text (same result, slower)."""
    if "@" in norm:
        yield from _emails(norm, [(0, len(norm))])
    everywhere = [(0, len(norm))]
    windows = _windows(norm) if windowed else {}
    for key, detect in _DETECTORS:
        yield from detect(norm, windows.get(key, everywhere))
    yield from _names(norm, names)
