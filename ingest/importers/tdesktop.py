"""Telegram Desktop export (``result.json``, JSON format) → ``posts.raw`` records.

The export has one chat (``{"name", "type", "id", "messages"}``) or, for a full account export,
``{"chats": {"list": [...]}, "left_chats": {"list": [...]}}``; channels and groups are imported (left
ones too), personal chats, bots and saved messages only when asked (``include_private``). A message's
``text`` is a string or a list of parts: strings and ``{"type", "text", "href"?}`` objects. The export
has no view or forward counters, no album ids and no forward dates; those fields stay empty.
``date_unixtime`` is preferred over ``date``, which is in the exporting computer's local time.
Beyond the core fields, a post keeps its signature (``author``), ``poll``, ``sticker_emoji`` and
``saved_from``, as the Telethon mapping does. Service entries are not posts: counted, not DLQ'd.
Each post carries ``raw_sha256`` (the canonical JSON of its entry) and ``collector``
``import:tdesktop``; ``on_post`` sees each post with its entry (media: tdmedia.py).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

from pydantic import ValidationError

from dozor.dlq import problems
from dozor.errors import UsageError
from dozor.records import Channel, RawPost, utcnow
from ingest.importers import Bad, Item, Skip
from ingest.mapping import DEFAULT_MAX_TEXT, BadInput, build, check_text
from ingest.rawjson import RawCopy, raw_copy

COLLECTOR = "import:tdesktop"
OnPost = Callable[[RawPost, dict[str, Any], RawCopy | None], None]  # (post, export entry, its raw copy)

MEDIA_TYPES = {
    "video_file": "video",
    "video_message": "video_note",
    "voice_message": "voice",
    "audio_file": "audio",
    "sticker": "sticker",
    "animation": "animation",
}


# Chat types as Telegram Desktop writes them; anything else (personal_chat, bot_chat, saved_messages,
# replies, ...) is someone's private conversation, imported only when asked.
PUBLIC_TYPES = frozenset(
    {"private_group", "private_supergroup", "public_supergroup", "private_channel", "public_channel"}
)


def chats(data: Any, source: str) -> list[dict[str, Any]]:
    """Every chat of the export: the single one, or those of ``chats`` and ``left_chats``."""
    if isinstance(data, dict) and isinstance(data.get("messages"), list):
        return [data]
    lists = [data.get(key) for key in ("chats", "left_chats")] if isinstance(data, dict) else []
    listed = [group["list"] for group in lists if isinstance(group, dict) and isinstance(group.get("list"), list)]
    if listed:
        return [
            c for chat_list in listed for c in chat_list if isinstance(c, dict) and isinstance(c.get("messages"), list)
        ]
    raise UsageError(f"{source}: not a Telegram Desktop JSON export (no `messages` list and no `chats.list`)")


def is_wanted(chat: dict[str, Any], include_private: bool) -> bool:
    kind = chat.get("type")
    return include_private or kind is None or (isinstance(kind, str) and kind in PUBLIC_TYPES)


def described_chat(wanted: list[dict[str, Any]], fill: dict[str, Any], source: str, single: bool) -> int | None:
    """The position in ``wanted`` of the chat ``--channel`` describes (None without ``--channel``)."""
    if not fill or not wanted:
        return None
    if fill.get("id") is not None:
        ids = [chat.get("id") for chat in wanted]
        if single:
            if ids[0] not in (None, fill["id"]):
                raise UsageError(f"{source}: export of chat {ids[0]} but --channel names {fill['id']}")
            return 0
        if fill["id"] not in ids:
            raise UsageError(f"{source}: --channel names {fill['id']}, which is not among the exported chats")
        return ids.index(fill["id"])
    if len(wanted) > 1:
        raise UsageError(
            f"{source}: the export holds {len(wanted)} chats; give --channel as the numeric id of the one it describes"
        )
    return 0


def _when(msg: dict[str, Any], unix_key: str, text_key: str) -> datetime | None:
    unix = msg.get(unix_key)
    if unix not in (None, ""):
        return datetime.fromtimestamp(int(unix), tz=UTC)
    text = msg.get(text_key)
    if text:
        return datetime.fromisoformat(str(text)).replace(tzinfo=UTC)
    return None


def text_and_entities(value: Any) -> tuple[str, list[str], list[str], list[str]]:
    if isinstance(value, str):
        return value, [], [], []
    if not isinstance(value, list):
        raise BadInput(f"text is a {type(value).__name__}, expected a string or a list of parts", "malformed entry")
    parts: list[str] = []
    links: list[str] = []
    mentions: list[str] = []
    hashtags: list[str] = []
    for piece in value:
        if isinstance(piece, str):
            parts.append(piece)
            continue
        if not isinstance(piece, dict) or not isinstance(piece.get("text"), str):
            raise BadInput(
                f"a text part is {piece!r:.60}, expected a string or an object with `text`", "malformed entry"
            )
        chunk = piece["text"]
        parts.append(chunk)
        kind = piece.get("type")
        if kind == "link":
            links.append(chunk)
        elif kind == "text_link" and isinstance(piece.get("href"), str):
            links.append(piece["href"])
        elif kind == "mention":
            mentions.append(chunk.lstrip("@"))
        elif kind == "hashtag":
            hashtags.append(chunk.lstrip("#"))
    return "".join(parts), links, mentions, hashtags


def _peer_ref(value: Any) -> int | None:
    if isinstance(value, str):
        for prefix in ("channel", "user", "chat"):
            if value.startswith(prefix) and value[len(prefix) :].isdigit():
                return int(value[len(prefix) :])
        return None
    return value if isinstance(value, int) else None


def media(msg: dict[str, Any]) -> dict[str, Any] | None:
    if "photo" in msg:
        out: dict[str, Any] = {"type": "photo"}
        for src, dst in (("width", "width"), ("height", "height"), ("photo_file_size", "size")):
            if isinstance(msg.get(src), int):
                out[dst] = msg[src]
        return out
    if "file" in msg or "media_type" in msg:
        out = {"type": MEDIA_TYPES.get(str(msg.get("media_type")), "document")}
        for src, dst in (("mime_type", "mime_type"), ("file_size", "size"), ("file_name", "file_name")):
            if msg.get(src) is not None:
                out[dst] = msg[src]
        if isinstance(msg.get("duration_seconds"), int):
            out["duration"] = msg["duration_seconds"]
        return out
    if "poll" in msg:
        return {"type": "poll"}
    if "location_information" in msg:
        return {"type": "geo"}
    if "contact_information" in msg:
        return {"type": "contact"}
    return None


def reactions(value: Any) -> dict[str, int]:
    out: dict[str, int] = {}
    for r in value if isinstance(value, list) else ():  # an edited export may hold anything here
        if not isinstance(r, dict) or not isinstance(r.get("count"), int):
            continue
        if r.get("type", "emoji") == "emoji" and r.get("emoji"):
            key = str(r["emoji"])
        elif r.get("type") == "custom_emoji":
            # The id when Desktop did not fetch the emoji, else the file path it saved it under
            # ("stickers/sticker (3).webp"): a path differs per export, so it counts as plain "custom".
            document = str(r.get("document_id", ""))
            key = f"custom:{document}" if document.isdigit() else "custom"
        else:
            key = str(r.get("type", "other"))
        out[key] = out.get(key, 0) + r["count"]
    return out


def poll(value: Any) -> dict[str, Any] | None:
    """The poll as the Telethon mapping gives it: question, answers with their votes, closed, total."""
    if not isinstance(value, dict):
        return None
    answers = []
    given = value.get("answers")
    for answer in given if isinstance(given, list) else ():
        if isinstance(answer, dict):
            item: dict[str, Any] = {"text": text_and_entities(answer.get("text", ""))[0]}
            if isinstance(answer.get("voters"), int):
                item["voters"] = answer["voters"]
            answers.append(item)
    out: dict[str, Any] = {"question": text_and_entities(value.get("question", ""))[0], "answers": answers}
    out["closed"] = bool(value.get("closed"))
    if isinstance(value.get("total_voters"), int):
        out["total_voters"] = value["total_voters"]
    return out


def content_extras(msg: dict[str, Any]) -> dict[str, Any]:
    """``author`` (the post signature), ``poll``, ``sticker_emoji``, ``saved_from``: present when set."""
    saved = msg.get("saved_from")
    found = {
        "author": msg.get("author") if isinstance(msg.get("author"), str) else None,
        "poll": poll(msg.get("poll")),
        "sticker_emoji": msg.get("sticker_emoji") if isinstance(msg.get("sticker_emoji"), str) else None,
        # Desktop writes only the name of the chat a message was saved from.
        "saved_from": {"from_id": None, "from_name": saved, "message_id": None} if isinstance(saved, str) else None,
    }
    return {key: value for key, value in found.items() if value}


GROUP_TYPES = frozenset({"private_group", "private_supergroup", "public_supergroup"})


def group_fields(msg: dict[str, Any]) -> dict[str, Any]:
    """What a group's message adds (ingest/mapping.py does the same for collected ones): ``source_kind``
    and who wrote it, from Desktop's ``from`` (a name) and ``from_id`` ("user123")."""
    name = msg.get("from") if isinstance(msg.get("from"), str) else None
    return {"source_kind": "group", "sender": {"id": _peer_ref(msg.get("from_id")), "name": name or None}}


def message_fields(
    msg: dict[str, Any], channel: Channel, max_text_chars: int, *, group: bool = False
) -> dict[str, Any]:
    """``group``: the export is of a group (a chat type of GROUP_TYPES), whose messages say who wrote them."""
    kind = msg.get("type")
    if kind != "message":
        raise BadInput(f"{kind or 'untyped'} entry, not a post", "not a post")
    if not isinstance(msg.get("id"), int):
        raise BadInput(f"id is {msg.get('id')!r}, expected an integer", "malformed entry")
    text, links, mentions, hashtags = text_and_entities(msg.get("text", ""))
    check_text(text, max_text_chars)
    forward = None
    if msg.get("forwarded_from") is not None or msg.get("forwarded_from_id") is not None:
        origin = msg.get("forwarded_from_id")
        forward = {"from_id": _peer_ref(origin), "from_name": msg.get("forwarded_from")}
        kind = next((k for k in ("channel", "chat", "user") if isinstance(origin, str) and origin.startswith(k)), None)
        if kind is not None and forward["from_id"] is not None:
            forward["from_type"] = kind
    try:
        date = _when(msg, "date_unixtime", "date")
        edit_date = _when(msg, "edited_unixtime", "edited")
    except (ValueError, OverflowError, OSError, TypeError) as exc:  # int({...}), a time beyond time_t
        raise BadInput(f"bad date: {exc}", "malformed entry") from None
    return {
        "event": "new",
        "channel": channel,
        "message_id": msg["id"],
        "date": date,
        "edit_date": edit_date,
        "text": text,
        "links": links,
        "mentions": mentions,
        "hashtags": hashtags,
        "forward": forward,
        "reply_to": msg.get("reply_to_message_id"),
        "reactions": reactions(msg.get("reactions")),
        "media": media(msg),
        "collected_at": utcnow(),
        **content_extras(msg),
        **(group_fields(msg) if group else {}),
    }


def read(
    raw: bytes,
    source: str,
    fill: dict[str, Any] | None = None,
    max_text_chars: int = DEFAULT_MAX_TEXT,
    *,
    include_private: bool = False,
    on_post: OnPost | None = None,
) -> Iterator[Item]:
    """Records of every message; ``fill`` supplies channel fields the export lacks (username, ...)."""
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise UsageError(f"{source}: not valid JSON ({exc})") from None
    found = chats(data, source)
    wanted = [chat for chat in found if is_wanted(chat, include_private)]
    described = described_chat(wanted, fill or {}, source, single=bool(found) and found[0] is data)
    for chat in found:
        if not is_wanted(chat, include_private):
            yield Skip(str(chat.get("type")), f"{source}:chat {chat.get('id')}", unit="chat")
    for position, chat in enumerate(wanted):
        channel_fields = {"id": chat.get("id"), "title": chat.get("name")}
        if position == described:
            channel_fields.update(fill or {})
        channel_fields = {k: v for k, v in channel_fields.items() if v is not None}
        if "id" not in channel_fields:
            raise UsageError(f"{source}: the export has no chat id; pass --channel with the numeric id")
        try:
            channel = Channel.model_validate(channel_fields)
        except ValidationError as exc:
            raise UsageError(f"{source}: the chat's fields are not valid ({problems(exc)})") from None
        for index, msg in enumerate(chat["messages"]):
            where = f"{source}:message {msg.get('id', f'#{index}') if isinstance(msg, dict) else f'#{index}'}"
            if isinstance(msg, dict) and msg.get("type") == "service":
                yield Skip("service message", where)
                continue
            entry = json.dumps(msg, ensure_ascii=False).encode("utf-8", "replace")
            try:
                if not isinstance(msg, dict):
                    raise BadInput(f"entry is a {type(msg).__name__}, expected an object", "malformed entry")
                post = build(message_fields(msg, channel, max_text_chars, group=chat.get("type") in GROUP_TYPES))
            except BadInput as exc:
                yield Bad(entry, exc.kind, str(exc), where)
                continue
            copy = raw_copy(msg, where)
            post.raw_sha256 = copy.sha256 if copy is not None else None
            post.collector = COLLECTOR
            if on_post is not None:
                on_post(post, msg, copy)
            yield post
