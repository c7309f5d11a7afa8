"""HTTP API of actions under /api/v1/actions and the public board."""

from dataclasses import replace
from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Response, UploadFile
from pydantic import BaseModel, ConfigDict, Field

from minwon.actions import effects, service
from minwon.actions.models import Action
from minwon.actions.service import ActionIn
from minwon.db import MAX_INT32, RowId
from minwon.org import service as org_service
from minwon.web.deps import DbId, SessionDep, StaffDep
from minwon.web.files import checked_upload, file_response, read_upload
from minwon.web.text_route import TextRoute

router = APIRouter(route_class=TextRoute, prefix="/api/v1", tags=["actions"])


class ActionCreate(BaseModel):
    """An action and the voices (or the group of voices) it answers."""

    model_config = ConfigDict(extra="forbid")
    title: str = Field(min_length=1, max_length=300)
    description: str = Field("", max_length=5000)
    owner: str | None = Field(
        None,
        max_length=64,
        description="담당자 로그인 (기관의 활동 중인 직원; 없으면 등록자) · owner's login",
    )
    unit: str | None = None
    dong: str = Field("", max_length=100)
    starts_on: date | None = None
    due_on: date | None = None
    cost: int = Field(0, ge=0, le=MAX_INT32, description="원 (won)")
    public: bool = True
    voice_ids: list[RowId] = Field(default_factory=list, max_length=1000)
    cluster_id: RowId | None = None


class ActionChange(BaseModel):
    """What to change in an action: only the fields given change. A date given as null is
    cleared; null for any other field leaves it as it is."""

    model_config = ConfigDict(extra="forbid")
    title: str | None = Field(None, min_length=1, max_length=300)
    description: str | None = Field(None, max_length=5000)
    owner: str | None = Field(
        None,
        max_length=64,
        description="새 담당자 로그인 (기관의 활동 중인 직원) · the new owner's login",
    )
    unit: str | None = Field(None, max_length=100, description="부서 코드 · the unit's code")
    dong: str | None = Field(None, max_length=100)
    starts_on: date | None = None
    due_on: date | None = None
    cost: int | None = Field(None, ge=0, le=MAX_INT32, description="원 (won)")
    public: bool | None = None

    def given(self) -> dict[str, Any]:
        """The fields the caller sent, by the names of ``ActionIn`` (nulls dropped, but for
        the dates, which a null clears)."""
        sent = self.model_dump(exclude_unset=True)
        found = {k: v for k, v in sent.items() if v is not None or k in ("starts_on", "due_on")}
        if "owner" in found:
            found["owner_login"] = found.pop("owner")
        return found


class BoardActionRead(BaseModel):
    """An action on the public board, with the voices it cites (no staff named)."""

    id: int
    title: str
    description: str
    status: str
    dong: str
    starts_on: date | None
    due_on: date | None
    cost: int
    public: bool
    done_at: datetime | None
    voices: list[str]


class ActionRead(BoardActionRead):
    """An action with the voices it cites and its owner (담당자)."""

    owner: str | None = Field(description="담당자 로그인 · the owner's login")
    owner_name: str | None = Field(description="담당자 이름 · the owner's name")


class StatusIn(BaseModel):
    """A new status."""

    model_config = ConfigDict(extra="forbid")
    status: str


class MeasureRead(BaseModel):
    """One measure of an effect."""

    target_before: float | None
    target_after: float | None
    rest_before: float | None
    rest_after: float | None
    effect: float | None
    note: str


class EffectRead(BaseModel):
    """The effect of a done action and the windows compared."""

    before_start: date
    after_end: date
    volume: MeasureRead
    tone: MeasureRead
    csat: MeasureRead


def _public(db: SessionDep, action: Action) -> BoardActionRead:
    voices = service.voices_of(db, action.id)
    return BoardActionRead(
        **{k: getattr(action, k) for k in BoardActionRead.model_fields if k != "voices"},
        voices=[v.ledger_no for v in voices],
    )


def _read(db: SessionDep, action: Action) -> ActionRead:
    owner = service.owners_of(db, [action]).get(action.id)
    return ActionRead(
        **_public(db, action).model_dump(),
        owner=owner.login if owner else None,
        owner_name=owner.name if owner else None,
    )


@router.post(
    "/actions",
    response_model=ActionRead,
    status_code=201,
    summary="개선 조치 등록 · Record an action",
)
def create(body: ActionCreate, db: SessionDep, principal: StaffDep) -> ActionRead:
    """Record an action citing voices or a group of voices (unit lead, CS manager)."""
    ids = list(body.voice_ids)
    if body.cluster_id is not None:
        ids += effects.cluster_voice_ids(db, principal=principal, cluster_id=body.cluster_id)
    data = ActionIn(
        title=body.title,
        description=body.description,
        owner_login=body.owner,
        unit=body.unit,
        dong=body.dong,
        starts_on=body.starts_on,
        due_on=body.due_on,
        cost=body.cost,
        public=body.public,
    )
    action = service.create(db, principal=principal, data=data, voice_ids=ids)
    read = _read(db, action)
    db.commit()
    return read


@router.get(
    "/actions", response_model=list[ActionRead], summary="개선 조치 목록 · The office's actions"
)
def list_actions(
    db: SessionDep, principal: StaffDep, status: str | None = None
) -> list[ActionRead]:
    """The office's actions, newest first."""
    return [_read(db, a) for a in service.list_actions(db, principal=principal, status=status)]


@router.get(
    "/actions/{action_id}", response_model=ActionRead, summary="개선 조치 한 건 · One action"
)
def get_action(action_id: DbId, db: SessionDep, principal: StaffDep) -> ActionRead:
    """One action."""
    return _read(db, service.get(db, principal=principal, action_id=action_id))


@router.patch(
    "/actions/{action_id}",
    response_model=ActionRead,
    summary="조치 수정 · Change an action",
)
def update(action_id: DbId, body: ActionChange, db: SessionDep, principal: StaffDep) -> ActionRead:
    """제목·내용·담당자·부서·행정동·시작일·완료 예정일·비용·공개 여부를 고칩니다 (그 기관의
    팀장·CS 담당). Change what an action says — only the fields given — as on its page: a
    unit lead or CS manager of its office, the same checks as when it is recorded."""
    action = service.get(db, principal=principal, action_id=action_id)
    data = replace(service.written(db, action), **body.given())
    service.update(db, principal=principal, action=action, data=data)
    read = _read(db, action)
    db.commit()
    return read


@router.post(
    "/actions/{action_id}/status",
    response_model=ActionRead,
    summary="조치 상태 변경 · Move an action on",
)
def set_status(action_id: DbId, body: StatusIn, db: SessionDep, principal: StaffDep) -> ActionRead:
    """Move an action on; done tells every consenting citizen who asked."""
    action = service.get(db, principal=principal, action_id=action_id)
    service.set_status(db, principal=principal, action=action, status=body.status)
    read = _read(db, action)
    db.commit()
    return read


@router.get(
    "/actions/{action_id}/effect",
    response_model=EffectRead,
    summary="조치 효과 · Effect of an action",
)
def effect(action_id: DbId, db: SessionDep, principal: StaffDep, days: int = 90) -> EffectRead:
    """Voices, tone and satisfaction before and after, against the rest of the office."""
    action = service.get(db, principal=principal, action_id=action_id)
    found = effects.of_action(db, action=action, days=days)
    return EffectRead(
        before_start=found.before_start,
        after_end=found.after_end,
        volume=MeasureRead(**found.effect.volume.__dict__),
        tone=MeasureRead(**found.effect.tone.__dict__),
        csat=MeasureRead(**found.effect.csat.__dict__),
    )


@router.get(
    "/board/{office}",
    response_model=list[BoardActionRead],
    summary="공개 게시판 (말씀하신 것, 바꾼 것) · Public 'you said, we did' board",
)
def board(office: str, db: SessionDep) -> list[BoardActionRead]:
    """The public "you said, we did" board of an office (no login; voices masked)."""
    found = org_service.find_office(db_session=db, ref=office)
    return [_public(db, a) for a in service.public_board(db, office_id=found.id)]


class EvidenceRead(BaseModel):
    """A piece of evidence of an action: a note and, perhaps, a file."""

    id: int
    note: str
    file_name: str
    content_type: str
    has_file: bool
    added_at: datetime


@router.post(
    "/actions/{action_id}/evidence",
    response_model=EvidenceRead,
    status_code=201,
    summary="조치 증빙 첨부 · Attach evidence to an action",
)
async def add_evidence(
    action_id: DbId,
    db: SessionDep,
    principal: StaffDep,
    note: Annotated[str, Form(max_length=20000)] = "",
    file: Annotated[UploadFile | None, File(description="photo, PDF or document")] = None,
) -> EvidenceRead:
    """메모와 (선택) 파일을 증빙으로 붙입니다 (부서장·CS 담당). Attach a note and optionally a
    file as evidence, as on the action page: the file's type is sniffed from its bytes and
    must be on the allow-list (photos, PDF, office and Hangul documents)."""
    action = service.get(db, principal=principal, action_id=action_id)
    content, kind = None, None
    if file is not None and file.filename:
        content = await read_upload(file, service.MAX_FILE)
        kind = checked_upload(content) if content else None
    item = service.add_evidence(
        db,
        principal=principal,
        action=action,
        note=note,
        file_name=(file.filename or "") if file is not None else "",
        content_type=kind.mime if kind else "",
        content=content or None,
    )
    read = EvidenceRead(
        id=item.id,
        note=item.note,
        file_name=item.file_name,
        content_type=item.content_type,
        has_file=item.content is not None,
        added_at=item.added_at,
    )
    db.commit()
    return read


@router.get(
    "/actions/evidence/{evidence_id}",
    response_class=Response,
    summary="증빙 파일 내려받기 · Download an evidence file",
    responses={200: {"content": {"application/octet-stream": {}}}},
)
def evidence_file(evidence_id: DbId, db: SessionDep, principal: StaffDep) -> Response:
    """기관 직원이 증빙 파일을 내려받습니다. An evidence file for staff of the action's office,
    under its original name, with the type its bytes show, never rendered inline."""
    item = service.evidence_file(db, principal=principal, evidence_id=evidence_id)
    return file_response(item.content or b"", item.file_name, "evidence")
