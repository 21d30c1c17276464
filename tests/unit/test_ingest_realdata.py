"""Real exports nobody here wrote (../shared/realdata, read in place): every message comes through, and what
the raw files hold (texts, polls, signatures, sticker emoji, reactions) is what the records hold."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from dozor.records import RawPost
from ingest.importers import Bad, Item, Skip, tdesktop, telethon_jsonl


def split(items: list[Item]) -> tuple[dict[int, RawPost], list[Skip], list[Bad]]:
    posts = {i.message_id: i for i in items if isinstance(i, RawPost)}
    return posts, [i for i in items if isinstance(i, Skip)], [i for i in items if isinstance(i, Bad)]


def extra(post: RawPost, key: str) -> Any:
    return (post.model_extra or {}).get(key)


def test_telethon_dump_of_durov_imports_every_message(realdata: Path) -> None:
    path = realdata / "exports" / "telethon_durov.jsonl"
    raw = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    with path.open("rb") as fh:
        posts, skips, bad = split(list(telethon_jsonl.read(fh, path.name)))
    assert not bad, [b.describe() for b in bad[:3]]
    assert Counter(m["_"] for m in raw) == {"Message": 208, "MessageService": 2}
    assert [s.kind for s in skips] == ["service message"] * 2
    messages = {m["id"]: m for m in raw if m["_"] == "Message"}
    assert posts.keys() == messages.keys()
    assert {p.channel.id for p in posts.values()} == {1006503122}
    for mid, m in messages.items():
        post = posts[mid]
        assert post.text == m["message"] and post.views == m["views"] and post.forwards == m["forwards"], mid
        assert (post.edit_date is None) == (m["edit_date"] is None), mid
        assert post.grouped_id == m["grouped_id"] and post.reply_to == (m["reply_to"] or {}).get("reply_to_msg_id")
        assert extra(post, "author") == m["post_author"], mid
        results = (m["reactions"] or {}).get("results", [])
        assert sum(post.reactions.values()) == sum(r["count"] for r in results), mid
        custom = sum(r["count"] for r in results if r["reaction"]["_"] == "ReactionCustomEmoji")
        assert sum(n for k, n in post.reactions.items() if k.startswith("custom:")) == custom, mid
        stickers = [
            a["alt"]
            for a in ((m["media"] or {}).get("document") or {}).get("attributes", [])
            if a["_"] == "DocumentAttributeSticker"
        ]
        assert extra(post, "sticker_emoji") == (stickers[0] if stickers else None), mid
    media = Counter(p.media.type if p.media else None for p in posts.values())
    assert media["webpage"] == 45 and media["photo"] == 32 and media["poll"] == 1 and media["other"] == 2
    (poll_post,) = [p for p in posts.values() if extra(p, "poll")]
    raw_poll = messages[poll_post.message_id]["media"]["poll"]
    assert extra(poll_post, "poll")["question"] == raw_poll["question"]
    assert [a["text"] for a in extra(poll_post, "poll")["answers"]] == [a["text"] for a in raw_poll["answers"]]
    assert sum(1 for p in posts.values() if extra(p, "author")) == 1
    assert sum(1 for p in posts.values() if extra(p, "sticker_emoji")) == 5


def plain(text: Any) -> str:
    return text if isinstance(text, str) else "".join(p if isinstance(p, str) else p["text"] for p in text)


@pytest.mark.parametrize(
    ("name", "messages", "service"),
    [("salaf_channel_en.json", 208, 5), ("pachum_channel_ru.json", 3117, 2)],
)
def test_desktop_export_imports_every_message_with_its_content(
    realdata: Path, name: str, messages: int, service: int
) -> None:
    path = realdata / "exports" / name
    data = json.loads(path.read_bytes())
    posts, skips, bad = split(list(tdesktop.read(path.read_bytes(), name)))
    assert not bad, [b.describe() for b in bad[:3]]
    entries = {m["id"]: m for m in data["messages"] if m["type"] == "message"}
    assert len(entries) == len(posts) == messages and posts.keys() == entries.keys()
    assert [s.kind for s in skips] == ["service message"] * service
    for mid, m in entries.items():
        post = posts[mid]
        assert post.text == plain(m["text"]), mid
        assert (post.edit_date is None) == ("edited" not in m), mid
        assert (post.forward is not None) == ("forwarded_from" in m), mid
        assert extra(post, "author") == m.get("author") and extra(post, "sticker_emoji") == m.get("sticker_emoji"), mid
        assert extra(post, "saved_from") is None and "saved_from" not in m
        assert (extra(post, "poll") is None) == ("poll" not in m), mid
        assert post.reply_to == m.get("reply_to_message_id"), mid  # replies keep the message they answer
        assert extra(post, "source_kind") is None and extra(post, "sender") is None, mid  # a channel's posts
        want: Counter[str] = Counter()
        for r in m.get("reactions", []):
            want[r["emoji"] if r["type"] == "emoji" else "custom"] += r["count"]
        assert post.reactions == dict(want), mid
    counted = Counter(key for p in posts.values() for key in (p.model_extra or {}))
    assert counted == Counter(key for m in entries.values() for key in ("author", "sticker_emoji", "poll") if key in m)
