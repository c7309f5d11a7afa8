"""Text helpers shared by every domain: single-line fields stay on one line, typed numbers are
read only when they are plain digits, NUL characters never reach the database."""

import re
import unicodedata
from typing import Annotated, Any, TypeVar, cast

from pydantic import AfterValidator

_T = TypeVar("_T")

NUL = "\x00"


def without_nul(value: str) -> str:
    """``value`` with every NUL character (U+0000) dropped.

    No person types one; an attacker or a broken client sends it, and PostgreSQL cannot store
    it in a text column (nor jsonb its ``\\u0000`` escape): the statement fails and the request
    answered 500, where SQLite stored it as sent. Dropping it keeps everything else as typed.
    """
    return value.replace(NUL, "") if NUL in value else value


def without_nuls(value: _T) -> _T:
    """``value`` (text, or decoded JSON, YAML or form data: dicts, lists, tuples of them) with
    NUL characters dropped from every string in it, dict keys included; other values as they
    are. What a request or a file brings in goes through this once, where it is read."""
    return cast(_T, _cleaned(value))


def _cleaned(value: Any) -> Any:
    if isinstance(value, str):
        return without_nul(value)
    if isinstance(value, dict):
        return {_cleaned(key): _cleaned(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_cleaned(item) for item in value]
    if isinstance(value, tuple):
        return tuple(_cleaned(item) for item in value)
    return value


def one_line(value: str) -> str:
    """``value`` with every run of whitespace — line breaks included — as one space, trimmed.

    Titles, names and places arrive with line breaks from Excel cells (Alt+Enter) and pasted
    text; on one line they stay safe in mail subjects, ledger cells and file names.
    """
    return " ".join(value.split())


OneLine = Annotated[str, AfterValidator(one_line)]


_PLAIN_DIGITS = re.compile(r"-?[0-9]+")


def whole_number(value: str | None, *, digits: int = 9, signed: bool = False) -> int | None:
    """The whole number typed in ``value`` (surrounding spaces allowed), or None when it is
    anything else: empty, not ASCII digits, negative unless ``signed``, or longer than
    ``digits`` digits.

    ``str.isdigit`` accepts "²" and other digits ``int`` refuses, and ``int`` refuses thousands
    of digits; a form field read through this never raises, and a number too long for a
    database integer never reaches one.
    """
    text = (value or "").strip()
    if not _PLAIN_DIGITS.fullmatch(text) or (text.startswith("-") and not signed):
        return None
    if len(text.lstrip("-")) > digits:
        return None
    return int(text)


_UNSEEN_CATEGORIES = frozenset({"Cc", "Cf", "Zs", "Zl", "Zp", "Cn", "Co", "Cs"})
_HANGUL_FILLERS = frozenset("\u115f\u1160\u3164\uffa0")


def has_visible_text(value: str) -> bool:
    """Whether ``value`` holds a character a reader would see: spaces, control and format
    characters (zero-width spaces, direction marks, byte-order marks), unassigned code points
    and the Hangul fillers all print as nothing, so a title made only of them is blank."""
    return any(
        ch not in _HANGUL_FILLERS and unicodedata.category(ch) not in _UNSEEN_CATEGORIES
        for ch in value
    )


def typed_plainly(value: str) -> str:
    """``value`` with full-width and other compatibility forms as their plain characters (NFKC)
    and every dash as ``-``: what a person copies from a receipt or types with a Korean input
    method (``ＧＲ０１－２０２６``) matches what was printed (``GR01-2026``)."""
    normal = unicodedata.normalize("NFKC", value)
    return "".join("-" if unicodedata.category(ch) == "Pd" else ch for ch in normal)
