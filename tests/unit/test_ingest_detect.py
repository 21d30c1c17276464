"""`dozor import` tells its formats apart by content; anything else is refused in one line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from telethon.tl import types as tl

from dozor.errors import UsageError
from ingest.importers.detect import Format, detect

EXPORT = Path(__file__).resolve().parents[1] / "data" / "ingest_export" / "result.json"
RAW = {"channel": {"id": 5}, "message_id": 1, "text": "ok"}
TELETHON = tl.Message(id=1, peer_id=tl.PeerChannel(5), message="ok").to_json()


def lines(*objs: object) -> bytes:
    return b"\n".join(o if isinstance(o, bytes) else json.dumps(o).encode() for o in objs) + b"\n"


@pytest.mark.parametrize(
    ("head", "suffix", "expected"),
    [
        (EXPORT.read_bytes(), ".json", Format.TDESKTOP),
        (EXPORT.read_bytes(), ".txt", Format.TDESKTOP),  # pretty-printed: sniffed, not named
        (EXPORT.read_bytes()[:300], "", Format.TDESKTOP),  # only the head of a big export is read
        (json.dumps({"name": "c", "id": 1, "messages": []}).encode(), "", Format.TDESKTOP),  # on one line
        (json.dumps({"about": "", "chats": {"list": []}}).encode(), ".json", Format.TDESKTOP),
        (lines(RAW, RAW), "", Format.JSONL),
        (lines(RAW, RAW), ".json", Format.JSONL),
        (lines(b"{broken", b"[1]", RAW), ".jsonl", Format.JSONL),  # bad first lines go to the DLQ
        (lines(TELETHON.encode(), TELETHON.encode()), ".jsonl", Format.TELETHON),
        (lines(TELETHON.encode()), ".txt", Format.TELETHON),  # the real sample came as .txt
        (b"", ".jsonl", Format.JSONL),
    ],
)
def test_formats_are_told_apart_by_content(head: bytes, suffix: str, expected: Format) -> None:
    assert detect(head, "f", suffix) is expected


@pytest.mark.parametrize(
    ("head", "suffix", "says"),
    [
        (json.dumps({"hello": 1}).encode(), ".json", "JSON objects with keys hello"),
        (lines({"_": "User", "id": 5}), ".jsonl", "Telethon User objects, not messages"),
        (lines([1, 2], [3]), ".json", "a JSON list on its first line"),
        (b"id,date,text\n1,2026-01-01,hi\n", ".csv", "no JSON object in its first 2 lines"),
        (lines({"id": 1, "date": "2026", "text": "a scraper's own format"}), "", "keys date, id, text"),
    ],
)
def test_an_unknown_format_is_one_clear_line(head: bytes, suffix: str, says: str) -> None:
    with pytest.raises(UsageError) as err:
        detect(head, "in.x", suffix)
    message = str(err.value)
    assert message.startswith("in.x: not a format Dozor knows (") and says in message
    assert "\n" not in message and "Telethon Message.to_json()" in message
