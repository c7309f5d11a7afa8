"""A Pydantic validation error as a person reads it: the words the forms show beside a field,
which the API's 422 answers give too (``message``), in the reader's language."""

from collections.abc import Mapping

from minwon.web.i18n import translate


def field_message(error: Mapping, lang: str) -> str:
    """A Pydantic error as a person reads it, in ``lang``: a required field, a length, an
    e-mail, a phone number, a date, a number, a choice (the forms and the API say the same)."""
    kind, ctx = error.get("type", ""), error.get("ctx") or {}
    loc = [str(p) for p in error.get("loc", ())]
    if kind in ("missing", "string_too_short") or (
        kind == "value_error" and "blank" in str(error.get("msg", ""))
    ):
        return translate(lang, "err_required")
    if kind == "string_too_long":
        most = ctx.get("max_length", "")
        return translate(lang, "err_too_long", n=f"{most:,}" if isinstance(most, int) else most)
    if "email" in loc:
        return translate(lang, "err_email")
    if "phone" in loc:
        return translate(lang, "err_phone")
    if kind.startswith("datetime") or kind.startswith("date"):
        return translate(lang, "err_datetime")
    if kind in ("int_parsing", "int_from_float", "greater_than_equal", "less_than_equal"):
        return translate(lang, "err_number")
    if kind == "literal_error":
        return translate(lang, "err_choice")
    return translate(lang, "err_invalid")
