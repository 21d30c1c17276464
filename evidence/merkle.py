"""The daily root: a Merkle tree over a day's entry hashes in sequence order, as in RFC 9162 section 2.1
(Certificate Transparency): leaf = SHA-256(0x00 || entry hash), node = SHA-256(0x01 || left || right),
split at the largest power of two below the size. An entry's inclusion in a sealed day is then proven by
about log2(n) hashes, so a bundle carries a few hundred bytes per entry instead of the day's whole chain."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

CONSTRUCTION = "rfc9162-merkle-sha256"


def _leaf(entry_hash: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + entry_hash).digest()


def _node(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def _split(n: int) -> int:
    """The largest power of two smaller than n (n > 1)."""
    return 1 << ((n - 1).bit_length() - 1)


def _mth(leaves: Sequence[bytes]) -> bytes:
    if not leaves:
        return hashlib.sha256(b"").digest()
    if len(leaves) == 1:
        return _leaf(leaves[0])
    k = _split(len(leaves))
    return _node(_mth(leaves[:k]), _mth(leaves[k:]))


def _path(index: int, leaves: Sequence[bytes]) -> list[bytes]:
    if len(leaves) <= 1:
        return []
    k = _split(len(leaves))
    if index < k:
        return [*_path(index, leaves[:k]), _mth(leaves[k:])]
    return [*_path(index - k, leaves[k:]), _mth(leaves[:k])]


def root(entry_hashes: Sequence[str]) -> str:
    """The Merkle tree hash (hex) over entry hashes (hex), in order."""
    return _mth([bytes.fromhex(h) for h in entry_hashes]).hex()


def inclusion_path(index: int, entry_hashes: Sequence[str]) -> list[str]:
    """The audit path (hex) proving that entry ``index`` is in the tree over ``entry_hashes``."""
    if not 0 <= index < len(entry_hashes):
        raise ValueError(f"leaf {index} is outside a tree of {len(entry_hashes)}")
    return [h.hex() for h in _path(index, [bytes.fromhex(h) for h in entry_hashes])]


def verify_inclusion(entry_hash: str, index: int, size: int, path: Sequence[str], expected_root: str) -> bool:
    """RFC 9162 section 2.1.3.2: does ``path`` lead from the entry to ``expected_root``?"""
    if not 0 <= index < size:
        return False
    try:
        fn, sn, r = index, size - 1, _leaf(bytes.fromhex(entry_hash))
        for hex_p in path:
            p = bytes.fromhex(hex_p)
            if sn == 0:
                return False
            if fn & 1 or fn == sn:
                r = _node(p, r)
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
            else:
                r = _node(r, p)
            fn >>= 1
            sn >>= 1
    except ValueError:  # not hex
        return False
    return sn == 0 and r.hex() == expected_root
