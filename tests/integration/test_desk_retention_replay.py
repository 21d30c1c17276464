"""Expiry is sticky: after `dozor retention apply` expired a post's media (its blob deleted), an indexer
that reads posts.enriched and posts.media again from the start (a new consumer group: a restart from an
earlier offset) leaves the file expired; it does not bring it back as `stored`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from elasticsearch import Elasticsearch
from test_desk_retention import media, post, run

from dozor import kafka as dk
from dozor.stream import StageRunner
from media.settings import MediaSettings
from media.store import open_store
from search import service
from search.indexer import Indexer
from search.media import MEDIA_TOPICS
from search.settings import SearchSettings
from tests.support.stack import drain_index, produce

pytestmark = pytest.mark.integration
POLICIES = "policies:\n  - {name: community, category: [migrant_community], media_days: 90}\n"


def replay(ss: SearchSettings, es: Elasticsearch) -> None:
    indexer = Indexer(es, ss)
    indexer.prepare()
    topics = [dk.ENRICHED, *(t.name for t in MEDIA_TOPICS)]
    StageRunner("index", ss, topics, indexer, group_id=f"{ss.topic_prefix}dozor-index-replay").drain()
    indexer.refresh()


def test_a_replay_of_posts_media_keeps_expired_media_expired(
    env_settings: Any, es: Elasticsearch, ss: SearchSettings, tmp_path: Path
) -> None:
    store = open_store(MediaSettings())
    photo = store.put(b"an old photo").sha256
    produce(ss, dk.ENRICHED, [post(7, "2026-01-05T10:00:00Z", "Фото с пункта выдачи")])
    produce(ss, dk.MEDIA, [media(7, "2026-01-05T10:00:00Z", photo)])
    drain_index(ss)
    before = service.get_post(es, ss, "tg:40:7")
    assert before is not None and [(m["status"], m.get("sha256")) for m in before["media"]] == [("stored", photo)]

    policies = tmp_path / "retention.yaml"
    policies.write_text(POLICIES, encoding="utf-8")
    done = run(["--policies", str(policies)])
    assert sorted((c["action"], c["target"]) for c in done) == [("delete_blob", photo), ("expire_media", "tg:40:7")]
    assert not store.exists(photo)

    replay(ss, es)  # every record of both topics again, the media event among them
    produce(ss, dk.MEDIA, [media(7, "2026-01-05T10:00:00Z", photo)])  # and a late duplicate of the event
    drain_index(ss)
    after = service.get_post(es, ss, "tg:40:7")
    assert after is not None
    assert [m["status"] for m in after["media"]] == ["expired"], after["media"]
    assert not any(m.get("sha256") for m in after["media"])
    claims = es.count(index=f"{ss.index_prefix}-posts*", query={"term": {"media.sha256": photo}})["count"]
    assert claims == 0  # no post claims the deleted blob again
    assert run(["--policies", str(policies), "--dry-run"]) == []  # nothing left for retention to redo
