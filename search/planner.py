"""The indexer's decisions for a batch, given what the lookups found: pure, no I/O.

Per chunk of a batch (in offset order): a ``new`` event for an id nothing is known about becomes a
create-only write with no read (:meth:`BatchPlanner.creatable`); every other id is read first
(:meth:`BatchPlanner.to_look_up`) and decided by :func:`search.events.decide` against what is stored.
The planner keeps, for the rest of the batch, the stored state each id was left in. The bulk writer
(:mod:`search.indexer`) does the reads and the writes.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Container, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple

from dozor import topics
from dozor.records import EnrichedPost
from dozor.stream import Message, Rejected, decoded
from dozor.topics import Topic
from search.events import COUNTER_FIELDS, Names, Stored, Write, create, created_state, decide
from search.media import MediaUpdate, media_update, stored_items

# What a lookup reads of a stored post: what :class:`Stored` holds (the counters as their fields).
LOOKUP_FIELDS = [
    *(f.name for f in dataclasses.fields(Stored) if f.name not in ("index", "counters")),
    *COUNTER_FIELDS,
]


class Event(NamedTuple):
    message: Message
    post: EnrichedPost | MediaUpdate
    id: str  # the post's document id, formatted once


def decode(chunk: Sequence[Message], media_topics: Mapping[str, Topic[Any]], rejected: list[Rejected]) -> list[Event]:
    """The chunk's events in offset order: posts (``posts.enriched``), and media updates from the topics
    of ``media_topics`` (prefixed name -> topic); an invalid record goes to ``rejected``."""
    if not any(m.topic in media_topics for m in chunk):  # the common case: one decode pass
        return [Event(r.message, r.value, r.value.doc_id) for r in decoded(topics.ENRICHED, chunk, rejected)]
    out: list[Event] = []
    for message in chunk:
        topic = media_topics.get(message.topic)
        if topic is None:
            out.extend(Event(r.message, r.value, r.value.doc_id) for r in decoded(topics.ENRICHED, [message], rejected))
        else:
            for r in decoded(topic, [message], rejected):
                update = media_update(r.value)
                out.append(Event(message, update, update.doc_id))
    return out


class Planned(NamedTuple):
    message: Message
    write: Write
    event: Event | None = None  # on a create: the event to decide again if the id is taken


def _parse_dt(value: Any) -> datetime | None:
    if not value:
        return None
    return datetime.fromisoformat(str(value).replace("Z", "+00:00"))


def stored_from_source(index: str, src: dict[str, Any]) -> Stored:
    """What a lookup found (the ``LOOKUP_FIELDS`` of a stored document) as the decisions need it."""
    return Stored(
        index=index,
        edit_date=_parse_dt(src.get("edit_date")),
        deleted_at=_parse_dt(src.get("deleted_at")),
        stub=bool(src.get("stub", False)),
        date=_parse_dt(src.get("date")),
        text=str(src.get("text") or ""),
        lang=str(src.get("lang") or "und"),
        topics=tuple(src.get("topics") or ()),
        counters=(src.get("views"), src.get("forwards"), dict(src.get("reactions") or {})),
        media=tuple(stored_items(src.get("media"))),
    )


@dataclass
class BatchPlanner:
    """The decisions of one batch, and what it knows while it runs."""

    names: Names
    stored: dict[str, Stored] = field(default_factory=dict)  # looked up, then as this batch's writes left it
    created: dict[str, tuple[EnrichedPost, str]] = field(default_factory=dict)  # id -> (post, index)

    def creatable(self, events: Sequence[Event], homes: Container[str]) -> set[str]:
        """The ids a create-only write may take without a read: a ``new`` event, alone of its id in
        the chunk, for an id this batch has not stored or created and ``homes`` (the ids this process
        wrote) does not hold. The writer still drops those it finds stored outside their month."""
        seen = Counter(e.id for e in events)
        stored, created = self.stored, self.created
        return {
            e.id
            for e in events
            if e.post.event == "new"
            and seen[e.id] == 1
            and e.id not in stored
            and e.id not in created
            and e.id not in homes
        }

    def to_look_up(self, events: Sequence[Event], fresh: set[str]) -> set[str]:
        """The ids of the chunk whose stored state must be read before deciding. An id created earlier
        in this batch and touched again is known from its create: no read."""
        ids = {e.id for e in events}
        for doc_id in ids & self.created.keys():
            post, index = self.created.pop(doc_id)
            self.stored[doc_id] = created_state(post, index)
        return ids - fresh - self.stored.keys()

    def plan(
        self, events: Sequence[Event], fresh: set[str], looked_up: dict[str, Stored], now: datetime
    ) -> list[Planned]:
        """Creates for the ``fresh`` ids; the rest decided in offset order (a chunk may hold a new and
        an edit of one post) against what is stored."""
        plan: list[Planned] = []
        for event in events:
            if event.id in fresh and isinstance(event.post, EnrichedPost):  # fresh: `new` events only
                write = create(event.post, now, self.names)
                self.created[event.id] = (event.post, write.index)
                plan.append(Planned(event.message, write, event))
        plan.extend(self.decide([e for e in events if e.id not in fresh], looked_up, now))
        return plan

    def decide(self, events: Sequence[Event], looked_up: dict[str, Stored], now: datetime) -> list[Planned]:
        self.stored.update(looked_up)
        plan: list[Planned] = []
        for event in events:
            writes, state = decide(event.post, self.stored.get(event.id), now, self.names)
            if state is not None:
                self.stored[event.id] = state
            # A create (a media event's stub) the index answers 409 for is decided again, as `taken`.
            plan.extend(Planned(event.message, w, event if w.op == "create" else None) for w in writes)
        return plan

    def taken(self, creates: Sequence[Planned]) -> list[Event]:
        """Creates Elasticsearch answered 409 for (the id was stored already): no longer created by
        this batch; their events are to be decided again against what is stored."""
        for p in creates:
            self.created.pop(p.write.id, None)
        return [p.event for p in creates if p.event is not None]
