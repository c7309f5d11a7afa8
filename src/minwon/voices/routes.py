"""HTTP API of the ledger under /api/v1 (thin: parse, call the service, commit, answer)."""

from dataclasses import asdict
from typing import Annotated

from fastapi import APIRouter, File, Form, Header, Path, Query, Request, Response, UploadFile
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from minwon.analysis.intake import AnalysisAdvisor
from minwon.config import get_settings
from minwon.db import MAX_DB_ID
from minwon.errors import Invalid, NotFound
from minwon.org.models import Unit
from minwon.org.roles import Principal
from minwon.protection import suspensions
from minwon.timeutil import utcnow
from minwon.voices import (
    attachments,
    history,
    import_jobs,
    import_launch,
    masked_view,
    queries,
    receipt_mail,
    service,
    workflow,
)
from minwon.voices.catalog import STATUSES
from minwon.voices.io_routes import FilterDep
from minwon.voices.models import Voice
from minwon.voices.schemas import (
    AnswerIn,
    AnswerRead,
    AssignIn,
    EventRead,
    ExtendIn,
    ImportRead,
    NoteIn,
    TrackRead,
    TransferIn,
    UnitRef,
    VoiceCreate,
    VoiceCreated,
    VoicePage,
    VoiceRead,
)
from minwon.web.deps import DbId, PrincipalDep, SessionDep, StaffDep, client_address
from minwon.web.files import file_response
from minwon.web.text_route import TextRoute
from minwon.web.throttle import throttle_of, too_many

router = APIRouter(route_class=TextRoute, prefix="/api/v1", tags=["voices"])
VoiceId = Annotated[int, Path(ge=1, le=MAX_DB_ID, description="the voice's id")]


def _read(db: Session, voice: Voice, principal: Principal) -> VoiceRead:
    return queries.read_many(db, [voice], principal)[0]


@router.post(
    "/voices", status_code=201, response_model=VoiceCreated, summary="민원 접수 · Record a voice"
)
def create_voice(
    voice_in: VoiceCreate,
    db: SessionDep,
    principal: PrincipalDep,
    request: Request,
    response: Response,
    idempotency_key: Annotated[str | None, Header()] = None,
) -> VoiceCreated:
    """Record a voice from any channel; replays with the same Idempotency-Key are safe.
    Anonymous callers (citizens) are throttled per address like the public form."""
    secret: str | None
    throttle, address = throttle_of(request), client_address(request)
    if not principal.is_staff:
        verdict = throttle.blocked("submit", address)
        if not verdict.allowed:
            raise too_many(request, verdict.retry_after)
        service.check_citizen_channel(voice_in)
        suspensions.check_submission(db_session=db, voice_in=voice_in, now=utcnow())
    if idempotency_key is None:
        voice, secret = service.create(
            db_session=db, voice_in=voice_in, principal=principal, advisor=AnalysisAdvisor()
        )
        replayed = False
    else:
        voice, secret, replayed = service.create_idempotent(
            db_session=db,
            voice_in=voice_in,
            principal=principal,
            key=idempotency_key,
            advisor=AnalysisAdvisor(),
        )
    if not principal.is_staff and secret is not None:
        receipt_mail.queue_receipt(db, voice=voice, secret=secret, base_url=get_settings().base_url)
    db.commit()
    if not principal.is_staff:
        throttle.hit("submit", address)
    if replayed:
        response.headers["Idempotent-Replayed"] = "true"
    unit = db.get_one(Unit, voice.unit_id)
    return VoiceCreated(
        id=voice.id,
        ledger_no=voice.ledger_no,
        status=voice.status,
        due_at=voice.due_at,
        unit=UnitRef(code=unit.code, name=unit.name),
        receipt_secret=secret,
    )


@router.get(
    "/voices", response_model=VoicePage, summary="민원 처리부 목록 · The ledger, filtered and paged"
)
def list_voices(
    db: SessionDep,
    principal: StaffDep,
    flt: FilterDep,
    cursor: str | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> VoicePage:
    """The ledger, filtered and keyset-paged (follow ``next_cursor``)."""
    rows, next_cursor = queries.page(
        db_session=db, principal=principal, flt=flt, cursor=cursor, limit=limit
    )
    return VoicePage(items=queries.read_many(db, rows, principal), next_cursor=next_cursor)


@router.get("/voices/{voice_id}", response_model=VoiceRead, summary="민원 한 건 · One voice")
def get_voice(voice_id: VoiceId, db: SessionDep, principal: StaffDep) -> VoiceRead:
    """One voice of the caller's offices."""
    return _read(db, service.get(db_session=db, voice_id=voice_id, principal=principal), principal)


@router.get(
    "/voices/{voice_id}/history",
    response_model=list[EventRead],
    summary="처리 이력 · A voice's history",
)
def voice_history(voice_id: VoiceId, db: SessionDep, principal: StaffDep) -> list[EventRead]:
    """Every change to the voice, oldest first."""
    voice = service.get(db_session=db, voice_id=voice_id, principal=principal)
    events = history.events(db_session=db, voice_id=voice.id)
    citizen = masked_view.citizen_names(db, [voice.id], principal).get(voice.id, [])
    return [
        EventRead(
            at=e.at, actor=e.actor_label, kind=e.kind, before=e.before, after=e.after, note=e.note
        )
        for e in masked_view.events_for_reader(events, principal, citizen)
    ]


def _transition(db: Session, voice_id: int, principal: Principal, step, **kwargs) -> VoiceRead:
    voice = service.get(db_session=db, voice_id=voice_id, principal=principal)
    result = step(db_session=db, voice=voice, principal=principal, **kwargs)
    db.commit()
    return _read(db, result if isinstance(result, Voice) else voice, principal)


@router.post(
    "/voices/{voice_id}/assign",
    response_model=VoiceRead,
    summary="담당자 지정 · Assign to an officer",
)
def assign(voice_id: VoiceId, body: AssignIn, db: SessionDep, principal: StaffDep) -> VoiceRead:
    """Assign to a staff member of the voice's unit (unit lead)."""
    return _transition(db, voice_id, principal, workflow.assign, assignee_login=body.assignee)


@router.post(
    "/voices/{voice_id}/start", response_model=VoiceRead, summary="처리 시작 · Mark in progress"
)
def start(voice_id: VoiceId, db: SessionDep, principal: StaffDep) -> VoiceRead:
    """Mark as in progress."""
    return _transition(db, voice_id, principal, workflow.start)


@router.post(
    "/voices/{voice_id}/answer",
    response_model=VoiceRead,
    summary="답변 작성 · Write the answer draft",
)
def draft_answer(
    voice_id: VoiceId, body: AnswerIn, db: SessionDep, principal: StaffDep
) -> VoiceRead:
    """Write the answer draft (officer of the unit)."""
    return _transition(db, voice_id, principal, workflow.draft_answer, body=body.body)


@router.post(
    "/voices/{voice_id}/answer/approve",
    response_model=VoiceRead,
    summary="답변 승인·발송 · Approve and send the answer",
)
def approve_answer(voice_id: VoiceId, db: SessionDep, principal: StaffDep) -> VoiceRead:
    """Approve and send the draft; the citizen is notified (unit lead)."""
    return _transition(db, voice_id, principal, workflow.approve_answer)


@router.post(
    "/voices/{voice_id}/answer/return",
    response_model=VoiceRead,
    summary="답변 반려 · Return the draft",
)
def return_answer(
    voice_id: VoiceId, body: NoteIn, db: SessionDep, principal: StaffDep
) -> VoiceRead:
    """Send the draft back with a reason (unit lead)."""
    return _transition(db, voice_id, principal, workflow.return_answer, note=body.note)


@router.get(
    "/voices/{voice_id}/answers",
    response_model=list[AnswerRead],
    summary="답변 목록 · The voice's answers",
)
def answers(voice_id: VoiceId, db: SessionDep, principal: StaffDep) -> list[AnswerRead]:
    """The voice's answers, drafts included."""
    voice = service.get(db_session=db, voice_id=voice_id, principal=principal)
    return workflow.answers_read(db_session=db, voice_id=voice.id, principal=principal)


@router.post("/voices/{voice_id}/close", response_model=VoiceRead, summary="종결 · Close a voice")
def close(voice_id: VoiceId, db: SessionDep, principal: StaffDep) -> VoiceRead:
    """Close an answered voice (unit lead)."""
    return _transition(db, voice_id, principal, workflow.close)


@router.post(
    "/voices/{voice_id}/reopen", response_model=VoiceRead, summary="재처리 · Reopen a voice"
)
def reopen(voice_id: VoiceId, body: NoteIn, db: SessionDep, principal: StaffDep) -> VoiceRead:
    """Take an answered or closed voice up again (unit lead)."""
    return _transition(db, voice_id, principal, workflow.reopen, note=body.note)


@router.post(
    "/voices/{voice_id}/transfer",
    response_model=VoiceRead,
    summary="이송 · Transfer to another unit",
)
def transfer(voice_id: VoiceId, body: TransferIn, db: SessionDep, principal: StaffDep) -> VoiceRead:
    """Move to another unit; answers with the new ledger line."""
    return _transition(
        db, voice_id, principal, workflow.transfer, unit_code=body.unit, note=body.note
    )


@router.post(
    "/voices/{voice_id}/extend",
    response_model=VoiceRead,
    summary="처리기한 연장 · Extend the deadline",
)
def extend(voice_id: VoiceId, body: ExtendIn, db: SessionDep, principal: StaffDep) -> VoiceRead:
    """Extend the deadline once, with a reason sent to the citizen (unit lead)."""
    return _transition(db, voice_id, principal, workflow.extend, days=body.days, reason=body.reason)


class TrackIn(BaseModel):
    """A citizen's receipt: ledger number and secret."""

    ledger_no: str = Field(min_length=1, max_length=48)
    secret: str = Field(min_length=1, max_length=32)


@router.post(
    "/track",
    response_model=TrackRead,
    tags=["citizens"],
    summary="처리 상황 조회 (시민) · Track a voice by its receipt",
)
def track(body: TrackIn, db: SessionDep, request: Request) -> TrackRead:
    """Status and sent answer of a voice, for the citizen who holds its receipt; wrong pairs
    are counted per address and too many get 429."""
    throttle, address = throttle_of(request), client_address(request)
    verdict = throttle.blocked("track", address)
    if not verdict.allowed:
        raise too_many(request, verdict.retry_after)
    try:
        voice = service.track(db_session=db, ledger_no=body.ledger_no, secret=body.secret)
    except NotFound:
        throttle.hit("track", address)
        raise
    return track_read(db, voice)


def track_read(db: Session, voice: Voice) -> TrackRead:
    """What the citizen may see of their voice (follows a transfer to the current line)."""
    while voice.transferred_to_id:
        voice = db.get_one(Voice, voice.transferred_to_id)
    answer = workflow.sent_answer(db_session=db, voice_id=voice.id)
    return TrackRead(
        ledger_no=voice.ledger_no,
        title=voice.title,
        status=voice.status,
        status_label=STATUSES[voice.status],
        received_at=voice.received_at,
        due_at=voice.due_at,
        answer=answer.body if answer else None,
        answered_at=voice.answered_at,
    )


@router.get(
    "/voices/{voice_id}/attachments/{attachment_id}",
    response_class=Response,
    summary="시민 첨부파일 내려받기 · Download a citizen's attached file",
    responses={200: {"content": {"application/octet-stream": {}}}},
)
def attachment_file(
    voice_id: VoiceId, attachment_id: DbId, db: SessionDep, principal: StaffDep
) -> Response:
    """시민이 첨부한 파일 (그 민원 기관의 개인정보 열람 직원만). A file the citizen attached,
    for staff of the voice's office who see personal data, as on the voice page: under its
    original name, with the type its bytes show, never rendered inline."""
    item = attachments.fetch(
        db, voice_id=voice_id, attachment_id=attachment_id, principal=principal
    )
    return file_response(item.content, item.file_name, "attachment", cache="private, no-store")


def _import_read(status: import_jobs.ImportStatus) -> ImportRead:
    return ImportRead.model_validate(
        {**asdict(status), "errors": [e._asdict() for e in status.errors]}
    )


@router.get(
    "/imports",
    response_model=list[ImportRead],
    tags=["imports"],
    summary="가져오기 목록 · Recent ledger imports",
)
def list_imports(db: SessionDep, principal: StaffDep) -> list[ImportRead]:
    """최근 가져오기 (자기 기관; 관리자는 전체). The newest imports the caller may see: their
    office's, every office's for admins (roles that record voices only)."""
    import_launch.require_importer(principal)
    return [_import_read(s) for s in import_jobs.recent(db_session=db, principal=principal)]


@router.post(
    "/imports",
    response_model=ImportRead,
    status_code=202,
    tags=["imports"],
    summary="민원 대장 파일 가져오기 · Import a ledger file (CSV/XLSX)",
)
def create_import(
    request: Request,
    db: SessionDep,
    principal: StaffDep,
    file: Annotated[UploadFile, File(description="the ledger, CSV or XLSX")],
    office: Annotated[str | None, Form(max_length=40)] = None,
    create_units: Annotated[bool, Form()] = False,
    again: Annotated[bool, Form()] = False,
    check_only: Annotated[bool, Form()] = False,
) -> ImportRead:
    """파일을 받아 백그라운드로 가져오기를 시작합니다; ``GET /imports/{id}``로 진행을 봅니다.
    Take the file and start its import in the background, as the import page does; follow
    it with ``GET /api/v1/imports/{id}``. ``office`` only for callers who see every office,
    ``create_units`` only for CS managers and admins; ``again`` imports a file an earlier
    import already saved (refused otherwise, in the report); ``check_only`` checks the file
    and reports what the import would do (state ``checked``), saving nothing."""
    import_launch.require_importer(principal)
    db.commit()  # hold no write lock while the file is copied
    if not file.filename:
        raise Invalid(import_launch.CHOOSE_FILE, field="file")
    import_id = import_launch.begin(
        request.app.state.engine,
        upload=file.file,
        filename=file.filename,
        limit=request.app.state.settings.max_import_bytes,
        principal=principal,
        chosen=import_launch.options(office, create_units, principal, again, check_only),
    )
    return _import_read(import_jobs.get(db_session=db, principal=principal, import_id=import_id))


@router.get(
    "/imports/{import_id}",
    response_model=ImportRead,
    tags=["imports"],
    summary="가져오기 한 건 · One import",
)
def get_import(import_id: DbId, db: SessionDep, principal: StaffDep) -> ImportRead:
    """가져오기 진행·결과 (잘못된 행 전부). One import: its progress while it runs, what it
    saved, or every bad row; another office's is not found."""
    import_launch.require_importer(principal)
    return _import_read(import_jobs.get(db_session=db, principal=principal, import_id=import_id))
