"""Names from a list (places.yaml, orgs.yaml, people.yaml): canonical name -> its names per language.

Names are compiled with the topic matcher (:mod:`enrich.topics`), so they are normalized and stemmed
the way the post is and match in any inflection, Uzbek in both scripts. A post is matched in one pass
over its words; where names overlap, the longest wins (``Нижний Новгород`` over ``Новгород``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import cast

import yaml

from dozor.errors import ConfigError
from enrich.analysis import tokenize
from enrich.entities.post import Post
from enrich.normalize import normalize
from enrich.topics import SHARED_LANGS, Hit, Matcher, Pattern, Term, term_patterns

_CASE = "case"  # a term's label: the post must write it with a capital letter
_CAPS = "caps"  # ... all in capitals (an abbreviation that stems like a common word: НАО ~ на)
_FLAGS = {"only", "case"}
# A name's word this long (less a final vowel) also matches as the start of a word, so that what the
# stemmer leaves on (Татарстане, Ростове, Ошто) does not hide the name; shorter ones match by stem.
_PREFIX_FROM = 4
# ... but not a people or an adjective made from the name (узбекистанский, o'zbekistonlik, кыргызстандык).
_DERIVED = re.compile(
    r"(?:лик|лік|лык|лық|дык|дық|дик|дік|тык|тық|тик|тік|lik)\w{0,8}$"
    r"|(?:ск|цк)(?:ий|ая|ое|ие|ого|ой|их|ому|им|ими|ую|ом)$|(?:ец|цы|цев|цам|цами|цах)$|ӣ$"
)


@dataclass(frozen=True)
class Found:
    kind: str
    value: str
    start: int  # token indices [start, end)
    end: int


@dataclass(frozen=True)
class Entry:
    kind: str
    canonical: str
    names: dict[str, tuple[str, ...]]
    only: bool = False  # names apply to posts in their own language only
    case: bool = False


def _variants(lang: str, name: str) -> list[str]:
    if lang == "ru" and name.endswith(" область"):  # "Московская обл."
        return [name, name.removesuffix("ласть")]
    return [name]


@dataclass(frozen=True)
class _StemOrStart(Pattern):
    """A word with this stem, or one that starts like the name's word (``value``): stemmers do not
    always stem a name and its inflected forms alike (Ростов -> рост, Ростове -> ростов; Uzbek
    vazirligi -> vazirlik)."""

    stem: str = ""

    def matches(self, token: str, stem: str) -> bool:
        return stem == self.stem or token.startswith(self.value)


_END_VOWEL = re.compile(r"[аяеёоуюыиьйәөүұіaeiouy]$")


def _loose(pattern: Pattern, word: str) -> Pattern:
    start = _END_VOWEL.sub("", word)
    if pattern.prefix or len(start) < _PREFIX_FROM:
        return pattern
    return _StemOrStart(start, True, pattern.value)


@dataclass(frozen=True)
class _Name(Term):
    """A name compiled for the matcher, knowing its entry and how it ranks against overlapping names."""

    kind: str = ""
    rank: tuple[int, int] = (0, 0)  # whole-stem words first, then the longer stems

    @classmethod
    def of(cls, entry: Entry, label: str, patterns: tuple[Pattern, ...]) -> _Name:
        exact = sum(not p.prefix for p in patterns)
        rank = (-exact, -sum(len(p.value) for p in patterns))
        return cls(entry.canonical, label, 1.0, patterns, entry.kind, rank)


def _terms(entry: Entry, name: str, lang: str) -> list[_Name]:
    patterns = term_patterns(name, lang)
    if not patterns:
        return []
    words = tokenize(normalize(name, lang))
    label = _CASE if entry.case else ""
    if name.isupper() and any(p.value != w for p, w in zip(patterns, words, strict=False)):
        label = _CAPS
    if len(words) != len(patterns) or name.isupper():  # abbreviations match whole
        return [_Name.of(entry, label, patterns)]
    loose = tuple(_loose(p, w) for p, w in zip(patterns, words, strict=True))
    if loose == patterns:
        return [_Name.of(entry, label, patterns)]
    # Indexed both by the first word's stem and by its start, so either finds it.
    return [_Name.of(entry, label, loose), _Name.of(entry, label, (patterns[0], *loose[1:]))]


def _fits(hit: Hit, post: Post) -> bool:
    """The case a term asks for, and no derived word where a stem matched as a prefix."""
    label = hit.term.label
    if label == _CASE and not post.capitalized(hit.start):
        return False
    if label == _CAPS and post.written and not post.written[hit.start].isupper():
        return False
    last = hit.term.patterns[-1]
    rest = post.tokens[hit.end - 1][len(last.value) :]
    return not (last.prefix and rest and _DERIVED.search(post.tokens[hit.end - 1]))


def _rank(hit: Hit) -> tuple[int, int, int, int]:
    """Longer names first; then whole-stem over prefix matches, then the longer stem."""
    return (hit.start - hit.end, *cast(_Name, hit.term).rank, hit.start)


_PREFIX_KEY = 3  # the topic matcher's shortest prefix key (enrich.topics)
_CACHE = 500_000


class _Index:
    """A compiled matcher, looked up per post with set operations: a post's distinct words not seen
    before are sorted once into those that can start a name (with the names) and those that cannot, so
    a post whose words start no name costs two set operations instead of a loop over its words."""

    def __init__(self, matcher: Matcher) -> None:
        self.matcher = matcher
        self.longest = max((len(k) for k in matcher.prefix), default=0)
        self.heads = {k[:_PREFIX_KEY] for k in matcher.prefix}  # a word starting otherwise starts no prefix name
        # word -> the names it starts: one-word names, longer ones by their second word's stem (when that
        # word must have exactly that stem), and the rest (a second word matched by its start)
        self.starts: dict[str, tuple[tuple[Term, ...], dict[str, tuple[Term, ...]], tuple[Term, ...]]] = {}
        self.hot: set[str] = set()  # the keys of `starts`, as a set: set operations with it stay O(post)
        self.never: set[str] = set()

    def _learn(self, tokens: list[str], stems: list[str], unseen: set[str]) -> None:
        if len(self.never) + len(self.starts) >= _CACHE:
            self.never.clear()
            self.starts.clear()
            self.hot.clear()
        exact, prefix = self.matcher.exact, self.matcher.prefix
        for token, stem in zip(tokens, stems, strict=True):
            if token not in unseen:
                continue
            unseen.discard(token)
            terms = list(exact.get(stem, ()))
            if token[:_PREFIX_KEY] in self.heads:
                for end in range(_PREFIX_KEY, min(len(token), self.longest) + 1):
                    terms.extend(prefix.get(token[:end], ()))
            if terms:
                self.starts[token] = _split(terms)
                self.hot.add(token)
            else:
                self.never.add(token)

    def hits(self, tokens: list[str], stems: list[str]) -> list[Hit]:
        words = set(tokens)
        unseen = words - self.never - self.hot
        if unseen:
            self._learn(tokens, stems, unseen)
        hot = words & self.hot
        if not hot:
            return []
        found: list[Hit] = []
        n = len(tokens)
        for word in hot:
            single, by_stem, loose = self.starts[word]
            i = -1
            while True:
                try:
                    i = tokens.index(word, i + 1)  # where the word is, found in C
                except ValueError:
                    break
                for term in single:
                    found.append(Hit(term, i, i + 1, (stems[i],)))
                if i + 1 == n:
                    continue
                longer = by_stem.get(stems[i + 1], ())
                for term in (*longer, *loose) if loose else longer:
                    patterns = term.patterns
                    k = len(patterns)
                    if i + k > n:
                        continue
                    j = 1
                    while j < k and patterns[j].matches(tokens[i + j], stems[i + j]):
                        j += 1
                    if j == k:
                        found.append(Hit(term, i, i + k, tuple(stems[i : i + k])))
        return found


def _split(
    terms: list[Term],
) -> tuple[tuple[Term, ...], dict[str, tuple[Term, ...]], tuple[Term, ...]]:
    single = tuple(t for t in terms if len(t.patterns) == 1)
    by_stem: dict[str, list[Term]] = {}
    loose: list[Term] = []
    for term in terms:
        if len(term.patterns) == 1:
            continue
        second = term.patterns[1]
        if type(second) is Pattern and not second.prefix:  # matches one stem exactly
            by_stem.setdefault(second.value, []).append(term)
        else:
            loose.append(term)
    return single, {k: tuple(v) for k, v in by_stem.items()}, tuple(loose)


class Gazetteer:
    """One or more lists (kinds) matched together in one pass over a post's words."""

    def __init__(self, entries: list[Entry]) -> None:
        self.entries = entries
        self.languages = {lang for entry in entries for lang in entry.names}
        self._matchers: dict[str, Matcher] = {}
        self._indexes: dict[str, _Index] = {}

    def __add__(self, other: Gazetteer) -> Gazetteer:
        return Gazetteer([*self.entries, *other.entries])

    def _compile(self, lang: str) -> Matcher:
        matcher = Matcher()
        known = lang in self.languages
        for entry in self.entries:
            wanted = {lang} if entry.only or not known else {lang, *SHARED_LANGS}
            for name_lang, names in entry.names.items():
                if known and name_lang not in wanted:
                    continue
                for name in names:
                    for variant in _variants(name_lang, name):
                        for term in _terms(entry, variant, lang):
                            matcher.add(term)
        return matcher

    def matcher(self, lang: str) -> Matcher:
        found = self._matchers.get(lang)
        if found is None:
            found = self._matchers[lang] = self._compile(lang)
        return found

    def find(self, post: Post) -> list[Found]:
        """The names in ``post`` (of each kind, the longest where they overlap), in order of appearance."""
        if not post.tokens:
            return []
        index = self._indexes.get(post.lang)
        if index is None:
            index = self._indexes[post.lang] = _Index(self.matcher(post.lang))
        hits = index.hits(post.tokens, post.stems)
        taken: list[Found] = []
        for hit in sorted(hits, key=_rank) if len(hits) > 1 else hits:
            kind = cast(_Name, hit.term).kind
            if any(f.kind == kind and f.start < hit.end and hit.start < f.end for f in taken):
                continue
            if _fits(hit, post):
                taken.append(Found(kind, hit.term.topic, hit.start, hit.end))
        return sorted(taken, key=lambda f: f.start)


def parse(text: str, kind: str, source: str) -> Gazetteer:
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ConfigError(f"{kind} list {source}: not valid YAML ({exc})") from None
    if not isinstance(raw, dict):
        raise ConfigError(f"{kind} list {source}: expected a mapping of canonical names to names per language")
    entries: list[Entry] = []
    for canonical, body in raw.items():
        if not isinstance(body, dict):
            raise ConfigError(f"{kind} list {source}: {canonical}: expected {{lang: [names...]}}")
        names: dict[str, tuple[str, ...]] = {}
        for lang, value in body.items():
            if lang in _FLAGS:
                continue
            if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
                raise ConfigError(f"{kind} list {source}: {canonical}.{lang}: expected a list of names")
            names[str(lang)] = tuple(value)
        entries.append(Entry(kind, str(canonical), names, bool(body.get("only")), bool(body.get("case"))))
    return Gazetteer(entries)


@cache
def builtin(kind: str) -> Gazetteer:
    """The list shipped with Dozor: ``place``, ``org`` or ``person``."""
    name = {"place": "places.yaml", "org": "orgs.yaml", "person": "people.yaml"}[kind]
    text = resources.files("enrich.entities").joinpath(name).read_text(encoding="utf-8")
    return parse(text, kind, f"enrich/entities/{name}")


@cache
def combined() -> Gazetteer:
    """Places, organisations and people together: one pass over a post finds all three."""
    return builtin("place") + builtin("org") + builtin("person")
