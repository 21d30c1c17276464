"""What the chaos run publishes, and what must come out of it: posts with distinct texts (fragments of the
sample corpus, tests/data/corpus_fragments.yaml, combined and numbered), edits (some twice, the older edit
re-sent after the newer one), deletes, and one post in ``trigger_every`` carrying the alert rule's word.
Pure and deterministic for a seed."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from tests.support.build_corpus import SOURCES, uz_to_cyrillic

TRIGGER = "дозорхаос"  # a word no fragment holds: only the trigger posts match the rule
RULE = "chaos-trigger"
CHANNELS = 24
CHANNEL_BASE = 7_300_000
START = datetime(2026, 9, 1, tzinfo=UTC)
SPAN = timedelta(days=90)  # posts dated over three monthly indices: edits and deletes must find theirs


@dataclass
class Expected:
    text: str
    edit_date: str | None = None
    deleted: bool = False


@dataclass
class Workload:
    events: list[dict[str, Any]] = field(default_factory=list)  # posts.raw records, in publishing order
    expected: dict[str, Expected] = field(default_factory=dict)  # post id -> its final state
    alerts: set[str] = field(default_factory=set)  # the alert ids the rule must fire
    edits: int = 0
    deletes: int = 0

    def canary(self, n: int, at: datetime) -> dict[str, Any]:
        """A trigger post published at a fault, to time the recovery; it is expected like any other."""
        channel = _channel(n % CHANNELS)
        message_id = 1_000_000 + n
        record = _record(channel, message_id, at, f"Контрольная запись {n} {TRIGGER}")
        self.expected[post_id(channel["id"], message_id)] = Expected(record["text"])
        self.alerts.add(alert_id(channel["id"], message_id))
        return record


def post_id(channel_id: int, message_id: int) -> str:
    return f"tg:{channel_id}:{message_id}"


def alert_id(channel_id: int, message_id: int) -> str:
    return f"{RULE}/{post_id(channel_id, message_id)}"


def _channel(k: int) -> dict[str, Any]:
    return {
        "id": CHANNEL_BASE + k,
        "username": f"chaos_{k}",
        "title": f"Chaos {k}",
        "category": "media",
        "country": "RU",
    }


def _iso(at: datetime) -> str:
    return at.isoformat().replace("+00:00", "Z")


def _record(channel: dict[str, Any], message_id: int, date: datetime, text: str, **extra: Any) -> dict[str, Any]:
    return {
        "schema": 1,
        "source": "telegram",
        "event": "new",
        "channel": channel,
        "message_id": message_id,
        "date": _iso(date),
        "text": text,
        "views": 10,
        "collected_at": _iso(date),
        **extra,
    }


def _text(rng: random.Random, i: int) -> str:
    lang = rng.choice(sorted(SOURCES))
    first, second = rng.sample(SOURCES[lang], 2)
    text = f"{first[1]} {second[1]} (№{i})"
    return uz_to_cyrillic(text) if lang == "uz_cyrl" else text


def generate(posts: int, edits: int, deletes: int, trigger_every: int = 20, seed: int = 17) -> Workload:
    rng = random.Random(seed)
    work = Workload(edits=edits, deletes=deletes)
    triggers = set(range(0, posts, trigger_every))
    plain = [i for i in range(posts) if i not in triggers]  # only posts that never match are edited or deleted
    edited = set(rng.sample(plain, min(edits, len(plain))))
    twice = set(rng.sample(sorted(edited), len(edited) // 3))
    deleted = set(rng.sample(sorted(edited), min(deletes // 2, len(edited))))
    deleted |= set(rng.sample([i for i in plain if i not in deleted], deletes - len(deleted)))
    later: dict[int, list[dict[str, Any]]] = {}  # publishing position -> follow-ups due there
    for i in range(posts):
        channel = _channel(i % CHANNELS)
        date = START + SPAN * (i / posts)
        text = _text(rng, i) + (f" {TRIGGER}" if i in triggers else "")
        pid = post_id(channel["id"], i + 1)
        new = _record(channel, i + 1, date, text)
        work.events.append(new)
        work.expected[pid] = Expected(text)
        if i in triggers:
            work.alerts.add(alert_id(channel["id"], i + 1))
        follow: list[dict[str, Any]] = []
        if i in edited:
            versions = [1, 2] if i in twice else [1]
            for v in versions:
                at = date + timedelta(hours=v)
                follow.append({**new, "event": "edit", "text": f"{text} — правка {v}", "edit_date": _iso(at)})
            if i in twice:
                follow.append(follow[0])  # the older edit again, after the newer one: it must not win
            last = follow[len(versions) - 1]
            work.expected[pid] = Expected(last["text"], last["edit_date"])
        if i in deleted:
            follow.append({**new, "event": "delete", "text": "", "date": None, "edit_date": None})
            work.expected[pid].deleted = True
        due = i + rng.randint(20, 400)
        for record in follow:
            later.setdefault(due, []).append(record)
            due += rng.randint(1, 50)
        work.events.extend(later.pop(i, []))
    for position in sorted(later):
        work.events.extend(later[position])
    return work
