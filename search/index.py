"""Index names and the index templates the project owns.

Posts live in monthly indices ``<prefix>-posts-YYYY.MM`` (by the post's original date) behind the
alias ``<prefix>-posts``; every edit is kept in ``<prefix>-post-versions``; saved searches live in
``<prefix>-searches``. The mappings use only what the minimal local node has: the standard and
whitespace analyzers and the ``lowercase`` normalizer.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from elasticsearch import BadRequestError, Elasticsearch

from dozor.settings import DozorSettings
from enrich.entities import KINDS as ENTITY_KINDS

TEMPLATE_VERSION = 2

_KW = {"type": "keyword", "ignore_above": 1024}
_LC_KW = {"type": "keyword", "ignore_above": 256, "normalizer": "dozor_lowercase"}
_WS_TEXT = {"type": "text", "analyzer": "whitespace"}
_STD_TEXT = {"type": "text", "analyzer": "standard"}
_STORED_ONLY = {"type": "object", "enabled": False}

POST_MAPPINGS: dict[str, Any] = {
    "dynamic": False,  # extra record fields stay in _source without growing the mapping
    "properties": {
        "id": _KW,
        "event": _KW,
        "source": _KW,
        "stub": {"type": "boolean"},
        "channel": {
            "properties": {
                "id": {"type": "long"},
                "username": _LC_KW,
                "title": {"type": "text", "fields": {"raw": _KW}},
                "category": _KW,
                "country": _LC_KW,
            }
        },
        "message_id": {"type": "long"},
        "date": {"type": "date"},
        "edit_date": {"type": "date"},
        "deleted_at": {"type": "date"},
        "indexed_at": {"type": "date"},
        "collected_at": {"type": "date"},
        "enriched_at": {"type": "date"},
        "text": _STD_TEXT,
        "text_norm": _WS_TEXT,
        "text_stem": _WS_TEXT,
        "lang": _KW,
        "lang_score": {"type": "float"},
        "script": _KW,
        "topics": _KW,
        "topic_hits": _STORED_ONLY,
        "entities": {  # kind -> normalized values (enrich.entities); dates named in the post as dates
            "dynamic": False,
            "properties": {kind: {"type": "date"} if kind == "date" else _KW for kind in ENTITY_KINDS},
        },
        "simhash": _KW,
        "links": _KW,
        "mentions": _LC_KW,
        "hashtags": _LC_KW,
        "forward": {"properties": {"from_id": {"type": "long"}, "from_name": _KW, "date": {"type": "date"}}},
        "reply_to": {"type": "long"},
        "grouped_id": {"type": "long"},
        "media": {"dynamic": False, "properties": {"type": _KW}},
        "views": {"type": "long"},
        "forwards": {"type": "long"},
        "reactions": _STORED_ONLY,
        "reactions_total": {"type": "long"},
        # Content kept beyond the schema-1 core (ingest): the signature, a poll (its words are also in
        # text_norm/text_stem), a sticker's emoji, the chat a message was saved from.
        "author": _LC_KW,
        "poll": {
            "properties": {
                "question": _STD_TEXT,
                "answers": {"properties": {"text": _STD_TEXT, "voters": {"type": "long"}}},
                "closed": {"type": "boolean"},
                "total_voters": {"type": "long"},
            }
        },
        "sticker_emoji": _KW,
        "saved_from": {"properties": {"from_id": {"type": "long"}, "from_name": _KW}},
    },
}

VERSION_MAPPINGS: dict[str, Any] = {
    "dynamic": False,
    "properties": {
        "post_id": _KW,
        "channel_id": {"type": "long"},
        "message_id": {"type": "long"},
        "kind": _KW,  # "original" or "edit"
        "version_at": {"type": "date"},
        "recorded_at": {"type": "date"},
        "text": _STD_TEXT,
        "text_stem": _WS_TEXT,
        "lang": _KW,
        "topics": _KW,
    },
}

SEARCH_MAPPINGS: dict[str, Any] = {
    "dynamic": False,
    "properties": {
        "name": _KW,
        "query": {"type": "text", "fields": {"raw": _KW}},
        "filters": _STORED_ONLY,
        "owner": _KW,
        "notify": _STORED_ONLY,
        "active": {"type": "boolean"},
        "created_at": {"type": "date"},
        "updated_at": {"type": "date"},
        "last_run_at": {"type": "date"},
    },
}


def posts_alias(settings: DozorSettings) -> str:
    return settings.index("posts")


def posts_index(settings: DozorSettings, when: datetime) -> str:
    """The monthly index of a post, by its original date."""
    return f"{posts_alias(settings)}-{when:%Y.%m}"


def versions_index(settings: DozorSettings) -> str:
    return settings.index("post-versions")


def searches_index(settings: DozorSettings) -> str:
    return settings.index("searches")


def _index_settings(shards: int, replicas: int) -> dict[str, Any]:
    return {
        "number_of_shards": shards,
        "number_of_replicas": replicas,
        "analysis": {"normalizer": {"dozor_lowercase": {"type": "custom", "filter": ["lowercase"]}}},
    }


def ensure_templates(es: Elasticsearch, settings: DozorSettings) -> None:
    """Install (or update) the project's index templates, and create the single indices."""
    shards = int(getattr(settings, "es_shards", 1))
    replicas = int(getattr(settings, "es_replicas", 0))
    alias = posts_alias(settings)
    meta = {"managed_by": "dozor", "version": TEMPLATE_VERSION}
    # Priorities above the default 0 and distinct, so other `<prefix>-*` templates never tie.
    es.indices.put_index_template(
        name=alias,
        index_patterns=[f"{alias}-*"],
        priority=310,
        meta=meta,
        template={
            "settings": _index_settings(shards, replicas),
            "mappings": POST_MAPPINGS,
            "aliases": {alias: {}},
        },
    )
    for name, mappings, priority in (
        (versions_index(settings), VERSION_MAPPINGS, 320),
        (searches_index(settings), SEARCH_MAPPINGS, 330),
    ):
        es.indices.put_index_template(
            name=name,
            index_patterns=[name],
            priority=priority,
            meta=meta,
            template={"settings": _index_settings(1, replicas), "mappings": mappings},
        )
        create_index(es, name)


def create_index(es: Elasticsearch, name: str) -> None:
    """Create an index from its template; a no-op when it exists (or another process won the race)."""
    try:
        es.indices.create(index=name)
    except BadRequestError as exc:
        if exc.error != "resource_already_exists_exception":
            raise
