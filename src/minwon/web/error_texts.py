"""Service messages in the reader's language.

Services raise their errors in Korean (``Invalid("기간은 400일 이내여야 합니다.")``), which the
API answers with as they are. A page in English shows the English of the same message from the
catalog ``i18n/errors/<domain>.yaml``: each entry maps a message as written in the source to its
English, an f-string's values standing as ``{0}``, ``{1}``… in order, so a message raised with
its values ("기간은 400일 이내여야 합니다.") finds its entry ("기간은 {0}일 이내여야 합니다.") and
carries the values over. A message without an entry stays Korean rather than vanish.
"""

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from minwon import shipped_yaml

CATALOG = Path(__file__).parent / "i18n" / "errors"
_SLOT = re.compile(r"\{(\d+)\}")


@dataclass(frozen=True)
class Catalog:
    """The English of every message: written ones by text, formatted ones by pattern."""

    exact: dict[str, str]
    patterns: list[tuple[re.Pattern[str], str]]


def _pattern(korean: str) -> re.Pattern[str]:
    """A pattern that matches the message ``korean`` with any values in its slots."""
    parts = _SLOT.split(korean)
    regex = "".join(
        re.escape(part) if i % 2 == 0 else f"(?P<v{part}>.*?)" for i, part in enumerate(parts)
    )
    return re.compile(regex, re.DOTALL)


@cache
def catalog() -> Catalog:
    """The English catalog, read once from ``i18n/errors/*.yaml``."""
    exact: dict[str, str] = {}
    formatted: list[tuple[str, str]] = []
    for path in sorted(CATALOG.glob("*.yaml")):
        entries = shipped_yaml.read(path.read_text(encoding="utf-8")) or {}
        for korean, english in entries.items():
            if not english:
                continue
            if _SLOT.search(korean):
                formatted.append((korean, english))
            else:
                exact[korean] = english
    # the longest written text first, so "…: {0}" never takes a message a fuller entry fits
    formatted.sort(key=lambda pair: -len(_SLOT.sub("", pair[0])))
    return Catalog(exact, [(_pattern(k), e) for k, e in formatted])


def in_language(lang: str, message: str) -> str:
    """``message``, as a service raised it in Korean, in ``lang`` ("ko" or "en"): its English
    from the catalog with the values it carries, else the message itself. A message that
    names what it is about before a colon ("사진.svg: 빈 파일입니다.") keeps the name and has
    the rest in English."""
    if lang == "ko" or not message:
        return message
    found = catalog()
    if message in found.exact:
        return found.exact[message]
    for pattern, english in found.patterns:
        match = pattern.fullmatch(message)
        if match:
            return _filled(english, {int(k[1:]): v for k, v in match.groupdict().items()})
    name, colon, rest = message.partition(": ")
    if colon and rest and (english_rest := in_language(lang, rest)) != rest:
        return f"{name}{colon}{english_rest}"
    return message


def _filled(english: str, values: dict[int, str]) -> str:
    """``english`` with each slot ``{n}`` replaced by the value the message carried there
    (an empty value leaves no double space behind)."""
    filled = _SLOT.sub(lambda slot: values.get(int(slot.group(1)), slot.group(0)), english)
    return filled.replace("  ", " ")
