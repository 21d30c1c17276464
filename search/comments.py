"""The comments a channel post received: the posts of its discussion group whose ``thread`` is that post
(ingest/collector.py collects them for channels with ``comments: true`` in the registry)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from elasticsearch import Elasticsearch

from dozor.records import doc_id
from dozor.settings import DozorSettings
from search import index as ix
from search.hits import SearchHit, hit_to_json

SHOWN = 200  # comments listed under a post; the count covers them all


@dataclass
class Comments:
    count: int = 0
    items: list[SearchHit] = field(default_factory=list)  # oldest first, deleted ones too (marked)


def thread_post_id(post: Mapping[str, Any]) -> str | None:
    """The id of the channel post a comment answers, or None for a post that is no comment."""
    thread = post.get("thread")
    if not isinstance(thread, Mapping):
        return None
    channel_id, message_id = thread.get("channel_id"), thread.get("message_id")
    return doc_id(channel_id, message_id) if isinstance(channel_id, int) and isinstance(message_id, int) else None


def comments_of(
    es: Elasticsearch, settings: DozorSettings, channel_id: int, message_id: int, *, limit: int = SHOWN
) -> Comments:
    """The comments on post ``message_id`` of channel ``channel_id``, in the order they were written."""
    resp = es.search(
        index=ix.posts_alias(settings),
        size=limit,
        track_total_hits=True,
        query={
            "bool": {
                "filter": [
                    {"term": {"thread.channel_id": channel_id}},
                    {"term": {"thread.message_id": message_id}},
                ]
            }
        },
        sort=[{"date": {"order": "asc", "missing": "_last"}}, {"message_id": "asc"}],
        ignore_unavailable=True,
        allow_no_indices=True,
    )
    hits = resp["hits"]
    return Comments(int(hits["total"]["value"]), [hit_to_json(h) for h in hits["hits"]])


def comments_on(es: Elasticsearch, settings: DozorSettings, post: Mapping[str, Any]) -> Comments:
    """The comments on a post (a stored document or a hit); none for a post without channel or message id."""
    channel = post.get("channel")
    channel_id = channel.get("id") if isinstance(channel, Mapping) else None
    message_id = post.get("message_id")
    if isinstance(channel_id, int) and isinstance(message_id, int):
        return comments_of(es, settings, channel_id, message_id)
    return Comments()
