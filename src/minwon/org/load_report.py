"""What loading an organisation file did: per section, how many items were created, updated
or left as they were, and the passwords it generated (shown once)."""

from dataclasses import dataclass, field

SECTIONS = {
    "organization": "기관",
    "closed_days": "휴무일",
    "offices": "본부·경찰서",
    "units": "부서",
    "staff": "직원",
    "categories": "분류",
    "routing": "배정 규칙",
}


@dataclass
class Tally:
    """How many items of a section were created, updated or left as they were."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0

    def count(self, outcome: str) -> None:
        """Add one ``outcome`` ("created", "updated" or "unchanged")."""
        setattr(self, outcome, getattr(self, outcome) + 1)


@dataclass
class LoadReport:
    """What a load did, per section, and the passwords it generated (shown once)."""

    organization: str
    tallies: dict[str, Tally] = field(default_factory=lambda: {key: Tally() for key in SECTIONS})
    passwords: dict[str, str] = field(default_factory=dict)

    @property
    def changed(self) -> int:
        """How many objects were created or updated."""
        return sum(t.created + t.updated for t in self.tallies.values())

    def summary(self) -> list[str]:
        """The counts as Korean lines, without any password."""
        out = [f"기관 {self.organization}: 새로 만들거나 바꾼 항목 {self.changed}개"]
        for key, label in SECTIONS.items():
            t = self.tallies[key]
            if t.created or t.updated or t.unchanged:
                out.append(f"{label}: 새로 {t.created}, 변경 {t.updated}, 그대로 {t.unchanged}")
        return out

    def lines(self) -> list[str]:
        """The whole report for a terminal: the counts, then each generated password."""
        passwords = [f"생성된 비밀번호 {login}: {pw}" for login, pw in self.passwords.items()]
        return self.summary() + passwords
