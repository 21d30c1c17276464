"""Event order, as pure decisions (docs/architecture.md, "Event order").

Given a post event and what the index holds for that id, say which writes to make:
- a re-sent ``new`` never overwrites a stored post's text or deletion state; it may refresh counters;
- an ``edit`` applies only if its ``edit_date`` is newer than the stored one, and appends a version;
- a ``delete`` sets ``deleted_at`` once;
- an edit or delete for a post never seen is stored as such (a stub with what is known);
- a media or OCR event (:class:`search.media.MediaUpdate`) merges its item into the post's media list
  (:func:`search.media.merge`: the same list whatever the order) and sets ``indexed_at`` when the list
  changed, so alert rules see the post again; for a post not stored yet it creates a stub that the
  ``new`` completes. A ``new`` or an ``edit`` merges its media summary into the list, never replaces it.
Writes go to the index where the post lives; a post not stored yet goes to its month's index.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from functools import lru_cache
from typing import Any, Literal

from dozor.records import EDITABLE_FIELDS, EnrichedPost, Enrichment
from search.channel_refs import REF_FIELDS, post_refs
from search.media import MediaUpdate, derived, merge, summary_items

CONTENT_FIELDS = (*EDITABLE_FIELDS, *Enrichment.model_fields)  # what an edit replaces
COUNTER_FIELDS = ("views", "forwards", "reactions")
MEDIA_DERIVED = ("media", "topics", "ocr_norm", "ocr_stem", "ocr_topic_hits")  # search/media.py: derived


@dataclass(frozen=True)
class Stored:
    """What the decisions need to know about the stored document."""

    index: str
    edit_date: datetime | None = None
    deleted_at: datetime | None = None
    stub: bool = False
    date: datetime | None = None
    text: str = ""
    lang: str = "und"
    topics: tuple[str, ...] = ()
    counters: tuple[Any, ...] = (None, None, None)
    media: tuple[dict[str, Any], ...] = ()


@dataclass(frozen=True)
class Write:
    """One bulk action: ``index`` a whole document, ``create`` it only if the id is free, or ``update``
    with a partial one (upsert if gone)."""

    op: Literal["index", "create", "update"]
    index: str
    id: str
    doc: dict[str, Any]
    upsert: dict[str, Any] | None = None


@dataclass(frozen=True)
class Names:
    alias: str
    versions: str

    def month_index(self, when: datetime) -> str:
        return f"{self.alias}-{when.year:04d}.{when.month:02d}"


def decide(
    post: EnrichedPost | MediaUpdate, stored: Stored | None, now: datetime, names: Names
) -> tuple[list[Write], Stored | None]:
    """The writes for one event, and the stored state after them (for the next event of the batch)."""
    if isinstance(post, MediaUpdate):
        return _media(post, stored, now, names)
    if post.event == "delete":
        return _delete(post, stored, now, names)
    if post.event == "edit":
        return _edit(post, stored, now, names)
    return _new(post, stored, now, names)


def create(post: EnrichedPost, now: datetime, names: Names) -> Write:
    """A ``new`` for a post not known to be stored: create-only in its month's index. When the id is
    taken there, the caller reads the stored document and asks :func:`decide` instead."""
    return Write("create", names.month_index(post.date or post.collected_at), post.doc_id, full_doc(post, now))


def created_state(post: EnrichedPost, index: str) -> Stored:
    """The stored state a successful :func:`create` left."""
    return _state(post, index)


@lru_cache(maxsize=64)  # the batch's `now` is formatted once, not once per post
def _iso(value: datetime) -> str:
    return value.isoformat().replace("+00:00", "Z")


def full_doc(post: EnrichedPost, now: datetime) -> dict[str, Any]:
    doc = post.model_dump(mode="json", by_alias=True)
    doc.pop("schema", None)
    doc["id"] = post.doc_id
    doc["stub"] = False
    doc["reactions_total"] = sum(post.reactions.values())
    doc["indexed_at"] = _iso(now)
    if post.media is None:  # most posts: what media_fields gives for no attachment, without merging nothing
        doc["media"] = None
        doc["topics"] = list(post.topics)
    else:
        doc.update(media_fields(merge(summary_items(post.media)), post.topics))
    doc.update(post_refs(doc))
    return doc


def media_fields(items: list[dict[str, Any]], topics: list[str] | tuple[str, ...]) -> dict[str, Any]:
    """The post's media list and what follows from it (search/media.py); no attachment: ``media`` null."""
    return derived(items, topics) if items else {"media": None, "topics": list(topics)}


def _with_media(doc: dict[str, Any], post: EnrichedPost, stored: Stored | None) -> list[dict[str, Any]]:
    """A whole document of ``post`` keeps the media list stored before it (a stub's, from media events)."""
    items = merge(stored.media if stored is not None else (), summary_items(post.media))
    doc.update(media_fields(items, post.topics))
    return items


def stub_doc(post: EnrichedPost, now: datetime) -> dict[str, Any]:
    """What is known of a post seen only through its deletion."""
    return {
        "id": post.doc_id,
        "source": post.source,
        "event": post.event,
        "stub": True,
        "channel": post.channel.model_dump(mode="json"),
        "message_id": post.message_id,
        "date": _iso(post.date) if post.date else None,
        "collected_at": _iso(post.collected_at),
        "text": "",
        "deleted_at": _iso(post.collected_at),
        "indexed_at": _iso(now),
    }


def _home(post: EnrichedPost, stored: Stored | None, names: Names) -> str:
    if stored is not None:
        return stored.index
    return names.month_index(post.date or post.collected_at)


def _state(post: EnrichedPost, index: str, **changes: Any) -> Stored:
    fields: dict[str, Any] = {
        "index": index,
        "edit_date": post.edit_date,
        "date": post.date,
        "text": post.text,
        "lang": post.lang,
        "topics": tuple(post.topics),
        "counters": _counters(post),
        "media": tuple(merge(summary_items(post.media))),
    }
    fields.update(changes)
    return Stored(**fields)


def _counters(post: EnrichedPost) -> tuple[Any, ...]:
    return (post.views, post.forwards, dict(post.reactions))


def _new(post: EnrichedPost, stored: Stored | None, now: datetime, names: Names) -> tuple[list[Write], Stored | None]:
    index = _home(post, stored, names)
    if stored is None or stored.stub:
        doc = full_doc(post, now)
        items = _with_media(doc, post, stored)
        deleted_at = stored.deleted_at if stored is not None else None
        if deleted_at is not None:
            doc["deleted_at"] = _iso(deleted_at)
        state = _state(post, index, deleted_at=deleted_at, media=tuple(items))
        return [Write("index", index, post.doc_id, doc)], state
    writes: list[Write] = []
    if stored.edit_date is not None and post.text:
        # The edit came first (out of order): this is the text as first posted, kept as history.
        writes.append(_version(post, names, "original", post.date, post.text, None, now))
    partial: dict[str, Any] = {}
    counters = _counters(post)
    if post.views is not None and counters != stored.counters:
        partial.update(
            views=post.views,
            forwards=post.forwards,
            reactions=post.reactions,
            reactions_total=sum(post.reactions.values()),
        )
        stored = replace(stored, counters=counters)
    items = merge(stored.media, summary_items(post.media))
    if items != list(stored.media):  # a summary the stored list did not have yet (never a loss)
        partial.update(media_fields(items, stored.topics))
        stored = replace(stored, media=tuple(items))
    if partial:
        upsert = full_doc(post, now)
        _with_media(upsert, post, stored)
        writes.insert(0, Write("update", index, post.doc_id, partial, upsert))
    return writes, stored


def _edit_time(post: EnrichedPost) -> datetime:
    return post.edit_date or post.collected_at


def _edit(post: EnrichedPost, stored: Stored | None, now: datetime, names: Names) -> tuple[list[Write], Stored | None]:
    when = _edit_time(post)
    if stored is not None and stored.edit_date is not None and when <= stored.edit_date:
        return [], stored  # stale or repeated edit
    index = _home(post, stored, names)
    doc = full_doc(post, now)
    doc["edit_date"] = _iso(when)
    writes: list[Write] = []
    if stored is not None and not stored.stub and stored.edit_date is None:
        writes.append(_version(post, names, "original", stored.date or post.date, stored.text, stored, now))
    writes.append(_version(post, names, "edit", when, post.text, None, now))
    items = _with_media(doc, post, stored)
    state = _state(post, index, edit_date=when, media=tuple(items))
    if stored is None or stored.stub:
        deleted_at = stored.deleted_at if stored is not None else None
        if deleted_at is not None:
            doc["deleted_at"] = _iso(deleted_at)
        writes.insert(0, Write("index", index, post.doc_id, doc))
        return writes, replace(state, deleted_at=deleted_at)
    partial = {
        k: doc[k] for k in (*CONTENT_FIELDS, *COUNTER_FIELDS, *REF_FIELDS, "reactions_total", "event", "indexed_at")
    }
    partial.update((k, doc[k]) for k in MEDIA_DERIVED if k in doc)
    if post.views is None:  # an edit event without counters keeps the stored ones
        for key in (*COUNTER_FIELDS, "reactions_total"):
            partial.pop(key)
    writes.insert(0, Write("update", index, post.doc_id, partial, doc))
    return writes, replace(state, deleted_at=stored.deleted_at, date=stored.date)


def _version(
    post: EnrichedPost,
    names: Names,
    kind: str,
    when: datetime | None,
    text: str,
    stored: Stored | None,
    now: datetime,
) -> Write:
    stamp = _iso(when) if when is not None else "unknown"
    doc = {
        "post_id": post.doc_id,
        "channel_id": post.channel.id,
        "message_id": post.message_id,
        "kind": kind,
        "version_at": _iso(when) if when is not None else None,
        "recorded_at": _iso(now),
        "text": text,
        "lang": stored.lang if stored is not None else post.lang,
        "topics": list(stored.topics) if stored is not None else post.topics,
    }
    if stored is None:
        doc["text_stem"] = post.text_stem
    # A deterministic id: replaying the same edit rewrites the same version, never a duplicate.
    return Write("index", names.versions, f"{post.doc_id}@{kind}:{stamp}", doc)


def _delete(
    post: EnrichedPost, stored: Stored | None, now: datetime, names: Names
) -> tuple[list[Write], Stored | None]:
    if stored is not None and stored.deleted_at is not None:
        return [], stored
    index = _home(post, stored, names)
    if stored is None:
        doc = stub_doc(post, now)
        return [Write("index", index, post.doc_id, doc)], Stored(
            index=index, deleted_at=post.collected_at, stub=True, date=post.date
        )
    partial = {"deleted_at": _iso(post.collected_at), "indexed_at": _iso(now)}
    return [Write("update", index, post.doc_id, partial, stub_doc(post, now))], replace(
        stored, deleted_at=post.collected_at
    )


def media_stub_doc(update: MediaUpdate, items: list[dict[str, Any]], now: datetime) -> dict[str, Any]:
    """What is known of a post seen only through its media so far; its ``new`` completes it."""
    doc: dict[str, Any] = {
        "id": update.doc_id,
        "source": "telegram",
        "stub": True,
        "channel": update.channel,
        "message_id": update.message_id,
        "date": _iso(update.date) if update.date else None,
        "collected_at": _iso(update.collected_at),
        "text": "",
        "indexed_at": _iso(now),
    }
    doc.update(media_fields(items, ()))
    return doc


def _media(
    update: MediaUpdate, stored: Stored | None, now: datetime, names: Names
) -> tuple[list[Write], Stored | None]:
    if stored is None:
        items = merge([update.item])
        index = names.month_index(update.date or update.collected_at)
        # Create-only: a post stored meanwhile (the lookup is near-real-time) answers 409 and the
        # update is decided again against it.
        state = Stored(index=index, stub=True, date=update.date, media=tuple(items))
        return [Write("create", index, update.doc_id, media_stub_doc(update, items, now))], state
    items = merge(stored.media, [update.item])
    if items == list(stored.media):
        return [], stored  # a re-delivery, or nothing new about the file
    partial = media_fields(items, stored.topics)
    partial["indexed_at"] = _iso(now)
    upsert = media_stub_doc(update, items, now)
    return [Write("update", stored.index, update.doc_id, partial, upsert)], replace(stored, media=tuple(items))
