"""A perceptual hash of every image, to find the same picture posted elsewhere (re-encoded, resized, re-shared).

pHash (DCT of a 32 x 32 grayscale thumbnail, 64 bits) from `imagehash`: 64 bits fit the contract's 16 hex
digits and an Elasticsearch keyword (PDQ's 256 bits would not, and its Python package ships no wheel here).
Near-identical = Hamming distance <= :data:`NEAR` (re-encoding, resizing, brightness: 0-4 bits in the tests;
crops and added borders move pHash by 6-24 bits and are not "the same image"; unrelated images differ by ~32).
Elasticsearch cannot compute Hamming distances without scripts, so an image is indexed with its hash cut into
4 bands of 16 bits, each a keyword prefixed by its position. Two hashes within 3 bits always share a band
(pigeonhole); at exactly 4 bits they do unless each band differs by one bit (1 case in 10). A `terms` query on
the bands fetches the candidates (about 4 / 65,536 of unrelated images each), and :func:`near` keeps those
within the distance.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import imagehash
from PIL import Image

BANDS = 4
HEX_DIGITS = 16
NEAR = 4

# The mapping fragment for a media item object in the posts index (the indexer puts it under `media`).
MAPPING: dict[str, Any] = {
    "phash": {"type": "keyword"},
    "phash_bands": {"type": "keyword"},
}


def phash(image: Image.Image) -> str:
    """The 64-bit pHash as 16 lowercase hex digits."""
    return str(imagehash.phash(image, hash_size=8))


def check(value: str) -> str:
    """``value`` if it is a 16-hex-digit hash (lowercased), else ValueError."""
    text = value.strip().lower()
    if len(text) != HEX_DIGITS or any(c not in "0123456789abcdef" for c in text):
        raise ValueError(f"a perceptual hash is {HEX_DIGITS} hex digits, got {value!r}")
    return text


def hamming(a: str, b: str) -> int:
    """Bits that differ between two hashes."""
    return (int(check(a), 16) ^ int(check(b), 16)).bit_count()


def bands(value: str) -> list[str]:
    """The hash's bands as keywords: ``"0:ab12", "1:..."`` (the position keeps equal bands apart)."""
    text = check(value)
    width = HEX_DIGITS // BANDS
    return [f"{i}:{text[i * width : (i + 1) * width]}" for i in range(BANDS)]


def index_fields(value: str) -> dict[str, Any]:
    """What a media item carries into the index for near-image search."""
    return {"phash": check(value), "phash_bands": bands(value)}


def candidates_query(value: str, field_prefix: str = "media.") -> dict[str, Any]:
    """An Elasticsearch query for documents with an image sharing at least one band with ``value``."""
    return {"terms": {f"{field_prefix}phash_bands": bands(value)}}


def near(value: str, hashes: Iterable[str], max_distance: int = NEAR) -> list[tuple[str, int]]:
    """The hashes within ``max_distance`` of ``value``, nearest first, with their distances."""
    found = [(other, hamming(value, other)) for other in hashes]
    return sorted(((h, d) for h, d in found if d <= max_distance), key=lambda item: item[1])


def nearest_in(value: str, doc_hashes: Sequence[str], max_distance: int = NEAR) -> int | None:
    """The smallest distance between ``value`` and a document's image hashes, if within ``max_distance``."""
    distances = [hamming(value, other) for other in doc_hashes]
    best = min(distances, default=None)
    return best if best is not None and best <= max_distance else None
