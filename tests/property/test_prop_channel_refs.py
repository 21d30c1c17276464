"""Channel references over hostile input: any post (any text, links, mentions, forward, channel, even of
the wrong types) gives well-formed keys, each once, never its own channel, and `via` names exactly them;
a link planted anywhere in hostile text is found."""

from __future__ import annotations

import re
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from search.channel_refs import RESERVED, post_refs
from tests.property.strategies import JSON_VALUES, hostile_text

KEY = re.compile(r"^(@[a-z][a-z0-9_]{3,31}|id:\d{1,15})$")
NAMES = st.from_regex(r"[A-Za-z][A-Za-z0-9_]{3,31}", fullmatch=True)
TEXTS = hostile_text(300)
MAYBE = st.one_of(JSON_VALUES, st.none())
CHANNEL = st.one_of(
    st.fixed_dictionaries({"id": st.integers(1, 10**12), "username": st.one_of(NAMES, st.none())}), MAYBE
)
FORWARD = st.one_of(
    st.fixed_dictionaries(
        {
            "from_id": st.one_of(st.integers(-5, 10**12), st.none()),
            "from_type": st.sampled_from(["channel", "chat", "user", None]),
            "from_username": st.one_of(NAMES, TEXTS, st.none()),
        }
    ),
    MAYBE,
)
POSTS = st.fixed_dictionaries(
    {
        "channel": CHANNEL,
        "text": st.one_of(TEXTS, MAYBE),
        "links": st.one_of(st.lists(st.one_of(TEXTS, NAMES.map(lambda n: f"https://t.me/{n}/1")), max_size=4), MAYBE),
        "mentions": st.one_of(st.lists(st.one_of(NAMES, TEXTS), max_size=4), MAYBE),
        "forward": FORWARD,
    }
)


def _own(post: dict[str, Any]) -> set[str]:
    ch = post["channel"]
    if not isinstance(ch, dict):
        return set()
    own = {f"id:{ch['id']}"} if isinstance(ch.get("id"), int) else set()
    if isinstance(ch.get("username"), str):
        own.add("@" + ch["username"].strip().lstrip("@").lower())
    return own


@given(POSTS)
def test_keys_are_well_formed_unique_and_never_the_posts_own(post: dict[str, Any]) -> None:
    out = post_refs(post)
    refs, via = out["channel_refs"], out["channel_ref_via"]
    assert all(KEY.match(k) for k in refs), refs
    assert len(refs) == len(set(refs)) and len(via) == len(set(via))
    assert not set(refs) & _own(post)
    assert {v.split(":", 1)[1] for v in via} == set(refs)
    assert {v.split(":", 1)[0] for v in via} <= {"forward", "mention", "link"}


@given(TEXTS, NAMES, TEXTS)
def test_a_link_planted_in_hostile_text_is_found(before: str, name: str, after: str) -> None:
    text = f"{before} https://t.me/{name} {after}"
    refs = post_refs({"channel": {"id": 1}, "text": text})["channel_refs"]
    assert f"@{name.lower()}" in refs or name.lower() in RESERVED
