"""Roles and who sees what: the one place that answers permission questions."""

from dataclasses import dataclass

OFFICER = "officer"
UNIT_LEAD = "unit_lead"
CS_MANAGER = "cs_manager"
HQ_ANALYST = "hq_analyst"
ADMIN = "admin"
ROLES = (OFFICER, UNIT_LEAD, CS_MANAGER, HQ_ANALYST, ADMIN)
ROLE_LABELS = {
    OFFICER: "직원",
    UNIT_LEAD: "팀장·지구대장",
    CS_MANAGER: "CS 담당",
    HQ_ANALYST: "본사 분석",
    ADMIN: "관리자",
}
LEADS = frozenset({UNIT_LEAD, CS_MANAGER, ADMIN})
WRITERS = frozenset({OFFICER, UNIT_LEAD, CS_MANAGER, ADMIN})


@dataclass(frozen=True)
class Principal:
    """Who is calling: a logged-in staff member, a token's owner, or an anonymous citizen."""

    staff_id: int | None
    login: str
    name: str
    role: str | None
    office_id: int | None
    unit_id: int | None
    scopes: frozenset[str] | None = None
    """A bearer token's scopes (read, write, admin) cut to the role; None for a browser
    session, which may do all its role allows."""

    @property
    def is_admin(self) -> bool:
        """An admin who may do admin-only things now: by browser, or with a token that has
        the admin scope (the role and the token must both allow it)."""
        return self.role == ADMIN and (self.scopes is None or "admin" in self.scopes)

    @property
    def is_staff(self) -> bool:
        """True for any staff member (not a citizen)."""
        return self.role is not None

    @property
    def all_offices(self) -> bool:
        """Admins and HQ analysts look across every office."""
        return self.role in (ADMIN, HQ_ANALYST)

    @property
    def sees_personal_data(self) -> bool:
        """HQ analysts see no personal data; everyone else sees their own office's."""
        return self.is_staff and self.role != HQ_ANALYST

    @property
    def caller_key(self) -> str:
        """A stable name for idempotency keys: the staff id or 'public'."""
        return f"staff:{self.staff_id}" if self.staff_id else "public"


CITIZEN = Principal(None, "citizen", "민원인", None, None, None)
