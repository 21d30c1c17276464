"""Story claims in Elasticsearch: the index ``<prefix>-story-keys``, shared by every enricher process.

Two kinds of documents, read by id (real-time GET: nothing waits for a refresh):
- ``b:<band key>`` -> ``{post, story}``: which post claimed an LSH band and its story, written create-only,
  so of two workers claiming one band at once exactly one wins (the other is told who, and re-decides);
- ``s:<post>`` -> ``{sig, size, at}``: that post's MinHash signature, written before its bands.
It survives restarts, and a lookup is ``BANDS`` ids whatever the index holds, less the bands this process
claimed itself lately (:mod:`enrich.stories.own_claims`: it knows who holds those); the signatures of its
own claims are kept for the same reason. Each document carries ``at``, when it was written: :func:`prune`
(run by ``dozor retention apply``) deletes those older than ``DOZOR_STORY_DAYS`` (90 by default), so the
index holds a window of stories, not all of them: a post that repeats a story whose claims are gone starts
a new story. (Monthly indices behind an alias would not do: a create-only claim must meet the same id in
one index, and mget cannot read through a multi-index alias.)
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Collection, Sequence
from datetime import datetime, timedelta
from typing import Any, cast

import orjson
from elastic_transport import TransportError as TransportLayerError
from elasticsearch import ApiError, Elasticsearch

from dozor.records import utcnow
from dozor.settings import DozorSettings
from dozor.stream import Backpressure
from enrich.stories.assign import Claim, Holder
from enrich.stories.minhash import Signature
from enrich.stories.own_claims import OwnClaims

KEYS_INDEX = "story-keys"
_MAPPINGS: dict[str, Any] = {
    "dynamic": False,
    "properties": {
        # Read by id only, never searched: nothing to index (an index made before keeps its own mapping).
        "story": {"type": "keyword", "index": False, "doc_values": False},
        "post": {"type": "keyword", "index": False, "doc_values": False},
        "sig": {"type": "keyword", "index": False, "doc_values": False},
        "at": {"type": "date"},
    },
}
_PRUNE_PAGE = 5000
# What is read of the responses: every mget doc keeps `found` or `error`, every bulk item its status.
_MGET_FIELDS = "docs.found,docs.error,docs._source"
_BULK_FIELDS = "errors,items.*.status,items.*.error"
# A post's signature never changes: hot ones are not fetched again. Some 600 bytes each: 12 MB when full,
# and this process's own claims (the most looked-up) are among them.
_SIG_CACHE = 20_000


def keys_index(settings: DozorSettings) -> str:
    return settings.index(KEYS_INDEX)


class EsStoryStore:
    def __init__(self, es: Elasticsearch, settings: DozorSettings) -> None:
        self.es = es
        self.index = keys_index(settings)
        self._sigs: OrderedDict[str, Signature] = OrderedDict()
        self._own = OwnClaims()
        self._ready = False

    def _ensure(self) -> None:
        if not self._ready:
            # No scheduled refresh: claims are only read by real-time get (which refreshes when it meets
            # an unrefreshed id) and by `prune` (which refreshes first); the 1 s refreshes cost Elasticsearch
            # a sixth of its CPU on story claims. Set at creation only: changing an index's settings takes
            # a privilege the enrich principal does not hold, so an index made before keeps its 1 s.
            settings = {"number_of_shards": 1, "number_of_replicas": 0, "refresh_interval": "-1"}
            self._call(
                lambda: self.es.options(ignore_status=400).indices.create(
                    index=self.index, mappings=_MAPPINGS, settings=settings
                )
            )
            # An index made before claims were dated learns the field (its old claims stay undated).
            self._call(lambda: self.es.indices.put_mapping(index=self.index, properties={"at": {"type": "date"}}))
            self._ready = True

    def _call(self, fn: Any) -> Any:
        """A retryable Elasticsearch failure is not the records' fault: the runner retries the batch."""
        try:
            return fn()
        except TransportLayerError as exc:
            raise Backpressure(f"story keys: Elasticsearch unreachable ({type(exc).__name__})") from exc
        except ApiError as exc:
            if exc.meta.status == 429 or exc.meta.status >= 500:
                raise Backpressure(f"story keys: Elasticsearch answered {exc.meta.status}") from exc
            raise

    def _sources(self, ids: list[str]) -> list[dict[str, Any] | None]:
        """The ``_source`` of each id, in the order asked (None: no such document). The response is cut to
        ``found``/``_source`` (a real-time mget of a batch's bands asks for thousands of ids, most of them
        absent: their ids and index names would be most of the bytes to parse)."""
        if not ids:
            return []
        self._ensure()
        resp = self._call(lambda: self.es.mget(index=self.index, ids=ids, realtime=True, filter_path=_MGET_FIELDS))
        docs = resp.get("docs", [])
        if len(docs) != len(ids):  # every doc keeps `found` or `error`, so this would be a protocol change
            raise RuntimeError(f"story keys: asked for {len(ids)} documents, Elasticsearch answered {len(docs)}")
        return [d.get("_source") if d.get("found") else None for d in docs]

    def holders(self, bands: Collection[str]) -> dict[str, Holder]:
        held, ask = self._own.split(bands)
        found = self._sources([f"b:{b}" for b in ask])
        held.update(
            {b: Holder(str(s["post"]), str(s["story"])) for b, s in zip(ask, found, strict=True) if s is not None}
        )
        return held

    def signatures(self, posts: Collection[str]) -> dict[str, Signature]:
        out = {p: self._sigs[p] for p in posts if p in self._sigs}
        missing = [p for p in posts if p not in out]
        for post, source in zip(missing, self._sources([f"s:{p}" for p in missing]), strict=True):
            if source is not None:
                out[post] = self._remember(post, Signature.decode(source["sig"], int(source["size"])))
        return out

    def _remember(self, story: str, sig: Signature) -> Signature:
        self._sigs[story] = sig
        if len(self._sigs) > _SIG_CACHE:
            self._sigs.popitem(last=False)
        return sig

    def claim(self, claims: Sequence[Claim]) -> dict[str, Holder]:
        self._ensure()
        now = utcnow().isoformat()
        ops = _Ops(self.index)
        # One request: the signatures first, then the bands. The index has one shard, which applies a
        # bulk's operations in order, so whoever finds a band finds its post's signature.
        for c in claims:
            ops.add("create", f"s:{c.post}", {"sig": c.signature.encode(), "size": c.signature.size, "at": now})
        for c in claims:
            ops.add_many("create", [f"b:{band}" for band in c.bands], {"post": c.post, "story": c.story, "at": now})
        taken = self._bulk(ops)
        lost = set(taken)
        for c in claims:  # acknowledged: what this process holds now (not the bands another holds)
            # A copy: the batch's signatures are rows of one array, which a kept row would keep whole.
            self._remember(c.post, Signature(c.signature.values.copy(), c.signature.size))
            self._own.hold([b for b in c.bands if b not in lost] if lost else c.bands, Holder(c.post, c.story))
        return self.holders(taken) if taken else {}

    def reassign(self, post: str, bands: Sequence[str], story: str) -> None:
        ops = _Ops(self.index)
        ops.add_many(
            "index", [f"b:{band}" for band in bands], {"post": post, "story": story, "at": utcnow().isoformat()}
        )
        self._bulk(ops)
        self._own.hold(bands, Holder(post, story))

    def _bulk(self, ops: _Ops) -> list[str]:
        """Run a bulk request; return the band keys whose create found the id taken (409)."""
        if not ops.ids:
            return []
        body = cast(Any, [ops.body])
        resp = self._call(lambda: self.es.bulk(index=ops.index, operations=body, filter_path=_BULK_FIELDS))
        if not resp.get("errors"):
            return []
        items = resp["items"]
        if len(items) != len(ops.ids):
            raise RuntimeError(f"story keys: sent {len(ops.ids)} writes, Elasticsearch answered {len(items)}")
        taken: list[str] = []
        for doc_id, item in zip(ops.ids, items, strict=True):
            (result,) = item.values()
            status = int(result.get("status", 500))
            if status == 409:
                if doc_id.startswith("b:"):
                    taken.append(doc_id[2:])
            elif status == 429 or status >= 500:
                raise Backpressure(f"story keys: Elasticsearch answered {status}")
            elif status >= 300:
                raise RuntimeError(f"story keys: Elasticsearch refused a write: {result.get('error')}")
        return taken


class _Ops:
    """A bulk body as NDJSON bytes, written with orjson (the client's own encoder is the standard library's,
    one call per line: thirty-odd lines a post made it a third of the stage's CPU), and the ids in order
    (the response's items answer them by position). The index is named once, in the request's path: each
    action line is then its id alone, one join of encoded pieces (a dict dumped per band cost 2.5 µs)."""

    def __init__(self, index: str) -> None:
        self.index = index
        self.ids: list[str] = []
        self._parts: list[bytes] = []

    def add(self, op: str, doc_id: str, doc: dict[str, Any]) -> None:
        self.add_many(op, [doc_id], doc)

    def add_many(self, op: str, doc_ids: list[str], doc: dict[str, Any]) -> None:
        """The same document under each id."""
        head = b'{"' + op.encode() + b'":{"_id":'
        tail = b"}}\n" + orjson.dumps(doc) + b"\n"
        dumps = orjson.dumps  # escapes an id as JSON needs (band keys and post ids are plain, but not by contract)
        self._parts += [head + dumps(doc_id) + tail for doc_id in doc_ids]
        self.ids += doc_ids

    @property
    def body(self) -> bytes:
        return b"".join(self._parts)


def prune(es: Elasticsearch, settings: DozorSettings, *, now: datetime, dry_run: bool) -> tuple[int, datetime]:
    """Delete the claims written before ``now`` less ``settings.story_days`` (a dry run only counts them);
    return how many and the cut-off. The local node has no delete-by-query: ids are read and deleted
    in pages."""
    index = keys_index(settings)
    before = now - timedelta(days=settings.story_days)
    query = {"range": {"at": {"lt": before.isoformat()}}}
    if not es.indices.exists(index=index):
        return 0, before
    if dry_run:
        return int(es.count(index=index, query=query)["count"]), before
    deleted = 0
    while True:
        es.indices.refresh(index=index)
        hits = es.search(index=index, query=query, size=_PRUNE_PAGE, source=False)["hits"]["hits"]
        if not hits:
            return deleted, before
        ops = [{"delete": {"_index": index, "_id": h["_id"]}} for h in hits]
        resp = es.bulk(operations=ops)
        deleted += sum(1 for item in resp["items"] if item["delete"].get("result") == "deleted")
