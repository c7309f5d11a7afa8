"""Route a voice to a label (category or unit) learnt from the agency's own labelled voices.

The model knows nothing about any particular label set: it learns whatever labels it is given.

Features come from Kiwi content morphemes (``tokenize.content_tokens``) only, so a voice is
analysed once at intake and its tokens serve routing and similarity alike:

* words — TF-IDF of morpheme unigrams and adjacent bigrams (``가로등``, ``가로등 고장``);
* characters — TF-IDF of character 2–4-grams inside each morpheme, which ties compounds and
  spelling variants together (``가로등고장`` ~ ``가로등``).

Each block keeps only its most frequent terms (``max_words`` / ``max_chars``, scaled down when
there are many labels so that ``labels × features ≤ max_weights``): the model holds at most
4 M float32 weights (16 MB; 13.6 MB for 17 labels) whatever the amount of training text.

The classifier is a one-vs-rest logistic regression trained by SGD (``SGDClassifier``,
``loss="log_loss"``) with class weights that soften imbalance (``√(n / (k · count))``). It was
chosen by measurement on a validation split inside the training data: as accurate as
LinearSVC and full logistic regression on the same features, trains in seconds, and keeps
learning from corrections with ``partial_fit``. Scores become probabilities by a softmax with
one temperature fitted on the newest 15 % of the training examples (temperature scaling, by
the Brier score of the first suggestion); the first suggestion's probability is then mapped
to how often such suggestions were right (Platt scaling of its logit), fitted on time-ordered
held-out parts — for histories of up to 5,000 examples three of them (models trained on the
oldest 55 %, 70 % and 85 %, each judged on the next 15 %), since one part of a small history
holds too few confident suggestions to tell whether they deserve their confidence. No
confidence is claimed beyond what ``_MIN_EVIDENCE`` (20) of those held-out suggestions reached
(``confidence_ceiling``): past its evidence the map would only extrapolate, and on a small
history it put wrong suggestions above the auto-route threshold. A history with fewer than
``_MIN_CALIBRATION`` newest held-out examples gets no temperature, but its three held-out
parts still calibrate (given enough outcomes) and bound it; with fewer than 20 held-out
suggestions in all, no suggestion is claimed more likely right than wrong (0.5), so a new
agency's first voices wait in triage instead of routing themselves. So ``confidence`` is
calibrated for voices newer than the training data — give examples oldest
first. Newer examples also weigh more (``recency_half_life``): an agency's duties drift, and
what a unit answered last month says more about where a voice goes than what it answered
years ago.

``allowed`` restricts a prediction to some labels (the units that take voices now, in the
voice's office): the others get probability 0 and the rest is renormalised, so a closed or
merged unit whose history stays in the database is never suggested.

Prediction is thread-safe; ``partial_fit`` is not safe beside concurrent predictions (learn
on a copy — ``from_bytes(to_bytes())`` — and swap it in).
"""

from __future__ import annotations

import pickle
import zlib
from array import array
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from itertools import chain
from typing import Any, TypedDict

import numpy as np
import scipy.sparse as sp
import sklearn
from scipy.optimize import minimize, minimize_scalar
from sklearn.linear_model import SGDClassifier
from sklearn.preprocessing import normalize as l2_normalize

from minwon.analysis.tokenize import content_tokens, tokenize_many

__all__ = [
    "FORMAT_VERSION",
    "MIN_EXAMPLES",
    "Prediction",
    "Router",
    "RouterFormatError",
    "RouterParams",
]

FORMAT_VERSION = 1
MIN_EXAMPLES = 10
_MAGIC = b"MWROUTER"
_ALTERNATIVES = 3
_CORRECTION_STEP = 0.1  # SGD step for partial_fit, chosen on a validation replay
_UPDATES = 100_000  # SGD steps to aim for: epochs = clip(_UPDATES / examples, 3, 15)
_FOLDED_CALIBRATION_MAX = 5_000  # examples up to which three held-out parts calibrate (2 more fits)
_FOLD_CUTS = (0.55, 0.70)  # older parts trained on, besides the last 85 %
_MIN_CALIBRATION = 50  # held-out examples needed to calibrate at all
_MIN_EVIDENCE = 20  # held-out suggestions that must reach a confidence before it is claimed
_NO_EVIDENCE_CEILING = 0.5  # the ceiling of a router with fewer held-out suggestions than that
_IDENTITY = (1.0, 0.0)


class RouterFormatError(ValueError):
    """Stored router bytes that this version of minwon cannot load (retrain instead)."""


@dataclass(frozen=True, slots=True)
class Prediction:
    """A suggested label, its calibrated probability and the next best labels (best first)."""

    label: str
    confidence: float
    alternatives: list[tuple[str, float]] = field(default_factory=list)


# --- features -----------------------------------------------------------------------------

Word = str | tuple[str, str]  # a morpheme or two adjacent morphemes


class _Ids(dict[Any, int]):
    """Term → column, a new column for each new term."""

    def __missing__(self, term: Any) -> int:
        value = self[term] = len(self)
        return value


class _CharCols(dict[str, tuple[int, ...]]):
    """Morpheme → columns of its character n-grams in a fixed vocabulary, computed once each."""

    def __init__(self, vocab: dict[str, int]) -> None:
        super().__init__()
        self.vocab = vocab

    def __missing__(self, token: str) -> tuple[int, ...]:
        cols = tuple(c for c in map(self.vocab.get, _grams(token)) if c is not None)
        if len(self) < 200_000:
            self[token] = cols
        return cols


def _grams(token: str) -> tuple[str, ...]:
    """Character 2–4-grams of a morpheme between word boundaries (marker ``/V`` ``/A`` dropped)."""
    word = f" {token.split('/', 1)[0]} "
    return tuple(word[i : i + n] for n in (2, 3, 4) for i in range(len(word) - n + 1))


def _csr(cols: Any, indptr: Any, width: int) -> sp.csr_matrix:
    """Counts of the columns listed per row (``indptr`` delimits the rows)."""
    cols = np.asarray(cols, dtype=np.int64)
    ones = np.ones(len(cols), dtype=np.float32)
    x = sp.csr_matrix((ones, cols, np.asarray(indptr, dtype=np.int64)), (len(indptr) - 1, width))
    x.sum_duplicates()
    return x


def _flat_ids(docs: Iterable[Iterable[Any]], ids: Any, n_docs: int) -> tuple[np.ndarray, Any]:
    """All documents' term ids end to end (int64), and where each document starts."""
    flat = array("q")
    indptr = np.zeros(n_docs + 1, dtype=np.int64)
    for i, doc in enumerate(docs):
        flat.extend(map(ids, doc))
        indptr[i + 1] = len(flat)
    return np.frombuffer(flat, dtype=np.int64), indptr


def _bigrams(ids: np.ndarray, indptr: np.ndarray, n_tokens: int) -> tuple[np.ndarray, Any]:
    """Counts of adjacent token pairs inside each document, and each pair's code a·n + b."""
    n_docs = len(indptr) - 1
    doc = np.repeat(np.arange(n_docs), np.diff(indptr))
    same = doc[:-1] == doc[1:]
    codes, cols = np.unique(ids[:-1][same] * n_tokens + ids[1:][same], return_inverse=True)
    ones = np.ones(len(cols), dtype=np.float32)
    counts = sp.csr_matrix((ones, (doc[:-1][same], cols)), (n_docs, len(codes)))
    return codes, counts


def _top(counts: sp.csr_matrix, max_features: int, min_df: int) -> tuple[np.ndarray, np.ndarray]:
    """The columns found in the most documents (ties: first seen), and their document counts."""
    df = np.bincount(counts.indices, minlength=counts.shape[1])
    order = np.lexsort((np.arange(len(df)), -df))
    keep = order[df[order] >= min_df][:max_features]
    return keep, df[keep]


def _idf(df: np.ndarray, n_docs: int) -> np.ndarray:
    return (np.log((1 + n_docs) / (1 + df)) + 1).astype(np.float32)


class _Vectorizer:
    """TF-IDF of morpheme uni+bigrams (words) and of character n-grams in morphemes (chars).

    Each block keeps only its ``max_*`` terms found in the most documents; terms are weighted
    by sublinear tf × smooth idf, each block is L2-normalised, the char block is scaled by
    ``char_weight`` and the joined row is L2-normalised again.
    """

    def __init__(self, max_words: int, max_chars: int, char_weight: float) -> None:
        self.max_words, self.max_chars, self.char_weight = max_words, max_chars, char_weight
        self.words: dict[Word, int] = {}
        self.chars: dict[str, int] = {}
        self.word_idf = self.char_idf = np.zeros(0, dtype=np.float32)
        self._char_cols = _CharCols(self.chars)

    def __getstate__(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if k != "_char_cols"}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._char_cols = _CharCols(self.chars)

    @property
    def size(self) -> int:
        return len(self.words) + len(self.chars)

    def fit_transform(self, docs: Sequence[list[str]]) -> sp.csr_matrix:
        """Learn the vocabularies and idf from token lists; return their feature matrix.

        Vectorised for speed: token ids end to end, bigrams as id pairs, and character n-gram
        counts as (document × token) @ (token × n-gram). Terms seen in one document only are
        dropped once there are 2,000 documents or more.
        """
        ids = _Ids()
        flat, indptr = _flat_ids(docs, ids.__getitem__, len(docs))
        tokens = list(ids)
        unigrams = _csr(flat, indptr, len(tokens))
        codes, bigrams = _bigrams(flat, indptr, len(tokens))
        grams = _Ids()
        gram_flat, gram_ptr = _flat_ids(map(_grams, tokens), grams.__getitem__, len(tokens))
        chars = (unigrams @ _csr(gram_flat, gram_ptr, len(grams))).tocsr()
        words = sp.hstack([unigrams, bigrams], format="csr")
        min_df = 2 if len(docs) >= 2_000 else 1
        w_keep, w_df = _top(words, self.max_words, min_df)
        c_keep, c_df = _top(chars, self.max_chars, min_df)
        self.words = {_word(j, tokens, codes): i for i, j in enumerate(w_keep)}
        gram_names = list(grams)
        self.chars = {gram_names[j]: i for i, j in enumerate(c_keep)}
        self._char_cols = _CharCols(self.chars)
        self.word_idf, self.char_idf = _idf(w_df, len(docs)), _idf(c_df, len(docs))
        return self._join(words[:, w_keep], chars[:, c_keep])

    def transform(self, docs: Sequence[list[str]]) -> sp.csr_matrix:
        """The feature matrix (float32, CSR) of token lists; unknown terms are ignored."""
        n_words, n_chars = len(self.words), len(self.chars)
        w_flat, w_ptr = _flat_ids(map(self._word_cols, docs), int, len(docs))
        c_flat, c_ptr = _flat_ids(map(self._gram_cols, docs), int, len(docs))
        return self._join(_csr(w_flat, w_ptr, n_words), _csr(c_flat, c_ptr, n_chars))

    def vector(self, doc: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """One token list as (columns, weights), equal to its row of ``transform``."""
        wc, wv = _weights(self._word_cols(doc), self.word_idf)
        cc, cv = _weights(self._gram_cols(doc), self.char_idf)
        cols = np.concatenate([wc, cc + len(self.words)])
        vals = np.concatenate([wv, cv * np.float32(self.char_weight)])
        norm = np.sqrt(vals @ vals)
        return cols, (vals / norm if norm else vals)

    def _word_cols(self, doc: Sequence[str]) -> list[int]:
        get = self.words.get
        found = chain(map(get, doc), map(get, zip(doc, doc[1:], strict=False)))
        return [c for c in found if c is not None]

    def _gram_cols(self, doc: Sequence[str]) -> list[int]:
        return list(chain.from_iterable(map(self._char_cols.__getitem__, doc)))

    def _join(self, words: sp.csr_matrix, chars: sp.csr_matrix) -> sp.csr_matrix:
        w = _tfidf(words, self.word_idf)
        c = _tfidf(chars, self.char_idf) * np.float32(self.char_weight)
        return l2_normalize(sp.hstack([w, c], format="csr", dtype=np.float32), copy=False)


def _word(column: int, tokens: list[str], codes: np.ndarray) -> Word:
    """The term behind a column of the (unigram | bigram) count matrix."""
    if column < len(tokens):
        return tokens[column]
    a, b = divmod(int(codes[column - len(tokens)]), len(tokens))
    return (tokens[a], tokens[b])


def _tfidf(counts: sp.csr_matrix, idf: np.ndarray) -> sp.csr_matrix:
    x = counts.tocsr().astype(np.float32)
    x.data = (1 + np.log(x.data)) * idf[x.indices]
    return l2_normalize(x, copy=False)


def _weights(cols: list[int], idf: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sublinear tf-idf of one document's columns, L2-normalised (``_tfidf`` for one row)."""
    if not cols:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
    uniq, tf = np.unique(np.array(cols, dtype=np.int64), return_counts=True)
    w = (1 + np.log(tf.astype(np.float32))) * idf[uniq]
    return uniq, w / np.sqrt(w @ w)


# --- the router ---------------------------------------------------------------------------


class RouterParams(TypedDict):
    """A router's settings (the keyword arguments of ``Router``), stored with the model."""

    alpha: float
    epochs: int | None
    max_words: int
    max_chars: int
    max_weights: int
    char_weight: float
    class_balance: float
    recency_half_life: float
    calibration_share: float
    random_state: int
    n_jobs: int | None


class Router:
    """Suggests a label for a text: train on labelled texts, predict, learn from corrections.

    ``router = Router().train(texts, labels)``; ``router.predict(text)`` →
    ``Prediction(label, confidence, alternatives)``. ``to_bytes`` / ``from_bytes`` store it.
    """

    def __init__(
        self,
        *,
        alpha: float = 1e-5,
        epochs: int | None = None,
        max_words: int = 150_000,
        max_chars: int = 50_000,
        max_weights: int = 4_000_000,
        char_weight: float = 1.0,
        class_balance: float = 0.5,
        recency_half_life: float = 0.5,
        calibration_share: float = 0.15,
        random_state: int = 0,
        n_jobs: int | None = None,
    ) -> None:
        self.params: RouterParams = {
            "alpha": alpha,
            "epochs": epochs,
            "max_words": max_words,
            "max_chars": max_chars,
            "max_weights": max_weights,
            "char_weight": char_weight,
            "class_balance": class_balance,
            "recency_half_life": recency_half_life,
            "calibration_share": calibration_share,
            "random_state": random_state,
            "n_jobs": n_jobs,
        }
        self._features: _Vectorizer | None = None
        self._clf: SGDClassifier | None = None
        self._labels: list[str] = []
        self._weights = np.zeros((0, 0), dtype=np.float32)  # features × labels
        self._bias = np.zeros(0, dtype=np.float32)
        self.temperature = 1.0
        self.top_calibration = _IDENTITY  # (slope, intercept) on the first suggestion's logit
        self.confidence_ceiling = 1.0  # the highest confidence the held-out evidence supports

    # -- training --

    def train(
        self,
        texts: Sequence[str],
        labels: Sequence[str],
        *,
        tokens: Sequence[list[str]] | None = None,
    ) -> Router:
        """Learn from labelled texts (or their ``content_tokens``, if already computed).

        Give the examples oldest first: the newest share calibrates the confidence. Raises
        ``ValueError`` for fewer than ``MIN_EXAMPLES`` examples, fewer than two distinct
        labels, mismatched lengths, labels that are not non-empty strings, or texts without a
        single content word.
        """
        token_lists = self._tokens_for(texts, tokens)
        y = _check_labels(labels, len(token_lists))
        if len(token_lists) < MIN_EXAMPLES:
            raise ValueError(f"need at least {MIN_EXAMPLES} examples to train, got {len(y)}")
        n_labels = len(set(y.tolist()))
        if n_labels < 2:
            raise ValueError("need at least 2 different labels to train, got 1")
        if not any(token_lists):
            raise ValueError("the texts have no content words to learn from")
        features = _Vectorizer(*self._feature_budget(n_labels), self.params["char_weight"])
        x = features.fit_transform(token_lists)
        fitted = self._fit_calibrated(x, y)
        self._clf, self.temperature, self.top_calibration, self.confidence_ceiling = fitted
        self._features = features
        self._settle()
        return self

    def _feature_budget(self, n_labels: int) -> tuple[int, int]:
        """Word and char vocabulary sizes, scaled down so labels × features ≤ max_weights."""
        p = self.params
        rows = n_labels if n_labels > 2 else 1  # a two-label model has one row of weights
        scale = min(1.0, p["max_weights"] / (rows * (p["max_words"] + p["max_chars"])))
        return int(p["max_words"] * scale), int(p["max_chars"] * scale)

    def _sgd(self, y: np.ndarray) -> SGDClassifier:
        """An unfitted SGD logistic regression with softened class weights for labels ``y``."""
        classes, counts = np.unique(y, return_counts=True)
        balanced = len(y) / (len(classes) * counts)
        power = self.params["class_balance"]
        weights = {c: float(w) ** power for c, w in zip(classes, balanced, strict=True)}
        epochs = self.params["epochs"] or int(np.clip(np.ceil(_UPDATES / len(y)), 3, 15))
        return SGDClassifier(
            loss="log_loss",
            alpha=self.params["alpha"],
            max_iter=epochs,
            tol=None,
            class_weight=weights,
            random_state=self.params["random_state"],
            n_jobs=self.params["n_jobs"],  # threads over labels; None = one core
        )

    def _fit_calibrated(
        self, x: sp.csr_matrix, y: np.ndarray
    ) -> tuple[SGDClassifier, float, tuple[float, float], float]:
        """The classifier, its softmax temperature, the calibration of its first suggestion
        and the ceiling of its confidence.

        A model trained on the oldest 85 % fixes the temperature on the newest 15 %; the
        first suggestions on that part (and, for small histories, on two older parts) fit the
        top calibration and its ceiling; then training continues over all examples. Histories
        with fewer than ``_MIN_CALIBRATION`` held-out examples go to ``_fit_small``.
        """
        weight = _recency_weights(len(y), self.params["recency_half_life"])
        held = _held_out(y, self.params["calibration_share"])
        if len(held) < _MIN_CALIBRATION:
            return self._fit_small(x, y, weight)
        rest = np.setdiff1d(np.arange(len(y)), held)
        clf = self._sgd(y).fit(x[rest], y[rest], sample_weight=weight[rest])
        scores = _as_scores(clf.decision_function(x[held]))
        temperature = _best_temperature(scores, np.searchsorted(clf.classes_, y[held]))
        outcomes = [_first_outcomes(clf, scores / temperature, y[held])]
        if len(y) <= _FOLDED_CALIBRATION_MAX:
            for cut in _FOLD_CUTS:
                outcomes.append(self._older_outcomes(x, y, weight, int(len(y) * cut), temperature))
        # one more epoch over everything, the newest share included
        clf.partial_fit(x, y, sample_weight=weight)
        return clf, temperature, *_bounded_calibration(outcomes)

    def _fit_small(
        self, x: sp.csr_matrix, y: np.ndarray, weight: np.ndarray
    ) -> tuple[SGDClassifier, float, tuple[float, float], float]:
        """A history too small for a temperature: no temperature, but the first suggestions'
        outcomes on every held-out part (oldest 55 %, 70 % and 85 % trained on, the next 15 %
        judged) still calibrate when there are enough, and bound the confidence."""
        cuts = (*_FOLD_CUTS, 1 - self.params["calibration_share"])
        outcomes = [self._older_outcomes(x, y, weight, int(len(y) * cut), 1.0) for cut in cuts]
        clf = self._sgd(y).fit(x, y, sample_weight=weight)
        return clf, 1.0, *_bounded_calibration(outcomes)

    def _older_outcomes(
        self, x: sp.csr_matrix, y: np.ndarray, weight: np.ndarray, start: int, temperature: float
    ) -> tuple[np.ndarray, np.ndarray]:
        """The first suggestions' outcomes of a model trained on the examples before ``start``
        and judged on the next ``calibration_share`` of them (nothing if none can be judged)."""
        part = _newer_part(y, start, start + int(len(y) * self.params["calibration_share"]))
        if not len(part):
            return np.zeros(0), np.zeros(0)
        older = self._sgd(y[:start]).fit(x[:start], y[:start], sample_weight=weight[:start])
        scores = _as_scores(older.decision_function(x[part])) / temperature
        return _first_outcomes(older, scores, y[part])

    def partial_fit(
        self,
        texts: Sequence[str],
        labels: Sequence[str],
        *,
        tokens: Sequence[list[str]] | None = None,
        step: float = _CORRECTION_STEP,
        passes: int = 1,
    ) -> Router:
        """Learn from labelled voices after training: staff corrections (every re-route is a
        label) and, best, every voice whose final label is known.

        SGD runs ``passes`` epochs over these examples only, with a constant, deliberately small
        ``step`` so that one noisy label cannot undo what thousands taught: a single correction
        raises the corrected label's probability, repeated ones flip the suggestion. The
        vocabulary and calibration stay as trained; retrain regularly (``train``) to take in
        new words and labels. A label the router was not trained on raises ``ValueError``.
        """
        clf = self._fitted()
        token_lists = self._tokens_for(texts, tokens)
        y = _check_labels(labels, len(token_lists))
        unknown = sorted(set(y) - set(self._labels))
        if unknown:
            raise ValueError(f"unknown label(s) {unknown}: retrain the router to add a label")
        if not 0 < step <= 10 or passes < 1:
            raise ValueError(f"step must be in (0, 10] and passes >= 1, got {step}, {passes}")
        if len(y) == 0:
            return self
        assert self._features is not None
        x = self._features.transform(token_lists)
        clf.set_params(learning_rate="constant", eta0=step)
        for _ in range(passes):
            clf.partial_fit(x, y)
        self._settle()
        return self

    # -- prediction --

    def predict(self, text: str, *, allowed: Collection[str] | None = None) -> Prediction:
        """The suggested label of one text (tokenises it first)."""
        return self.predict_tokens(content_tokens(text), allowed=allowed)

    def predict_tokens(
        self, tokens: Sequence[str], *, allowed: Collection[str] | None = None
    ) -> Prediction:
        """The suggested label of one text given its ``content_tokens`` (the fast path),
        among the ``allowed`` labels only when given (see ``knows_any``)."""
        self._fitted()
        assert self._features is not None
        mask = self._mask(allowed)
        cols, vals = self._features.vector(list(tokens))
        scores = vals @ self._weights[cols] + self._bias
        raw = self._proba_rows(scores[None, :], mask)
        limit = int(mask.sum()) if mask is not None else raw.shape[1]
        return self._ranked(raw[0], self._calibrated(raw)[0], limit)

    def predict_many(
        self,
        texts: Sequence[str],
        *,
        tokens: Sequence[list[str]] | None = None,
        allowed: Collection[str] | None = None,
    ) -> list[Prediction]:
        """Suggestions for many texts (tokenised in one Kiwi batch unless ``tokens`` given)."""
        token_lists = self._tokens_for(texts, tokens)
        if not token_lists:
            return []
        mask = self._mask(allowed)
        limit = int(mask.sum()) if mask is not None else len(self._labels)
        raw = self._proba(self._matrix(token_lists), mask)
        calibrated = self._calibrated(raw)
        return [self._ranked(r, c, limit) for r, c in zip(raw, calibrated, strict=True)]

    def probabilities(
        self, token_lists: Sequence[list[str]], *, allowed: Collection[str] | None = None
    ) -> np.ndarray:
        """Calibrated probabilities, one row per text, columns in the order of ``labels``
        (0 for labels outside ``allowed`` when given); no texts give no rows."""
        self._fitted()
        mask = self._mask(allowed)
        if not token_lists:
            return np.zeros((0, len(self._labels)))
        return self._calibrated(self._proba(self._matrix(token_lists), mask))

    def knows_any(self, allowed: Collection[str]) -> bool:
        """Whether at least one of these labels was learnt (else nothing can be suggested)."""
        self._fitted()
        return not set(self._labels).isdisjoint(allowed)

    @property
    def labels(self) -> list[str]:
        """The labels this router can suggest, sorted."""
        return list(self._labels)

    @property
    def n_features(self) -> int:
        """Size of the feature space (bounded by ``max_words + max_chars``)."""
        return self._features.size if self._features else 0

    def _matrix(self, token_lists: Sequence[list[str]]) -> sp.csr_matrix:
        self._fitted()
        assert self._features is not None
        return self._features.transform(token_lists)

    def _mask(self, allowed: Collection[str] | None) -> np.ndarray | None:
        """Which labels may be suggested (None: all); ``ValueError`` when none of them."""
        if allowed is None:
            return None
        if isinstance(allowed, str):
            raise ValueError("allowed must be a collection of labels, not one string")
        mask = np.isin(np.array(self._labels, dtype=object), list(allowed))
        if not mask.any():
            raise ValueError("none of the allowed labels was learnt: nothing to suggest")
        return mask

    def _proba(self, x: sp.csr_matrix, mask: np.ndarray | None = None) -> np.ndarray:
        return self._proba_rows(np.asarray(x @ self._weights) + self._bias, mask)

    def _proba_rows(self, scores: np.ndarray, mask: np.ndarray | None = None) -> np.ndarray:
        if scores.shape[1] == 1:
            scores = np.hstack([-scores / 2, scores / 2])
        scores = scores / self.temperature
        if mask is not None:
            scores[:, ~mask] = -np.inf
        return _softmax(scores)

    def _calibrated(self, raw: np.ndarray) -> np.ndarray:
        return _calibrate_first(raw, *self.top_calibration, ceiling=self.confidence_ceiling)

    def _ranked(self, raw: np.ndarray, calibrated: np.ndarray, limit: int) -> Prediction:
        """The best labels in the model's order, with their calibrated probabilities."""
        idx = np.argsort(-raw, kind="stable")[: min(_ALTERNATIVES + 1, limit)]
        ranked = [(self._labels[i], float(calibrated[i])) for i in idx]
        return Prediction(ranked[0][0], ranked[0][1], ranked[1:])

    # -- storage --

    def to_bytes(self) -> bytes:
        """The fitted router as bytes (magic, format version, zlib-compressed pickle).

        Only load bytes this system wrote: unpickling runs code from the payload.
        """
        self._fitted()
        state = {
            "sklearn": sklearn.__version__,
            "params": self.params,
            "features": self._features,
            "clf": self._clf,
            "temperature": self.temperature,
            "top_calibration": self.top_calibration,
            "confidence_ceiling": self.confidence_ceiling,
        }
        payload = zlib.compress(pickle.dumps(state, protocol=5), 1)
        return _MAGIC + FORMAT_VERSION.to_bytes(2, "big") + payload

    @classmethod
    def from_bytes(cls, data: bytes) -> Router:
        """A router stored by ``to_bytes``; ``RouterFormatError`` for other formats or versions."""
        if not isinstance(data, bytes | bytearray | memoryview) or bytes(data[:8]) != _MAGIC:
            raise RouterFormatError("not a stored minwon router")
        version = int.from_bytes(bytes(data[8:10]), "big")
        if version != FORMAT_VERSION:
            raise RouterFormatError(
                f"stored router has format version {version}, this minwon reads version "
                f"{FORMAT_VERSION}: retrain it (minwon analysis train)"
            )
        state = pickle.loads(zlib.decompress(bytes(data[10:])))
        if state["sklearn"] != sklearn.__version__:
            raise RouterFormatError(
                f"stored router was built with scikit-learn {state['sklearn']}, this is "
                f"{sklearn.__version__}: retrain it (minwon analysis train)"
            )
        router = cls(**state["params"])
        router._features, router._clf = state["features"], state["clf"]
        router.temperature = state["temperature"]
        # routers stored before the top calibration existed keep their plain softmax
        router.top_calibration = tuple(state.get("top_calibration", _IDENTITY))
        router.confidence_ceiling = float(state.get("confidence_ceiling", 1.0))
        router._settle()
        return router

    # -- helpers --

    def _fitted(self) -> SGDClassifier:
        if self._clf is None:
            raise ValueError("the router is not trained: call train() first")
        return self._clf

    def _settle(self) -> None:
        """Copy the model into a features × labels float32 matrix for fast scoring."""
        clf = self._fitted()
        self._labels = [str(c) for c in clf.classes_]
        self._weights = np.ascontiguousarray(clf.coef_.T, dtype=np.float32)
        self._bias = clf.intercept_.astype(np.float32)

    @staticmethod
    def _tokens_for(texts: Sequence[str], tokens: Sequence[list[str]] | None) -> list[list[str]]:
        if isinstance(texts, str):
            raise ValueError("texts must be a sequence of strings, not one string")
        if tokens is None:
            bad = [t for t in texts if not isinstance(t, str)]
            if bad:
                raise ValueError(f"texts must be strings, got {type(bad[0]).__name__}")
            return tokenize_many(texts)
        if len(tokens) != len(texts):
            raise ValueError(f"{len(texts)} texts but {len(tokens)} token lists")
        return [list(t) for t in tokens]


def _check_labels(labels: Iterable[str], n: int) -> np.ndarray:
    """Labels as an array of non-empty strings, one per text."""
    if isinstance(labels, str):
        raise ValueError("labels must be a sequence of strings, not one string")
    values = list(labels)
    if len(values) != n:
        raise ValueError(f"{n} texts but {len(values)} labels")
    bad = [v for v in values if not isinstance(v, str) or not v.strip()]
    if bad:
        raise ValueError(f"every label must be a non-empty string, got {bad[0]!r}")
    return np.array(values, dtype=object)


def _held_out(y: np.ndarray, share: float) -> np.ndarray:
    """Indices of the newest ``share`` of the examples (the last ones given), for calibration.

    Routing is judged on voices newer than those it learnt from, so the temperature is fitted
    on the most recent examples. Labels that would be left with no example before the cut are
    kept out of the held-out part.
    """
    return _newer_part(y, len(y) - int(len(y) * share), len(y))


def _newer_part(y: np.ndarray, start: int, stop: int) -> np.ndarray:
    """Indices from ``start`` to ``stop`` of the examples whose label is found before
    ``start`` (a model trained on the older ones can be judged on them)."""
    _, codes = np.unique(y, return_inverse=True)
    seen_before = np.zeros(codes.max() + 1, dtype=bool)
    seen_before[codes[:start]] = True
    return start + np.flatnonzero(seen_before[codes[start:stop]])


def _first_outcomes(
    clf: SGDClassifier, scores: np.ndarray, truth: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The first suggestion's probability for each held-out example, and whether it was right."""
    probs = _softmax(scores)
    right = clf.classes_[probs.argmax(axis=1)] == truth
    return probs.max(axis=1), right.astype(float)


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, 1e-6, 1 - 1e-6)
    return np.asarray(np.log(p / (1 - p)))


def _fit_top_calibration(top: np.ndarray, right: np.ndarray) -> tuple[float, float]:
    """Slope and intercept mapping the first suggestion's logit to the logit of how often it
    is right (Platt scaling), fitted by log-loss on held-out outcomes.

    Identity when there are too few outcomes, when all were right or all wrong, or when the
    fit would not keep a surer suggestion surer (a slope that is not positive).
    """
    if len(top) < _MIN_CALIBRATION or right.min() == right.max():
        return _IDENTITY
    z = _logit(top)

    def loss(ab: np.ndarray) -> float:
        q = np.clip(1 / (1 + np.exp(-(ab[0] * z + ab[1]))), 1e-9, 1 - 1e-9)
        return float(-(right * np.log(q) + (1 - right) * np.log(1 - q)).mean())

    fit = minimize(loss, np.array(_IDENTITY), method="Nelder-Mead")
    slope, intercept = (float(v) for v in fit.x)
    return (slope, intercept) if fit.success and slope > 0 else _IDENTITY


def _bounded_calibration(
    outcomes: list[tuple[np.ndarray, np.ndarray]],
) -> tuple[tuple[float, float], float]:
    """The top calibration fitted on held-out first suggestions' outcomes (probability,
    right), and the confidence ceiling their evidence supports."""
    top = np.concatenate([o[0] for o in outcomes])
    calibration = _fit_top_calibration(top, np.concatenate([o[1] for o in outcomes]))
    return calibration, _confidence_ceiling(top, *calibration)


def _confidence_ceiling(top: np.ndarray, slope: float, intercept: float) -> float:
    """The highest calibrated confidence that at least ``_MIN_EVIDENCE`` held-out first
    suggestions reached: a confidence above it would rest on a handful of examples, too few
    to say how often such suggestions are right. With fewer held-out suggestions than that,
    ``_NO_EVIDENCE_CEILING``: no suggestion is claimed more likely right than wrong."""
    if len(top) < _MIN_EVIDENCE:
        return _NO_EVIDENCE_CEILING
    calibrated = _top_map(top, slope, intercept)
    return float(np.partition(calibrated, len(top) - _MIN_EVIDENCE)[len(top) - _MIN_EVIDENCE])


def _top_map(p: np.ndarray, slope: float, intercept: float) -> np.ndarray:
    """The Platt map of first-suggestion probabilities (identity for the identity calibration)."""
    if (slope, intercept) == _IDENTITY:
        return p
    return np.asarray(1 / (1 + np.exp(-(slope * _logit(p) + intercept))))


def _calibrate_first(
    probs: np.ndarray, slope: float, intercept: float, *, ceiling: float = 1.0
) -> np.ndarray:
    """Rows of probabilities whose largest is replaced by its calibrated value, at most
    ``ceiling``, and the others rescaled to share the rest; no other label ends above the
    first (the order stays), and a first without any rival keeps its probability."""
    if ((slope, intercept) == _IDENTITY and ceiling >= 1.0) or probs.shape[1] < 2:
        return probs
    rows = np.arange(len(probs))
    first = probs.argmax(axis=1)
    q = np.minimum(_top_map(probs[rows, first], slope, intercept), ceiling)
    others = probs.copy()
    others[rows, first] = 0.0
    second, rest = others.max(axis=1), others.sum(axis=1)
    rival = rest > 1e-12  # else the first is all but certain (one label allowed): kept as is
    safe_rest = np.where(rival, rest, 1.0)
    # the calibrated first is never below the rescaled second: q ≥ second·(1 − q)/rest
    q = np.maximum(q, second / (safe_rest + second))
    out = others * ((1 - q) / safe_rest)[:, None]
    out[rows, first] = np.maximum(q, out.max(axis=1))  # a tie must not round to second place
    return np.where(rival[:, None], out, probs)


def _recency_weights(n: int, half_life: float) -> np.ndarray:
    """Example weights, 1 for the newest and halving every ``half_life`` of the history
    (examples are given oldest first; 0 or less weighs them all alike)."""
    if half_life <= 0 or n < 2:
        return np.ones(n)
    age = (n - 1 - np.arange(n)) / (n - 1)  # 0 for the newest, 1 for the oldest
    return np.asarray(0.5 ** (age / half_life))


def _as_scores(decision: np.ndarray) -> np.ndarray:
    """One-vs-rest decision values as a (texts × labels) matrix, binary case included."""
    if decision.ndim == 1:
        decision = np.column_stack([-decision / 2, decision / 2])
    return decision


def _softmax(scores: np.ndarray) -> np.ndarray:
    z = scores - scores.max(axis=1, keepdims=True)
    np.exp(z, out=z)
    return z / z.sum(axis=1, keepdims=True)


def _best_temperature(scores: np.ndarray, truth: np.ndarray) -> float:
    """The temperature at which the first suggestion's confidence best matches how often it
    is right (its Brier score).

    Auto-routing acts on that one number, so it is the one calibrated; fitting the whole
    distribution (log-likelihood) left it too confident on sets with a hundred units.
    """
    first = np.asarray(scores.argmax(axis=1) == truth, dtype=float)

    def brier(log_t: float) -> float:
        confidence = _softmax(scores / np.exp(log_t)).max(axis=1)
        return float(((confidence - first) ** 2).mean())

    result = minimize_scalar(brier, bounds=(np.log(0.05), np.log(20.0)), method="bounded")
    return float(np.exp(result.x))
