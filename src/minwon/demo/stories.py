"""Scripted demo voices that show what the analysis finds in a real ledger: a citizen who comes
back angrier through other channels (반복민원, 중복, 이탈 신호), one matter raised by many
households (다수인), and a sudden rise of one matter in one 행정동 (급증 알림)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from minwon.analysis.intake import AnalysisAdvisor
from minwon.db import write_session
from minwon.org import service as org_service
from minwon.voices import service as voice_service
from minwon.voices import workflow
from minwon.voices.models import Voice
from minwon.voices.schemas import ContactIn, VoiceCreate

REPEATER = [
    (
        24,
        "web",
        "골목 가로등 고장 신고",
        "구로동 골목길 가로등이 며칠째 꺼져 있습니다. 밤에 다니기 무섭습니다. 고쳐 주세요.",
    ),
    (
        12,
        "phone",
        "골목 가로등 아직도 고장",
        "지난번에 신고한 골목 가로등이 아직도 꺼져 있어요. 밤길이 너무 어둡고 무섭습니다. "
        "왜 아직 안 고쳐 주시는 건가요?",
    ),
    (
        3,
        "visit",
        "가로등 고장 세 번째 민원입니다",
        "골목 가로등 고장을 벌써 세 번째 말씀드립니다. 정말 화가 납니다! 도대체 언제 "
        "고쳐 주실 겁니까? 밤에 골목이 어두워 사고가 날까 무섭습니다!!",
    ),
]

MASS = (
    "아파트 단지 앞 횡단보도 신호등 설치 요청",
    "구로3동 아파트 단지 앞 도로에 횡단보도 신호등이 없어 아이들 등굣길이 위험합니다. "
    "신호등을 설치해 주세요.",
)

SURGE_BEFORE = "구로3동 도로 포트홀 때문에 차가 덜컹거립니다"
SURGE_NOW = [
    "구로3동 큰길에 포트홀이 생겨 타이어가 터졌습니다",
    "구로3동 도로 포트홀이 너무 깊어요 빨리 메워 주세요",
    "비 온 뒤 구로3동 도로에 포트홀이 여러 개 생겼습니다",
    "구로3동 버스정류장 앞 포트홀 때문에 오토바이가 넘어질 뻔했어요",
    "구로3동 사거리 포트홀 보수 요청드립니다",
    "포트홀 때문에 구로3동 도로 통행이 위험합니다",
    "구로3동 학교 앞 도로 포트홀 신고합니다",
    "구로3동 도로 곳곳 포트홀 보수가 필요합니다",
]


def _file(
    db: Session,
    *,
    title: str,
    body: str,
    channel: str,
    at: datetime,
    now: datetime,
    phone: str = "",
    name: str = "",
    dong: str = "구로3동",
    unit: str | None = None,
) -> Voice:
    clerk = org_service.staff_by_login(db_session=db, login="gr00.1")
    principal = org_service.principal_for(clerk)
    voice_in = VoiceCreate(
        kind="complaint",
        channel=channel,
        title=title,
        body=body,
        dong=dong,
        unit=unit,
        received_at=at,
        contact=ContactIn(name=name, phone=phone, consent=True) if phone else None,
    )
    voice, _ = voice_service.create(
        db_session=db, voice_in=voice_in, principal=principal, now=now, advisor=AnalysisAdvisor()
    )
    return voice


def _answer_and_reopen(db: Session, voice: Voice, now: datetime) -> None:
    lead = org_service.principal_for(org_service.staff_by_login(db_session=db, login="gr01.lead"))
    officer = org_service.staff_by_login(db_session=db, login="gr01.1")
    workflow.assign(db_session=db, voice=voice, principal=lead, assignee_login=officer.login)
    workflow.draft_answer(
        db_session=db,
        voice=voice,
        principal=org_service.principal_for(officer),
        body="구청 도로과에 가로등 수리를 요청했습니다.",
    )
    workflow.approve_answer(db_session=db, voice=voice, principal=lead, now=now)
    workflow.reopen(db_session=db, voice=voice, principal=lead, note="아직 고쳐지지 않았다는 전화")


def load_stories(engine: Engine, *, now: datetime) -> int:
    """File the scripted voices in office GR (if the demo organisation has it); returns how many."""
    with write_session(engine) as db:
        try:
            org_service.find_office(db_session=db, ref="GR")
        except Exception:
            return 0
    filed = 0
    with write_session(engine) as db:
        for i, (days, channel, title, body) in enumerate(REPEATER):
            voice = _file(
                db,
                title=title,
                body=body,
                channel=channel,
                at=now - timedelta(days=days),
                now=now,
                phone="010-2468-1357",
                name="한결",
                dong="구로1동",
                unit="GR01",
            )
            if i == 1:
                _answer_and_reopen(db, voice, now - timedelta(days=8))
            filed += 1
    with write_session(engine) as db:
        for i in range(6):
            _file(
                db,
                title=MASS[0],
                body=MASS[1],
                channel=("web", "phone", "visit")[i % 3],
                at=now - timedelta(days=18 - 2 * i, hours=i),
                now=now,
                phone=f"010-3300-10{i:02d}",
                name=f"주민{i + 1}",
                unit="GR03",
            )
            filed += 1
    with write_session(engine) as db:
        for week in range(1, 9):
            _file(
                db,
                title="도로 포트홀",
                body=f"{SURGE_BEFORE} ({week})",
                channel="web",
                at=now - timedelta(days=7 * week + 2),
                now=now,
                unit="GR03",
            )
            filed += 1
        for i, text in enumerate(SURGE_NOW):
            _file(
                db,
                title="도로 포트홀 신고",
                body=text,
                channel=("web", "phone")[i % 2],
                at=now - timedelta(days=5 - i * 0.6),
                now=now,
                unit="GR03",
            )
            filed += 1
    return filed
