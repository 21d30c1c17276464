"""Hypothesis strategies for hostile input: any Unicode (with the characters that break things drawn
often), arbitrary JSON, and valid ``posts.raw`` records to mutate."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from hypothesis import strategies as st

NUL = "\x00"
BIDI = "\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u061c"
INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff\u00ad\u180e"
COMBINING = "\u0301\u0308\u0327\u0483\u0489\u064b\u0670\u20dd\u20e3"
NONCHARACTERS = "\ufdd0\ufdef\ufffe\uffff\U0001fffe\U0010ffff"
CONTROLS = "\x01\x07\x08\x0b\x0c\x1b\x1f\x7f\x85\x9f"
SURROGATES = "\ud800\udbff\udc00\udfff"
WORDS = (
    "мигранты", "патент", "Фуқаролик", "ўзбек", "ish", "haqi", "oʻzbek", "ҷавобгарӣ", "қазақ", "Україна",
    "مهاجر", "migration", "#миграция", "@news_chan", "https://t.me/x/1", "2026", "👍🏽", "🇺🇿", "e\u0301",
)  # fmt: skip

# Any code point (surrogates and unassigned ones too), and the troublemakers drawn often.
ANY_CHAR = st.characters(codec=None, categories=None)
SPECIAL = st.sampled_from(NUL + BIDI + INVISIBLE + COMBINING + NONCHARACTERS + CONTROLS + SURROGATES + " \n\t")


def hostile_text(max_size: int = 200, exclude: Callable[[str], bool] | None = None) -> st.SearchStrategy[str]:
    """Text of any code points, hostile characters and real words of the languages Dozor sees, mixed;
    ``exclude`` leaves out the characters it is true for."""
    chars = st.one_of(ANY_CHAR, SPECIAL)
    if exclude is not None:
        chars = chars.filter(lambda c: not exclude(c))
    piece = st.one_of(st.text(chars, max_size=12), st.sampled_from(WORDS), st.just(" "))
    return st.lists(piece, max_size=max_size // 6).map("".join).map(lambda s: s[:max_size])


def json_values(strict: bool = False) -> st.SearchStrategy[Any]:
    """Nested JSON values; ``strict``: no NaN or infinities, which JSON has no words for."""
    scalars = st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        st.integers(min_value=-(2**70), max_value=2**70),
        st.floats(allow_nan=not strict, allow_infinity=not strict),
        hostile_text(40),
    )
    return st.recursive(
        scalars,
        lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
        max_leaves=12,
    )


JSON_VALUES = json_values()

_ZONES = st.builds(lambda minutes: timezone(timedelta(minutes=minutes)), st.integers(-14 * 60, 14 * 60))
_DAY = timedelta(hours=13)
_EDGES = st.sampled_from([datetime.min, datetime.min + _DAY, datetime.max, datetime.max - _DAY])
DATETIMES = st.one_of(  # the ends of the calendar in any offset: 0001-01-01T00:00+01:00 is year 0 in UTC
    st.datetimes(timezones=st.one_of(st.none(), st.just(UTC), _ZONES)),
    st.builds(lambda edge, zone: edge.replace(tzinfo=zone), _EDGES, _ZONES),
)
SAFE_DATETIMES = st.datetimes(min_value=datetime(1970, 1, 2), max_value=datetime(2100, 1, 1), timezones=st.just(UTC))


def raw_records(text: st.SearchStrategy[str] | None = None) -> st.SearchStrategy[dict[str, Any]]:
    """Valid ``posts.raw`` records, as JSON objects (dates as ISO strings)."""
    channel = st.fixed_dictionaries(
        {"id": st.integers(1, 2**52)},
        optional={
            "username": st.from_regex(r"[a-z][a-z0-9_]{3,30}", fullmatch=True),
            "title": hostile_text(30),
            "category": st.sampled_from(["official", "migrant_community", "media", "other"]),
            "country": st.sampled_from(["RU", "UZ", "KZ", None]),
        },
    )
    return st.fixed_dictionaries(
        {
            "schema": st.just(1),
            "source": st.just("telegram"),
            "event": st.sampled_from(["new", "edit", "delete"]),
            "channel": channel,
            "message_id": st.integers(1, 2**31),
            "date": SAFE_DATETIMES.map(datetime.isoformat),
            "text": text if text is not None else hostile_text(120),
        },
        optional={
            "edit_date": st.none() | SAFE_DATETIMES.map(datetime.isoformat),
            "links": st.lists(st.text(max_size=20), max_size=3),
            "hashtags": st.lists(st.text(max_size=12), max_size=3),
            "views": st.none() | st.integers(0, 2**40),
            "reactions": st.dictionaries(st.text(max_size=4), st.integers(0, 10**6), max_size=3),
            "media": st.none() | st.fixed_dictionaries({"type": st.sampled_from(["photo", "video", "poll"])}),
            "reply_to": st.none() | st.integers(1, 2**31),
            "extra_field": json_values(strict=True),
        },
    )
