"""The messages the services raise, read from the source: every call of an error class
(``Invalid("…")``, ``NotFound(f"… {code}")``) with a written message, as the key the English
catalog (``minwon/web/i18n/errors``) must hold; an f-string's values become ``{0}``, ``{1}``…"""

import ast
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


def _trees() -> Iterator[tuple[Path, ast.Module]]:
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


def template(node: ast.expr) -> str | None:
    """The catalog key of a written message, or None when the message is not written out."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        parts, n = [], 0
        for value in node.values:
            if isinstance(value, ast.Constant):
                parts.append(str(value.value))
            else:
                parts.append("{" + str(n) + "}")
                n += 1
        return "".join(parts)
    return None


def raised_messages() -> dict[str, list[str]]:
    """Each written message's key → where it is raised (``voices/workflow.py:120``)."""
    trees = list(_trees())
    classes = error_classes(trees)
    found: dict[str, list[str]] = {}
    for path, tree in trees:
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and node.args):
                continue
            name = node.func.id if isinstance(node.func, ast.Name) else None
            if name not in classes or name == "Said":
                continue
            key = template(node.args[0])
            if key is not None and any("\uac00" <= ch <= "\ud7a3" for ch in key):
                where = f"{path.relative_to(SOURCE)}:{node.lineno}"
                found.setdefault(key, []).append(where)
    return found
