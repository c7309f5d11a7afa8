"""HTTP API of surveys under /api/v1: templates, a voice's invitation, scores and rankings."""

from typing import Annotated, cast

from fastapi import APIRouter, Depends, Query
from sqlalchemy.orm import Session

from minwon.config import get_settings
from minwon.errors import Forbidden, NotFound
from minwon.org import service as org_service
from minwon.org.roles import ADMIN, CS_MANAGER, Principal
from minwon.reports import dashboard, views
from minwon.reports.views import Choice
from minwon.surveys import invitations, service, templates
from minwon.surveys.models import SurveyInvitation, SurveyTemplate
from minwon.surveys.qr import code_link
from minwon.surveys.schemas import (
    HappyCallIn,
    InvitationRead,
    PeriodQuery,
    QuestionSchema,
    ResponseRead,
    ScoreRead,
    StandingRead,
    TemplateIn,
    TemplateRead,
)
from minwon.timeutil import utcnow
from minwon.web.deps import DbId, SessionDep, StaffDep
from minwon.web.text_route import TextRoute

router = APIRouter(route_class=TextRoute, prefix="/api/v1", tags=["surveys"])
PeriodDep = Annotated[PeriodQuery, Depends()]


def _organization_id(db: Session, principal: Principal) -> int:
    if principal.office_id is None:
        return org_service.find_organization(db_session=db).id
    return org_service.get_office(db_session=db, office_id=principal.office_id).organization_id


def _template_read(db: Session, t: SurveyTemplate) -> TemplateRead:
    questions = templates.questions(db_session=db, template_id=t.id)
    return TemplateRead(
        id=t.id,
        code=t.code,
        name=t.name,
        intro=t.intro,
        trigger=t.trigger,
        delay_hours=t.delay_hours,
        quiet_days=t.quiet_days,
        expires_days=t.expires_days,
        active=t.active,
        questions=[QuestionSchema.model_validate(q) for q in questions],
    )


@router.get(
    "/surveys/templates", response_model=list[TemplateRead], summary="설문 목록 · Survey templates"
)
def list_templates(db: SessionDep, principal: StaffDep) -> list[TemplateRead]:
    """The organisation's survey templates, newest first."""
    org_id = _organization_id(db, principal)
    return [
        _template_read(db, t)
        for t in templates.list_templates(db_session=db, organization_id=org_id)
    ]


@router.post(
    "/surveys/templates",
    response_model=TemplateRead,
    status_code=201,
    summary="설문 만들기 · Define a survey",
)
def create_template(body: TemplateIn, db: SessionDep, principal: StaffDep) -> TemplateRead:
    """Define a survey (CS manager, admin): questions, trigger, delay, quiet days, expiry."""
    if principal.role not in (CS_MANAGER, ADMIN):
        raise Forbidden("조사 설계는 CS 담당과 관리자만 할 수 있습니다.")
    made = templates.create_template(
        db_session=db,
        organization_id=_organization_id(db, principal),
        code=body.code,
        name=body.name,
        intro=body.intro,
        trigger=body.trigger,
        delay_hours=body.delay_hours,
        quiet_days=body.quiet_days,
        expires_days=body.expires_days,
        questions=[templates.QuestionIn(**q.model_dump()) for q in body.questions],
    )
    read = _template_read(db, made)
    db.commit()
    return read


def _invitation_read(
    inv: SurveyInvitation, token: str | None = None, *, withheld: str | None = None
) -> InvitationRead:
    """The invitation as the caller may see it: without its code and link when ``withheld``
    says why not."""
    base = get_settings().base_url
    shown = withheld is None
    return InvitationRead(
        id=inv.id,
        via=inv.via,
        short_code=inv.short_code if shown else None,
        created_at=inv.created_at,
        send_at=inv.send_at,
        expires_at=inv.expires_at,
        used=inv.used_at is not None,
        link=service.link(base, token) if token and shown else None,
        code_link=code_link(base, inv.short_code) if shown else None,
        code_withheld=withheld,
    )


@router.get(
    "/voices/{voice_id}/survey",
    response_model=InvitationRead,
    summary="민원의 설문 초대 · The voice's survey invitation",
)
def voice_survey(voice_id: int, db: SessionDep, principal: StaffDep) -> InvitationRead:
    """The survey invitation of a voice (whether it was answered, never by whom or how)."""
    from minwon.voices import service as voice_service

    voice = voice_service.get(db_session=db, voice_id=voice_id, principal=principal)
    found = invitations.for_voice(db, voice.id)
    if found is None:
        raise NotFound("이 민원에는 만족도 조사가 없습니다.")
    return _invitation_read(found, withheld=service.code_refusal(principal, voice, found))


@router.post(
    "/voices/{voice_id}/survey",
    response_model=InvitationRead,
    status_code=201,
    summary="설문 초대 보내기 · Invite the citizen now",
)
def invite(voice_id: int, db: SessionDep, principal: StaffDep) -> InvitationRead:
    """Invite the citizen of an answered voice now (e.g. to print the code on the letter)."""
    from minwon.errors import Conflict
    from minwon.voices import service as voice_service

    voice = voice_service.get(db_session=db, voice_id=voice_id, principal=principal)
    if voice.status not in ("answered", "closed"):
        raise Conflict("답변을 보낸 민원에만 만족도 조사를 보냅니다.")
    done = service.invite_after_answer(
        db, voice_id=voice.id, base_url=get_settings().base_url, now=utcnow()
    )
    if done.issued is None:
        reasons = {
            "already": "이미 만족도 조사를 보냈습니다.",
            "quiet": "최근에 조사한 민원인이라 다시 보내지 않습니다.",
            "no-template": "답변 후 만족도 조사가 정의되어 있지 않습니다.",
            "imported": "다른 시스템에서 가져온 민원에는 만족도 조사를 보내지 않습니다.",
        }
        raise Conflict(reasons.get(done.reason, done.reason))
    issued = done.issued.invitation
    withheld = service.code_refusal(principal, voice, issued)
    read = _invitation_read(issued, done.issued.token, withheld=withheld)
    db.commit()
    return read


def _choice(q: PeriodQuery) -> Choice:
    return Choice(office=q.office, unit=q.unit or "", category=q.category, start=q.start, end=q.end)


@router.get(
    "/surveys/scores", response_model=list[ScoreRead], summary="만족도 점수 · Satisfaction scores"
)
def scores(
    q: PeriodDep,
    db: SessionDep,
    principal: StaffDep,
    by: Annotated[
        str | None, Query(pattern="^(month|unit|officer|category|channel|office)$")
    ] = None,
) -> list[ScoreRead]:
    """CSAT, top-2 share, NPS and response rate with 95% intervals, overall or grouped."""
    scope, _ = views.scope_for(db, principal, _choice(q))
    names = views.names(db, principal, staff=by == "officer")
    if by is None:
        return [ScoreRead.of(None, "전체", dashboard.satisfaction(db, scope)[None].score)]
    return [ScoreRead.of(r.key, r.name, r.score) for r in views.table(db, scope, by, names)]


@router.get(
    "/surveys/rankings",
    response_model=list[StandingRead],
    summary="만족도 순위 · Satisfaction ranking",
)
def ranking(
    q: PeriodDep,
    db: SessionDep,
    principal: StaffDep,
    level: Annotated[str, Query(pattern="^(office|unit)$")] = "office",
    min_n: Annotated[int, Query(ge=1, le=10_000)] = 30,
) -> list[StandingRead]:
    """Offices (nationwide) or units ranked by shrunk CSAT, with movement; small samples are
    listed as not enough answers."""
    scope, _ = views.scope_for(db, principal, _choice(q))
    if level == "office":
        scope = dashboard.Scope(None, scope.start, scope.end)
    names = views.names(db, principal)
    everyone = Principal(None, "ranking", "ranking", ADMIN, None, None)
    offices = {o.id: o.name for o in org_service.list_offices(db_session=db, principal=everyone)}
    out = []
    for s in dashboard.ranking(db, scope, level=level, min_n=min_n):
        key = cast(int, s.key)  # offices and units are ranked by their integer ids
        name = offices.get(key, "—") if level == "office" else names.of(level, key)
        out.append(StandingRead.of(s, name))
    return out


@router.post(
    "/voices/{voice_id}/happycall",
    response_model=ResponseRead,
    status_code=201,
    summary="해피콜 응답 입력 · Enter happy-call answers",
)
def happy_call(
    voice_id: DbId, body: HappyCallIn, db: SessionDep, principal: StaffDep
) -> ResponseRead:
    """시민이 전화(해피콜)로 한 답을 직원이 입력합니다 (직원 입력으로 표시). Answers a citizen
    gave in a call-back, entered by staff of the voice's office and marked as such; every
    unanswered or wrong question is named at once, as on the happy-call form."""
    found = service.happy_call(
        db, principal=principal, voice_id=voice_id, answers=body.answers, now=utcnow()
    )
    read = ResponseRead(id=found.id, invitation_id=found.invitation_id, mode=found.mode)
    db.commit()
    return read


@router.post(
    "/surveys/kiosk",
    response_model=InvitationRead,
    status_code=201,
    summary="창구 키오스크 설문 발급 · A fresh counter-kiosk survey",
)
def kiosk(db: SessionDep, principal: StaffDep) -> InvitationRead:
    """창구 태블릿용 새 설문 (방문 한 번에 하나). A fresh one-visit survey for the counter
    tablet of the caller's office, as the kiosk page issues it; ``link`` opens it for the
    visitor."""
    issued = service.kiosk_invitation(db, principal=principal, now=utcnow())
    read = _invitation_read(issued.invitation, issued.token)
    db.commit()
    return read
