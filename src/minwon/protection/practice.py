"""Role-play sessions and each officer's practice history: who practised which scenario when,
the observer's and the participant's own 1–5 scores per rubric item, the coaching notes.

Scores are personal: a session is seen by its participants and observer, the lead of its unit,
the CS manager of its office and admins; HQ sees none."""

from collections import defaultdict
from datetime import UTC, datetime, timedelta
from statistics import mean

from sqlalchemy import delete, func, or_, select
from sqlalchemy.orm import Session

from minwon.errors import Forbidden, Invalid, NotFound
from minwon.org.models import Staff
from minwon.org.roles import ADMIN, CS_MANAGER, UNIT_LEAD, Principal
from minwon.protection import access, scenarios
from minwon.protection.models import PracticeParticipant, PracticeScore, PracticeSession, Scenario
from minwon.protection.roleplay_schemas import (
    HistoryRead,
    HistoryRow,
    ParticipantRead,
    SessionCreate,
    SessionRead,
)
from minwon.timeutil import KST, as_aware

MAX_ID = 2**63
CLOCK_SKEW = timedelta(minutes=5)
LIST_LIMIT = 100
OBSERVER, SELF = "observer", "self"


def record(
    *, db_session: Session, data: SessionCreate, principal: Principal, now: datetime
) -> PracticeSession:
    """Record a session of the caller's office with its participants, observer and scores."""
    access.require_writer(principal)
    scenario = scenarios.get(
        db_session=db_session, scenario_id=data.scenario_id, principal=principal
    )
    held = as_aware(data.held_at, KST)
    if held > now + CLOCK_SKEW or held.year < 2000:
        raise Invalid("실시 일시를 확인해 주세요 (미래는 안 됩니다).", field="held_at")
    people = [
        _colleague(db_session, login, principal, "participants")
        for login in dict.fromkeys(data.participants)
    ]
    observer = _colleague(db_session, data.observer or principal.login, principal, "observer")
    if observer.id in {p.id for p in people}:
        raise Invalid("관찰자는 참가자가 아닌 사람이어야 합니다.", field="observer")
    checked = _checked_scores(data, {p.login: p.id for p in people}, _items(scenario))
    row = PracticeSession(
        office_id=people[0].office_id,
        unit_id=people[0].unit_id,
        scenario_id=scenario.id,
        held_at=held,
        observer_id=observer.id,
        coaching=data.coaching,
        created_by_id=principal.staff_id,
        created_at=now,
    )
    db_session.add(row)
    db_session.flush()
    db_session.add_all(PracticeParticipant(session_id=row.id, staff_id=p.id) for p in people)
    db_session.add_all(
        PracticeScore(session_id=row.id, staff_id=staff_id, item=item, by=by, score=score)
        for staff_id, by, item, score in checked
    )
    db_session.flush()
    return row


def _colleague(db: Session, login: str, principal: Principal, field: str) -> Staff:
    staff = db.scalar(select(Staff).where(Staff.login == login, Staff.active.is_(True)))
    if staff is None or staff.office_id is None or not access.in_office(principal, staff.office_id):
        raise Invalid(f"이 기관의 직원이 아닙니다: {login}", field=field)
    return staff


def _items(scenario: Scenario) -> set[str]:
    return {str(item["code"]) for item in scenario.rubric}


def _checked_scores(
    data: SessionCreate, ids: dict[str, int], items: set[str]
) -> list[tuple[int, str, str, int]]:
    """(staff id, by, item, score) of every score given, checked before anything is written."""
    checked = []
    for by, given in ((OBSERVER, data.observer_scores), (SELF, data.self_scores)):
        for login, scores in given.items():
            if login not in ids:
                raise Invalid(f"참가자가 아닌 사람의 점수입니다: {login}", field=f"{by}_scores")
            _check_items(scores, items, by)
            checked += [(ids[login], by, item, score) for item, score in scores.items()]
    return checked


def _check_items(scores: dict[str, int], items: set[str], by: str) -> None:
    unknown = set(scores) - items
    if unknown:
        names = ", ".join(sorted(unknown))
        raise Invalid(f"이 시나리오에 없는 채점 항목입니다: {names}", field=f"{by}_scores")


def _add_scores(
    db: Session, session_id: int, staff_id: int, by: str, scores: dict[str, int], items: set[str]
) -> None:
    _check_items(scores, items, by)
    for item, score in scores.items():
        db.add(
            PracticeScore(session_id=session_id, staff_id=staff_id, item=item, by=by, score=score)
        )


def set_self_scores(
    *, db_session: Session, session_id: int, scores: dict[str, int], principal: Principal
) -> PracticeSession:
    """A participant gives (or changes) their own scores for a session."""
    row = get(db_session=db_session, session_id=session_id, principal=principal)
    if principal.staff_id not in _participant_ids(db_session, row.id):
        raise Forbidden("자기 평가는 참가자 본인만 할 수 있습니다.")
    scenario = db_session.get_one(Scenario, row.scenario_id)
    db_session.execute(
        delete(PracticeScore).where(
            PracticeScore.session_id == row.id,
            PracticeScore.staff_id == principal.staff_id,
            PracticeScore.by == SELF,
        )
    )
    assert principal.staff_id is not None
    _add_scores(db_session, row.id, principal.staff_id, SELF, scores, _items(scenario))
    db_session.flush()
    return row


def _participant_ids(db: Session, session_id: int) -> set[int]:
    query = select(PracticeParticipant.staff_id).where(PracticeParticipant.session_id == session_id)
    return set(db.scalars(query))


def _may_see(db: Session, principal: Principal, row: PracticeSession) -> bool:
    if principal.role == ADMIN:
        return True
    if principal.office_id != row.office_id or not principal.sees_personal_data:
        return False
    if principal.role == CS_MANAGER:
        return True
    if principal.role == UNIT_LEAD and principal.unit_id == row.unit_id:
        return True
    return principal.staff_id == row.observer_id or principal.staff_id in _participant_ids(
        db, row.id
    )


def get(*, db_session: Session, session_id: int, principal: Principal) -> PracticeSession:
    """A session the caller may see; any other is not found."""
    access.require_staff(principal)
    row = db_session.get(PracticeSession, session_id) if 0 < session_id < MAX_ID else None
    if row is None or not _may_see(db_session, principal, row):
        raise NotFound("역할극 기록을 찾을 수 없습니다.")
    return row


def visible(principal: Principal) -> object:
    """The SQL condition on ``PracticeSession`` for the sessions the caller may see (the same
    rule as ``get``): admins all; the CS manager their office; a lead their unit's; anyone
    else the sessions they took part in or observed; HQ none."""
    if principal.role == ADMIN:
        return PracticeSession.id.is_not(None)
    if not principal.sees_personal_data or principal.office_id is None:
        return PracticeSession.id.is_(None)
    mine = PracticeSession.office_id == principal.office_id
    if principal.role == CS_MANAGER:
        return mine
    took_part = select(PracticeParticipant.session_id).where(
        PracticeParticipant.staff_id == principal.staff_id
    )
    own = [PracticeSession.id.in_(took_part), PracticeSession.observer_id == principal.staff_id]
    if principal.role == UNIT_LEAD:
        own.append(PracticeSession.unit_id == principal.unit_id)
    return mine & or_(*own)


def list_for(
    *, db_session: Session, principal: Principal, limit: int = LIST_LIMIT
) -> list[PracticeSession]:
    """The sessions the caller may see, newest first."""
    access.require_staff(principal)
    query = select(PracticeSession).order_by(
        PracticeSession.held_at.desc(), PracticeSession.id.desc()
    )
    if principal.role == ADMIN:
        return list(db_session.scalars(query.limit(limit)))
    if not principal.sees_personal_data:
        return []
    query = query.where(PracticeSession.office_id == principal.office_id)
    if principal.role != CS_MANAGER:
        mine = select(PracticeParticipant.session_id).where(
            PracticeParticipant.staff_id == principal.staff_id
        )
        own = [PracticeSession.id.in_(mine), PracticeSession.observer_id == principal.staff_id]
        if principal.role == UNIT_LEAD:
            own.append(PracticeSession.unit_id == principal.unit_id)
        query = query.where(or_(*own))
    return list(db_session.scalars(query.limit(limit)))


def read(db: Session, row: PracticeSession) -> SessionRead:
    """The session with each participant's observer and self scores."""
    scenario = db.get_one(Scenario, row.scenario_id)
    observer = db.get(Staff, row.observer_id) if row.observer_id else None
    scores: dict[int, dict[str, dict[str, int]]] = defaultdict(lambda: {OBSERVER: {}, SELF: {}})
    for s in db.scalars(select(PracticeScore).where(PracticeScore.session_id == row.id)):
        scores[s.staff_id][s.by][s.item] = s.score
    people = db.scalars(
        select(Staff)
        .join(PracticeParticipant, PracticeParticipant.staff_id == Staff.id)
        .where(PracticeParticipant.session_id == row.id)
        .order_by(Staff.name)
    )
    return SessionRead(
        id=row.id,
        scenario_id=scenario.id,
        scenario=scenario.title,
        held_at=row.held_at,
        observer=observer.name if observer else None,
        coaching=row.coaching,
        participants=[
            ParticipantRead(
                staff_id=p.id, name=p.name, observer=scores[p.id][OBSERVER], self=scores[p.id][SELF]
            )
            for p in people
        ],
    )


def may_see_person(principal: Principal, staff: Staff) -> bool:
    """Whether the caller may open ``staff``'s practice history."""
    if principal.role == ADMIN or principal.staff_id == staff.id:
        return True
    if principal.office_id != staff.office_id:
        return False
    if principal.role == CS_MANAGER:
        return True
    return principal.role == UNIT_LEAD and principal.unit_id == staff.unit_id


def history(*, db_session: Session, staff_id: int, principal: Principal) -> HistoryRead:
    """An officer's practice history: their sessions (newest first) with the observer's and
    their own mean score, and per rubric item the means and count. Seen by the officer, the
    lead of their unit, the CS manager of their office and admins."""
    access.require_staff(principal)
    staff = db_session.get(Staff, staff_id) if 0 < staff_id < MAX_ID else None
    if staff is None or not may_see_person(principal, staff):
        raise NotFound("직원을 찾을 수 없습니다.")
    query = (
        select(PracticeSession, Scenario)
        .join(PracticeParticipant, PracticeParticipant.session_id == PracticeSession.id)
        .join(Scenario, Scenario.id == PracticeSession.scenario_id)
        .where(PracticeParticipant.staff_id == staff.id)
        .order_by(PracticeSession.held_at.desc(), PracticeSession.id.desc())
    )
    found = [(row[0], row[1]) for row in db_session.execute(query)]
    scores = list(
        db_session.scalars(
            select(PracticeScore).where(
                PracticeScore.staff_id == staff.id,
                PracticeScore.session_id.in_([s.id for s, _ in found]),
            )
        )
    )
    per_session: dict[tuple[int, str], list[int]] = defaultdict(list)
    per_item: dict[tuple[str, str], list[int]] = defaultdict(list)
    for s in scores:
        per_session[(s.session_id, s.by)].append(s.score)
        per_item[(s.item, s.by)].append(s.score)
    rows = [
        HistoryRow(
            session_id=session.id,
            held_at=session.held_at,
            scenario=scenario.title,
            family=scenario.family,
            observer_mean=_mean(per_session.get((session.id, OBSERVER))),
            self_mean=_mean(per_session.get((session.id, SELF))),
        )
        for session, scenario in found
    ]
    items = {
        item: {
            "observer": _mean(per_item.get((item, OBSERVER))),
            "self": _mean(per_item.get((item, SELF))),
            "n": len(per_item.get((item, OBSERVER), [])),
        }
        for item in sorted({i for i, _ in per_item})
    }
    return HistoryRead(staff_id=staff.id, name=staff.name, sessions=rows, items=items)


def _mean(values: list[int] | None) -> float | None:
    return round(mean(values), 2) if values else None


def people_overview(
    db: Session, principal: Principal, limit: int = 200
) -> list[tuple[Staff, int, datetime | None]]:
    """For a lead (their unit), a CS manager (their office) or an admin (everyone): each
    officer with how many sessions they practised and when last — who needs practice."""
    if principal.role not in (UNIT_LEAD, CS_MANAGER, ADMIN):
        return []
    counts = (
        select(
            PracticeParticipant.staff_id,
            func.count(PracticeSession.id).label("n"),
            func.max(PracticeSession.held_at).label("last"),
        )
        .join(PracticeSession, PracticeSession.id == PracticeParticipant.session_id)
        .group_by(PracticeParticipant.staff_id)
        .subquery()
    )
    query = (
        select(Staff, counts.c.n, counts.c.last)
        .outerjoin(counts, counts.c.staff_id == Staff.id)
        .where(Staff.active.is_(True), Staff.role.in_(("officer", UNIT_LEAD)))
        .order_by(Staff.office_id, Staff.unit_id, Staff.name)
    )
    if principal.role == UNIT_LEAD:
        query = query.where(Staff.unit_id == principal.unit_id)
    elif principal.role == CS_MANAGER:
        query = query.where(Staff.office_id == principal.office_id)
    rows = db.execute(query.limit(limit)).all()
    return [(staff, n or 0, _aware(last)) for staff, n, last in rows]


def _aware(value: datetime | None) -> datetime | None:
    """``max()`` over a UTC column comes back without the column type on some engines."""
    if value is None or isinstance(value, datetime) and value.tzinfo is not None:
        return value
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC)


def colleagues(db: Session, principal: Principal) -> list[Staff]:
    """Active staff of the caller's office, to pick participants and the observer from."""
    if principal.office_id is None:
        return []
    query = select(Staff).where(Staff.office_id == principal.office_id, Staff.active.is_(True))
    return list(db.scalars(query.order_by(Staff.name)))
