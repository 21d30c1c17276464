"""`dozor retention apply` on the real node: the dry run lists what would change and changes nothing;
the run deletes old community posts with their edit history, masks phones and private names in the
text, the stemmed text and the versions (no search finds them after), expires media and deletes the
blobs no post refers to any more, keeps a blob another post still shows, and leaves official posts."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from elasticsearch import Elasticsearch
from typer.testing import CliRunner

from cli.main import build
from dozor import kafka as dk
from media.settings import MediaSettings
from media.store import open_store
from search import service
from search.filters import SearchFilters
from search.settings import SearchSettings
from tests.support.stack import drain_index, enriched, produce

pytestmark = pytest.mark.integration
POLICIES = """
policies:
  - {name: community, category: [migrant_community], redact_after_days: 30, delete_after_days: 365, media_days: 90}
  - {name: official, category: [official], keep: true}
"""
PERSONS = {"phone": ["+79161234567"], "person": ["Алишер Каримов"]}


def post(mid: int, date: str, text: str, category: str = "migrant_community", **kw: Any) -> dict[str, Any]:
    return enriched(40 if category == "migrant_community" else 41, mid, text, "ru", date=date, category=category, **kw)


def media(mid: int, date: str, sha: str, category: str = "migrant_community") -> dict[str, Any]:
    cid = 40 if category == "migrant_community" else 41
    channel = {"id": cid, "username": "test_channel", "title": "Test", "category": category, "country": "RU"}
    item = {"sha256": sha, "type": "photo", "status": "stored", "mime": "image/jpeg", "size": 3}
    return {"schema": 1, "channel": channel, "message_id": mid, "date": date, "item": item, "collected_at": date}


def run(args: list[str]) -> list[dict[str, Any]]:
    result = CliRunner().invoke(build(), ["retention", "apply", *args, "--json"])
    assert result.exit_code == 0, result.output
    return [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]


def test_dry_run_then_apply(env_settings: Any, es: Elasticsearch, ss: SearchSettings, tmp_path: Path) -> None:
    store = open_store(MediaSettings())
    old_photo, shared_photo = store.put(b"old").sha256, store.put(b"shared").sha256
    produce(
        ss,
        dk.ENRICHED,
        [
            post(1, "2025-01-10T10:00:00Z", "Старый пост, звоните +7 916 123-45-67"),  # over a year: deleted
            post(1, "2025-01-10T10:00:00Z", "Старый пост исправлен", event="edit", edit_date="2025-01-11T10:00:00Z"),
            post(2, "2026-08-01T10:00:00Z", "Алишеру Каримову звоните +7 916 123-45-67", entities=PERSONS),
            post(
                2,
                "2026-08-01T10:00:00Z",
                "Алишер Каримов: +7 916 123-45-67",
                event="edit",
                edit_date="2026-08-02T10:00:00Z",
                entities=PERSONS,
            ),
            post(3, "2026-11-25T10:00:00Z", "Свежий пост Алишер Каримов +7 916 123-45-67", entities=PERSONS),
            post(
                4, "2024-01-01T10:00:00Z", "Официально: Каримов +7 916 123-45-67", category="official", entities=PERSONS
            ),
        ],
    )
    produce(
        ss,
        dk.MEDIA,
        [
            media(2, "2026-08-01T10:00:00Z", old_photo),
            media(2, "2026-08-01T10:00:00Z", shared_photo),
            media(4, "2024-01-01T10:00:00Z", shared_photo, category="official"),
        ],
    )
    drain_index(ss)
    policies = tmp_path / "retention.yaml"
    policies.write_text(POLICIES, encoding="utf-8")

    planned = run(["--policies", str(policies), "--dry-run"])
    assert sorted((c["action"], c["target"]) for c in planned) == [
        ("delete", "tg:40:1"),
        ("delete_blob", old_photo),
        ("expire_media", "tg:40:2"),
        ("redact", "tg:40:2"),
    ]
    assert service.get_post(es, ss, "tg:40:1") is not None and store.exists(old_photo)  # nothing changed

    done = run(["--policies", str(policies)])
    assert sorted((c["action"], c["target"]) for c in done) == sorted((c["action"], c["target"]) for c in planned)
    assert service.get_post(es, ss, "tg:40:1") is None
    versions = es.search(index=f"{ss.index_prefix}-post-versions", query={"term": {"post_id": "tg:40:1"}})
    assert versions["hits"]["total"]["value"] == 0
    masked = service.get_post(es, ss, "tg:40:2")
    dumped = json.dumps(masked, ensure_ascii=False)
    assert masked is not None and "916" not in dumped, dumped[max(0, dumped.find("916") - 300) :][:400]
    assert "Каримов" not in masked["text"] and "Алишер" not in json.dumps(masked["versions"], ensure_ascii=False)
    assert {m["status"] for m in masked["media"]} == {"expired"}
    assert not store.exists(old_photo) and store.exists(shared_photo)  # the official post still shows it
    found = service.search(es, ss, "Каримов", SearchFilters(), limit=10).hits
    assert sorted(h["id"] for h in found) == ["tg:40:3", "tg:41:4"]  # fresh and official posts keep their text
    assert run(["--policies", str(policies), "--dry-run"]) == []  # all done: nothing more to do
