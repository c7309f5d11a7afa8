"""Typed numbers: only plain ASCII digits of a bounded length are read, anything else is None
and nothing raises; NUL characters are dropped from text and from every string of decoded
data, nothing else is changed."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from minwon.textutil import (
    has_visible_text,
    typed_plainly,
    whole_number,
    without_nul,
    without_nuls,
)


@pytest.mark.parametrize(
    ("typed", "read"),
    [("7", 7), (" 42 ", 42), ("0", 0), ("000123", 123), ("999999999", 999_999_999)],
)
def test_plain_digits_are_read(typed: str, read: int) -> None:
    assert whole_number(typed) == read


@pytest.mark.parametrize(
    "typed",
    [
        "",
        "  ",
        None,
        "²",
        "١٢",
        "１２",
        "1.5",
        "1e3",
        "+3",
        "3-",
        "- 3",
        "0x10",
        "1 2",
        "1000000000",
    ],
)
def test_anything_else_is_no_number(typed: str | None) -> None:
    assert whole_number(typed) is None


def test_a_sign_is_read_only_where_asked_for() -> None:
    assert whole_number("-3") is None
    assert whole_number("-3", signed=True) == -3
    assert whole_number("--3", signed=True) is None


def test_the_digit_limit_is_the_callers() -> None:
    assert whole_number("1" * 12) is None
    assert whole_number("1" * 12, digits=12) == 111_111_111_111
    assert whole_number("9" * 5_000, digits=10) is None


@given(st.text())
def test_no_text_makes_it_raise_and_what_it_reads_is_what_was_typed(typed: str) -> None:
    read = whole_number(typed)
    assert read is None or (0 <= read < 10**9 and int(typed.strip()) == read)


@given(st.integers(min_value=-(10**9) + 1, max_value=10**9 - 1))
def test_every_number_of_nine_digits_comes_back(number: int) -> None:
    assert whole_number(str(number), signed=True) == number


@pytest.mark.parametrize(
    "unseen", ["", "   ", "\u200b\u200b", "\u200f", "\ufeff", "\x00", "\u3164", "\u2028\t\n"]
)
def test_text_of_unseen_characters_has_nothing_to_read(unseen: str) -> None:
    assert not has_visible_text(unseen)


@pytest.mark.parametrize("seen", ["가", " a ", "\u200b1", "👍", "👨\u200d👩", "·"])
def test_any_seen_character_makes_text_readable(seen: str) -> None:
    assert has_visible_text(seen)


@pytest.mark.parametrize(
    ("typed", "plain"),
    [
        ("ＧＲ０１－２０２６－０００２７３", "GR01-2026-000273"),
        ("GR01‐2026–000273", "GR01-2026-000273"),
        ("gr01-2026-000273", "gr01-2026-000273"),
    ],
)
def test_full_width_forms_and_dashes_are_typed_plainly(typed: str, plain: str) -> None:
    assert typed_plainly(typed) == plain


@given(st.text())
def test_only_nul_characters_are_dropped(text: str) -> None:
    cleaned = without_nul(text)
    assert "\x00" not in cleaned and cleaned == "".join(c for c in text if c != "\x00")


def test_nuls_are_dropped_from_every_string_of_decoded_data() -> None:
    data = {"ti\x00tle": ["a\x00b", {"k": ("\x00", 3)}], "n": 1.5, "none": None, "ok": True}
    assert without_nuls(data) == {
        "title": ["ab", {"k": ("", 3)}],
        "n": 1.5,
        "none": None,
        "ok": True,
    }
    assert without_nuls("가\x00나") == "가나" and without_nuls(7) == 7
    assert without_nuls(b"\x00") == b"\x00"  # bytes (a file's content) are not text
