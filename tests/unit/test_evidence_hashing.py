"""Canonical JSON, streaming hashes and the daily-root Merkle tree (RFC 9162)."""

from __future__ import annotations

import hashlib
import io
import json

import pytest

from evidence import merkle
from evidence.hashing import canonical_json, copy_hashing, is_sha256, sha256_json, sha256_stream


def test_canonical_json_is_the_plan_form() -> None:
    obj = {"b": [1, None, "ж"], "a": {"y": True, "x": 1.5}}
    assert canonical_json(obj) == '{"a":{"x":1.5,"y":true},"b":[1,null,"ж"]}'.encode()
    assert sha256_json(obj) == hashlib.sha256(canonical_json(obj)).hexdigest()
    # Key order of the input does not matter; content does.
    assert sha256_json({"a": {"x": 1.5, "y": True}, "b": [1, None, "ж"]}) == sha256_json(obj)
    assert sha256_json({**obj, "b": [1, None, "Ж"]}) != sha256_json(obj)


def test_streaming_hash_matches_hashlib_across_chunks() -> None:
    data = bytes(range(256)) * 9000  # more than one chunk
    assert sha256_stream(io.BytesIO(data)) == (hashlib.sha256(data).hexdigest(), len(data))
    sink = io.BytesIO()
    assert copy_hashing(io.BytesIO(data), [sink]) == (hashlib.sha256(data).hexdigest(), len(data))
    assert sink.getvalue() == data


def test_is_sha256() -> None:
    assert is_sha256("a" * 64)
    assert not is_sha256("A" * 64)
    assert not is_sha256("a" * 63)
    assert not is_sha256(None)


def _hashes(n: int) -> list[str]:
    return [hashlib.sha256(str(i).encode()).hexdigest() for i in range(n)]


def test_merkle_matches_rfc9162_definition_for_small_trees() -> None:
    h = [bytes.fromhex(x) for x in _hashes(3)]

    def leaf(b: bytes) -> bytes:
        return hashlib.sha256(b"\x00" + b).digest()

    def node(a: bytes, b: bytes) -> bytes:
        return hashlib.sha256(b"\x01" + a + b).digest()

    assert merkle.root(_hashes(1)) == leaf(h[0]).hex()
    assert merkle.root(_hashes(3)) == node(node(leaf(h[0]), leaf(h[1])), leaf(h[2])).hex()
    assert merkle.root([]) == hashlib.sha256(b"").hexdigest()


@pytest.mark.parametrize("size", [1, 2, 3, 4, 5, 7, 8, 9, 16, 17, 33])
def test_every_inclusion_proof_verifies_and_a_wrong_one_does_not(size: int) -> None:
    hashes = _hashes(size)
    root = merkle.root(hashes)
    for i, h in enumerate(hashes):
        path = merkle.inclusion_path(i, hashes)
        assert merkle.verify_inclusion(h, i, size, path, root)
        assert not merkle.verify_inclusion(hashes[(i + 1) % size], i, size, path, root) or size == 1
        if path:
            bad = [*path[:-1], "0" * 64]
            assert not merkle.verify_inclusion(h, i, size, bad, root)
        assert not merkle.verify_inclusion(h, size, size, path, root)  # outside the tree


def test_a_changed_entry_changes_the_root() -> None:
    hashes = _hashes(10)
    changed = [*hashes[:4], "f" * 64, *hashes[5:]]
    assert merkle.root(changed) != merkle.root(hashes)
    assert json.dumps(merkle.inclusion_path(4, hashes))  # JSON-safe
