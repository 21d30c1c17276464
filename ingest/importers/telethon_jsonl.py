"""JSONL of Telethon ``Message.to_json()`` / ``to_dict()`` objects → ``posts.raw`` records.

The format of many Telegram scrapers and research toolkits. Each line is rebuilt into the Telethon
object it was dumped from and mapped by ``ingest.mapping.message_record``, the collector's own mapping.
Service messages (channel created, pinned, ...) are not posts: counted and left out, not DLQ'd.
The channel comes from each message's ``peer_id``; ``--channel`` fills what a dump lacks (username,
title, category) for the channel it names by id, or for the first channel of the dump when it gives none.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Iterator
from typing import Any

from telethon.tl import types as tl

from dozor.records import Channel
from ingest.importers import Bad, Item, Skip
from ingest.importers.tlrebuild import rebuild
from ingest.mapping import DEFAULT_MAX_TEXT, BadInput, message_record, peer_id

log = logging.getLogger(__name__)

MESSAGE_TYPES = frozenset({"Message", "MessageService", "MessageEmpty"})


class Channels:
    """The record's ``channel`` for a chat id: ``fill`` for the chat it describes, the bare id otherwise."""

    def __init__(self, fill: dict[str, Any] | None) -> None:
        self.fill = dict(fill or {})
        self.described: int | None = self.fill.get("id")
        self._made: dict[int, Channel] = {}

    def __call__(self, chat_id: int) -> Channel:
        if chat_id not in self._made:
            if self.described is None and self.fill:
                self.described = chat_id  # no id given: --channel describes the dump's first channel
            fields = self.fill if chat_id == self.described else {}
            self._made[chat_id] = Channel.model_validate({**fields, "id": chat_id})
        return self._made[chat_id]

    def unused(self) -> bool:
        return self.described is not None and bool(self.fill) and self.described not in self._made


def _item(body: bytes, where: str, channels: Channels, max_text_chars: int, include_private: bool) -> Item:
    try:
        obj = json.loads(body)
    except ValueError as exc:  # UnicodeDecodeError included
        kind = "invalid Unicode" if isinstance(exc, UnicodeDecodeError) else "invalid JSON"
        return Bad(body, kind, str(exc), where)
    name = obj.get("_") if isinstance(obj, dict) else None
    if not isinstance(name, str) or name not in MESSAGE_TYPES:
        what = f"a {name} object" if isinstance(name, str) else f"a JSON {type(obj).__name__}"
        return Bad(body, "not a message", f"{what}, expected a Telethon Message", where)
    try:
        message = rebuild(obj)
    except (ValueError, TypeError) as exc:
        return Bad(body, "malformed entry", str(exc), where)
    if isinstance(message, tl.MessageService):
        return Skip("service message", where)
    chat = peer_id(getattr(message, "peer_id", None))
    if chat is None:
        return Bad(body, "malformed entry", "no peer_id: the chat of the message is unknown", where)
    if isinstance(message.peer_id, tl.PeerUser) and not include_private:
        return Skip("private chat message", where)
    try:
        return message_record(message, channels(chat), max_text_chars=max_text_chars)
    except BadInput as exc:
        return Bad(body, exc.kind, str(exc), where)
    except (AttributeError, TypeError) as exc:  # an argument the mapping needs is missing (None) in the dump
        return Bad(body, "malformed entry", f"a field is missing or malformed ({type(exc).__name__}: {exc})", where)


def read(
    lines: Iterable[bytes],
    source: str,
    fill: dict[str, Any] | None = None,
    max_text_chars: int = DEFAULT_MAX_TEXT,
    *,
    include_private: bool = False,
) -> Iterator[Item]:
    channels = Channels(fill)
    for number, line in enumerate(lines, 1):
        body = line.strip()
        if body:
            yield _item(body, f"{source}:{number}", channels, max_text_chars, include_private)
    if channels.unused():
        log.warning("%s: no message of channel %s, which --channel names; its fields were not used", source, fill)
