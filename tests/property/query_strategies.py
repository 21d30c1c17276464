"""Query strings for the compiler: anything at all, and strings built from the language's own pieces
(fields, operators, ranges, phrases, wildcards, boosts, fuzziness), so most of them parse."""

from __future__ import annotations

from hypothesis import strategies as st

from search.query import FIELDS
from tests.property.strategies import WORDS, hostile_text

VALUES = st.one_of(
    st.sampled_from(WORDS),
    st.sampled_from(["2024", "2024-05", "2024-05-01", "2024-05-01T12:00:00Z", "now-7d", "now", "٢٠٢٤", "2024-13-45"]),
    st.sampled_from(
        [
            "0",
            "-1",
            "12",
            "1.5",
            "1e3",
            "²",
            "١٢",
            "99999999999999999999",
            "-9223372036854775809",
            "9223372036854775807",
        ]
    ),
    st.sampled_from(["*", "?", "a*", "*b", "мигр*", "?x?", "**", "\\*", "\\:", "@user", "#tag", "ru", "uz"]),
    st.from_regex(r"[a-zа-я0-9]{1,8}", fullmatch=True),
    hostile_text(12).filter(lambda s: s.strip()),
)
SUFFIXES = st.sampled_from(["~", "~1", "~2", "~0.5", "~9999999999", "^2", "^0", "^-1", "^1e400", "^"])
FIELD_NAMES = st.sampled_from([*FIELDS, "secret", "Text", "DATE", "_id"])


@st.composite
def _term(draw: st.DrawFn) -> str:
    value = draw(VALUES)
    shape = draw(st.integers(0, 7))
    if shape == 1:
        value = f'"{value} {draw(VALUES)}"'
    elif shape == 2:
        low, high = draw(VALUES), draw(VALUES)
        value = f"{draw(st.sampled_from('[{'))}{low} TO {high}{draw(st.sampled_from(']}'))}"
    elif shape == 3:
        value = f"{draw(st.sampled_from(['>', '>=', '<', '<=']))}{value}"
    if draw(st.booleans()):
        value = f"{value}{draw(SUFFIXES)}"
    if draw(st.booleans()):
        value = f"{draw(FIELD_NAMES)}:{value}"
    return value


QUERY_LIKE = st.recursive(
    _term(),
    lambda inner: st.one_of(
        st.builds(
            lambda a, op, b: f"{a} {op} {b}", inner, st.sampled_from(["AND", "OR", "&&", "||", "", "NOT"]), inner
        ),
        st.builds(lambda a: f"({a})", inner),
        st.builds(lambda p, a: f"{p}{a}", st.sampled_from(["-", "+", "!", "NOT "]), inner),
        st.builds(lambda f, a: f"{f}:({a})", FIELD_NAMES, inner),
    ),
    max_leaves=6,
)
QUERIES = st.one_of(QUERY_LIKE, hostile_text(60), st.text(alphabet='():"[]{}*?~^\\-+!&| TOANDRNaz0', max_size=30))
