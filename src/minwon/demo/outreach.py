"""Demo outreach at 구로경찰서: two weeks of residents met by the officers of 구로지구대 (some
days short of the target), a 빈집털이 예방 campaign, patrol requests with a plan, and a done
action that answered the 포트홀 surge — so every outreach page has something to show."""

from __future__ import annotations

import random
from datetime import datetime, time, timedelta

from sqlalchemy import Engine, select, update

from minwon.actions import service as actions
from minwon.actions.models import Action
from minwon.analysis.models import VoiceAnalysis
from minwon.db import write_session
from minwon.org import service as org_service
from minwon.outreach import campaigns, patrol_quarters, patrol_requests, patrol_service
from minwon.outreach import service as outreach
from minwon.outreach.patrol_requests import RequestIn
from minwon.timeutil import KST, to_kst

PLACES = [
    "구로공원 뒷길",
    "구로시장 입구",
    "구로초등학교 앞",
    "고척교 밑 산책로",
    "구로역 2번 출구",
]
TOPICS = ["방범", "교통", "소음", "청소년", "주차"]
HOUSING = ["apartment", "multi", "detached", "shop", "street"]


def load_demo_outreach(engine: Engine, *, now: datetime, seed: int = 11) -> int:
    """Contacts, a campaign, patrol requests and a done action in office GR; returns contacts."""
    rng = random.Random(seed)
    with write_session(engine) as db:
        try:
            lead = org_service.principal_for(
                org_service.staff_by_login(db_session=db, login="gr01.lead")
            )
        except Exception:
            return 0
        campaigns.create_campaign(
            db,
            principal=lead,
            code="EMPTY-HOME",
            name="빈집털이 예방",
            housing=["multi", "detached"],
            broadcast_script=(
                "아파트 관리사무소에서 알려 드립니다. 장기간 집을 비우실 때는 지구대에 알려 주세요."
            ),
            flyer_text="집을 비우실 때 우편물이 쌓이지 않게 해 주세요. 지구대가 순찰을 돌겠습니다.",
            talk_points="문단속 확인, 우편물 관리, 빈집 사전 신고 제도 안내",
        )
        unit = org_service.find_unit(db_session=db, ref="GR01")
        officers = [
            s for s in org_service.unit_staff(db_session=db, unit_id=unit.id) if s.role == "officer"
        ]
    made = 0
    today = to_kst(now).date()
    for back in range(13, -1, -1):
        day = today - timedelta(days=back)
        if day.weekday() >= 5:
            continue
        with write_session(engine) as db:
            for officer in officers:
                principal = org_service.principal_for(officer)
                for i in range(rng.choice([6, 8, 9, 10, 10, 11, 12])):
                    at = datetime.combine(day, time(10 + i % 8, rng.randint(0, 59)), KST)
                    if at > now:
                        break
                    request = ""
                    if rng.random() < 0.12:
                        request = f"{rng.choice(PLACES)} 주변에 밤 순찰을 늘려 주세요."
                    outreach.log_contact(
                        db,
                        principal=principal,
                        data=outreach.ContactIn(
                            housing=rng.choice(HOUSING),
                            dong=rng.choice(["구로1동", "구로2동", "구로3동"]),
                            topic=rng.choice(TOPICS),
                            card_given=rng.random() < 0.5,
                            campaign="EMPTY-HOME" if rng.random() < 0.3 else None,
                            request=request,
                            at=at,
                        ),
                    )
                    made += 1
    with write_session(engine) as db:
        for i in range(14):
            start = rng.choice([18, 20, 22])
            patrol_requests.submit(
                db,
                data=RequestIn(
                    unit="GR01",
                    place=rng.choice(PLACES[:3]),
                    day=today,
                    start_hour=start,
                    end_hour=(start + 4) % 24,
                    reason="밤에 어둡고 인적이 드물어 불안합니다.",
                    email=f"resident{i}@example.com" if i % 3 == 0 else "",
                    consent=i % 3 == 0,
                ),
            )
        patrol_service.adopt_plan(
            db, principal=lead, unit_id=unit.id, quarter=patrol_quarters.quarter_label(today)
        )
    _pothole_action(engine, now)
    return made


def _pothole_action(engine: Engine, now: datetime) -> None:
    with write_session(engine) as db:
        lead = org_service.principal_for(org_service.staff_by_login(db_session=db, login="gr.cs"))
        ids = list(
            db.scalars(
                select(VoiceAnalysis.voice_id).where(
                    VoiceAnalysis.dong == "구로3동", VoiceAnalysis.masked_text.like("%포트홀%")
                )
            )
        )
        if not ids:
            return
        action = actions.create(
            db,
            principal=lead,
            data=actions.ActionIn(
                title="구로3동 도로 포트홀 긴급 보수 요청 및 야간 안전 순찰",
                description=(
                    "구청 도로과에 보수를 요청해 이틀 만에 메웠고, "
                    "보수 전까지 야간 순찰로 위험 표지를 세웠습니다."
                ),
                dong="구로3동",
            ),
            voice_ids=ids[-8:],
        )
        actions.set_status(db, principal=lead, action=action, status="done", now=now)
        db.execute(
            update(Action).where(Action.id == action.id).values(done_at=now - timedelta(days=1))
        )
