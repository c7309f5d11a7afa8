"""Route a voice to a label (category or unit) learnt from the agency's own labelled voices.

The model knows nothing about any particular label set: it learns whatever labels it is given.

Features are TF-IDF of the text's Kiwi content morphemes and of character n-grams inside them
(``router_features``), each block bounded (``max_words`` / ``max_chars``, scaled down when
there are many labels so that ``labels × features ≤ max_weights``): the model holds at most
4 M float32 weights (16 MB; 13.6 MB for 17 labels) whatever the amount of training text.

The classifier is a one-vs-rest logistic regression trained by SGD (``SGDClassifier``,
``loss="log_loss"``) with class weights that soften imbalance (``√(n / (k · count))``). It was
chosen by measurement on a validation split inside the training data: as accurate as LinearSVC
and full logistic regression on the same features, trains in seconds, and keeps learning from
corrections with ``partial_fit``. Scores become probabilities as ``calibration`` describes: a
softmax with one temperature fitted on the newest 15 % of the training examples, then the first
suggestion's probability mapped to how often such suggestions were right on time-ordered
held-out parts — for histories of up to 5,000 examples three of them (models trained on the
oldest 55 %, 70 % and 85 %, each judged on the next 15 %), since one part of a small history
holds too few confident suggestions to tell whether they deserve their confidence. No
confidence is claimed beyond what 20 of those held-out suggestions reached: past its evidence
the map would only extrapolate, and on a small history it put wrong suggestions above the
auto-route threshold. A history with fewer than 50 newest held-out examples gets no
temperature, but its three held-out parts still calibrate (given enough outcomes) and bound it;
with fewer than 20 held-out suggestions in all, no suggestion is claimed more likely right than
wrong (0.5), so a new agency's first voices wait in triage instead of routing themselves. So
``confidence`` is calibrated for voices newer than the training data — give examples oldest
first. Newer examples also weigh more (``recency_half_life``): an agency's duties drift, and
what a unit answered last month says more about where a voice goes than what it answered years
ago.

``allowed`` restricts a prediction to some labels (the units that take voices now, in the
voice's office): the others get probability 0 and the rest is renormalised, so a closed or
merged unit whose history stays in the database is never suggested.

Prediction is thread-safe; ``partial_fit`` is not safe beside concurrent predictions (learn
on a copy — ``from_bytes(to_bytes())`` — and swap it in).
"""

from __future__ import annotations

import pickle
import zlib
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TypedDict

import numpy as np
import scipy.sparse as sp
import sklearn
from sklearn.linear_model import SGDClassifier

from minwon.analysis import calibration as cal
from minwon.analysis.router_features import MorphemeVectorizer
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
# routers stored before the features had their own module name the class here
_Vectorizer = MorphemeVectorizer


class RouterFormatError(ValueError):
    """Stored router bytes that this version of minwon cannot load (retrain instead)."""


@dataclass(frozen=True, slots=True)
class Prediction:
    """A suggested label, its calibrated probability and the next best labels (best first)."""

    label: str
    confidence: float
    alternatives: list[tuple[str, float]] = field(default_factory=list)


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
        self._features: MorphemeVectorizer | None = None
        self._clf: SGDClassifier | None = None
        self._labels: list[str] = []
        self._weights = np.zeros((0, 0), dtype=np.float32)  # features × labels
        self._bias = np.zeros(0, dtype=np.float32)
        self.temperature = 1.0
        self.top_calibration = cal.IDENTITY  # (slope, intercept) on the first suggestion's logit
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
        features = MorphemeVectorizer(*self._feature_budget(n_labels), self.params["char_weight"])
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
        with fewer than ``calibration.MIN_CALIBRATION`` held-out examples go to ``_fit_small``.
        """
        weight = _recency_weights(len(y), self.params["recency_half_life"])
        held = _held_out(y, self.params["calibration_share"])
        if len(held) < cal.MIN_CALIBRATION:
            return self._fit_small(x, y, weight)
        rest = np.setdiff1d(np.arange(len(y)), held)
        clf = self._sgd(y).fit(x[rest], y[rest], sample_weight=weight[rest])
        scores = cal.as_scores(clf.decision_function(x[held]))
        temperature = cal.best_temperature(scores, np.searchsorted(clf.classes_, y[held]))
        outcomes = [cal.first_outcomes(clf.classes_, scores / temperature, y[held])]
        if len(y) <= _FOLDED_CALIBRATION_MAX:
            for cut in _FOLD_CUTS:
                outcomes.append(self._older_outcomes(x, y, weight, int(len(y) * cut), temperature))
        # one more epoch over everything, the newest share included
        clf.partial_fit(x, y, sample_weight=weight)
        return clf, temperature, *cal.bounded_calibration(outcomes)

    def _fit_small(
        self, x: sp.csr_matrix, y: np.ndarray, weight: np.ndarray
    ) -> tuple[SGDClassifier, float, tuple[float, float], float]:
        """A history too small for a temperature: no temperature, but the first suggestions'
        outcomes on every held-out part (oldest 55 %, 70 % and 85 % trained on, the next 15 %
        judged) still calibrate when there are enough, and bound the confidence."""
        cuts = (*_FOLD_CUTS, 1 - self.params["calibration_share"])
        outcomes = [self._older_outcomes(x, y, weight, int(len(y) * cut), 1.0) for cut in cuts]
        clf = self._sgd(y).fit(x, y, sample_weight=weight)
        return clf, 1.0, *cal.bounded_calibration(outcomes)

    def _older_outcomes(
        self, x: sp.csr_matrix, y: np.ndarray, weight: np.ndarray, start: int, temperature: float
    ) -> tuple[np.ndarray, np.ndarray]:
        """The first suggestions' outcomes of a model trained on the examples before ``start``
        and judged on the next ``calibration_share`` of them (nothing if none can be judged)."""
        part = _newer_part(y, start, start + int(len(y) * self.params["calibration_share"]))
        if not len(part):
            return np.zeros(0), np.zeros(0)
        older = self._sgd(y[:start]).fit(x[:start], y[:start], sample_weight=weight[:start])
        scores = cal.as_scores(older.decision_function(x[part])) / temperature
        return cal.first_outcomes(older.classes_, scores, y[part])

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
        return cal.softmax(scores)

    def _calibrated(self, raw: np.ndarray) -> np.ndarray:
        return cal.calibrate_first(raw, *self.top_calibration, ceiling=self.confidence_ceiling)

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
        router.top_calibration = tuple(state.get("top_calibration", cal.IDENTITY))
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


def _recency_weights(n: int, half_life: float) -> np.ndarray:
    """Example weights, 1 for the newest and halving every ``half_life`` of the history
    (examples are given oldest first; 0 or less weighs them all alike)."""
    if half_life <= 0 or n < 2:
        return np.ones(n)
    age = (n - 1 - np.arange(n)) / (n - 1)  # 0 for the newest, 1 for the oldest
    return np.asarray(0.5 ** (age / half_life))
