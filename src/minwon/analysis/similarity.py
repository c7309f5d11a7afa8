"""What makes two voices "about the same matter": their content words, compared as sets.

Two Korean texts that differ in spacing, endings, particles or word order share their content
morphemes (see ``tokenize``), so the Jaccard index of those sets is high for reworded repeats and
near zero for different matters; generic complaint words (민원, 요청, 하/V ...) are left out
because every voice has them.

To find candidates without scanning the ledger, each set gets a MinHash signature
(``datasketch``) cut into ``BANDS`` bands of ``ROWS`` values; each band is hashed to one 63-bit
key and stored in an index table. Two sets with Jaccard ``s`` share at least one band with
probability ``1 - (1 - s**ROWS) ** BANDS``: 0.90 at s = 0.5, 0.97 at 0.6, 0.75 at 0.4 and 0.28 at
0.2, so near-duplicates are found while unrelated voices rarely meet. Candidates are then
checked with the exact Jaccard index of their stored words.

The hash values must be the same in every process and release: the token hash is CRC-32 and the
permutations come from a fixed seed; changing ``SCHEME`` means rebuilding the index
(``minwon analysis reindex``).
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Iterable
from functools import lru_cache
from hashlib import blake2b

import numpy as np
from datasketch import MinHash

from minwon.analysis.stopwords import GENERIC

__all__ = [
    "BANDS",
    "ROWS",
    "SCHEME",
    "band_keys",
    "jaccard",
    "matter_terms",
    "parse_tokens",
    "stored_terms",
    "stored_tokens",
    "terms_text",
]

BANDS = 8
ROWS = 2
SCHEME = "minhash-crc32-s1-8x2"
MIN_TERMS = 2
"""A voice with fewer distinct content words than this says too little to compare."""

MAX_STORED = 400
"""Content tokens kept per voice (in order) for similarity, topics and learning."""

_SEED = 1
_KEY_MASK = (1 << 63) - 1


def matter_terms(tokens: Iterable[str]) -> frozenset[str]:
    """The distinct content words of a voice that say what it is about (generic ones dropped)."""
    return frozenset(t for t in tokens if t not in GENERIC)


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    """Share of words two voices have in common (0 when either has none)."""
    if not a or not b:
        return 0.0
    common = len(a & b)
    return common / (len(a) + len(b) - common)


@lru_cache(maxsize=1)
def _template() -> MinHash:
    return MinHash(num_perm=BANDS * ROWS, seed=_SEED, hashfunc=zlib.crc32)


def band_keys(terms: frozenset[str]) -> list[int]:
    """The index keys of a voice's words, one per band; none when there are too few words."""
    if len(terms) < MIN_TERMS:
        return []
    template = _template()
    minhash = MinHash(
        num_perm=BANDS * ROWS,
        permutations=template.permutations,
        scheme=template.scheme,
        hashfunc=zlib.crc32,
    )
    minhash.update_batch([t.encode("utf-8") for t in sorted(terms)])
    values = np.asarray(minhash.hashvalues, dtype=np.uint64).reshape(BANDS, ROWS)
    return [_band_key(i, row) for i, row in enumerate(values)]


def _band_key(index: int, row: np.ndarray) -> int:
    packed = struct.pack(f"<B{ROWS}Q", index, *(int(v) for v in row))
    return int.from_bytes(blake2b(packed, digest_size=8).digest(), "little") & _KEY_MASK


def stored_tokens(tokens: list[str]) -> str:
    """The content tokens of a voice as they are kept in its analysis (space-separated)."""
    return " ".join(tokens[:MAX_STORED])


def parse_tokens(stored: str) -> list[str]:
    """The content tokens of a voice back from their stored form."""
    return stored.split()


def terms_text(terms: frozenset[str]) -> str:
    """A voice's matter words as they are kept for comparing (sorted, space-separated)."""
    return " ".join(sorted(terms))


def stored_terms(text: str) -> frozenset[str]:
    """A voice's matter words back from their stored form."""
    return frozenset(text.split())
