"""Past months' posts indices merged down to one segment each (part of `dozor retention apply`).

Posts live in monthly indices (:func:`search.index.posts_index`) and, once its month is over, an index
only gets the odd edit, delete or late import. Left alone it keeps the dozen or more segments its writing
made, and every search and count pays for each of them: a term looked up per segment, and the counts by
topic, language and channel mapping every segment's words to the index's. Merged to one segment, a cold
saved search with its counts over 1,000,000 posts took 9-28 % less at the median in two runs
(`bench/bench_search.py --merge`). The current month is left to Elasticsearch's own merging: it is
still being written.

A month written to again after its merge (an edit, a backfill) has more than one segment again, and the
next run merges it again; a merge is Elasticsearch's work alone and the index stays searchable meanwhile.
"""

from __future__ import annotations

import re
from datetime import datetime

from elasticsearch import Elasticsearch

from dozor.settings import DozorSettings
from search import index as ix

# A merge rewrites the whole month; Elasticsearch answers when it is done.
MERGE_TIMEOUT_S = 3600


def months_to_merge(es: Elasticsearch, settings: DozorSettings, now: datetime) -> list[tuple[str, int]]:
    """The monthly posts indices before ``now``'s month with more than one segment, and their segment counts."""
    alias = ix.posts_alias(settings)
    monthly = re.compile(re.escape(alias) + r"-\d{4}\.\d{2}")
    current = ix.posts_index(settings, now)
    stats = es.options(ignore_status=404).indices.stats(
        index=f"{alias}-*", metric="segments", filter_path="indices.*.primaries.segments.count"
    )
    out: list[tuple[str, int]] = []
    for name, numbers in (stats.get("indices") or {}).items():
        segments = int(numbers["primaries"]["segments"]["count"])
        if monthly.fullmatch(name) and name < current and segments > 1:
            out.append((name, segments))
    return sorted(out)


def merge(es: Elasticsearch, index: str) -> None:
    es.options(request_timeout=MERGE_TIMEOUT_S).indices.forcemerge(index=index, max_num_segments=1)


def merge_past_months(
    es: Elasticsearch, settings: DozorSettings, now: datetime, *, dry_run: bool = False
) -> list[tuple[str, int]]:
    """Merge each index :func:`months_to_merge` lists (a dry run only lists them); what it listed."""
    todo = months_to_merge(es, settings, now)
    if not dry_run:
        for index, _ in todo:
            merge(es, index)
    return todo
