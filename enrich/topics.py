"""Topic tagging from the editable taxonomy (enrich/taxonomy.yaml, or a file of the user's).

Every term is compiled, per post language, with the same analysis as the post (so inflection and
both Uzbek scripts are handled once, in :mod:`enrich.analysis`), into a sequence of word patterns:
an exact stem, or (``word*``) a prefix of the normalized word. A post is matched in one pass over its
words through an index keyed by each term's first pattern.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from itertools import compress
from operator import itemgetter
from pathlib import Path
from typing import NamedTuple

import yaml
from pydantic import ValidationError

from dozor import yaml_text
from dozor.errors import ConfigError
from enrich.analysis import tokenize
from enrich.normalize import normalize
from enrich.stemming import stem_words
from enrich.taxonomy_file import TaxonomyFile

STRONG = 1.0
WEAK = 0.5
MASK = 0.0  # an `except` phrase: hides the terms it overlaps
SHARED_LANGS = ("ru", "en")  # their terms apply to posts in every language (loanwords travel)

_PREFIX_KEY = 3  # shortest prefix pattern; shorter ones are matched as exact stems
_FIRST_CACHE = 200_000


@dataclass(frozen=True)
class _Pattern:
    value: str
    prefix: bool

    def matches(self, token: str, stem: str) -> bool:
        return token.startswith(self.value) if self.prefix else stem == self.value


_ANY_WORD = _Pattern("", True)  # a lone * in a phrase


@dataclass(frozen=True)
class _Term:
    topic: str
    label: str  # as written in the taxonomy
    weight: float
    patterns: tuple[_Pattern, ...]
    # The stems after the first word when all are exact: a phrase is then checked by one list compare.
    rest: list[str] | None = field(init=False, compare=False, repr=False)
    # Otherwise the second word's stem when it is exact: most tries of a phrase fail there, cheaply.
    second: str | None = field(init=False, compare=False, repr=False)
    size: int = field(init=False, compare=False, repr=False)  # words

    def __post_init__(self) -> None:
        rest = self.patterns[1:]
        exact = [p.value for p in rest] if rest and not any(p.prefix for p in rest) else None
        object.__setattr__(self, "rest", exact)
        object.__setattr__(self, "second", rest[0].value if rest and not rest[0].prefix else None)
        object.__setattr__(self, "size", len(self.patterns))


# The terms a word starts, as Taxonomy.tag reads them: the one-word terms it is, one (topic, weight)
# per topic (a one-word mask hides the others: it blocks their word); the longer terms by the stem
# their second word must have (most tries of a phrase fail there: one dict lookup); the other longer terms.
_Plan = tuple[tuple[tuple[str, float], ...], dict[str, tuple["_Term", ...]], tuple[tuple[str, "_Term"], ...]]


@dataclass
class _Matcher:
    """All terms compiled for one post language, indexed by their first word pattern."""

    exact: dict[str, list[_Term]] = field(default_factory=lambda: defaultdict(list))
    prefix: dict[str, list[_Term]] = field(default_factory=lambda: defaultdict(list))
    _first: dict[str, tuple[_Term, ...]] = field(default_factory=dict)  # word -> terms it can start
    _starters: set[str] = field(default_factory=set)  # the words of _first that start a term
    _plans: dict[str, _Plan] = field(default_factory=dict)  # the starters' terms, as tag reads them
    _longest: int = 0  # longest prefix pattern: a 1 MB "word" is not sliced a million times

    def add(self, term: _Term) -> None:
        first = term.patterns[0]
        (self.prefix if first.prefix else self.exact)[first.value].append(term)
        if first.prefix:
            self._longest = max(self._longest, len(first.value))
        self._first.clear()  # a word looked up before may start this term too
        self._starters.clear()
        self._plans.clear()

    def _starting(self, token: str, stem: str) -> tuple[_Term, ...]:
        found = self._first.get(token)
        if found is None:
            terms = list(self.exact.get(stem, ()))
            for end in range(_PREFIX_KEY, min(len(token), self._longest) + 1):
                terms.extend(self.prefix.get(token[:end], ()))
            found = self._first[token] = tuple(terms)
            if found:
                self._starters.add(token)
                self._plans[token] = _plan(found)
        return found

    def starting(self, tokens: list[str], stems: list[str]) -> set[str]:
        """The words of the post that start a term (set operations, at C speed, for most words)."""
        first = self._first
        words = set(tokens)
        unseen = words.difference(first)
        if unseen:
            if len(first) + len(unseen) > _FIRST_CACHE:  # a bounded cache: start over (never mid-post)
                first.clear()
                self._starters.clear()
                self._plans.clear()
                unseen = words
            for token in unseen:
                self._starting(token, stems[tokens.index(token)])
        return self._starters.intersection(words)

    def hits(self, tokens: list[str], stems: list[str]) -> list[_Hit]:
        """The terms found in the post, in the order of the words they start at. Set operations (C
        speed) find the few words that start a term; only those positions are tried."""
        starting = self.starting(tokens, stems)
        if not starting:
            return []
        first = self._first
        found: list[_Hit] = []
        n = len(tokens)
        for i in [i for i, token in enumerate(tokens) if token in starting]:
            for term in first[tokens[i]]:
                k = term.size
                if k == 1 or (i + k <= n and _follows(term, tokens, stems, i)):
                    found.append(_Hit(term, i, i + k, tuple(stems[i : i + k])))
        return found


def _follows(term: _Term, tokens: list[str], stems: list[str], i: int) -> bool:
    """Whether the words after position ``i`` (at least ``term.size - 1`` of them) are the rest of ``term``."""
    k = term.size
    if term.rest is not None:
        return stems[i + 1 : i + k] == term.rest
    return (term.second is None or term.second == stems[i + 1]) and all(
        term.patterns[j].matches(tokens[i + j], stems[i + j]) for j in range(1, k)
    )


def _take(term: _Term, i: int, stems: list[str], found: dict[str, list[_Found]], masked: dict[str, set[int]]) -> None:
    k = term.size
    if term.weight == MASK:
        masked.setdefault(term.topic, set()).update(range(i, i + k))
    else:
        found.setdefault(term.topic, []).append((-term.weight, -k, i, i + k, tuple(stems[i : i + k])))


def _plan(terms: tuple[_Term, ...]) -> _Plan:
    singles: dict[str, float] = {}
    by_second: dict[str, list[_Term]] = {}
    loose: list[tuple[str, _Term]] = []
    for term in terms:
        if term.size == 1:
            known = singles.get(term.topic)
            if known is None or (known != MASK and (term.weight == MASK or term.weight > known)):
                singles[term.topic] = term.weight
        elif term.second is not None:
            by_second.setdefault(term.second, []).append(term)
        else:
            second = term.patterns[1]  # a prefix: the next word must start with it (a lone *: "")
            loose.append((second.value if type(second) is _Pattern else "", term))
    return tuple(singles.items()), {k: tuple(v) for k, v in by_second.items()}, tuple(loose)


class _Hit(NamedTuple):  # a tuple: a post makes dozens, and a frozen dataclass is slow to build
    term: _Term
    start: int
    end: int
    words: tuple[str, ...]  # the stems it matched


Surface = Callable[[int, int], str]  # words start..end of the post as written in it


# A match as Taxonomy.tag weighs it: a plain tuple that sorts by rank (stronger terms first, then
# longer ones, then earlier ones): -weight, -words, start, end, and the stems it matched (a one-word
# match: the stem itself).
_Found = tuple[float, int, int, int, "str | tuple[str, ...]"]


def _score(found: list[_Found], masked: set[int] | None) -> tuple[float, list[_Found]]:
    """Evidence of one topic: each piece of the post counts once, however many terms (or
    languages' spellings of a term) match it, and however often it is repeated; the matches that
    counted. ``masked``: the word positions its ``except`` phrases cover."""
    found.sort()
    taken: list[_Found] = []
    seen_words: set[str | tuple[str, ...]] = set()
    blocked = set(masked) if masked else set()  # word positions of the masks and of the matches taken
    for hit in found:
        words = hit[4]
        if words in seen_words:
            continue
        start = hit[2]
        if hit[1] == -1:
            if start in blocked:
                continue
            blocked.add(start)
        else:
            span = range(start, hit[3])
            if not blocked.isdisjoint(span):
                continue
            blocked.update(span)
        taken.append(hit)
        seen_words.add(words)
    return sum(-hit[0] for hit in taken), taken


def _words(taken: list[_Found], surface: Surface) -> list[str]:
    """The words that counted, as the post writes them, in its order (once each)."""
    if len(taken) == 1:
        return [surface(taken[0][2], taken[0][3])]
    return list(dict.fromkeys(surface(hit[2], hit[3]) for hit in sorted(taken, key=_START)))


_START = itemgetter(2)


class Taxonomy:
    def __init__(self, spec: TaxonomyFile) -> None:
        self.spec = spec
        self._matchers: dict[str, _Matcher] = {}

    @property
    def topic_ids(self) -> list[str]:
        return list(self.spec.topics)

    def label(self, topic: str, lang: str) -> str:
        """The topic's name in ``lang`` (else in English, else its id)."""
        spec = self.spec.topics.get(topic)
        labels = spec.labels if spec else {}
        return labels.get(lang) or labels.get("en") or topic

    @property
    def languages(self) -> set[str]:
        return {
            lang
            for spec in self.spec.topics.values()
            for by_lang in (spec.terms, spec.weak, spec.except_)
            for lang in by_lang
        }

    def _compile(self, lang: str) -> _Matcher:
        matcher = _Matcher()
        wanted = {lang, *SHARED_LANGS} if lang in self.languages else self.languages
        for topic, spec in self.spec.topics.items():
            for weight, by_lang in ((STRONG, spec.terms), (WEAK, spec.weak), (MASK, spec.except_)):
                for term_lang, terms in by_lang.items():
                    if term_lang not in wanted:
                        continue
                    for label in terms:
                        patterns = _patterns(label, lang)
                        if patterns:
                            matcher.add(_Term(topic, label, weight, patterns))
        return matcher

    def matcher(self, lang: str) -> _Matcher:
        matcher = self._matchers.get(lang)
        if matcher is None:
            matcher = self._matchers[lang] = self._compile(lang)
        return matcher

    def tag(
        self, tokens: list[str], stems: list[str], lang: str, surface: Surface | None = None
    ) -> dict[str, list[str]]:
        """``{topic: [matched words]}`` for the topics whose terms score enough, in taxonomy order. The
        matched words are the post's own (``surface(start, end)``: the tokens start..end as the post
        writes them; by default the normalized tokens), not the taxonomy's patterns."""
        if surface is None:
            surface = lambda start, end: " ".join(tokens[start:end])  # noqa: E731
        matcher = self.matcher(lang)
        starting = matcher.starting(tokens, stems)
        if not starting:
            return {}
        plans = matcher._plans
        found: dict[str, list[_Found]] = {}
        masked: dict[str, set[int]] = {}
        n = len(tokens)
        last = n - 1
        for i in compress(range(n), map(starting.__contains__, tokens)):  # no bytecode per word
            singles, by_second, loose = plans[tokens[i]]
            for topic, weight in singles:
                if weight == MASK:
                    masked.setdefault(topic, set()).add(i)
                elif topic in found:
                    found[topic].append((-weight, -1, i, i + 1, stems[i]))
                else:
                    found[topic] = [(-weight, -1, i, i + 1, stems[i])]
            if i == last:
                continue
            for term in by_second.get(stems[i + 1], ()):
                if i + term.size <= n and _follows(term, tokens, stems, i):
                    _take(term, i, stems, found, masked)
            if loose:
                following = tokens[i + 1]
                for start, term in loose:
                    if following.startswith(start) and i + term.size <= n and _follows(term, tokens, stems, i):
                        _take(term, i, stems, found, masked)
        tagged: dict[str, list[str]] = {}
        for topic, spec in self.spec.topics.items():
            hits = found.get(topic)
            if hits is None:
                continue
            masks = masked.get(topic)
            score, taken = (-hits[0][0], hits) if len(hits) == 1 and masks is None else _score(hits, masks)
            if score >= spec.min_score:  # the words as written only for the topics that count
                tagged[topic] = _words(taken, surface)
        return tagged


def _patterns(term: str, lang: str) -> tuple[_Pattern, ...]:
    patterns: list[_Pattern] = []
    for word in term.split():
        if word == "*":
            patterns.append(_ANY_WORD)
            continue
        star = word.endswith("*")
        tokens = tokenize(normalize(word.rstrip("*"), lang))
        if not tokens:
            continue
        stems = stem_words(tokens, lang)
        patterns.extend(_Pattern(stem, False) for stem in stems[:-1])
        if star and len(tokens[-1]) >= _PREFIX_KEY:
            patterns.append(_Pattern(tokens[-1], True))
        else:
            patterns.append(_Pattern(stems[-1], False))
    while patterns and patterns[0] is _ANY_WORD:  # a phrase starts and ends with a word
        patterns.pop(0)
    while patterns and patterns[-1] is _ANY_WORD:
        patterns.pop()
    return tuple(patterns)


def parse(text: str, source: str) -> Taxonomy:
    try:
        raw = yaml_text.safe_load(text)
        return Taxonomy(TaxonomyFile.model_validate(raw))
    except yaml.YAMLError as exc:
        raise ConfigError(f"taxonomy {source}: not valid YAML ({exc})") from None
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(p) for p in err['loc']) or '?'}: {err['msg']}" for err in exc.errors()[:5])
        raise ConfigError(f"taxonomy {source}: {problems}") from None


def load(path: Path | None = None) -> Taxonomy:
    """The taxonomy at ``path``, or the default one shipped with Dozor."""
    if path is None:
        return default()
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"taxonomy {path}: cannot read it ({exc.strerror})") from None
    return parse(text, str(path))


@cache
def default() -> Taxonomy:
    text = resources.files("enrich").joinpath("taxonomy.yaml").read_text(encoding="utf-8")
    return parse(text, "enrich/taxonomy.yaml")


# The term matcher, for other gazetteers that match names in any inflection (enrich.entities).
Matcher = _Matcher
Term = _Term
Hit = _Hit
term_patterns = _patterns
Pattern = _Pattern
