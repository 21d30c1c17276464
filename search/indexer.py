"""The indexer stage: ``posts.enriched``, ``posts.media`` and ``posts.media.ocr`` -> Elasticsearch,
idempotent and in event order (a media event merges into its post's media list: :mod:`search.media`);
the bulk writer around the pure planner (:mod:`search.planner`).

Per chunk of a batch: decode the records, plan the writes per event, then one bulk request. The
common case, a ``new`` for a post nothing is known about, needs no read: it is a create-only write in
its month's index, and only an id Elasticsearch answers 409 for (already stored) is read back and
decided like the rest (a create cannot see a post stored in another month's index, which only a post
first stored without a date can be: those few are searched for first). Edits, deletes and ids seen
twice are decided against what the index holds (looked up through the alias: an edit or a delete
goes where the post lives).
Retryable Elasticsearch failures (429, 5xx, connection) raise :class:`Backpressure`, so the runner
retries the same batch and commits nothing; a record Elasticsearch rejects as invalid goes to the DLQ
with Elasticsearch's reason.
"""

from __future__ import annotations

import logging
import time
from collections import OrderedDict, deque
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from elastic_transport import TransportError as TransportLayerError
from elasticsearch import ApiError, Elasticsearch, OrjsonSerializer

from dozor import es as dozor_es
from dozor import metrics
from dozor.errors import DozorError
from dozor.quiet_gc import quiet_gc
from dozor.records import utcnow
from dozor.stream import Backpressure, BatchResult, Message, Rejected
from search import index as ix
from search.bulk_body import BULK_RESPONSE, bulk_body, error_text
from search.events import Names, Stored
from search.media import MEDIA_TOPICS
from search.planner import LOOKUP_FIELDS, BatchPlanner, Event, Planned, decode, stored_from_source
from search.settings import SearchSettings

log = logging.getLogger(__name__)


def client(settings: SearchSettings, **overrides: Any) -> Elasticsearch:
    """The indexer's client: no retries of its own (the runner retries whole batches), orjson bodies."""
    options: dict[str, Any] = {"max_retries": 0, "request_timeout": 60, "serializer": OrjsonSerializer()}
    options.update(overrides)
    return dozor_es.client(settings, **options)


# Bulk requests in flight: while Elasticsearch writes one, it can parse the next and sync its translog.
_IN_FLIGHT = 2


def _retryable(status: int) -> bool:
    return status == 429 or status >= 500


class Indexer:
    """A batch stage (callable) for :class:`dozor.stream.StageRunner`."""

    def __init__(
        self, es: Elasticsearch, settings: SearchSettings, cache_size: int = 200_000, chunk: int = 1000
    ) -> None:
        self.es = es
        self.chunk = chunk
        self._pool = ThreadPoolExecutor(max_workers=_IN_FLIGHT, thread_name_prefix="index-bulk")
        self.settings = settings
        self.names = Names(alias=ix.posts_alias(settings), versions=ix.versions_index(settings))
        self.give_up_s = settings.index_give_up_s
        # id -> index for what this process wrote: the alias search is near-real-time, this is not.
        self._homes: OrderedDict[str, str] = OrderedDict()
        self._cache_size = cache_size
        self._indices: set[str] = set()
        self._partitions: set[tuple[str, int]] = set()
        self._failing_since: float | None = None
        self._media_topics = {settings.topic(t.name): t for t in MEDIA_TOPICS}
        self.written = 0
        # The service makes each batch searchable when it is written, instead of at the next scheduled
        # refresh (up to 1 s later, or at the next search on a search-idle shard): what a live post waits
        # for before it can be found or alerted on. A backfill (--drain) leaves refreshes to Elasticsearch.
        self.refresh_each_batch = False

    def prepare(self, timeout_s: float | None = 60.0) -> None:
        """Install templates and make what other processes wrote visible to the first lookups;
        waits (bounded backoff) while Elasticsearch is unreachable or busy: ``timeout_s`` at most, or for
        as long as it takes (None: the service, which must ride out an outage at start-up too)."""
        quiet_gc()  # what is alive at start-up: out of the collector's sight
        deadline = time.monotonic() + timeout_s if timeout_s is not None else float("inf")
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
        """Decode, plan and write, in chunks: the bulk requests of earlier chunks are in flight while
        the next chunk is decoded and planned, so Python and Elasticsearch work side by side. Writes
        for one id are never in two requests at once, so they land in offset order."""
        result = BatchResult()
        run = _BatchRun(BatchPlanner(self.names))
        try:
            self._refresh_for_new_partitions(batch)
            for chunk in _chunks(batch, self.chunk):
                posts = decode(chunk, self._media_topics, result.rejected)
                ids = {e.id for e in posts}
                while any(not ids.isdisjoint(f.created) for f in run.pending):
                    self._settle(run)  # this chunk follows up on a create whose answer is not back yet
                self._submit(run, self._plan(posts, run))
            while run.pending or run.carry:
                self._submit(run, [])
                if run.pending:
                    self._settle(run)
            if self.refresh_each_batch and run.indices:
                self.es.indices.refresh(index=sorted(run.indices), ignore_unavailable=True)
        except ApiError as exc:
            if not _retryable(exc.meta.status):
                raise DozorError(f"Elasticsearch refused the indexer: {_describe(exc)}") from exc
            self._backpressure(f"Elasticsearch: {_describe(exc)}")
        except TransportLayerError as exc:  # connection refused/reset, timeouts
            self._backpressure(f"Elasticsearch: {_describe(exc)}")
        finally:  # never leave a write in flight behind a retry
            wait([f.future for f in run.pending])
        if run.outcome.retry is not None:
            self._backpressure(run.outcome.retry)
        self._failing_since = None
        result.rejected.extend(Rejected(message, reason) for message, reason in run.outcome.failed)
        return result

    def _refresh_for_new_partitions(self, batch: Sequence[Message]) -> None:
        """A partition new to this process (start, rebalance) may carry posts another process wrote a
        moment ago; the alias search sees them only after a refresh."""
        new = {(m.topic, m.partition) for m in batch} - self._partitions
        if new:
            self.refresh()
            self._partitions |= new

    def _submit(self, run: _BatchRun, plan: list[Planned]) -> None:
        """Send the plan (with the writes for ids found taken meanwhile) once no request in flight
        holds a write for the same ids and fewer than ``_IN_FLIGHT`` are."""
        while True:
            plan, run.carry = run.carry + plan, []
            ids = {p.write.id for p in plan}
            if run.pending and (len(run.pending) >= _IN_FLIGHT or any(not ids.isdisjoint(f.ids) for f in run.pending)):
                self._settle(run)
                continue
            break
        if not plan:
            return
        for name in {p.write.index for p in plan}:
            self.ensure_index(name)
            run.indices.add(name)
        created = {p.write.id for p in plan if p.event is not None}
        run.pending.append(_InFlight(self._pool.submit(self._bulk, plan, bulk_body(plan)), ids, created))

    def _settle(self, run: _BatchRun) -> None:
        """Wait for the oldest bulk in flight; the creates it found taken are decided again, against
        what is stored, and their writes go with the next bulk."""
        done = run.pending.popleft().future.result()
        for doc_id, index in done.homes:
            self._remember(doc_id, index)
        self.written += done.written
        run.outcome.merge(done)
        if done.conflicts:
            run.carry.extend(self._decide_taken(done.conflicts, run))

    def _decide_taken(self, taken: list[Planned], run: _BatchRun) -> list[Planned]:
        events = run.planner.taken(taken)
        found = self._read({p.write.id: p.write.index for p in taken})
        return run.planner.decide(events, found, utcnow())

    def _backpressure(self, reason: str) -> None:
        now = time.monotonic()
        if self._failing_since is None:
            self._failing_since = now
        elif self.give_up_s is not None and now - self._failing_since > self.give_up_s:
            raise DozorError(f"{reason}; still failing after {self.give_up_s:.0f}s, giving up")
        raise Backpressure(reason, retry_after=1.0)

    def _plan(self, posts: list[Event], run: _BatchRun) -> list[Planned]:
        """The writes for a chunk, after the reads the planner asks for."""
        planner = run.planner
        fresh = planner.creatable(posts, self._homes)
        elsewhere = self._misplaced(fresh)
        fresh -= elsewhere.keys()
        looked_up = self._lookup(planner.to_look_up(posts, fresh), elsewhere)
        return planner.plan(posts, fresh, looked_up, utcnow())

    # ---- Elasticsearch -------------------------------------------------------------------------

    def _misplaced(self, ids: set[str]) -> dict[str, str]:
        """Which of these ids are stored outside the month index their date gives, where a create would
        not collide with them: only a post first stored without a date (a stub from its deletion, an
        edit of a post never seen) can be; a stub filled later keeps its ``deleted_at``. Measured with
        bench/bench_index.py, this search costs Elasticsearch next to nothing when no such post is
        stored, where the plain ids search over the alias took about a third of the throughput."""
        if not ids:
            return {}
        resp = self.es.search(
            index=self.names.alias,
            query={
                "bool": {
                    "filter": [{"ids": {"values": sorted(ids)}}],
                    "should": [
                        {"bool": {"must_not": [{"exists": {"field": "date"}}]}},
                        {"exists": {"field": "deleted_at"}},
                    ],
                    "minimum_should_match": 1,
                }
            },
            size=len(ids),
            source=False,
            ignore_unavailable=True,
            allow_no_indices=True,
        )
        return {hit["_id"]: hit["_index"] for hit in resp["hits"]["hits"]}

    def _lookup(self, ids: set[str], homes: dict[str, str]) -> dict[str, Stored]:
        """What the index holds for these ids, found through the alias unless their index is known."""
        homes = {i: homes.get(i) or self._homes[i] for i in ids if i in homes or i in self._homes}
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
        return self._read(homes)

    def _read(self, homes: dict[str, str]) -> dict[str, Stored]:
        if not homes:
            return {}
        docs = [{"_index": index, "_id": doc_id} for doc_id, index in homes.items()]
        # mget is real-time: it sees writes the last refresh has not published yet.
        resp = self.es.mget(docs=docs, source_includes=LOOKUP_FIELDS)
        return {
            d["_id"]: stored_from_source(d["_index"], d.get("_source") or {}) for d in resp["docs"] if d.get("found")
        }

    def ensure_index(self, name: str) -> None:
        if name not in self._indices:
            ix.create_index(self.es, name)
            self._indices.add(name)

    def _bulk(self, plan: list[Planned], body: bytes) -> _Outcome:
        """Send one bulk request (in the worker thread); say what was written, found taken, rejected,
        or must be retried."""
        with metrics.ES_BULK_SECONDS.labels("index").time():
            resp = self.es.perform_request(
                "POST",
                "/_bulk",
                params={"filter_path": BULK_RESPONSE},
                headers={"accept": "application/json", "content-type": "application/x-ndjson"},
                body=body,
                endpoint_id="bulk",
            )
        out = _Outcome()
        failed: dict[int, tuple[Message, str]] = {}
        for planned, item in zip(plan, resp.body["items"], strict=True):
            write = planned.write
            info = next(iter(item.values()))
            status = int(info.get("status", 500))
            if status < 300:
                if write.index != self.names.versions:
                    out.homes.append((write.id, write.index))
                out.written += 1
            elif status == 409 and write.op == "create":
                out.conflicts.append(planned)
            elif _retryable(status):
                out.retry = f"bulk item {write.id}: HTTP {status} {error_text(info)}"
            elif id(planned.message) not in failed:
                failed[id(planned.message)] = (
                    planned.message,
                    f"elasticsearch rejected {write.id}: {error_text(info)}",
                )
        out.failed = list(failed.values())
        return out

    def _remember(self, doc_id: str, index: str) -> None:
        self._homes[doc_id] = index
        self._homes.move_to_end(doc_id)
        if len(self._homes) > self._cache_size:
            self._homes.popitem(last=False)


class _InFlight(NamedTuple):
    future: Future[_Outcome]
    ids: set[str]  # the ids it writes
    created: set[str]  # the ids it creates, whose state is known only once it answers


@dataclass
class _Outcome:
    written: int = 0
    homes: list[tuple[str, str]] = field(default_factory=list)
    failed: list[tuple[Message, str]] = field(default_factory=list)
    conflicts: list[Planned] = field(default_factory=list)
    retry: str | None = None

    def merge(self, other: _Outcome) -> None:
        self.written += other.written
        self.homes.extend(other.homes)
        self.failed.extend(other.failed)
        self.retry = self.retry or other.retry


@dataclass
class _BatchRun:
    """What one batch knows while it runs."""

    planner: BatchPlanner
    outcome: _Outcome = field(default_factory=_Outcome)
    pending: deque[_InFlight] = field(default_factory=deque)  # bulk requests in flight, oldest first
    carry: list[Planned] = field(default_factory=list)  # writes for taken ids, to go with the next bulk
    indices: set[str] = field(default_factory=set)  # the indices it writes to


def _chunks(batch: Sequence[Message], size: int) -> Iterator[Sequence[Message]]:
    """The batch in chunks, the first one small: Elasticsearch idles until the first request."""
    start = 0
    step = max(1, size // 5)
    while start < len(batch):
        yield batch[start : start + step]
        start += step
        step = size


def _describe(exc: Exception) -> str:
    if isinstance(exc, ApiError):
        return f"HTTP {exc.meta.status} {exc.error}"
    return f"{type(exc).__name__}: {exc}"[:300]
