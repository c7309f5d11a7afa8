"""Mask personal data in Korean voice text before analysis, export or HQ views.

Pure functions over strings: no database, no network, only precompiled ``re`` patterns that run
in linear time. Matching happens on a same-length normalised copy of the text (full-width
characters, dash and space variants folded to ASCII), so every offset found is an offset into
the original text, and every character outside a masked span is returned unchanged.

Each kind of personal data is replaced by a fixed token (``[전화번호]`` ...) so analysis still
sees that something was there. Only names the caller passes are masked; names are never guessed.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from types import MappingProxyType
from typing import Literal

__all__ = ["TOKENS", "Finding", "Kind", "MaskResult", "mask", "mask_text"]

Kind = Literal["email", "rrn", "card", "phone", "account", "plate", "address_detail", "name"]

TOKENS: MappingProxyType[Kind, str] = MappingProxyType(
    {
        "rrn": "[주민번호]",
        "phone": "[전화번호]",
        "email": "[이메일]",
        "card": "[카드번호]",
        "account": "[계좌번호]",
        "plate": "[차량번호]",
        "address_detail": "[상세주소]",
        "name": "[이름]",
    }
)

# When two candidates overlap, the kind listed first wins (an e-mail address may contain a
# phone-like number; a 13-digit resident number may pass the card checksum).
_PRIORITY: dict[Kind, int] = {
    kind: rank
    for rank, kind in enumerate(
        ("email", "rrn", "card", "phone", "account", "plate", "address_detail", "name")
    )
}


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


# --- normalisation (one character in, one character out) ------------------------------------


def _fold_table() -> dict[int, str]:
    table = {cp: chr(cp - 0xFEE0) for cp in range(0xFF01, 0xFF5F)}  # full-width ASCII
    candidates = "".join(map(chr, (*range(0x80, 0x10000), *range(0x1D7CE, 0x1D800))))
    for ch in re.findall(r"\d", candidates):  # decimal digits of every script
        table[ord(ch)] = str(unicodedata.decimal(ch))
    for ch in "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\u3161\u1173":  # ㅡ too
        table[ord(ch)] = "-"
    for ch in "\u00b7\u2027\u30fb\uff65":  # middle dots used between digit groups
        table[ord(ch)] = "."
    spaces = "\t\u00a0\u1680\u200b\u202f\u205f\u3000\ufeff" + "".join(
        chr(cp) for cp in range(0x2000, 0x200B)
    )
    for ch in spaces:
        table[ord(ch)] = " "
    return table


_FOLD = _fold_table()


def _char_class(codepoints: Iterable[int]) -> str:
    """A compact regex class (runs of code points become ranges)."""
    runs: list[list[int]] = []
    for cp in sorted(codepoints):
        if runs and cp == runs[-1][1] + 1:
            runs[-1][1] = cp
        else:
            runs.append([cp, cp])
    return "[" + "".join(f"\\U{a:08x}-\\U{b:08x}" for a, b in runs) + "]"


_FOLDABLE = re.compile(_char_class(_FOLD))

# --- patterns ---------------------------------------------------------------------------------

_NUM_START = r"(?<![0-9A-Za-z])(?<![0-9][-.])"  # not the tail of a longer number or word
_NUM_END = r"(?![0-9])(?![-.][0-9])"  # not the head of a longer number
_NOT_MONEY = r"(?![ ]?[원만천억조])"
_SEP = r"(?:[ ]?[-.][ ]?|[ ]{1,2})?"

_RRN = re.compile(
    _NUM_START
    + r"[0-9]{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12][0-9]|3[01])"  # yymmdd, loosely valid
    + r"(?P<sep>[ ]?-[ ]?|[ ])?"
    + r"(?:[1-8](?:[0-9]{6}|\*{6})|\*{7})"  # gender digit 1-8 (5-8: foreigners), or starred
    + r"(?![0-9*])(?![-.][0-9])"
)

_AREA = r"(?:1[016789]|2|3[1-3]|4[1-4]|5[1-5]|6[1-4]|70|50[2-8])"  # mobile, area, VoIP, 050x
_PHONE = re.compile(
    r"(?<![0-9A-Za-z+])(?<![0-9][-.])"
    r"(?:"
    rf"(?:(?:(?:\+|00)[ ]?)?82[ ]?[-.]?[ ]?(?:\(0\)[ ]?|0)?{_AREA}|\(0{_AREA}\)|0{_AREA}\)?)"
    + _SEP
    + r"[0-9]{3,4}"
    + _SEP
    + r"[0-9]{4}"
    r"|(?:15(?:44|66|77|88|99)|16(?:00|44|61|66|70|88)|18(?:11|33|55|77|99))"
    r"(?:[ ]?-[ ]?|[ ])[0-9]{4}"
    r")(?![ ]?년)" + _NUM_END
)

_EMAIL = re.compile(
    r"(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]+@"
    r"[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,24}(?![A-Za-z0-9-])"
)

_CARD = re.compile(
    _NUM_START
    + r"(?:[0-9]{4}(?P<s>[ -]?)[0-9]{4}(?P=s)[0-9]{4}(?P=s)[0-9]{1,4}(?:(?P=s)[0-9]{3})?"
    + r"|[0-9]{4}[ -][0-9]{6}[ -][0-9]{4,5})"
    + _NUM_END
)
_MONEY_AFTER = re.compile(_NOT_MONEY.replace("(?!", "(?=", 1))

# Issuer prefixes of cards used in Korea: Amex/JCB/Diners 3, Visa 4, Master 5 and 2221-2720,
# Discover/UnionPay 6, domestic 9. Rules out rows of years (2015 2016 2017 2018) and ids (2020...).
_CARD_ISSUER = re.compile(r"[34569]|2(?:22[1-9]|2[3-9][0-9]|[3-6][0-9]{2}|7[01][0-9]|720)")

_ACCOUNT = re.compile(
    _NUM_START
    + r"(?:[0-9]{2,6}-[0-9]{2,6}-[0-9]{1,7}(?:-[0-9]{1,3})?|[0-9]{10,14})"
    + _NUM_END
    + _NOT_MONEY
)
_ACCOUNT_CONTEXT = re.compile(
    r"계좌|은행|입금|통장|송금|이체|예금주|뱅크|농협|신협|수협|우체국|새마을금고|신한|KB국민|"
    r"(?i:bank|account|KB|NH|IBK|SC제일|씨티)"
)

_PLATE_REGIONS = (
    "서울|부산|대구|인천|광주|대전|울산|세종|경기|강원|충북|충남|전북|전남|경북|경남|제주"
)
_PLATE_LETTERS = (
    "가나다라마거너더러머버서어저고노도로모보소오조구누두루무부수우주아바사자배하허호육해공국합"
)
_PLATE = re.compile(
    rf"(?:(?:{_PLATE_REGIONS})[ ]?)?(?<![0-9])(?<![0-9][-.,])"
    rf"[0-9]{{2,3}}[ ]?[{_PLATE_LETTERS}][ ]?[0-9]{{4}}" + _NUM_END + _NOT_MONEY
)

# Court case numbers look like plates (대법원 1983. 12. 13. 선고 83도2330 판결).
_COURT_BEFORE = re.compile(r"선고|법원|판결|판례")
_COURT_AFTER = re.compile(r"[ ]?(?:판결|결정|사건|전원합의체)")

# After a building or lot number: not a counter (3명, 5분), unit (km), date or money; a particle
# such as 에/의 or a place word is fine.
_ADDR_END = (
    r"(?![-.,:/~][ ]?[0-9])(?![ ]?[%‰°℃\u3380-\u33ff원만천억조])"
    r"(?=$|[^0-9A-Za-z가-힣]|에|의|번지|앞|쪽|뒤|옆|근처|인근|부근|건물|빌딩|아파트)"
)
_DETAIL_ITEM = r"(?:[A-Za-z]?[0-9]{1,4}동|(?:지하[ ]?)?[A-Za-z]?[0-9]{1,3}층|[A-Za-z]?[0-9]{1,5}호)"
_ROAD_ADDRESS = re.compile(
    r"(?<![가-힣])(?P<road>[가-힣]{1,12}(?:대로|로|길))"
    r"(?P<sub>[ ]?[0-9]{1,4}(?:번|[가-힣])?길)?[ ]?"
    r"(?P<num>(?:지하[ ]?)?[1-9][0-9]{0,3}(?:-[1-9][0-9]{0,3})?)(?![0-9])(?!-[0-9])"
    rf"(?P<detail>(?:[ ,]{{0,2}}{_DETAIL_ITEM}(?![0-9]))*)" + _ADDR_END
)
_LOT_ADDRESS = re.compile(
    r"(?<![가-힣])(?P<dong>[가-힣]{1,8}(?:[0-9]{1,2}가|[0-9]{0,2}(?:동|리)))[ ]?"
    r"(?P<num>(?:산[ ]?)?[1-9][0-9]{0,3}(?:-[1-9][0-9]{0,3})?(?P<bunji>[ ]?번지)?)"
    r"(?![0-9])(?!-[0-9])" + _ADDR_END
)
# 동 and 호 of a home (101동 1203호, 3층 302호, 1504호) or a lot (97번지); not a document, law
# or heritage number (제2020-701호, 갑 제3호증, 국보 285호), a count of homes (242호 중) or a
# subway line (3호선).
_DETAIL = re.compile(
    r"(?<![0-9A-Za-z가-힣~\-.,])(?<!제 )(?<!- )(?<!국보 )(?<!보물 )(?:"
    r"[A-Za-z]?[0-9]{1,4}동[ ]?(?:[A-Za-z]?[0-9]{1,5}호|[0-9]{1,3}층(?:[ ]?[0-9]{1,5}호)?)"
    r"|(?:지하[ ]?)?[0-9]{1,3}층[ ]?[0-9]{1,5}호"
    r"|[1-9][0-9]{2,3}호(?![선기차점실봉증])"
    r"|(?:산[ ]?)?[1-9][0-9]{0,3}(?:-[1-9][0-9]{0,3})?[ ]?번지"
    r")(?![0-9])(?![ ]?(?:중|가구|규모|세대|이상|이하|미만|초과|정도|증))"
)
# An address before the road or 동 name: a province or big city, or a city/county followed by a
# district (수원시 장안구), or a district followed by a road or 동 (구로구 구로동로). Words such
# as 당시, 친구 or 요구 alone are not enough.
_ADMIN_CONTEXT = re.compile(
    rf"(?<![가-힣])(?:{_PLATE_REGIONS})(?:특별시|광역시|특별자치시|특별자치도|도|시)?[ ,]"
    r"|[가-힣]{1,4}(?:특별시|광역시|특별자치시|특별자치도)[ ,]"
    r"|[가-힣]{1,4}[시군][ ][가-힣]{1,4}[구읍면동][ ,]"
    r"|[가-힣]{1,4}구[ ][가-힣]{1,12}(?:로|길|동|리|가)"
)
# Right after a building number, words that say "this is a place" (대명로 81 소재, 동일로 1633
# (롯데슈퍼)). Particles such as 에 are not enough: "들은 토대로 1366에 상담".
_PLACE_AFTER = re.compile(r"[ ]?(?:\(|번지|소재|일대|일원|앞|근처|인근|부근|건물|빌딩|아파트|상가)")
# Words ending in 로/길 that are not road names: adverbs and conjunctions (그러므로), "by means
# of" (버스로, 이유로 ...으로), "according to" (토대로, 예정대로), verbs (넘어지길), kinds of way.
_NOT_ROAD_ENDINGS = (
    "으로", "므로", "버스로", "택시로", "전화로", "문자로", "메일로", "도보로", "도로", "통로",
    "경로", "차로", "선로", "회로", "항로", "진로", "철로", "활주로", "별로", "토대로",
    "예정대로", "규정대로", "원칙대로", "법대로", "말대로", "생각대로", "순서대로", "계획대로",
    "지시대로", "약속대로", "요청대로", "기준대로", "절차대로", "내용대로", "사실대로", "뜻대로",
    "는대로", "은대로", "한대로", "된대로", "던대로", "할대로", "될대로", "출근길", "퇴근길",
    "등굣길", "하굣길", "귀갓길", "귀가길", "산책길", "지름길", "오르막길", "내리막길", "지길",
    "하길", "되길",
)  # fmt: skip
_NOT_ROAD_WORDS = frozenset(
    "서로 새로 따로 바로 주로 정말로 진짜로 실제로 스스로 함부로 억지로 대로 그대로 "
    "제대로 마음대로 멋대로 이대로 저대로 절대로 최대로 뒤로 위로 가로 세로 "
    "가는길 오는길 그길 이길 저길".split()
)
_NOT_DONG = frozenset(
    "이동 행동 활동 운동 자동 공동 노동 작동 출동 가동 변동 감동 충동 연동 진동 발동 "
    "거리 자리 우리 처리 관리 소리 정리 다리 머리 요리 미리 무리 유리 원리 논리 심리 "
    "수리 진리 권리 의리 편리 분리 부리 도리".split()
)

_NON_DIGIT = re.compile(r"[^0-9]")
# Web addresses are left alone: the numbers in them are article and post ids, not personal data.
_URL_CHAR = r"[A-Za-z0-9\-._~:/?#@!$&*+,;=%]"
_URL = re.compile(rf"(?:https?://|www\.){_URL_CHAR}+|\.[A-Za-z]{{2,6}}/{_URL_CHAR}*")
_HOST_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-")
_TOKEN = re.compile("|".join(re.escape(token) for token in TOKENS.values()))

_HANGUL_NAME = re.compile(r"[가-힣]{2,5}")
_COMPOUND_SURNAMES = ("남궁", "선우", "제갈", "황보", "독고", "사공", "서문", "동방")
_HONORIFIC = r"(?=[ ]?(?:씨|님|군|양)|이(?:가|는|를|도|랑|한테|에게|네))"

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


def _matches(pattern: re.Pattern[str], norm: str, windows: list[Window]) -> Iterator[re.Match[str]]:
    for start, end in windows:
        yield from pattern.finditer(norm, start, end)


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


# --- resolving overlaps and rendering -------------------------------------------------------


def _detect(norm: str, names: tuple[str, ...], *, windowed: bool = True) -> Iterator[Span]:
    """Every candidate span; ``windowed=False`` scans the whole text (same result, slower)."""
    if "@" in norm:
        yield from _emails(norm, [(0, len(norm))])
    everywhere = [(0, len(norm))]
    windows = _windows(norm) if windowed else {}
    for key, detect in _DETECTORS:
        yield from detect(norm, windows.get(key, everywhere))
    yield from _names(norm, names)


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
