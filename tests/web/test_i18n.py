"""Interface text: every key is written once per language, both languages have the same keys,
and every key a template asks for exists (a missing key would show its name to a person)."""

import re
from pathlib import Path

import yaml

from minwon.web.i18n import _DIR, LANGUAGES, MESSAGES, translate

SRC = Path(__file__).parents[2] / "src" / "minwon"


class _Unique(yaml.SafeLoader):
    """A loader that refuses a key written twice (plain YAML keeps the last one silently)."""


def _no_duplicates(loader: _Unique, node: yaml.MappingNode, deep: bool = False) -> dict:
    seen: set[object] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        assert key not in seen, f"{key!r} is written twice (line {key_node.start_mark.line + 1})"
        seen.add(key)
    return loader.construct_mapping(node, deep)


_Unique.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _no_duplicates)


def test_no_key_is_written_twice() -> None:
    for lang in LANGUAGES:
        yaml.load((_DIR / f"{lang}.yaml").read_text("utf-8"), Loader=_Unique)  # noqa: S506


def test_both_languages_have_the_same_keys() -> None:
    assert set(MESSAGES["ko"]) - set(MESSAGES["en"]) == set()
    assert set(MESSAGES["en"]) - set(MESSAGES["ko"]) == set()


def test_every_key_a_template_asks_for_exists() -> None:
    asked = {
        key
        for page in SRC.rglob("*.html")
        for key in re.findall(r"""\bt\(\s*['"]([a-z0-9_]+)['"]""", page.read_text("utf-8"))
    }
    written = {key for key in asked if not key.endswith("_")}  # not a prefix like 'role_' ~ x
    assert sorted(written - set(MESSAGES["ko"])) == []


def test_every_text_is_text() -> None:
    """YAML reads an unquoted Yes, No, On or Off as true or false, which a page showed as
    "True"; every value must be a string (an empty one included)."""
    wrong = {
        f"{lang}:{key}": value
        for lang, texts in MESSAGES.items()
        for key, value in texts.items()
        if not isinstance(value, str)
    }
    assert not wrong, wrong


def test_an_empty_text_is_shown_empty_not_in_korean() -> None:
    """English writes "0 / 10" where Korean writes "0 / 10명": an empty text is a text."""
    assert MESSAGES["en"]["or_people"] == ""
    assert translate("en", "or_people") == ""
    assert translate("ko", "or_people") == "명"
    assert translate("en", "pr_yes") == "Yes" and translate("en", "pr_no") == "No"
