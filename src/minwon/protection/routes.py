"""HTTP API of staff protection under /api/v1/protection (and a voice's closing for cause):
thin — parse, call the service, commit, answer."""

from typing import Annotated

from fastapi import APIRouter, Query

from minwon.protection import incidents, settings, suspensions
from minwon.protection.catalog import LADDERS
from minwon.protection.schemas import (
    CloseIn,
    IncidentCreate,
    IncidentRead,
    IncidentUpdate,
    LiftIn,
    OfficeSettingsIn,
    OfficeSettingsRead,
    SuspensionCreate,
    SuspensionRead,
)
from minwon.timeutil import utcnow
from minwon.voices import queries, workflow
from minwon.voices import service as voice_service
from minwon.voices.routes import VoiceId
from minwon.voices.schemas import VoiceRead
from minwon.web.deps import DbId, SessionDep, StaffDep
from minwon.web.text_route import TextRoute

router = APIRouter(route_class=TextRoute, prefix="/api/v1", tags=["protection"])
OfficeQuery = Annotated[str, Query(max_length=32, description="office code (admins, HQ)")]


@router.get(
    "/protection/ladder",
    summary="Drill ladder / 특이민원 대응 단계",
    description="대응 단계(방문: 진정 요청 → 1차 경고·녹음 고지 → 2차 경고·신고 고지 → 비상벨 → "
    "보호 → 인계 → 상급자 전환; 전화: 경고 안내 → 통화 종료 안내).\n\n"
    "The steps of the drill ladder for visits and calls, with what staff say.",
)
def ladder(principal: StaffDep) -> dict[str, list[dict[str, str]]]:
    """The drill ladder for visits and for calls."""
    return {
        channel: [{"code": s.code, "name": s.name, "script": s.script} for s in steps]
        for channel, steps in LADDERS.items()
    }


def _settings_read(found: settings.OfficeSettings) -> OfficeSettingsRead:
    return OfficeSettingsRead(
        office=found.office_code,
        call_minutes=found.call_minutes,
        visit_minutes=found.visit_minutes,
        appeal_contact=found.appeal_contact,
        updated_at=found.updated_at,
    )


@router.get(
    "/protection/settings",
    response_model=OfficeSettingsRead,
    summary="Recommended contact lengths / 권장 응대 시간",
    description="기관의 권장 통화·방문 응대 시간과 제출 제한 이의신청 창구.\n\n"
    "The office's recommended call and visit lengths and the appeal contact.",
)
def get_settings(
    db: SessionDep, principal: StaffDep, office: OfficeQuery = ""
) -> OfficeSettingsRead:
    """An office's protection settings (every staff member of the office)."""
    office_id = settings.office_of(db, principal, office)
    return _settings_read(settings.for_office(db, office_id))


@router.put(
    "/protection/settings",
    response_model=OfficeSettingsRead,
    summary="Set recommended lengths / 권장 응대 시간 설정",
    description="CS 담당·관리자만. CS managers and admins only.",
)
def put_settings(
    body: OfficeSettingsIn, db: SessionDep, principal: StaffDep, office: OfficeQuery = ""
) -> OfficeSettingsRead:
    """Set an office's recommended lengths and appeal contact."""
    office_id = settings.office_of(db, principal, office)
    saved = settings.save(
        db_session=db, office_id=office_id, data=body, principal=principal, now=utcnow()
    )
    db.commit()
    return _settings_read(saved)


@router.get(
    "/protection/incidents",
    response_model=list[IncidentRead],
    summary="Incident log / 특이민원 사건 기록",
    description="기관의 사건 기록(최근 순). 관련 직원은 부서장·CS 담당·관리자에게만 보이고 "
    "나머지에게는 가려집니다.\n\nThe office's incidents, newest first; the staff involved "
    "are shown only to the unit lead, CS manager and admin (redacted for everyone else).",
)
def list_incidents(db: SessionDep, principal: StaffDep) -> list[IncidentRead]:
    """The incidents of the caller's offices."""
    rows = incidents.list_for(db_session=db, principal=principal)
    return [incidents.read(db, r, principal) for r in rows]


@router.post(
    "/protection/incidents",
    response_model=IncidentRead,
    status_code=201,
    summary="Record an incident / 사건 기록",
    description="일시, 장소, 경로, 경위, 조치, 수사기관 신고 여부, 직원 지원.\n\n"
    "Time, place, channel, what happened, measures, report, support to the officer.",
)
def create_incident(body: IncidentCreate, db: SessionDep, principal: StaffDep) -> IncidentRead:
    """Record an incident of a unit of the caller's office."""
    row = incidents.create(db_session=db, data=body, principal=principal, now=utcnow())
    read = incidents.read(db, row, principal)
    db.commit()
    return read


@router.get(
    "/protection/incidents/{incident_id}",
    response_model=IncidentRead,
    summary="One incident / 사건 기록 보기",
)
def get_incident(incident_id: DbId, db: SessionDep, principal: StaffDep) -> IncidentRead:
    """One incident of the caller's offices (staff redacted unless allowed)."""
    row = incidents.get(db_session=db, incident_id=incident_id, principal=principal)
    return incidents.read(db, row, principal)


@router.patch(
    "/protection/incidents/{incident_id}",
    response_model=IncidentRead,
    summary="Follow up an incident / 조치·지원 기록",
    description="부서장·CS 담당·관리자. The unit lead, CS manager or admin.",
)
def update_incident(
    incident_id: DbId, body: IncidentUpdate, db: SessionDep, principal: StaffDep
) -> IncidentRead:
    """Record measures, the report and the support given."""
    row = incidents.update(
        db_session=db, incident_id=incident_id, data=body, principal=principal, now=utcnow()
    )
    read = incidents.read(db, row, principal)
    db.commit()
    return read


@router.get(
    "/protection/suspensions",
    response_model=list[SuspensionRead],
    summary="Submission suspensions / 인터넷 민원 제출 제한",
    description="기관의 제출 제한 목록과 감사 기록. HQ 분석 역할은 볼 수 없습니다(개인정보).\n\n"
    "The office's suspensions with their audit trail (not for HQ analysts).",
)
def list_suspensions(db: SessionDep, principal: StaffDep) -> list[SuspensionRead]:
    """The suspensions of the caller's offices."""
    now = utcnow()
    rows = suspensions.list_for(db_session=db, principal=principal)
    return [suspensions.read(db, r, now) for r in rows]


@router.post(
    "/protection/suspensions",
    response_model=SuspensionRead,
    status_code=201,
    summary="Suspend web submissions / 제출 일시 제한",
    description="반복 제출·자동 등록을 이유로 전화번호나 전자우편의 인터넷 민원 신청을 종료 "
    "일시까지 제한합니다(최대 180일). CS 담당·관리자.\n\nSuspend a phone number's or "
    "e-mail's web submissions to the office until ``ends_at`` (at most 180 days).",
)
def create_suspension(
    body: SuspensionCreate, db: SessionDep, principal: StaffDep
) -> SuspensionRead:
    """Suspend a citizen's web submissions."""
    now = utcnow()
    row = suspensions.create(db_session=db, data=body, principal=principal, now=now)
    read = suspensions.read(db, row, now)
    db.commit()
    return read


@router.get(
    "/protection/suspensions/{suspension_id}",
    response_model=SuspensionRead,
    summary="One suspension / 제출 제한 보기",
)
def get_suspension(suspension_id: DbId, db: SessionDep, principal: StaffDep) -> SuspensionRead:
    """One suspension with its audit trail."""
    row = suspensions.get(db_session=db, suspension_id=suspension_id, principal=principal)
    return suspensions.read(db, row, utcnow())


@router.post(
    "/protection/suspensions/{suspension_id}/lift",
    response_model=SuspensionRead,
    summary="Lift a suspension / 제한 해제",
    description="사유와 함께 제한을 일찍 끝냅니다. Ends it early, with the reason.",
)
def lift_suspension(
    suspension_id: DbId, body: LiftIn, db: SessionDep, principal: StaffDep
) -> SuspensionRead:
    """Lift a running suspension."""
    now = utcnow()
    row = suspensions.lift(
        db_session=db, suspension_id=suspension_id, principal=principal, note=body.note, now=now
    )
    read = suspensions.read(db, row, now)
    db.commit()
    return read


@router.post(
    "/protection/suspensions/{suspension_id}/appeal",
    response_model=SuspensionRead,
    summary="Record an appeal / 이의신청 기록",
)
def appeal_suspension(
    suspension_id: DbId, body: LiftIn, db: SessionDep, principal: StaffDep
) -> SuspensionRead:
    """Note a citizen's appeal and the decision in the audit trail."""
    now = utcnow()
    row = suspensions.note_appeal(
        db_session=db, suspension_id=suspension_id, principal=principal, note=body.note, now=now
    )
    read = suspensions.read(db, row, now)
    db.commit()
    return read


@router.post(
    "/voices/{voice_id}/close-for-cause",
    response_model=VoiceRead,
    summary="Close a voice for cause / 특이·반복 민원 종결",
    description="폭언 등 특이민원이거나, 두 번 이상 답변한 같은 내용의 3회 이상 반복 민원을 "
    "사유와 함께 종결하고 민원인에게 통지합니다. 부서장·CS 담당·관리자.\n\n"
    "Close an open voice as abusive or as a third or later repeat (two answered before), "
    "with the reason; the citizen is notified through the outbox.",
)
def close_for_cause(
    voice_id: VoiceId, body: CloseIn, db: SessionDep, principal: StaffDep
) -> VoiceRead:
    """Close an open voice for cause."""
    voice = voice_service.get(db_session=db, voice_id=voice_id, principal=principal)
    workflow.close_for_cause(
        db_session=db, voice=voice, principal=principal, cause=body.cause, reason=body.reason
    )
    read = queries.read_many(db, [voice], principal)[0]
    db.commit()
    return read
