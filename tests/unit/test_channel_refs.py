"""The channels a post points to (search/channel_refs.py): link forms, mentions, forwards, what is no
channel, self-references; and on a real Desktop export (read in place), every forward from a channel
and every t.me link written in a post."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from dozor.records import RawPost
from ingest.importers import tdesktop
from search.channel_refs import forward_key, link_keys, name_key, post_refs

OWN = {"id": 100, "username": "Own_Channel"}


@pytest.mark.parametrize(
    ("text", "keys"),
    [
        ("https://t.me/Some_Channel", ["@some_channel"]),
        ("see t.me/s/some_channel/123?single", ["@some_channel"]),
        ("http://telegram.me/other_one/5", ["@other_one"]),
        ("https://www.t.me/other_one)", ["@other_one"]),
        ("telegram.dog/third_one", ["@third_one"]),
        ("https://t.me/c/1234567890/77", ["id:1234567890"]),
        ("tg://resolve?domain=deep_link_one", ["@deep_link_one"]),
        ("«t.me/quoted_name» и t.me/second_name.", ["@quoted_name", "@second_name"]),
        # invites, stickers, shares, proxies and too-short or too-long names are no channels
        ("https://t.me/+AbCdEf123456 t.me/joinchat/AAAAAEkk t.me/addstickers/pack_one t.me/share/url?url=x", []),
        ("t.me/abc t.me/" + "a" * 33 + " t.me/proxy?server=1 t.me/iv?url=x", []),
        ("https://example.org/t.me_not https://best.me/some_channel xt.me/some_channel", []),
        ("t.me/name_then_cyrillicы, t.me/with-hyphen", []),
    ],
)
def test_link_forms(text: str, keys: list[str]) -> None:
    assert link_keys(text) == keys


def test_names_forwards_and_what_is_no_channel() -> None:
    assert name_key("@Channel_Name") == "@channel_name" and name_key("channel_name") == "@channel_name"
    assert name_key("ab") is None and name_key("9starts_with_digit") is None and name_key("joinchat") is None
    assert forward_key({"from_id": 5, "from_type": "channel", "from_username": "Origin"}) == "@origin"
    assert forward_key({"from_id": 5, "from_type": "channel"}) == "id:5"
    assert forward_key({"from_id": 5}) == "id:5"  # records from before from_type
    assert forward_key({"from_id": 5, "from_type": "user", "from_username": "person"}) is None
    assert forward_key({"from_id": None, "from_name": "A hidden sender"}) is None


def test_a_post_lists_each_channel_once_with_every_way_it_points_there() -> None:
    post: dict[str, Any] = {
        "channel": OWN,
        "text": "x",
        "forward": {"from_id": 7, "from_type": "channel", "from_username": "Source_One"},
        "mentions": ["source_one", "Other_Chan", "own_channel", "ab"],
        "links": [
            "https://t.me/source_one/1",
            "https://t.me/own_channel/3",
            "https://t.me/c/100/9",
            "https://t.me/c/55/1",
        ],
    }
    assert post_refs(post) == {
        "channel_refs": ["@source_one", "@other_chan", "id:55"],
        "channel_ref_via": [
            "forward:@source_one",
            "mention:@source_one",
            "mention:@other_chan",
            "link:@source_one",
            "link:id:55",
        ],
    }
    assert post_refs({"channel": OWN, "text": "plain"}) == {"channel_refs": [], "channel_ref_via": []}
    # Links written out in the text count (plain-text imports carry no link entities).
    assert post_refs({"channel": OWN, "text": "читайте t.me/Written_Out"})["channel_refs"] == ["@written_out"]


def test_real_export_every_channel_forward_and_written_link(realdata: Path) -> None:
    path = realdata / "exports" / "pachum_channel_ru.json"
    data = json.loads(path.read_bytes())
    posts = {i.message_id: i for i in tdesktop.read(path.read_bytes(), path.name) if isinstance(i, RawPost)}
    entries = {m["id"]: m for m in data["messages"] if m["type"] == "message"}
    forwarded = 0
    linked: set[str] = set()
    for mid, m in entries.items():
        wire = posts[mid].to_wire()
        refs = post_refs(wire)
        origin = m.get("forwarded_from_id")
        if isinstance(origin, str) and origin.startswith("channel"):
            forwarded += 1
            assert wire["forward"]["from_type"] == "channel", mid
            assert f"forward:id:{origin.removeprefix('channel')}" in refs["channel_ref_via"], mid
        flat = json.dumps(m.get("text"), ensure_ascii=False)
        for name in re.findall(r"t\.me/([A-Za-z][A-Za-z0-9_]{4,31})\b", flat):
            if name.lower() != (wire["channel"].get("username") or "").lower():
                assert f"@{name.lower()}" in refs["channel_refs"], (mid, name)
                linked.add(name.lower())
    assert forwarded == 283  # the export's forwards from channels, each one a reference
    assert {"papapachuca", "fullgazzanime", "sector343"} <= linked
