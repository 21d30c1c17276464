"""Names from a list (places.yaml, orgs.yaml, people.yaml): canonical name -> its names per language.

Names are compiled into word patterns the way the topic matcher compiles its terms
(:func:`enrich.topics.term_patterns`), so they are normalized and stemmed the way the post is and match in
any inflection, Uzbek in both scripts. A post is matched in one pass over its words; where names of a
kind overlap, the longest wins (``Нижний Новгород`` over ``Новгород``). Speed: what a word starts is
worked out once per word and kept (:class:`_Index`), one-word names already settled.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from operator import itemgetter
from typing import NamedTuple

import yaml

from dozor import yaml_text
from dozor.errors import ConfigError
from enrich.analysis import tokenize
from enrich.entities.post import Post
from enrich.normalize import normalize
from enrich.topics import SHARED_LANGS, term_patterns

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


class Found(NamedTuple):  # a tuple: built for every name found, and a frozen dataclass is slow to build
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
class _Part:
    """One word of a name: a word with stem ``value``; with ``prefix``, a word starting with ``value``
    (or, when ``stem`` is set, also one with that stem: stemmers do not always stem a name and its
    inflected forms alike: Ростов -> рост, Ростове -> ростов; Uzbek vazirligi -> vazirlik)."""

    value: str
    prefix: bool
    stem: str | None = None

    def matches(self, token: str, stem: str) -> bool:
        if not self.prefix:
            return stem == self.value
        return token.startswith(self.value) or stem == self.stem


_END_VOWEL = re.compile(r"[аяеёоуюыиьйәөүұіaeiouy]$")


def _loose(part: _Part, word: str) -> _Part:
    start = _END_VOWEL.sub("", word)
    if part.prefix or len(start) < _PREFIX_FROM:
        return part
    return _Part(start, True, part.value)


@dataclass(frozen=True)
class _Name:
    """A name compiled for matching: its entry's kind and canonical name, the case it asks for
    (``label``), its words, and how it ranks against overlapping names."""

    kind: str
    value: str
    label: str
    parts: tuple[_Part, ...]
    rank: tuple[int, int]  # whole-stem words first, then the longer stems

    @classmethod
    def of(cls, entry: Entry, label: str, parts: tuple[_Part, ...]) -> _Name:
        exact = sum(not p.prefix for p in parts)
        return cls(entry.kind, entry.canonical, label, parts, (-exact, -sum(len(p.value) for p in parts)))

    def derived(self, token: str) -> bool:
        """A derived word (a people, an adjective) where the last word matched as a prefix."""
        last = self.parts[-1]
        return last.prefix and len(token) > len(last.value) and _DERIVED.search(token) is not None


def _terms(entry: Entry, name: str, lang: str) -> list[_Name]:
    parts = tuple(_Part(p.value, p.prefix) for p in term_patterns(name, lang))
    if not parts:
        return []
    words = tokenize(normalize(name, lang))
    label = _CASE if entry.case else ""
    if name.isupper() and any(p.value != w for p, w in zip(parts, words, strict=False)):
        label = _CAPS
    if len(words) != len(parts) or name.isupper():  # abbreviations match whole
        return [_Name.of(entry, label, parts)]
    loose = tuple(_loose(p, w) for p, w in zip(parts, words, strict=True))
    if loose == parts:
        return [_Name.of(entry, label, parts)]
    # Indexed both by the first word's stem and by its start, so either finds it.
    return [_Name.of(entry, label, loose), _Name.of(entry, label, (parts[0], *loose[1:]))]


def _case_fits(label: str, post: Post, index: int) -> bool:
    """The case a name asks for, of the word at ``index`` (true when the post's words as written do
    not line up with its tokens: then it cannot be told)."""
    if label == _CASE:
        return post.capitalized(index)
    written = post.written
    return not written or written[index].isupper()


_PREFIX_KEY = 3  # the shortest prefix a name's word matches by (enrich.topics)
_CACHE = 500_000


@dataclass(frozen=True)
class _Starts:
    """What a word starts: one-word names by kind, as the choices to try in turn (case asked, canonical
    name; the first whose case fits is taken), and longer names by their second word's stem (when that
    word must have exactly that stem) or to be tried in full (``loose``)."""

    single: tuple[tuple[str, tuple[tuple[str, str], ...]], ...]
    by_stem: dict[str, tuple[_Name, ...]]
    loose: tuple[_Name, ...]


def _starts(token: str, names: list[_Name]) -> _Starts | None:
    """Where overlapping names of one kind compete, the longest wins, then the better ranked, then the
    first compiled; a one-word name at a word meets only the other one-word names there, so their
    contest is settled here once per word: of each kind, in rank order, the names that pass the
    derived-word check, each case asked once, none after one that asks for none."""
    by_kind: dict[str, list[tuple[str, str]]] = {}
    by_stem: dict[str, list[_Name]] = {}
    loose: list[_Name] = []
    for name in sorted((n for n in names if len(n.parts) == 1), key=lambda n: n.rank):  # stable: ties keep order
        if name.derived(token):
            continue
        choices = by_kind.setdefault(name.kind, [])
        if any(label == name.label or not label for label, _ in choices):
            continue
        choices.append((name.label, name.value))
    for name in names:
        if len(name.parts) == 1:
            continue
        second = name.parts[1]
        if not second.prefix:  # matches one stem exactly
            by_stem.setdefault(second.value, []).append(name)
        else:
            loose.append(name)
    single = tuple((kind, tuple(choices)) for kind, choices in by_kind.items() if choices)
    if not single and not by_stem and not loose:
        return None
    return _Starts(single, {k: tuple(v) for k, v in by_stem.items()}, tuple(loose))


class _Index:
    """The names of one post language, looked up per post with set operations: a post's distinct words
    not seen before are sorted once into those that can start a name (with what they start) and those
    that cannot, so a post whose words start no name costs two set operations instead of a loop over its
    words."""

    def __init__(self, names: list[_Name]) -> None:
        self.exact: dict[str, list[_Name]] = {}  # first word by its stem
        self.prefix: dict[str, list[_Name]] = {}  # ... by its start
        for name in names:
            first = name.parts[0]
            (self.prefix if first.prefix else self.exact).setdefault(first.value, []).append(name)
        self.longest = max((len(k) for k in self.prefix), default=0)
        self.heads = {k[:_PREFIX_KEY] for k in self.prefix}  # a word starting otherwise starts no prefix name
        self.words: dict[str, _Starts | None] = {}  # word -> what it starts (None: nothing)
        self.hot: set[str] = set()  # the words that start a name, as a set: set operations stay O(post)

    def _learn(self, tokens: list[str], stems: list[str], unseen: set[str]) -> None:
        if len(self.words) + len(unseen) >= _CACHE:
            self.words.clear()
            self.hot.clear()
        for token in unseen:
            stem = stems[tokens.index(token)]
            names = list(self.exact.get(stem, ()))
            if token[:_PREFIX_KEY] in self.heads:
                for end in range(_PREFIX_KEY, min(len(token), self.longest) + 1):
                    names.extend(self.prefix.get(token[:end], ()))
            starts = self.words[token] = _starts(token, names) if names else None
            if starts is not None:
                self.hot.add(token)

    def find(self, post: Post) -> list[Found]:
        tokens, stems = post.tokens, post.stems
        words = set(tokens)
        unseen = words.difference(self.words)
        if unseen:
            self._learn(tokens, stems, unseen)
        hot = self.hot.intersection(words)
        if not hot:
            return []
        at = [i for i, token in enumerate(tokens) if token in hot]
        n = len(tokens)
        longer: list[tuple[int, int, int, int, int, int, _Name]] = []
        for i in at:
            starts = self.words[tokens[i]]
            assert starts is not None
            if i + 1 == n or not (starts.by_stem or starts.loose):
                continue
            for name in (*starts.by_stem.get(stems[i + 1], ()), *starts.loose):
                parts = name.parts
                k = len(parts)
                if i + k > n:
                    continue
                j = 1
                while j < k and parts[j].matches(tokens[i + j], stems[i + j]):
                    j += 1
                if j == k:
                    longer.append((-k, *name.rank, i, len(longer), i + k, name))
        taken: list[Found] = []
        if longer:  # longest first, then by rank: the best of overlapping names of a kind wins
            longer.sort()
            for *_, i, _, end, name in longer:
                if any(f.kind == name.kind and f.start < end and i < f.end for f in taken):
                    continue
                if name.label and not _case_fits(name.label, post, i):
                    continue
                if name.derived(tokens[end - 1]):
                    continue
                taken.append(Found(name.kind, name.value, i, end))
        covered = taken[:]
        for i in at:
            starts = self.words[tokens[i]]
            assert starts is not None
            for kind, choices in starts.single:
                if covered and any(f.kind == kind and f.start <= i < f.end for f in covered):
                    continue
                for label, value in choices:
                    if not label or _case_fits(label, post, i):
                        taken.append(Found(kind, value, i, i + 1))
                        break
        if covered:
            taken.sort(key=_START)
        return taken


_START = itemgetter(2)


class Gazetteer:
    """One or more lists (kinds) matched together in one pass over a post's words."""

    def __init__(self, entries: list[Entry]) -> None:
        self.entries = entries
        self.languages = {lang for entry in entries for lang in entry.names}
        self._indexes: dict[str, _Index] = {}

    def __add__(self, other: Gazetteer) -> Gazetteer:
        return Gazetteer([*self.entries, *other.entries])

    def _compile(self, lang: str) -> _Index:
        names: list[_Name] = []
        known = lang in self.languages
        for entry in self.entries:
            wanted = {lang} if entry.only or not known else {lang, *SHARED_LANGS}
            for name_lang, entry_names in entry.names.items():
                if known and name_lang not in wanted:
                    continue
                for name in entry_names:
                    for variant in _variants(name_lang, name):
                        names.extend(_terms(entry, variant, lang))
        return _Index(names)

    @property
    def compiled(self) -> set[str]:
        """The post languages whose names are compiled so far."""
        return set(self._indexes)

    def matcher(self, lang: str) -> _Index:
        """The names compiled for posts in ``lang`` (compiled on first use; services warm it at start)."""
        found = self._indexes.get(lang)
        if found is None:
            found = self._indexes[lang] = self._compile(lang)
        return found

    def find(self, post: Post) -> list[Found]:
        """The names in ``post`` (of each kind, the longest where they overlap), in order of appearance."""
        if not post.tokens:
            return []
        return self.matcher(post.lang).find(post)


def parse(text: str, kind: str, source: str) -> Gazetteer:
    try:
        raw = yaml_text.safe_load(text)
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
