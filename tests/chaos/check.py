"""What came out of a run, compared with what must have: the posts in Elasticsearch (scanned under the run's
index prefix, every monthly index) and the alerts at the webhook receiver (by X-Dozor-Alert-Id)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from elasticsearch import Elasticsearch, helpers

from tests.chaos.workload import Workload

MUST_BE_ZERO = ("lost", "duplicated", "stale edits", "undeleted", "wrongly deleted", "alerts missing",
                "alerts duplicated")  # fmt: skip


@dataclass(frozen=True)
class Outcome:
    counts: dict[str, int]  # every row of MUST_BE_ZERO, and the informational ones
    indexed_at: dict[str, datetime]  # post id -> when it was indexed (for the canaries' recovery times)
    examples: dict[str, list[str]]  # a few ids per non-zero row, to start looking from

    @property
    def clean(self) -> bool:
        return all(self.counts[row] == 0 for row in MUST_BE_ZERO)


def _when(value: Any) -> datetime | None:
    return datetime.fromisoformat(str(value).replace("Z", "+00:00")) if value else None


def scan_posts(es: Elasticsearch, index_prefix: str) -> list[dict[str, Any]]:
    fields = ["text", "edit_date", "deleted_at", "indexed_at"]
    pattern = f"{index_prefix}-posts-*"
    if not es.indices.exists(index=pattern, allow_no_indices=False):
        return []
    return list(helpers.scan(es, index=pattern, query={"query": {"match_all": {}}}, _source=fields, size=2000))


def count_posts(es: Elasticsearch, index_prefix: str) -> int:
    return int(es.count(index=f"{index_prefix}-posts-*", allow_no_indices=True, ignore_unavailable=True)["count"])


def compare(work: Workload, hits: list[dict[str, Any]], alert_ids: list[str], dlq: int) -> Outcome:
    seen = Counter(hit["_id"] for hit in hits)
    docs = {hit["_id"]: hit["_source"] for hit in hits}
    rows: dict[str, list[str]] = {row: [] for row in MUST_BE_ZERO}
    for pid, want in work.expected.items():
        doc = docs.get(pid)
        if doc is None:
            rows["lost"].append(pid)
            continue
        if want.edit_date and (doc.get("text") != want.text or _when(doc.get("edit_date")) != _when(want.edit_date)):
            rows["stale edits"].append(pid)
        if want.deleted and not doc.get("deleted_at"):
            rows["undeleted"].append(pid)
        if not want.deleted and doc.get("deleted_at"):
            rows["wrongly deleted"].append(pid)
    extra = [pid for pid in seen if pid not in work.expected]
    rows["duplicated"] = [pid for pid, n in seen.items() if n > 1] + extra  # a copy in another index, or unknown
    received = Counter(alert_ids)
    rows["alerts missing"] = sorted(work.alerts - set(received))
    rows["alerts duplicated"] = sorted(set(received) - work.alerts)  # another id for one alert: a second alert
    counts = {row: len(ids) for row, ids in rows.items()}
    counts["duplicated"] += sum(n - 2 for n in seen.values() if n > 2)
    counts["alert repeats (same id)"] = sum(received.values()) - len(received)  # allowed: at-least-once delivery
    counts["dead letters"] = dlq
    indexed = {pid: at for pid, doc in docs.items() if (at := _when(doc.get("indexed_at"))) is not None}
    return Outcome(counts, indexed, {row: ids[:5] for row, ids in rows.items() if ids})
