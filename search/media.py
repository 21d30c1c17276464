"""A post's media list in the index, as pure functions: what ``posts.raw``'s summary, ``posts.media`` and
``posts.media.ocr`` each say about a post's files, merged so that the order they arrive in does not matter.

The post document holds ``media``: a list of items (the ``MediaItem`` fields, plus ``phash_bands`` for
near-duplicate lookup and, after OCR, ``ocr_fields``: the image text's normalized and stemmed forms and its
topics). Where an item comes from:
- ``posts.raw``'s ``media`` summary (``{type, mime_type, size, ...}``) becomes a placeholder: status
  ``pending`` for an attachment with a file (a file event is to come, or never will under ``media: none``),
  ``no_file`` for one without (a web page preview, a poll, a place, a contact);
- a ``posts.media`` event's item as it is (stored with its SHA-256, or why not);
- a ``posts.media.ocr`` event's item: the same file with ``phash``, ``ocr_text`` and ``ocr_lang``.

:func:`merge` is a join over the set of items seen (commutative, associative, idempotent): items are
grouped by key (their SHA-256, or their type when they have none: a post has one attachment and its
thumbnail); within a group the weightiest item's fields win and the others fill what it lacks; a
placeholder or a file-less item of a type gives way to an item of that type with a file. Expiry is
sticky: a report of a file whose hash an item lists in ``expired_sha256`` (retention deleted its blob) is
dropped, so a replay of ``posts.media`` never brings the file back as ``stored``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson
from pydantic import BaseModel

from dozor import topics
from dozor.records import MediaEvent, MediaItem
from dozor.topics import Topic

MEDIA_OCR = "posts.media.ocr"  # the OCR stage's output: MediaEvent records with the image text
# What the indexer reads beside posts.enriched (the OCR stage's records are MediaEvents with extra keys).
MEDIA_TOPICS = (topics.MEDIA, Topic(MEDIA_OCR, MediaEvent))
PENDING = "pending"  # the post has a file of this type; no posts.media event for it yet
NO_FILE = "no_file"  # an attachment without a file of its own
PLACEHOLDERS = frozenset({PENDING, NO_FILE})
FILE_TYPES = frozenset(
    {"photo", "video", "video_note", "animation", "document", "audio", "voice", "sticker", "thumbnail"}
)
ITEM_FIELDS: tuple[str, ...] = tuple(MediaItem.model_fields)
# Which of two reports of one file wins: a later stage's verdict on the bytes (missing from the store,
# not a usable image) over the capture's; a report of the file over a placeholder.
_RANK = {PENDING: 0, NO_FILE: 0, "failed": 1, "skipped": 2, "stored": 3, "missing": 4, "rejected": 5, "expired": 6}
EXPIRED = "expired"  # search/retention.py dropped the file; its hashes are kept in `expired_sha256`
# posts.raw summary keys -> item fields
_SUMMARY_KEYS = {"mime_type": "mime", "mime": "mime", "size": "size", "width": "width", "height": "height"}
_SUMMARY_KEYS["file_name"] = "file_name"
PHASH_BANDS = 4
NEAR = 4  # bits: re-encoded, resized or brightened copies of an image stay within it (media/phash.py)


def phash_bands(value: str) -> list[str]:
    """A 64-bit pHash (16 hex digits) cut into 4 keywords of 16 bits, each prefixed by its position: two
    hashes within 3 bits share at least one (the near-duplicate lookup, media/phash.py)."""
    width = len(value) // PHASH_BANDS
    return [f"{i}:{value[i * width : (i + 1) * width]}" for i in range(PHASH_BANDS)]


def check_phash(value: str) -> str:
    """A perceptual hash as typed (16 hex digits), lowercased; ValueError naming the problem otherwise."""
    text = value.strip().lower()
    if len(text) != 16 or any(c not in "0123456789abcdef" for c in text):
        raise ValueError(f"a perceptual hash is 16 hex digits, got {value!r}")
    return text


def hamming(a: str, b: str) -> int:
    """Bits that differ between two perceptual hashes."""
    return (int(check_phash(a), 16) ^ int(check_phash(b), 16)).bit_count()


def summary_items(summary: Any) -> list[dict[str, Any]]:
    """The placeholder for a ``posts.raw`` media summary (None: no attachment)."""
    if isinstance(summary, BaseModel):
        summary = summary.model_dump()
    if not isinstance(summary, Mapping) or not isinstance(summary.get("type"), str):
        return []
    kind = str(summary["type"])
    item: dict[str, Any] = {"type": kind, "status": PENDING if kind in FILE_TYPES else NO_FILE}
    for src, dst in _SUMMARY_KEYS.items():
        value = summary.get(src)
        if value is not None and dst not in item and isinstance(value, int | str):
            item[dst] = value
    return [item]


def event_item(item: MediaItem, ocr: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """An item from a ``posts.media`` event, or from ``posts.media.ocr`` with its enriched image text
    (``ocr``: the event's ``ocr_norm``, ``ocr_stem``, ``ocr_topic_hits``)."""
    out = {k: v for k, v in item.model_dump(mode="json", include=set(ITEM_FIELDS)).items() if v is not None}
    if item.phash:
        out["phash_bands"] = phash_bands(item.phash)
    if ocr is not None and item.ocr_text is not None:
        hits = ocr.get("ocr_topic_hits")
        out["ocr_fields"] = {
            "norm": str(ocr.get("ocr_norm") or ""),
            "stem": str(ocr.get("ocr_stem") or ""),
            "topic_hits": {str(k): [str(t) for t in v] for k, v in hits.items()} if isinstance(hits, dict) else {},
        }
    return out


def stored_items(value: Any) -> list[dict[str, Any]]:
    """A stored document's ``media``: the list, or an older document's summary object."""
    if isinstance(value, list):
        return [dict(v) for v in value if isinstance(v, Mapping) and isinstance(v.get("type"), str)]
    return summary_items(value)


def key(item: Mapping[str, Any]) -> str:
    sha = item.get("sha256")
    return f"sha256:{sha}" if sha else f"type:{item.get('type')}"


def _weight(item: Mapping[str, Any]) -> tuple[int, bool, bytes]:
    # The canonical JSON last: a total order, so the winner never depends on the arrival order.
    status = _RANK.get(str(item.get("status")), 1)
    return status, item.get("ocr_text") is not None, orjson.dumps(item, option=orjson.OPT_SORT_KEYS)


def _join(group: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """One item from every report of it: the weightiest one's fields, the gaps filled by the others."""
    out: dict[str, Any] = {}
    for item in sorted(group, key=_weight, reverse=True):
        for name, value in item.items():
            if value is not None and name not in out:
                out[name] = value
    return out


def _order(item: Mapping[str, Any]) -> tuple[bool, str, str]:
    return item.get("type") == "thumbnail", str(item.get("type")), key(item)


def expired_hashes(items: Iterable[Mapping[str, Any]]) -> set[str]:
    """The hashes of the files retention expired, as the items record them."""
    return {str(h) for item in items for h in (item.get("expired_sha256") or ()) if h}


def _expired(item: Mapping[str, Any], gone: set[str]) -> bool:
    return any(item.get(f) in gone for f in ("sha256", "thumb_sha256") if item.get(f))


def merge(*lists: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The post's media list from every list of items seen, in any order and any grouping."""
    seen = [item for items in lists for item in items]
    gone = expired_hashes(seen)
    groups: dict[str, list[Mapping[str, Any]]] = {}
    for item in seen:
        if not _expired(item, gone):
            groups.setdefault(key(item), []).append(item)
    joined = [_join(g) for g in groups.values()]
    real = {i["type"] for i in joined if i.get("status") not in PLACEHOLDERS}
    with_file = {i["type"] for i in joined if i.get("sha256")}
    kept = [
        i
        for i in joined
        if not (i.get("status") in PLACEHOLDERS and i["type"] in real)
        and not (not i.get("sha256") and i["type"] in with_file)
    ]
    return sorted(kept, key=_order)


def derived(items: Sequence[Mapping[str, Any]], text_topics: Sequence[str]) -> dict[str, Any]:
    """The post fields that follow from its media list: the image text to search (one value per image,
    so a phrase never spans two images), its topic hits, and the post's topics (the text's, then the
    images')."""
    norm: list[str] = []
    stem: list[str] = []
    hits: dict[str, set[str]] = {}
    for item in items:
        fields = item.get("ocr_fields")
        if not isinstance(fields, Mapping):
            continue
        if fields.get("norm") and fields["norm"] not in norm:
            norm.append(str(fields["norm"]))
        if fields.get("stem") and fields["stem"] not in stem:
            stem.append(str(fields["stem"]))
        for topic, terms in (fields.get("topic_hits") or {}).items():
            hits.setdefault(str(topic), set()).update(str(t) for t in terms)
    topics = list(dict.fromkeys([*text_topics, *sorted(hits)]))
    return {
        "media": [dict(i) for i in items],
        "ocr_norm": norm,
        "ocr_stem": stem,
        "ocr_topic_hits": {t: sorted(terms) for t, terms in sorted(hits.items())},
        "topics": topics,
    }


def public(item: Mapping[str, Any]) -> dict[str, Any]:
    """An item as search hits show it: the ``MediaItem`` fields that are set."""
    return {k: item[k] for k in ITEM_FIELDS if item.get(k) is not None}


@dataclass(frozen=True)
class MediaUpdate:
    """A ``posts.media`` or ``posts.media.ocr`` event as the indexer applies it to its post."""

    doc_id: str
    channel: dict[str, Any]
    message_id: int
    date: datetime | None
    collected_at: datetime
    item: dict[str, Any]
    event: str = "media"


def media_update(event: MediaEvent) -> MediaUpdate:
    """The update a media event makes; an OCR event (``posts.media.ocr``) carries the enriched image text
    beside its item (``ocr_norm``, ``ocr_stem``, ``ocr_topic_hits``)."""
    # Declared fields of the OCR stage's record, or extra keys of a plain MediaEvent: the same JSON.
    ocr = event.model_dump(mode="json", include={"ocr_norm", "ocr_stem", "ocr_topic_hits"}) or None
    return MediaUpdate(
        doc_id=event.doc_id,
        channel=event.channel.model_dump(mode="json"),
        message_id=event.message_id,
        date=event.date,
        collected_at=event.collected_at,
        item=event_item(event.item, ocr),
    )
