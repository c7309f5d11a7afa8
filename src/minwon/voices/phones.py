"""Korean telephone numbers as citizens type them: checked for a real numbering shape and
stored in one written form, so that "01012345678", "010 1234 5678" and "+82 10-1234-5678"
are one number, and "12" or "112" is refused.

Accepted (the 전기통신번호관리세칙 plan, as far as a contact number goes):

- mobile: 010 with 8 digits; the older 011, 016, 017, 018, 019 with 7 or 8;
- Seoul 02 with 7 or 8 digits; the area codes 031–033, 041–044, 051–055 and 061–064 with
  7 or 8;
- internet telephony 070 with 8 digits, personal numbers 0502–0508 with 7 or 8, free calls
  080 with 7;
- representative numbers (전국대표번호) 15xx, 16xx and 18xx with 4 more digits (1588-1234,
  1577-…, 1544-…, 1600-…, 1644-…, 1661-…, 1666-…, 1670-…, 1688-…, 1800-…, 1833-…, 1899-…).

Digits may be separated by spaces, hyphens, dots or parentheses, be full-width, and start with
``+82`` (the leading 0 dropped or, as people often write, kept as ``(0)``). Short special
numbers (112, 119, 120, 1330) are not numbers to call a citizen back on and are refused.

``phonenumbers`` (libphonenumber) would do this too, but it is not among the project's
dependencies; this module is small and its tests (tests/voices/test_phones.py) draw numbers
of every kind with hypothesis."""

from __future__ import annotations

import re
import unicodedata

MOBILE = ("010", "011", "016", "017", "018", "019")
AREA_CODES = (
    "02",
    *("031", "032", "033"),
    *("041", "042", "043", "044"),
    *("051", "052", "053", "054", "055"),
    *("061", "062", "063", "064"),
)
PERSONAL = tuple(f"050{d}" for d in range(2, 9))
REPRESENTATIVE = ("15", "16", "18")
SEPARATORS = re.compile(r"[\s\-.()]+")
MAX_TYPED = 40
"""The longest text the phone field takes (as typed, separators included)."""


class NotAPhoneNumber(ValueError):
    """The text is not a Korean telephone number."""


def _subscriber_lengths(prefix: str) -> tuple[int, ...]:
    """How many digits may follow ``prefix`` (a known prefix) in a full number."""
    if prefix == "010" or prefix == "070":
        return (8,)
    if prefix == "080":
        return (7,)
    return (7, 8)


def _prefix(digits: str) -> str | None:
    """The numbering prefix ``digits`` starts with, or None."""
    for prefix in (*PERSONAL, *MOBILE, "070", "080", *AREA_CODES[1:], "02"):
        if digits.startswith(prefix):
            return prefix
    return None


def _digits(text: str) -> str:
    """The digits of ``text`` in the national form (``0…`` or ``1…``); NotAPhoneNumber when
    something other than digits and separators is in it."""
    plain = unicodedata.normalize("NFKC", text).strip()
    international = plain.startswith("+")
    if international:
        plain = plain[1:]
    digits = SEPARATORS.sub("", plain)
    if not digits.isascii() or not digits.isdigit():
        raise NotAPhoneNumber(text)
    if international:
        if not digits.startswith("82"):
            raise NotAPhoneNumber(text)  # a foreign number: not one the agency can call back
        digits = digits[2:]
        representative = digits[:2] in REPRESENTATIVE and len(digits) == 8
        if not digits.startswith("0") and not representative:
            digits = "0" + digits
    return digits


def normalise(text: str) -> str:
    """``text`` as a Korean number in its usual written form (``010-1234-5678``,
    ``02-123-4567``, ``1588-1234``); "" for a blank text; NotAPhoneNumber otherwise."""
    if not text.strip():
        return ""
    if len(text) > MAX_TYPED:
        raise NotAPhoneNumber(text)
    digits = _digits(text)
    if digits[:2] in REPRESENTATIVE and len(digits) == 8:
        return f"{digits[:4]}-{digits[4:]}"
    prefix = _prefix(digits)
    if prefix is None:
        raise NotAPhoneNumber(text)
    rest = digits[len(prefix) :]
    if len(rest) not in _subscriber_lengths(prefix):
        raise NotAPhoneNumber(text)
    middle = len(rest) - 4
    return f"{prefix}-{rest[:middle]}-{rest[middle:]}"


def is_phone(text: str) -> bool:
    """Whether ``text`` is a Korean telephone number (blank is not)."""
    try:
        return bool(normalise(text))
    except NotAPhoneNumber:
        return False
