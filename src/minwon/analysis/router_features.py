"""The routing model's features: TF-IDF of the Kiwi content morphemes of a text.

Two blocks, from ``tokenize.content_tokens`` only, so a voice is analysed once at intake and its
tokens serve routing and similarity alike:

* words — TF-IDF of morpheme unigrams and adjacent bigrams (``가로등``, ``가로등 고장``);
* characters — TF-IDF of character 2–4-grams inside each morpheme, which ties compounds and
  spelling variants together (``가로등고장`` ~ ``가로등``).

Each block keeps only its most frequent terms (``max_words`` / ``max_chars``), which bounds the
model's size whatever the amount of training text.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable, Sequence
from itertools import chain
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.preprocessing import normalize as l2_normalize

__all__ = ["MorphemeVectorizer", "Word"]

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


class MorphemeVectorizer:
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
        """How many features a text is described by (words and character n-grams kept)."""
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
