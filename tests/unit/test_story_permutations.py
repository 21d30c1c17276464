"""The stored MinHash permutations are datasketch's, and the enricher reads them without importing it."""

from __future__ import annotations

import subprocess
import sys

import numpy as np

from enrich.stories import permutations
from enrich.stories.minhash import _A, _B, NUM_PERM, SCHEME, SEED

FIX = (
    "the signature's parameters changed: run python -c 'from enrich.stories import permutations; permutations.write()'"
)


def test_the_stored_permutations_are_what_datasketch_computes() -> None:
    assert permutations.stored() == permutations.compute(NUM_PERM, SEED, SCHEME), FIX
    computed = permutations.compute(NUM_PERM, SEED, SCHEME)
    assert np.array_equal(_A, np.asarray(computed["a"], dtype=np.uint32))
    assert np.array_equal(_B, np.asarray(computed["b"], dtype=np.uint32))


def test_other_parameters_are_asked_of_datasketch() -> None:
    a, b = permutations.load(NUM_PERM, SEED + 1, SCHEME)
    computed = permutations.compute(NUM_PERM, SEED + 1, SCHEME)
    assert a.tolist() == computed["a"] and b.tolist() == computed["b"]
    assert a.tolist() != _A.tolist()


def test_the_signature_module_starts_without_datasketch_or_scipy() -> None:
    code = "import sys, enrich.stories.minhash; print(sorted({'datasketch', 'scipy'} & set(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
