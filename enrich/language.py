"""Language and script of a post: letter evidence, CLD2, function words, and langdetect last.

Why several: langdetect (the design card's detector) has no Uzbek, Kazakh, Kyrgyz or Tajik profile
and is slow (~450 posts/s); CLD2 (pycld2) knows those and is fast, but returns "unknown" for a fifth
of plain Russian text and odd guesses for three-word messages; the letters of the Cyrillic alphabets
tell most of these languages apart by themselves (ӣ ӯ ҷ Tajik, ў Uzbek, ә ұ һ Kazakh, ї є ґ
Ukrainian, ң ө ү without қ ғ Kyrgyz). So: dense marked letters decide; otherwise CLD2, checked
against the letters and overruled by clear function-word evidence (:mod:`enrich.function_words`);
langdetect (seeded, so deterministic) only where none of these has an answer.
"""

from __future__ import annotations

import re
from collections import Counter
from functools import cache
from itertools import islice
from pathlib import Path
from typing import Any, NamedTuple

import pycld2

from enrich import function_words
from enrich.cleaning import for_detection, noncharacters_removed
from enrich.script import COMMON, dominant_script, letters_of
from enrich.stemming import morph

UNDETERMINED = "und"

# The Uzbek Latin apostrophe letters (the Cyrillic ones are counted with the scripts, see
# enrich.script.MARKS), and not the English "'s", "'re", "'ll", "'ve" ("Chicago's a big area.").
_UZ_LATIN_RE = re.compile(r"\b\w*[og][ʻʼ'`’‘´](?!(?:s|re|ll|ve)\b)\w", re.IGNORECASE)
# What every match of the above has (a pattern starting with \b tries every character; ~15 µs a post).
_UZ_LATIN_HINT_RE = re.compile(r"[og][ʻʼ'`’‘´]\w", re.IGNORECASE)
_TURKISH_RE = re.compile(r"[ışğİŞĞ]")
_PERSIAN_RE = re.compile(r"[پچژگکی]")
# Letters without which CLD2's Urdu or Pashto guess for a short Persian text is wrong.
_ARABIC_SCRIPT_MARKS = {"ur": re.compile(r"[ٹڈڑںےھ]"), "ps": re.compile(r"[ټډړښږځڅۍې]")}

_MIN_LETTERS = 3  # "ok", "да": too short to name a language
# Words of the other script in a mixed post (a Russian quote in an Uzbek post, a brand name in a
# Russian one) only confuse the detectors of the dominant script.
_LATIN_WORD_RE = re.compile(r"\b[A-Za-z\u00c0-\u024f'ʻʼ`’‘]+\b")
_CYRILLIC_WORD_RE = re.compile(r"[\u0400-\u052f]+")
_LOWERCASE_WORD_RE = re.compile(r"(?<![^\W\d_])[а-яё][^\W\d_]")
_NON_LATIN_RE = re.compile(r"[^\W\d_A-Za-z\u00c0-\u024f\u1e00-\u1eff\u02bb\u02bc]+")  # and Arabic quotations
_MIN_WORD = 4  # Cyrillic letters that make a word, beside Latin names
_DICTIONARY_WORDS = 24  # looked up to tell Russian from Ukrainian (pure Python: ~0.1 ms a word)
_LANGDETECT_CHARS = 400  # what langdetect reads of a text: more costs time, not accuracy
_DENSE = 0.012  # share of marked letters that decides by itself (a Kazakh name in Russian text: less)


class Detection(NamedTuple):
    lang: str
    score: float
    script: str


def detect(text: str) -> Detection:
    """ISO 639-1 language (or ``und``), a 0..1 confidence and the ISO 15924 script of ``text``."""
    body = for_detection(text)
    found = letters_of(body)
    counts = found.counts
    script = dominant_script(counts)
    if script == "Latn" and counts.get("Cyrl", 0) >= _MIN_WORD and _only_names(_LATIN_WORD_RE.findall(body)):
        script = "Cyrl"  # "Играем в Elden Ring", "ПРОХОДИМ DARK SOULS": Latin names in a Cyrillic post
    letters = sum(counts.values())
    if letters < _MIN_LETTERS:
        return Detection(UNDETERMINED, 0.0, script if letters else COMMON)
    if script == "Cyrl":
        cyrillic = _LATIN_WORD_RE.sub(" ", body) if "Latn" in counts else body  # no Cyrillic letter goes
        lang, score = _cyrillic(cyrillic, counts["Cyrl"], Counter(found.marks))
    elif script == "Latn":
        lang, score = _latin(_NON_LATIN_RE.sub(" ", body) if len(counts) > 1 else body, counts["Latn"])
    elif script == "Arab":
        lang, score = _arabic(body)
    else:
        lang, score = _cld(body)
        if lang == UNDETERMINED:
            lang, score = _langdetect(body, None)
    return Detection(lang, round(min(max(score, 0.0), 1.0), 3), script)


# ---- evidence ------------------------------------------------------------------------------------


def _cld(text: str) -> tuple[str, float]:
    """CLD2's best guess and its share of the text, or ``und``."""
    try:
        reliable, _, details = pycld2.detect(text, bestEffort=True)
    except (pycld2.error, UnicodeError):  # what cleaning leaves that CLD2 refuses: U+1FFFE...
        try:
            reliable, _, details = pycld2.detect(noncharacters_removed(text), bestEffort=True)
        except (pycld2.error, UnicodeError):
            return UNDETERMINED, 0.0
    code, percent = details[0][1], details[0][2]
    if code in ("un", "xxx"):
        return UNDETERMINED, 0.0
    lang = code.split("-")[0]
    return lang, (percent / 100.0) * (1.0 if reliable else 0.85)


@cache
def _langdetect_factory(allowed: tuple[str, ...] | None) -> Any:
    """A seeded langdetect factory with the profiles of ``allowed`` only (all when None): loading
    all 55 costs ~0.7 s at start, and each call weighs every n-gram for every loaded language, so
    the two of Russian-or-Ukrainian load and decide several times faster than all of them."""
    from langdetect.detector_factory import PROFILES_DIRECTORY, DetectorFactory

    factory = DetectorFactory()
    profiles = Path(PROFILES_DIRECTORY)
    names = [lang for lang in allowed if (profiles / lang).is_file()] if allowed is not None else []
    if len(names) >= 2:  # langdetect needs two at least
        factory.load_json_profile([(profiles / lang).read_text(encoding="utf-8") for lang in names])
    else:
        factory.load_profile(PROFILES_DIRECTORY)
    factory.set_seed(0)
    return factory


_RU_UK = ("ru", "uk")
_ARABIC_SCRIPT = ("fa", "ar", "ur", "ps")


def load_models() -> None:
    """Load the dictionaries that tell Russian from Ukrainian (and stem Ukrainian) now, not when the
    first post that needs them comes (a service pays for them at start). langdetect's full profile set
    stays loaded on first use: 0.5 s and 70 MB for the rare Latin text no other evidence places."""
    for allowed in (_RU_UK, _ARABIC_SCRIPT):
        _langdetect_factory(allowed)
    morph("ru")
    morph("uk")


def _langdetect(text: str, allowed: tuple[str, ...] | None) -> tuple[str, float]:
    """langdetect's best language among ``allowed`` (all when None), seeded."""
    from langdetect.lang_detect_exception import LangDetectException

    detector = _langdetect_factory(allowed).create()
    detector.set_max_text_length(_LANGDETECT_CHARS)
    detector.append(text)
    try:
        ranked = detector.get_probabilities()
    except LangDetectException:
        return UNDETERMINED, 0.0
    for guess in ranked:
        lang = str(guess.lang).split("-")[0]
        if allowed is None or lang in allowed:
            return lang, float(guess.prob)
    return UNDETERMINED, 0.0


def _cyrillic(text: str, n_cyr: int, marks: Counter[str]) -> tuple[str, float]:
    """``marks``: the :data:`~enrich.script.MARKS` in ``text``, lower-cased."""
    allowed, dense = _cyrillic_candidates(marks, n_cyr)
    cld_lang, cld_score = _cld(text)
    if dense:
        if cld_lang in allowed and _letters_allow(cld_lang, marks):
            return cld_lang, max(cld_score, 0.9)
        return allowed[0], 0.9 if len(allowed) == 1 else 0.7
    if allowed == _PLAIN and not _has_lowercase_word(text):
        # Names and headings only ("Мантикора (2011) ТВИЧ | БУСТИ", "ТАБАК ПЕРЕНОЧУЕТ"): CLD2 and the
        # function words guess wildly on them; with no letter of another alphabet, they are Russian.
        return "ru", cld_score if cld_lang == "ru" else 0.5
    # Sparse marks (a Kazakh name in a Russian post) only reorder the candidates.
    candidates = allowed + tuple(lang for lang in _PLAIN if lang not in allowed)
    words, n_words = function_words.votes(text, prepared=True)
    better = function_words.prefer(words, n_words, candidates, cld_lang)
    if better is not None:
        return better, 0.6  # function words overrule CLD2 on short or name-heavy text
    if cld_lang == "uk" and _letters_allow("uk", marks) and not _ukrainian(text, marks, words):
        return "ru", 0.5
    if cld_lang in candidates and (cld_lang in _TURKIC or cld_lang == "ru" or _letters_allow(cld_lang, marks)):
        return cld_lang, cld_score
    # Plain Russian-alphabet text that CLD2 could not place: Russian, unless it may be Ukrainian (its
    # letters allow it and it has Ukrainian words); then langdetect decides between the two. (Asked
    # first, langdetect was a third of the enrichment's time for under 1 % of the posts, and its
    # Ukrainian was overruled by these same checks anyway.)
    if not (_letters_allow("uk", marks) and _ukrainian(text, marks, words)):
        return "ru", 0.5
    lang, score = _langdetect(text, _RU_UK)
    if lang == UNDETERMINED or not _letters_allow(lang, marks):
        return "ru", 0.5
    return lang, score


def _ukrainian(text: str, marks: Counter[str], words: Counter[str]) -> bool:
    """Short Russian is Ukrainian to CLD2 and langdetect now and then ("Жарко. Пью холодненький
    пивась."): Ukrainian needs its letters (і ї є ґ), its function words ("Що робити?"), or more words
    that only its dictionary knows than words only Russian's does ("Суд засудив найманця")."""
    if any(marks[ch] for ch in "іїєґ") or words["uk"] >= max(words["ru"], 1):
        return True
    ru, uk = morph("ru"), morph("uk")
    lead = 0
    for word in _CYRILLIC_WORD_RE.findall(text.lower())[:_DICTIONARY_WORDS]:
        lead += uk.word_is_known(word) - ru.word_is_known(word)
    return lead > 0


_TURKIC = ("uz", "kk", "ky", "tg")
_PLAIN = ("ru", "uk", "uz", "kk", "ky", "tg", "bg", "be", "mk", "sr")


_NO_CANDIDATE_MARKS = frozenset("ыэъђјљњћџѓќѕ")


def _cyrillic_candidates(marks: Counter[str], n_cyr: int) -> tuple[tuple[str, ...], bool]:
    """Languages the marked letters allow, most likely first, and whether the marks are dense
    enough to overrule CLD2 (one Kazakh name in a Russian text is not)."""

    if marks.keys() <= _NO_CANDIDATE_MARKS:
        return _PLAIN, False  # what follows, in short, for the Russian ы, э, ъ (and Serbian letters)

    def n(letters: str) -> int:
        return sum([count for mark, count in marks.items() if mark in letters])  # marks: a few keys

    def dense(letters: str) -> bool:
        return n(letters) / max(n_cyr, 1) >= _DENSE

    if n("ӣӯҷ"):
        return ("tg",), dense("ӣӯҷҳқғ")
    if n("ў") and not n("і"):
        return ("uz",), dense("ўқғҳ")
    if n("әұһ") or (n("і") and n("ықғңөү")):
        return ("kk",), dense("әұһіқғңөү")
    if n("їєґ"):
        return ("uk",), dense("іїєґ")
    if n("і"):
        return ("uk", "kk", "be"), dense("і")
    if n("ңөү") and not n("қғҳ"):
        # Kazakh writes і, қ, ғ, ә or ұ in almost any twenty letters; Kyrgyz has none of them.
        return ("ky",) if n_cyr >= 20 else ("ky", "kk"), dense("ңөү")
    if n("ҳ"):
        return ("uz", "tg"), dense("қғҳ")
    if n("қғ"):
        return ("uz", "kk", "tg"), dense("қғ")
    return _PLAIN, False


def _only_names(words: list[str]) -> bool:
    """Whether every word longer than three letters is capitalized (names, titles, not a sentence)."""
    return all(word[0].isupper() for word in words if len(word) > 3)


def _has_lowercase_word(text: str) -> bool:
    """Whether ``text`` (in the Russian alphabet) has a word in lower case, not only names,
    titles and capitals."""
    return _LOWERCASE_WORD_RE.search(text) is not None


def _letters_allow(lang: str, marks: Counter[str]) -> bool:
    """False when ``lang`` cannot have written these letters (CLD2's Serbian for Russian, say)."""
    if lang in ("sr", "mk"):
        return any(marks[ch] for ch in "ђјљњћџѓќѕ")
    if lang in ("uk", "bg", "be"):
        specific = {"uk": True, "bg": marks["ъ"] > 0, "be": marks["ў"] > 0}[lang]
        return specific and not any(marks[ch] for ch in "ыэ")
    if lang == "ru":
        return not any(marks[ch] for ch in "ӣӯҷўәұһіїєґ")
    return True


def _latin(text: str, n_latin: int) -> tuple[str, float]:
    # Uzbek apostrophe letters, counted up to what decides: one in 40 Latin letters (and at least one).
    uz_marks = _uz_marks(text, max(1, -(-n_latin // 40)))
    cld_lang, cld_score = _cld(text)
    if cld_lang == "az" and "ə" not in text.lower():
        cld_lang = "tr"
    if cld_lang == "uz" or (uz_marks and uz_marks * 40 >= n_latin and not _TURKISH_RE.search(text)):
        return "uz", max(cld_score, 0.9 if uz_marks else 0.0)
    words, n_words = function_words.votes(text, prepared=True)
    if cld_lang in _LATIN_VOTERS or cld_lang not in _WIDESPREAD_LATIN:
        # CLD2 names rare languages for short texts ("Rahmat aka": Khasi); function words know better
        better = function_words.prefer(words, n_words, _LATIN_VOTERS, cld_lang)
        if better is not None:
            return better, 0.6
    agreed = words[cld_lang] > 0 and words[cld_lang] == max(words.values())  # CLD2 and function words
    if cld_lang != UNDETERMINED and (cld_score >= 0.7 or agreed):
        return cld_lang, cld_score
    lang, score = _langdetect(text, None)
    if lang in ("so", "sw", "id") and uz_marks:  # langdetect's names for Uzbek Latin
        return "uz", 0.6
    if lang == UNDETERMINED:
        return cld_lang, cld_score
    return lang, score


def _uz_marks(text: str, enough: int) -> int:
    """Uzbek apostrophe letters (oʻ, gʻ) in ``text``, but no more than ``enough``."""
    if not _UZ_LATIN_HINT_RE.search(text):
        return 0
    return sum(1 for _ in islice(_UZ_LATIN_RE.finditer(text), enough))


_LATIN_VOTERS = ("en", "uz", "tr", UNDETERMINED)
# Latin-script languages whose CLD2 verdict function words do not overrule.
_WIDESPREAD_LATIN = frozenset({
    "de", "fr", "es", "it", "pt", "nl", "pl", "cs", "sk", "sl", "hr", "sr", "bs", "ro", "hu", "sv",
    "da", "no", "fi", "et", "lv", "lt", "sq", "az", "tk", "kk", "id", "ms", "vi", "tl", "ca",
})  # fmt: skip


def _arabic(text: str) -> tuple[str, float]:
    cld_lang, cld_score = _cld(text)
    lacks_marks = cld_lang in _ARABIC_SCRIPT_MARKS and not _ARABIC_SCRIPT_MARKS[cld_lang].search(text)
    if lacks_marks or (cld_lang == "ar" and _PERSIAN_RE.search(text)):
        cld_lang = "fa"
    if cld_lang != UNDETERMINED:
        return cld_lang, cld_score
    lang, score = _langdetect(text, _ARABIC_SCRIPT)
    if lang == UNDETERMINED and _PERSIAN_RE.search(text):
        return "fa", 0.5
    return lang, score
