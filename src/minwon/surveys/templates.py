"""Survey templates: what a CS manager defines — Korean questions of five kinds, when the survey
goes out (after an answer is sent, after an outreach meeting, after a counter visit), how long
after, how long it stays open, and how many quiet days a citizen gets between two surveys."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from minwon.errors import Conflict, Invalid, NotFound
from minwon.surveys.models import SurveyQuestion, SurveyTemplate

TRIGGERS = {
    "answer_sent": "답변 발송 후",
    "outreach": "현장 면담 후",
    "counter_visit": "창구 방문 후",
    "manual": "직접 요청",
}
KINDS = {
    "csat": "만족도 (1~5)",
    "nps": "추천 의향 (0~10)",
    "yesno": "예/아니오",
    "choice": "선택",
    "text": "자유 의견",
}
CSAT_LABELS = ["매우 불만족", "불만족", "보통", "만족", "매우 만족"]


@dataclass(frozen=True)
class QuestionIn:
    """One question as the CS manager writes it."""

    key: str
    kind: str
    text: str
    choices: list[str] = field(default_factory=list)
    required: bool = True
    weight: float = 1.0


DEFAULT_QUESTIONS = [
    QuestionIn("csat", "csat", "민원 처리 결과에 전반적으로 얼마나 만족하십니까?"),
    QuestionIn("kind", "csat", "담당 직원은 친절하고 성실하게 응대했습니까?"),
    QuestionIn("speed", "csat", "처리 속도에 얼마나 만족하십니까?"),
    QuestionIn(
        "nps", "nps", "주변 분들께 이 기관을 추천하시겠습니까? (0: 전혀 아니다 ~ 10: 꼭 추천)"
    ),
    QuestionIn("clear", "yesno", "답변 내용을 이해하기 쉬웠습니까?", required=False),
    QuestionIn("comment", "text", "더 하고 싶은 말씀이 있으면 적어 주십시오.", required=False),
]


def _check(code: str, name: str, trigger: str, questions: list[QuestionIn], days: tuple) -> None:
    if not code.strip() or len(code) > 32:
        raise Invalid("코드는 1~32자여야 합니다.", field="code")
    if not name.strip():
        raise Invalid("이름을 입력하세요.", field="name")
    if trigger not in TRIGGERS:
        raise Invalid(f"알 수 없는 발송 시점입니다: {trigger}", field="trigger")
    delay, quiet, expires = days
    if not (0 <= delay <= 24 * 30 and 0 <= quiet <= 365 and 1 <= expires <= 90):
        raise Invalid("발송 지연 0~720시간, 재조사 제한 0~365일, 유효 1~90일이어야 합니다.")
    if not questions:
        raise Invalid("질문이 하나 이상 있어야 합니다.", field="questions")
    keys = [q.key for q in questions]
    if len(set(keys)) != len(keys):
        raise Invalid("질문 키가 겹칩니다.", field="questions")
    for q in questions:
        if q.kind not in KINDS:
            raise Invalid(f"알 수 없는 질문 종류입니다: {q.kind}", field="questions")
        if not q.text.strip() or len(q.text) > 500:
            raise Invalid("질문 문구는 1~500자여야 합니다.", field="questions")
        if q.kind == "choice" and len([c for c in q.choices if c.strip()]) < 2:
            raise Invalid("선택 질문에는 보기가 둘 이상 있어야 합니다.", field="questions")
    if not any(q.kind == "csat" for q in questions):
        raise Invalid("만족도(1~5) 질문이 하나 이상 있어야 합니다.", field="questions")


def create_template(
    *,
    db_session: Session,
    organization_id: int,
    code: str,
    name: str,
    trigger: str,
    questions: list[QuestionIn],
    intro: str = "",
    delay_hours: int = 24,
    quiet_days: int = 30,
    expires_days: int = 14,
) -> SurveyTemplate:
    """Define a survey; the first CSAT question is its headline score, the first NPS its NPS."""
    _check(code, name, trigger, questions, (delay_hours, quiet_days, expires_days))
    taken = select(SurveyTemplate.id).where(
        SurveyTemplate.organization_id == organization_id, SurveyTemplate.code == code
    )
    if db_session.scalar(taken) is not None:
        raise Conflict(f"이미 있는 조사 코드입니다: {code}", field="code")
    template = SurveyTemplate(
        organization_id=organization_id,
        code=code,
        name=name,
        intro=intro,
        trigger=trigger,
        delay_hours=delay_hours,
        quiet_days=quiet_days,
        expires_days=expires_days,
        active=True,
    )
    db_session.add(template)
    db_session.flush()
    for position, q in enumerate(questions, start=1):
        db_session.add(
            SurveyQuestion(
                template_id=template.id,
                position=position,
                key=q.key,
                kind=q.kind,
                text=q.text,
                choices=[c for c in q.choices if c.strip()],
                required=q.required,
                weight=q.weight,
            )
        )
    db_session.flush()
    return template


def ensure_defaults(*, db_session: Session, organization_id: int) -> list[SurveyTemplate]:
    """The organisation's standard surveys (after an answer, after a counter visit), created
    once; a CS manager can add others."""
    made = []
    for code, name, trigger, delay in (
        ("ANSWER", "민원 처리 만족도 조사", "answer_sent", 24),
        ("COUNTER", "민원실 방문 만족도 조사", "counter_visit", 0),
    ):
        found = db_session.scalar(
            select(SurveyTemplate).where(
                SurveyTemplate.organization_id == organization_id, SurveyTemplate.code == code
            )
        )
        made.append(
            found
            or create_template(
                db_session=db_session,
                organization_id=organization_id,
                code=code,
                name=name,
                trigger=trigger,
                questions=DEFAULT_QUESTIONS,
                intro="잠시만 시간을 내어 주시면 더 나은 서비스를 만드는 데 쓰겠습니다. "
                "응답은 익명으로 처리되며 1분이면 끝납니다.",
                delay_hours=delay,
            )
        )
    return made


def for_trigger(
    *, db_session: Session, organization_id: int, trigger: str
) -> SurveyTemplate | None:
    """The active template an organisation uses for a trigger (the newest if several)."""
    query = (
        select(SurveyTemplate)
        .where(
            SurveyTemplate.organization_id == organization_id,
            SurveyTemplate.trigger == trigger,
            SurveyTemplate.active.is_(True),
        )
        .order_by(SurveyTemplate.id.desc())
    )
    return db_session.scalars(query).first()


def questions(*, db_session: Session, template_id: int) -> list[SurveyQuestion]:
    """A template's questions in order."""
    query = select(SurveyQuestion).where(SurveyQuestion.template_id == template_id)
    return list(db_session.scalars(query.order_by(SurveyQuestion.position)))


def get_template(*, db_session: Session, template_id: int, organization_id: int) -> SurveyTemplate:
    """A template of the organisation, or NotFound."""
    found = db_session.get(SurveyTemplate, template_id)
    if found is None or found.organization_id != organization_id:
        raise NotFound("조사를 찾을 수 없습니다.")
    return found


def list_templates(*, db_session: Session, organization_id: int) -> list[SurveyTemplate]:
    """The organisation's templates, newest first."""
    query = select(SurveyTemplate).where(SurveyTemplate.organization_id == organization_id)
    return list(db_session.scalars(query.order_by(SurveyTemplate.id.desc())))
