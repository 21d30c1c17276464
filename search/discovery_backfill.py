"""`channel_refs` for posts indexed before the field existed: read each such post's own fields from
Elasticsearch, compute its references (search/channel_refs.py) and write them into the document.

Each write is conditional on the document's sequence number: a post the indexer changed meanwhile (an
edit) is left alone, since the indexer wrote its references itself. Posts that point nowhere are left
as they are: a later run reads them again and changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from elasticsearch import Elasticsearch, helpers

from dozor import es as des
from dozor.settings import DozorSettings
from search import index as ix
from search.channel_refs import post_refs

SOURCE = ["channel", "text", "links", "mentions", "forward"]


@dataclass
class Backfill:
    scanned: int = 0
    updated: int = 0
    changed_meanwhile: int = 0


def backfill_refs(es: Elasticsearch, settings: DozorSettings, batch: int = 500) -> Backfill:
    alias = ix.posts_alias(settings)
    ix.ensure_templates(es, settings)  # indices made from an older template gain the fields
    query = {"bool": {"must_not": [{"exists": {"field": "channel_refs"}}, {"term": {"stub": True}}]}}
    report = Backfill()
    actions: list[dict[str, Any]] = []

    def flush() -> None:
        if not actions:
            return
        ok, errors = helpers.bulk(es, actions, raise_on_error=False, stats_only=False)
        report.updated += ok
        for err in errors if isinstance(errors, list) else []:
            if (err.get("update") or {}).get("status") != 409:
                raise RuntimeError(f"could not write channel_refs: {err}")
            report.changed_meanwhile += 1
        actions.clear()

    hits = des.pages(
        es,
        index=alias,
        query=query,
        sort=[{"id": "asc"}],
        size=batch,
        source=SOURCE,
        seq_no_primary_term=True,
        ignore_unavailable=True,
        allow_no_indices=True,
    )
    for hit in hits:
        report.scanned += 1
        refs = post_refs(hit["_source"])
        if not refs["channel_refs"]:
            continue
        actions.append(
            {
                "_op_type": "update",
                "_index": hit["_index"],
                "_id": hit["_id"],
                "if_seq_no": hit["_seq_no"],
                "if_primary_term": hit["_primary_term"],
                "doc": refs,
            }
        )
        if len(actions) >= batch:
            flush()
    flush()
    es.indices.refresh(index=alias, ignore_unavailable=True)
    return report
