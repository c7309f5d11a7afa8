"""Which units take voices now: closing a unit, merging it into another, and its duties.

Agencies reorganise: a team is closed, or merged into another, while its ledger and history
stay. A unit that no longer takes voices is never routed to, offered as a transfer target or
suggested by the routing model; the history of a merged unit teaches the model about the unit
it was merged into. Duties (업무분장) are the admin's own words for what a unit handles,
also read by routing so that a unit with little history can still be suggested.
"""

from sqlalchemy import select
from sqlalchemy.orm import Session

from minwon.errors import Invalid
from minwon.org.models import RoutingRule, Unit
from minwon.org.schemas import UnitUpdate

MAX_CHAIN = 50


def successor(db_session: Session, unit: Unit) -> Unit | None:
    """The unit that takes this unit's voices now: itself when it takes voices, else the
    end of its merged-into chain (None for a closed unit, or a chain ending in one)."""
    seen: set[int] = set()
    current: Unit | None = unit
    while current is not None and not current.takes_voices:
        if current.id in seen or len(seen) > MAX_CHAIN:
            return None
        seen.add(current.id)
        current = db_session.get(Unit, current.merged_into_id) if current.merged_into_id else None
    return current


def open_codes(db_session: Session, *, office_id: int | None = None) -> set[str]:
    """Codes of the units that take voices now (of one office, or of every office)."""
    query = select(Unit.code).where(Unit.takes_voices.is_(True))
    if office_id is not None:
        query = query.where(Unit.office_id == office_id)
    return set(db_session.scalars(query))


def learning_labels(db_session: Session) -> dict[str, str]:
    """Unit code → the code routing should learn its history as: its own for a unit that
    takes voices, its successor's for a merged one; closed units are left out."""
    labels = {}
    for unit in db_session.scalars(select(Unit)):
        now = successor(db_session, unit)
        if now is not None:
            labels[unit.code] = now.code
    return labels


def duties_of(db_session: Session, office_ids: list[int]) -> dict[str, str]:
    """Unit code → duties text, for the units of these offices that take voices and have
    duties written."""
    query = select(Unit.code, Unit.duties).where(
        Unit.office_id.in_(office_ids), Unit.takes_voices.is_(True), Unit.duties != ""
    )
    return {str(code): str(duties) for code, duties in db_session.execute(query)}


def update_unit(*, db_session: Session, unit: Unit, change: UnitUpdate) -> Unit:
    """Rename a unit, write its duties, close or reopen it, or merge it into another.

    Merging closes the unit and sends its history's lessons to the target. Refused, changing
    nothing: merging into itself, into a unit of another organisation or of another office
    (voices addressed to the unit would land in an office that is not theirs), into a unit
    that does not take voices, or in a circle; merging while saying the unit takes voices;
    closing the office's front desk or its last open unit; closing a unit that routing rules
    still send voices to (they would send them nowhere).
    """
    fields = change.model_fields_set
    target = (
        _merge_target(db_session, unit, change.merged_into) if "merged_into" in fields else None
    )
    if target is not None and change.takes_voices:
        raise Invalid(
            "민원을 받게 하면서 다른 부서에 합칠 수는 없습니다: 합친 부서는 민원을 받지 않습니다.",
            field="merged_into",
        )
    takes = change.takes_voices if change.takes_voices is not None else unit.takes_voices
    if target is not None:
        takes = False
    elif "merged_into" not in fields and not takes and unit.merged_into_id is not None:
        target = db_session.get(Unit, unit.merged_into_id)
    if unit.takes_voices and not takes:
        _check_may_close(db_session, unit)
    if change.name is not None:
        unit.name = change.name
    if change.duties is not None:
        unit.duties = change.duties
    unit.takes_voices = takes
    unit.merged_into_id = None if takes or target is None else target.id
    db_session.flush()
    return unit


def _merge_target(db: Session, unit: Unit, code: str | None) -> Unit | None:
    if code is None:
        return None
    target = db.scalar(select(Unit).where(Unit.code == code))
    if target is None:
        raise Invalid(f"합칠 부서를 찾을 수 없습니다: {code}", field="merged_into")
    if target.id == unit.id:
        raise Invalid("부서를 자기 자신에 합칠 수 없습니다.", field="merged_into")
    if target.office.organization_id != unit.office.organization_id:
        raise Invalid("다른 조직의 부서에는 합칠 수 없습니다.", field="merged_into")
    if target.office_id != unit.office_id:
        raise Invalid(
            f"{target.name}({target.code}) 부서는 {target.office.name} 소속입니다: "
            "같은 본부·경찰서의 부서에만 합칠 수 있습니다.",
            field="merged_into",
        )
    if not target.takes_voices:
        raise Invalid(
            f"{target.name} 부서는 민원을 받지 않습니다: 민원을 받는 부서에 합치세요.",
            field="merged_into",
        )
    return target


def _check_may_close(db: Session, unit: Unit) -> None:
    if unit.is_front_desk:
        raise Invalid(
            "접수 창구 부서는 닫을 수 없습니다: 다른 부서를 창구로 정한 뒤 닫으세요.",
            field="takes_voices",
        )
    others = open_codes(db, office_id=unit.office_id) - {unit.code}
    if not others:
        raise Invalid("기관에 민원을 받는 부서가 하나는 있어야 합니다.", field="takes_voices")
    rules = db.scalar(select(RoutingRule.id).where(RoutingRule.unit_id == unit.id).limit(1))
    if rules is not None:
        raise Invalid(
            "이 부서로 보내는 배정 규칙이 있습니다: 규칙을 먼저 지우거나 바꾸세요.",
            field="takes_voices",
        )
