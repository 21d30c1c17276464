"""Stories: posts that say the same thing (cross-posts, reposts with a line or a link added, edits, Uzbek
in the other script) share a ``story`` id, the id of the story's first post. See :mod:`.minhash` for
the signature and :mod:`.assign` for how a post finds its story."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from dozor.records import doc_id
from enrich.stories.assign import MemoryStore, Post, StoryAssigner, StoryStore
from enrich.stories.minhash import signature, texts_of

__all__ = ["MemoryStore", "StoryAssigner", "StoryStore", "assign_records", "record_id"]


def record_id(record: dict[str, Any]) -> str | None:
    """A record's post id: its ``id``, or ``tg:{channel.id}:{message_id}``."""
    if isinstance(record.get("id"), str):
        return str(record["id"])
    channel = record.get("channel")
    cid = channel.get("id") if isinstance(channel, dict) else None
    mid = record.get("message_id")
    if isinstance(cid, int) and isinstance(mid, int):
        return doc_id(cid, mid)
    return None


def assign_records(assigner: StoryAssigner, records: Sequence[dict[str, Any]], ids: Sequence[str]) -> None:
    """Set ``story`` on enriched records (their ``text_norm`` and ``ocr_norm``), in place. A ``new`` may
    start a story; an ``edit`` only finds one (the indexer keeps a stored post's story: edits never split
    it); a ``delete`` has no text and gets none."""
    todo: list[tuple[dict[str, Any], Post]] = []
    for record, post_id in zip(records, ids, strict=True):
        event = record.get("event", "new")
        if event == "delete":
            continue
        todo.append((record, Post(post_id, signature(*texts_of(record)), claims=event != "edit")))
    assigner.assign([post for _, post in todo])
    for record, post in todo:
        record["story"] = post.story
