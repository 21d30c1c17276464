"""End to end over the sample corpus: `dozor import FILE && dozor enrich --drain && dozor index --drain`
leaves every post of FILE searchable exactly once; replaying it creates no duplicate."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from dozor import es as dozor_es
from dozor.records import doc_id
from search import service
from search.filters import SearchFilters
from search.settings import SearchSettings

pytestmark = pytest.mark.integration
DOZOR = str(Path(sys.executable).with_name("dozor"))
CORPUS = Path(__file__).resolve().parents[2] / "ingest" / "samples" / "corpus.jsonl"


def run_pipeline(ss: SearchSettings) -> None:
    env = {**os.environ, "DOZOR_TOPIC_PREFIX": ss.topic_prefix, "DOZOR_INDEX_PREFIX": ss.index_prefix}
    for args in (["import", str(CORPUS)], ["enrich", "--drain"], ["index", "--drain"]):
        done = subprocess.run([DOZOR, *args], env=env, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, f"dozor {' '.join(args)}: {done.stderr[-2000:]}"


def expected_posts() -> dict[str, dict[str, Any]]:
    """Per post id: its final text (newest edit wins) and whether it was deleted."""
    posts: dict[str, dict[str, Any]] = {}
    for line in CORPUS.read_text(encoding="utf-8").splitlines():
        rec = json.loads(line)
        pid = doc_id(rec["channel"]["id"], rec["message_id"])
        post = posts.setdefault(pid, {"text": None, "edit": "", "deleted": False, "channel": rec["channel"]["id"]})
        if rec["event"] == "delete":
            post["deleted"] = True
        elif rec["event"] == "new" and post["text"] is None:
            post["text"] = rec["text"]
        elif rec["event"] == "edit" and (rec.get("edit_date") or "") > post["edit"]:
            post["text"], post["edit"] = rec["text"], rec.get("edit_date") or ""
    return posts


def all_hits(ss: SearchSettings, include_deleted: bool) -> list[dict[str, Any]]:
    es = dozor_es.client(ss)
    try:
        return service.search(es, ss, "*", SearchFilters(include_deleted=include_deleted), limit=10_000).hits
    finally:
        es.close()


def test_corpus_end_to_end_exactly_once_and_replay_safe(ss: SearchSettings) -> None:
    expected = expected_posts()
    run_pipeline(ss)
    hits = all_hits(ss, include_deleted=True)
    ids = [h["id"] for h in hits]
    assert len(ids) == len(set(ids)) == len(expected)
    assert set(ids) == set(expected)
    by_id = {h["id"]: h for h in hits}
    for pid, post in expected.items():
        if post["text"] is not None:
            assert by_id[pid]["text"] == post["text"], pid  # edits applied, newest wins
        assert bool(by_id[pid].get("deleted_at")) == post["deleted"], pid
    visible = {h["id"] for h in all_hits(ss, include_deleted=False)}
    assert visible == {pid for pid, p in expected.items() if not p["deleted"]}

    # Every post is found by a word of its own text (stemmed like the enricher stemmed it).
    es = dozor_es.client(ss)
    try:
        for pid, post in list(expected.items())[::7]:
            words = re.findall(r"[^\W\d_]{6,}", post["text"] or "")
            if not words:
                continue
            word = max(words, key=len)
            found = service.search(
                es, ss, word, SearchFilters(channel=[str(post["channel"])], include_deleted=True), limit=1000
            )
            assert pid in {h["id"] for h in found.hits}, (pid, word)
    finally:
        es.close()

    run_pipeline(ss)  # the same file again: nothing new, nothing duplicated
    again = all_hits(ss, include_deleted=True)
    assert sorted(h["id"] for h in again) == sorted(ids)
