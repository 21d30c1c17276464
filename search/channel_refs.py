"""The channels a post points to: where it was forwarded from, the @names it mentions, the Telegram links
it carries. Computed when a post is indexed (search/events.py) into two keyword fields that channel
discovery (search/discovery.py) aggregates over:

- ``channel_refs``: one key per channel: ``@username`` (lowercase) or ``id:<channel id>`` when only the
  id is known (a forward without the origin's username, a ``t.me/c/<id>/...`` link);
- ``channel_ref_via``: the same keys prefixed with how the post points there: ``forward:``, ``mention:``,
  ``link:``.

A post pointing to its own channel is no reference (a channel linking its own posts). Forwards from
users are left out (a person is no channel); a mention may still name a user or a bot: Telegram's
entities do not say which.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import Any

_NAME = r"[A-Za-z][A-Za-z0-9_]{3,31}"
USERNAME = re.compile(rf"^@?({_NAME})$")
# t.me/name, t.me/s/name (the web preview), t.me/name/123, t.me/c/<id>/<post>, telegram.me, telegram.dog;
# matched in lowercased text. The pattern starts with the domain (a literal start keeps the scan fast on
# long posts); what comes before it is checked in link_keys.
_LINK = re.compile(
    r"(?:t\.me|telegram\.me|telegram\.dog)/(?:s/)?"
    r"(?:c/(?P<id>\d{1,15})(?![\w-])|(?P<name>[a-z][a-z0-9_]{3,31})(?![\w-]))"
)
_RESOLVE = re.compile(r"tg://resolve\?domain=([a-z][a-z0-9_]{3,31})(?![\w-])")  # in lowercased text
# Paths of t.me that are not channels.
RESERVED = frozenset(
    {
        "joinchat",
        "addstickers",
        "addemoji",
        "addtheme",
        "addlist",
        "share",
        "proxy",
        "socks",
        "iv",
        "setlanguage",
        "login",
        "confirmphone",
        "invoice",
        "boost",
        "contact",
        "giftcode",
        "premium_offer",
        "bg",
        "m",
    }
)
VIA = ("forward", "mention", "link")
REF_FIELDS = ("channel_refs", "channel_ref_via")


@lru_cache(maxsize=65536)  # the same channels' names come again and again
def name_key(name: str) -> str | None:
    """``@name`` in lowercase for a valid username (with or without @), else None."""
    m = USERNAME.match(name.strip())
    if m is None or m.group(1).lower() in RESERVED:
        return None
    return "@" + m.group(1).lower()


def id_key(channel_id: int) -> str:
    return f"id:{channel_id}"


def link_keys(text: str) -> list[str]:
    """Channel keys of the Telegram links in a text or URL, in order of appearance."""
    low = text.lower()
    out: list[str] = []
    for m in _LINK.finditer(low):
        at = m.start()
        before = low[at - 1] if at else ""
        if before and (before.isalnum() or before in "_-.") and not low[:at].endswith("www."):
            continue  # the end of another host name: best.me/..., xt.me/...
        if m.group("id"):
            out.append(id_key(int(m.group("id"))))
        elif (key := name_key(m.group("name"))) is not None:
            out.append(key)
    if "tg://" in low:
        out.extend(k for n in _RESOLVE.findall(low) if (k := name_key(n)) is not None)
    return out


def forward_key(forward: Mapping[str, Any] | None) -> str | None:
    """The channel a post was forwarded from: by username when known, else by id; None for a user's."""
    if not isinstance(forward, dict) or forward.get("from_type") == "user":
        return None
    username = forward.get("from_username")
    if isinstance(username, str) and (key := name_key(username)) is not None:
        return key
    from_id = forward.get("from_id")
    return id_key(from_id) if isinstance(from_id, int) and from_id > 0 else None


def _own(channel: Mapping[str, Any] | None) -> set[str]:
    if not isinstance(channel, dict):
        return set()
    own = {id_key(channel["id"])} if isinstance(channel.get("id"), int) else set()
    if isinstance(channel.get("username"), str) and (key := name_key(channel["username"])) is not None:
        own.add(key)
    return own


def _strings(value: Any) -> Iterable[str]:
    return (v for v in value if isinstance(v, str)) if isinstance(value, list) else ()


def post_refs(post: Mapping[str, Any]) -> dict[str, list[str]]:
    """``channel_refs`` and ``channel_ref_via`` of a post (its wire or index form)."""
    text = post.get("text")
    text = text if isinstance(text, str) else ""
    written = "t.me" in text or "telegram." in text or "tg://" in text
    if not (written or post.get("forward") or post.get("mentions") or post.get("links")):
        return {"channel_refs": [], "channel_ref_via": []}  # most posts point nowhere
    via: dict[str, list[str]] = {v: [] for v in VIA}
    if (key := forward_key(post.get("forward"))) is not None:
        via["forward"].append(key)
    via["mention"] = [k for m in _strings(post.get("mentions")) if (k := name_key(m)) is not None]
    links = list(_strings(post.get("links")))
    if written:
        links.append(text)  # links written out but not marked as such (imports of plain text)
    via["link"] = [k for link in links for k in link_keys(link)]
    own = _own(post.get("channel"))
    refs: list[str] = []
    tagged: list[str] = []
    for kind in VIA:
        for key in dict.fromkeys(via[kind]):
            if key in own:
                continue
            tagged.append(f"{kind}:{key}")
            if key not in refs:
                refs.append(key)
    return {"channel_refs": refs, "channel_ref_via": tagged}
