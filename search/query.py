"""The query language: Lucene query syntax (as in Kibana), parsed by luqum, rewritten and compiled to
Elasticsearch DSL. Users never send DSL.

Rewrite rules (docs/architecture.md, "Language work happens in Python"):
- unqualified terms and phrases match ``text_stem``: each term is normalized and stemmed exactly as the
  enricher does, in the ``lang`` given, else with every stemmer its script allows, alternatives OR-ed;
  with ``image_text`` (what searches and alert rules use) each also matches the text read in the post's
  images (``ocr_stem``), so a photographed decree is found like a typed one;
- ``ocr:`` restricts a term to the image text; ``phash:`` finds posts with a near-identical image
  (sharing a 16-bit band of the perceptual hash: search/media.py); ``media:`` is the attachment's type;
- ``text:`` matches the words as written (standard analyzer); wildcards match ``text_norm`` unqualified;
- only the fields of :data:`FIELDS` are allowed; terms separated by spaces must all match (AND).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Literal

from luqum.tree import (
    AndOperation,
    BaseGroup,
    Boost,
    From,
    Fuzzy,
    Item,
    Not,
    OrOperation,
    Phrase,
    Plus,
    Prohibit,
    Proximity,
    Range,
    Regex,
    SearchField,
    Term,
    To,
    UnknownOperation,
    Word,
)

from enrich.analysis import MARKS_BEFORE_STEMMING, analyze, normalize, query_languages
from enrich.entities.search import query as entity_query
from search.datevalues import is_es_date
from search.filters import channel_id
from search.media import check_phash, phash_bands
from search.query_parse import QuerySyntaxError, parse_query

__all__ = ["FIELDS", "Compiled", "QuerySyntaxError", "compile_full", "compile_query"]

MAX_QUERY_CHARS = 4000
Kind = Literal["stem", "text", "keyword", "date", "number", "channel", "phash"]


@dataclass(frozen=True)
class FieldSpec:
    target: str
    kind: Kind
    strip: str = ""  # leading characters users may type (@, #)
    lower: bool = False  # values stored lowercase (ids of topics, languages, categories)
    norm: str = "text_norm"  # where wildcards of a stemmed field look


_KEYWORD_FIELDS = {
    "id": "id",
    "username": "channel.username",
    "category": "channel.category",
    "country": "channel.country",
    "lang": "lang",
    "language": "lang",
    "script": "script",
    "topic": "topics",
    "topics": "topics",
    "event": "event",
    "link": "links",
    "links": "links",
    "media": "media.type",
    "media_status": "media.status",
    "sha256": "media.sha256",
    "simhash": "simhash",
    "story": "story",
    "kind": "source_kind",  # kind:group, kind:comments (a channel's posts carry none: -kind:comments leaves them)
    "author": "author",
    "tag": "tags",  # search/annotations.py: tags people put on posts
    "tags": "tags",
    **{kind: f"entities.{kind}" for kind in ("law", "money", "phone", "place", "org", "person")},
}
_LOWERCASE = {
    "source_kind",
    "lang",
    "topics",
    "channel.category",
    "event",
    "media.type",
    "media.status",
    "media.sha256",
}
FIELDS: dict[str, FieldSpec] = {
    **{name: FieldSpec(target, "keyword", lower=target in _LOWERCASE) for name, target in _KEYWORD_FIELDS.items()},
    "hashtag": FieldSpec("hashtags", "keyword", "#"),
    "hashtags": FieldSpec("hashtags", "keyword", "#"),
    "mention": FieldSpec("mentions", "keyword", "@"),
    "mentions": FieldSpec("mentions", "keyword", "@"),
    "channel": FieldSpec("channel.username", "channel", "@"),
    "text": FieldSpec("text", "text"),
    "stem": FieldSpec("text_stem", "stem"),
    "ocr": FieldSpec("ocr_stem", "stem", norm="ocr_norm"),
    "ocr_text": FieldSpec("media.ocr_text", "text"),
    "phash": FieldSpec("media.phash_bands", "phash", lower=True),
    "title": FieldSpec("channel.title", "text"),
    **{name: FieldSpec(name, "date") for name in ("date", "edit_date", "deleted_at", "indexed_at")},
    **{name: FieldSpec(name, "number") for name in ("views", "forwards", "message_id")},
    "reactions": FieldSpec("reactions_total", "number"),
    "deadline": FieldSpec("entities.date", "date"),  # dates a post names (`date:` is when it was posted)
}
_UNQUALIFIED = FieldSpec("text_stem", "stem")
_IMAGE_TEXT = FIELDS["ocr"]
_DATE_ONLY = re.compile(r"^[0-9]{4}(-[0-9]{2}(-[0-9]{2})?)?$")
_LONG = 2**63
_MAX_SLOP = 2**31 - 1  # Elasticsearch's int


@dataclass
class Compiled:
    query: dict[str, Any]
    stems: set[str] = field(default_factory=set)  # for highlighting the original text
    words: set[str] = field(default_factory=set)
    wildcards: set[str] = field(default_factory=set)  # patterns, as typed (lowercased)


def compile_query(query: str, lang: str | None = None, *, image_text: bool = False) -> dict[str, Any]:
    """Compile a user query to Elasticsearch query DSL. Raises :class:`QuerySyntaxError`."""
    return compile_full(query, lang, image_text=image_text).query


def compile_full(query: str, lang: str | None = None, *, image_text: bool = False) -> Compiled:
    text = query.strip()
    if len(text) > MAX_QUERY_CHARS:
        raise QuerySyntaxError(f"query too long ({len(text)} characters, at most {MAX_QUERY_CHARS})", MAX_QUERY_CHARS)
    compiled = Compiled({"match_all": {}})
    if text in ("", "*", "*:*"):
        return compiled
    tree = parse_query(text)
    result = _Compiler(lang, compiled, image_text).node(tree, None)
    compiled.query = result if result is not None else {"match_all": {}}
    return compiled


def _unquote(phrase: Phrase) -> str:
    return str(Term.WORD_ESCAPED_CHARS.sub(r"\1", phrase.value[1:-1]))


def _either(clauses: list[dict[str, Any]]) -> dict[str, Any] | None:
    unique: list[dict[str, Any]] = []
    for c in clauses:
        if c not in unique:
            unique.append(c)
    if not unique:
        return None
    return unique[0] if len(unique) == 1 else {"bool": {"should": unique, "minimum_should_match": 1}}


class _Compiler:
    def __init__(self, lang: str | None, out: Compiled, image_text: bool = False) -> None:
        self.lang = lang
        self.out = out
        self.image_text = image_text

    def error(self, node: Item, message: str) -> QuerySyntaxError:
        return QuerySyntaxError(message, getattr(node, "pos", None))

    def node(self, node: Item, spec: FieldSpec | None) -> dict[str, Any] | None:
        if isinstance(node, SearchField):
            if spec is not None:
                raise self.error(node, f"field {node.name!r} inside another field")
            found = FIELDS.get(node.name.lower())
            if found is None:
                raise self.error(node, f"unknown field {node.name!r}; allowed: {', '.join(sorted(FIELDS))}")
            return self.node(node.expr, found)
        if isinstance(node, BaseGroup):
            return self.node(node.expr, spec)
        if isinstance(node, AndOperation | UnknownOperation):
            return self._bool("must", node, spec)
        if isinstance(node, OrOperation):
            return self._bool("should", node, spec)
        if isinstance(node, Not | Prohibit):
            inner = self.node(node.a, spec)
            return {"bool": {"must_not": [inner]}} if inner is not None else None
        if isinstance(node, Plus):
            return self.node(node.a, spec)
        if isinstance(node, Boost):
            inner = self.node(node.expr, spec)
            return {"bool": {"must": [inner], "boost": float(node.force)}} if inner is not None else None
        if spec is None and self.image_text:
            return _either([q for q in (self.leaf(node, _UNQUALIFIED), self.leaf(node, _IMAGE_TEXT)) if q is not None])
        return self.leaf(node, spec or _UNQUALIFIED)

    def _bool(self, occur: str, node: Item, spec: FieldSpec | None) -> dict[str, Any] | None:
        parts = [q for q in (self.node(child, spec) for child in node.children) if q is not None]
        if not parts:
            return None
        if len(parts) == 1:
            return parts[0]
        body: dict[str, Any] = {occur: parts}
        if occur == "should":
            body["minimum_should_match"] = 1
        return {"bool": body}

    def leaf(self, node: Item, spec: FieldSpec) -> dict[str, Any] | None:
        if isinstance(node, Regex):
            raise self.error(node, "regular expressions are not supported; use wildcards (* ?)")
        if isinstance(node, Range | From | To):
            return self._range(node, spec)
        if spec.kind in ("stem", "text"):
            return self._text_leaf(node, spec)
        if isinstance(node, Fuzzy | Proximity):
            raise self.error(node, f"~ is not supported on {spec.target}")
        if not isinstance(node, Word | Phrase):
            raise self.error(node, f"unsupported expression {node!s}")
        value = _unquote(node) if isinstance(node, Phrase) else str(node.unescaped_value)
        value = value.lstrip(spec.strip) if spec.strip else value
        return self._exact(node, spec, value.lower() if spec.lower else value)

    # ---- text fields ---------------------------------------------------------------------------

    def _text_leaf(self, node: Item, spec: FieldSpec) -> dict[str, Any] | None:
        degree: Any = None
        if isinstance(node, Fuzzy | Proximity):
            degree = node.degree
            node = node.term
        if isinstance(node, Phrase):
            slop = int(degree) if degree is not None else 0
            if slop > _MAX_SLOP:
                raise self.error(node, f"~{slop} is too far apart; at most ~{_MAX_SLOP}")
            return self._phrase(_unquote(node), spec, slop)
        if not isinstance(node, Word):
            raise self.error(node, f"unsupported expression {node!s}")
        if node.value == "*":
            return (
                {"exists": {"field": spec.target}}
                if spec.kind == "text" or spec.norm != "text_norm"
                else {"match_all": {}}
            )
        if node.has_wildcard():
            return self._wildcard(node, spec)
        word = str(node.unescaped_value)
        fuzziness = _fuzziness(degree) if degree is not None else None
        if spec.kind == "text":
            self.out.words.add(word)
            if fuzziness is not None:
                return {"match": {spec.target: {"query": word, "fuzziness": fuzziness}}}
            return {"match": {spec.target: {"query": word, "operator": "and"}}}
        clauses: list[dict[str, Any]] = []
        for tokens in self._variants(word):
            self.out.stems.update(tokens)
            if len(tokens) == 1:
                if fuzziness is not None:
                    clauses.append({"fuzzy": {spec.target: {"value": tokens[0], "fuzziness": fuzziness}}})
                else:
                    clauses.append({"term": {spec.target: tokens[0]}})
            else:
                clauses.append({"match_phrase": {spec.target: " ".join(tokens)}})
        return _either(clauses)

    def _phrase(self, phrase: str, spec: FieldSpec, slop: int) -> dict[str, Any] | None:
        if spec.kind == "text":
            self.out.words.update(phrase.split())
            return {"match_phrase": {spec.target: {"query": phrase, "slop": slop}}}
        clauses: list[dict[str, Any]] = []
        for tokens in self._variants(phrase):
            self.out.stems.update(tokens)
            clauses.append({"match_phrase": {spec.target: {"query": " ".join(tokens), "slop": slop}}})
        return _either(clauses)

    def _variants(self, text: str) -> list[tuple[str, ...]]:
        """The term(s) as the enricher would index them, once per language the query allows."""
        seen: list[tuple[str, ...]] = []
        for lang in query_languages(text, self.lang):
            tokens = tuple(analyze(text, lang))
            if tokens and tokens not in seen:
                seen.append(tokens)
        return seen

    def _wildcard(self, node: Word, spec: FieldSpec) -> dict[str, Any]:
        self.out.wildcards.add(node.value.lower())
        if spec.kind == "text":
            return {"wildcard": {spec.target: {"value": node.value.lower(), "case_insensitive": True}}}
        patterns: list[str] = []
        # Turkish text_norm keeps its letters (see enrich.normalize): a pattern with them matches there.
        langs: list[str | None] = [*query_languages(node.value, self.lang), *sorted(MARKS_BEFORE_STEMMING)]
        for lang in langs:
            pieces = Term.WILDCARDS_PATTERN.split(node.value)
            pattern = "".join(p if p in ("*", "?") else normalize(p, lang) for p in pieces)
            if pattern.strip("*?") and pattern not in patterns:
                patterns.append(pattern)
        if not patterns:
            raise self.error(node, "a wildcard needs at least one letter")
        return _either([{"wildcard": {spec.norm: {"value": p}}} for p in patterns]) or {"match_none": {}}

    # ---- keyword, date, number fields ----------------------------------------------------------

    def _exact(self, node: Item, spec: FieldSpec, value: str) -> dict[str, Any]:
        target = spec.target
        if spec.kind == "channel":
            number = channel_id(value)
            if number is not None:
                return {"term": {"channel.id": number}}
            target = "channel.username"
        if value == "*":
            return {"exists": {"field": target}}
        if spec.kind == "phash":
            try:
                return {"terms": {target: phash_bands(check_phash(value))}}
            except ValueError as exc:
                raise self.error(node, str(exc)) from None
        if spec.kind == "number":
            return {"term": {target: self._number(node, value)}}
        if spec.kind == "date":
            self._date(node, value)
            if _DATE_ONLY.match(value):
                unit = {4: "y", 7: "M", 10: "d"}[len(value)]
                return {"range": {target: {"gte": f"{value}||/{unit}", "lte": f"{value}||/{unit}"}}}
            return {"term": {target: value}}
        if isinstance(node, Word) and node.has_wildcard():
            return {"wildcard": {target: {"value": value, "case_insensitive": True}}}
        if target.startswith("entities."):  # the value as the enricher writes it
            return entity_query(target.removeprefix("entities."), target, value)
        return {"term": {target: value}}

    def _number(self, node: Item, value: str) -> int:
        try:
            number = int(value)
        except ValueError:
            raise self.error(node, f"{value!r} is not a number") from None
        if not -_LONG <= number < _LONG:
            raise self.error(node, f"{value} is out of range")
        return number

    def _date(self, node: Item, value: str) -> str:
        if not is_es_date(value):
            raise self.error(node, f"{value!r} is not a date: use 2024-05-01, 2024-05-01T12:00, or now-7d")
        return value

    def _range(self, node: Item, spec: FieldSpec) -> dict[str, Any]:
        if spec.kind not in ("date", "number"):
            raise self.error(node, f"ranges work on dates and counts, not on {spec.target}")
        bounds: dict[str, Any] = {}
        ends: tuple[tuple[str, Any], ...]
        if isinstance(node, Range):
            ends = (("gte" if node.include_low else "gt", node.low), ("lte" if node.include_high else "lt", node.high))
        else:
            op = ("gte" if node.include else "gt") if isinstance(node, From) else ("lte" if node.include else "lt")
            ends = ((op, node.a),)
        for op, term in ends:
            value = str(term.unescaped_value) if isinstance(term, Term) else str(term)
            if value == "*":
                continue
            bounds[op] = self._number(term, value) if spec.kind == "number" else self._date(term, value)
        return {"range": {spec.target: bounds}}


def _fuzziness(degree: Any) -> Any:
    try:
        n = int(degree)
    except (TypeError, ValueError):
        return "AUTO"
    return n if n in (0, 1, 2) and float(degree) == n else "AUTO"
