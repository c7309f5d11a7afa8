"""Generic words of Korean complaint text, to be left out when looking for what a voice is about.

Almost every voice, whatever its matter, greets (안녕, 수고), asks (요청, 부탁, 문의, 드리/V,
바라/V), refers to itself (민원, 내용, 관련, 문제, 상황) and strings clauses together with light
verbs (하/V, 되/V, 있/A, 없/A, 같/A, 위하/V, 대하/V). Such words top every frequency list, so a
topic model left alone would make a "cause" of "하·되·있". ``GENERIC`` lists them in the form
``minwon.analysis.tokenize`` emits (nouns as they are, verb stems as ``하/V``, adjective stems
as ``없/A``), so that analysis keeps only the words that say something about the matter.

The list was drawn from document frequencies over real petitions of all 17 categories of the
national petition board: a word is in it only if it is frequent in *every* category and names
no matter by itself. Words that are frequent but say what the voice is about — 주차, 소음,
피해, 안전, 직원, 코로나 — are not in it, whatever their frequency: one office's main topic
must never vanish because it is common there. Function nouns the tokenizer already drops
(것, 수, 등) are listed too, so the list stays right if the tokenizer keeps them one day.
"""

from __future__ import annotations

from collections.abc import Iterable

__all__ = ["GENERIC", "content_terms"]

GENERIC: frozenset[str] = frozenset(
    {
        # the act of complaining, asking, greeting and thanking
        "민원", "민원인", "청원", "건의", "요청", "요구", "부탁", "문의", "질문", "답변", "말씀",
        "확인", "처리", "조치", "해결", "개선", "진행", "검토", "안녕", "감사", "수고", "죄송",
        "불편", "드리/V", "바라/V", "원하/V", "주/V", "알리/V", "올리/V",
        # talk about the talk
        "내용", "관련", "해당", "사항", "문제", "생각", "이유", "사실", "말", "글", "부분",
        "상황", "경우", "정도", "방법", "결과", "이상", "일부", "대부분", "자체", "점", "일",
        "곳", "것", "수", "등", "건", "번", "중", "때", "전", "후", "이후", "다음", "가능", "기타",
        "필요", "사람", "본인", "국민", "지금", "현재", "이번", "최근", "당시", "동안",
        # light verbs and adjectives that carry grammar, not matter
        "하/V", "되/V", "있/V", "있/A", "없/A", "같/A", "않/V", "보/V", "받/V", "위하/V",
        "대하/V", "인하/V", "의하/V", "통하/V", "관하/V", "따르/V", "가/V", "오/V", "나/V",
        "나오/V", "들/V", "알/V", "모르/V", "가지/V", "보이/V", "만들/V", "생기/V", "지나/V",
        "맞/V", "쓰/V", "두/V", "그렇/A", "이렇/A", "어떻/A", "많/A", "크/A", "좋/A", "다르/A",
    }
)  # fmt: skip
"""Generic tokens of complaint text (see the module docstring for what is in and why)."""


def content_terms(tokens: Iterable[str]) -> list[str]:
    """The tokens that are not ``GENERIC``, in their order (repeats kept).

    This is what topic and trend analysis count, so that their keywords name matters, not the
    courtesy and grammar every voice shares.
    """
    return [t for t in tokens if t not in GENERIC]
