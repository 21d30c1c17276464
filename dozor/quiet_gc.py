"""Python's cyclic garbage collector, quieted for the stream stages.

The stages allocate many short-lived containers per record (decoded JSON, a post's words, bulk and
look-up responses) and hold large long-lived structures (dictionaries, the taxonomy's term index, name
lists, caches). With the default thresholds the collector ran every 700 allocations and, in its older
generations, walked every long-lived object of the process: a third of the indexer's CPU in
bench/bench_index.py, 2-7 % of the enricher's in bench/bench_entities_stories.py."""

from __future__ import annotations

import gc

GEN0_THRESHOLD = 20_000


def quiet_gc() -> None:
    """Move what is alive now (call it once the models are loaded) out of the collector's sight, and let
    it run less often. Process-wide; cycles are still collected."""
    gc.freeze()
    gen0, *older = gc.get_threshold()
    if gen0 < GEN0_THRESHOLD:
        gc.set_threshold(GEN0_THRESHOLD, *older)
