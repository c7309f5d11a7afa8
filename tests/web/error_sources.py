"""The messages the services raise, read from the source: every call of an error class
(``Invalid("…")``, ``NotFound(f"… {code}")``) with a written message, the organisation file's
problems (``Problem(place, "…")``, ``self.fail(loc, "…")``), a module's constant
(``Forbidden(HAPPY_CALL_OWN_VOICE)``) or a choice of two (``Invalid("…" if … else "…")``), and
what the functions that make refusals for a page return (``MESSAGE_MAKERS``), as the keys the
English catalog (``minwon/web/i18n/errors``) must hold; an f-string's values and a template's
named fields become ``{0}``, ``{1}``…"""

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import minwon

SOURCE = Path(minwon.__file__).parent
BASE_ERRORS = {
    "MinwonError",
    "NotFound",
    "Forbidden",
    "Conflict",
    "Invalid",
    "Unauthorized",
    "TooManyRequests",
}

MESSAGE_MAKERS = {
    "past_due_message",
    "happy_call_closed",
    "happy_call_refusal",
    "password_problem",
    "_message",  # voices/import_check.py: a row's Pydantic problem as the import says it
    "_unknown",  # voices/import_values.py: a kind, channel or status none of the allowed
    "already_imported",  # voices/import_load.py: a file an earlier import saved
    "overlap_message",  # voices/import_overlap.py: a file another import's rows overlap
    "code_refusal",  # surveys/service.py: why a voice's survey code is not shown
}
"""Functions whose answer a page shows as a refusal, besides the errors raised."""
SHOWN_CONSTANTS = {"RULE_KO", "RULE", "MESSAGE", "_MESSAGES", "INTERRUPTED", "UTF16_LABEL"}
"""Constants a page shows: the rules that explain a figure, the too-large body's message, the
organisation file's messages for each kind of wrong value (a dict's values), the message of an
import whose process died, the name of an imported file's format."""
MESSAGE_CLASSES = {"_Bad": 0, "_FileProblem": 0, "ImportIssue": 2, "Problem": 1}
"""Exceptions and records that carry a message a page shows, by the message's argument: an
import file's wrong cell (``_Bad("…")``), unreadable file (``_FileProblem("…", line)``) and
each problem of its report (``ImportIssue(line, column, "…")``), and what is wrong in an
organisation file (``Problem(place, "…")``)."""
_NAMED = re.compile(r"\{[a-z_]+\}")


def _trees() -> Iterator[tuple[Path, ast.Module]]:
    """Every module of the package with its syntax tree."""
    for path in sorted(SOURCE.rglob("*.py")):
        yield path, ast.parse(path.read_text(encoding="utf-8"))


def error_classes(trees: list[tuple[Path, ast.Module]]) -> set[str]:
    """The error classes: the base ones and every class defined on one of them."""
    names = set(BASE_ERRORS)
    grew = True
    while grew:
        grew = False
        for _, tree in trees:
            for node in ast.walk(tree):
                if isinstance(node, ast.ClassDef) and node.name not in names:
                    bases = {b.id for b in node.bases if isinstance(b, ast.Name)}
                    if bases & names:
                        names.add(node.name)
                        grew = True
    return names


def constants(trees: list[tuple[Path, ast.Module]]) -> dict[str, str]:
    """Every module's string constants in capitals (``TOO_BIG = "…{mb}MB"``), by name."""
    found: dict[str, str] = {}
    for _, tree in trees:
        for node in tree.body:
            if (
                isinstance(node, ast.Assign)
                and isinstance(node.value, ast.Constant)
                and isinstance(node.value.value, str)
            ):
                for target in node.targets:
                    if isinstance(target, ast.Name) and target.id.isupper():
                        found[target.id] = node.value.value
    return found


def _numbered(text: str) -> str:
    """A template's named fields (``{mb}``) as the catalog's slots (``{0}``)."""
    counter = iter(range(100))
    return _NAMED.sub(lambda _: "{" + str(next(counter)) + "}", text)


def templates(node: ast.expr, named: dict[str, str]) -> list[str]:
    """The catalog keys of a message argument: none when it is not written out."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.JoinedStr):
        parts, n = [], 0
        for value in node.values:
            if isinstance(value, ast.Constant):
                parts.append(str(value.value))
            elif (text := _constant(value, named)) is not None:  # f"… {OFFICE_HINT}."
                parts.append(text)
            else:
                parts.append("{" + str(n) + "}")
                n += 1
        return ["".join(parts)]
    if isinstance(node, ast.IfExp):
        return templates(node.body, named) + templates(node.orelse, named)
    if isinstance(node, ast.Dict):
        return [k for value in node.values for k in templates(value, named)]
    name = node.id if isinstance(node, ast.Name) else getattr(node, "attr", None)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        if node.func.attr == "format":
            return [_numbered(t) for t in templates(node.func.value, named)]
    if name in named:
        return [_numbered(named[name])]
    return []


def _constant(value: ast.expr, named: dict[str, str]) -> str | None:
    """The text of an f-string's field that is a module's text constant as it is
    (``{OFFICE_HINT}``): written into the message like the text around it, not a value."""
    if (
        isinstance(value, ast.FormattedValue)
        and isinstance(value.value, ast.Name)
        and value.conversion == -1
        and value.format_spec is None
    ):
        return named.get(value.value.id)
    return None


def _into_errors(node: ast.Assign) -> bool:
    """Whether ``node`` files a field's message (``errors["day"] = "…"``) for ``InvalidFields``."""
    return any(
        isinstance(t, ast.Subscript)
        and isinstance(t.value, ast.Name)
        and t.value.id.endswith("errors")
        for t in node.targets
    )


def _korean(text: str) -> bool:
    """Whether ``text`` holds Hangul (a message for a person, not a code)."""
    return any("\uac00" <= ch <= "\ud7a3" for ch in text)


def raised_messages() -> dict[str, list[str]]:
    """Each message's key → where it is raised or made (``voices/workflow.py:120``)."""
    trees = list(_trees())
    classes = error_classes(trees)
    named = constants(trees)
    found: dict[str, list[str]] = {}
    for path, tree in trees:
        for node in ast.walk(tree):
            keys: list[str] = []
            if isinstance(node, ast.Call) and node.args:
                name = node.func.id if isinstance(node.func, ast.Name) else None
                if (name in classes and name != "Said") or name == "ValueError":
                    keys = templates(node.args[0], named)  # a validator's ValueError too
                elif name in MESSAGE_CLASSES and len(node.args) > MESSAGE_CLASSES[name]:
                    keys = templates(node.args[MESSAGE_CLASSES[name]], named)
                elif isinstance(node.func, ast.Attribute) and node.func.attr == "fail":
                    keys = templates(node.args[-1], named)  # the org loader's own findings
            elif isinstance(node, ast.Assign) and _into_errors(node):
                keys = templates(node.value, named)
            elif isinstance(node, ast.FunctionDef) and node.name in MESSAGE_MAKERS:
                returns = [r.value for r in ast.walk(node) if isinstance(r, ast.Return)]
                keys = [k for value in returns if value for k in templates(value, named)]
            if isinstance(node, ast.Assign) and node in tree.body:
                names = {t.id for t in node.targets if isinstance(t, ast.Name)}
                if names & SHOWN_CONSTANTS:
                    keys = [_numbered(k) for k in templates(node.value, named)]
            for key in keys:
                if _korean(key):
                    where = f"{path.relative_to(SOURCE)}:{getattr(node, 'lineno', 0)}"
                    found.setdefault(key, []).append(where)
    return found
