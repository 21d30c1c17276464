"""Telethon ``Message`` → ``posts.raw`` record (docs/architecture.md, schema 1).

Pure functions over ``telethon.tl.types`` objects: no client, no network. Anything that cannot become a
valid record raises :class:`BadInput` with a one-line reason; the caller counts and logs it.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from pydantic import ValidationError
from telethon import helpers, utils
from telethon.tl import types as tl

from dozor.dlq import problems
from dozor.records import Channel, Event, Forward, Media, RawPost, SourceKind, utcnow

DEFAULT_MAX_TEXT = 100_000


class BadInput(ValueError):
    """A message or record that cannot become a valid ``posts.raw`` record; the text is the reason,
    ``kind`` a short name for summaries ("text too long", "invalid Unicode", ...)."""

    def __init__(self, reason: str, kind: str = "invalid record") -> None:
        super().__init__(reason)
        self.kind = kind


def check_text(text: str, max_chars: int = DEFAULT_MAX_TEXT) -> str:
    if len(text) > max_chars:
        raise BadInput(f"text too long: {len(text):,} characters (limit {max_chars:,})", "text too long")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise BadInput(f"invalid Unicode in text at character {exc.start} ({exc.reason})", "invalid Unicode") from None
    return text


def peer_id(peer: Any) -> int | None:
    for attr in ("channel_id", "user_id", "chat_id"):
        value = getattr(peer, attr, None)
        if isinstance(value, int):
            return value
    return None


def channel_from_entity(
    entity: Any, category: str = "other", country: str | None = None, username: str | None = None
) -> Channel:
    """The record's ``channel`` object from a Telethon Channel/Chat entity and its registry entry."""
    return Channel.model_validate(
        {
            "id": entity.id,
            "username": getattr(entity, "username", None) or username,
            "title": getattr(entity, "title", None),
            "category": category,
            "country": country,
        }
    )


def _entities(text: str, entities: list[Any] | None) -> tuple[list[str], list[str], list[str]]:
    links: list[str] = []
    mentions: list[str] = []
    hashtags: list[str] = []
    if not entities:
        return links, mentions, hashtags
    wide = helpers.add_surrogate(text)  # entity offsets count UTF-16 code units

    def part(entity: Any) -> str:
        return str(helpers.del_surrogate(wide[entity.offset : entity.offset + entity.length]))

    for entity in entities:
        if isinstance(entity, tl.MessageEntityTextUrl):
            links.append(entity.url)
        elif isinstance(entity, tl.MessageEntityUrl):
            links.append(part(entity))
        elif isinstance(entity, tl.MessageEntityMention):
            mentions.append(part(entity).lstrip("@"))
        elif isinstance(entity, tl.MessageEntityHashtag):
            hashtags.append(part(entity).lstrip("#"))
    return links, mentions, hashtags


def _largest_photo_size(photo: Any) -> dict[str, Any]:
    best: dict[str, Any] = {}
    for size in getattr(photo, "sizes", None) or []:
        if isinstance(size, tl.PhotoSize):
            nbytes = size.size
        elif isinstance(size, tl.PhotoSizeProgressive):
            nbytes = max(size.sizes) if size.sizes else 0
        else:
            continue
        if not best or size.w * size.h > best["width"] * best["height"]:
            best = {"width": size.w, "height": size.h, "size": nbytes}
    return best


def _document_summary(doc: Any) -> dict[str, Any]:
    kind = "document"
    out: dict[str, Any] = {"mime_type": doc.mime_type, "size": doc.size}
    for attr in doc.attributes or []:
        if isinstance(attr, tl.DocumentAttributeFilename):
            out["file_name"] = attr.file_name
        elif isinstance(attr, tl.DocumentAttributeVideo):
            kind = "video_note" if attr.round_message else "video"
            out["duration"] = int(attr.duration)
        elif isinstance(attr, tl.DocumentAttributeAudio):
            kind = "voice" if attr.voice else "audio"
            out["duration"] = int(attr.duration)
        elif isinstance(attr, tl.DocumentAttributeSticker):
            kind = "sticker"
        elif isinstance(attr, tl.DocumentAttributeAnimated) and kind == "document":
            kind = "animation"
    # An animation carries a video attribute too: keep "animation".
    if any(isinstance(a, tl.DocumentAttributeAnimated) for a in doc.attributes or []):
        kind = "animation"
    return {"type": kind, **out}


def media_summary(media: Any) -> dict[str, Any] | None:
    """Type, mime, size and file name of the attachment; nothing is downloaded."""
    if media is None:
        return None
    if isinstance(media, tl.MessageMediaPhoto):
        return {"type": "photo", **_largest_photo_size(media.photo)}
    if isinstance(media, tl.MessageMediaDocument):
        if isinstance(media.document, tl.Document):
            return _document_summary(media.document)
        return {"type": "document"}
    if isinstance(media, tl.MessageMediaWebPage):
        page = media.webpage
        url = getattr(page, "url", None)
        return {"type": "webpage", **({"url": url} if url else {})}
    if isinstance(media, tl.MessageMediaPoll):
        return {"type": "poll"}
    if isinstance(media, tl.MessageMediaGeo | tl.MessageMediaGeoLive | tl.MessageMediaVenue):
        return {"type": "geo"}
    if isinstance(media, tl.MessageMediaContact):
        return {"type": "contact"}
    return {"type": "other", "class": type(media).__name__}


def _reactions(reactions: Any) -> dict[str, int]:
    out: dict[str, int] = {}
    for rc in getattr(reactions, "results", None) or []:
        reaction = rc.reaction
        if isinstance(reaction, tl.ReactionEmoji):
            key = reaction.emoticon
        elif isinstance(reaction, tl.ReactionCustomEmoji):
            key = f"custom:{reaction.document_id}"
        elif isinstance(reaction, str):  # layers before 145 (old dumps) carried the emoticon itself
            key = reaction
        else:
            key = type(reaction).__name__.removeprefix("Reaction").lower() or "other"
        out[key] = out.get(key, 0) + rc.count
    return out


_PEER_TYPES = {tl.PeerChannel: "channel", tl.PeerChat: "chat", tl.PeerUser: "user"}


def _forward(fwd: Any, names: Mapping[int, str], origin: Any = None) -> dict[str, Any] | None:
    """The forward header; ``origin`` is the origin's entity when Telegram sent it along (Telethon's
    ``message.forward.chat``): its username and title."""
    if fwd is None:
        return None
    from_id = peer_id(fwd.from_id) if fwd.from_id is not None else None
    title = getattr(origin, "title", None)
    name = fwd.from_name or (names.get(from_id) if from_id is not None else None) or title
    when = fwd.date.astimezone(UTC) if fwd.date is not None else None
    out: dict[str, Any] = {"from_id": from_id, "from_name": name, "date": when}
    kind = _PEER_TYPES.get(type(fwd.from_id))
    if kind is not None:
        out["from_type"] = kind
    username = getattr(origin, "username", None)
    if isinstance(username, str) and username:
        out["from_username"] = username
    return out


def plain_text(value: Any) -> str:
    """A ``TextWithEntities`` (layer 178 on) or the plain string older layers and dumps carry."""
    text = getattr(value, "text", value)
    return text if isinstance(text, str) else ""


def poll_summary(media: Any) -> dict[str, Any] | None:
    """Question, answers (with their votes when Telegram showed them) and totals of a poll."""
    if not isinstance(media, tl.MessageMediaPoll):
        return None
    results = media.results
    votes = {r.option: r.voters for r in getattr(results, "results", None) or []}
    answers: list[dict[str, Any]] = []
    for answer in media.poll.answers or []:
        item: dict[str, Any] = {"text": plain_text(answer.text)}
        if answer.option in votes:
            item["voters"] = votes[answer.option]
        answers.append(item)
    out: dict[str, Any] = {"question": plain_text(media.poll.question), "answers": answers}
    out["closed"] = bool(media.poll.closed)
    if getattr(results, "total_voters", None) is not None:
        out["total_voters"] = results.total_voters
    return out


def _sticker_emoji(media: Any) -> str | None:
    document = getattr(media, "document", None) if isinstance(media, tl.MessageMediaDocument) else None
    for attr in getattr(document, "attributes", None) or []:
        if isinstance(attr, tl.DocumentAttributeSticker) and attr.alt:
            return str(attr.alt)
    return None


def _saved_from(fwd: Any, names: Mapping[int, str]) -> dict[str, Any] | None:
    # saved_from_peer is the chat the message was saved from (with saved_from_msg_id), what Desktop
    # exports as saved_from; newer layers add saved_from_id, the original sender, used when it is all.
    peer = getattr(fwd, "saved_from_peer", None) or getattr(fwd, "saved_from_id", None)
    name = getattr(fwd, "saved_from_name", None)
    if peer is None and name is None:
        return None
    from_id = peer_id(peer) if peer is not None else None
    name = name or (names.get(from_id) if from_id is not None else None)
    return {"from_id": from_id, "from_name": name, "message_id": getattr(fwd, "saved_from_msg_id", None)}


def content_extras(message: Any, names: Mapping[int, str]) -> dict[str, Any]:
    """Fields beyond the schema-1 core, present only when the message has them (the contract allows
    extra keys): ``author`` (the post signature), ``poll``, ``sticker_emoji``, ``saved_from``."""
    found = {
        # A string from Telegram; a dump (`dozor import`) may hold anything there: what is not text is left out.
        "author": message.post_author if isinstance(message.post_author, str) else None,
        "poll": poll_summary(message.media),
        "sticker_emoji": _sticker_emoji(message.media),
        "saved_from": _saved_from(message.fwd_from, names) if message.fwd_from is not None else None,
    }
    return {key: value for key, value in found.items() if value}


def channel_post_copy(message: Any, channel_id: int) -> int | None:
    """The id of the channel post that ``message``, in the channel's discussion group, is the automatic
    copy of (comments reply to that copy); None for any other message. Telegram marks the copy with the
    post it was saved from; a member's own forward of the post comes from the member, not the channel."""
    fwd = getattr(message, "fwd_from", None)
    if fwd is None:
        return None
    if peer_id(fwd.saved_from_peer) == channel_id and fwd.saved_from_msg_id:
        return int(fwd.saved_from_msg_id)
    from_channel = isinstance(message.from_id, tl.PeerChannel) and message.from_id.channel_id == channel_id
    if from_channel and isinstance(fwd.from_id, tl.PeerChannel) and fwd.from_id.channel_id == channel_id:
        return int(fwd.channel_post) if fwd.channel_post else None
    return None


def thread_top(message: Any) -> int | None:
    """The message of the same chat a reply's thread starts at: the top of a reply chain (a comment
    answering another comment) or the message replied to. None for a message that is no reply, or that
    answers a message of another chat."""
    reply = getattr(message, "reply_to", None)
    if not isinstance(reply, tl.MessageReplyHeader) or reply.reply_to_peer_id is not None:
        return None
    top = reply.reply_to_top_id or reply.reply_to_msg_id
    return int(top) if top else None


def sender(message: Any) -> dict[str, Any] | None:
    """Who wrote a group message: the peer's id, and the name when Telethon knows the entity."""
    peer = getattr(message, "from_id", None)
    if peer is None:
        return None
    entity = getattr(message, "sender", None)  # set from the users and chats of the response
    name = utils.get_display_name(entity) if entity is not None else ""
    return {"id": peer_id(peer), "name": name or None}


def message_record(
    message: Any,
    channel: Channel,
    event: Event = "new",
    *,
    names: Mapping[int, str] | None = None,
    collected_at: datetime | None = None,
    max_text_chars: int = DEFAULT_MAX_TEXT,
    source_kind: SourceKind | None = None,
    thread: tuple[int, int] | None = None,
) -> RawPost:
    """One ``posts.raw`` record for a Telethon message (``event`` new or edit). ``source_kind`` group or
    comments adds who wrote it (``sender``); ``thread`` is the (channel id, post id) a comment answers."""
    if isinstance(message, tl.MessageService):
        raise BadInput(f"service message {message.id} ({type(message.action).__name__}), not a post", "service message")
    if isinstance(message, tl.MessageEmpty):
        raise BadInput(f"empty message {message.id}", "empty message")
    if not isinstance(message, tl.Message):
        raise BadInput(f"unknown message type {type(message).__name__}", "unknown message type")
    text = check_text(message.message or "", max_text_chars)
    links, mentions, hashtags = _entities(text, message.entities)
    reply = message.reply_to
    fields: dict[str, Any] = {
        "event": event,
        "channel": channel,
        "message_id": message.id,
        "date": message.date,
        "edit_date": message.edit_date,
        "text": text,
        "links": links,
        "mentions": mentions,
        "hashtags": hashtags,
        "forward": _forward(message.fwd_from, names or {}, getattr(getattr(message, "forward", None), "chat", None)),
        "reply_to": getattr(reply, "reply_to_msg_id", None),
        "views": message.views,
        "forwards": message.forwards,
        "reactions": _reactions(message.reactions),
        "media": media_summary(message.media),
        "grouped_id": message.grouped_id,
        "collected_at": collected_at or utcnow(),
        **content_extras(message, names or {}),
    }
    if source_kind in ("group", "comments"):
        fields["source_kind"] = source_kind
        fields["sender"] = sender(message)
    if thread is not None:
        fields["thread"] = {"channel_id": thread[0], "message_id": thread[1]}
    return build(fields)


def delete_record(channel: Channel, message_id: int, *, collected_at: datetime | None = None) -> RawPost:
    """Telethon's deletion events carry only ids: the record has the channel and the message id."""
    return build(
        {
            "event": "delete",
            "channel": channel,
            "message_id": message_id,
            "collected_at": collected_at or utcnow(),
        }
    )


def build(fields: dict[str, Any]) -> RawPost:
    try:
        if isinstance(fields.get("forward"), dict):
            fields["forward"] = Forward.model_validate(fields["forward"])
        if isinstance(fields.get("media"), dict):
            fields["media"] = Media.model_validate(fields["media"])
        return RawPost.model_validate(fields)
    except ValidationError as exc:
        raise BadInput(problems(exc)) from None
