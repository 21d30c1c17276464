"""An offline stand-in for Telethon's ``TelegramClient``, serving real ``telethon.tl.types`` objects.

Used by the tests: build channels from ``posts.raw`` records (the sample corpus)
with :func:`message_from_record`, inject failures (a FloodWait, an RPC error, a dropped connection)
and push live events through the handlers the collector registered. Media: :meth:`FakeTelegram.add_file`
gives a message's attachment (and thumbnail) bytes for ``download_media``; a file reference can expire
as on Telegram (the stored message gets a new one; downloads with the old one fail until refetched).
Groups and comments: :meth:`FakeTelegram.add_group` makes a supergroup, :meth:`FakeTelegram.link_discussion`
makes it a channel's discussion group (answered through ``GetFullChannelRequest`` as Telegram does);
:func:`discussion_copy` and :func:`group_message` build the group's copy of a channel post and its comments.
"""

from __future__ import annotations

import asyncio
import copy
import time
from collections.abc import AsyncIterator, Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from telethon import utils
from telethon.errors import FileReferenceExpiredError
from telethon.tl import functions
from telethon.tl import types as tl
from telethon.tl.custom.forward import Forward

from dozor.records import RawPost

CHUNK = 100  # messages per "request", as Telethon's iter_messages fetches them


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _entities_for(text: str, post: RawPost) -> list[Any]:
    """Url/Mention/Hashtag entities at the UTF-16 offsets where the record's values occur in the text."""
    out: list[Any] = []
    wanted = [(link, tl.MessageEntityUrl) for link in post.links]
    wanted += [("@" + m, tl.MessageEntityMention) for m in post.mentions]
    wanted += [("#" + h, tl.MessageEntityHashtag) for h in post.hashtags]
    for value, kind in wanted:
        at = text.find(value)
        if at < 0:
            if kind is tl.MessageEntityUrl:  # a hidden link: a text URL over the whole text
                out.append(tl.MessageEntityTextUrl(0, utf16_len(text), value))
            continue
        out.append(kind(utf16_len(text[:at]), utf16_len(value)))
    return sorted(out, key=lambda e: e.offset)


def _media_for(media: dict[str, Any] | None, when: datetime | None) -> Any:
    if media is None:
        return None
    kind = media["type"]
    if kind == "photo":
        size = tl.PhotoSize("y", media.get("width", 0), media.get("height", 0), media.get("size", 0))
        return tl.MessageMediaPhoto(photo=tl.Photo(1, 1, b"", when, [size], 2))
    attrs: list[Any] = []
    if media.get("file_name"):
        attrs.append(tl.DocumentAttributeFilename(media["file_name"]))
    duration = media.get("duration", 0)
    if kind in ("video", "video_note"):
        attrs.append(tl.DocumentAttributeVideo(duration, 640, 360, round_message=kind == "video_note" or None))
    elif kind in ("voice", "audio"):
        attrs.append(tl.DocumentAttributeAudio(duration, voice=kind == "voice" or None))
    elif kind == "sticker":
        attrs.append(tl.DocumentAttributeSticker("", tl.InputStickerSetEmpty()))
    elif kind == "animation":
        attrs.append(tl.DocumentAttributeAnimated())
    doc = tl.Document(
        1, 1, b"", when, media.get("mime_type", "application/octet-stream"), media.get("size", 0), 2, attrs
    )
    return tl.MessageMediaDocument(document=doc)


_PEERS: dict[str, Any] = {"channel": tl.PeerChannel, "chat": tl.PeerChat, "user": tl.PeerUser}


def message_from_record(record: dict[str, Any] | RawPost) -> tl.Message:
    """The Telethon message that the collector would map to this record (the mapping's inverse)."""
    post = record if isinstance(record, RawPost) else RawPost.model_validate(record)
    fwd = None
    if post.forward is not None:
        fwd = tl.MessageFwdHeader(
            date=post.forward.date,
            from_id=_PEERS[post.forward.from_type or "channel"](post.forward.from_id)
            if post.forward.from_id is not None
            else None,
            from_name=post.forward.from_name if post.forward.from_id is None else None,
        )
    reactions = None
    if post.reactions:
        reactions = tl.MessageReactions(
            results=[tl.ReactionCount(reaction=tl.ReactionEmoji(e), count=n) for e, n in post.reactions.items()]
        )
    media = post.media.model_dump() if post.media is not None else None
    return tl.Message(
        id=post.message_id,
        peer_id=tl.PeerChannel(post.channel.id),
        date=post.date,
        message=post.text,
        post=True,
        fwd_from=fwd,
        reply_to=tl.MessageReplyHeader(reply_to_msg_id=post.reply_to) if post.reply_to is not None else None,
        media=_media_for(media, post.date),
        entities=_entities_for(post.text, post) or None,
        views=post.views,
        forwards=post.forwards,
        edit_date=post.edit_date,
        grouped_id=post.grouped_id,
        reactions=reactions,
    )


def channel_entity(channel_id: int, username: str | None, title: str) -> tl.Channel:
    return tl.Channel(
        id=channel_id,
        title=title,
        photo=tl.ChatPhotoEmpty(),
        date=None,
        broadcast=True,
        access_hash=channel_id * 7,
        username=username,
    )


def group_entity(group_id: int, username: str | None, title: str) -> tl.Channel:
    """A supergroup: a ``Channel`` with ``megagroup`` set, as Telegram describes discussion groups."""
    return tl.Channel(
        id=group_id,
        title=title,
        photo=tl.ChatPhotoEmpty(),
        date=None,
        megagroup=True,
        access_hash=group_id * 7,
        username=username,
    )


def user_entity(user_id: int, first_name: str, last_name: str | None = None) -> tl.User:
    return tl.User(id=user_id, first_name=first_name, last_name=last_name, access_hash=user_id * 3)


def discussion_copy(group_id: int, message_id: int, channel_id: int, post: Any) -> tl.Message:
    """The message Telegram puts in a discussion group for a channel post (``post``, a channel message):
    the post forwarded by the channel itself, with the post it was saved from."""
    return tl.Message(
        id=message_id,
        peer_id=tl.PeerChannel(group_id),
        date=post.date,
        message=post.message,
        from_id=tl.PeerChannel(channel_id),
        fwd_from=tl.MessageFwdHeader(
            date=post.date,
            from_id=tl.PeerChannel(channel_id),
            channel_post=post.id,
            saved_from_peer=tl.PeerChannel(channel_id),
            saved_from_msg_id=post.id,
        ),
    )


def group_message(
    group_id: int,
    message_id: int,
    text: str,
    when: datetime,
    author: tl.User,
    *,
    reply_to: int | None = None,
    top: int | None = None,
) -> tl.Message:
    """A member's message in a group: a comment when it replies (``reply_to``) in a thread started at
    ``top`` (the group's copy of a channel post; Telegram leaves ``top`` out for direct replies to it)."""
    header = None
    if reply_to is not None:
        header = tl.MessageReplyHeader(reply_to_msg_id=reply_to, reply_to_top_id=top)
    message = tl.Message(
        id=message_id,
        peer_id=tl.PeerChannel(group_id),
        date=when,
        message=text,
        from_id=tl.PeerUser(author.id),
        reply_to=header,
    )
    message._sender = author  # what Telethon sets from the users of the response
    return message


@dataclass
class FakeChannel:
    entity: tl.Channel
    messages: dict[int, Any] = field(default_factory=dict)
    linked_chat_id: int | None = None  # a channel's discussion group, a group's channel


class FakeTelegram:
    """The subset of ``TelegramClient`` the collector uses, over in-memory channels."""

    def __init__(self, name: str = "fake") -> None:
        self.name = name
        self.channels: dict[int, FakeChannel] = {}
        self.calls: list[tuple[float, str, int]] = []  # (monotonic time, request, channel id)
        self.failures: dict[int, list[BaseException]] = {}  # raised, in order, by a channel's requests
        self.drop_after: dict[int, int] = {}  # channel id -> connection drops after yielding N messages
        self.handlers: list[tuple[Callable[[Any], Any], Any]] = []
        self.files: dict[tuple[int, int], bytes] = {}  # (channel id, message id) -> attachment bytes
        self.thumbs: dict[tuple[int, int], bytes] = {}  # -> thumbnail bytes (documents)
        self.download_failures: dict[tuple[int, int], list[BaseException]] = {}  # raised by downloads, in order
        self.expire_on_download: set[tuple[int, int]] = set()  # the file reference expires at the first try
        # Channels Telegram sends along with the messages forwarded from them (a response's `chats`):
        # Telethon gives them as `message.forward.chat`. Origins not added here come as bare ids.
        self.origins: dict[int, tl.Channel] = {}
        self._mb_entity_cache: dict[int, Any] = {}  # Telethon's entity cache, read by its Forward class

    # ---- building ---------------------------------------------------------------------------------

    def add_channel(self, channel_id: int, username: str | None, title: str) -> FakeChannel:
        return self.channels.setdefault(channel_id, FakeChannel(channel_entity(channel_id, username, title)))

    def add_group(self, group_id: int, username: str | None, title: str) -> FakeChannel:
        return self.channels.setdefault(group_id, FakeChannel(group_entity(group_id, username, title)))

    def link_discussion(self, channel_id: int, group_id: int) -> None:
        self.channels[channel_id].linked_chat_id = group_id
        self.channels[group_id].linked_chat_id = channel_id

    def add_origin(self, channel_id: int, username: str | None, title: str) -> tl.Channel:
        """A channel messages are forwarded from, known to Telegram (not necessarily watched)."""
        self.origins[channel_id] = channel_entity(channel_id, username, title)
        return self.origins[channel_id]

    def add_message(self, message: Any) -> None:
        fwd = getattr(message, "fwd_from", None)
        origin = self.origins.get(getattr(getattr(fwd, "from_id", None), "channel_id", -1))
        if fwd is not None:  # what Telethon's Message._finish_init does with the response's entities
            known = {utils.get_peer_id(origin): origin} if origin is not None else {}
            message._forward = Forward(self, fwd, known)
            message._forward._client = None  # no cycle message -> client (messages are deep-copied)
        self.channels[message.peer_id.channel_id].messages[message.id] = message

    def add_file(self, message: Any, data: bytes, thumb: bytes | None = None) -> None:
        """The bytes behind a message's attachment; ``thumb`` adds a thumbnail to its document."""
        key = (message.peer_id.channel_id, message.id)
        self.files[key] = data
        doc = getattr(message.media, "document", None)
        if thumb is not None and isinstance(doc, tl.Document):
            self.thumbs[key] = thumb
            doc.thumbs = [tl.PhotoStrippedSize("i", b"\x01\x08\x08"), tl.PhotoSize("m", 320, 180, len(thumb))]

    @classmethod
    def from_records(cls, records: Iterable[dict[str, Any]], name: str = "fake") -> FakeTelegram:
        fake = cls(name)
        for rec in records:
            if rec.get("event", "new") != "new":
                continue
            ch = rec["channel"]
            fwd = rec.get("forward") or {}
            if fwd.get("from_id") is not None and fwd.get("from_username") and fwd.get("from_type") == "channel":
                fake.add_origin(fwd["from_id"], fwd["from_username"], fwd.get("from_name") or fwd["from_username"])
            fake.add_channel(ch["id"], ch.get("username"), ch.get("title") or str(ch["id"]))
            fake.add_message(message_from_record(rec))
        return fake

    # ---- the client surface ---------------------------------------------------------------------

    def _request(self, op: str, channel_id: int) -> None:
        self.calls.append((time.monotonic(), op, channel_id))
        queue = self.failures.get(channel_id)
        if queue:
            raise queue.pop(0)

    def _find(self, ref: Any) -> FakeChannel:
        if isinstance(ref, tl.PeerChannel):
            found = self.channels.get(ref.channel_id)
        elif isinstance(ref, tl.Channel):
            found = self.channels.get(ref.id)
        else:
            name = str(ref).lstrip("@").lower()
            found = next((c for c in self.channels.values() if (c.entity.username or "").lower() == name), None)
        if found is None:
            raise ValueError(f'No user has "{ref}" as username')
        return found

    async def get_entity(self, ref: Any) -> tl.Channel:
        channel = self._find(ref)
        self._request("get_entity", channel.entity.id)
        return channel.entity

    async def __call__(self, request: Any) -> Any:
        """Raw requests; only ``channels.GetFullChannelRequest`` (a channel's linked discussion group)."""
        if not isinstance(request, functions.channels.GetFullChannelRequest):
            raise NotImplementedError(f"the fake client does not answer {type(request).__name__}")
        channel = self._find(request.channel)
        self._request("get_full_channel", channel.entity.id)
        full = tl.ChannelFull(
            id=channel.entity.id,
            about="",
            read_inbox_max_id=0,
            read_outbox_max_id=0,
            unread_count=0,
            chat_photo=tl.PhotoEmpty(0),
            notify_settings=tl.PeerNotifySettings(),
            bot_info=[],
            pts=1,
            linked_chat_id=channel.linked_chat_id,
        )
        linked = self.channels.get(channel.linked_chat_id or 0)
        chats = [channel.entity] + ([linked.entity] if linked is not None else [])
        return tl.messages.ChatFull(full_chat=full, chats=chats, users=[])

    async def get_messages(self, entity: Any, limit: int = 1, ids: int | None = None) -> Any:
        """The newest ``limit`` messages, or (``ids``) that one message or None, as Telethon does."""
        channel = self._find(entity)
        self._request("get_messages", channel.entity.id)
        if ids is not None:
            return channel.messages.get(ids)
        newest = sorted(channel.messages, reverse=True)[:limit]
        return [channel.messages[i] for i in newest]

    async def download_media(self, message: Any, file: Any = None, *, thumb: Any = None) -> Any:
        """``file=bytes`` returns the bytes; a file object is written to and returned."""
        key = (message.peer_id.channel_id, message.id)
        self._request("download_media", key[0])
        await asyncio.sleep(0)
        failures = self.download_failures.get(key)
        if failures:
            raise failures.pop(0)
        if key in self.expire_on_download:
            self.expire_on_download.discard(key)
            self._renew_reference(key)
        stored = self.channels[key[0]].messages.get(key[1])
        if stored is None or _reference(stored) != _reference(message):
            raise FileReferenceExpiredError(request=None)
        data = (self.thumbs if thumb is not None else self.files).get(key)
        if data is None:
            return None
        if file is bytes:
            return data
        file.write(data)
        return file

    def _renew_reference(self, key: tuple[int, int]) -> None:
        """Telegram moved on: the stored message now carries a new file reference."""
        fresh = copy.deepcopy(self.channels[key[0]].messages[key[1]])
        media: Any = getattr(fresh.media, "photo", None) or getattr(fresh.media, "document", None)
        media.file_reference = (media.file_reference or b"") + b"+"
        self.channels[key[0]].messages[key[1]] = fresh

    async def iter_messages(
        self,
        entity: Any,
        *,
        reverse: bool = False,
        min_id: int = 0,
        offset_date: datetime | None = None,
        limit: int | None = None,
    ) -> AsyncIterator[Any]:
        channel = self._find(entity)
        cid = channel.entity.id
        ids = sorted((i for i in channel.messages if i > min_id), reverse=not reverse)
        if offset_date is not None:
            ids = [i for i in ids if (channel.messages[i].date or offset_date) > offset_date]
        for n, mid in enumerate(ids[:limit]):
            if n % CHUNK == 0:
                self._request("iter_messages", cid)
                await asyncio.sleep(0)
            if cid in self.drop_after and n >= self.drop_after[cid]:
                raise ConnectionError(f"connection to Telegram lost (fake, channel {cid})")
            yield channel.messages[mid]

    def add_event_handler(self, callback: Callable[[Any], Any], event: Any) -> None:
        self.handlers.append((callback, event))

    async def emit(self, event: Any) -> None:
        """Deliver a ``telethon.events`` Event to the handlers registered for its builder."""
        for callback, builder in self.handlers:
            if type(event) is type(builder).Event:
                await callback(event)


def _reference(message: Any) -> bytes | None:
    media = getattr(message.media, "photo", None) or getattr(message.media, "document", None)
    return getattr(media, "file_reference", None)
