"""Hypothesis settings profiles, chosen with ``HYPOTHESIS_PROFILE`` (default ``ci``).

- ``ci``: modest example counts, so the property suite adds a couple of minutes to ``make test``;
- ``deep``: many more examples for ``make fuzz`` (tests that cost a service round trip per example scale
  their own count with :func:`examples`).
No per-example deadline: on a loaded 2-core machine a slow example is not a bug; tests that bound time
say so themselves.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

_COMMON = {
    "deadline": None,
    "print_blob": True,  # a failure prints the blob that replays it: @reproduce_failure(...)
    "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large],
}
settings.register_profile("ci", max_examples=80, **_COMMON)  # type: ignore[arg-type]
settings.register_profile("deep", max_examples=2_000, **_COMMON)  # type: ignore[arg-type]
PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "ci")
settings.load_profile(PROFILE)


def examples(ci: int) -> int:
    """The example count of a costly test: ``ci`` in CI, ten times that under ``deep``."""
    return ci * 10 if PROFILE == "deep" else ci
