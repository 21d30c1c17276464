"""The append-only, hash-chained evidence log in Elasticsearch (docs/architecture.md, "Media and evidence").

Entries live in ``<prefix>-evidence`` under create-only ids: the zero-padded sequence number. To append, a
writer reads the head (seq n), sets the new entry's ``prev_hash`` to the head's ``entry_hash``, computes its
own ``entry_hash`` (SHA-256 of the canonical JSON of the entry without it) and creates id n+1. Elasticsearch
takes one document per id, so when writers race, one wins and the others get 409, read the new head and try
again: the chain stays linear, with no gap (n+1 is written only by one who has read n) and no fork.
Exact reads use get/mget (real-time); searches see what was refreshed, so they refresh first.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from elasticsearch import BadRequestError, ConflictError, Elasticsearch

from dozor import __version__
from dozor.errors import DozorError
from dozor.records import utcnow
from dozor.settings import DozorSettings
from evidence.hashing import sha256_json

GENESIS = "0" * 64  # prev_hash of the first entry
SEQ_DIGITS = 12
_PROBE = 16  # ids read at once when catching up with other writers
_MAX_ATTEMPTS = 10_000

_KW = {"type": "keyword"}
ENTRY_MAPPINGS: dict[str, Any] = {
    "dynamic": False,
    "properties": {
        "seq": {"type": "long"},
        "key": _KW,
        "post_id": _KW,
        "version": _KW,
        "kind": _KW,
        "raw_sha256": _KW,
        "media_sha256": _KW,
        "collected_at": {"type": "date"},
        "appended_at": {"type": "date"},
        "collector": _KW,
        "dozor_version": _KW,
        "prev_hash": _KW,
        "entry_hash": _KW,
    },
}
ROOT_MAPPINGS: dict[str, Any] = {
    "dynamic": False,
    "properties": {
        "day": {"type": "date"},
        "first_seq": {"type": "long"},
        "last_seq": {"type": "long"},
        "count": {"type": "long"},
        "root": _KW,
        "last_entry_hash": _KW,
        "construction": _KW,
        "sealed_at": {"type": "date"},
        "tsa": {"type": "object", "enabled": False},
    },
}


def evidence_index(settings: DozorSettings) -> str:
    return settings.index("evidence")


def roots_index(settings: DozorSettings) -> str:
    return settings.index("evidence-roots")


def doc_id(seq: int) -> str:
    return f"{seq:0{SEQ_DIGITS}d}"


def iso(when: datetime) -> str:
    """Fixed-width UTC time, so that string order is time order."""
    return when.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@dataclass(frozen=True)
class Record:
    """What one entry says was collected (the entry adds the chain fields)."""

    kind: Literal["post", "media"]
    post_id: str
    version: str | None
    raw_sha256: str | None = None
    media_sha256: tuple[str, ...] = ()
    collected_at: str | None = None
    collector: str | None = None

    @property
    def key(self) -> str:
        """The same post version (or media file of a post) is appended once, however often it arrives."""
        if self.kind == "media":
            return sha256_json(["media", list(self.media_sha256), self.post_id])
        return sha256_json(["post", self.post_id, self.version, self.raw_sha256])


def compute_hash(entry: Mapping[str, Any]) -> str:
    return sha256_json({k: v for k, v in entry.items() if k != "entry_hash"})


def entry_problem(entry: Mapping[str, Any]) -> str | None:
    """Why an entry does not check out by itself, or None."""
    if not isinstance(entry.get("seq"), int) or not isinstance(entry.get("prev_hash"), str):
        return "not a chain entry (seq or prev_hash missing)"
    if compute_hash(entry) != entry.get("entry_hash"):
        return "entry_hash does not match the entry's content"
    return None


def link_problem(prev: Mapping[str, Any] | None, entry: Mapping[str, Any]) -> str | None:
    """Why ``entry`` does not follow ``prev`` (None: the genesis), or None."""
    if prev is None:
        return None if entry.get("seq") == 1 and entry.get("prev_hash") == GENESIS else "does not start the chain"
    if entry.get("seq") != prev.get("seq", 0) + 1:
        return f"follows seq {prev.get('seq')} but is seq {entry.get('seq')}"
    if entry.get("prev_hash") != prev.get("entry_hash"):
        return f"prev_hash is not the entry_hash of seq {prev.get('seq')}"
    return None


@dataclass
class ChainCheck:
    checked: int = 0
    problems: list[str] = field(default_factory=list)


class Chain:
    """One writer's (or reader's) view of the log; any number of them may append at once."""

    def __init__(self, es: Elasticsearch, settings: DozorSettings, *, clock: Callable[[], datetime] = utcnow) -> None:
        self.es = es
        self.index = evidence_index(settings)
        self.roots = roots_index(settings)
        self.clock = clock
        self._head: dict[str, Any] | None = None
        self._head_read = False
        self._ready = False

    def ensure_indices(self) -> None:
        if self._ready:
            return
        for name, mappings in ((self.index, ENTRY_MAPPINGS), (self.roots, ROOT_MAPPINGS)):
            try:
                self.es.indices.create(
                    index=name, mappings=mappings, settings={"number_of_shards": 1, "number_of_replicas": 0}
                )
            except BadRequestError as exc:
                if exc.error != "resource_already_exists_exception":
                    raise
        self._ready = True

    # ---- reading -------------------------------------------------------------------------------

    def get_many(self, seqs: Iterable[int]) -> dict[int, dict[str, Any]]:
        """Entries by seq, read in real time; missing ones are absent from the answer."""
        self.ensure_indices()
        ids = [doc_id(s) for s in seqs]
        found: dict[int, dict[str, Any]] = {}
        for start in range(0, len(ids), 1000):
            resp = self.es.mget(index=self.index, ids=ids[start : start + 1000])
            for doc in resp["docs"]:
                if doc.get("found"):
                    found[int(doc["_id"])] = doc["_source"]
        return found

    def head(self) -> dict[str, Any] | None:
        """The last entry (None for an empty chain), as of now."""
        if not self._head_read:
            self.ensure_indices()
            self.es.indices.refresh(index=self.index)
            hits = self.es.search(index=self.index, sort=[{"seq": "desc"}], size=1)["hits"]["hits"]
            self._head = hits[0]["_source"] if hits else None
            self._head_read = True
        while True:  # a search may lag behind: follow the ids forward in real time
            seq = self._head["seq"] if self._head else 0
            ahead = self.get_many(range(seq + 1, seq + 1 + _PROBE))
            n = 0
            while seq + n + 1 in ahead:
                n += 1
            if n == 0:
                return self._head
            self._head = ahead[seq + n]

    def known(self, keys: Iterable[str]) -> set[str]:
        """Which of these record keys the log already holds."""
        wanted = sorted(set(keys))
        if not wanted:
            return set()
        self.ensure_indices()
        self.es.indices.refresh(index=self.index)
        seen: set[str] = set()
        for start in range(0, len(wanted), 5000):
            part = wanted[start : start + 5000]
            resp = self.es.search(
                index=self.index,
                query={"terms": {"key": part}},
                size=len(part),
                source_includes=["key"],
                track_total_hits=False,
            )
            seen.update(h["_source"]["key"] for h in resp["hits"]["hits"])
        return seen

    def for_post(self, post_id: str) -> list[dict[str, Any]]:
        """Every entry about a post (its versions and media files), in chain order."""
        self.ensure_indices()
        self.es.indices.refresh(index=self.index)
        resp = self.es.search(index=self.index, query={"term": {"post_id": post_id}}, sort=["seq"], size=10_000)
        return [h["_source"] for h in resp["hits"]["hits"]]

    def iter_range(self, first: int, last: int) -> Iterator[tuple[int, dict[str, Any] | None]]:
        """(seq, entry or None when missing) for first..last, read in real time."""
        for start in range(first, last + 1, 1000):
            seqs = range(start, min(start + 1000, last + 1))
            found = self.get_many(seqs)
            for seq in seqs:
                yield seq, found.get(seq)

    def verify(self, first: int = 1, last: int | None = None) -> ChainCheck:
        """Check entries first..last (default: to the head): each hash, each link, no gap."""
        check = ChainCheck()
        if last is None:
            head = self.head()
            last = head["seq"] if head else 0
        prev = self.get_many([first - 1]).get(first - 1) if first > 1 else None
        for seq, entry in self.iter_range(first, last):
            if entry is None:
                check.problems.append(f"seq {seq}: missing")
                prev = None
                continue
            check.checked += 1
            problem = entry_problem(entry)
            if problem is None and entry.get("seq") != seq:
                problem = f"stored under id {doc_id(seq)} but says seq {entry.get('seq')}"
            if problem is None and (seq == 1 or prev is not None):
                problem = link_problem(prev, entry)
            if problem is not None:
                check.problems.append(f"seq {seq}: {problem}")
            prev = entry
        return check

    # ---- appending -----------------------------------------------------------------------------

    def append(self, record: Record) -> dict[str, Any]:
        """Append one entry at the head; returns it as stored."""
        # This writer's last entry is the head unless another writer appended since: then the create
        # answers 409 and the head is read again.
        head = self._head if self._head_read else self.head()
        for _ in range(_MAX_ATTEMPTS):
            entry = self._entry(record, head)
            try:
                self.es.create(index=self.index, id=doc_id(entry["seq"]), document=entry)
            except ConflictError:
                stored = self.get_many([entry["seq"]]).get(entry["seq"])
                if stored is not None and stored.get("entry_hash") == entry["entry_hash"]:
                    self._head = stored  # our own create, answered 409 on the client's retry
                    return stored
                head = self.head()  # another writer appended first
                continue
            self._head = entry
            return entry
        raise DozorError(f"could not append to {self.index} after {_MAX_ATTEMPTS} attempts")

    def _entry(self, record: Record, head: Mapping[str, Any] | None) -> dict[str, Any]:
        # Append times never go backwards along the chain (clocks of writers differ), so each day is one
        # run of sequence numbers and the daily root covers exactly that run.
        appended_at = iso(self.clock())
        if head is not None and str(head.get("appended_at", "")) > appended_at:
            appended_at = str(head["appended_at"])
        entry: dict[str, Any] = {
            "seq": head["seq"] + 1 if head else 1,
            "key": record.key,
            "post_id": record.post_id,
            "version": record.version,
            "kind": record.kind,
            "raw_sha256": record.raw_sha256,
            "media_sha256": list(record.media_sha256),
            "collected_at": record.collected_at,
            "collector": record.collector,
            "dozor_version": __version__,
            "appended_at": appended_at,
            "prev_hash": head["entry_hash"] if head else GENESIS,
        }
        entry["entry_hash"] = compute_hash(entry)
        return entry
