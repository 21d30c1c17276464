"""Media and OCR events against new / edit / delete (pure decisions): whatever order they arrive in, the
post ends the same, with its text, its deletion and every report of its files merged."""

from __future__ import annotations

import copy
import itertools
from datetime import UTC, datetime
from typing import Any

import orjson
import pytest

from dozor.records import EnrichedPost, MediaEvent
from search.events import Names, Stored, Write, create, decide
from search.media import MediaUpdate, media_update
from search.planner import stored_from_source

NOW = datetime(2026, 11, 1, tzinfo=UTC)
NAMES = Names(alias="dz-posts", versions="dz-post-versions")
SHA = "ab" * 32
THUMB = "cd" * 32
CHANNEL = {"id": 7, "username": "chan"}


def post(event: str = "new", text: str = "Сбор у военкомата", **kw: Any) -> EnrichedPost:
    return EnrichedPost.model_validate(
        {
            "event": event,
            "channel": CHANNEL,
            "message_id": 42,
            "date": "2026-10-05T10:00:00Z",
            "text": text,
            "views": 10,
            "media": {"type": "photo", "width": 1280, "height": 853, "size": 107578},
            "topics": ["mobilization"],
            "topic_hits": {"mobilization": ["военкомат"]},
            "collected_at": "2026-10-06T00:00:00Z",
            **kw,
        }
    )


def media(item: dict[str, Any], **extra: Any) -> MediaUpdate:
    record = {
        "channel": CHANNEL,
        "message_id": 42,
        "date": "2026-10-05T10:00:00Z",
        "item": item,
        "collected_at": "2026-10-06T00:05:00Z",
        **extra,
    }
    return media_update(MediaEvent.model_validate(record))


STORED = media({"sha256": SHA, "type": "photo", "status": "stored", "mime": "image/jpeg", "size": 107578})
OCR = media(
    {"sha256": SHA, "type": "photo", "status": "stored", "phash": "f0e1d2c3b4a59687", "ocr_text": "УКАЗ о призыве"},
    ocr_norm="указ о призыве",
    ocr_stem="указ о призыв",
    ocr_topic_hits={"legislation": ["указ"], "mobilization": ["призыв"]},
)
EDIT = post("edit", "Сбор отменён", edit_date="2026-10-05T12:00:00Z", topics=[], topic_hits={})
DELETE = EnrichedPost.model_validate(
    {"event": "delete", "channel": CHANNEL, "message_id": 42, "collected_at": "2026-10-07T00:00:00Z"}
)


class FakeIndex:
    """What Elasticsearch does with the writes, as far as these decisions rely on it: create-only answers
    409 for a taken id, a partial update merges objects recursively and replaces lists."""

    def __init__(self) -> None:
        self.docs: dict[str, tuple[str, dict[str, Any]]] = {}  # id -> (index, source)

    def stored(self, doc_id: str) -> Stored | None:
        found = self.docs.get(doc_id)
        return stored_from_source(found[0], copy.deepcopy(found[1])) if found else None

    def write(self, w: Write) -> bool:
        """False when a create found the id taken."""
        if w.index == NAMES.versions:
            return True
        if w.op == "create" and w.id in self.docs:
            return False
        if w.op == "update" and w.id in self.docs:
            _merge(self.docs[w.id][1], copy.deepcopy(w.doc))
        else:
            self.docs[w.id] = (w.index, copy.deepcopy(w.upsert if w.op == "update" and w.upsert else w.doc))
        return True


def _merge(dst: dict[str, Any], src: dict[str, Any]) -> None:
    for k, v in src.items():
        if isinstance(v, dict) and isinstance(dst.get(k), dict):
            _merge(dst[k], v)
        else:
            dst[k] = v


def apply(events: list[EnrichedPost | MediaUpdate], mode: str) -> dict[str, Any]:
    """Decide each event in turn: carrying the planner's state ("batch"), reading the stored document
    before each ("read"), or with a lookup that has not seen the post yet ("stale", new and media only:
    their creates find the id taken and are decided again against what is stored)."""
    es = FakeIndex()
    state: Stored | None = None
    for event in events:
        stored = state if mode == "batch" else es.stored("tg:7:42")
        if mode == "stale" and event.event in ("new", "media"):
            stored = None
        if stored is None and isinstance(event, EnrichedPost) and event.event == "new":
            writes = [create(event, NOW, NAMES)]
            state = None
        else:
            writes, state = decide(event, stored, NOW, NAMES)
        for w in writes:
            if not es.write(w):  # taken: decided again against the stored document
                writes, state = decide(event, es.stored(w.id), NOW, NAMES)
                assert all(es.write(again) for again in writes)
                break
        if mode != "batch":
            state = None
    return es.docs["tg:7:42"][1]


def _final(doc: dict[str, Any]) -> dict[str, Any]:
    # Not `topic_hits`: an edit's partial update merges it into the stored object (Elasticsearch merges
    # objects), so after new + edit a topic the edit dropped keeps its old terms there, after edit + new
    # it does not (as before media; the UI reads it through `topics`).
    return {k: v for k, v in doc.items() if k not in ("indexed_at", "event", "enriched_at", "topic_hits")}


@pytest.mark.parametrize("mode", ["batch", "read", "stale"])
def test_every_order_gives_the_same_post(mode: str) -> None:
    events: list[EnrichedPost | MediaUpdate] = [post(), STORED, OCR, EDIT, DELETE]
    results = [_final(apply(list(order), mode)) for order in itertools.permutations(events)]
    first = results[0]
    assert all(r == first for r in results)
    assert first["text"] == "Сбор отменён" and first["deleted_at"] == "2026-10-07T00:00:00Z"
    assert first["stub"] is False and first["views"] == 10
    [item] = first["media"]
    assert item["sha256"] == SHA and item["status"] == "stored" and item["mime"] == "image/jpeg"
    assert item["ocr_text"] == "УКАЗ о призыве" and item["phash_bands"][0] == "0:f0e1"
    assert first["ocr_stem"] == ["указ о призыв"] and first["ocr_norm"] == ["указ о призыве"]
    assert first["topics"] == ["legislation", "mobilization"]  # the edit's text has none; the image's stay
    assert first["ocr_topic_hits"] == {"legislation": ["указ"], "mobilization": ["призыв"]}


def test_media_before_its_post_makes_a_stub_that_new_completes() -> None:
    writes, state = decide(STORED, None, NOW, NAMES)
    assert [(w.op, w.index) for w in writes] == [("create", "dz-posts-2026.10")]
    assert writes[0].doc["stub"] is True and writes[0].doc["media"][0]["sha256"] == SHA
    writes, state = decide(post(), state, NOW, NAMES)
    assert writes[0].op == "index" and writes[0].doc["stub"] is False
    assert [i.get("sha256") for i in writes[0].doc["media"]] == [SHA]  # the pending photo gave way


def test_resent_new_and_redelivered_media_write_nothing() -> None:
    state = decide(post(), None, NOW, NAMES)[1]
    writes, state = decide(STORED, state, NOW, NAMES)
    assert [w.op for w in writes] == ["update"]
    assert writes[0].doc["indexed_at"] == "2026-11-01T00:00:00Z"  # the alerter looks at the post again
    assert decide(STORED, state, NOW, NAMES)[0] == []
    assert decide(post(), state, NOW, NAMES)[0] == []


def test_new_has_pending_placeholders_and_attachments_without_files() -> None:
    doc = decide(post(), None, NOW, NAMES)[0][0].doc
    assert doc["media"] == [{"type": "photo", "status": "pending", "width": 1280, "height": 853, "size": 107578}]
    page = post(media={"type": "webpage", "url": "https://example.org"})
    assert decide(page, None, NOW, NAMES)[0][0].doc["media"] == [{"type": "webpage", "status": "no_file"}]
    assert decide(post(media=None), None, NOW, NAMES)[0][0].doc["media"] is None


def test_a_video_keeps_its_thumbnail_and_a_failure_gives_way_to_the_stored_file() -> None:
    video = post(media={"type": "video", "mime_type": "video/mp4", "size": 9_000_000})
    thumb = media({"sha256": THUMB, "type": "thumbnail", "status": "stored", "mime": "image/jpeg"})
    skipped = media({"type": "video", "status": "skipped", "reason": "full videos only with media: all"})
    failed = media({"type": "photo", "status": "failed", "reason": "timeout"})
    Events = list[EnrichedPost | MediaUpdate]
    first: Events = [video, thumb, skipped]
    second: Events = [post(), failed, STORED]
    for order in itertools.permutations(first):
        items = apply(list(order), "batch")["media"]
        assert [(i["type"], i["status"]) for i in items] == [("video", "skipped"), ("thumbnail", "stored")]
    for order in itertools.permutations(second):
        items = apply(list(order), "read")["media"]
        assert [(i["type"], i["status"], i.get("sha256")) for i in items] == [("photo", "stored", SHA)]


def test_an_edit_keeps_the_media_and_the_image_topics() -> None:
    state = decide(post(), None, NOW, NAMES)[1]
    for event in (STORED, OCR):
        state = decide(event, state, NOW, NAMES)[1]
    writes, _ = decide(EDIT, state, NOW, NAMES)
    partial = writes[0].doc
    assert partial["text"] == "Сбор отменён" and partial["media"][0]["ocr_text"] == "УКАЗ о призыве"
    assert partial["topics"] == ["legislation", "mobilization"] and partial["ocr_stem"] == ["указ о призыв"]


def test_every_field_a_post_with_media_holds_is_mapped() -> None:
    from search.index import MEDIA_ITEM, POST_MAPPINGS

    orders: list[list[EnrichedPost | MediaUpdate]] = [[post(), STORED, OCR], [STORED, OCR]]
    for order in orders:
        doc = apply(order, "batch")
        assert set(doc) - set(POST_MAPPINGS["properties"]) == set()
        assert {k for item in doc["media"] for k in item} - set(MEDIA_ITEM["properties"]) == set()
        assert POST_MAPPINGS["properties"]["media"] is MEDIA_ITEM


def test_the_planner_decodes_media_topics_and_decides_a_stub_create_again_when_taken() -> None:
    from dozor.records import RawPost
    from dozor.stream import Message, Rejected
    from search.media import MEDIA_TOPICS
    from search.planner import BatchPlanner, decode

    topics = {f"t-{t.name}": t for t in MEDIA_TOPICS}
    media_record = {"channel": CHANNEL, "message_id": 42, "item": {"sha256": SHA, "type": "photo", "status": "stored"}}
    enriched = post().model_dump_json(by_alias=True).encode()
    chunk = [
        Message(orjson.dumps(media_record), topic="t-posts.media", offset=0),
        Message(b'{"channel": {"id": 7}, "message_id": 1, "item": {}}', topic="t-posts.media.ocr", offset=1),
        Message(enriched, topic="t-posts.enriched", offset=2),
    ]
    rejected: list[Rejected] = []
    events = decode(chunk, topics, rejected)
    assert [type(e.post) for e in events] == [MediaUpdate, type(post())] and issubclass(type(post()), RawPost)
    assert [r.reason.split(":")[0] for r in rejected] == ["invalid posts.media.ocr record"]

    planner = BatchPlanner(NAMES)
    fresh = planner.creatable(events, homes=set())
    assert fresh == set() and planner.to_look_up(events, fresh) == {"tg:7:42"}  # media and new: one read
    plan = planner.plan(events, fresh, {}, NOW)
    assert [(p.write.op, p.event is not None) for p in plan] == [("create", True), ("index", False)]
    assert [e.post for e in planner.taken([plan[0]])] == [events[0].post]  # 409: decided again


def test_expired_media_stays_expired_whatever_reports_of_the_file_come_after() -> None:
    from search.media import merge
    from search.retention import expired_media

    stored = {"sha256": SHA, "thumb_sha256": THUMB, "type": "photo", "status": "stored", "mime": "image/jpeg"}
    expired, gone = expired_media([stored], 90)
    assert gone == {SHA, THUMB}
    ocr = {**stored, "ocr_text": "УКАЗ", "phash": "0" * 16}
    placeholder = {"type": "photo", "status": "pending"}
    for late in itertools.permutations([stored, ocr, placeholder]):
        for items in (merge(expired, late), merge(late, expired), merge(merge(expired, late[:1]), late[1:])):
            assert [(i["type"], i["status"], i.get("sha256")) for i in items] == [("photo", "expired", None)]
    other = {"sha256": "ef" * 32, "type": "photo", "status": "stored"}  # another file is no replay
    assert [i["status"] for i in merge(expired, [other])] == ["stored"]
