"""Answering a survey: the answers are checked against the template's questions, the
invitation is used up atomically (a second submission, even a concurrent one, is refused), and
free text is masked and read for tone before it is stored."""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, update
from sqlalchemy.orm import Session

from minwon.errors import Conflict, Invalid, InvalidFields
from minwon.surveys import templates
from minwon.surveys.invitations import state
from minwon.surveys.models import SurveyInvitation, SurveyQuestion, SurveyResponse
from minwon.textutil import whole_number

MODES = {"web": "웹", "kiosk": "창구 키오스크", "happycall": "해피콜(전화)"}
MAX_TEXT = 2_000


def _value(q: SurveyQuestion, raw: Any) -> Any:
    text = "" if raw is None else str(raw).strip()
    if text == "":
        if q.required:
            raise Invalid(f"'{q.text}'에 답해 주십시오.", field=q.key)
        return None
    if q.kind in ("csat", "nps"):
        top = 5 if q.kind == "csat" else 10
        low = 1 if q.kind == "csat" else 0
        number = whole_number(text, digits=2)
        if number is None or not low <= number <= top:
            raise Invalid(f"'{q.text}'는 {low}~{top} 사이로 답해 주십시오.", field=q.key)
        return number
    if q.kind == "yesno":
        if text not in ("yes", "no"):
            raise Invalid(f"'{q.text}'는 예 또는 아니오로 답해 주십시오.", field=q.key)
        return text == "yes"
    if q.kind == "choice":
        if text not in q.choices:
            raise Invalid(f"'{q.text}'의 보기 중에서 골라 주십시오.", field=q.key)
        return text
    if len(text) > MAX_TEXT:
        raise Invalid(
            f"'{q.text}'에는 {MAX_TEXT:,}자까지 쓸 수 있습니다(지금 {len(text):,}자).", field=q.key
        )
    return text


def check_answers(questions: list[SurveyQuestion], raw: dict[str, Any]) -> dict[str, Any]:
    """The answers as stored (typed), or InvalidFields naming every question left unanswered
    or answered wrongly, so the form marks them all at once."""
    answers, errors = {}, {}
    for q in questions:
        try:
            answers[q.key] = _value(q, raw.get(q.key))
        except Invalid as exc:
            errors[q.key] = exc.message
    if errors:
        raise InvalidFields(errors)
    return answers


def _first(questions: list[SurveyQuestion], kind: str, answers: dict[str, Any]) -> Any:
    return next((answers[q.key] for q in questions if q.kind == kind), None)


def submit(
    db: Session,
    invitation: SurveyInvitation,
    raw: dict[str, Any],
    *,
    mode: str,
    now: datetime,
    entered_by_id: int | None = None,
) -> SurveyResponse:
    """Store one response and use the invitation up; a used or expired invitation is refused
    and nothing changes."""
    from minwon.analysis.masking import mask_text
    from minwon.analysis.tone import analyse_tone

    if mode not in MODES:
        raise Invalid(f"알 수 없는 응답 방식입니다: {mode}", field="mode")
    current = state(invitation, now)
    if current != "open":
        raise Conflict(
            "이미 응답한 조사입니다." if current == "used" else "응답 기한이 지난 조사입니다."
        )
    questions = templates.questions(db_session=db, template_id=invitation.template_id)
    answers = check_answers(questions, raw)
    used = db.execute(
        update(SurveyInvitation)
        .where(SurveyInvitation.id == invitation.id, SurveyInvitation.used_at.is_(None))
        .values(used_at=now)
    )
    if cast(CursorResult[Any], used).rowcount != 1:
        raise Conflict("이미 응답한 조사입니다.")
    texts = [
        mask_text(str(answers[q.key])) for q in questions if q.kind == "text" and answers[q.key]
    ]
    for q in questions:
        if q.kind == "text" and answers[q.key]:
            answers[q.key] = mask_text(str(answers[q.key]))
    free_text = "\n".join(texts)
    tone = analyse_tone(free_text) if free_text else None
    response = SurveyResponse(
        invitation_id=invitation.id,
        template_id=invitation.template_id,
        office_id=invitation.office_id,
        unit_id=invitation.unit_id,
        officer_id=invitation.officer_id,
        category_id=invitation.category_id,
        channel=invitation.channel,
        mode=mode,
        entered_by_id=entered_by_id,
        submitted_at=now,
        csat=_first(questions, "csat", answers),
        nps=_first(questions, "nps", answers),
        answers=answers,
        free_text=free_text,
        sentiment=tone.sentiment if tone else None,
        tone_label=tone.label if tone else "",
    )
    db.add(response)
    db.flush()
    return response
