"""Text helpers shared by every domain: single-line fields stay on one line."""

from typing import Annotated

from pydantic import AfterValidator


def one_line(value: str) -> str:
    """``value`` with every run of whitespace — line breaks included — as one space, trimmed.

    Titles, names and places arrive with line breaks from Excel cells (Alt+Enter) and pasted
    text; on one line they stay safe in mail subjects, ledger cells and file names.
    """
    return " ".join(value.split())


OneLine = Annotated[str, AfterValidator(one_line)]
