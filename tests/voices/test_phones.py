"""Korean telephone numbers: every real shape (mobile, area codes, 070, 050x, 080, 1588-type)
is accepted with or without separators and stored in one written form; anything else — "12",
112, a number a digit short or long, letters, a foreign number — is refused."""

import pytest
from hypothesis import given
from hypothesis import strategies as st
from props import examples
from pydantic import ValidationError

from minwon.voices.phones import (
    AREA_CODES,
    MOBILE,
    PERSONAL,
    NotAPhoneNumber,
    is_phone,
    normalise,
)
from minwon.voices.schemas import ContactIn

DIGIT = "0123456789"


def _number(prefix: str, lengths: tuple[int, ...]) -> st.SearchStrategy[tuple[str, str]]:
    """(digits, written form) of a number with ``prefix`` and a subscriber part of one of
    ``lengths`` digits."""

    def written(rest: str) -> tuple[str, str]:
        middle = len(rest) - 4
        return prefix + rest, f"{prefix}-{rest[:middle]}-{rest[middle:]}"

    return st.sampled_from(lengths).flatmap(
        lambda n: st.text(DIGIT, min_size=n, max_size=n).map(written)
    )


REPRESENTATIVE = st.tuples(
    st.sampled_from(["15", "16", "18"]), st.text(DIGIT, min_size=6, max_size=6)
).map(lambda p: (p[0] + p[1], f"{p[0]}{p[1][:2]}-{p[1][2:]}"))
NUMBERS = st.one_of(
    _number("010", (8,)),
    st.sampled_from(MOBILE[1:]).flatmap(lambda p: _number(p, (7, 8))),
    st.sampled_from(AREA_CODES).flatmap(lambda p: _number(p, (7, 8))),
    _number("070", (8,)),
    _number("080", (7,)),
    st.sampled_from(PERSONAL).flatmap(lambda p: _number(p, (7, 8))),
    REPRESENTATIVE,
)
SEPARATOR = st.sampled_from(["", "-", " ", ".", " - "])


def _typed(digits: str, written: str, separator: str) -> str:
    """The number as a person might type it: the written form's groups with ``separator``."""
    return separator.join(written.split("-")) if separator else digits


@examples(300)
@given(NUMBERS, SEPARATOR)
def test_every_real_shape_is_accepted_and_written_one_way(
    number: tuple[str, str], separator: str
) -> None:
    digits, written = number
    typed = _typed(digits, written, separator)
    assert normalise(typed) == written
    assert normalise(written) == written  # idempotent
    assert ContactIn(phone=typed).phone == written


@examples(200)
@given(NUMBERS)
def test_the_international_form_is_the_same_number(number: tuple[str, str]) -> None:
    digits, written = number
    national = digits[1:] if digits.startswith("0") else digits
    assert normalise(f"+82 {national}") == written
    assert normalise(f"+82-{national}") == written
    if digits.startswith("0"):
        assert normalise(f"+82 (0){national}") == written


@examples(200)
@given(NUMBERS, st.sampled_from([-1, 1]))
def test_a_digit_too_few_or_too_many_is_refused(number: tuple[str, str], change: int) -> None:
    digits, _ = number
    wrong = digits[:-1] if change < 0 else digits + "7"
    # a shorter 8-digit mobile may still be a 7-digit older one; only check what is not
    if wrong[:3] in MOBILE[1:] or wrong[:2] == "02" or wrong[:4] in PERSONAL:
        lengths = {len(wrong) - len(p) for p in (wrong[:3], wrong[:2], wrong[:4])}
        if lengths & {7, 8}:
            return
    if wrong[:3] in AREA_CODES and len(wrong) - 3 in (7, 8):
        return
    with pytest.raises(NotAPhoneNumber):
        normalise(wrong)


@examples(300)
@given(st.text(DIGIT, min_size=1, max_size=6))
def test_short_digit_strings_are_never_numbers(digits: str) -> None:
    assert not is_phone(digits)


@examples(200)
@given(st.text(min_size=1, max_size=40))
def test_any_text_either_normalises_to_a_number_or_is_refused(text: str) -> None:
    try:
        written = normalise(text)
    except NotAPhoneNumber:
        return
    assert written == "" or (is_phone(written) and normalise(written) == written)
    assert set(written) <= set(DIGIT + "-")


@pytest.mark.parametrize(
    ("typed", "written"),
    [
        ("010-1234-5678", "010-1234-5678"),
        ("01012345678", "010-1234-5678"),
        ("010 1234 5678", "010-1234-5678"),
        ("010.1234.5678", "010-1234-5678"),
        ("０１０－１２３４－５６７８", "010-1234-5678"),
        ("+82 10-1234-5678", "010-1234-5678"),
        ("+82 (0)10-1234-5678", "010-1234-5678"),
        ("011-123-4567", "011-123-4567"),
        ("02-123-4567", "02-123-4567"),
        ("(02) 1234-5678", "02-1234-5678"),
        ("031-123-4567", "031-123-4567"),
        ("064-1234-5678", "064-1234-5678"),
        ("070-1234-5678", "070-1234-5678"),
        ("0505-123-4567", "0505-123-4567"),
        ("080-123-4567", "080-123-4567"),
        ("1588-1234", "1588-1234"),
        ("15771234", "1577-1234"),
        ("1544 1234", "1544-1234"),
        ("1600-1234", "1600-1234"),
        ("1644-1234", "1644-1234"),
        ("1661-1234", "1661-1234"),
        ("1666-1234", "1666-1234"),
        ("1670-1234", "1670-1234"),
        ("1688-1234", "1688-1234"),
        ("1800-1234", "1800-1234"),
        ("1833-1234", "1833-1234"),
        ("1855-1234", "1855-1234"),
        ("1899-1234", "1899-1234"),
        ("  ", ""),
        ("", ""),
    ],
)
def test_numbers_people_write(typed: str, written: str) -> None:
    assert normalise(typed) == written


@pytest.mark.parametrize(
    "typed",
    [
        "12",
        "112",
        "119",
        "1330",
        "010-1234-567",
        "010-1234-56789",
        "02-12-3456",
        "060-123-4567",
        "090-1234-5678",
        "1234-5678",
        "1588-123",
        "010-abcd-5678",
        "전화 010-1234-5678",
        "+1 202 555 0100",
        "+44 20 7946 0000",
        "010-1234-5678 내선 3",
        "٠١٠-١٢٣٤-٥٦٧٨",
        "0" * 41,
    ],
)
def test_what_is_not_a_korean_number_is_refused(typed: str) -> None:
    with pytest.raises(NotAPhoneNumber):
        normalise(typed)
    with pytest.raises(ValidationError) as caught:
        ContactIn(phone=typed)
    assert caught.value.errors()[0]["loc"] == ("phone",)
