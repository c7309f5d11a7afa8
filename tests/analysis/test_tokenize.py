"""Content morphemes of Korean voices: what is kept, normalisation, and hostile input."""

import threading

import pytest

from minwon.analysis import tokenize
from minwon.analysis.tokenize import MAX_CHARS, content_tokens, normalize, tokenize_many


def test_keeps_nouns_marked_stems_roots_and_foreign_words() -> None:
    tokens = content_tokens("가로등이 꺼져 있어요. 너무 어둡고 위험해요! CCTV 설치 부탁드립니다")
    assert {"가로등", "위험", "설치", "cctv"} <= set(tokens)
    assert "꺼지/V" in tokens and "어둡/A" in tokens
    assert not {"이", "어요", "!", "."} & set(tokens)  # particles, endings, punctuation


def test_roots_and_irregular_stems() -> None:
    tokens = content_tokens("길이 깨끗하지 않고 추워서 불편합니다")
    assert "깨끗" in tokens  # XR root
    assert "춥/A" in tokens  # irregular adjective (VA-I) keeps its marker


def test_numbers_urls_and_emoji_are_dropped() -> None:
    tokens = content_tokens("2024년 3월 15일 123번 버스 😡🙏 https://example.go.kr 참고")
    assert "버스" in tokens and "참고" in tokens
    assert not any(t[0].isdigit() for t in tokens)
    assert not any("http" in t or "😡" in t for t in tokens)


@pytest.mark.parametrize("text", ["", " ", "\n\t  \u3000", "!!!???...", "😡😡😡", "\x00\x00"])
def test_empty_and_contentless_text_gives_no_tokens(text: str) -> None:
    assert content_tokens(text) == []


def test_html_tags_scripts_and_entities_are_removed() -> None:
    text = "<p>가로등이 <b>꺼져</b> 있어요</p><script>alert('해킹')</script>&lt;긴급&gt; &amp; 위험"
    assert normalize(text) == "가로등이 꺼져 있어요 <긴급> & 위험"
    tokens = content_tokens(text)
    assert tokens == ["가로등", "꺼지/V", "긴급", "위험"]
    assert "해킹" not in tokens and "script" not in tokens


def test_nul_and_control_characters_vanish_inside_words() -> None:
    assert content_tokens("가로\x00등이 꺼\u200b졌어요\x07") == content_tokens("가로등이 꺼졌어요")


def test_full_width_and_compatibility_forms_are_folded() -> None:
    assert content_tokens("ＣＣＴＶ 설치") == content_tokens("CCTV 설치") == ["cctv", "설치"]


def test_mixed_scripts() -> None:
    tokens = content_tokens("COVID-19 마스크 5부제 漢字 テスト Привет مرحبا ☃ 신호등")
    assert {"covid", "마스크", "신호등", "漢字"} <= set(tokens)


def test_lone_surrogates_do_not_break_analysis() -> None:
    assert content_tokens("가로등\ud800 고장") == ["가로등", "고장"]


def test_hundred_thousand_characters_are_bounded() -> None:
    text = "가로등이 꺼져 있어요 신호등이 고장났어요 " * 4_000  # ~100k characters
    assert len(text) > 90_000
    assert len(normalize(text)) <= MAX_CHARS
    tokens = content_tokens(text)
    assert 0 < len(tokens) < MAX_CHARS


@pytest.mark.parametrize(
    "text",
    [
        "가" * 100_000,
        "<" * 100_000,
        "<a" * 50_000,
        "&amp;" * 20_000,
        "😡" * 100_000,
        "\x00" * 10**5,
    ],
)
def test_pathological_long_inputs(text: str) -> None:
    """Kiwi only ever sees a bounded prefix (its speed is measured in bench/analysis.py)."""
    assert len(normalize(text)) <= MAX_CHARS
    assert isinstance(content_tokens(text), list)


def test_truncation_cuts_at_a_space() -> None:
    text = "민원 " * 3_000
    assert normalize(text).endswith("민원")


def test_tokenize_many_matches_content_tokens_in_order() -> None:
    texts = ["가로등이 꺼져 있어요", "", "신호등 고장", "<b>쓰레기</b> 무단 투기", "😡"] * 5
    assert tokenize_many(texts) == [content_tokens(t) for t in texts]
    assert tokenize_many([]) == []


def test_one_analyser_per_process_loaded_lazily_and_shared_by_threads() -> None:
    first = tokenize.get_kiwi()
    results: list[list[str]] = []
    kiwis = []

    def work() -> None:
        kiwis.append(tokenize.get_kiwi())
        results.append(content_tokens("버스 정류장 의자가 부서졌어요"))

    threads = [threading.Thread(target=work) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(k is first for k in kiwis)
    assert all(r == results[0] for r in results) and "정류장" in results[0]


def test_import_does_not_load_kiwi() -> None:
    import subprocess
    import sys

    code = (
        "import sys, minwon.analysis.tokenize as t; "
        "assert t._kiwi is None and 'kiwipiepy' not in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
