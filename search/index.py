"""Index names and the index templates the project owns.

Posts live in monthly indices ``<prefix>-posts-YYYY.MM`` (by the post's original date) behind the
alias ``<prefix>-posts``; every edit is kept in ``<prefix>-post-versions``; saved searches live in
``<prefix>-searches``. The mappings use only what the minimal local node has: the standard and
whitespace analyzers and the ``lowercase`` normalizer.
"""

from __future__ import annotations

from datetime import datetime
from types import UnionType
from typing import Any, Literal, Union, get_args, get_origin

from elasticsearch import BadRequestError, Elasticsearch
from pydantic import BaseModel

from dozor.records import EnrichedPost
from dozor.settings import DozorSettings
from enrich.entities import KINDS as ENTITY_KINDS

TEMPLATE_VERSION = 5  # 2: entities; 3: media items, image text; 4: story, tags; 5: groups, comments, channel refs

_KW = {"type": "keyword", "ignore_above": 1024}
_LC_KW = {"type": "keyword", "ignore_above": 256, "normalizer": "dozor_lowercase"}
_WS_TEXT = {"type": "text", "analyzer": "whitespace"}
_STD_TEXT = {"type": "text", "analyzer": "standard"}
_STORED_ONLY = {"type": "object", "enabled": False}

# One item of a post's `media` list (search/media.py): the MediaItem fields, the pHash's bands for the
# near-duplicate lookup, and the image text's enrichment (kept to rebuild `ocr_norm`/`ocr_stem`, not searched).
MEDIA_ITEM: dict[str, Any] = {
    "dynamic": False,
    "properties": {
        "sha256": _KW,
        "type": _KW,
        "status": _KW,
        "reason": _KW,
        "mime": _KW,
        "size": {"type": "long"},
        "width": {"type": "long"},
        "height": {"type": "long"},
        "file_name": {"type": "keyword", "ignore_above": 1024, "normalizer": "dozor_lowercase"},
        "thumb_sha256": _KW,
        "phash": _KW,
        "phash_bands": _KW,
        "ocr_text": _STD_TEXT,
        "ocr_lang": _KW,
        "ocr_fields": _STORED_ONLY,
    },
}

ADDED_IN_3 = (
    "media",
    "ocr_norm",
    "ocr_stem",
    "ocr_topic_hits",
    "tags",
    "story",
    "forward",
    "channel_refs",
    "channel_ref_via",
)  # and 4
ADDED_IN_5 = ("source_kind", "thread", "sender")  # comments find their channel post by `thread.*`

# How a post field is searched where its type alone does not say it; the rest of the mapping follows
# from the record models (see _by_type).
_SEARCHED_AS: dict[str, Any] = {
    "text": _STD_TEXT,
    "text_norm": _WS_TEXT,
    "text_stem": _WS_TEXT,
    "mentions": _LC_KW,
    "hashtags": _LC_KW,
    "media": MEDIA_ITEM,
    "entities": {  # kind -> normalized values (enrich.entities); dates named in the post as dates
        "dynamic": False,
        "properties": {kind: {"type": "date"} if kind == "date" else _KW for kind in ENTITY_KINDS},
    },
    "channel.username": _LC_KW,
    "forward.from_username": _LC_KW,
    "channel.title": {"type": "text", "fields": {"raw": _KW}},
    "channel.country": _LC_KW,
    "sender.name": _LC_KW,
}
# Kept in _source, not searched: the wire's schema version (the index holds one schema) and the evidence
# fields, which the evidence log answers for.
NOT_INDEXED = {"schema", "raw_sha256", "collector"}
# What the indexer adds to a post (search/events.py: full_doc, stub_doc).
_INDEXER_FIELDS: dict[str, Any] = {
    "id": _KW,
    "stub": {"type": "boolean"},
    "deleted_at": {"type": "date"},
    "indexed_at": {"type": "date"},
    "reactions_total": {"type": "long"},
    # search/media.py: the image text (one value per image, so a phrase never spans two), its topics
    "ocr_norm": _WS_TEXT,
    "ocr_stem": _WS_TEXT,
    "ocr_topic_hits": _STORED_ONLY,
    # search/annotations.py: the post's current tags (their history is in `<prefix>-annotations`)
    "tags": _LC_KW,
    # search/channel_refs.py: the channels a post points to (forward, @mention, t.me link), for discovery
    "channel_refs": _KW,
    "channel_ref_via": _KW,
}
# Content kept beyond the schema-1 core (ingest, extra keys of posts.raw): the signature, a poll (its
# words are also in text_norm/text_stem), a sticker's emoji, the chat a message was saved from.
_KEPT_CONTENT: dict[str, Any] = {
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
    "story": _KW,  # enrich.stories: the id of the story's first post, shared by near-duplicates
    "saved_from": {"properties": {"from_id": {"type": "long"}, "from_name": _KW}},
}
_SCALARS: list[tuple[type, dict[str, Any]]] = [
    (bool, {"type": "boolean"}),
    (int, {"type": "long"}),
    (float, {"type": "float"}),
    (datetime, {"type": "date"}),
    (str, _KW),
]


def _by_type(annotation: Any, path: str) -> dict[str, Any]:
    """The mapping of a field by its type: a string is a keyword, a number a long or float, a date a
    date, a list maps as its items, a dict is kept in _source only, a nested model has properties."""
    origin = get_origin(annotation)
    if origin in (Union, UnionType):
        (inner,) = (a for a in get_args(annotation) if a is not type(None))
        return _by_type(inner, path)
    if origin is Literal:
        return _KW
    if origin is list:
        return _by_type(get_args(annotation)[0], path)
    if origin is dict or annotation is dict:
        return _STORED_ONLY
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return {"properties": properties(annotation, f"{path}.")}
    for kind, mapping in _SCALARS:
        if annotation is kind:
            return mapping
    raise TypeError(f"no index mapping for {path}: {annotation}")


def properties(model: type[BaseModel], prefix: str = "") -> dict[str, Any]:
    """The mapping properties of a record model's fields (by their names on the wire)."""
    out: dict[str, Any] = {}
    for name, info in model.model_fields.items():
        key = info.alias or name
        if key not in NOT_INDEXED:
            path = prefix + key
            out[key] = _SEARCHED_AS.get(path) or _by_type(info.annotation, path)
    return out


POST_MAPPINGS: dict[str, Any] = {
    "dynamic": False,  # extra record fields stay in _source without growing the mapping
    "properties": {**_INDEXER_FIELDS, **properties(EnrichedPost), **_KEPT_CONTENT},
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
        "team": _KW,
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
    # Indices made from an older template gain the fields added since (adding fields is always allowed).
    added = {name: POST_MAPPINGS["properties"][name] for name in (*ADDED_IN_3, *ADDED_IN_5)}
    es.indices.put_mapping(index=f"{alias}-*", properties=added, allow_no_indices=True)
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
