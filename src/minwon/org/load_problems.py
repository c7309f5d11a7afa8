"""What is wrong with an organisation file, and where: each problem with its place (a YAML
path, or sheet, row and column of a workbook) and the error that lists them all."""

from dataclasses import dataclass

from minwon.errors import Invalid

Loc = tuple[str | int, ...]


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the file, and where."""

    place: str
    message: str

    def __str__(self) -> str:
        return f"{self.place}: {self.message}"


class OrgFileError(Invalid):
    """The file cannot be loaded; ``problems`` lists every place to fix."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        shown = "; ".join(str(p) for p in problems[:3])
        more = f" 외 {len(problems) - 3}건" if len(problems) > 3 else ""
        super().__init__(f"조직 파일에 오류가 {len(problems)}건 있습니다: {shown}{more}")


class Locator:
    """Turns a location in the document into a place a person can find in the file."""

    def __init__(self, places: dict[Loc, str] | None = None) -> None:
        self.places = places

    def __call__(self, loc: Loc) -> str:
        """``offices[1].units[0].code`` for YAML; the sheet, row and column for XLSX."""
        if self.places is not None:
            for n in range(len(loc), 0, -1):
                if loc[:n] in self.places:
                    rest = yaml_path(loc[n:])
                    return self.places[loc[:n]] + (f" {rest}" if rest else "")
        return yaml_path(loc) or "파일"


def yaml_path(loc: Loc) -> str:
    """A location as a YAML path: ``offices[1].units[0].code``."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out
