"""A post's story signature: MinHash (datasketch) over word bigrams of its normalized text and image text.

``text_norm`` is already case-folded, diacritic-folded and has Uzbek Cyrillic transliterated to Latin,
and :func:`enrich.analysis.tokenize` drops links and @mentions, so a repost with a link, emoji or
hashtags added or in the other Uzbek script keeps nearly all of its bigrams. Bigrams rather than single
words keep two different posts on one topic (same vocabulary, other sentences) apart.

LSH banding: ``BANDS`` bands of ``ROWS`` MinHash values. Two posts become candidates when one band
matches: P = 1 - (1 - J^3)^32, i.e. 0.46 at Jaccard 0.25, 0.98 at 0.5, 0.9996 at 0.6. Candidates are
then verified on the estimated Jaccard (:func:`similar`), so random band collisions cost a comparison,
never a merge.
"""

from __future__ import annotations

import base64
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import pairwise

import numpy as np
from datasketch import MinHash

from enrich.analysis import tokenize

BANDS = 32
ROWS = 3
NUM_PERM = BANDS * ROWS
SEED = 20261203
# Fewer words than this say too little to tell a cross-post from a stock phrase ("Доброе утро!"):
# such a post is a story of its own.
MIN_WORDS = 6
# Verification on the estimated Jaccard of the bigram sets. 0.6 lets a repost add up to about two thirds
# of the original's length (a sentence, a signature, hashtags) and keeps a digest apart: "A" and "A + B"
# with B as long as A (0.5) are two stories. A containment test would merge such digests with every
# story they quote (measured on the sample corpus: precision 0.23 with it, 0.76 without, against labels
# that call any added news item another story); see tests/unit/test_stories_quality.py.
JACCARD = 0.6

SCHEME = "affine32"  # datasketch 2's default: 32-bit values (stored as such in Elasticsearch)
_TEMPLATE = MinHash(num_perm=NUM_PERM, seed=SEED, scheme=SCHEME)
_LOCAL = threading.local()


@dataclass(frozen=True)
class Signature:
    """The MinHash values (32-bit) of a post's bigrams and how many distinct bigrams it had."""

    values: np.ndarray
    size: int

    def encode(self) -> str:
        return base64.b64encode(self.values.astype("<u4").tobytes()).decode("ascii")

    @classmethod
    def decode(cls, text: str, size: int) -> Signature:
        values = np.frombuffer(base64.b64decode(text), dtype="<u4").astype(np.uint64)
        if values.shape != (NUM_PERM,):
            raise ValueError(f"a story signature holds {NUM_PERM} values, got {values.shape[0]}")
        return cls(values, size)

    def bands(self) -> list[str]:
        """The LSH band keys: the band's number and its rows' values in hex (what posts meet on)."""
        raw = self.values.astype("<u4").tobytes().hex()
        width = ROWS * 8
        return [f"{i:02d}{raw[i * width : (i + 1) * width]}" for i in range(BANDS)]


def shingles(*texts: str) -> set[bytes]:
    """Word bigrams of the (already normalized) texts, each text on its own."""
    return _bigrams([tokenize(t) for t in texts])


def _bigrams(texts: list[list[str]]) -> set[bytes]:
    out: set[bytes] = set()
    for words in texts:
        out.update(f"{a} {b}".encode("utf-8", "surrogatepass") for a, b in pairwise(words))
    return out


def _sketch() -> MinHash:
    """This thread's MinHash, cleared for the next post: building one per post parses the permutations
    again each time (a fifth of the cost)."""
    mh: MinHash | None = getattr(_LOCAL, "mh", None)
    if mh is None:
        mh = _LOCAL.mh = MinHash(num_perm=NUM_PERM, seed=SEED, permutations=_TEMPLATE.permutations, scheme=SCHEME)
    mh.clear()
    return mh


def signature(*texts: str) -> Signature | None:
    """The signature of a post's normalized texts; None when it has too few words to compare."""
    words = [tokenize(t) for t in texts]
    if sum(map(len, words)) < MIN_WORDS:
        return None
    grams = _bigrams(words)
    mh = _sketch()
    mh.update_batch(list(grams))
    return Signature(mh.hashvalues.copy(), len(grams))


def jaccard(a: Signature, b: Signature) -> float:
    return float(np.count_nonzero(a.values == b.values)) / NUM_PERM


def similar(a: Signature, b: Signature) -> float:
    """How surely ``a`` and ``b`` say the same thing: the estimated Jaccard when the pair passes, else 0."""
    j = jaccard(a, b)
    return j if j >= JACCARD else 0.0


def texts_of(record: dict[str, object]) -> list[str]:
    """A record's normalized texts: ``text_norm`` and its images' ``ocr_norm`` (a string or a list)."""
    out = [str(record.get("text_norm") or "")]
    ocr = record.get("ocr_norm")
    if isinstance(ocr, str):
        out.append(ocr)
    elif isinstance(ocr, Iterable):
        out.extend(o for o in ocr if isinstance(o, str))
    return [t for t in out if t]
