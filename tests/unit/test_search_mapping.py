"""The posts mapping is derived from the record models: every field a post can carry is mapped."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel

from dozor.records import EDITABLE_FIELDS, EnrichedPost, Enrichment, RawPost
from search.events import full_doc, stub_doc
from search.index import NOT_INDEXED, POST_MAPPINGS

NOW = datetime(2026, 11, 1, tzinfo=UTC)


def unmapped(model: type[BaseModel], props: dict[str, Any], prefix: str = "") -> list[str]:
    missing = []
    for name, info in model.model_fields.items():
        key = info.alias or name
        if key in NOT_INDEXED:
            continue
        if key not in props:
            missing.append(prefix + key)
        elif isinstance(info.annotation, type) and issubclass(info.annotation, BaseModel):
            missing += unmapped(info.annotation, props[key].get("properties", {}), f"{prefix}{key}.")
    return missing


def test_the_mapping_covers_every_field_of_the_enriched_post() -> None:
    props = POST_MAPPINGS["properties"]
    assert unmapped(EnrichedPost, props) == []
    assert props["text"]["analyzer"] == "standard" and props["text_stem"]["analyzer"] == "whitespace"
    assert props["channel"]["properties"]["username"]["normalizer"] == "dozor_lowercase"
    assert props["message_id"] == {"type": "long"} and props["reactions"]["enabled"] is False


def test_every_field_the_indexer_writes_is_mapped() -> None:
    post = EnrichedPost.model_validate({"channel": {"id": 1, "username": "c"}, "message_id": 2, "text": "x"})
    written = set(full_doc(post, NOW)) | set(stub_doc(post, NOW))
    assert written - set(POST_MAPPINGS["properties"]) == set()


def test_enriched_post_is_raw_post_plus_enrichment() -> None:
    assert list(EnrichedPost.model_fields) == [*RawPost.model_fields, *Enrichment.model_fields]
    assert set(EDITABLE_FIELDS) <= set(RawPost.model_fields)
    assert {info.alias or name for name, info in RawPost.model_fields.items()} >= NOT_INDEXED


def test_groups_and_comments_are_mapped_and_reach_older_indices() -> None:
    from search.index import ADDED_IN_5

    props = POST_MAPPINGS["properties"]
    assert props["thread"]["properties"] == {"channel_id": {"type": "long"}, "message_id": {"type": "long"}}
    assert props["source_kind"]["type"] == "keyword"
    assert props["sender"]["properties"]["name"]["normalizer"] == "dozor_lowercase"
    assert set(ADDED_IN_5) == {"source_kind", "thread", "sender"}
