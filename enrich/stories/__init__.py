"""Stories: posts that say the same thing (cross-posts, reposts with a line or a link added, edits, Uzbek
in the other script) share a ``story`` id, the id of the story's first post. See :mod:`.minhash` for
the signature and :mod:`.assign` for how a post finds its story."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from dozor.records import doc_id
from enrich.analysis import tokenize
from enrich.stories.assign import MemoryStore, Post, StoryAssigner, StoryStore
from enrich.stories.minhash import signatures, texts_of

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


def assign_records(
    assigner: StoryAssigner,
    records: Sequence[dict[str, Any]],
    ids: Sequence[str],
    words: Sequence[list[str] | None] | None = None,
) -> None:
    """Set ``story`` on enriched records (their ``text_norm`` and ``ocr_norm``), in place. A ``new`` may
    start a story; an ``edit`` only finds one (the indexer keeps a stored post's story: edits never split
    it); a ``delete`` has no text and gets none. ``words``: each record's words of its ``text_norm``, when
    the caller has them from the enrichment (they are not split again)."""
    todo: list[tuple[dict[str, Any], str, bool]] = []
    texts: list[list[list[str]]] = []
    for n, (record, post_id) in enumerate(zip(records, ids, strict=True)):
        event = record.get("event", "new")
        if event == "delete":
            continue
        todo.append((record, post_id, event != "edit"))
        own = texts_of(record)
        given = words[n] if words is not None else None
        if given is not None and own and own[0] == record.get("text_norm"):
            texts.append([given, *map(tokenize, own[1:])])
        else:
            texts.append(list(map(tokenize, own)))
    sigs = signatures(texts)
    posts = [Post(post_id, sig, claims=claims) for (_, post_id, claims), sig in zip(todo, sigs, strict=True)]
    assigner.assign(posts)
    for (record, _, _), post in zip(todo, posts, strict=True):
        record["story"] = post.story
