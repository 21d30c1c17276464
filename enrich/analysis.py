"""The text analysis shared by the enricher (``text_norm``, ``text_stem``, topic matching) and the
search side (query terms): one code path, so a query term meets a post in the same form.

- :func:`normalize` — ``text_norm``.
- :func:`analyze` — normalize + tokenize + stem; a post's ``text_stem`` is ``" ".join(analyze(text, lang))``.
- :func:`query_languages` — the stemmer languages to try for a query term.
- :func:`surface` — the words of a post as it writes them, for its tokens (what a topic matched).
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable

from enrich.normalize import _APOSTROPHE_VARIANTS, MARKS_BEFORE_STEMMING, normalize
from enrich.script import script_of
from enrich.stemming import stem_words

__all__ = [
    "CYRILLIC_LANGS",
    "LATIN_LANGS",
    "MARKS_BEFORE_STEMMING",
    "analyze",
    "normalize",
    "query_languages",
    "surface",
    "tokenize",
    "tokenize_runs",
]

# Which stemmers a query term in a script may need (docs/architecture.md).
CYRILLIC_LANGS = ["ru", "uk", "kk", "ky", "tg", "uz"]
LATIN_LANGS = ["en", "uz"]
NO_LANG = "und"

_URL_RE = re.compile(r"(?:https?://|www\.|t\.me/)\S+|(?<![\w@])@\w+")
# Words: letters and digits, with an apostrophe inside (o'zbek, don't, м'ясо); no underscores.
_TOKEN_RE = re.compile(r"[^\W_]+(?:'[^\W_]+)*")
# The same words before normalization: any apostrophe, combining accents (Latin, Cyrillic) kept.
_LETTER = r"(?:[^\W_]|[\u0300-\u036f\u0483-\u0489])"
_WRITTEN_RE = re.compile(rf"{_LETTER}+(?:[{_APOSTROPHE_VARIANTS}']{_LETTER}+)*")
# Punctuation around a word (never a letter, digit, underscore or apostrophe).
_PUNCTUATION = '.,!?:;"«»()[]…-–—“”„'
# What may surround a word in a run of its own besides punctuation: "#гражданство", "12%".
_AROUND = _PUNCTUATION + "#%+*'/\\|~^&№°$€₽<>=`´’‘ʻʼ"
_URL_ANY_CASE_RE = re.compile(_URL_RE.pattern, re.IGNORECASE)
_SEGMENT_RE = re.compile(r"\S+")
_INNER_RE = re.compile(r"[^\W_](?:.*[^\W_])?", re.DOTALL)  # a run without the punctuation around it


def tokenize(normalized: str) -> list[str]:
    """Words of an already normalized text; links and @mentions are left out."""
    return _tokenize(normalized, None)


Odd = list[tuple[int, int]]  # the runs that are not one word each: (index of their first token, tokens in them)


def tokenize_runs(normalized: str) -> tuple[list[str], Odd]:
    """:func:`tokenize`, and the runs of non-space characters of ``normalized`` that do not hold
    exactly one word, in order: what :func:`surface` needs to find a token's run in the written text
    without reading it all. (A link or @mention is a run, or part of one, without a word.)"""
    odd: Odd = []
    return _tokenize(normalized, odd), odd


def _tokenize(normalized: str, odd: Odd | None) -> list[str]:
    if "//" in normalized or "www." in normalized or "t.me/" in normalized or "@" in normalized:
        # NUL: no word character, like the space, but it keeps the runs as they are (for ``odd``)
        normalized = _URL_RE.sub(" " if odd is None else "\x00", normalized)
    # A word never holds a space: a run of non-space characters at a time, most of them one word
    # (str.isalnum is the regex's [^\W_]) or one word in punctuation, without a regex call.
    tokens: list[str] = []
    add = tokens.append
    for run in normalized.split():
        if run.isalnum():
            add(run)
            continue
        core = run.strip(_PUNCTUATION)
        if core.isalnum():
            add(core)
        elif core:
            found = _TOKEN_RE.findall(core)
            if odd is not None and len(found) != 1:
                odd.append((len(tokens), len(found)))
            tokens += found
        elif odd is not None:
            odd.append((len(tokens), 0))
    return tokens


def analyze(text: str, lang: str) -> list[str]:
    """Normalize ``text`` for ``lang``, split it into words, stem each in ``lang``."""
    return stem_words(tokenize(normalize(text, lang)), lang)


def query_languages(text: str, lang: str | None) -> list[str]:
    """``[lang]`` when given, else every language whose stemmer the script of ``text`` allows."""
    if lang:
        return [lang]
    script = script_of(text)
    if script == "Cyrl":
        return list(CYRILLIC_LANGS)
    if script == "Latn":
        return list(LATIN_LANGS)
    return [NO_LANG]


def _spans(text: str, lang: str | None) -> tuple[list[str], list[tuple[int, int]]]:
    """Each token of ``text`` with the span of ``text`` it was written as. Normalization never
    crosses a space, so the text is taken a run of non-space characters at a time; within one run,
    tokens line up with the written words when both count the same, else each gets the whole run."""
    tokens: list[str] = []
    spans: list[tuple[int, int]] = []
    for run in _SEGMENT_RE.finditer(text):
        found = tokenize(normalize(run.group(), lang))
        if not found:
            continue
        tokens.extend(found)
        bare = _URL_ANY_CASE_RE.sub(lambda m: " " * len(m.group()), run.group())
        words = list(_WRITTEN_RE.finditer(bare))
        if len(words) == len(found):
            spans.extend((run.start() + w.start(), run.start() + w.end()) for w in words)
        else:
            inner = _INNER_RE.search(run.group())
            start, end = (inner.start(), inner.end()) if inner else (0, len(run.group()))
            spans.extend([(run.start() + start, run.start() + end)] * len(found))
    return tokens, spans


def surface(text: str, lang: str | None, tokens: list[str], odd: Odd | None = None) -> Callable[[int, int], str]:
    """``(start, end) ->`` the tokens ``start..end`` of ``text`` (``tokenize(normalize(text, lang))``)
    as the text writes them: "Гражданства", not "гражданства" nor the pattern that matched it. Worked
    out on first use (only posts with a topic need it); when the tokens cannot be lined up with the
    text, the normalized tokens themselves. ``odd``: what :func:`tokenize_runs` said of the normalized
    text, when the caller has it (the words are then found without reading the whole text)."""
    lined_up: list[tuple[int, int]] | None = None
    written: _Written | None = None
    runs: _Runs | None = None

    def exact(start: int, end: int) -> str:
        nonlocal lined_up
        if lined_up is None:
            found, spans = _spans(text, lang)
            lined_up = spans if found == tokens else []
        if not lined_up:
            return " ".join(tokens[start:end])
        return " ".join(text[lined_up[start][0] : lined_up[end - 1][1]].split())

    def words(start: int, end: int) -> str:
        # Fastest: the runs of the text line up with those of the normalized text (normalizing never
        # joins or splits them), so a token's run is counted from the few runs that are not one word.
        # Then: the written words, counted over the whole text, line up one to one with the tokens,
        # and each word of this range normalizes to its token (checked for these words only:
        # normalizing a whole long post a run at a time cost more than the rest of its enrichment).
        # Otherwise the exact alignment, a run of non-space characters at a time.
        nonlocal written, runs
        if odd is not None:
            if runs is None:
                runs = _Runs(text, odd, len(tokens))
            found = runs.phrase(start, end, tokens, lang)
            if found is not None:
                return found
        if written is None:
            written = _Written(text)
            if len(written.words) != len(tokens):
                written.words = []
        if written.words:
            if end - start == 1:  # most terms are one word, and a written word holds no space
                word = written.words[start]
                if word.casefold() == tokens[start] or _is_written(word, tokens[start], lang):
                    return word
            elif all(_is_written(written.words[i], tokens[i], lang) for i in range(start, end)):
                return written.phrase(start, end)
        return exact(start, end)

    return words


class _Runs:
    """The runs of non-space characters of a text, for its tokens: the ``i``-th token is in the run
    counted from the runs before it that did not hold one word each (``odd``: (first token, tokens))."""

    def __init__(self, text: str, odd: Odd, n_tokens: int) -> None:
        self.runs = text.split()
        self.odd = odd
        self.starts = [first for first, _ in odd]
        self.index: list[int] = []  # of each odd run, among all runs
        shift = 0
        for first, count in odd:
            self.index.append(first - shift)
            shift += count - 1
        self.usable = len(self.runs) == n_tokens - shift
        self._words: dict[int, list[str]] = {}  # of the runs with several words: those words as written

    def locate(self, token: int) -> tuple[int, int, int]:
        """The run of the ``token``-th token, which of the run's tokens it is, and how many the run has."""
        k = bisect_right(self.starts, token) - 1
        if k < 0:
            return token, 0, 1
        first, count = self.odd[k]
        if token < first + count:
            return self.index[k], token - first, count
        return self.index[k] + 1 + token - first - count, 0, 1

    def word(self, token: int, tokens: list[str], lang: str | None) -> str | None:
        """The ``token``-th token as written, if its run, without the punctuation and signs around it
        (or the run's word at its place), is a written word that normalizes to it."""
        run, k, count = self.locate(token)
        if count == 1:
            word = self.runs[run].strip(_AROUND)
        else:
            found = self._words.get(run)
            if found is None:
                found = self._words[run] = _WRITTEN_RE.findall(self.runs[run])
            if len(found) != count:
                return None
            word = found[k]
        if word.casefold() == tokens[token] or (_WRITTEN_RE.fullmatch(word) and _is_written(word, tokens[token], lang)):
            return word
        return None

    def phrase(self, start: int, end: int, tokens: list[str], lang: str | None) -> str | None:
        """Tokens ``start..end`` as written, and what the text has between them, with single spaces;
        None when they cannot be found so (the callers then read the whole text)."""
        if not self.usable:
            return None
        if end - start == 1:
            return self.word(start, tokens, lang)
        first, _, n_first = self.locate(start)
        last, _, n_last = self.locate(end - 1)
        if n_first != 1 or n_last != 1 or not all(self.word(i, tokens, lang) for i in range(start, end)):
            return None
        return " ".join(
            [self.runs[first].lstrip(_AROUND), *self.runs[first + 1 : last], self.runs[last].rstrip(_AROUND)]
        )


class _Written:
    r"""The words of a text as it writes them (links and @mentions left out), found a run of
    non-space characters at a time: most runs are one word (str.isalnum is the regex's [^\W_]), or
    one word in punctuation; the regex reads only the others."""

    def __init__(self, text: str) -> None:
        self.text = bare = text
        if "/" in text or "@" in text or "www." in text.lower():  # what a link or @mention needs
            bare = _URL_ANY_CASE_RE.sub(_blank, text)
        self.bare = bare
        self.runs = runs = bare.split()
        words: list[str] = []
        self._firsts: list[int] = []  # of each run that is not one whole word: the index of its first word
        self._irregular = [j for j, plain in enumerate(map(str.isalnum, runs)) if not plain]
        last = 0
        for j in self._irregular:
            words += runs[last:j]
            last = j + 1
            self._firsts.append(len(words))
            core = runs[j].strip(_PUNCTUATION)
            if core.isalnum():
                words.append(core)
            elif core:
                words += _WRITTEN_RE.findall(core)
        self.words = words + runs[last:]
        self._spans: list[tuple[int, int]] | None = None

    def _locate(self, word: int) -> tuple[int, int, int]:
        """The run of the ``word``-th word, and where the word is in it."""
        k = bisect_right(self._firsts, word) - 1
        if k < 0:
            return word, 0, len(self.runs[word])
        first, j = self._firsts[k], self._irregular[k]
        run = self.runs[j]
        core = run.strip(_PUNCTUATION)
        if core.isalnum():
            left = len(run) - len(run.lstrip(_PUNCTUATION))
            spans = [(left, left + len(core))]
        else:
            spans = [m.span() for m in _WRITTEN_RE.finditer(run)] if core else []
        if word - first < len(spans):
            return (j, *spans[word - first])
        j += 1 + word - first - len(spans)
        return j, 0, len(self.runs[j])

    def phrase(self, start: int, end: int) -> str:
        """Words ``start..end`` and what the text has between them, with single spaces."""
        if self.bare is not self.text:  # links blanked: sliced from the text, links and all
            if self._spans is None:
                self._spans = [m.span() for m in _WRITTEN_RE.finditer(self.bare)]
            return " ".join(self.text[self._spans[start][0] : self._spans[end - 1][1]].split())
        first, a, _ = self._locate(start)
        last, _, b = self._locate(end - 1)
        if first == last:
            return self.runs[first][a:b]
        return " ".join([self.runs[first][a:], *self.runs[first + 1 : last], self.runs[last][:b]])


_NORMALIZED: dict[str | None, dict[str, list[str]]] = {}  # lang -> written word -> its tokens
_NORMALIZED_CACHE = 100_000


def _is_written(word: str, token: str, lang: str | None) -> bool:
    """Whether ``word`` as written is ``token`` (case folding tells most; normalizing tells the rest)."""
    if word.casefold() == token:
        return True
    known = _NORMALIZED.get(lang)
    if known is None:
        known = _NORMALIZED[lang] = {}
    found = known.get(word)
    if found is None:
        if len(known) >= _NORMALIZED_CACHE:  # a bounded cache of a stream's words: start over
            known.clear()
        found = known[word] = tokenize(normalize(word, lang))
    return found == [token]


def _blank(match: re.Match[str]) -> str:
    return " " * len(match.group())
