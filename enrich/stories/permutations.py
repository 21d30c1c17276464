"""The story signature's MinHash permutations: datasketch's, kept in permutations.json.

datasketch computes them (``MinHash(num_perm, seed, scheme).permutations``), but importing it imports its
LSH module and with it scipy: about half a second at every enricher start, for 192 numbers. So its answer
is stored and read back; a file written for other parameters (or none) is passed over and datasketch asked
again. :func:`write` writes the file; a unit test checks that it holds what datasketch computes.
"""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

FILE = "permutations.json"


def compute(num_perm: int, seed: int, scheme: str) -> dict[str, Any]:
    """What datasketch makes of these parameters, as the file stores it."""
    from datasketch import MinHash  # only here: see the module docstring

    a, b = MinHash(num_perm=num_perm, seed=seed, scheme=scheme).permutations
    return {"num_perm": num_perm, "seed": seed, "scheme": scheme, "a": [int(x) for x in a], "b": [int(x) for x in b]}


def stored() -> dict[str, Any] | None:
    path = resources.files("enrich.stories").joinpath(FILE)
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None


def load(num_perm: int, seed: int, scheme: str) -> tuple[np.ndarray, np.ndarray]:
    """The permutations (``a``, ``b``: h -> a*h + b) as 32-bit arrays: the file's when it was written for
    these parameters, else datasketch's."""
    found = stored()
    wanted = {"num_perm": num_perm, "seed": seed, "scheme": scheme}
    if found is None or any(found.get(k) != v for k, v in wanted.items()):
        found = compute(num_perm, seed, scheme)
    return np.asarray(found["a"], dtype=np.uint32), np.asarray(found["b"], dtype=np.uint32)


def write(num_perm: int, seed: int, scheme: str) -> Path:
    """Store datasketch's permutations for these parameters (the signature's, after changing them)."""
    path = Path(__file__).with_name(FILE)
    path.write_text(json.dumps(compute(num_perm, seed, scheme)) + "\n", encoding="utf-8")
    return path
