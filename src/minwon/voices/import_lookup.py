"""Looking up the offices, units and categories an import file names (once per distinct
value), within what the importer may write to; planning new units for --create-units."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from minwon.errors import NotFound
from minwon.org import service as org_service
from minwon.org.roles import ADMIN, CS_MANAGER, Principal
from minwon.voices.catalog import kinds_for
from minwon.voices.import_read import _FileProblem
from minwon.voices.import_values import KIND_ALIASES, _Bad, _shown, _table, _text


@dataclass
class _Office:
    """What checking a row needs to know about an office."""

    id: int
    code: str
    organization_id: int
    kinds: dict[str, str]
    kind_table: dict[str, str]
    has_units: bool


# How to set the import's options, said for both of its doors: the web page and `minwon import`.
CREATE_UNITS_HINT = (
    "새 부서로 만들려면 가져오기 화면의 '파일에 나오는 새 부서를 만듭니다'를 켜거나 "
    "명령에 --create-units를 붙이세요"
)
OFFICE_HINT = "가져오기 화면에서 기관을 고르세요(명령: --office)"
UNIT_CODE_MAX = 32
UNIT_NAME_MAX = 200


def _unit_code_ok(code: str) -> bool:
    return len(code) <= UNIT_CODE_MAX and code.replace("-", "").replace("_", "").isalnum()


def unit_code_from(name: str) -> str:
    """A unit code made from a unit's name: its letters, digits, '-' and '_', at most 32.

    Agencies' department names carry spaces, '·' and brackets (서울특별시 송파구 교통행정과,
    기획·예산팀, 민원봉사과(여권)); a code may not, since it prefixes ledger numbers.
    """
    return "".join(ch for ch in name if ch.isalnum() or ch in "-_")[:UNIT_CODE_MAX]


@dataclass(frozen=True)
class NewUnit:
    """A unit --create-units will make: its code, its name as the file wrote it, its office."""

    code: str
    name: str
    office_id: int

    @property
    def shown(self) -> str:
        """How the import report names it: the name, and the code when that differs."""
        return self.name if self.name == self.code else f"{self.name} ({self.code})"


class _Resolver:
    """Offices, units and categories named in a file, looked up once per distinct value."""

    def __init__(self, db: Session, principal: Principal, office: str | None, create: bool) -> None:
        self.db, self.principal, self.create = db, principal, create
        self._offices: dict[int, _Office] = {}
        self._memo: dict[tuple[str, ...], Any] = {}
        self.planned: dict[str, NewUnit] = {}  # by the name (or code) the file wrote
        self.default: _Office | None = None
        if office:
            try:
                self.default = self.office(office)
            except _Bad as bad:
                raise _FileProblem(bad.message) from bad

    def _may_write(self, office_id: int) -> bool:
        return self.principal.all_offices or self.principal.office_id == office_id

    def home(self) -> _Office | None:
        """The office of rows that name neither office nor a known unit."""
        if self.default is not None:
            return self.default
        pid = self.principal.office_id
        return self.office_by_id(pid) if pid is not None else None

    def office_by_id(self, office_id: int) -> _Office:
        """An office's facts, loaded once."""
        if office_id not in self._offices:
            office = org_service.get_office(db_session=self.db, office_id=office_id)
            units = org_service.list_units(db_session=self.db, office_id=office_id)
            kinds = kinds_for(office.organization.settings)
            self._offices[office_id] = _Office(
                id=office.id,
                code=office.code,
                organization_id=office.organization_id,
                kinds=kinds,
                kind_table=_table(kinds, KIND_ALIASES),
                has_units=bool(units),
            )
        return self._offices[office_id]

    def _memoised(self, key: tuple[str, ...], find: Callable[[], Any]) -> Any:
        if key not in self._memo:
            try:
                self._memo[key] = find()
            except _Bad as bad:
                self._memo[key] = bad
        found = self._memo[key]
        if isinstance(found, _Bad):
            raise found
        return found

    def office(self, value: Any) -> _Office:
        """An office by code or name that the importer may write to."""
        ref = _text(value)
        return self._memoised(("office", ref), lambda: self._find_office(ref))

    def _find_office(self, ref: str) -> _Office:
        try:
            office = org_service.find_office(db_session=self.db, ref=ref)
        except NotFound as exc:
            raise _Bad(f"기관을 찾을 수 없습니다: {_shown(ref)}") from exc
        if not self._may_write(office.id):
            raise _Bad(f"기관을 찾을 수 없습니다: {_shown(ref)}")
        return self.office_by_id(office.id)

    def unit(self, value: Any, office: _Office | None) -> tuple[str, _Office]:
        """(unit code, its office) for a unit code or name; plans a new unit when allowed."""
        ref = _text(value)
        key = ("unit", ref, str(office.id if office else ""))
        return self._memoised(key, lambda: self._find_unit(ref, office))

    def _find_unit(self, ref: str, office: _Office | None) -> tuple[str, _Office]:
        planned = self.planned.get(ref)
        if planned is not None and (office is None or office.id == planned.office_id):
            return planned.code, self.office_by_id(planned.office_id)
        by_code = self._unit_by_code(ref)
        if by_code is not None and self._may_write(by_code.office_id):
            if office is None or by_code.office_id == office.id:
                return by_code.code, self.office_by_id(by_code.office_id)
            raise _Bad(f"부서 {_shown(ref)}는 기관 '{office.code}' 소속이 아닙니다.")
        home = office or self.home()
        if home is not None:
            try:
                unit = org_service.find_unit(db_session=self.db, ref=ref, office_id=home.id)
                return unit.code, home
            except NotFound:
                pass
        return self._plan_unit(ref, home, taken=by_code is not None)

    def _unit_by_code(self, ref: str) -> Any:
        try:
            unit = org_service.find_unit(db_session=self.db, ref=ref)
        except NotFound:
            return None
        return unit if unit.code == ref else None

    def _plan_unit(self, ref: str, office: _Office | None, taken: bool) -> tuple[str, _Office]:
        if taken:  # a code another office's unit has: not one to create either
            raise _Bad(f"부서를 찾을 수 없습니다: {_shown(ref)}")
        if not self.create:
            raise _Bad(f"부서를 찾을 수 없습니다: {_shown(ref)} ({CREATE_UNITS_HINT})")
        if office is None:
            raise _Bad(
                f"새 부서를 만들 기관을 알 수 없습니다: 기관(office) 열을 채우거나 {OFFICE_HINT}."
            )
        if self.principal.role not in (ADMIN, CS_MANAGER):
            raise _Bad("새 부서는 관리자나 CS 담당만 만들 수 있습니다.")
        planned = self.planned.get(ref)
        if planned is not None and planned.office_id != office.id:
            raise _Bad(f"새 부서 {_shown(ref)}가 여러 기관의 행에 나옵니다. 한 기관만 쓰세요.")
        if planned is None:
            planned = self.planned[ref] = NewUnit(self._new_code(ref), ref, office.id)
        office.has_units = True
        return planned.code, office

    def _new_code(self, name: str) -> str:
        """The code of a new unit named ``name``: the name itself when it can be a code, else
        ``unit_code_from`` it, numbered (-2, -3, …) past codes already taken or planned."""
        if len(name) > UNIT_NAME_MAX:
            raise _Bad(f"새 부서 이름이 너무 깁니다: {len(name):,}자 (최대 {UNIT_NAME_MAX}자)")
        base = name if _unit_code_ok(name) else unit_code_from(name)
        if not _unit_code_ok(base):  # nothing left, or only '-' and '_'
            raise _Bad(f"새 부서 이름에 글자나 숫자가 없습니다: {_shown(name)}")
        planned = {new.code for new in self.planned.values()}
        code, n = base, 1
        while code in planned or self._unit_by_code(code) is not None:
            n += 1
            code = f"{base[: UNIT_CODE_MAX - len(str(n)) - 1]}-{n}"
        return code

    def new_units(self) -> dict[str, NewUnit]:
        """The units to make, by code."""
        return {new.code: new for new in self.planned.values()}

    def category(self, value: Any, office: _Office) -> str:
        """A category code of the office's organisation, by code or name."""
        ref = _text(value)
        key = ("category", ref, str(office.organization_id))
        return self._memoised(key, lambda: self._find_category(ref, office.organization_id))

    def _find_category(self, ref: str, organization_id: int) -> str:
        try:
            return org_service.find_category(
                db_session=self.db, organization_id=organization_id, ref=ref
            ).code
        except NotFound as exc:
            raise _Bad(f"분류를 찾을 수 없습니다: {_shown(ref)}") from exc
