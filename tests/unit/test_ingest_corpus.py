"""The sample corpus: valid posts.raw records, rebuilt byte for byte by its script, labels for every post."""

from __future__ import annotations

import csv
import json
from collections import Counter
from pathlib import Path

from dozor.records import RawPost
from ingest.importers import jsonl
from tests.support import build_corpus

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / "ingest" / "samples" / "corpus.jsonl"
LABELS = ROOT / "tests" / "data" / "corpus_labels.tsv"
TOPICS = {"mobilization", "citizenship", "recruitment", "foreign_fighting", "migration", "legislation", "human_rights"}


def records() -> list[RawPost]:
    with CORPUS.open("rb") as fh:
        items = list(jsonl.read(fh, str(CORPUS)))
    assert all(isinstance(i, RawPost) for i in items)
    return [i for i in items if isinstance(i, RawPost)]


def labels() -> list[dict[str, str]]:
    with LABELS.open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh, delimiter="\t"))


def test_checked_in_files_match_the_builder() -> None:
    built, rows = build_corpus.build()
    lines = [json.dumps(r, ensure_ascii=False) for r in built]
    assert CORPUS.read_text(encoding="utf-8").splitlines() == lines
    assert [tuple(r.values()) for r in labels()] == rows


def test_shape_of_the_corpus() -> None:
    posts = records()
    events = Counter(p.event for p in posts)
    assert events["new"] >= 320 and events["edit"] >= 8 and events["delete"] >= 5
    new = [p for p in posts if p.event == "new"]
    assert len({p.doc_id for p in new}) == len(new)
    assert sum(p.forward is not None for p in new) >= 8
    assert len({p.grouped_id for p in new if p.grouped_id}) >= 3
    assert sum(not p.text and p.media is not None for p in new) >= 5
    assert {p.channel.category for p in new} >= {"official", "migrant_community", "media"}
    assert {p.channel.country for p in new} >= {"RU", "UZ", "TJ", "KG", "KZ"}
    days = {p.date.date() for p in new if p.date}
    assert (max(days) - min(days)).days >= 25


def test_edits_and_deletes_follow_the_posts_they_touch() -> None:
    seen: set[str] = set()
    for post in records():
        if post.event == "new":
            seen.add(post.doc_id)
        else:
            assert post.doc_id in seen, post.doc_id


def test_labels_cover_every_new_post_with_languages_and_topics() -> None:
    rows = labels()
    new_ids = {p.doc_id for p in records() if p.event == "new"}
    assert {r["doc_id"] for r in rows} == new_ids
    langs = Counter((r["lang"], r["script"]) for r in rows)
    for key in [
        ("ru", "Cyrl"),
        ("uz", "Latn"),
        ("uz", "Cyrl"),
        ("tg", "Cyrl"),
        ("ky", "Cyrl"),
        ("kk", "Cyrl"),
        ("en", "Latn"),
    ]:
        assert langs[key] >= 25, key
    assert max(langs, key=lambda k: langs[k]) == ("ru", "Cyrl")
    topics = Counter(t for r in rows for t in r["topics"].split(",") if t)
    assert set(topics) == TOPICS and min(topics.values()) >= 20
    none = sum(1 for r in rows if not r["topics"] and r["lang"] != "und")
    assert 0.12 <= none / len(rows) <= 0.3
