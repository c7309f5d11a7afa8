"""How well routing works: a time-ordered hold-out, the plain baseline beside it, and speed.

Routing is always judged on voices newer than those it learnt from (``time_split``), the way
it is used. ``compare`` trains our ``Router`` and the plain TF-IDF character-n-gram + logistic
regression baseline (the reference figure in ``data/README.md``) on the same data and
``format_report`` prints both side by side (accuracy, top-3 accuracy, macro-F1, a per-label
table and the most frequent confusions). ``replay_corrections`` measures what learning from
staff corrections is worth, and ``measure_speed`` the per-text latency and Kiwi's bare speed.
"""

from __future__ import annotations

import gzip
import json
import statistics
import time
import unicodedata
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, TypeVar

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import precision_recall_fscore_support
from sklearn.pipeline import Pipeline, make_pipeline

from minwon.analysis.classifier import Prediction, Router
from minwon.analysis.tokenize import content_tokens, get_kiwi, tokenize_many

__all__ = [
    "BaselineRouter",
    "ClassScores",
    "CorrectionReplay",
    "Report",
    "Speed",
    "baseline_router",
    "compare",
    "evaluate",
    "format_report",
    "load_petitions",
    "measure_speed",
    "petition_text",
    "replay_corrections",
    "score",
    "time_split",
]

T = TypeVar("T")


class Predictor(Protocol):
    """Anything that suggests labels for texts (our ``Router``, the baseline)."""

    def predict_many(
        self, texts: Sequence[str], *, tokens: Sequence[list[str]] | None = None
    ) -> list[Prediction]: ...


# --- data --------------------------------------------------------------------------------


def load_petitions(path: str | Path) -> list[dict[str, Any]]:
    """The petitions of a ``.jsonl.gz`` (or plain ``.jsonl``) file, one dict per line.

    Raises ``ValueError`` naming the line for a line that is not a JSON object.
    """
    path = Path(path)
    opener = gzip.open if path.suffix == ".gz" else open
    rows = []
    with opener(path, "rt", encoding="utf-8") as fh:
        for number, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                raise ValueError(f"{path}:{number}: not JSON ({exc.msg})") from None
            if not isinstance(row, dict):
                raise ValueError(f"{path}:{number}: expected a JSON object")
            rows.append(row)
    return rows


def petition_text(row: dict[str, Any]) -> str:
    """The text routed for an item: its ``text`` field, else its title and content."""
    if isinstance(row.get("text"), str):
        return row["text"]
    return f"{row.get('title') or ''}\n{row.get('content') or row.get('body') or ''}"


def time_split(
    items: Sequence[T], key: Callable[[T], Any] | str, train_share: float = 0.8
) -> tuple[list[T], list[T]]:
    """Oldest ``train_share`` of the items to learn from, the newest rest to test on.

    ``key`` gives an item's time (a function, or the name of a dict field such as
    ``"begin"``); the sort is stable, so items of the same time keep their order.
    """
    if not 0 < train_share < 1:
        raise ValueError(f"train_share must be between 0 and 1, got {train_share}")
    get = (lambda item: item[key]) if isinstance(key, str) else key  # type: ignore[index]
    ordered = sorted(items, key=get)
    cut = int(len(ordered) * train_share)
    return ordered[:cut], ordered[cut:]


# --- the baseline ------------------------------------------------------------------------


BASELINE_MAX_FEATURES = 2**18


class BaselineRouter:
    """Plain TF-IDF of character 2–4-grams + logistic regression (the README's reference).

    scikit-learn defaults on the raw text, except one bound: the 2^18 most frequent n-grams.
    Unbounded, the petitions give 2.5 M n-grams and L-BFGS keeps ten 17 × 2.5 M histories:
    about 14 GB and 7 minutes, for no better figures (accuracy 0.494, macro-F1 0.333 on the
    time-ordered split, against 0.502 and 0.347 bounded). Same ``train`` / ``predict``
    interface as ``Router``, evaluated by the same code.
    """

    def __init__(self) -> None:
        self._pipe: Pipeline | None = None

    def train(
        self,
        texts: Sequence[str],
        labels: Sequence[str],
        *,
        tokens: Sequence[list[str]] | None = None,
    ) -> BaselineRouter:
        """Fit on raw texts (``tokens`` is accepted for symmetry and ignored)."""
        vectorizer = TfidfVectorizer(
            analyzer="char", ngram_range=(2, 4), max_features=BASELINE_MAX_FEATURES
        )
        self._pipe = make_pipeline(vectorizer, LogisticRegression(max_iter=1000))
        self._pipe.fit(list(texts), list(labels))
        return self

    @property
    def labels(self) -> list[str]:
        """The labels it can suggest, sorted."""
        return [str(c) for c in self._fitted().classes_]

    def predict(self, text: str) -> Prediction:
        """The suggested label of one text."""
        return self.predict_many([text])[0]

    def predict_many(
        self, texts: Sequence[str], *, tokens: Sequence[list[str]] | None = None
    ) -> list[Prediction]:
        """Suggestions for many texts, with the next two labels as alternatives."""
        probs = self._fitted().predict_proba(list(texts))
        labels = self.labels
        out = []
        for row in probs:
            idx = np.argsort(-row, kind="stable")[:3]
            ranked = [(labels[i], float(row[i])) for i in idx]
            out.append(Prediction(ranked[0][0], ranked[0][1], ranked[1:]))
        return out

    def _fitted(self) -> Pipeline:
        if self._pipe is None:
            raise ValueError("the baseline is not trained: call train() first")
        return self._pipe


def baseline_router() -> BaselineRouter:
    """A fresh, untrained plain baseline."""
    return BaselineRouter()


# --- metrics -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ClassScores:
    """Precision, recall and F1 of one label, and how many test texts carry it."""

    label: str
    precision: float
    recall: float
    f1: float
    support: int


@dataclass
class Report:
    """Quality of one router on one test set (and, from ``compare``, its training time)."""

    name: str
    n: int
    accuracy: float
    macro_f1: float
    top3_accuracy: float
    per_class: list[ClassScores]
    confusions: list[tuple[str, str, int]]  # (true label, predicted label, count)
    train_seconds: float | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def evaluate(
    router: Predictor,
    texts: Sequence[str],
    labels: Sequence[str],
    *,
    tokens: Sequence[list[str]] | None = None,
    name: str = "",
) -> Report:
    """Accuracy, top-3 accuracy, macro-F1, per-label scores and confusions on a test set."""
    if len(texts) != len(labels) or not labels:
        raise ValueError(f"need as many labels as texts, at least one: {len(texts)}, {len(labels)}")
    predictions = router.predict_many(texts, tokens=tokens)
    return score(labels, predictions, name=name or type(router).__name__)


def score(truth: Sequence[str], predictions: Sequence[Prediction], *, name: str = "") -> Report:
    """The ``Report`` of given predictions against the true labels.

    Macro-F1 averages over every label that is true or predicted at least once (a label never
    predicted right scores 0), as ``sklearn.metrics.f1_score(average="macro")`` does.
    """
    predicted = [p.label for p in predictions]
    labels = sorted(set(truth) | set(predicted))
    precision, recall, f1, support = precision_recall_fscore_support(
        truth, predicted, labels=labels, zero_division=0
    )
    rows = [
        ClassScores(label, float(p), float(r), float(f), int(s))
        for label, p, r, f, s in zip(labels, precision, recall, f1, support, strict=True)
    ]
    top3 = [
        t == p.label or t in [a for a, _ in p.alternatives[:2]]
        for t, p in zip(truth, predictions, strict=True)
    ]
    misses = Counter((t, p) for t, p in zip(truth, predicted, strict=True) if t != p)
    return Report(
        name=name,
        n=len(truth),
        accuracy=float(np.mean([t == p for t, p in zip(truth, predicted, strict=True)])),
        macro_f1=float(np.mean(f1)),
        top3_accuracy=float(np.mean(top3)),
        per_class=sorted(rows, key=lambda r: (-r.support, r.label)),
        confusions=[(t, p, c) for (t, p), c in misses.most_common()],
    )


def compare(
    train: Sequence[Any],
    test: Sequence[Any],
    *,
    label: str = "category",
    text: Callable[[dict[str, Any]], str] = petition_text,
    router: Router | None = None,
) -> tuple[Report, Report]:
    """Train our router and the baseline on ``train``, test both on ``test``.

    Items are ``(text, label)`` pairs, or dicts whose ``label`` field is the label and whose
    text is ``text(item)`` (by default the ``text`` field, else title and content). Texts are
    tokenised once for our router; that time is in ``extra["tokenize_seconds"]``, not in
    ``train_seconds``.
    """
    texts, labels = _unzip(train, label, text)
    test_texts, test_labels = _unzip(test, label, text)
    started = time.perf_counter()
    train_tokens, test_tokens = tokenize_many(texts), tokenize_many(test_texts)
    tokenize_seconds = time.perf_counter() - started
    ours_router, ours_seconds = _timed_train(router or Router(), texts, labels, train_tokens)
    ours = evaluate(ours_router, test_texts, test_labels, tokens=test_tokens, name="ours")
    ours.train_seconds = ours_seconds
    ours.extra["tokenize_seconds"] = tokenize_seconds
    base_router, base_seconds = _timed_train(baseline_router(), texts, labels, None)
    base = evaluate(base_router, test_texts, test_labels, name="baseline")
    base.train_seconds = base_seconds
    return ours, base


def _timed_train(
    router: Any, texts: list[str], labels: list[str], tokens: list[list[str]] | None
) -> tuple[Any, float]:
    started = time.perf_counter()
    router.train(texts, labels, tokens=tokens)
    return router, time.perf_counter() - started


def _unzip(
    items: Sequence[Any], label: str, text: Callable[[dict[str, Any]], str]
) -> tuple[list[str], list[str]]:
    """Texts and labels of (text, label) pairs or of dicts; a dict without its label is an error."""
    texts, labels = [], []
    for number, item in enumerate(items, start=1):
        if isinstance(item, dict):
            if not isinstance(item.get(label), str) or not item[label].strip():
                raise ValueError(f"item {number}: no {label!r} label")
            texts.append(text(item))
            labels.append(item[label])
        else:
            texts.append(item[0])
            labels.append(item[1])
    return texts, labels


# --- learning from corrections -----------------------------------------------------------


@dataclass(frozen=True)
class CorrectionReplay:
    """Accuracy on a stream of newer voices, without and with learning from each correction."""

    n: int
    accuracy_frozen: float
    accuracy_learning: float
    corrections: int


def replay_corrections(
    router: Router,
    texts: Sequence[str],
    labels: Sequence[str],
    *,
    tokens: Sequence[list[str]] | None = None,
) -> CorrectionReplay:
    """Route voices in order; after each wrong suggestion, teach a copy the right label.

    Each voice is predicted before its own correction is learnt (prequential accuracy), so
    the gain shown is what staff would see. ``router`` itself is not changed.
    """
    token_lists = list(tokens) if tokens is not None else tokenize_many(texts)
    frozen = [p.label for p in router.predict_many(texts, tokens=token_lists)]
    learner = Router.from_bytes(router.to_bytes())
    hits, corrections = 0, 0
    for toks, label in zip(token_lists, labels, strict=True):
        if learner.predict_tokens(toks).label == label:
            hits += 1
        else:
            learner.partial_fit([""], [label], tokens=[toks])
            corrections += 1
    right = sum(p == t for p, t in zip(frozen, labels, strict=True))
    n = len(labels)
    return CorrectionReplay(n, right / n, hits / n, corrections)


# --- speed -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Speed:
    """Per-text routing latency (ms) and tokenising throughput (texts/s), one thread."""

    predict_ms_median: float
    predict_ms_p95: float
    with_tokenize_ms_median: float
    with_tokenize_ms_p95: float
    kiwi_texts_per_s: float
    content_tokens_texts_per_s: float


def measure_speed(router: Router, texts: Sequence[str]) -> Speed:
    """Time, text by text: routing from tokens, routing from text, bare Kiwi, our tokeniser."""
    kiwi = get_kiwi()
    kiwi_s = _each(lambda t: kiwi.tokenize(t), texts)
    ours_s = _each(content_tokens, texts)
    token_lists = [content_tokens(t) for t in texts]
    predict_s = _each(router.predict_tokens, token_lists)
    full_s = _each(router.predict, texts)
    return Speed(
        predict_ms_median=statistics.median(predict_s) * 1e3,
        predict_ms_p95=_p95(predict_s) * 1e3,
        with_tokenize_ms_median=statistics.median(full_s) * 1e3,
        with_tokenize_ms_p95=_p95(full_s) * 1e3,
        kiwi_texts_per_s=len(texts) / sum(kiwi_s),
        content_tokens_texts_per_s=len(texts) / sum(ours_s),
    )


def _each(fn: Callable[[Any], Any], items: Sequence[Any]) -> list[float]:
    times = []
    for item in items:
        started = time.perf_counter()
        fn(item)
        times.append(time.perf_counter() - started)
    return times


def _p95(values: list[float]) -> float:
    return float(np.percentile(values, 95))


# --- printing ----------------------------------------------------------------------------


def format_report(ours: Report, baseline: Report, *, top_classes: int = 40) -> str:
    """Both reports side by side as plain text (Korean headers; Hangul-aware alignment)."""
    lines = [f"평가 건수 {ours.n:,} (시간순 분할: 이전 자료로 학습, 최근 자료로 평가)", ""]
    lines += _summary(ours, baseline)
    lines += ["", "분류별 성능 (우리 모델 정밀도 / 재현율 / F1, 기준선 F1)"]
    lines += _per_class(ours, baseline, top_classes)
    for report in (ours, baseline):
        lines += ["", f"자주 틀린 쌍 — {_title(report)} (정답 → 예측: 건수)"]
        lines += [f"  {t} → {p}: {c}" for t, p, c in report.confusions[:10]] or ["  없음"]
    return "\n".join(lines)


def _title(report: Report) -> str:
    return {"ours": "우리 모델", "baseline": "기준선"}.get(report.name, report.name)


def _summary(ours: Report, baseline: Report) -> list[str]:
    def seconds(r: Report) -> str:
        return "-" if r.train_seconds is None else f"{r.train_seconds:.1f}s"

    rows = [
        ("", "우리 모델", "기준선 (문자 TF-IDF+LR)"),
        ("정확도 accuracy", f"{ours.accuracy:.3f}", f"{baseline.accuracy:.3f}"),
        ("top-3 정확도", f"{ours.top3_accuracy:.3f}", f"{baseline.top3_accuracy:.3f}"),
        ("macro-F1", f"{ours.macro_f1:.3f}", f"{baseline.macro_f1:.3f}"),
        ("학습 시간", seconds(ours), seconds(baseline)),
    ]
    return [_pad(a, 18) + _pad(b, 12) + c for a, b, c in rows]


def _per_class(ours: Report, baseline: Report, limit: int) -> list[str]:
    base_f1 = {row.label: row.f1 for row in baseline.per_class}
    head = _pad("분류", 22) + _pad("건수", 7) + "정밀도  재현율  F1     기준선F1"
    lines = [head]
    for row in ours.per_class[:limit]:
        other = base_f1.get(row.label)
        lines.append(
            _pad(row.label, 22)
            + _pad(str(row.support), 7)
            + f"{row.precision:.3f}   {row.recall:.3f}   {row.f1:.3f}  "
            + ("-" if other is None else f"{other:.3f}")
        )
    return lines


def _pad(text: str, width: int) -> str:
    """Left-justify to a display width where Hangul and other wide characters count two."""
    shown = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
    return text + " " * max(1, width - shown)
