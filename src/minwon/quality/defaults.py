"""The checklists minwon ships: a counter visit and a phone call, stage by stage, after the
practice the Songpa traffic investigators learnt from a service centre that was best in CS
ten years running (bow at the first greeting, offer a seat, see the visitor out; listen and
empathise; say what the citizen wants to hear; keep one distinctive promise)."""

VISIT_STAGES = ("greet", "handle", "close", "place")
"""맞이, 응대, 마무리, 환경."""
CALL_STAGES = ("connect", "hello", "listen", "end")
"""연결, 인사, 경청, 종료."""
STAGES = {"visit": VISIT_STAGES, "call": CALL_STAGES}
STAGE_LABELS = {
    "greet": "맞이",
    "handle": "응대",
    "close": "마무리",
    "place": "환경",
    "connect": "연결",
    "hello": "인사",
    "listen": "경청",
    "end": "종료",
}
CHANNELS = {"visit": "방문", "call": "전화"}
PROMISE_ITEM = "우리 팀의 약속을 지켰다"

DEFAULT_TEMPLATES: dict[str, tuple[str, list[tuple[str, str, bool]]]] = {
    "visit": (
        "창구 방문 응대 점검표",
        [
            ("greet", "방문객을 먼저 보고 일어서서 맞이했다", False),
            ("greet", "허리 굽혀 밝게 첫인사를 했다", False),
            ("greet", "의자를 권하고 앉을 자리를 마련했다", False),
            ("greet", "소속과 이름을 밝혔다", False),
            ("handle", "말을 끊지 않고 끝까지 들었다 (경청)", False),
            ("handle", "민원인의 마음을 헤아리는 말로 공감했다", False),
            ("handle", "처리 절차와 걸리는 기간을 쉬운 말로 설명했다", False),
            ("handle", "민원인이 듣고 싶은 말(해결 방향)을 먼저 전했다", False),
            ("close", "더 궁금한 점이 없는지 물었다", False),
            ("close", "자리에서 일어나 배웅 인사를 했다", False),
            ("close", PROMISE_ITEM, True),
            ("place", "창구와 대기 공간이 깨끗하고 정돈되어 있었다", False),
            ("place", "안내판과 서식을 찾기 쉬웠다", False),
            ("place", "명찰을 달고 있었다", False),
        ],
    ),
    "call": (
        "전화 응대 점검표",
        [
            ("connect", "신호가 세 번 울리기 전에 받았다", False),
            ("connect", "돌려 줄 때 담당자와 번호를 먼저 알려 주었다", False),
            ("hello", "소속과 이름을 밝히며 인사했다", False),
            ("hello", "밝고 또렷한 목소리로 말했다", False),
            ("listen", "말을 끊지 않고 끝까지 들었다", False),
            ("listen", "요점을 되짚어 확인했다", False),
            ("listen", "공감하는 말을 했다", False),
            ("end", "더 도울 일이 없는지 물었다", False),
            ("end", "끝인사를 하고 상대가 먼저 끊기를 기다렸다", False),
            ("end", PROMISE_ITEM, True),
        ],
    ),
}
"""code → (name, [(stage, text, is the promise item)])."""
