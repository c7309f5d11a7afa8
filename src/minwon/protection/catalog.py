"""The fixed vocabulary of staff protection: the drill ladder (방문·전화), incident channels,
support given to an officer, and the reasons for suspending submissions."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Step:
    """One step of the drill ladder: its code, Korean name and what staff say or do."""

    code: str
    name: str
    script: str


VISIT_LADDER: tuple[Step, ...] = (
    Step(
        "calm",
        "진정 요청",
        "선생님, 잠시 진정하시고 말씀해 주십시오. 끝까지 듣고 도와드리겠습니다.",
    ),
    Step(
        "first_warning",
        "1차 경고 · 녹음(녹화) 고지",
        "폭언이 계속되면 안전한 응대를 위해 지금부터 대화를 녹음(녹화)하겠습니다. "
        "민원 처리에 관한 법률에 따른 조치입니다.",
    ),
    Step(
        "second_warning",
        "2차 경고 · 경찰 신고 고지",
        "폭언·위협을 멈추지 않으시면 관련 법령에 따라 경찰에 신고하겠습니다.",
    ),
    Step("emergency_bell", "비상벨", "비상벨을 눌러 청원경찰·동료 직원에게 알립니다."),
    Step(
        "protect",
        "직원·다른 방문객 보호",
        "담당 직원을 민원인과 분리하고, 다른 방문객을 안전한 곳으로 안내합니다.",
    ),
    Step("hand_over", "인계", "출동한 경찰(청원경찰)에게 상황과 녹음·녹화 자료를 인계합니다."),
    Step(
        "supervisor",
        "상급자 응대 전환",
        "부서장(상급자)이 응대를 이어받고, 담당 직원은 업무에서 잠시 벗어나 쉽니다.",
    ),
)

PHONE_LADDER: tuple[Step, ...] = (
    Step(
        "phone_warning",
        "경고 안내",
        "욕설·폭언이 계속되면 더 이상 상담을 이어가기 어렵습니다. 이 통화는 녹음되고 있습니다.",
    ),
    Step(
        "phone_end",
        "통화 종료 안내",
        "폭언이 계속되어 상담을 종료합니다. 민원은 인터넷이나 서면으로 다시 신청하실 수 "
        "있습니다. 통화를 종료하겠습니다.",
    ),
)

LADDERS: dict[str, tuple[Step, ...]] = {"visit": VISIT_LADDER, "phone": PHONE_LADDER}
MEASURES: dict[str, str] = {s.code: s.name for s in (*VISIT_LADDER, *PHONE_LADDER)}
"""Every measure an incident may record: the steps of both ladders."""

INCIDENT_CHANNELS: dict[str, str] = {
    "visit": "방문",
    "phone": "전화",
    "web": "인터넷",
    "email": "전자우편",
    "outreach": "현장",
}

SUPPORT: dict[str, str] = {
    "rest": "휴식·업무 일시 전환",
    "counselling": "심리 상담",
    "medical": "치료비 지원",
    "legal": "법률 지원·고소 대행",
    "separation": "담당자 교체·분리",
}

SUSPENSION_REASONS: dict[str, str] = {
    "repeat": "같은 내용의 반복 제출",
    "automated": "자동 등록 프로그램 등 기계적 제출",
}
MAX_SUSPENSION_DAYS = 180
"""The longest a suspension may run; a longer one needs a new decision."""

CLOSING_REASONS: dict[str, str] = {
    "abusive": "폭언·폭행·위협 등 특이민원",
    "repeat": "같은 내용의 3회 이상 반복 민원",
}
