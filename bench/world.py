"""The benchmark organisation: 2 offices, 7 units, categories, routing rules, staff, tokens.

Built through minwon's own services, like ``tests/factories.py``, so it is what a real
deployment would hold. Staff get no password (API tokens only), which skips argon2.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Engine, select

from minwon.db import write_session
from minwon.org import service as org
from minwon.org.models import Category, Office, Staff, Unit

ORG_CODE = "BENCH"
OFFICES = {"GR": "구로경찰서", "DJ": "대전충남본부"}
# code, office, name, front desk?, share of the office's voices
UNITS = [
    ("GR00", "GR", "민원실", True, 0.30),
    ("GR01", "GR", "구로지구대", False, 0.30),
    ("GR02", "GR", "가리봉파출소", False, 0.20),
    ("GR03", "GR", "교통조사계", False, 0.20),
    ("DJ00", "DJ", "OK팀", True, 0.50),
    ("DJ01", "DJ", "대전지사", False, 0.30),
    ("DJ02", "DJ", "충남지사", False, 0.20),
]
CATEGORIES = [
    ("TRAFFIC", "교통"),
    ("PATROL", "순찰·치안"),
    ("NOISE", "생활소음"),
    ("SAFETY", "안전·환경"),
    ("LAND", "토지·보상"),
    ("FACILITY", "시설"),
    ("SERVICE", "직원 응대"),
    ("ETC", "기타"),
]
# unit, category, 행정동
ROUTES = [
    ("GR03", "TRAFFIC", None),
    ("GR01", "PATROL", None),
    ("GR02", None, "가리봉동"),
    ("GR01", None, "구로1동"),
    ("DJ01", "LAND", None),
    ("DJ02", "FACILITY", None),
]
DONGS = {
    "GR": ["구로1동", "구로2동", "구로3동", "가리봉동", "신도림동", "개봉1동", "고척2동"],
    "DJ": ["둔산동", "유성동", "월평동", "도마동", "갈마동"],
}
# login, office, unit, role: the callers of the benchmark
CALLERS = [
    ("gr_officer", "GR", "GR01", "officer"),
    ("gr_cs", "GR", None, "cs_manager"),
    ("dj_officer", "DJ", "DJ01", "officer"),
    ("dj_cs", "DJ", None, "cs_manager"),
    ("admin", None, None, "admin"),
]
OFFICERS_PER_UNIT = 4


@dataclass
class BenchWorld:
    """Ids, codes and fresh API tokens of the benchmark organisation."""

    org_id: int = 0
    office_ids: dict[str, int] = field(default_factory=dict)
    unit_ids: dict[str, int] = field(default_factory=dict)
    unit_office: dict[str, str] = field(default_factory=dict)
    category_ids: dict[str, int] = field(default_factory=dict)
    unit_staff: dict[str, list[int]] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)

    def auth(self, login: str) -> dict[str, str]:
        """The Authorization header of ``login``."""
        return {"Authorization": f"Bearer {self.tokens[login]}"}

    def units_of(self, office: str) -> list[str]:
        """Unit codes of one office."""
        return [code for code, off in self.unit_office.items() if off == office]


def build_world(engine: Engine) -> BenchWorld:
    """Create the organisation on an empty, migrated database and issue tokens."""
    with write_session(engine) as db:
        o = org.create_organization(db_session=db, code=ORG_CODE, name="벤치마크 기관")
        offices = {
            code: org.create_office(db_session=db, organization=o, code=code, name=name)
            for code, name in OFFICES.items()
        }
        units = {
            code: org.create_unit(
                db_session=db, office=offices[off], code=code, name=name, is_front_desk=desk
            )
            for code, off, name, desk, _share in UNITS
        }
        cats = {
            code: org.create_category(db_session=db, organization=o, code=code, name=name)
            for code, name in CATEGORIES
        }
        for unit, cat, dong in ROUTES:
            org.create_routing_rule(
                db_session=db, unit=units[unit], category=cats.get(cat or ""), dong=dong
            )
        for code, unit in units.items():
            for i in range(OFFICERS_PER_UNIT):
                role = "unit_lead" if i == 0 else "officer"
                org.create_staff(
                    db_session=db, login=f"{code.lower()}_{i}", name=f"{unit.name} {i}", role=role,
                    unit=unit,
                )  # fmt: skip
        for login, off, unit_code, role in CALLERS:
            org.create_staff(
                db_session=db, login=login, name=login, role=role,
                office=offices.get(off or ""), unit=units.get(unit_code or ""),
            )  # fmt: skip
    return load_world(engine)


def load_world(engine: Engine) -> BenchWorld:
    """Read the ids of an existing benchmark organisation and issue fresh tokens to callers."""
    world = BenchWorld()
    with write_session(engine) as db:
        offices = db.scalars(select(Office)).all()
        world.office_ids = {o.code: o.id for o in offices}
        world.org_id = offices[0].organization_id
        code_of = {o.id: o.code for o in offices}
        for unit in db.scalars(select(Unit)):
            world.unit_ids[unit.code] = unit.id
            world.unit_office[unit.code] = code_of[unit.office_id]
        world.category_ids = {c.code: c.id for c in db.scalars(select(Category))}
        unit_code = {v: k for k, v in world.unit_ids.items()}
        for staff in db.scalars(select(Staff).order_by(Staff.id)):
            if staff.unit_id is not None and staff.role in ("officer", "unit_lead"):
                world.unit_staff.setdefault(unit_code[staff.unit_id], []).append(staff.id)
            if staff.login in {c[0] for c in CALLERS}:
                world.tokens[staff.login] = org.issue_token(
                    db_session=db, staff=staff, name="bench"
                )
    return world
