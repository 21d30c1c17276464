"""The query compiler over any string: compiled Elasticsearch DSL, or the project's QuerySyntaxError
with a position in the query and a one-line message; never another exception. (The DSL, sent to a
real Elasticsearch, is tested in tests/integration/test_prop_query_es.py.)"""

from __future__ import annotations

import json

from hypothesis import example, given
from hypothesis import strategies as st

from search.query import QuerySyntaxError, compile_full
from tests.property.query_strategies import QUERIES

LANGS = st.sampled_from([None, "ru", "uz", "uk", "en", "kk", "xx"])


def compile_or_syntax_error(query: str, lang: str | None) -> dict[str, object] | None:
    try:
        compiled = compile_full(query, lang)
    except QuerySyntaxError as exc:
        assert exc.position is not None and 0 <= exc.position <= len(query), (exc.position, str(exc))
        assert "\n" not in str(exc) and exc.reason.strip()
        return None
    json.dumps(compiled.query, allow_nan=False)  # plain JSON: no NaN or infinity for Elasticsearch
    return compiled.query


@given(QUERIES, LANGS)
@example("channel:²", None)
@example("\U00017000", "uk")  # a letter unicodedata has no name for: pymorphy3 raised ValueError
@example('"a b"~1.5', None)
@example("b a~.", None)  # luqum's Decimal(".") raised decimal.InvalidOperation
@example("a" * 5000, None)
def test_any_query_compiles_or_is_a_syntax_error_with_a_position(query: str, lang: str | None) -> None:
    compile_or_syntax_error(query, lang)
