"""Service messages on pages in English: every message a service raises has its English, a
formatted one carries its values over, and the API keeps answering in Korean."""

import re
from functools import cache

import pytest
from factories import build_world
from fastapi.testclient import TestClient
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine

from minwon.app import HTTP_MESSAGES, create_app
from minwon.web.error_texts import in_language
from web.error_sources import raised_messages
from web.pagetools import login

CLI_ONLY = ("backup/",)  # the command line speaks Korean only
APP_MESSAGES = {
    *HTTP_MESSAGES.values(),
    "요청을 처리할 수 없습니다.",
    "입력값이 올바르지 않습니다.",
}
HANGUL = re.compile(r"[\uac00-\ud7a3]")
GRADES = re.compile("탁월|우수|양호|보통|미흡")  # the grades' own names, which pages show as set
SLOT = re.compile(r"\{\d+\}")
PERIOD_400 = "The period may be at most 400 days."


@cache
def _raw() -> dict[str, str]:
    """Every catalog entry, Korean → English, each message in one file only."""
    import yaml

    from minwon.web.error_texts import CATALOG

    entries: dict[str, str] = {}
    for path in sorted(CATALOG.glob("*.yaml")):
        for korean, english in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).items():
            assert korean not in entries, f"{korean!r} is in two files"
            entries[korean] = english
    return entries


SHOWN = {
    key: where
    for key, where in raised_messages().items()
    if not all(w.startswith(CLI_ONLY) for w in where)
}


def test_every_message_a_service_raises_has_its_english() -> None:
    entries = _raw()
    missing = sorted(f"{where[0]}: {key}" for key, where in SHOWN.items() if key not in entries)
    assert missing == [], "add them to minwon/web/i18n/errors/<domain>.yaml"
    assert APP_MESSAGES <= entries.keys()


def test_the_catalog_holds_only_messages_that_are_raised() -> None:
    stale = set(_raw()) - set(SHOWN) - APP_MESSAGES
    assert stale == set(), "no source raises these any more"


@pytest.mark.parametrize("korean", sorted(_raw()))
def test_each_english_is_written_with_the_same_values(korean: str) -> None:
    english = _raw()[korean]
    assert isinstance(english, str) and english.strip()
    assert not HANGUL.search(GRADES.sub("", english)), english
    assert sorted(SLOT.findall(english)) == sorted(SLOT.findall(korean))
    assert not re.search(r"\{(?!\d+\})|(?<!\{\d)(?<!\{\d\d)\}", english), english


FORMATTED = sorted(k for k in _raw() if SLOT.search(k) and not re.search(r"\}\{", k))


def _filled(text: str, values: list[str]) -> str:
    return SLOT.sub(lambda slot: values[int(slot.group(0)[1:-1])], text)


@pytest.mark.parametrize("korean", FORMATTED)
def test_each_formatted_message_carries_its_values_into_english(korean: str) -> None:
    values = ["7", "GR01", "2026-12-07", "x", "12", "CS", "3", "a1", "99"]
    assert in_language("en", _filled(korean, values)) == _filled(_raw()[korean], values)
    assert in_language("ko", _filled(korean, values)) == _filled(korean, values)


@settings(deadline=None)  # the first example reads the catalog
@given(
    korean=st.sampled_from(FORMATTED),
    values=st.lists(st.from_regex(r"[0-9A-Za-z]{1,8}", fullmatch=True), min_size=9, max_size=9),
)
def test_any_values_come_through_unchanged(korean: str, values: list[str]) -> None:
    assert in_language("en", _filled(korean, values)) == _filled(_raw()[korean], values)


def test_an_unknown_message_stays_as_it_was_and_a_known_one_is_translated() -> None:
    assert in_language("en", "어디에도 없는 메시지입니다.") == "어디에도 없는 메시지입니다."
    assert in_language("en", "") == ""
    assert in_language("en", "기간은 400일 이내여야 합니다.") == PERIOD_400


def test_a_page_in_english_shows_the_english_and_the_api_keeps_korean(engine: Engine) -> None:
    world = build_world(engine)
    client = TestClient(create_app(engine=engine))
    login(client, "gr_cs")
    too_long = "start=2020-01-01&end=2026-01-01"
    korean = client.get(f"/dashboard?{too_long}")
    assert korean.status_code == 422 and "기간은 400일 이내여야 합니다." in korean.text
    english = client.get(f"/dashboard?{too_long}&lang=en")
    assert english.status_code == 422
    assert PERIOD_400 in english.text
    assert "400일" not in english.text
    api = client.get(f"/api/v1/analysis/causes?{too_long}", headers=world.auth("gr_cs"))
    assert api.status_code == 422 and api.json()["detail"] == "기간은 400일 이내여야 합니다."
    missing = client.get("/voices/999999?lang=en")
    assert missing.status_code == 404 and not HANGUL.search(missing.text.split("<main", 1)[1])
