"""Surveys around the ledger: invite a citizen after their answer was sent (e-mail through the
outbox, or a code and QR on the answer letter when there is no e-mail), a counter kiosk, a
happy-call entered by staff; the worker sends invitations for newly answered voices."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import cast

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from minwon import commit_order
from minwon.db import write_session
from minwon.errors import Forbidden
from minwon.org import service as org_service
from minwon.org.roles import WRITERS, Principal
from minwon.surveys import invitations, templates
from minwon.surveys.invitations import Issued, Target, display_code
from minwon.surveys.models import SurveyInvitation, SurveyQuestion, SurveyResponse, SurveyTemplate
from minwon.surveys.responses import submit
from minwon.timeutil import as_aware, to_kst, utcnow
from minwon.voices import history
from minwon.voices import service as voice_service
from minwon.voices.models import Voice

ANSWER_CURSOR = "survey-answers"
_SYSTEM = Principal(None, "system", "minwon", "admin", None, None)


@dataclass(frozen=True)
class Invited:
    """What inviting a citizen after an answer did."""

    issued: Issued | None
    emailed: bool
    reason: str


def _target(db: Session, voice: Voice) -> Target:
    from minwon.analysis.similar import citizen_key

    contact = voice.contact
    return Target(
        office_id=voice.office_id,
        unit_id=voice.unit_id,
        officer_id=voice.assignee_id,
        voice_id=voice.id,
        category_id=voice.category_id,
        channel=voice.channel,
        citizen_key=citizen_key(contact.phone, contact.email) if contact else None,
    )


def link(base_url: str, token: str) -> str:
    """The address a citizen opens to answer (also what the QR code holds)."""
    return f"{base_url.rstrip('/')}/s/{token}"


def invite_after_answer(
    db: Session, *, voice_id: int, base_url: str, now: datetime | None = None
) -> Invited:
    """Invite the citizen of an answered voice to the organisation's after-answer survey."""
    from minwon.outbox import service as outbox

    now = now or utcnow()
    if invitations.for_voice(db, voice_id) is not None:
        return Invited(None, False, "already")
    if history.was_imported(db_session=db, voice_id=voice_id):
        return Invited(None, False, "imported")  # answered in another system, long before
    voice = voice_service.get(db_session=db, voice_id=voice_id, principal=_SYSTEM)
    org_id = org_service.get_office(db_session=db, office_id=voice.office_id).organization_id
    template = templates.for_trigger(db_session=db, organization_id=org_id, trigger="answer_sent")
    if template is None:
        return Invited(None, False, "no-template")
    email = voice.contact.email if voice.contact else ""
    issued = invitations.issue(
        db, template, _target(db, voice), via="email" if email else "letter", now=now
    )
    if issued is None:
        return Invited(None, False, "quiet")
    if email:
        subject, body = invitation_mail(voice, issued, base_url, template.name)
        outbox.enqueue(
            db_session=db,
            recipient=email,
            subject=subject,
            body=body,
            topic="survey",
            voice_id=voice.id,
            dedupe_key=f"survey:{issued.invitation.id}",
            send_at=as_aware(issued.invitation.send_at),
        )
    return Invited(issued, bool(email), "invited")


def invitation_mail(voice: Voice, issued: Issued, base_url: str, name: str) -> tuple[str, str]:
    """The Korean e-mail inviting a citizen to a survey about their voice."""
    until = to_kst(as_aware(issued.invitation.expires_at))
    subject = f"[{voice.ledger_no}] {name}에 참여해 주십시오"
    code = display_code(issued.invitation.short_code)
    body = (
        f"안녕하십니까. 접수번호 {voice.ledger_no} 민원에 답변을 드렸습니다.\n"
        "처리 과정이 어떠셨는지 1분만 알려 주시면 더 나은 서비스를 만드는 데 쓰겠습니다.\n"
        "응답은 익명으로 처리되며 담당 직원은 누가 답했는지 알 수 없습니다.\n\n"
        f"설문 참여: {link(base_url, issued.token)}\n"
        f"또는 {base_url.rstrip('/')}/s 에서 참여 번호 {code} 입력\n"
        f"참여 기한: {until:%Y-%m-%d %H:%M}까지\n"
    )
    return subject, body


def invite_answered(engine: Engine, *, base_url: str, now: datetime | None = None) -> int:
    """Invite the citizens of voices answered since the last round (the worker's job)."""
    from minwon.analysis.models import AnalysisCursor

    done = 0
    commit_order.settle(engine)
    with write_session(engine) as db:
        cursor = db.get(AnalysisCursor, ANSWER_CURSOR, with_for_update=True)
        if cursor is None:
            cursor = AnalysisCursor(name=ANSWER_CURSOR, position=0)
            db.add(cursor)
        events = history.events_since(
            db_session=db, kind="answer_sent", after=commit_order.position_of(cursor)
        )
        for position, voice_id in events:
            result = invite_after_answer(db, voice_id=voice_id, base_url=base_url, now=now)
            done += result.issued is not None
            commit_order.move(cursor, position)
    return done


def kiosk_invitation(db: Session, *, principal: Principal, now: datetime) -> Issued:
    """A fresh one-visit invitation for the counter tablet of the caller's office."""
    if principal.role not in WRITERS or principal.office_id is None:
        raise Forbidden("창구 키오스크는 기관 직원이 켤 수 있습니다.")
    office = org_service.get_office(db_session=db, office_id=principal.office_id)
    template = (
        templates.for_trigger(
            db_session=db, organization_id=office.organization_id, trigger="counter_visit"
        )
        or templates.ensure_defaults(db_session=db, organization_id=office.organization_id)[1]
    )
    target = Target(office_id=office.id, unit_id=principal.unit_id, channel="visit")
    issued = invitations.issue(db, template, target, via="kiosk", now=now)
    assert issued is not None  # no citizen key: the quiet rule never applies
    issued.invitation.send_at = now
    return issued


HAPPY_CALL_STAFF_ONLY = "해피콜 응답은 기관 직원이 입력합니다."
HAPPY_CALL_OWN_VOICE = (
    "직접 처리한 민원의 해피콜 응답은 입력할 수 없습니다. 응답이 본인과 부서의 만족도 점수에 "
    "들어가므로, CS 담당이나 팀장 등 다른 직원이 전화해 입력해 주십시오."
)


def happy_call_refusal(
    principal: Principal, voice: Voice, invitation: SurveyInvitation | None
) -> str | None:
    """Why ``principal`` may not enter happy-call answers about ``voice``, or None when they may.

    Only office staff enter them, and never the staff member who handled the voice (its
    assignee, or the officer its survey names): the answers count towards that person's and
    their unit's satisfaction scores, so they must not mark their own work."""
    if principal.role not in WRITERS:
        return HAPPY_CALL_STAFF_ONLY
    handlers = {voice.assignee_id, invitation.officer_id if invitation else None}
    if principal.staff_id is not None and principal.staff_id in handlers:
        return HAPPY_CALL_OWN_VOICE
    return None


CODE_SENT = "참여 안내를 민원인에게 메일로 보냈으므로 참여 번호는 보여 드리지 않습니다."
CODE_OWN_VOICE = (
    "직접 처리한 민원의 참여 번호는 보여 드리지 않습니다. 응답이 본인과 부서의 만족도 점수에 "
    "들어가므로, 답변서 인쇄는 팀장이나 CS 담당 등 다른 직원이 해 주십시오."
)
CODE_STAFF_ONLY = "참여 번호는 답변서를 보내는 기관 직원만 봅니다."
CODE_NOT_PRINTED = "답변서에 인쇄하는 조사가 아니어서 참여 번호는 보여 드리지 않습니다."


def code_refusal(principal: Principal, voice: Voice, invitation: SurveyInvitation) -> str | None:
    """Why ``principal`` is not shown the survey code of ``voice`` (to print on the answer
    letter), or None when they may see it.

    A code is a key to an anonymous answer that counts towards the voice's unit and officer:
    one mailed to the citizen is shown to nobody, and one to print is shown to office staff
    but never to the staff member who handled the voice (as for happy calls)."""
    if invitation.via != "letter":
        return CODE_SENT if invitation.via == "email" else CODE_NOT_PRINTED
    refusal = happy_call_refusal(principal, voice, invitation)
    if refusal == HAPPY_CALL_OWN_VOICE:
        return CODE_OWN_VOICE
    return CODE_STAFF_ONLY if refusal else None


def happy_call_closed(invitation: SurveyInvitation | None, now: datetime) -> str | None:
    """Why the voice's survey takes no more answers (used up or past its deadline), in Korean,
    or None while it is open or not issued yet (a happy call then issues one)."""
    current = invitations.state(invitation, now)
    if invitation is None or current == "open":
        return None
    if current == "used":
        return "이 민원의 만족도 조사에는 이미 응답이 있어 해피콜 응답을 더 받지 않습니다."
    until = to_kst(as_aware(invitation.expires_at))
    return (
        f"이 민원의 만족도 조사는 참여 기한이 지났습니다(기한 {until:%Y-%m-%d %H:%M}). "
        "해피콜 응답을 더 받지 않습니다."
    )


@dataclass(frozen=True)
class HappyCallForm:
    """What the happy-call page of a voice offers: the questions to ask, and why the caller may
    not enter them (``refusal``) or why the survey is closed (``closed``) — said before anyone
    fills the form in."""

    voice: Voice
    template: SurveyTemplate | None
    questions: list[SurveyQuestion]
    refusal: str | None
    closed: str | None
    state: str

    @property
    def offered(self) -> bool:
        """Whether the caller is offered the form to fill in and save."""
        return self.template is not None and self.refusal is None and self.closed is None


def happy_call_form(
    db: Session, *, principal: Principal, voice_id: int, now: datetime
) -> HappyCallForm:
    """The happy-call page of a voice the caller can see: the questions of its survey (or of the
    after-answer survey a call would issue), and whether the caller may enter them now."""
    voice = voice_service.get(db_session=db, voice_id=voice_id, principal=principal)
    invitation = invitations.for_voice(db, voice.id)
    if invitation is not None:
        template: SurveyTemplate | None
        template, questions = survey_of(db, invitation)
    else:
        template = _after_answer_template(db, voice)[1]
        questions = templates.questions(db_session=db, template_id=template.id) if template else []
    return HappyCallForm(
        voice=voice,
        template=template,
        questions=questions,
        refusal=happy_call_refusal(principal, voice, invitation),
        closed=happy_call_closed(invitation, now),
        state=invitations.state(invitation, now) if invitation else "open",
    )


def may_enter_happy_call(
    principal: Principal | None, voice: Voice, invitation: SurveyInvitation | None, now: datetime
) -> bool:
    """Whether to offer ``principal`` the happy-call form of ``voice``: staff who may enter it,
    unless its survey is past its deadline. A survey already answered still offers the link —
    the voice page never tells whether the citizen answered; the form page says so."""
    return (
        principal is not None
        and happy_call_refusal(principal, voice, invitation) is None
        and invitations.state(invitation, now) != "expired"
    )


def happy_call(
    db: Session, *, principal: Principal, voice_id: int, answers: dict, now: datetime
) -> SurveyResponse:
    """Answers a citizen gave in a call-back (해피콜), entered by staff and marked as such.

    Refused (Forbidden, nothing stored) for anyone but office staff, and for the staff member
    who handled the voice, whose own scores the answers would count towards."""
    if principal.role not in WRITERS:
        raise Forbidden(HAPPY_CALL_STAFF_ONLY)
    voice = voice_service.get(db_session=db, voice_id=voice_id, principal=principal)
    invitation = invitations.for_voice(db, voice.id)
    refusal = happy_call_refusal(principal, voice, invitation)
    if refusal is not None:
        raise Forbidden(refusal)
    if invitation is None:
        org_id, found = _after_answer_template(db, voice)
        template = found or templates.ensure_defaults(db_session=db, organization_id=org_id)[0]
        target = _target(db, voice)
        issued = invitations.issue(
            db, template, Target(**{**target.__dict__, "citizen_key": None}), via="phone", now=now
        )
        assert issued is not None
        invitation = issued.invitation
        invitation.send_at = now
    return submit(
        db, invitation, answers, mode="happycall", now=now, entered_by_id=principal.staff_id
    )


def _after_answer_template(db: Session, voice: Voice) -> tuple[int, SurveyTemplate | None]:
    """The voice's organisation and its after-answer survey (None when it has none yet): what
    a happy call asks when the voice has no invitation of its own."""
    org_id = org_service.get_office(db_session=db, office_id=voice.office_id).organization_id
    found = templates.for_trigger(db_session=db, organization_id=org_id, trigger="answer_sent")
    return org_id, found


def survey_of(
    db: Session, invitation: SurveyInvitation
) -> tuple[SurveyTemplate, list[SurveyQuestion]]:
    """The template and questions an invitation asks."""
    template = db.get_one(SurveyTemplate, invitation.template_id)
    return template, templates.questions(db_session=db, template_id=template.id)


def csat_of_voices(db: Session, voice_ids: list[int]) -> dict[int, int]:
    """The CSAT answer given about each of these voices, where one was given."""
    from sqlalchemy import select

    found: dict[int, int] = {}
    for start in range(0, len(voice_ids), 900):
        chunk = voice_ids[start : start + 900]
        query = (
            select(SurveyInvitation.voice_id, SurveyResponse.csat)
            .join(SurveyResponse, SurveyResponse.invitation_id == SurveyInvitation.id)
            .where(SurveyInvitation.voice_id.in_(chunk), SurveyResponse.csat.is_not(None))
        )
        # Both columns are NOT NULL here: voice_id is IN (...) and csat IS NOT NULL.
        rows = cast(Sequence[tuple[int, int]], db.execute(query).all())
        found.update(dict(rows))
    return found


def outreach_invitation(
    db: Session, *, principal: Principal, now: datetime, campaign: str = ""
) -> Issued | None:
    """A survey to hand to a resident right after an outreach meeting (the officer shows its QR
    code or reads out its code), when the organisation defined an after-outreach survey."""
    if principal.office_id is None:
        return None
    office = org_service.get_office(db_session=db, office_id=principal.office_id)
    template = templates.for_trigger(
        db_session=db, organization_id=office.organization_id, trigger="outreach"
    )
    if template is None:
        return None
    target = Target(
        office_id=office.id,
        unit_id=principal.unit_id,
        officer_id=principal.staff_id,
        channel="outreach",
        campaign=campaign,
    )
    issued = invitations.issue(db, template, target, via="outreach", now=now)
    if issued is not None:
        issued.invitation.send_at = now
    return issued


def campaign_responses(db: Session, *, office_id: int, campaign: str) -> int:
    """How many surveys came back from residents met in a campaign."""
    from sqlalchemy import func, select

    query = (
        select(func.count())
        .select_from(SurveyResponse)
        .join(SurveyInvitation, SurveyInvitation.id == SurveyResponse.invitation_id)
        .where(SurveyInvitation.office_id == office_id, SurveyInvitation.campaign == campaign)
    )
    return int(db.scalar(query) or 0)
