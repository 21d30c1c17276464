"""64-bit SimHash over a post's stems: near-duplicate posts (reposts with a line added, a link
changed) get keys a few bits apart. A 16-hex-digit string, since ES's signed ``long`` cannot hold it.

Speed: each feature's 64 bits are spread into 64 lanes of 16 bits of one big integer (cached per
feature), so summing the bit votes of a whole post is a few big-integer additions.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from hashlib import blake2b
from itertools import islice

_LANE = 16
_MAX_FEATURES = (1 << _LANE) - 1  # a lane must not overflow
_BYTE_LANES = [sum(((b >> k) & 1) << (_LANE * k) for k in range(8)) for b in range(256)]
_ONES = sum(1 << (_LANE * k) for k in range(64))
_DIGITS = bytes.maketrans(b"\x00\x01", b"01")
EMPTY = "0" * 16


@lru_cache(maxsize=200_000)
def _spread(feature: str) -> int:
    h = blake2b(feature.encode("utf-8", "surrogatepass"), digest_size=8).digest()
    value = 0
    for k, byte in enumerate(h):
        value |= _BYTE_LANES[byte] << (_LANE * 8 * k)
    return value


def simhash(features: Iterable[str]) -> str:
    """SimHash of a set of features (duplicates count once), as 16 lowercase hex digits."""
    unique = set(features)
    if not unique:
        return EMPTY
    total = sum(map(_spread, islice(unique, _MAX_FEATURES)))
    count = min(len(unique), _MAX_FEATURES)
    # A bit is set where more than half the features vote for it. Adding 32767 - count // 2 to every
    # lane carries exactly those lanes into their top bit, read out for all 64 lanes at once.
    biased = total + (32767 - count // 2) * _ONES
    tops = ((biased >> (_LANE - 1)) & _ONES).to_bytes(128, "little")[::2]
    return f"{int(tops.translate(_DIGITS)[::-1], 2):016x}"


def distance(a: str, b: str) -> int:
    """Bits that differ between two keys: a few (≤ 3) means near-duplicates."""
    return (int(a, 16) ^ int(b, 16)).bit_count()
