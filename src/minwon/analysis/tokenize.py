"""Korean content morphemes for routing and similarity, from one shared Kiwi analyser.

Kiwi (kiwipiepy) takes about 1–2.5 s and a few hundred MB to load, so one instance serves the
whole process: it is created on first use (never at import time), under a lock, and reused by
every thread. Text is normalised first (NFKC, HTML tags and entities removed, control
characters dropped, whitespace folded) and cut to ``MAX_CHARS`` so the cost of analysing any
input, even a 100k-character paste, is bounded.

What is kept are the morphemes that carry the matter of a voice: common and proper nouns, verb
and adjective stems (marked ``/V`` and ``/A`` so ``살/V`` "to live" never meets the noun ``살``),
roots (XR), Chinese characters, and foreign words in lower case. Particles, endings, numbers,
punctuation, emoji and URLs are dropped.
"""

from __future__ import annotations

import html
import os
import re
import threading
import unicodedata
import warnings
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover - typing only
    from kiwipiepy import Kiwi

__all__ = ["MAX_CHARS", "content_tokens", "get_kiwi", "normalize", "preload", "tokenize_many"]

MAX_CHARS = 5_000
"""Characters of a text that are analysed; the matter of a voice is stated long before this."""

_RAW_LIMIT = 4 * MAX_CHARS  # raw characters looked at before normalising (tags, entities ...)
_BATCH_MIN = 8  # below this many texts Kiwi's thread pool costs more than it saves

_SCRIPT_STYLE = re.compile(r"<(script|style)\b[^>]{0,1000}>.{0,20000}?</\1\s*>", re.I | re.S)
_TAG = re.compile(r"<!--.{0,20000}?-->|</?[A-Za-z][^<>]{0,1000}>", re.S)
_SURROGATE = re.compile(r"[\ud800-\udfff]")
# control, zero-width and bidi-override characters vanish (a NUL inside a word keeps the word)
_CONTROL = re.compile(
    r"[\x00-\x08\x0e-\x1f\x7f-\x84\x86-\x9f\u200b-\u200f\u202a-\u202e\u2060\ufeff]"
)
_SPACE = re.compile(r"\s+")

_NOUN_TAGS = frozenset({"NNG", "NNP", "XR", "SH"})
_VERB_MARK = {"VV": "/V", "VA": "/A"}

_lock = threading.Lock()
_kiwi: Kiwi | None = None


def get_kiwi() -> Kiwi:
    """The process-wide Kiwi analyser, loaded on first call (thread-safe, loaded once).

    Kiwi keeps a small pool of worker threads (at most 4) for batch analysis; a single text is
    always analysed in the calling thread.
    """
    global _kiwi
    if _kiwi is None:
        with _lock:
            if _kiwi is None:
                from kiwipiepy import Kiwi

                _kiwi = Kiwi(num_workers=min(4, os.cpu_count() or 1))
    return _kiwi


def preload() -> Kiwi:
    """Load the analyser now, in a server that is about to fork its workers, so that they all
    share its memory (about 500 MB) instead of loading one each.

    It is made without a thread pool: threads do not survive a fork, and a batch call in a
    worker would wait on them forever (in this mode Kiwi refuses batch calls, and
    ``tokenize_many`` analyses text by text, in as many threads as call it). One analysis warms
    it up: the first one builds some 220 MB of tables that would otherwise be built, and
    copied, in every worker.
    """
    global _kiwi
    with _lock:
        if _kiwi is None:
            from kiwipiepy import Kiwi

            with warnings.catch_warnings():  # 0 means "no thread pool" since kiwipiepy 0.21
                warnings.simplefilter("ignore", DeprecationWarning)
                _kiwi = Kiwi(num_workers=0)
    content_tokens("구로3동 도로에 싱크홀이 생겼어요. 빨리 고쳐 주세요.")
    return _kiwi


def normalize(text: str) -> str:
    """Text as analysis sees it: NFKC, no HTML, no control characters, single spaces, bounded.

    At most ``MAX_CHARS`` characters are returned, cut at a space where one is near the limit.
    """
    if not text:
        return ""
    text = unicodedata.normalize("NFKC", text[:_RAW_LIMIT])
    text = _SURROGATE.sub("", text)
    if "<" in text:
        text = _TAG.sub(" ", _SCRIPT_STYLE.sub(" ", text))
    if "&" in text:
        text = html.unescape(text)
    text = _SPACE.sub(" ", _CONTROL.sub("", text)).strip()
    return _truncate(text, MAX_CHARS)


def _truncate(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    cut = text.rfind(" ", limit - 50, limit)
    return text[: cut if cut > 0 else limit]


def content_tokens(text: str) -> list[str]:
    """Content morphemes of one text, in order (nouns, ``stem/V``, ``stem/A``, roots, foreign).

    Empty, blank or morpheme-free text gives ``[]``; no input raises.
    """
    clean = normalize(text)
    if not clean:
        return []
    return _content(get_kiwi().tokenize(clean))


def tokenize_many(texts: Iterable[str]) -> list[list[str]]:
    """``content_tokens`` for many texts, using Kiwi's batch API (its worker threads).

    Same results as calling ``content_tokens`` on each text, in the same order.
    """
    clean = [normalize(t) for t in texts]
    kiwi = get_kiwi()
    todo = [t for t in clean if t]
    if len(todo) < _BATCH_MIN or kiwi.num_workers < 2:
        analysed = [kiwi.tokenize(t) for t in todo]
    else:
        analysed = list(kiwi.tokenize(todo))
    results = iter(analysed)
    return [_content(next(results)) if t else [] for t in clean]


def _content(tokens: Sequence[Any]) -> list[str]:
    """Keep the content morphemes of one Kiwi analysis (see the module docstring)."""
    out: list[str] = []
    for tok in tokens:
        tag: str = tok.tag
        if tag in _NOUN_TAGS:
            out.append(tok.form)
        elif tag[:2] in _VERB_MARK:  # VV, VA and their irregular forms VV-I, VA-R ...
            out.append(tok.form + _VERB_MARK[tag[:2]])
        elif tag == "SL":
            out.append(tok.form.lower())
    return out
