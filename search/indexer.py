"""The indexer stage: ``posts.enriched`` -> Elasticsearch, idempotent and in event order.

Per chunk of a batch: validate the records, decide per event (:mod:`search.events`), then one bulk
request. The common case, a ``new`` for a post this batch has not seen, needs no read: it is a
create-only write in its month's index, and only an id Elasticsearch answers 409 for (already stored)
is read back and decided like the rest. Edits, deletes and ids seen twice are decided against what the
index holds (looked up through the alias: an edit or a delete goes where the post lives). Retryable Elasticsearch failures (429, 5xx, connection) raise :class:`Backpressure`, so the
runner retries the same batch and commits nothing; a record Elasticsearch rejects as invalid goes to
the DLQ with Elasticsearch's reason.
"""

from __future__ import annotations

import json
import logging
import time
from collections import Counter, OrderedDict
from collections.abc import Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import orjson
from elastic_transport import TransportError as TransportLayerError
from elasticsearch import ApiError, Elasticsearch, OrjsonSerializer
from pydantic import ValidationError

from dozor import es as dozor_es
from dozor.errors import DozorError
from dozor.records import EnrichedPost, utcnow
from dozor.stream import Backpressure, BatchResult, Message, Rejected
from search import index as ix
from search.events import Names, Stored, Write, create, created_state, decide
from search.settings import SearchSettings

log = logging.getLogger(__name__)

_LOOKUP_FIELDS = [
    "edit_date",
    "deleted_at",
    "stub",
    "date",
    "text",
    "lang",
    "topics",
    "views",
    "forwards",
    "reactions",
]


def client(settings: SearchSettings, **overrides: Any) -> Elasticsearch:
    """The indexer's client: no retries of its own (the runner retries whole batches), orjson bodies."""
    options: dict[str, Any] = {"max_retries": 0, "request_timeout": 60, "serializer": OrjsonSerializer()}
    options.update(overrides)
    return dozor_es.client(settings, **options)


def group_id(settings: SearchSettings) -> str:
    """The indexer's consumer group; the topic prefix isolates test runs sharing one broker."""
    return f"{settings.topic_prefix}dozor-index"


def _retryable(status: int) -> bool:
    return status == 429 or status >= 500


def _parse_dt(value: Any) -> datetime | None:
    if not value:
        return None
    return datetime.fromisoformat(str(value).replace("Z", "+00:00"))


def stored_from_source(index: str, src: dict[str, Any]) -> Stored:
    return Stored(
        index=index,
        edit_date=_parse_dt(src.get("edit_date")),
        deleted_at=_parse_dt(src.get("deleted_at")),
        stub=bool(src.get("stub", False)),
        date=_parse_dt(src.get("date")),
        text=str(src.get("text") or ""),
        lang=str(src.get("lang") or "und"),
        topics=tuple(src.get("topics") or ()),
        counters=(src.get("views"), src.get("forwards"), dict(src.get("reactions") or {})),
    )


class Indexer:
    """A batch stage (callable) for :class:`dozor.stream.StageRunner`."""

    def __init__(
        self, es: Elasticsearch, settings: SearchSettings, cache_size: int = 200_000, chunk: int = 1000
    ) -> None:
        self.es = es
        self.chunk = chunk
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="index-bulk")
        self.settings = settings
        self.names = Names(alias=ix.posts_alias(settings), versions=ix.versions_index(settings))
        self.give_up_s = settings.index_give_up_s
        # id -> index for what this process wrote: the alias search is near-real-time, this is not.
        self._homes: OrderedDict[str, str] = OrderedDict()
        self._cache_size = cache_size
        self._indices: set[str] = set()
        self._partitions: set[tuple[str, int]] = set()
        self._failing_since: float | None = None
        self.written = 0

    def prepare(self, timeout_s: float = 60.0) -> None:
        """Install templates and make what other processes wrote visible to the first lookups;
        waits (bounded backoff) while Elasticsearch is unreachable or busy."""
        deadline = time.monotonic() + timeout_s
        delay = 0.5
        while True:
            try:
                ix.ensure_templates(self.es, self.settings)
                self.refresh()
                return
            except (TransportLayerError, ApiError) as exc:
                if isinstance(exc, ApiError) and not _retryable(exc.meta.status):
                    raise DozorError(f"Elasticsearch refused the index templates: {_describe(exc)}") from exc
                if time.monotonic() + delay > deadline:
                    raise DozorError(
                        f"Elasticsearch unreachable at {self.settings.es_url} ({_describe(exc)}); "
                        "start it with `dozor stack up` or set DOZOR_ES_URL"
                    ) from exc
                log.warning("indexer: Elasticsearch not ready (%s); retrying in %.1fs", _describe(exc), delay)
                time.sleep(delay)
                delay = min(delay * 2, 5.0)

    def refresh(self) -> None:
        self.es.indices.refresh(
            index=[self.names.alias, self.names.versions], ignore_unavailable=True, allow_no_indices=True
        )

    # ---- the stage -----------------------------------------------------------------------------

    def __call__(self, batch: Sequence[Message]) -> BatchResult:
        """Validate, look up, decide and write, in chunks: the bulk request of one chunk is in flight
        while the next chunk is validated and planned, so Python and Elasticsearch work side by side."""
        result = BatchResult()
        outcome = _Outcome()
        stored: dict[str, Stored] = {}  # what this batch knows: looked up, then as its own writes left it
        pending: Future[_Outcome] | None = None
        try:
            self._refresh_for_new_partitions(batch)
            for start in range(0, len(batch), self.chunk):
                posts = self._parse(batch[start : start + self.chunk], result)
                plan: list[tuple[Message, Write]] = []
                if posts:
                    stored.update(self._lookup({p.doc_id for _, p in posts} - stored.keys()))
                    plan = self._plan(posts, stored)
                    for name in {w.index for _, w in plan}:
                        self.ensure_index(name)
                if pending is not None:
                    outcome.merge(self._settle(pending))
                pending = self._pool.submit(self._bulk, plan) if plan else None
            if pending is not None:
                outcome.merge(self._settle(pending))
                pending = None
        except ApiError as exc:
            if not _retryable(exc.meta.status):
                raise DozorError(f"Elasticsearch refused the indexer: {_describe(exc)}") from exc
            self._backpressure(f"Elasticsearch: {_describe(exc)}")
        except TransportLayerError as exc:  # connection refused/reset, timeouts
            self._backpressure(f"Elasticsearch: {_describe(exc)}")
        finally:
            if pending is not None:  # never leave a write in flight behind a retry
                wait([pending])
        if outcome.retry is not None:
            self._backpressure(outcome.retry)
        self._failing_since = None
        result.rejected.extend(Rejected(message, reason) for message, reason in outcome.failed)
        return result

    def _refresh_for_new_partitions(self, batch: Sequence[Message]) -> None:
        """A partition new to this process (start, rebalance) may carry posts another process wrote a
        moment ago; the alias search sees them only after a refresh."""
        new = {(m.topic, m.partition) for m in batch} - self._partitions
        if new:
            self.refresh()
            self._partitions |= new

    def _parse(self, chunk: Sequence[Message], result: BatchResult) -> list[tuple[Message, EnrichedPost]]:
        posts = []
        for message in chunk:
            try:
                posts.append((message, EnrichedPost.model_validate_json(message.value)))
            except (ValidationError, ValueError) as exc:
                result.rejected.append(Rejected(message, f"invalid posts.enriched record: {_first_line(exc)}"))
        return posts

    def _settle(self, pending: Future[_Outcome]) -> _Outcome:
        done = pending.result()
        for doc_id, index in done.homes:
            self._remember(doc_id, index)
        self.written += done.written
        return done

    def _backpressure(self, reason: str) -> None:
        now = time.monotonic()
        if self._failing_since is None:
            self._failing_since = now
        elif self.give_up_s is not None and now - self._failing_since > self.give_up_s:
            raise DozorError(f"{reason}; still failing after {self.give_up_s:.0f}s, giving up")
        raise Backpressure(reason, retry_after=1.0)

    def _plan(
        self, posts: list[tuple[Message, EnrichedPost]], stored: dict[str, Stored]
    ) -> list[tuple[Message, Write]]:
        now = utcnow()
        plan: list[tuple[Message, Write]] = []
        for message, post in posts:  # in offset order: a batch may hold new + edit of one post
            writes, state = decide(post, stored.get(post.doc_id), now, self.names)
            if state is not None:
                stored[post.doc_id] = state
            plan.extend((message, w) for w in writes)
        return plan

    # ---- Elasticsearch -------------------------------------------------------------------------

    def _lookup(self, ids: set[str]) -> dict[str, Stored]:
        homes = {i: self._homes[i] for i in ids if i in self._homes}
        unknown = sorted(ids - homes.keys())
        if unknown:
            resp = self.es.search(
                index=self.names.alias,
                query={"ids": {"values": unknown}},
                size=len(unknown),
                source=False,
                ignore_unavailable=True,
                allow_no_indices=True,
            )
            for hit in resp["hits"]["hits"]:
                homes.setdefault(hit["_id"], hit["_index"])
        if not homes:
            return {}
        docs = [{"_index": index, "_id": doc_id} for doc_id, index in homes.items()]
        # mget is real-time: it sees writes the last refresh has not published yet.
        resp = self.es.mget(docs=docs, source_includes=_LOOKUP_FIELDS)
        return {
            d["_id"]: stored_from_source(d["_index"], d.get("_source") or {}) for d in resp["docs"] if d.get("found")
        }

    def ensure_index(self, name: str) -> None:
        if name not in self._indices:
            ix.create_index(self.es, name)
            self._indices.add(name)

    def _bulk(self, plan: list[tuple[Message, Write]]) -> _Outcome:
        """Write the plan (in the worker thread); say what was written, rejected, or must be retried."""
        out = _Outcome()
        failed: dict[int, tuple[Message, str]] = {}
        results = helpers.streaming_bulk(
            self.es,
            _actions(plan),
            chunk_size=len(plan) + 1,
            max_chunk_bytes=50 * 1024 * 1024,
            raise_on_error=False,
            raise_on_exception=True,
            max_retries=0,
            filter_path=_BULK_RESPONSE,
        )
        for (message, write), (ok, item) in zip(plan, results, strict=True):
            info = next(iter(item.values()))
            if ok:
                if write.index != self.names.versions:
                    out.homes.append((write.id, write.index))
                out.written += 1
                continue
            status = int(info.get("status", 500))
            if _retryable(status):
                out.retry = f"bulk item {write.id}: HTTP {status} {_error_text(info)}"
            elif id(message) not in failed:
                failed[id(message)] = (message, f"elasticsearch rejected {write.id}: {_error_text(info)}")
        out.failed = list(failed.values())
        return out

    def _remember(self, doc_id: str, index: str) -> None:
        self._homes[doc_id] = index
        self._homes.move_to_end(doc_id)
        if len(self._homes) > self._cache_size:
            self._homes.popitem(last=False)


@dataclass
class _Outcome:
    written: int = 0
    homes: list[tuple[str, str]] = field(default_factory=list)
    failed: list[tuple[Message, str]] = field(default_factory=list)
    retry: str | None = None

    def merge(self, other: _Outcome) -> None:
        self.written += other.written
        self.homes.extend(other.homes)
        self.failed.extend(other.failed)
        self.retry = self.retry or other.retry


# Only what the indexer reads back: a quarter of the response to parse.
_BULK_RESPONSE = ["errors", "items.*._id", "items.*.status", "items.*.error"]


def _actions(plan: list[tuple[Message, Write]]) -> Iterator[dict[str, Any]]:
    for _, w in plan:
        if w.op == "index":
            yield {"_op_type": "index", "_index": w.index, "_id": w.id, "_source": w.doc}
        else:
            body: dict[str, Any] = {"doc": w.doc}
            if w.upsert is not None:
                body["upsert"] = w.upsert
            yield {"_op_type": "update", "_index": w.index, "_id": w.id, **body}


def _error_text(info: dict[str, Any]) -> str:
    err = info.get("error")
    if isinstance(err, dict):
        text = f"{err.get('type', 'error')}: {err.get('reason', '')}"
        cause = err.get("caused_by")
        if isinstance(cause, dict):
            text += f" (caused by {cause.get('type')}: {cause.get('reason')})"
        return text[:1000]
    return json.dumps(err)[:1000] if err is not None else "unknown error"


def _describe(exc: Exception) -> str:
    if isinstance(exc, ApiError):
        return f"HTTP {exc.meta.status} {exc.error}"
    return f"{type(exc).__name__}: {exc}"[:300]


def _first_line(exc: Exception) -> str:
    lines = [ln.strip() for ln in str(exc).splitlines() if ln.strip()]
    return "; ".join(lines[:4])[:1000]
