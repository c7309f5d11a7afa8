"""The router's features: one text's vector (the suggestion's fast path) equals its row of the
batch matrix, fitting gives the batch matrix again, and the vocabularies keep their bounds."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from minwon.analysis.router_features import MorphemeVectorizer

MORPHEMES = [
    "가로등",
    "고장",
    "신호등",
    "쓰레기",
    "수거",
    "소음",
    "민원/V",
    "빠르/A",
    "주차",
    "단속",
]
TRAINING = [
    ["가로등", "고장", "신고"],
    ["신호등", "고장", "교차로"],
    ["쓰레기", "수거", "지연"],
    ["소음", "공사", "야간", "소음"],
    ["주차", "단속", "요청"],
    ["가로등", "꺼짐", "골목"],
]
token_lists = st.lists(
    st.one_of(
        st.sampled_from(MORPHEMES), st.text("가나다라마바사아자차카", min_size=1, max_size=4)
    ),
    max_size=12,
)


def _fitted(max_words: int = 1000, max_chars: int = 1000) -> MorphemeVectorizer:
    features = MorphemeVectorizer(max_words, max_chars, char_weight=0.8)
    features.fit_transform(TRAINING)
    return features


@settings(max_examples=150, deadline=None)
@given(token_lists)
def test_one_texts_vector_is_its_row_of_the_matrix(tokens: list[str]) -> None:
    features = _fitted()
    cols, vals = features.vector(tokens)
    row = np.zeros(features.size, dtype=np.float32)
    row[cols] = vals
    expected = features.transform([tokens]).toarray()[0]
    assert row == pytest.approx(expected, abs=1e-6)
    assert float(row @ row) == pytest.approx(1.0, abs=1e-5) or not row.any()


def test_fitting_gives_the_matrix_that_transforming_gives_again() -> None:
    features = MorphemeVectorizer(1000, 1000, char_weight=1.0)
    fitted = features.fit_transform(TRAINING).toarray()
    assert fitted == pytest.approx(features.transform(TRAINING).toarray(), abs=1e-6)


def test_the_vocabularies_keep_the_terms_in_the_most_texts_within_their_bounds() -> None:
    features = _fitted(max_words=3, max_chars=5)
    assert len(features.words) == 3 and len(features.chars) == 5 and features.size == 8
    assert "고장" in features.words and "가로등" in features.words  # in two texts each


def test_a_text_of_unknown_words_has_no_features() -> None:
    cols, vals = _fitted().vector(["없는말"])
    assert len(cols) == len(vals) == 0
