"""Daily roots (``<prefix>-evidence-roots``, id YYYY-MM-DD).

A day's entries are one run of sequence numbers (append times never go backwards along the chain). Its
root is the RFC 9162 Merkle tree hash over their entry hashes in seq order (:mod:`evidence.merkle`): an
entry's inclusion is proven with ~log2(n) hashes, where "the day's last entry hash" as the root would need
every entry after it in the bundle. The root statement also names that last entry hash, which through the
prev links commits to the whole chain before it. The statement's canonical JSON is what the optional
RFC 3161 timestamp covers.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from elasticsearch import ConflictError, NotFoundError

from dozor import __version__
from dozor.errors import DozorError, UsageError
from evidence import merkle, tsa
from evidence.chain import Chain, iso
from evidence.hashing import canonical_json
from evidence.settings import EvidenceSettings

STATEMENT_FIELDS = ("day", "first_seq", "last_seq", "count", "construction", "root", "last_entry_hash")


def statement(doc: dict[str, Any]) -> dict[str, Any]:
    """The part of a root document that its timestamp covers."""
    return {k: doc.get(k) for k in STATEMENT_FIELDS}


def statement_bytes(doc: dict[str, Any]) -> bytes:
    return canonical_json(statement(doc))


def tsa_response(doc: dict[str, Any]) -> bytes | None:
    stamp = doc.get("tsa") or {}
    raw = stamp.get("response")
    return base64.b64decode(raw) if raw else None


@dataclass(frozen=True)
class Sealed:
    day: str
    doc: dict[str, Any]
    outcome: str  # "sealed", "already sealed", "timestamped"

    def line(self) -> str:
        d = self.doc
        stamp = d.get("tsa")
        when = f"; timestamped {stamp['gen_time']} by {stamp['url']}" if stamp else ""
        return (
            f"{self.day}: {self.outcome}: root {d['root']} over seq {d['first_seq']}-{d['last_seq']} "
            f"({d['count']} entries){when}"
        )


def _day_start(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def day_hashes(chain: Chain, first: int, last: int) -> list[str]:
    """The entry hashes of seq first..last in order (real-time reads; raises on a gap)."""
    hashes = []
    for start in range(first, last + 1, 5000):
        ids = [f"{s:012d}" for s in range(start, min(start + 5000, last + 1))]
        docs = chain.es.mget(index=chain.index, ids=ids, source_includes=["entry_hash"])["docs"]
        for doc in docs:
            if not doc.get("found"):
                raise DozorError(f"evidence log: seq {int(doc['_id'])} is missing")
            hashes.append(str(doc["_source"]["entry_hash"]))
    return hashes


def _day_range(chain: Chain, day: date) -> tuple[int, int] | None:
    """The first and last seq appended on ``day`` (UTC), or None."""
    chain.ensure_indices()
    chain.es.indices.refresh(index=chain.index)
    start = _day_start(day)
    resp = chain.es.search(
        index=chain.index,
        query={"range": {"appended_at": {"gte": iso(start), "lt": iso(start + timedelta(days=1))}}},
        size=0,
        aggs={"first": {"min": {"field": "seq"}}, "last": {"max": {"field": "seq"}}},
    )
    aggs = resp["aggregations"]
    if aggs["first"]["value"] is None:
        return None
    first, last = int(aggs["first"]["value"]), int(aggs["last"]["value"])
    # The search sees what was refreshed; the real-time neighbours confirm that the run is whole.
    after = chain.get_many([last + 1]).get(last + 1)
    if after is not None and str(after["appended_at"])[:10] <= day.isoformat():
        raise DozorError(f"evidence log: seq {last + 1} was appended on {day} after the search; seal again")
    return first, last


def build_root(chain: Chain, day: date, now: datetime) -> dict[str, Any] | None:
    """The root document for a day (checked: every entry's hash and link), or None for an empty day."""
    span = _day_range(chain, day)
    if span is None:
        return None
    first, last = span
    check = chain.verify(first, last)
    if check.problems:
        shown = "; ".join(check.problems[:3])
        more = f" (and {len(check.problems) - 3} more)" if len(check.problems) > 3 else ""
        raise DozorError(f"evidence log does not check out on {day}: {shown}{more}")
    hashes = day_hashes(chain, first, last)
    return {
        "day": day.isoformat(),
        "first_seq": first,
        "last_seq": last,
        "count": len(hashes),
        "construction": merkle.CONSTRUCTION,
        "root": merkle.root(hashes),
        "last_entry_hash": hashes[-1],
        "sealed_at": iso(now),
        "dozor_version": __version__,
        "tsa": None,
    }


def _stamp(doc: dict[str, Any], settings: EvidenceSettings) -> dict[str, Any] | None:
    if settings.evidence_tsa_url is None:
        return None
    ca = settings.evidence_tsa_ca.read_bytes() if settings.evidence_tsa_ca is not None else None
    return tsa.timestamp(str(settings.evidence_tsa_url), statement_bytes(doc), ca, settings.evidence_tsa_timeout_s)


def get_root(chain: Chain, day: str) -> dict[str, Any] | None:
    chain.ensure_indices()
    try:
        return dict(chain.es.get(index=chain.roots, id=day)["_source"])
    except NotFoundError:
        return None


def seal(chain: Chain, settings: EvidenceSettings, day: date, now: datetime) -> Sealed | None:
    """Seal one finished day (None when nothing was appended on it). Sealing again is a no-op, or adds
    the timestamp a root lacks; a root that no longer matches the log is an error."""
    if now < _day_start(day) + timedelta(days=1, seconds=settings.evidence_seal_grace_s):
        raise UsageError(
            f"{day} is not over yet (UTC, plus DOZOR_EVIDENCE_SEAL_GRACE_S={settings.evidence_seal_grace_s:g}s)"
        )
    doc = build_root(chain, day, now)
    if doc is None:
        return None
    key = day.isoformat()
    existing = get_root(chain, key)
    if existing is None:
        doc["tsa"] = _stamp(doc, settings)
        try:
            chain.es.create(index=chain.roots, id=key, document=doc, refresh=True)
            return Sealed(key, doc, "sealed")
        except ConflictError:  # another sealer was first
            existing = get_root(chain, key)
            assert existing is not None
    if statement(existing) != statement(doc):
        raise DozorError(
            f"{key} was sealed with root {existing.get('root')} but the log now gives {doc['root']}: "
            "the log was changed after sealing"
        )
    if existing.get("tsa") is None and settings.evidence_tsa_url is not None:
        existing["tsa"] = _stamp(existing, settings)
        chain.es.index(index=chain.roots, id=key, document=existing, refresh=True)
        return Sealed(key, existing, "timestamped")
    return Sealed(key, existing, "already sealed")


def days_to_seal(chain: Chain, settings: EvidenceSettings, now: datetime) -> list[date]:
    """Finished days with entries and no root yet, oldest first."""
    chain.ensure_indices()
    chain.es.indices.refresh(index=[chain.index, chain.roots])
    resp = chain.es.search(
        index=chain.index,
        size=0,
        aggs={"days": {"date_histogram": {"field": "appended_at", "calendar_interval": "day", "min_doc_count": 1}}},
    )
    days = [date.fromisoformat(b["key_as_string"][:10]) for b in resp["aggregations"]["days"]["buckets"]]
    cutoff = now - timedelta(days=1, seconds=settings.evidence_seal_grace_s)
    finished = [d for d in days if _day_start(d) <= cutoff]
    if not finished:
        return []
    sealed = chain.es.mget(index=chain.roots, ids=[d.isoformat() for d in finished])["docs"]
    return [d for d, doc in zip(finished, sealed, strict=True) if not doc.get("found")]


def check_roots(chain: Chain) -> list[str]:
    """Problems of stored roots against the log as it is now (each recomputed)."""
    chain.ensure_indices()
    chain.es.indices.refresh(index=chain.roots)
    hits = chain.es.search(index=chain.roots, size=10_000, sort=[{"day": "asc"}])["hits"]["hits"]
    problems = []
    for hit in hits:
        doc = hit["_source"]
        try:
            hashes = day_hashes(chain, int(doc["first_seq"]), int(doc["last_seq"]))
        except DozorError as exc:
            problems.append(f"root {hit['_id']}: {exc}")
            continue
        if merkle.root(hashes) != doc.get("root") or hashes[-1] != doc.get("last_entry_hash"):
            problems.append(
                f"root {hit['_id']}: does not match the entries of seq {doc['first_seq']}-{doc['last_seq']}"
            )
        stamp = tsa_response(doc)
        if stamp is not None:
            ca = (doc.get("tsa") or {}).get("ca_pem")
            problem = tsa.check(stamp, statement_bytes(doc), ca.encode() if ca else None)
            if problem is not None:
                problems.append(f"root {hit['_id']}: {problem}")
    return problems
