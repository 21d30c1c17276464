"""Which kind of file `dozor import` was given, from its first lines (the extension only breaks ties).

- ``tdesktop``: a Telegram Desktop ``result.json`` (one chat, or a full-account export): one JSON
  document, usually pretty-printed over many lines.
- ``jsonl``: JSONL of Dozor ``posts.raw`` records (objects with ``channel`` / ``message_id``).
- ``telethon``: JSONL of Telethon ``Message.to_json()`` / ``to_dict()`` objects (``"_": "Message"``).
Anything else is refused with one line naming what the file looks like.
"""

from __future__ import annotations

import json
from enum import StrEnum
from typing import Any

from dozor.errors import UsageError
from ingest.importers.telethon_jsonl import MESSAGE_TYPES

LOOK_AT_LINES = 20  # a JSONL file may open with a few broken lines; they go to the DLQ, not the verdict

KNOWN = (
    "Dozor imports a Telegram Desktop result.json, JSONL of posts.raw records, "
    "or JSONL of Telethon Message.to_json() objects"
)


class Format(StrEnum):
    TDESKTOP = "tdesktop"
    JSONL = "jsonl"
    TELETHON = "telethon"


def _object(line: bytes) -> tuple[bool, Any]:
    try:
        return True, json.loads(line)
    except ValueError:
        return False, None


def _classify(obj: dict[str, Any]) -> Format | str:
    """The format a first JSON object belongs to, or what it looks like when none."""
    if isinstance(obj.get("messages"), list) or isinstance(obj.get("chats"), dict):
        return Format.TDESKTOP
    name = obj.get("_")
    if isinstance(name, str):
        return Format.TELETHON if name in MESSAGE_TYPES else f"Telethon {name} objects, not messages"
    if "channel" in obj or "message_id" in obj:
        return Format.JSONL
    keys = ", ".join(sorted(obj)[:6]) or "none"
    return f"JSON objects with keys {keys}"


def detect(head: bytes, source: str, suffix: str = "") -> Format:
    """The file's format from its first bytes; a UsageError naming what it is when it is none of them."""
    lines = [line.strip() for line in head.splitlines() if line.strip()]
    if not lines:
        return Format.JSONL  # empty: nothing to import, nothing wrong
    parsed = [_object(line) for line in lines[:LOOK_AT_LINES]]
    one_document = lines[0].startswith(b"{") and (len(lines) == 1 or not lines[1].startswith(b"{"))
    if not parsed[0][0] and one_document and suffix != ".jsonl":
        return Format.TDESKTOP  # one document over many lines (or past the head); the Desktop reader checks it
    first = next((obj for ok, obj in parsed if ok and isinstance(obj, dict)), None)
    if first is not None:
        verdict = _classify(first)
        if isinstance(verdict, Format):
            return verdict
    elif parsed[0][0]:
        verdict = f"a JSON {type(parsed[0][1]).__name__} on its first line"
    else:
        verdict = f"no JSON object in its first {len(parsed)} lines"
    raise UsageError(f"{source}: not a format Dozor knows ({verdict}); {KNOWN}")
