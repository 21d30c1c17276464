"""A post's story signature: MinHash (datasketch's permutations, applied with numpy) over word bigrams of
its normalized text and image text.

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
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import accumulate
from typing import cast

import numpy as np

from enrich.analysis import tokenize
from enrich.stories import permutations

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
# datasketch's seeded permutations (h -> a*h + b mod 2^32; stored, see .permutations), applied here with
# numpy to all of a post's bigrams at once: datasketch's own update hashes each bigram with SHA-1 in a
# Python loop, which cost more than the rest of the story assignment together.
_A, _B = permutations.load(NUM_PERM, SEED, SCHEME)
_MAX = np.uint32(0xFFFFFFFF)
# A word's 32-bit hash (CRC-32 of its UTF-8: stable across processes, unlike hash()), memoized: words
# repeat from post to post. Bounded: cleared when full.
_WORD_HASHES: dict[str, int] = {}
_WORD_CACHE = 500_000
_M1, _M2 = np.uint64(0xFF51AFD7ED558CCD), np.uint64(0xC4CEB9FE1A85EC53)
_S33, _S32 = np.uint64(33), np.uint64(32)


def _word_hashes(words: list[str]) -> list[int]:
    found = list(map(_WORD_HASHES.get, words))  # the common case (every word seen before) stays in C
    if None in found:
        if len(_WORD_HASHES) >= _WORD_CACHE:
            _WORD_HASHES.clear()
        for i, value in enumerate(found):
            if value is None:
                word = words[i]
                found[i] = _WORD_HASHES[word] = zlib.crc32(word.encode("utf-8", "surrogatepass"))
    return cast(list[int], found)


def _pair_hashes(words: list[str]) -> np.ndarray:
    """The 32-bit hash of each pair of neighbouring words: the pair of word hashes put through MurmurHash3's
    64-bit finalizer (a bijection, so distinct pairs stay distinct), upper half kept."""
    h = np.array(_word_hashes(words), dtype=np.uint64)
    x = (h[:-1] << _S32) | h[1:]
    x ^= x >> _S33
    x *= _M1
    x ^= x >> _S33
    x *= _M2
    x ^= x >> _S33
    return (x >> _S32).astype(np.uint32)


_BAND_WIDTH = ROWS * 8  # hex digits of a band's values
_BAND_STARTS = [(f"{i:02d}", i * _BAND_WIDTH) for i in range(BANDS)]


@dataclass(frozen=True)
class Signature:
    """The MinHash values (32-bit) of a post's bigrams and how many distinct bigrams it had."""

    values: np.ndarray
    size: int

    def encode(self) -> str:
        return base64.b64encode(self.values.astype("<u4").tobytes()).decode("ascii")

    @classmethod
    def decode(cls, text: str, size: int) -> Signature:
        values = np.frombuffer(base64.b64decode(text), dtype="<u4").astype(np.uint32)
        if values.shape != (NUM_PERM,):
            raise ValueError(f"a story signature holds {NUM_PERM} values, got {values.shape[0]}")
        return cls(values, size)

    def bands(self) -> list[str]:
        """The LSH band keys: the band's number and its rows' values in hex (what posts meet on)."""
        raw = self.values.astype("<u4").tobytes().hex()
        return [prefix + raw[start : start + _BAND_WIDTH] for prefix, start in _BAND_STARTS]


# A post with enough words but not one bigram (each text a single word): it compares equal to its likes.
_NO_BIGRAMS = Signature(np.full(NUM_PERM, _MAX, dtype=np.uint32), 0)


def signature(*texts: str) -> Signature | None:
    """The signature of a post's normalized texts; None when it has too few words to compare."""
    return signatures([[tokenize(t) for t in texts]])[0]


def signatures(posts: Sequence[Sequence[list[str]]]) -> list[Signature | None]:
    """The signature of each post, given the words of its normalized texts (:func:`enrich.analysis.tokenize`
    of each); None for a post with too few words to compare. One pass of array operations for the whole
    batch: per post, they cost more in call overhead than in arithmetic."""
    out: list[Signature | None] = [None] * len(posts)
    words: list[str] = []
    seams: list[int] = []  # pairs of words from two texts (or two posts): not bigrams
    rows: list[int] = []  # the posts with a bigram, in order; their bigrams follow each other
    counts: list[int] = []
    for i, post_texts in enumerate(posts):
        if sum(map(len, post_texts)) < MIN_WORDS:
            continue
        out[i] = _NO_BIGRAMS
        bigrams = 0
        for text in post_texts:
            if text:
                if words:
                    seams.append(len(words) - 1)
                words += text
                bigrams += len(text) - 1
        if bigrams:
            rows.append(i)
            counts.append(bigrams)
    if not rows:
        return out
    grams = _pair_hashes(words)
    if seams:
        grams = np.delete(grams, seams)
    # Permutations by bigrams (uint32 wraps: mod 2^32), each post's minimum along the contiguous axis:
    # about ten times as fast as the bigrams-by-permutations layout.
    hashed = np.multiply.outer(_A, grams)
    hashed += _B[:, None]
    if len(rows) == 1:  # one post (`dozor enrich --input` assigns a line at a time): no reduceat or keys
        values = hashed.min(axis=1)[None, :]
        grams.sort()
        distinct = [1 + int(np.count_nonzero(grams[1:] != grams[:-1]))]
    else:  # a post's distinct bigrams are its distinct (post, bigram) keys
        values = np.ascontiguousarray(np.minimum.reduceat(hashed, [0, *accumulate(counts[:-1])], axis=1).T)
        keys = (np.repeat(np.arange(len(rows), dtype=np.uint64), counts) << _S32) | grams
        keys.sort()
        first = np.ones(keys.size, dtype=bool)
        first[1:] = keys[1:] != keys[:-1]
        distinct = np.bincount((keys[first] >> _S32).astype(np.intp), minlength=len(rows)).tolist()
    for row, i in enumerate(rows):
        out[i] = Signature(values[row], distinct[row])
    return out


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
