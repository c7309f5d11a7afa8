"""How well routing works: a time-ordered hold-out, the plain baseline beside it, and speed.

Routing is always judged on voices newer than those it learnt from (``time_split``), the way
it is used. ``compare`` trains our ``Router`` and the plain TF-IDF character-n-gram + logistic
regression baseline (the reference figure in ``data/README.md``) on the same data;
``eval_report.format_report`` prints both side by side (accuracy, top-3 accuracy, macro-F1, a
per-label table and the most frequent confusions). ``replay_corrections`` measures what
learning from staff corrections is worth, and ``measure_speed`` the per-text latency and
Kiwi's bare speed.

``load_items`` reads what ``minwon analysis eval`` evaluates: petitions JSONL, or a CSV/XLSX in
``minwon import``'s format (read by the importer's own reader). Every report also gives the
precision of the suggestions at or above the auto-route threshold and the share of voices that
reach it; ``mix_history`` adds voices of units that no longer take voices to the training part,
as an agency's database holds after a reorganisation.
"""

from __future__ import annotations

import gzip
import json
import random
import statistics
import time
from collections import Counter
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol, TypeVar

import numpy as np
from sklearn.metrics import precision_recall_fscore_support

from minwon.analysis.baseline import baseline_router
from minwon.analysis.classifier import Prediction, Router
from minwon.analysis.service import DEFAULT_THRESHOLD, analysis_text
from minwon.analysis.tokenize import content_tokens, get_kiwi, tokenize_many

__all__ = [
    "ClassScores",
    "CorrectionReplay",
    "Report",
    "Speed",
    "compare",
    "evaluate",
    "load_import_file",
    "load_items",
    "load_petitions",
    "mix_history",
    "measure_speed",
    "petition_text",
    "replay_corrections",
    "score",
    "thin",
    "time_split",
]

T = TypeVar("T")


class Predictor(Protocol):
    """Anything that suggests labels for texts (our ``Router``, the baseline)."""

    def predict_many(
        self,
        texts: Sequence[str],
        *,
        tokens: Sequence[list[str]] | None = None,
        allowed: Collection[str] | None = None,
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


IMPORT_LABELS = ("unit", "category")
_FAR_FUTURE = datetime(9999, 1, 1, tzinfo=UTC)


def load_import_file(path: str | Path, label: str = "unit") -> list[dict[str, Any]]:
    """The labelled rows of a CSV/XLSX in ``minwon import``'s format, as evaluation items.

    The file is read by the importer's own reader (encodings, delimiters, XLSX, Korean or
    English headers, dates), so a file that imports is a file that evaluates. Each item has
    ``text`` (title and body, as routing reads them), ``time`` (접수일시) and ``label`` (the
    ``unit`` column, 담당 부서, or the ``category`` column). Rows without a label are skipped;
    a missing column, an unreadable date or no labelled row at all raises ``ValueError``
    naming the line.
    """
    from minwon.voices.import_columns import COLUMNS, _find_header, _read_header
    from minwon.voices.import_read import _FileProblem, _nonempty_rows, _open_source
    from minwon.voices.import_report import ImportReport
    from minwon.voices.import_values import _Bad, _text, parse_when

    if label not in IMPORT_LABELS:
        raise ValueError(f"--label은 unit 또는 category입니다: {label!r}")
    path = Path(path)
    try:
        found = _find_header(_nonempty_rows(_open_source(path)))
        if found is None:
            raise ValueError(f"{path}: 파일이 비어 있습니다.")
        first, rows = found
        header = _read_header(*first, ImportReport(file=path.name))
        if header is None:
            raise ValueError(f"{path}: 머리글(열 이름) 줄이 없습니다.")
        for col in ("received_at", "title", "body", label):
            if col not in header.index:
                raise ValueError(f"{path}: '{COLUMNS[col][0]}({col})' 열이 없습니다.")
        items = []
        for line, cells in rows:

            def cell(col: str, cells: list[Any] = cells) -> Any:
                i = header.index[col]
                return cells[i] if i < len(cells) else None

            value = _text(cell(label))
            if not value:
                continue
            try:
                when = parse_when(cell("received_at"), _FAR_FUTURE)
            except _Bad as bad:
                raise ValueError(f"{path}:{line}: 접수일시 — {bad.message}") from None
            text = analysis_text(_text(cell("title")), _text(cell("body")))
            items.append({"text": text, "time": when, "label": value, "line": line})
    except _FileProblem as problem:
        where = f":{problem.line}" if problem.line else ""
        raise ValueError(f"{path}{where}: {problem.message}") from None
    if not items:
        raise ValueError(f"{path}: '{COLUMNS[label][0]}({label})' 값이 있는 행이 없습니다.")
    return items


def load_items(
    path: str | Path, label: str = "category", time_field: str | None = None
) -> list[dict[str, Any]]:
    """Evaluation items ``{"text", "time", "label"}`` of a petitions JSONL(.gz) or import file.

    JSONL: the label is the field named ``label`` and the time the ``time_field`` field
    (``begin`` by default); a line without either raises ``ValueError``. CSV/XLSX: see
    ``load_import_file`` (the time is always 접수일시).
    """
    path = Path(path)
    if not path.name.endswith((".jsonl", ".jsonl.gz", ".json.gz", ".ndjson")):
        return load_import_file(path, label)
    key = time_field or "begin"
    items = []
    for number, row in enumerate(load_petitions(path), start=1):
        value = row.get(label)
        if not isinstance(value, str) or not value.strip():
            raise ValueError(f"{path}:{number}: no {label!r} label")
        if row.get(key) in (None, ""):
            raise ValueError(f"{path}:{number}: no {key!r} time")
        items.append({"text": petition_text(row), "time": str(row[key]), "label": value})
    return items


def thin(items: Sequence[T], limit: int | None, key: Callable[[T], Any]) -> list[T]:
    """At most ``limit`` items spread evenly over time (all of them without a limit).

    Keeps an evaluation small on a busy machine while its split stays time-ordered.
    """
    ordered = sorted(items, key=key)
    if limit is None or limit >= len(ordered):
        return ordered
    step = len(ordered) / limit
    return [ordered[int(i * step)] for i in range(limit)]


CLOSED_PREFIX = "CLOSED-"


def mix_history(
    train: Sequence[dict[str, Any]],
    others: Sequence[dict[str, Any]],
    n: int,
    *,
    avoid: Sequence[dict[str, Any]] = (),
    seed: int = 0,
) -> tuple[list[dict[str, Any]], int]:
    """The training part plus ``n`` voices of units that no longer take voices.

    Each added voice is one of ``others`` (its ``text``) labelled ``CLOSED-<its label>``: an
    old unit that handled the same kinds of matters as today's, as a database keeps after a
    reorganisation. Texts that also appear in ``train`` or ``avoid`` (the test part) are left
    out, so nothing leaks. Returns the mixed training items and how many were added (fewer
    than ``n`` when ``others`` runs short).
    """
    seen = {_fingerprint(i["text"]) for i in (*train, *avoid)}
    pool = [o for o in others if _fingerprint(o["text"]) not in seen]
    random.Random(seed).shuffle(pool)
    added = [
        {"text": o["text"], "time": None, "label": CLOSED_PREFIX + str(o["label"])}
        for o in pool[:n]
    ]
    return [*added, *train], len(added)


def _fingerprint(text: str) -> str:
    """The first line (title) without spaces: the same petition cut differently still matches."""
    return "".join(text.strip().split("\n", 1)[0].split())[:80]


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
    threshold: float = DEFAULT_THRESHOLD
    auto_share: float = 0.0  # share of test voices whose confidence reaches the threshold
    auto_precision: float | None = None  # accuracy among those (None when there are none)


def evaluate(
    router: Predictor,
    texts: Sequence[str],
    labels: Sequence[str],
    *,
    tokens: Sequence[list[str]] | None = None,
    name: str = "",
    threshold: float = DEFAULT_THRESHOLD,
    allowed: Collection[str] | None = None,
) -> Report:
    """Accuracy, top-3 accuracy, macro-F1, per-label scores, confusions and precision at the
    auto-route ``threshold`` on a test set (suggesting only ``allowed`` labels when given)."""
    if len(texts) != len(labels) or not labels:
        raise ValueError(f"need as many labels as texts, at least one: {len(texts)}, {len(labels)}")
    predictions = router.predict_many(texts, tokens=tokens, allowed=allowed)
    return score(labels, predictions, name=name or type(router).__name__, threshold=threshold)


def score(
    truth: Sequence[str],
    predictions: Sequence[Prediction],
    *,
    name: str = "",
    threshold: float = DEFAULT_THRESHOLD,
) -> Report:
    """The ``Report`` of given predictions against the true labels.

    ``threshold`` is the auto-route threshold (``analysis.auto_route_threshold``, 0.85 unless
    the organisation sets another): the report gives the share of voices whose confidence
    reaches it and the precision among them, what staff would see routed without triage.
    ``extra["closed_share"]`` is the share suggested to a unit that no longer takes voices
    (``CLOSED-``, see ``mix_history``). Macro-F1 averages over every label that is true or
    predicted at least once (a label never predicted right scores 0), as
    ``sklearn.metrics.f1_score(average="macro")`` does.
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
    auto = [
        t == p.label for t, p in zip(truth, predictions, strict=True) if p.confidence >= threshold
    ]
    return Report(
        name=name,
        n=len(truth),
        accuracy=float(np.mean([t == p for t, p in zip(truth, predicted, strict=True)])),
        macro_f1=float(np.mean(f1)),
        top3_accuracy=float(np.mean(top3)),
        per_class=sorted(rows, key=lambda r: (-r.support, r.label)),
        confusions=[(t, p, c) for (t, p), c in misses.most_common()],
        threshold=threshold,
        auto_share=len(auto) / len(truth),
        auto_precision=float(np.mean(auto)) if auto else None,
        extra={"closed_share": sum(p.startswith(CLOSED_PREFIX) for p in predicted) / len(truth)},
    )


def compare(
    train: Sequence[Any],
    test: Sequence[Any],
    *,
    label: str = "category",
    text: Callable[[dict[str, Any]], str] = petition_text,
    router: Router | None = None,
    threshold: float = DEFAULT_THRESHOLD,
    token_cache: dict[str, list[str]] | None = None,
    allowed: Collection[str] | None = None,
) -> tuple[Report, Report]:
    """Train our router and the baseline on ``train``, test both on ``test``.

    Items are ``(text, label)`` pairs, or dicts whose ``label`` field is the label and whose
    text is ``text(item)`` (by default the ``text`` field, else title and content). Texts are
    tokenised once for our router; that time is in ``extra["tokenize_seconds"]``, not in
    ``train_seconds``. ``token_cache`` (text → tokens) lets a second comparison on the same
    texts, such as the mixed-history one, skip tokenising them again.

    ``allowed`` (the units that take voices now) restricts both routers' suggestions alike.
    Ours also learns only from the history of those units, as ``minwon analysis train`` does
    (a closed unit's history is left out, another office's belongs to that office's model);
    the plain baseline learns from all of it.
    """
    texts, labels = _unzip(train, label, text)
    test_texts, test_labels = _unzip(test, label, text)
    cache = token_cache if token_cache is not None else {}
    started = time.perf_counter()
    missing = list(dict.fromkeys(t for t in (*texts, *test_texts) if t not in cache))
    cache.update(zip(missing, tokenize_many(missing), strict=True))
    train_tokens, test_tokens = [cache[t] for t in texts], [cache[t] for t in test_texts]
    tokenize_seconds = time.perf_counter() - started
    keep = [i for i, lab in enumerate(labels) if allowed is None or lab in allowed]
    ours_router, ours_seconds = _timed_train(
        router or Router(),
        [texts[i] for i in keep],
        [labels[i] for i in keep],
        [train_tokens[i] for i in keep],
    )
    ours = evaluate(
        ours_router,
        test_texts,
        test_labels,
        tokens=test_tokens,
        name="ours",
        threshold=threshold,
        allowed=allowed,
    )
    ours.train_seconds = ours_seconds
    ours.extra["tokenize_seconds"] = tokenize_seconds
    ours.extra["confidence_ceiling"] = ours_router.confidence_ceiling
    ours.extra["left_out"] = len(labels) - len(keep)
    base_router, base_seconds = _timed_train(baseline_router(), texts, labels, None)
    base = evaluate(
        base_router,
        test_texts,
        test_labels,
        name="baseline",
        threshold=threshold,
        allowed=allowed,
    )
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
