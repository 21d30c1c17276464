"""Which rules could match a batch at all, so the rule search carries only those (the percolator's idea,
on the minimal node that has none). A rule's compiled query yields a necessary condition: the post has at
least one of a set of (field, term) pairs of the text fields (``term`` on the whitespace-analysed stems,
``match`` analysed as Elasticsearch analyses the field); the batch's indexed terms come from Elasticsearch
(term vectors of the batch's posts). A rule whose condition no post meets cannot match and is left out;
Elasticsearch still decides every match of the others. Anything the extraction does not understand
(phrases, fuzzy, wildcards, negations alone...) leaves the rule in: the condition only errs towards
searching.

With 1,000 saved searches, one named-clause search over a handful of new posts took seconds in
Elasticsearch (building and matching ~20,000 term clauses); most saved searches name a place or a rare
word that a given second's posts do not contain."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from elasticsearch import Elasticsearch

from search import index as ix

Term = tuple[str, str]  # (field, indexed term)
# All of these sets meet the post's terms (the post has one term of each); None: no condition known.
Requirement = tuple[frozenset[Term], ...] | None
Analyze = Callable[[str, str], list[str]]  # (analyzer, text) -> the terms it indexes


def analyzer_of(field: str) -> str | None:
    """The analyzer of a text field of the posts mapping (None: not a top-level text field)."""
    spec = ix.POST_MAPPINGS["properties"].get(field) or {}
    return str(spec.get("analyzer", "standard")) if spec.get("type") == "text" else None


def requirement(query: Any, analyze: Analyze | None = None) -> Requirement:
    """A necessary condition for ``query`` to match a post, or None when none is known. A ``term`` on a
    whitespace-analysed field is its value as it stands; a ``match`` with every word required is any one
    of the terms the field's analyzer makes of it (``analyze`` asks Elasticsearch; without it, no condition)."""
    if not isinstance(query, dict) or len(query) != 1:
        return None
    ((kind, body),) = query.items()
    if kind == "bool" and isinstance(body, dict):
        return _bool(body, analyze)
    if kind not in ("term", "match") or not isinstance(body, dict) or len(body) != 1:
        return None
    ((field, value),) = body.items()
    analyzer = analyzer_of(field)
    if kind == "term":
        if isinstance(value, dict):
            value = value.get("value") if set(value) <= {"value", "boost"} else None
        if analyzer == "whitespace" and isinstance(value, str):
            return (frozenset({(field, value)}),)
        return None
    operator = "or"
    if isinstance(value, dict):
        if not set(value) <= {"query", "operator"}:  # fuzziness, minimum_should_match...: no condition
            return None
        operator, value = str(value.get("operator", "or")).lower(), value.get("query")
    if analyzer is None or analyze is None or not isinstance(value, str):
        return None
    terms = analyze(analyzer, value)
    if not terms:
        return None
    if operator == "and":  # every term
        return tuple(frozenset({(field, t)}) for t in dict.fromkeys(terms))
    return (frozenset((field, t) for t in terms),)  # one of them


def _clauses(body: dict[str, Any], key: str) -> list[Any]:
    value = body.get(key) or []
    return value if isinstance(value, list) else [value]


def _bool(body: dict[str, Any], analyze: Analyze | None) -> Requirement:
    required = _clauses(body, "must") + _clauses(body, "filter")
    known = [r for r in (requirement(c, analyze) for c in required) if r is not None]
    if known:  # every required clause matches: all their conditions hold
        return tuple(dict.fromkeys(need for found in known for need in found))
    should = _clauses(body, "should")
    if not should or _min_should(body, bool(required)) < 1:
        return None
    union: set[Term] = set()
    for clause in should:  # one should clause matches: the post has a term of its smallest set, at least
        found = requirement(clause, analyze)
        if found is None:
            return None
        union |= min(found, key=len)
    return (frozenset(union),)


def _min_should(body: dict[str, Any], has_required: bool) -> int:
    """The effective minimum_should_match when it is a plain count (0 when it is anything else)."""
    value = body.get("minimum_should_match")
    if value is None:  # Elasticsearch: 1 when there is no must/filter clause, else 0
        return 0 if has_required else 1
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return 0


def post_terms(
    es: Elasticsearch, posts: Sequence[tuple[str, str, int | None]], fields: Sequence[str]
) -> list[set[Term]] | None:
    """The (field, term) pairs indexed for each post ((index, id, version) each), as the last refresh sees
    them; None when one is missing or in another version than the one listed (then no rule is left out)."""
    out: list[set[Term]] = []
    for start in range(0, len(posts), 500):
        chunk = posts[start : start + 500]
        resp = es.mtermvectors(
            docs=[{"_index": index, "_id": post_id} for index, post_id, _ in chunk],
            fields=list(fields),
            positions=False,
            offsets=False,
            payloads=False,
            term_statistics=False,
            field_statistics=False,
            realtime=False,  # the searchable version, the one the rule search matches
        )
        for (_, _, version), doc in zip(chunk, resp["docs"], strict=True):
            if not doc.get("found") or (version is not None and doc.get("_version") != version):
                return None
            vectors = doc.get("term_vectors") or {}
            out.append({(field, term) for field, found in vectors.items() for term in found.get("terms") or {}})
    return out


def elastic_analyzer(es: Elasticsearch) -> Analyze:
    """Analysis by Elasticsearch itself (remembered: the same words recur in every reload of the rules)."""
    seen: dict[tuple[str, str], list[str]] = {}

    def analyze(analyzer: str, text: str) -> list[str]:
        if (analyzer, text) not in seen:
            if len(seen) > 100_000:
                seen.clear()
            tokens = es.indices.analyze(analyzer=analyzer, text=text)["tokens"]
            seen[(analyzer, text)] = [str(t["token"]) for t in tokens]
        return seen[(analyzer, text)]

    return analyze


def could_match(need: Requirement, posts: Sequence[set[Term]], every: set[Term]) -> bool:
    """Whether one of the posts (their terms; ``every``: all of them together) meets the condition."""
    if need is None:
        return True
    if any(every.isdisjoint(one_of) for one_of in need):  # the whole batch lacks a required term
        return False
    return any(all(not terms.isdisjoint(one_of) for one_of in need) for terms in posts)
