"""Tone analysis: a table of citizen sentences, ordering properties, rules, bad input, lexicon
validation and extension. Speed is measured outside the tests (see the module docstring of
``minwon.analysis.tone``), never asserted here."""

import gzip
import json
import unicodedata
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from props import examples

from minwon.analysis.lexicon import load
from minwon.analysis.tone import (
    LABELS,
    LexiconError,
    Tone,
    ToneAnalyzer,
    analyse_many,
    analyse_tone,
    default_analyzer,
    mask_profanity,
)

PETITIONS = Path(__file__).resolve().parents[2] / ".." / "shared/data/petitions-2020.jsonl.gz"

# --- the table: (text, label, urgent, safety kinds) --------------------------------------------

CASES: list[tuple[str, str, bool, set[str]]] = [
    # complaints
    (
        "민원을 넣은 지 한 달이 지났는데 아직도 아무 연락이 없습니다. "
        "도대체 언제까지 기다려야 합니까?",
        "angry",
        False,
        set(),
    ),
    ("담당 공무원이 너무 불친절해서 정말 화가 납니다!!!", "angry", False, set()),
    ("몇 번을 전화해야 제대로 처리해 주실 건가요??? 세금이 아깝습니다.", "angry", False, set()),
    ("뭐하는 겁니까 ㅡㅡ 일을 안 하시네요", "angry", False, set()),
    ("경찰관이 반말하고 고압적인 태도로 대해서 너무 불쾌했습니다.", "angry", False, set()),
    ("씨발 일 처리를 이따위로 하냐 개새끼들아", "angry", False, set()),
    ("이 사람 미친놈 아닙니까? 어떻게 이런 답변을 합니까!!", "angry", False, set()),
    ("답변은 받았지만 내용이 부실하고 실망스럽습니다.", "negative", False, set()),
    ("불편을 드려 죄송하다는 말만 반복하고 해결이 안 됩니다.", "negative", False, set()),
    ("공원 화장실이 너무 더럽고 악취가 납니다. 청소 좀 해주세요.", "negative", False, set()),
    ("직원분 응대가 친절하지 않았습니다.", "negative", False, set()),
    ("불친절하지는 않았지만 처리가 너무 늦었습니다.", "negative", False, set()),
    (
        "작년에 민원 넣었을 때는 친절하게 답해 주셨는데 이번에는 답변도 없고 무시당한 기분입니다.",
        "negative",
        False,
        set(),
    ),
    ("문화재 주변 공사로 소음이 심합니다.", "negative", False, set()),
    # negation and sarcasm
    (
        "친절한 응대에 감사할 수가 없네요. 말만 번지르르하고 처리된 건 하나도 없습니다.",
        "negative",
        False,
        set(),
    ),
    ("참 잘들 하십니다. 이게 나라입니까?", "angry", False, set()),
    ("처리 결과가 나쁘지 않았습니다.", "neutral", False, set()),
    # thanks and praise
    (
        "지난주 불법주차 신고 건을 신속하게 처리해 주셔서 진심으로 감사드립니다.",
        "positive",
        False,
        set(),
    ),
    (
        "파출소 경찰관님들이 친절하게 안내해 주셔서 큰 도움이 되었습니다. 칭찬합니다.",
        "positive",
        False,
        set(),
    ),
    ("민원 처리 결과에 만족합니다. 수고하셨습니다.", "positive", False, set()),
    ("덕분에 문제가 깔끔하게 해결되었습니다. 정말 고맙습니다^^", "positive", False, set()),
    ("정말 감사합니다!!! 덕분에 살았습니다.", "positive", False, set()),
    # calm inquiries and requests
    ("주민센터 운영 시간이 어떻게 되는지 문의드립니다.", "neutral", False, set()),
    ("여권 재발급에 필요한 서류가 무엇인지 알고 싶습니다.", "neutral", False, set()),
    ("신속히 처리해 주시기 바랍니다.", "neutral", False, set()),
    ("버스 배차 간격을 줄여 주시면 감사하겠습니다.", "neutral", False, set()),
    ("쓰레기 무단투기 단속을 요청합니다.", "neutral", False, set()),
    ("불법주차 단속 부탁드립니다. 감사합니다.", "neutral", False, set()),
    ("CCTV 설치 위치를 GIS 지도로 확인할 수 있나요?", "neutral", False, set()),
    # self-harm, fear, distress
    ("요즘 너무 힘들어서 죽고 싶다는 생각만 듭니다.", "negative", True, {"self_harm"}),
    ("더 이상 살고 싶지 않습니다. 유서도 써 두었습니다.", "negative", True, {"self_harm"}),
    ("자살 예방 상담 전화번호를 알려주세요.", "negative", True, {"self_harm"}),
    (
        "밤에 골목길 가로등이 꺼져 있어서 너무 무섭고 불안합니다. 순찰 좀 강화해 주세요.",
        "negative",
        False,
        set(),
    ),
    ("층간소음 때문에 잠을 못 자서 너무 괴롭습니다ㅠㅠ", "negative", False, set()),
    (
        "옆집 남자가 계속 따라다니고 집 앞에서 기다리고 있어서 무서워요. 스토킹 같아요.",
        "negative",
        True,
        {"stalking"},
    ),
    (
        "누가 집 문을 부수고 침입하려고 했습니다. 너무 무서워서 잠을 못 잡니다.",
        "negative",
        True,
        {"crime"},
    ),
    # safety reports
    (
        "아파트 지하주차장에서 가스 냄새가 심하게 납니다. 빨리 확인 부탁드립니다.",
        "negative",
        True,
        {"fire"},
    ),
    ("건물 3층에서 불이 났어요! 연기가 자욱합니다!", "negative", True, {"fire"}),
    (
        "아이가 학교에서 폭행을 당했는데 학교는 아무 조치도 없습니다.",
        "negative",
        True,
        {"violence"},
    ),
    (
        "남편이 술만 마시면 때리고 칼을 들고 협박합니다. 도와주세요.",
        "negative",
        True,
        {"violence", "threat"},
    ),
    (
        "어제 교차로에서 교통사고가 났는데 신호등이 고장 나 있었습니다.",
        "negative",
        True,
        {"accident"},
    ),
    ("어머니가 치매로 실종되셨습니다. 제발 찾아주세요.", "negative", True, {"missing"}),
    (
        "이웃집에서 아이 우는 소리와 때리는 소리가 매일 들립니다. 아동학대가 의심됩니다.",
        "negative",
        True,
        {"violence", "abuse"},
    ),
    (
        "도로에 싱크홀이 생겨서 차가 빠질 뻔했습니다. 사고 나기 전에 조치 바랍니다.",
        "negative",
        True,
        {"accident"},
    ),
    ("음주운전 차량이 지그재그로 달리고 있어요 빨리 와주세요", "negative", True, {"crime"}),
    (
        "이 횡단보도는 차들이 속도를 내서 위험합니다. 과속방지턱 설치를 요청합니다.",
        "negative",
        False,
        {"hazard"},
    ),
    # look-alikes that are not safety reports
    ("저 교차로는 위험하지 않으니 신호등 설치는 필요 없습니다.", "neutral", False, set()),
    ("새 노트북을 사고 싶은데 공공기관 할인이 되나요?", "neutral", False, set()),
    ("사고 싶은 집이 있는데 대출 규제가 너무 심합니다.", "neutral", False, set()),
    ("점심은 근처 칼국수 집에서 먹었습니다.", "neutral", False, set()),
    ("화재보험 가입 여부를 확인하고 싶습니다.", "neutral", False, set()),
    ("사고가 나지 않도록 미리 조치해 주시기 바랍니다.", "neutral", False, set()),
    ("교육 불참 사유서는 어디에 제출하나요?", "neutral", False, set()),
    ("전염병 예방접종 일정이 궁금합니다.", "neutral", False, set()),
]


def test_table_is_big_and_distinct() -> None:
    texts = [case[0] for case in CASES]
    assert len(texts) >= 40 and len(set(texts)) == len(texts)
    assert {case[1] for case in CASES} == set(LABELS)


@pytest.mark.parametrize(("text", "label", "urgent", "kinds"), CASES, ids=range(len(CASES)))
def test_table_case(text: str, label: str, urgent: bool, kinds: set[str]) -> None:
    tone = analyse_tone(text)
    assert (tone.label, tone.urgent, set(tone.safety_kinds)) == (label, urgent, kinds), tone


# --- rules -------------------------------------------------------------------------------------


def test_flags_summarise_the_scores() -> None:
    tone = analyse_tone("요즘 너무 힘들어서 죽고 싶다는 생각만 듭니다.")
    assert "urgent:self_harm" in tone.flags and "distress" in tone.flags
    assert tone.safety_terms == ("죽고 싶",)
    assert "angry" in analyse_tone("담당 공무원이 너무 불친절해서 정말 화가 납니다!!!").flags
    assert "sarcasm" in analyse_tone("참 잘들 하십니다").flags
    assert "escalation" in analyse_tone("계속 이러면 언론에 제보하겠습니다").flags
    assert analyse_tone("횡단보도가 위험합니다").flags == ("safety:hazard",)


def test_intensifiers_and_punctuation_strengthen() -> None:
    plain = analyse_tone("화가 납니다").sentiment
    assert analyse_tone("정말 화가 납니다").sentiment < plain
    assert analyse_tone("화가 납니다!!!").sentiment < plain
    assert analyse_tone("화가 납니다!!!").anger > analyse_tone("화가 납니다").anger
    assert analyse_tone("이게 말이 되나요???").anger > analyse_tone("이게 말이 되나요?").anger
    assert analyse_tone("정말 감사합니다").sentiment > analyse_tone("감사합니다").sentiment


def test_negation_flips_praise_and_cancels_complaints() -> None:
    assert analyse_tone("친절합니다").sentiment > 0 > analyse_tone("친절하지 않습니다").sentiment
    assert analyse_tone("안 친절합니다").sentiment < 0
    assert analyse_tone("못    친절합니다").sentiment < 0  # however many spaces
    assert (
        analyse_tone("정말 화가 납니다!!!\n안  감격").sentiment < analyse_tone("안  감격").sentiment
    )
    assert analyse_tone("불안 친절합니다").sentiment > 0  # 불안 is not 안
    assert analyse_tone("안\n친절합니다").sentiment > 0  # a line break ends the negation
    assert analyse_tone("감사할 수가 없습니다").sentiment < 0
    assert analyse_tone("불친절하지 않았습니다").sentiment == 0
    assert not analyse_tone("위험하지 않습니다").urgent
    assert not analyse_tone("죽고 싶지 않아요").urgent


def test_emoticons_count() -> None:
    assert analyse_tone("처리 결과 잘 봤습니다 ㅡㅡ").sentiment < 0
    assert analyse_tone("서류가 또 반려됐네요 ;;").anger > 0
    assert analyse_tone("어떻게 해야 할지 모르겠어요 ㅠㅠ").distress > 0
    assert analyse_tone("잘 받았습니다 ^^").sentiment > 0
    divider = analyse_tone("1. 신청 내용\nㅡㅡㅡㅡㅡㅡㅡㅡㅡㅡ\n2. 요청 사항")
    assert divider.sentiment == 0 and divider.anger == 0


def test_profanity_is_an_anger_signal_and_always_masked() -> None:
    tone = analyse_tone("씨발 진짜 일 처리 이따위로 할 거냐")
    assert tone.label == "angry" and "profanity" in tone.flags
    assert "씨발" not in "".join(tone.evidence) and "씨*" in tone.evidence
    assert mask_profanity("씨발 개새끼들아 꺼져") == "씨* 개**들아 꺼*"
    assert mask_profanity("가로등이 꺼져 있어요") == "가로등이 꺼져 있어요"
    assert mask_profanity("전염병 예방, 청소년들, 도시발전") == "전염병 예방, 청소년들, 도시발전"


def test_length_is_normalised() -> None:
    sharp = "담당자가 불친절했습니다."
    calm = "주민센터 앞 도로의 보도블록 교체 공사 일정과 우회로 안내에 대해 문의드립니다. " * 30
    assert analyse_tone(sharp).sentiment <= -0.4
    assert -0.2 < analyse_tone(calm + sharp).sentiment < 0
    assert analyse_tone(sharp * 20).sentiment < analyse_tone(sharp).sentiment


def test_contrast_weighs_what_follows() -> None:
    assert analyse_tone("친절했지만 처리가 너무 늦었습니다").sentiment < 0
    assert analyse_tone("처리는 늦었지만 정말 친절하셨습니다").sentiment > 0


def test_long_essays_need_more_than_one_weak_mention_to_be_urgent() -> None:
    essay = "우리 지역의 교육 정책과 예산 배분에 관한 의견을 말씀드립니다. " * 40
    assert not analyse_tone(essay + "학교폭력 예방 교육도 늘려 주세요.").urgent
    assert analyse_tone("학교폭력 예방 교육도 늘려 주세요.").urgent
    assert analyse_tone(essay + "요즘은 죽고 싶다는 생각도 듭니다.").urgent


def test_same_term_twice_is_not_more_urgent() -> None:
    assert not analyse_tone("위험합니다. 정말 위험합니다. 너무 위험해요.").urgent
    assert analyse_tone("위험합니다. 사고 날 뻔했어요.").urgent


def test_nfd_text_reads_like_nfc() -> None:
    text = "담당 공무원이 너무 불친절해서 정말 화가 납니다!!!"
    assert analyse_tone(unicodedata.normalize("NFD", text)) == analyse_tone(text)


def test_analyse_many_keeps_order() -> None:
    texts = [case[0] for case in CASES[:5]]
    assert analyse_many(texts) == [analyse_tone(t) for t in texts]
    assert analyse_many([]) == []


# --- ordering properties -------------------------------------------------------------------------


def _vocabulary() -> list[str]:
    return sorted({entry.term for entry in default_analyzer()._lexicon.entries.values()})


pieces = st.one_of(
    st.sampled_from(_vocabulary()),
    st.text(st.characters(min_codepoint=0xAC00, max_codepoint=0xD7A3), max_size=6),
    st.sampled_from(
        [" ", " ", "\n", ".", "!", "?", "!!!", "???", "ㅡㅡ", "ㅠㅠ", "안 ", "못 ", "지 않"]
    ),
)
texts = st.lists(pieces, max_size=40).map("".join)
ANGRY = "정말 화가 납니다!!!"
THANKS = "감사합니다"


@examples(300)
@given(texts)
def test_adding_anger_never_raises_sentiment(text: str) -> None:
    before = analyse_tone(text).sentiment
    assert analyse_tone(text + "\n" + ANGRY).sentiment <= before
    assert analyse_tone(ANGRY + "\n" + text).sentiment <= before


@examples(300)
@given(texts)
def test_adding_thanks_never_lowers_sentiment(text: str) -> None:
    before = analyse_tone(text).sentiment
    assert analyse_tone(text + "\n" + THANKS).sentiment >= before
    assert analyse_tone(THANKS + "\n" + text).sentiment >= before


def _in_range(tone: Tone) -> None:
    assert -1 <= tone.sentiment <= 1 and 0 <= tone.anger <= 1 and 0 <= tone.distress <= 1
    assert tone.label in LABELS
    assert tone.urgent == any(flag.startswith("urgent:") for flag in tone.flags)
    assert set(tone.safety_kinds) == {f.split(":")[1] for f in tone.flags if ":" in f}


@examples(300)
@given(st.one_of(texts, st.text(max_size=300)))
def test_any_text_scores_in_range(text: str) -> None:
    _in_range(analyse_tone(text))


# --- bad and odd input -------------------------------------------------------------------------

ODD = {
    "empty": "",
    "spaces": " \n\t\u3000 ",
    "huge": "정말 불친절합니다. 처리가 늦습니다! 감사합니다. 위험합니다. " * 3000,
    "emoji": "😡😡😡 진짜 화나요 🔥🔥 살려주세요 🙏",
    "html": "<p onclick='x'>담당자가 <b>불친절</b>해요 &amp; <script>alert(1)</script></p>",
    "mixed": "The officer was rude. 警察官は失礼でした. 직원이 불친절했어요. Спасибо!",
    "nul": "화가\x00 납니다\x00\x00 감사\x00합니다",
    "surrogate": "불친절 \ud800 합니다",
    "punctuation": "!!!!!!!!!!???????.......~~~~~~",
    "jamo": "ㅋㅋㅋㅋㅋㅋ ㅎㅎ ㅠㅠㅠㅠㅠㅠㅠㅠㅠ ㅡㅡㅡㅡ",
}


@pytest.mark.parametrize("name", ODD)
def test_odd_input_never_fails(name: str) -> None:
    _in_range(analyse_tone(ODD[name]))
    mask_profanity(ODD[name])


def test_huge_text_is_read_whole() -> None:
    assert len(ODD["huge"]) > 100_000
    tone = analyse_tone(ODD["huge"])
    assert tone.label in ("negative", "angry") and tone.safety_kinds == ("hazard",)


def test_empty_text_is_neutral() -> None:
    assert analyse_tone("") == Tone(0.0, 0.0, 0.0, False, (), (), (), "neutral", ())


@pytest.mark.parametrize("value", [None, b"bytes", 3])
def test_non_text_is_a_type_error(value: object) -> None:
    with pytest.raises(TypeError, match="expects str"):
        analyse_tone(value)  # type: ignore[arg-type]


# --- the lexicon -------------------------------------------------------------------------------


def test_shipped_lexicon_is_large_and_grouped() -> None:
    lexicon = load()
    roles = {e.role for e in lexicon.entries.values()}
    assert roles == {
        "sentiment",
        "intensifier",
        "request",
        "contrast",
        "profanity",
        "safety",
        "ignore",
    }
    sentiment = [e for e in lexicon.entries.values() if e.role == "sentiment"]
    assert sum(e.sentiment < 0 for e in sentiment) >= 300
    assert sum(e.sentiment > 0 for e in sentiment) >= 80
    kinds = {e.group for e in lexicon.entries.values() if e.role == "safety"}
    assert {"violence", "self_harm", "fire", "accident", "crime", "sexual", "threat"} <= kinds
    assert default_analyzer().size == len(lexicon.entries) >= 900


def _write(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "agency.yaml"
    path.write_text(body, "utf-8")
    return path


BAD = {
    "not yaml": ("version: 1\nsentiment: [", "not valid YAML"),
    "no version": ("sentiment: []\n", "version: 1"),
    "unknown section": ("version: 1\nmoods: []\n", "unknown section(s) ['moods']"),
    "group without name": (
        "version: 1\nsentiment:\n  - terms: [짜증]\n",
        "sentiment[0] needs a group",
    ),
    "empty terms": ("version: 1\nsentiment:\n  - group: anger\n    terms: []\n", "non-empty list"),
    "weight out of range": (
        "version: 1\nsentiment:\n  - group: anger\n    sentiment: -9\n    terms: [짜증]\n",
        "group 'anger': sentiment must be a number in [-3, 3], not -9",
    ),
    "entry out of range": (
        "version: 1\nsafety:\n  - kind: drone\n    terms: [{term: 드론, weight: 0}]\n",
        "term '드론': weight must be a number",
    ),
    "term not text": ("version: 1\nsentiment:\n  - group: g\n    terms: [119]\n", "not 119"),
    "unbalanced": ("version: 1\nsentiment:\n  - group: g\n    terms: ['화[나']\n", "'화[나'"),
    "unknown key": (
        "version: 1\nsentiment:\n  - group: g\n    terms: [{term: 짜증, angr: 1}]\n",
        "term '짜증': unknown key(s) ['angr']",
    ),
    "duplicate": (
        "version: 1\nsentiment:\n  - group: g\n    terms: [화 나, 화나]\n",
        "term '화나': duplicate of",
    ),
    "useless ignore": ("version: 1\nignore: [아무 문구]\n", "ignore '아무 문구': contains no term"),
    "boolean option": (
        "version: 1\nsafety:\n  - kind: drone\n    length_damped: maybe\n    terms: [드론]\n",
        "length_damped must be true or false",
    ),
}


@pytest.mark.parametrize("name", BAD)
def test_bad_lexicon_names_the_entry(tmp_path: Path, name: str) -> None:
    body, message = BAD[name]
    with pytest.raises(LexiconError) as err:
        ToneAnalyzer(extra_lexicon=_write(tmp_path, body))
    assert "agency.yaml" in str(err.value) and message in str(err.value)


def test_missing_lexicon_file_is_a_lexicon_error(tmp_path: Path) -> None:
    with pytest.raises(LexiconError, match="cannot read"):
        ToneAnalyzer(extra_lexicon=tmp_path / "nope.yaml")


def test_agency_lexicon_extends_and_overrides(tmp_path: Path) -> None:
    extra = _write(
        tmp_path,
        "version: 1\n"
        "sentiment:\n"
        "  - group: parking\n    sentiment: -1.5\n    anger: 1.0\n    terms: [주차 지옥]\n"
        "  - group: mild\n    sentiment: -2.0\n    terms: [불편]\n"
        "safety:\n  - kind: drone\n    terms: [드론 추락]\n"
        "ignore: [불편한 진실]\n",
    )
    agency = ToneAnalyzer(extra_lexicon=extra)
    assert analyse_tone("이 동네는 주차 지옥입니다").sentiment == 0
    assert agency.analyse("이 동네는 주차지옥입니다").sentiment < -0.5
    assert agency.analyse("불편합니다").sentiment < analyse_tone("불편합니다").sentiment
    assert agency.analyse("불편한 진실").sentiment == 0
    tone = agency.analyse("공원에 드론 추락 사고가 있었습니다")
    assert tone.urgent and set(tone.safety_kinds) == {"drone", "accident"}
    assert agency.size == default_analyzer().size + 3


# --- real petitions ----------------------------------------------------------------------------


def test_real_petitions_score_in_range() -> None:
    if not PETITIONS.exists():
        pytest.skip("shared/data is not beside this checkout")
    with gzip.open(PETITIONS, "rt", encoding="utf-8") as f:
        rows = [json.loads(line) for _, line in zip(range(200), f, strict=False)]
    tones = analyse_many(r["title"] + "\n" + r["content"] for r in rows)
    for tone in tones:
        _in_range(tone)
    assert len({t.label for t in tones}) >= 3
