"""A unit's patrols (탄력순찰): the requests clustered by place and time band and ranked with
the imported incident counts, turned into a quarterly plan, and the page's view of the
quarter — requests, the suggested and the adopted plan, this week's coverage and the latest
patrols. Requests reset each quarter (the history stays).

The requests' intake is ``patrol_requests``, the incident files ``incident_files``, the patrol
log and its notices ``patrol_logs``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from minwon.errors import Forbidden, Invalid, NotFound
from minwon.org import service as org_service
from minwon.org.models import Unit
from minwon.org.roles import LEADS, Principal
from minwon.outreach import patrols
from minwon.outreach.incident_files import incidents_of
from minwon.outreach.models import PatrolLog, PatrolPlan, PatrolRequest
from minwon.outreach.patrol_logs import unit_logs
from minwon.outreach.patrol_quarters import (
    checked_quarter,
    pure_requests,
    quarter_label,
    requests_of,
    require_unit_staff,
)
from minwon.timeutil import to_kst, utcnow


def current_plan(db: Session, *, unit_id: int, quarter: str) -> PatrolPlan | None:
    """The newest plan of a unit for a quarter."""
    query = select(PatrolPlan).where(PatrolPlan.unit_id == unit_id, PatrolPlan.quarter == quarter)
    return db.scalars(query.order_by(PatrolPlan.id.desc())).first()


def draft(db: Session, *, unit_id: int, quarter: str, top: int = 10) -> patrols.PatrolPlan:
    """The plan the requests and incidents suggest now (not stored)."""
    rows = requests_of(db, unit_id=unit_id, quarter=quarter)
    return patrols.patrol_plan(
        pure_requests(rows),
        top=top,
        incidents=incidents_of(db, unit_id=unit_id, quarter=quarter),
        merge_within_m=50,
    )


def adopt_plan(
    db: Session, *, principal: Principal, unit_id: int, quarter: str, top: int = 10
) -> PatrolPlan:
    """Store the suggested plan as the unit's plan for the quarter (unit lead)."""
    require_unit_staff(principal, unit_id, db)
    if principal.role not in LEADS:
        raise Forbidden("순찰 계획은 팀장이 정합니다.")
    checked_quarter(quarter)
    plan = draft(db, unit_id=unit_id, quarter=quarter, top=top)
    if not plan.entries:
        raise Invalid("이번 분기에 들어온 순찰 요청이 없습니다.", field="quarter")
    row = PatrolPlan(
        unit_id=unit_id,
        quarter=quarter,
        created_by_id=principal.staff_id,
        items=[
            {
                "place": e.place,
                "band": e.band.label,
                "start": e.band.start,
                "end": e.band.end,
                "per_week": e.per_week,
                "score": float(e.score),
                "requests": len(e.request_ids),
            }
            for e in plan.entries
        ],
    )
    db.add(row)
    db.flush()
    return row


def quarters(db: Session, *, unit_id: int) -> list[str]:
    """Quarters with requests for a unit, newest first (the history kept after each reset)."""
    query = select(PatrolRequest.quarter).where(PatrolRequest.unit_id == unit_id).distinct()
    return sorted(set(db.scalars(query)), reverse=True)


@dataclass(frozen=True)
class UnitView:
    """What a unit's patrol page and ``GET /api/v1/patrols`` show: the quarter's requests,
    the suggested and the adopted plan, this week's coverage and the latest patrols."""

    unit: Unit
    units: list[Unit]
    quarter: str
    current: str
    quarters: list[str]
    requests: list[PatrolRequest]
    draft: patrols.PatrolPlan
    plan: PatrolPlan | None
    covered: tuple[patrols.Coverage, ...]
    focus: bool
    focus_until: date
    logs: list[PatrolLog]


def staff_units(db: Session, *, principal: Principal) -> list[Unit]:
    """The units whose patrols a staff member sees: every unit of their office (of every
    office for admins and HQ), not only police boxes."""
    every = org_service.list_units(db_session=db)
    return [u for u in every if principal.all_offices or u.office_id == principal.office_id]


def unit_view(
    db: Session,
    *,
    principal: Principal,
    code: str | None,
    quarter: str | None = None,
    strict: bool = False,
) -> UnitView:
    """A unit's patrol requests, plan and coverage: the unit named by ``code``, else the
    caller's own, else the first they see (``strict``, the API: a code not among the caller's
    units is not found); the current quarter unless ``quarter`` names one."""
    units = staff_units(db, principal=principal)
    unit = next((u for u in units if u.code == code), None)
    if strict and code and unit is None:
        raise NotFound(f"부서를 찾을 수 없습니다: {code}", field="unit")
    unit = unit or next(
        (u for u in units if u.id == principal.unit_id), units[0] if units else None
    )
    if unit is None:
        raise NotFound("부서를 찾을 수 없습니다.", field="unit")
    today = to_kst(utcnow()).date()
    current = quarter_label(today)
    quarter = checked_quarter(quarter) if quarter else current
    suggested = draft(db, unit_id=unit.id, quarter=quarter)
    plan = current_plan(db, unit_id=unit.id, quarter=quarter)
    logs = unit_logs(db, unit.id)
    covered: tuple[patrols.Coverage, ...] = ()
    if plan is not None:
        stored = patrols.PatrolPlan(
            tuple(
                patrols.PlanEntry(
                    i["place"],
                    patrols.Band(i["start"], i["end"]),
                    i["per_week"],
                    i["score"],
                    n + 1,
                    (),
                )
                for n, i in enumerate(plan.items)
            ),
            (),
            suggested.bands,
            suggested.place_of,
        )
        done = [patrols.PatrolLog(p.place_key, to_kst(p.at)) for p in logs]
        covered = patrols.coverage(stored, done, today)
    split = patrols.split_quarter([], today)
    return UnitView(
        unit=unit,
        units=units,
        quarter=quarter,
        current=current,
        quarters=quarters(db, unit_id=unit.id) or [current],
        requests=requests_of(db, unit_id=unit.id, quarter=quarter),
        draft=suggested,
        plan=plan,
        covered=covered,
        focus=split.focus,
        focus_until=split.focus_until,
        logs=logs[:20],
    )
