"""The router: learns any label set, predicts with calibrated confidence, learns from
corrections, round-trips through bytes, refuses bad input; one test on real petitions."""

import gzip
import json
import pickle
import zlib
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from minwon.analysis import classifier
from minwon.analysis.classifier import Prediction, Router, RouterFormatError
from minwon.analysis.router_features import MorphemeVectorizer
from minwon.analysis.tokenize import tokenize_many

PETITIONS = Path("/work/shared/data/petitions-2020.jsonl.gz")

VOICES: dict[str, list[str]] = {
    "생활불편": [
        "가로등이 꺼져 있어요",
        "골목 가로등이 며칠째 깜빡거립니다",
        "아파트 앞 가로등 전구가 나갔어요",
        "쓰레기가 길에 방치되어 악취가 나요",
        "분리수거장 쓰레기 수거가 안 됩니다",
        "놀이터 그네가 부서져 있어요",
        "공원 화장실 변기가 막혔습니다",
        "보도블록이 깨져서 걷기 불편해요",
        "가로등 불이 밤새 안 들어와요",
        "무단 투기 쓰레기 좀 치워 주세요",
    ],
    "교통": [
        "신호등 고장",
        "교차로 신호등이 꺼져 있습니다",
        "버스가 정류장에 서지 않고 지나갑니다",
        "불법 주차 차량 때문에 통행이 어려워요",
        "학교 앞 과속 차량 단속 요청합니다",
        "횡단보도 신호 시간이 너무 짧아요",
        "마을버스 배차 간격을 줄여 주세요",
        "주차장 입구에 불법 주정차가 심합니다",
        "신호등 보행 신호가 작동하지 않아요",
        "도로에 차선이 지워져 운전이 위험합니다",
    ],
    "복지": [
        "기초생활수급 신청 방법을 알고 싶어요",
        "독거 노인 돌봄 서비스를 받을 수 있나요",
        "장애인 활동 지원 시간이 부족합니다",
        "아동 수당 지급이 늦어지고 있어요",
        "긴급 생계 지원금을 신청하고 싶습니다",
        "노인 일자리 사업에 참여하고 싶어요",
        "한부모 가정 지원 제도가 궁금합니다",
        "기초연금 수급 자격을 확인하고 싶어요",
        "장애인 복지 카드 발급 문의드립니다",
        "노인 무료 급식소 운영 시간을 알려 주세요",
    ],
    "환경": [
        "공장 굴뚝에서 검은 연기가 나옵니다",
        "하천에 폐수가 흘러 물고기가 죽었어요",
        "미세먼지가 심한데 공사장 살수를 안 해요",
        "축사 악취 때문에 창문을 못 엽니다",
        "강에 기름이 떠 있어요 오염이 심각합니다",
        "야간 공사 소음과 분진이 심해요",
        "산에 폐기물을 몰래 버리는 사람이 있어요",
        "하천 오염 조사를 요청합니다",
        "공장 매연 때문에 숨쉬기 힘들어요",
        "폐수 무단 방류를 단속해 주세요",
    ],
    "안전": [
        "밤에 골목에서 수상한 사람이 따라와요",
        "공사장 가림막이 무너질 것 같아 위험합니다",
        "어린이 보호구역 순찰을 늘려 주세요",
        "빈집에 청소년들이 모여 범죄가 걱정돼요",
        "옹벽에 금이 가서 붕괴 위험이 있어요",
        "방범 CCTV를 설치해 주세요",
        "술 취한 사람이 행패를 부려 무섭습니다",
        "건물 외벽 타일이 떨어져 사고가 날 뻔했어요",
        "야간 순찰을 강화해 주세요",
        "폭행 사건이 자주 일어나는 공원입니다",
    ],
    "행정": [
        "주민등록등본 발급이 안 됩니다",
        "민원 서류 처리가 너무 늦어요",
        "담당 공무원이 불친절했습니다",
        "온라인 민원 신청 사이트가 오류가 납니다",
        "전입 신고 절차를 알려 주세요",
        "여권 발급 기간이 얼마나 걸리나요",
        "세금 고지서가 잘못 나왔어요",
        "인감 증명서 발급 수수료가 궁금합니다",
        "민원실 운영 시간을 늘려 주세요",
        "공무원 전화 응대가 불친절합니다",
    ],
}

HELD_OUT = [
    ("우리 집 앞 가로등이 꺼졌어요", "생활불편"),
    ("쓰레기 수거 차량이 오지 않아요", "생활불편"),
    ("신호등이 고장 났어요", "교통"),
    ("불법 주차 단속 부탁드립니다", "교통"),
    ("기초생활수급 자격이 궁금합니다", "복지"),
    ("노인 돌봄 지원을 받고 싶어요", "복지"),
    ("하천에 폐수를 버리는 공장이 있어요", "환경"),
    ("공장 악취와 매연이 심합니다", "환경"),
    ("골목 순찰을 늘려 주세요 무서워요", "안전"),
    ("옹벽 붕괴가 걱정됩니다", "안전"),
    ("등본 발급 서류가 늦어요", "행정"),
    ("공무원이 너무 불친절해요", "행정"),
]


def _data() -> tuple[list[str], list[str]]:
    texts = [t for voices in VOICES.values() for t in voices]
    labels = [label for label, voices in VOICES.items() for _ in voices]
    return texts, labels


@pytest.fixture(scope="module")
def router() -> Router:
    texts, labels = _data()
    return Router().train(texts, labels)


# --- learning and predicting -----------------------------------------------------------


def test_learns_the_hand_written_categories(router: Router) -> None:
    assert router.labels == sorted(VOICES)
    predicted = [router.predict(text).label for text, _ in HELD_OUT]
    wrong = [(t, p) for (t, truth), p in zip(HELD_OUT, predicted, strict=True) if p != truth]
    assert not wrong, wrong


def test_confidence_is_a_probability_and_alternatives_are_ordered(router: Router) -> None:
    for text, _ in HELD_OUT:
        p = router.predict(text)
        assert isinstance(p, Prediction)
        assert 0.0 <= p.confidence <= 1.0
        assert len(p.alternatives) >= 2
        probs = [p.confidence] + [q for _, q in p.alternatives]
        assert probs == sorted(probs, reverse=True)
        assert p.label not in [a for a, _ in p.alternatives]
        assert sum(probs) <= 1.0 + 1e-6


def test_probabilities_sum_to_one_over_the_labels(router: Router) -> None:
    probs = router.probabilities(tokenize_many([t for t, _ in HELD_OUT]))
    assert probs.shape == (len(HELD_OUT), len(VOICES))
    assert np.allclose(probs.sum(axis=1), 1.0, atol=1e-5)
    assert router.probabilities([]).shape == (0, len(router.labels))


def test_predict_many_equals_predict(router: Router) -> None:
    texts = [t for t, _ in HELD_OUT]
    many = router.predict_many(texts)
    one = [router.predict(t) for t in texts]
    assert [p.label for p in many] == [p.label for p in one]
    assert np.allclose([p.confidence for p in many], [p.confidence for p in one], atol=1e-5)
    assert router.predict_many([]) == []


def test_only_allowed_labels_are_suggested_and_renormalised(router: Router) -> None:
    texts = [t for t, _ in HELD_OUT]
    allowed = {"복지", "환경"}
    probs = router.probabilities(tokenize_many(texts), allowed=allowed)
    outside = [i for i, label in enumerate(router.labels) if label not in allowed]
    assert np.all(probs[:, outside] == 0)
    assert np.allclose(probs.sum(axis=1), 1.0, atol=1e-5)
    p = router.predict("신호등이 고장 났어요", allowed=allowed)
    assert p.label in allowed and [a for a, _ in p.alternatives] == list(allowed - {p.label})
    many = router.predict_many(texts, allowed=allowed)
    assert {q.label for q in many} <= allowed
    only = router.predict("신호등이 고장 났어요", allowed=["교통", "폐지된과"])
    assert (only.label, only.confidence, only.alternatives) == ("교통", 1.0, [])


def test_allowed_labels_must_include_a_learnt_one(router: Router) -> None:
    assert router.knows_any({"교통", "없는과"}) and not router.knows_any({"없는과"})
    with pytest.raises(ValueError, match="none of the allowed labels"):
        router.predict("신호등", allowed={"없는과"})
    with pytest.raises(ValueError, match="not one string"):
        router.predict("신호등", allowed="교통")


def test_newer_examples_weigh_more() -> None:
    weights = classifier._recency_weights(5, 0.5)
    assert weights[-1] == 1.0 and weights[0] == pytest.approx(0.25)
    assert list(weights) == sorted(weights)
    assert list(classifier._recency_weights(4, 0.0)) == [1.0] * 4
    texts = ["가로등 고장 신고"] * 12 + ["가로등 고장 신고"] * 12
    labels = ["옛도로과"] * 12 + ["도로과"] * 12
    filler = [f"기초연금 상담 {i}" for i in range(12)]
    router = Router().train(filler + texts, ["복지과"] * 12 + labels)
    assert router.predict("가로등이 고장 났어요").label == "도로과"  # the newer label


def test_a_small_history_claims_no_confidence_it_has_not_earned(router: Router) -> None:
    texts, _ = _data()  # 60 examples: too few to calibrate, enough held-out ones to bound
    assert router.top_calibration == (1.0, 0.0) and router.confidence_ceiling < 0.85
    assert max(p.confidence for p in router.predict_many(texts)) < 0.85  # nothing routes itself
    plain = Router.from_bytes(router.to_bytes())
    plain.confidence_ceiling = 1.0
    assert max(p.confidence for p in plain.predict_many(texts)) >= 0.85  # as it used to


def test_a_router_stored_before_the_top_calibration_loads_uncalibrated(router: Router) -> None:
    plain = Router.from_bytes(router.to_bytes())
    plain.top_calibration, plain.confidence_ceiling = (1.0, 0.0), 1.0
    calibrated = Router.from_bytes(router.to_bytes())
    calibrated.top_calibration, calibrated.confidence_ceiling = (0.5, 0.0), 0.7
    texts = ["가로등이 꺼졌어요", "신호등 고장"]
    assert calibrated.predict_many(texts) != plain.predict_many(texts)
    stored = Router.from_bytes(calibrated.to_bytes())
    assert (stored.top_calibration, stored.confidence_ceiling) == ((0.5, 0.0), 0.7)
    state = pickle.loads(zlib.decompress(calibrated.to_bytes()[10:]))
    state.pop("top_calibration")
    state.pop("confidence_ceiling")
    older = Router.from_bytes(calibrated.to_bytes()[:10] + zlib.compress(pickle.dumps(state)))
    assert (older.top_calibration, older.confidence_ceiling) == ((1.0, 0.0), 1.0)
    assert older.predict_many(texts) == plain.predict_many(texts)  # the plain softmax


def test_a_router_stored_when_its_features_lived_in_this_module_still_loads(
    router: Router,
) -> None:
    where = MorphemeVectorizer.__module__, MorphemeVectorizer.__qualname__
    MorphemeVectorizer.__module__ = "minwon.analysis.classifier"
    MorphemeVectorizer.__qualname__ = "_Vectorizer"
    try:
        stored = router.to_bytes()  # as an older minwon wrote it
    finally:
        MorphemeVectorizer.__module__, MorphemeVectorizer.__qualname__ = where
    assert b"_Vectorizer" in zlib.decompress(stored[10:])
    texts = ["가로등이 꺼졌어요", "신호등 고장"]
    assert Router.from_bytes(stored).predict_many(texts) == router.predict_many(texts)


@pytest.mark.parametrize("text", ["", "😡😡", "<b></b>", "x" * 100_000, "\x00", "ㅋㅋㅋㅋ"])
def test_odd_texts_still_get_a_prediction(router: Router, text: str) -> None:
    p = router.predict(text)
    assert p.label in router.labels and 0.0 <= p.confidence <= 1.0


def test_any_label_set_works_including_two_units() -> None:
    texts, labels = _data()
    units = ["도로과" if label in ("교통", "생활불편") else "복지과" for label in labels]
    router = Router().train(texts, units)
    assert router.labels == ["도로과", "복지과"]
    p = router.predict("신호등이 고장 났어요")
    assert p.label == "도로과" and 0.5 < p.confidence <= 1.0
    assert len(p.alternatives) == 1  # only one other label exists
    assert router.predict("노인 돌봄 지원을 받고 싶어요").label == "복지과"


def test_training_is_deterministic() -> None:
    texts, labels = _data()
    a, b = Router().train(texts, labels), Router().train(texts, labels)
    assert a.to_bytes() == b.to_bytes()


# --- corrections -----------------------------------------------------------------------


def test_partial_fit_moves_a_prediction_after_corrections() -> None:
    texts, labels = _data()
    router = Router().train(texts, labels)
    router.confidence_ceiling = 1.0  # the model's own probability, not capped when first
    text = "버스 정류장 의자가 부서졌어요"  # looks like 교통; this agency files it under 생활불편
    assert router.predict(text).label == "교통"
    probs = [_prob(router, text, "생활불편")]
    for _ in range(40):
        router.partial_fit([text], ["생활불편"])
        probs.append(_prob(router, text, "생활불편"))
        if router.predict(text).label == "생활불편":
            break
    assert router.predict(text).label == "생활불편"
    assert probs == sorted(probs) and len(set(probs)) == len(probs)  # every correction moves it
    assert router.predict("신호등이 고장 났어요").label == "교통"  # the rest still stands
    assert router.predict("버스 배차 간격이 너무 길어요").label == "교통"


def test_a_bigger_step_makes_corrections_stick_sooner() -> None:
    texts, labels = _data()
    router = Router().train(texts, labels)
    text = "버스 정류장 의자가 부서졌어요"
    for _ in range(4):
        router.partial_fit([text], ["생활불편"], step=1.0)
    assert router.predict(text).label == "생활불편"
    assert router.predict("신호등이 고장 났어요").label == "교통"


def _prob(router: Router, text: str, label: str) -> float:
    p = router.predict(text)
    return dict([(p.label, p.confidence), *p.alternatives]).get(label, 0.0)


def test_partial_fit_refuses_a_new_label(router: Router) -> None:
    copy = Router.from_bytes(router.to_bytes())
    with pytest.raises(ValueError, match="unknown label.*문화"):
        copy.partial_fit(["도서관 운영 시간이 궁금해요"], ["문화"])


def test_partial_fit_with_nothing_changes_nothing(router: Router) -> None:
    copy = Router.from_bytes(router.to_bytes())
    copy.partial_fit([], [])
    tokens = tokenize_many([t for t, _ in HELD_OUT])
    assert np.array_equal(copy.probabilities(tokens), router.probabilities(tokens))


# --- storage ---------------------------------------------------------------------------


def test_bytes_round_trip_gives_identical_predictions(router: Router) -> None:
    blob = router.to_bytes()
    again = Router.from_bytes(blob)
    texts = [t for t, _ in HELD_OUT] + ["", "가로등"]
    assert again.labels == router.labels
    assert again.predict_many(texts) == router.predict_many(texts)
    assert [again.predict(t) for t in texts] == [router.predict(t) for t in texts]
    third = Router.from_bytes(again.to_bytes())
    assert third.predict_many(texts) == router.predict_many(texts)


def test_a_loaded_router_keeps_learning(router: Router) -> None:
    again = Router.from_bytes(router.to_bytes())
    text = "버스 정류장 의자가 부서졌어요"
    again.partial_fit([text], ["생활불편"])
    assert _prob(again, text, "생활불편") > _prob(router, text, "생활불편")


def test_from_bytes_refuses_other_formats_and_versions(router: Router) -> None:
    blob = router.to_bytes()
    with pytest.raises(RouterFormatError, match="not a stored minwon router"):
        Router.from_bytes(b"garbage")
    with pytest.raises(RouterFormatError, match="format version 99"):
        Router.from_bytes(blob[:8] + (99).to_bytes(2, "big") + blob[10:])
    state = pickle.loads(zlib.decompress(blob[10:]))
    state["sklearn"] = "0.1.0"
    other = blob[:10] + zlib.compress(pickle.dumps(state))
    with pytest.raises(RouterFormatError, match="scikit-learn 0.1.0"):
        Router.from_bytes(other)
    assert issubclass(RouterFormatError, ValueError)


# --- bad input -------------------------------------------------------------------------


def test_untrained_router_says_so() -> None:
    with pytest.raises(ValueError, match="not trained"):
        Router().predict("가로등")
    with pytest.raises(ValueError, match="not trained"):
        Router().to_bytes()
    with pytest.raises(ValueError, match="not trained"):
        Router().probabilities([])


@pytest.mark.parametrize(
    ("texts", "labels", "message"),
    [
        (["가로등"] * 5 + ["신호등"] * 4, ["a"] * 5 + ["b"] * 4, "at least 10 examples"),
        (["가로등 고장"] * 12, ["생활불편"] * 12, "at least 2 different labels"),
        (["가로등"] * 12, ["a", "b"] * 5, "12 texts but 10 labels"),
        (["가로등"] * 12, ["a", ""] * 6, "non-empty string"),
        (["가로등"] * 12, ["a", None] * 6, "non-empty string"),
        (["가로등"] * 11 + [None], ["a", "b"] * 6, "texts must be strings"),
        ("가로등이 꺼졌어요 신호등", ["a"] * 17, "not one string"),
    ],
)
def test_bad_training_input_raises_clear_errors(texts: list, labels: list, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Router().train(texts, labels)


def test_texts_without_content_words_cannot_be_learnt() -> None:
    with pytest.raises(ValueError, match="no content words"):
        Router().train(["😡", "", "!!!", "123"] * 3, ["a", "b"] * 6)


def test_tokens_must_match_texts() -> None:
    texts, labels = _data()
    with pytest.raises(ValueError, match="token lists"):
        Router().train(texts, labels, tokens=[["가로등"]])


def test_partial_fit_checks_its_arguments(router: Router) -> None:
    copy = Router.from_bytes(router.to_bytes())
    with pytest.raises(ValueError, match="step"):
        copy.partial_fit(["가로등"], ["교통"], step=0)
    with pytest.raises(ValueError, match="1 texts but 2 labels"):
        copy.partial_fit(["가로등"], ["교통", "교통"])


# --- size and speed --------------------------------------------------------------------


def test_feature_space_is_bounded() -> None:
    texts, labels = _data()
    small = Router(max_words=50, max_chars=30).train(texts, labels)
    assert small.n_features <= 80
    assert small.predict("신호등 고장").label in small.labels
    budget = Router(max_weights=600).train(texts, labels)  # 6 labels: at most 100 features
    assert 0 < budget.n_features <= 100


# --- real data -------------------------------------------------------------------------


@pytest.mark.skipif(not PETITIONS.exists(), reason="petitions file not present")
def test_beats_the_majority_class_on_2000_real_petitions() -> None:
    with gzip.open(PETITIONS, "rt", encoding="utf-8") as fh:
        rows = [json.loads(line) for _, line in zip(range(2_000), fh, strict=False)]
    rows.sort(key=lambda r: r["begin"])
    texts = [f"{r['title']}\n{r['content'][:600]}" for r in rows]
    labels = [r["category"] for r in rows]
    tokens = tokenize_many(texts)
    cut = 1_600
    router = Router().train(texts[:cut], labels[:cut], tokens=tokens[:cut])
    predicted = [p.label for p in router.predict_many(texts[cut:], tokens=tokens[cut:])]
    accuracy = np.mean([p == t for p, t in zip(predicted, labels[cut:], strict=True)])
    majority = Counter(labels[:cut]).most_common(1)[0][0]
    majority_accuracy = np.mean([t == majority for t in labels[cut:]])
    assert accuracy > majority_accuracy + 0.1, (accuracy, majority_accuracy)
    confidence = np.array(
        [p.confidence for p in router.predict_many(texts[cut:], tokens=tokens[cut:])]
    )
    assert confidence.mean() == pytest.approx(accuracy, abs=0.05)
    right = np.array([p == t for p, t in zip(predicted, labels[cut:], strict=True)])
    sure = confidence >= 0.85  # the default auto-route threshold
    assert not sure.any() or right[sure].mean() >= 0.85, (sure.sum(), right[sure].mean())


def test_module_exports() -> None:
    assert classifier.FORMAT_VERSION >= 1 and classifier.MIN_EXAMPLES == 10
