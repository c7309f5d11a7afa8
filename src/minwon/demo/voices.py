"""Demo voices: real public petitions (청와대 국민청원, 2020), shipped in ``corpus/``, re-dated
over two years and spread over the demo offices, each taken through the normal intake and
workflow services."""

import gzip
import json
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from minwon.analysis.intake import AnalysisAdvisor
from minwon.db import write_session
from minwon.errors import NotFound
from minwon.org import service as org_service
from minwon.org.models import Office, Staff
from minwon.timeutil import KST, utcnow
from minwon.voices import service as voice_service
from minwon.voices import workflow
from minwon.voices.models import Voice
from minwon.voices.schemas import ContactIn, VoiceCreate

POLICE_TOPICS = {"안전/환경", "인권/성평등", "행정", "기타", "교통/건축/국토", "반려동물"}
LAND_TOPICS = {"교통/건축/국토", "경제민주화", "농산어촌", "일자리", "행정", "기타"}
CATEGORY_BY_TOPIC = {
    "교통/건축/국토": "TRAFFIC",
    "안전/환경": "ENV",
    "인권/성평등": "PATROL",
    "반려동물": "LIVING",
    "육아/교육": "LIVING",
    "보건복지": "ADMIN",
    "행정": "ADMIN",
    "경제민주화": "SALE",
    "농산어촌": "COMP",
    "일자리": "ADMIN",
    "기타": "ETC",
}
CHANNEL_WEIGHTS = {
    "web": 40,
    "phone": 25,
    "visit": 15,
    "card": 8,
    "outreach": 6,
    "mailbox": 3,
    "email": 3,
}
KIND_WEIGHTS = {
    "complaint": 30,
    "request": 25,
    "inquiry_procedure": 15,
    "inquiry_law": 5,
    "suggestion": 10,
    "grievance": 10,
    "praise": 5,
}
ANSWERS = [
    "말씀하신 내용을 현장에서 확인하였고, 관계 부서와 협의하여 조치하였습니다. "
    "불편을 드려 죄송합니다.",
    "요청하신 사항은 다음 달 계획에 반영하여 시행하겠습니다. 소중한 의견 감사합니다.",
    "관련 규정을 검토한 결과를 안내드립니다. 추가로 궁금하신 점은 담당자에게 연락 주십시오.",
    "현장 점검 후 순찰을 강화하였으며, 같은 문제가 되풀이되지 않도록 살피겠습니다.",
]
CORPUS = Path(__file__).parent / "corpus" / "petitions-2020-demo.jsonl.gz"
"""The demo's texts, shipped in the package: 5,000 public petitions, trimmed and masked
(source, licence and recipe in ``corpus/README.md``)."""


@dataclass
class Petition:
    """One public petition used as the text of a demo voice."""

    topic: str
    title: str
    body: str


def read_petitions(path: Path | None = None, limit: int | None = None) -> list[Petition]:
    """Up to ``limit`` petitions (all without one) from the packaged corpus or from ``path``.

    ``path`` is a JSONL.GZ file of the same shape (``category``, ``title`` and ``body``, or the
    development data's ``content``); bodies are trimmed to a readable length either way.
    """
    out: list[Petition] = []
    with gzip.open(path or CORPUS, "rt", encoding="utf-8") as fh:
        for line in fh:
            if limit is not None and len(out) >= limit:
                break
            row = json.loads(line)
            text = row.get("body") or row.get("content") or ""
            body = " ".join(str(text).split())[:1200]
            title = str(row.get("title", "")).strip()[:300]
            if title and body:
                out.append(Petition(str(row.get("category") or "기타"), title, body))
    return out


def _weighted(rng: random.Random, weights: dict[str, int]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _received(rng: random.Random, now: datetime, days_back: int) -> datetime:
    day = (now.astimezone(KST) - timedelta(days=rng.randint(0, days_back))).date()
    minute = rng.randint(8 * 60, 20 * 60)
    at = datetime(day.year, day.month, day.day, minute // 60, minute % 60, tzinfo=KST)
    return min(at, now - timedelta(minutes=rng.randint(5, 600)))


def _plan(
    rng: random.Random, petitions: list[Petition], offices: list[Office], now: datetime
) -> Iterator[tuple[Office, Petition, datetime]]:
    police = [o for o in offices if o.code == "GR"] or offices
    land = [o for o in offices if o.code == "DJ"] or offices
    for petition in petitions:
        pool = police if petition.topic in POLICE_TOPICS else land
        if petition.topic in LAND_TOPICS and rng.random() < 0.5:
            pool = land
        yield rng.choice(pool), petition, _received(rng, now, 730)


def load_demo_voices(
    *,
    engine: Engine,
    data_path: Path | None = None,
    count: int = 3000,
    seed: int = 2026,
    progress: Callable[[int, int], None] | None = None,
) -> int:
    """Create ``count`` demo voices (at most as many as the corpus has texts) from the packaged
    corpus, or from ``data_path``, and take older ones through answer and closing."""
    rng = random.Random(seed)
    petitions = read_petitions(data_path, count)
    now = utcnow()
    with write_session(engine) as db:
        offices = list(db.scalars(select(Office).order_by(Office.code)))
        plan = sorted(_plan(rng, petitions, offices, now), key=lambda p: p[2])
    done = 0
    for chunk_start in range(0, len(plan), 200):
        with write_session(engine) as db:
            for office, petition, received in plan[chunk_start : chunk_start + 200]:
                _one(db, rng, office, petition, received, now)
                done += 1
        if progress:
            progress(done, len(plan))
    return done


def _one(
    db: Session,
    rng: random.Random,
    office: Office,
    petition: Petition,
    received: datetime,
    now: datetime,
) -> None:
    clerk = _staff(db, office.id, "officer", rng)
    principal = org_service.principal_for(clerk)
    category = CATEGORY_BY_TOPIC.get(petition.topic)
    voice_in = VoiceCreate(
        kind=_weighted(rng, KIND_WEIGHTS),
        channel=_weighted(rng, CHANNEL_WEIGHTS),
        title=petition.title,
        body=petition.body,
        category=category if category and _has_category(db, office, category) else None,
        dong=rng.choice(DONGS.get(office.code, [""])),
        received_at=received,
        contact=ContactIn(name=rng.choice(NAMES), consent=rng.random() < 0.6)
        if rng.random() < 0.7
        else None,
    )
    voice, _ = voice_service.create(
        db_session=db, voice_in=voice_in, principal=principal, now=now, advisor=AnalysisAdvisor()
    )
    _progress(db, rng, voice, received, now)


def _progress(
    db: Session, rng: random.Random, voice: Voice, received: datetime, now: datetime
) -> None:
    age_days = (now - received).days
    if age_days < 3 and rng.random() < 0.7:
        return
    lead = _lead(db, voice.unit_id, rng)
    officer = _officer(db, voice.unit_id, rng) or lead
    lead_p, officer_p = org_service.principal_for(lead), org_service.principal_for(officer)
    workflow.assign(db_session=db, voice=voice, principal=lead_p, assignee_login=officer.login)
    if age_days < 20 and rng.random() < 0.35:
        return
    workflow.draft_answer(db_session=db, voice=voice, principal=officer_p, body=rng.choice(ANSWERS))
    late = rng.random() < 0.08
    answered = _answer_time(rng, voice, received, late)
    if answered > now:
        return
    workflow.approve_answer(db_session=db, voice=voice, principal=lead_p, now=answered)
    if age_days > 30:
        workflow.close(
            db_session=db, voice=voice, principal=lead_p, now=answered + timedelta(days=3)
        )


def _answer_time(rng: random.Random, voice: Voice, received: datetime, late: bool) -> datetime:
    if voice.due_at is None:
        return received + timedelta(days=rng.randint(1, 5))
    span = max((voice.due_at - received).total_seconds(), 3600)
    if late:
        return voice.due_at + timedelta(days=rng.randint(1, 6))
    return received + timedelta(seconds=rng.uniform(0.2, 0.95) * span)


def _staff(db: Session, office_id: int, role: str, rng: random.Random) -> Staff:
    staff = db.scalars(select(Staff).where(Staff.office_id == office_id, Staff.role == role))
    return rng.choice(list(staff))


def _lead(db: Session, unit_id: int, rng: random.Random) -> Staff:
    leads = db.scalars(
        select(Staff).where(Staff.unit_id == unit_id, Staff.role == "unit_lead")
    ).all()
    if leads:
        return rng.choice(leads)
    return db.scalars(select(Staff).where(Staff.role == "admin").limit(1)).one()


def _officer(db: Session, unit_id: int, rng: random.Random) -> Staff | None:
    officers = db.scalars(
        select(Staff).where(Staff.unit_id == unit_id, Staff.role == "officer")
    ).all()
    return rng.choice(officers) if officers else None


def _has_category(db: Session, office: Office, code: str) -> bool:
    try:
        org_service.find_category(db_session=db, organization_id=office.organization_id, ref=code)
        return True
    except NotFound:
        return False


NAMES = [
    "김민준",
    "이서연",
    "박지훈",
    "최수빈",
    "정예준",
    "강하은",
    "조민서",
    "윤도현",
    "장서윤",
    "임지호",
]
DONGS = {
    "GR": [
        "구로1동",
        "구로2동",
        "구로3동",
        "구로4동",
        "구로5동",
        "가리봉동",
        "신도림동",
        "개봉1동",
    ],
    "DJ": ["둔산동", "갈마동", "월평동", "유성동", "도안동", "관저동"],
}
