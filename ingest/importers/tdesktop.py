"""Telegram Desktop export (``result.json``, JSON format) → ``posts.raw`` records.

The export has one chat (``{"name", "type", "id", "messages"}``) or, for a full account export,
``{"chats": {"list": [...]}}``. A message's ``text`` is a string or a list of parts: strings and
``{"type", "text", "href"?}`` objects. The export has no view or forward counters, no album ids and
no forward dates; those fields stay empty. ``date_unixtime`` is preferred over ``date``, which is in
the exporting computer's local time.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from dozor.errors import UsageError
from dozor.records import Channel, utcnow
from ingest.importers import Bad, Item
from ingest.mapping import DEFAULT_MAX_TEXT, BadInput, build, check_text

MEDIA_TYPES = {
    "video_file": "video",
    "video_message": "video_note",
    "voice_message": "voice",
    "audio_file": "audio",
    "sticker": "sticker",
    "animation": "animation",
}


def chats(data: Any, source: str) -> list[dict[str, Any]]:
    if isinstance(data, dict) and isinstance(data.get("messages"), list):
        return [data]
    listed = data.get("chats", {}).get("list") if isinstance(data, dict) else None
    if isinstance(listed, list):
        return [c for c in listed if isinstance(c, dict) and isinstance(c.get("messages"), list)]
    raise UsageError(f"{source}: not a Telegram Desktop JSON export (no `messages` list and no `chats.list`)")


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
    for r in value or []:
        if not isinstance(r, dict) or not isinstance(r.get("count"), int):
            continue
        if r.get("type", "emoji") == "emoji" and r.get("emoji"):
            key = str(r["emoji"])
        elif r.get("type") == "custom_emoji":
            key = f"custom:{r.get('document_id', '?')}"
        else:
            key = str(r.get("type", "other"))
        out[key] = out.get(key, 0) + r["count"]
    return out


def message_fields(msg: dict[str, Any], channel: Channel, max_text_chars: int) -> dict[str, Any]:
    kind = msg.get("type")
    if kind != "message":
        detail = f" ({msg['action']})" if kind == "service" and msg.get("action") else ""
        raise BadInput(f"{kind or 'untyped'} entry{detail}, not a post", "not a post")
    if not isinstance(msg.get("id"), int):
        raise BadInput(f"id is {msg.get('id')!r}, expected an integer", "malformed entry")
    text, links, mentions, hashtags = text_and_entities(msg.get("text", ""))
    check_text(text, max_text_chars)
    forward = None
    if msg.get("forwarded_from") is not None or msg.get("forwarded_from_id") is not None:
        forward = {"from_id": _peer_ref(msg.get("forwarded_from_id")), "from_name": msg.get("forwarded_from")}
    try:
        date = _when(msg, "date_unixtime", "date")
        edit_date = _when(msg, "edited_unixtime", "edited")
    except (ValueError, OverflowError) as exc:
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
    }


def read(
    raw: bytes,
    source: str,
    fill: dict[str, Any] | None = None,
    max_text_chars: int = DEFAULT_MAX_TEXT,
) -> Iterator[Item]:
    """Records of every message; ``fill`` supplies channel fields the export lacks (username, ...)."""
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise UsageError(f"{source}: not valid JSON ({exc})") from None
    for chat in chats(data, source):
        channel_fields = {"id": chat.get("id"), "title": chat.get("name"), **(fill or {})}
        if fill and fill.get("id") is not None and chat.get("id") not in (None, fill["id"]):
            raise UsageError(f"{source}: export of chat {chat.get('id')} but --channel names {fill['id']}")
        channel_fields = {k: v for k, v in channel_fields.items() if v is not None}
        if "id" not in channel_fields:
            raise UsageError(f"{source}: the export has no chat id; pass --channel with the numeric id")
        channel = Channel.model_validate(channel_fields)
        for index, msg in enumerate(chat["messages"]):
            where = f"{source}:message {msg.get('id', f'#{index}') if isinstance(msg, dict) else f'#{index}'}"
            entry = json.dumps(msg, ensure_ascii=False).encode("utf-8", "replace")
            try:
                if not isinstance(msg, dict):
                    raise BadInput(f"entry is a {type(msg).__name__}, expected an object", "malformed entry")
                yield build(message_fields(msg, channel, max_text_chars))
            except BadInput as exc:
                yield Bad(entry, exc.kind, str(exc), where)
