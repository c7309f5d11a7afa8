"""Realistic Korean monthly CS reports for the renderer tests (no database)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from minwon.reports.document import (
    Action,
    Cause,
    DailyCount,
    Deadlines,
    Estimate,
    IncidentUnit,
    MonthlyReport,
    PracticeBeside,
    PracticeItem,
    PracticeUnit,
    Quality,
    QualityItem,
    QualityKind,
    QualityUnit,
    Ranking,
    RankingRow,
    Satisfaction,
    UnitSatisfaction,
    Volume,
)

OFFICE = "구로경찰서"
MONTH = "2026-10"
TOP_CAUSE = "불법주차·단속 요청"
GENERATED = datetime(2026, 11, 2, 0, 30, tzinfo=UTC)  # 09:30 in Korea


def _daily() -> list[DailyCount]:
    days = []
    start = date(2026, 10, 1)
    for i in range(31):
        day = start + timedelta(days=i)
        weekend = day.weekday() >= 5
        received = (6 if weekend else 14) + (i * 7) % 9
        answered = max(0, received - 3 + (i * 5) % 6) if not weekend else received // 2
        days.append(DailyCount(day, received, answered))
    return days


def sample_report() -> MonthlyReport:
    """A full month of 구로경찰서: every section filled, masked examples, a long cause label."""
    daily = _daily()
    received = sum(d.received for d in daily)
    answered = sum(d.answered for d in daily)
    return MonthlyReport(
        title="고객만족(CS) 월간 보고서",
        office=OFFICE,
        month=MONTH,
        generated_at=GENERATED,
        volume=Volume(
            received=received,
            answered=answered,
            closed=answered - 12,
            open_at_end=47,
            by_channel=[
                ("방문", 88),
                ("전화", 131),
                ("인터넷", 97),
                ("일일열사 카드", 64),
                ("우편함", 12),
                ("현장 면담", received - 392),
            ],  # fmt: skip
            by_category=[
                ("교통·주차", 142),
                ("생활 소음", 96),
                ("방범·순찰", 83),
                ("분실물", 41),
                ("친절·응대", 22),
                ("기타", received - 384),
            ],  # fmt: skip
        ),
        deadlines=Deadlines(due=402, met=381, missed=21, avg_days_to_answer=3.4),
        satisfaction=Satisfaction(
            csat=Estimate(4.21, 4.12, 4.30, 318),
            top2=Estimate(0.812, 0.766, 0.851, 318),
            nps=Estimate(38.4, 29.9, 46.8, 301),
            response_rate=0.364,
            invited=874,
            uninvited=12,
            units=[
                UnitSatisfaction("구로지구대", 121, 4.35, 4.21, 4.49, 45.5),
                UnitSatisfaction("신도림지구대", 88, 4.18, 4.01, 4.35, 36.0),
                UnitSatisfaction("고척파출소", 64, 4.02, 3.80, 4.24, 28.1),
                UnitSatisfaction("교통조사계", 42, 3.91, 3.62, 4.20, 19.0),
                UnitSatisfaction("민원실", 3, 5.0, None, None, 100.0),
            ],
        ),
        ranking=Ranking(
            rows=[
                RankingRow(1, "송파경찰서", 1204, 4.38, "우수 (2년 연속 1위)", 0),
                RankingRow(2, "구로경찰서", 318, 4.19, "양호", 3),
                RankingRow(3, "강서경찰서", 655, 4.11, "양호", -1),
                RankingRow(3, "마포경찰서", 402, 4.11, "양호 (동점)", 1),
                RankingRow(5, "영등포경찰서", 587, 3.96, "보통", -2),
                RankingRow(None, "금천경찰서", 9, None, "표본 부족", None),
            ],
            basis="전국 평균으로의 베이지안 축소(응답 20건 상당) 후 CSAT 점수, 응답 30건 미만 제외",
            highlight=OFFICE,
        ),
        top_causes=[
            Cause(
                TOP_CAUSE,
                97,
                18,
                [
                    "OO로 골목에 밤마다 불법주차가 심해 소방차가 못 들어갑니다",
                    "차량번호 **가****, 주민 010-****-**** 연락 요망",
                ],
            ),  # fmt: skip
            Cause("층간소음·야간 소음", 64, -5, ["새벽 2시까지 음악 소리가 납니다"]),
            Cause(
                "순찰 강화 요청 (공원·골목길·어두운 귀갓길 일대)",
                51,
                9,
                [
                    "공원 주변이 어두워 순찰을 늘려 주세요",
                    "CCTV 설치 요청",
                    "아이들 귀갓길이 걱정됩니다",
                ],
            ),  # fmt: skip
            Cause("분실물 문의", 33, 2, ["지갑을 버스에서 잃어버렸습니다"]),
            Cause("기타", 40, None, []),
            Cause("응대 불친절", 14, -6, ["전화 응대가 퉁명스러웠습니다"]),
        ],
        actions=[
            Action(
                "OO로 야간 순찰 강화 (22–02시, 10월 5일부터)",
                "완료",
                "구로지구대",
                date(2026, 10, 5),
                23,
            ),  # fmt: skip
            Action("불법주차 상습 구역 합동 단속", "진행 중", "교통안전계", date(2026, 11, 15), 41),
            Action("민원실 전화 응대 역할극 교육", "계획", "청문감사관실", date(2026, 11, 30), 6),
            Action("공원 산책로 CCTV 설치 구청 건의", "진행 중", "생활안전계", None, 12),
        ],
        daily=daily,
        quality=Quality(
            checks=46,
            compliance=0.862,
            kinds=[
                QualityKind("자가 점검", 30, 0.88),
                QualityKind("동료 관찰", 12, 0.85),
                QualityKind("암행 점검", 4, 0.74),
            ],  # fmt: skip
            missed=[
                QualityItem("의자를 권하고 앉을 자리를 마련했다", "맞이", 11, 46),
                QualityItem("자리에서 일어나 배웅 인사를 했다", "마무리", 8, 46),
            ],  # fmt: skip
            units=[
                QualityUnit("민원실", 24, 0.9, 2, 0.8, "문 앞까지 배웅합니다", 0.83, 24),
                QualityUnit("구로지구대", 20, 0.84, 2, 0.68, "", None, 0),
                QualityUnit(
                    "교통조사계",
                    2,
                    0.7,
                    0,
                    None,
                    "진행 상황을 먼저 알려 드립니다",
                    0.5,
                    2,
                    small=True,
                ),
            ],  # fmt: skip
            promise_kept=0.81,
            survey_promise=0.77,
            survey_promise_n=31,
            basis="준수율 = 지킨 항목 ÷ 표시한 항목",
            roleplay=[
                PracticeUnit(
                    "민원실",
                    4,
                    9,
                    3.6,
                    [PracticeItem("경청", 3.8, 9), PracticeItem("공감", 3.4, 9)],
                ),
                PracticeUnit("구로지구대", 1, 3, 3.0, [PracticeItem("경청", 3.0, 3)], small=True),
            ],  # fmt: skip
            roleplay_items=[PracticeItem("경청", 3.6, 12), PracticeItem("공감", 3.4, 9)],
            incidents=[
                IncidentUnit("민원실", 2, [("방문", 1), ("전화", 1)], 1, 1, [("심리 상담", 1)]),
            ],
            beside=[
                PracticeBeside("민원실", 0.9, 24, False, 4, 3.6, False, 2, 4.21, 88, False),
                PracticeBeside("구로지구대", 0.84, 20, False, 1, 3.0, True, 0, 3.9, 12, True),
            ],
            practice_basis="나란히 보여 줄 뿐, 연습이 만족도를 올렸다는 증거는 아닙니다.",
        ),
    )


def empty_report() -> MonthlyReport:
    """A first month with nothing recorded: every section must say 자료가 없습니다."""
    return MonthlyReport(title="고객만족(CS) 월간 보고서", office="고척파출소", month="2026-01",
                         generated_at=GENERATED)  # fmt: skip
