"""Event-order decisions (pure): what the indexer writes for new / edit / delete given what is stored."""

from __future__ import annotations

from datetime import UTC, datetime

from dozor.records import EnrichedPost
from search.events import Names, Stored, decide

NOW = datetime(2026, 11, 1, tzinfo=UTC)
NAMES = Names(alias="dz-posts", versions="dz-post-versions")


def post(event: str = "new", text: str = "first", edit_date: str | None = None, **kw: object) -> EnrichedPost:
    return EnrichedPost.model_validate(
        {
            "event": event,
            "channel": {"id": 7, "username": "chan"},
            "message_id": 42,
            "date": "2026-10-05T10:00:00Z",
            "edit_date": edit_date,
            "text": text,
            "views": 10,
            "collected_at": "2026-10-06T00:00:00Z",
            **kw,
        }
    )


def test_new_post_goes_to_its_month_index_with_indexed_at() -> None:
    writes, state = decide(post(), None, NOW, NAMES)
    assert [(w.op, w.index, w.id) for w in writes] == [("index", "dz-posts-2026.10", "tg:7:42")]
    assert writes[0].doc["indexed_at"] == "2026-11-01T00:00:00Z"
    assert writes[0].doc["text"] == "first" and "schema" not in writes[0].doc
    assert state is not None and state.index == "dz-posts-2026.10"


def test_resent_new_never_overwrites_an_edit_and_only_refreshes_changed_counters() -> None:
    stored = Stored(index="dz-posts-2026.10", edit_date=NOW, text="edited", counters=(10, 1, {}))
    same = post(forwards=1)
    writes = decide(same, stored, NOW, NAMES)[0]
    assert [(w.index, w.doc["kind"], w.doc["text"]) for w in writes] == [("dz-post-versions", "original", "first")]
    more_views = post(text="first", views=99, forwards=1)
    writes, state = decide(more_views, stored, NOW, NAMES)
    assert [w.op for w in writes] == ["update", "index"]
    assert "text" not in writes[0].doc and writes[0].doc["views"] == 99
    assert state is not None and state.text == "edited"


def test_edit_applies_only_when_newer_and_appends_versions() -> None:
    stored = Stored(index="dz-posts-2026.09", date=datetime(2026, 10, 5, 10, tzinfo=UTC), text="first")
    writes, state = decide(post("edit", "second", "2026-10-05T11:00:00Z"), stored, NOW, NAMES)
    assert [(w.op, w.index) for w in writes] == [
        ("update", "dz-posts-2026.09"),  # where the post lives, not where its date would put it
        ("index", "dz-post-versions"),
        ("index", "dz-post-versions"),
    ]
    assert writes[0].doc["text"] == "second" and writes[0].doc["edit_date"] == "2026-10-05T11:00:00Z"
    assert [w.doc["kind"] for w in writes[1:]] == ["original", "edit"]
    assert writes[1].doc["text"] == "first" and writes[2].doc["text"] == "second"
    assert state is not None
    older = post("edit", "stale", "2026-10-05T10:30:00Z")
    assert decide(older, state, NOW, NAMES)[0] == []
    assert decide(post("edit", "second", "2026-10-05T11:00:00Z"), state, NOW, NAMES)[0] == []


def test_version_ids_are_deterministic_so_replays_do_not_duplicate() -> None:
    edit = post("edit", "second", "2026-10-05T11:00:00Z")
    first = decide(edit, None, NOW, NAMES)[0]
    again = decide(edit, None, datetime(2026, 12, 1, tzinfo=UTC), NAMES)[0]
    assert [w.id for w in first] == [w.id for w in again]


def test_delete_sets_deleted_at_once() -> None:
    stored = Stored(index="dz-posts-2026.10", text="first")
    writes, state = decide(post("delete", ""), stored, NOW, NAMES)
    assert [w.op for w in writes] == ["update"]
    assert writes[0].doc == {"deleted_at": "2026-10-06T00:00:00Z", "indexed_at": "2026-11-01T00:00:00Z"}
    assert decide(post("delete", ""), state, NOW, NAMES)[0] == []


def test_delete_of_unseen_post_is_a_stub_that_a_later_new_fills_without_undeleting() -> None:
    delete = EnrichedPost.model_validate(
        {"event": "delete", "channel": {"id": 7}, "message_id": 42, "collected_at": "2026-10-06T00:00:00Z"}
    )
    writes, state = decide(delete, None, NOW, NAMES)
    assert writes[0].op == "index" and writes[0].doc["stub"] is True
    assert writes[0].index == "dz-posts-2026.10"  # no date: the month it was collected in
    writes, state = decide(post(), state, NOW, NAMES)
    assert writes[0].op == "index" and writes[0].index == "dz-posts-2026.10"
    assert writes[0].doc["text"] == "first" and writes[0].doc["deleted_at"] == "2026-10-06T00:00:00Z"
    assert state is not None and state.deleted_at is not None and not state.stub


def test_edit_of_unseen_post_is_stored_whole_with_its_version() -> None:
    writes, state = decide(post("edit", "second", "2026-10-05T11:00:00Z"), None, NOW, NAMES)
    assert [(w.op, w.doc.get("kind")) for w in writes] == [("index", None), ("index", "edit")]
    assert state is not None and state.edit_date is not None
    # the original `new` arriving late keeps the edit, and its text becomes the original version
    late = decide(post(views=11), state, NOW, NAMES)[0]
    assert [(w.op, w.index) for w in late] == [("update", "dz-posts-2026.10"), ("index", "dz-post-versions")]
    assert "text" not in late[0].doc and late[0].doc["views"] == 11
    assert late[1].doc["kind"] == "original" and late[1].doc["text"] == "first"
