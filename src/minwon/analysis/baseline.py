"""The plain baseline routing is measured against: character TF-IDF + logistic regression.

The reference figure of ``data/README.md`` and of issue 14: scikit-learn's defaults on the raw
text, run side by side with minwon's router by ``evaluation.compare``.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline, make_pipeline

from minwon.analysis.classifier import Prediction

__all__ = ["BASELINE_MAX_FEATURES", "BaselineRouter", "baseline_router"]


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
        self,
        texts: Sequence[str],
        *,
        tokens: Sequence[list[str]] | None = None,
        allowed: Collection[str] | None = None,
    ) -> list[Prediction]:
        """Suggestions for many texts, with the next two labels as alternatives; with
        ``allowed``, among those labels only (probabilities renormalised), as ours."""
        probs = self._fitted().predict_proba(list(texts))
        labels = self.labels
        if allowed is not None:
            probs[:, ~np.isin(np.array(labels, dtype=object), list(allowed))] = 0.0
            probs /= np.maximum(probs.sum(axis=1, keepdims=True), 1e-12)
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
