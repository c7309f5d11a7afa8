"""A unit's quarter of patrol requests (탄력순찰): how a quarter is named, who may see a unit's
requests, and the requests read back for the clustering of ``patrols``. The request intake,
the incident files, the plans and the patrol log all build on these."""

from __future__ import annotations

import re
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from minwon.errors import Forbidden, Invalid
from minwon.org import service as org_service
from minwon.org.roles import WRITERS, Principal
from minwon.outreach import patrols
from minwon.outreach.models import PatrolRequest
from minwon.timeutil import to_kst


def quarter_label(day: date) -> str:
    """A quarter as stored: ``2026Q4``."""
    q = patrols.quarter_of(day)
    return f"{q.year}Q{q.number}"


_QUARTER = re.compile(r"(19|2[0-9])[0-9]{2}Q[1-4]")


def checked_quarter(quarter: str) -> str:
    """A quarter named by a caller, as stored (``2026Q4``); ``Invalid`` for anything else, so
    that counts and plans are never filed under a quarter no day belongs to."""
    if not _QUARTER.fullmatch(quarter):
        raise Invalid("분기는 2026Q4처럼 연도와 1~4분기로 적어 주십시오.", field="quarter")
    return quarter


def require_unit_staff(principal: Principal, unit_id: int, db: Session) -> None:
    """Refuse anyone but staff who record voices in the unit's office (every office for HQ
    and admins): a unit's requests name residents' places and hours."""
    unit = org_service.get_unit(db_session=db, unit_id=unit_id)
    if principal.role not in WRITERS or (
        not principal.all_offices and unit.office_id != principal.office_id
    ):
        raise Forbidden("이 부서의 순찰 요청을 볼 수 없습니다.")


def requests_of(db: Session, *, unit_id: int, quarter: str) -> list[PatrolRequest]:
    """A unit's requests of one quarter, oldest first."""
    query = select(PatrolRequest).where(
        PatrolRequest.unit_id == unit_id, PatrolRequest.quarter == quarter
    )
    return list(db.scalars(query.order_by(PatrolRequest.id)))


def pure_requests(rows: list[PatrolRequest]) -> list[patrols.PatrolRequest]:
    """Stored requests as the clustering and notices of ``patrols`` take them."""
    return [
        patrols.PatrolRequest(
            str(r.id),
            r.place,
            to_kst(r.created_at),
            r.start_hour % 24,
            r.end_hour % 24 or 24,
            r.reason,
            r.lat,
            r.lon,
            has_contact=bool(r.email),
            consented=r.consent,
        )
        for r in rows
    ]
