"""Causes of an office's voices: topic clusters of one period, compared with the period before.

The OK team reads its voices to find the few causes behind most of them (a Pareto view) and
whether a cause is growing. This module does that on plain token lists, with no database:

1. generic words (``minwon.analysis.stopwords.GENERIC``) are removed and a word must occur in
   at least two voices to count;
2. TF-IDF weights (sublinear term frequency, unit-length rows) are computed over the voices of
   *both* periods together, and NMF (non-negative matrix factorisation, deterministic
   ``nndsvda`` start, ``random_state=0``) finds the topics, so a cause is the same thing in the
   current and the previous period and the two counts can be compared;
3. the number of topics follows the data size: one per 30 voices, at least 2, at most
   ``max_topics``;
4. each voice goes to its dominant topic; a voice with no weight on any topic (no content
   word shared with another voice), and every topic with fewer than ``min_docs`` voices, go to
   the cause "기타" (other); topics whose labels coincide are merged;
5. a cause is labelled by its three strongest keywords; causes are ordered by their count in
   the current period, "기타" last as on any Pareto chart, with shares and cumulative shares.

Verb and adjective stems are shown in dictionary form (``막/V`` → 막다, ``어둡/A`` → 어둡다).
"""

from __future__ import annotations

import warnings
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from minwon.analysis.stopwords import content_terms

__all__ = ["OTHER_KEY", "OTHER_LABEL", "Cause", "TopicDoc", "find_causes"]

OTHER_KEY = "other"
OTHER_LABEL = "기타"
_DOCS_PER_TOPIC = 30
_LABEL_WORDS = 3
_KEYWORDS = 8
_EXAMPLES = 3


@dataclass(frozen=True)
class TopicDoc:
    """One voice as topic analysis sees it: its id, its content tokens, and its period.

    ``current`` is True for a voice of the period asked about, False for one of the previous
    period of the same length.
    """

    voice_id: int
    tokens: list[str]
    current: bool


@dataclass(frozen=True)
class Cause:
    """One cause (topic) with its counts in both periods and its place on the Pareto chart.

    ``key`` names the cause within one result ("t" and the topic's number, "other" for 기타);
    the same docs always give the same keys, but a different set of docs numbers anew.
    ``change`` is the relative change from the previous period (0.5 = +50 %), None when the
    previous period had none. ``share`` and ``cumulative`` are fractions of the current
    period's voices. ``examples`` are ids of up to three current voices that show the cause
    best.
    """

    key: str
    label: str
    keywords: list[str]
    current: int
    previous: int
    change: float | None
    share: float
    cumulative: float
    examples: list[int]


@dataclass
class _Group:
    key: str
    label: str
    keywords: list[str]
    members: list[int]


def find_causes(
    docs: Sequence[TopicDoc], *, max_topics: int = 10, min_docs: int = 3
) -> list[Cause]:
    """The causes of ``docs``, most frequent in the current period first ("기타" last).

    Topics are fitted on both periods together so their counts compare (see the module
    docstring for the method). Never raises on thin data: no docs give ``[]``; docs without
    shared content words, or too few docs for a topic model, all fall under "기타".
    """
    if not docs:
        return []
    terms = [content_terms(d.tokens) for d in docs]
    assign = np.full(len(docs), -1, dtype=np.int64)
    strength = np.zeros(len(docs))
    groups: list[_Group] = []
    fitted = _fit(terms, max_topics)
    if fitted is not None:
        weights, keywords, top_terms = fitted
        best = weights.argmax(axis=1)
        strength = weights[np.arange(len(docs)), best]
        # a voice that uses none of its strongest topic's keywords is about something else
        mentions = np.array(
            [not top_terms[t].isdisjoint(d) for t, d in zip(best.tolist(), terms, strict=True)]
        )
        assign = np.where((strength > 0) & mentions, best, -1)
        groups = _group_topics(keywords, assign, min_docs)
    member_of = {t: g for g in groups for t in g.members}
    buckets: dict[str, list[int]] = {g.key: [] for g in groups}
    buckets[OTHER_KEY] = []
    for i, topic in enumerate(assign.tolist()):
        group = member_of.get(topic)
        buckets[group.key if group else OTHER_KEY].append(i)
    groups.append(_Group(OTHER_KEY, OTHER_LABEL, [], []))
    return _pareto(docs, groups, buckets, strength)


def _fit(
    terms: list[list[str]], max_topics: int
) -> tuple[np.ndarray, list[list[str]], list[frozenset[str]]] | None:
    """Document-topic weights, each topic's keywords (display forms) and the terms behind
    them, or None if no model."""
    from sklearn.decomposition import NMF
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.feature_extraction.text import CountVectorizer, TfidfTransformer
    from threadpoolctl import threadpool_limits

    if not any(terms):
        return None
    counter = CountVectorizer(analyzer=_identity)
    counts = counter.fit_transform(terms)
    shared = np.flatnonzero(counts.getnnz(axis=0) >= 2)
    if shared.size == 0:
        return None
    counts = counts[:, shared]
    vocab = counter.get_feature_names_out()[shared]
    matrix = TfidfTransformer(sublinear_tf=True).fit_transform(counts)
    n_docs = int((matrix.getnnz(axis=1) > 0).sum())
    k = min(max_topics, max(2, len(terms) // _DOCS_PER_TOPIC), n_docs, len(vocab))
    if k < 1:
        return None
    model = NMF(n_components=k, init="nndsvda", random_state=0, max_iter=300)
    # the matrices are thin (k <= max_topics columns): BLAS threads cost more than they save
    with warnings.catch_warnings(), threadpool_limits(1, user_api="blas"):
        warnings.simplefilter("ignore", ConvergenceWarning)
        # an exact fit of a tiny matrix makes NMF's error a rounding-negative number under sqrt
        warnings.simplefilter("ignore", RuntimeWarning)
        weights = np.nan_to_num(model.fit_transform(matrix))
    keywords: list[list[str]] = []
    top_terms: list[frozenset[str]] = []
    for row in model.components_:
        order = np.argsort(-row, kind="stable")
        top = [str(vocab[j]) for j in order[: _KEYWORDS * 2] if row[j] > 0]
        words = list(dict.fromkeys(_display(t) for t in top))[:_KEYWORDS]
        keywords.append(words)
        top_terms.append(frozenset(t for t in top if _display(t) in words))
    return weights, keywords, top_terms


def _group_topics(keywords: list[list[str]], assign: np.ndarray, min_docs: int) -> list[_Group]:
    """Topics with at least ``min_docs`` voices, those with the same label merged."""
    sizes = Counter(assign.tolist())
    by_label: dict[str, _Group] = {}
    for topic, words in enumerate(keywords):
        if not words:
            continue
        label = "·".join(words[:_LABEL_WORDS])
        group = by_label.setdefault(label, _Group(f"t{topic}", label, words, []))
        group.members.append(topic)
    return [g for g in by_label.values() if sum(sizes[t] for t in g.members) >= min_docs]


def _pareto(
    docs: Sequence[TopicDoc],
    groups: list[_Group],
    buckets: dict[str, list[int]],
    strength: np.ndarray,
) -> list[Cause]:
    """Counts, change, shares, cumulative shares and examples, in Pareto order."""
    rows = []
    for g in groups:
        idx = buckets[g.key]
        cur = [i for i in idx if docs[i].current]
        if not idx:
            continue
        rows.append((g, len(cur), len(idx) - len(cur), cur))
    rows.sort(key=lambda r: (r[0].key == OTHER_KEY, -r[1], -r[2], r[0].key))
    total = sum(r[1] for r in rows)
    causes: list[Cause] = []
    running = 0
    for g, cur_n, prev_n, cur in rows:
        running += cur_n
        cur.sort(key=lambda i: (-float(strength[i]), docs[i].voice_id))
        causes.append(
            Cause(
                key=g.key,
                label=g.label,
                keywords=list(g.keywords),
                current=cur_n,
                previous=prev_n,
                change=(cur_n - prev_n) / prev_n if prev_n else None,
                share=cur_n / total if total else 0.0,
                cumulative=running / total if total else 0.0,
                examples=[docs[i].voice_id for i in cur[:_EXAMPLES]],
            )
        )
    return causes


def _identity(tokens: list[str]) -> list[str]:
    return tokens


def _display(term: str) -> str:
    """``막/V`` → 막다, ``어둡/A`` → 어둡다; nouns and foreign words unchanged."""
    if term.endswith(("/V", "/A")):
        return term[:-2] + "다"
    return term
