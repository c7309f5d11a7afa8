"""The password policy for staff accounts: long enough, and not one that attackers try first.

Common passwords come from the lists shipped with ``zxcvbn`` (leaked-password frequency lists,
English words, names, keyboard patterns); its estimate also catches a password made of the
person's own login or name. The policy applies wherever a person chooses a password (the admin
page, the API, an organisation file, a password change); signing in never re-checks it.
"""

from zxcvbn import zxcvbn

from minwon.errors import Invalid

MIN_LENGTH = 12
MAX_LENGTH = 128
MIN_SCORE = 3
"""zxcvbn's 0–4 scale: 3 is "safely unguessable" (about 10^8 guesses and more)."""
_CHECKED_PREFIX = 100
"""zxcvbn slows down on very long input; its first 100 characters decide."""


def password_problem(password: str, *, hints: tuple[str, ...] = ()) -> str | None:
    """Why ``password`` may not be used, in Korean, or None when it may. ``hints`` are words an
    attacker would try for this person, the login first (login, name, e-mail)."""
    if len(password) < MIN_LENGTH:
        return f"비밀번호는 {MIN_LENGTH}자 이상이어야 합니다."
    if len(password) > MAX_LENGTH:
        return f"비밀번호는 {MAX_LENGTH}자 이하여야 합니다."
    folded = password.casefold()
    if any(len(h) >= 4 and h.casefold() in folded for h in hints[:1]):
        return "비밀번호에 아이디를 넣을 수 없습니다."
    words = [h for hint in hints if hint for h in (hint, *hint.split("@")[:1]) if len(h) >= 3]
    estimate = zxcvbn(password[:_CHECKED_PREFIX], user_inputs=words)
    if _is_known_password(estimate):
        return "널리 알려진 비밀번호라 쓸 수 없습니다. 다른 비밀번호를 고르세요."
    if estimate["score"] < MIN_SCORE:
        return (
            "추측하기 쉬운 비밀번호입니다(아이디·이름·반복·키보드 배열 등). "
            "서로 관계없는 낱말 여러 개를 이어 쓰면 기억하기 쉽고 안전합니다."
        )
    return None


def check_password(password: str, *, hints: tuple[str, ...] = ()) -> None:
    """Raise ``Invalid`` (field ``password``) when the policy refuses ``password``."""
    problem = password_problem(password, hints=hints)
    if problem is not None:
        raise Invalid(problem, field="password")


def _is_known_password(estimate: dict[str, object]) -> bool:
    """True when the whole password is one entry of the leaked-password list (with or
    without capitals or common letter substitutions)."""
    sequence = estimate.get("sequence")
    if not isinstance(sequence, list) or len(sequence) != 1:
        return False
    match = sequence[0]
    return isinstance(match, dict) and match.get("dictionary_name") == "passwords"
