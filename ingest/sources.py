"""What the collector collects from: accounts, and sources (a channel, a group, or a channel's discussion
group) with their position; how a source is checked against Telegram, how a discussion group is found,
and which channel post a comment answers."""

from __future__ import annotations

import logging
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from telethon.tl import functions
from telethon.tl import types as tl

from dozor.records import Channel, RawPost, SourceKind
from ingest.floodgate import FloodGate
from ingest.mapping import channel_post_copy, thread_top
from ingest.rawjson import RawCopy
from ingest.registry import ChannelEntry
from ingest.states import AccountHealth, ChannelHealth

log = logging.getLogger(__name__)


@dataclass
class Account:
    name: str
    client: Any
    gate: FloodGate = field(init=False)
    health: AccountHealth = field(init=False)

    def __post_init__(self) -> None:
        self.gate = FloodGate(self.name)
        self.health = AccountHealth(self.name)

    @property
    def collector(self) -> str:
        """The ``collector`` field of what this account collects."""
        return f"telethon:{self.name}"


@dataclass
class Mapped:
    """A message that became a post, with the message (for its media) and its raw copy."""

    post: RawPost
    message: Any
    raw: RawCopy | None


@dataclass
class ChannelState:
    entry: ChannelEntry
    account: Account
    entity: Any = None
    channel: Channel | None = None
    last_id: int = 0
    last_date: datetime | None = None
    live_seen: set[int] = field(default_factory=set)  # ids sent live since the last checkpoint
    parent: ChannelState | None = None  # set on a discussion group: the channel whose comments it holds
    copies: dict[int, int | None] = field(default_factory=dict)  # group message id -> channel post it copies
    discussion: ChannelState | None = None  # a channel's discussion group, once found
    health: ChannelHealth = field(init=False)

    def __post_init__(self) -> None:
        self.health = ChannelHealth(self.label)

    @property
    def label(self) -> str:
        return f"{self.entry.label} comments" if self.parent is not None else self.entry.label

    @property
    def kind(self) -> SourceKind:
        if self.parent is not None:
            return "comments"
        return "group" if self.entry.kind == "group" else "channel"


def shard(entries: Sequence[ChannelEntry], accounts: Sequence[Account]) -> list[tuple[ChannelEntry, Account]]:
    """A stable account per channel (the same channel always goes to the same account)."""
    return [(e, accounts[zlib.crc32(e.label.lower().encode()) % len(accounts)]) for e in entries]


def is_group(entity: Any) -> bool:
    """A supergroup (a megagroup or a broadcast group) or a basic group, as opposed to a channel."""
    return isinstance(entity, tl.Chat) or bool(
        getattr(entity, "megagroup", False) or getattr(entity, "gigagroup", False)
    )


def reference(entry: ChannelEntry) -> Any:
    if entry.channel_id is not None:
        return tl.PeerChannel(entry.channel_id)
    return entry.username or entry.channel


async def discussion_group(state: ChannelState, entity: Any) -> Any:
    """Check the entry's kind against what Telegram says; with ``comments: true``, the channel's linked
    discussion group (None when it has none: its posts are collected, a warning says why no comments)."""
    if is_group(entity) != (state.entry.kind == "group"):
        actual = "group" if is_group(entity) else "channel"
        raise ValueError(f"{state.label} is a {actual}: set `kind: {actual}` in the registry")
    if not state.entry.comments:
        return None
    gate, client = state.account.gate, state.account.client
    full = await gate.call(state.label, lambda: client(functions.channels.GetFullChannelRequest(entity)))
    linked = full.full_chat.linked_chat_id
    if not linked:
        log.warning("channel %s has no discussion group: its comments cannot be collected", state.label)
        return None
    known = next((chat for chat in full.chats if chat.id == linked), None)
    return known or await gate.call(state.label, lambda: client.get_entity(tl.PeerChannel(linked)))


async def thread_of(state: ChannelState, message: Any) -> tuple[int, int] | None:
    """For a discussion group's message, the (channel id, post id) its thread answers; the group's
    copies of the channel's posts are noted in ``state.copies`` (they are not posts of their own)."""
    parent = state.parent
    if parent is None or parent.channel is None:
        return None
    channel_id = parent.channel.id
    post_id = channel_post_copy(message, channel_id)
    if post_id is not None:
        state.copies[message.id] = post_id
        return None
    top = thread_top(message)
    if top is None:
        return None
    if top not in state.copies:  # a copy from before the checkpoint, or before this run
        account, entity = state.account, state.entity
        copy = await account.gate.call(state.label, lambda: account.client.get_messages(entity, ids=top))
        state.copies[top] = channel_post_copy(copy, channel_id) if copy is not None else None
    post_id = state.copies[top]
    return (channel_id, post_id) if post_id is not None else None
