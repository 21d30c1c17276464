"""The indexer's planner (pure): which ids need a read, creates for the rest, decisions in offset order."""

from __future__ import annotations

from datetime import UTC, datetime

from dozor.records import EnrichedPost
from dozor.stream import Message
from search.events import Names, Stored
from search.planner import LOOKUP_FIELDS, BatchPlanner, Event, stored_from_source

NOW = datetime(2026, 11, 1, tzinfo=UTC)
NAMES = Names(alias="dz-posts", versions="dz-post-versions")


def event(message_id: int, kind: str = "new", text: str = "t", offset: int = 0, **kw: object) -> Event:
    post = EnrichedPost.model_validate(
        {"event": kind, "channel": {"id": 7}, "message_id": message_id, "text": text, "views": 1}
        | {"date": "2026-10-05T10:00:00Z", "collected_at": "2026-10-06T00:00:00Z"}
        | kw
    )
    return Event(Message(b"", offset=offset), post, post.doc_id)


def test_new_posts_nothing_is_known_about_are_created_without_a_read() -> None:
    planner = BatchPlanner(NAMES)
    chunk = [event(1), event(2), event(2, "edit", offset=2), event(3, "delete"), event(4)]
    fresh = planner.creatable(chunk, homes={"tg:7:4"})  # 4: this process wrote it; 2: twice in the chunk
    assert fresh == {"tg:7:1"}
    assert planner.to_look_up(chunk, fresh) == {"tg:7:2", "tg:7:3", "tg:7:4"}
    stored = {"tg:7:4": Stored(index="dz-posts-2026.10", text="t", counters=(1, None, {}))}
    plan = planner.plan(chunk, fresh, stored, NOW)
    assert [(p.write.op, p.write.id, p.event is not None) for p in plan] == [
        ("create", "tg:7:1", True),
        ("index", "tg:7:2", False),  # the new, then its edit against the state the new left:
        ("update", "tg:7:2", False),
        ("index", "tg:7:2@original:2026-10-05T10:00:00Z", False),
        ("index", "tg:7:2@edit:2026-10-06T00:00:00Z", False),
        ("index", "tg:7:3", False),  # a stub for the deletion of a post never seen
    ]  # 4: stored with the same counters, nothing to write
    assert [p.message.offset for p in plan[1:3]] == [0, 2]


def test_a_created_id_touched_again_needs_no_read_and_a_taken_create_is_decided_again() -> None:
    planner = BatchPlanner(NAMES)
    first = [event(1)]
    planner.plan(first, planner.creatable(first, ()), {}, NOW)
    again = [event(1, "edit", "new text", edit_date="2026-10-07T00:00:00Z")]
    assert planner.creatable(again, ()) == set()
    assert planner.to_look_up(again, set()) == set()  # known from its create
    assert [p.write.op for p in planner.plan(again, set(), {}, NOW)] == ["update", "index", "index"]

    taken = BatchPlanner(NAMES)
    creates = taken.plan([event(5)], {"tg:7:5"}, {}, NOW)
    events = taken.taken(creates)
    stored = {"tg:7:5": Stored(index="dz-posts-2026.10", text="t", counters=(1, None, {}))}
    assert [e.id for e in events] == ["tg:7:5"] and taken.decide(events, stored, NOW) == []


def test_lookups_read_what_the_stored_state_holds() -> None:
    assert LOOKUP_FIELDS[-3:] == ["views", "forwards", "reactions"] and "index" not in LOOKUP_FIELDS
    src = {"edit_date": "2026-10-05T11:00:00Z", "text": "x", "topics": ["a"], "views": 3, "reactions": {"👍": 1}}
    state = stored_from_source("dz-posts-2026.10", src)
    assert state.edit_date == datetime(2026, 10, 5, 11, tzinfo=UTC) and state.topics == ("a",)
    assert state.counters == (3, None, {"👍": 1}) and state.lang == "und" and not state.stub
