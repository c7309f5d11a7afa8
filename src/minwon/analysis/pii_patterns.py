"""What personal data in Korean text looks like: the kinds and their tokens, the same-length
normalisation table (full-width, digit, dash and space variants folded to ASCII) and the
precompiled patterns and word lists the detectors use (all linear-time ``re``)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from types import MappingProxyType
from typing import Literal

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
    r")(?!(?<=[12][0-9]{3})[ ]?년)" + _NUM_END  # "1600-1650년" is a span of years
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
