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
from typing import Any, NamedTuple

import pycld2

from enrich import function_words
from enrich.script import COMMON, dominant_script, script_counts

UNDETERMINED = "und"

_LINK_RE = re.compile(r"(?:https?://|www\.|t\.me/)\S+", re.IGNORECASE)
_HANDLE_RE = re.compile(r"[\w.+-]*@\w[\w.]*")  # @mentions and e-mail addresses
_NOISE_TABLE = str.maketrans({ch: " " for ch in "0123456789_#$"})
# Letters that tell the Cyrillic alphabets apart, and the Uzbek Latin apostrophe letters.
_CYR_MARKS_RE = re.compile(r"[ӣӯҷўәұһіїєґңөүқғҳыэъђјљњћџѓќѕ]")
_UZ_LATIN_RE = re.compile(r"\b\w*[og][ʻʼ'`’‘´]\w", re.IGNORECASE)
_TURKISH_RE = re.compile(r"[ışğİŞĞ]")
_PERSIAN_RE = re.compile(r"[پچژگکی]")
# Letters without which CLD2's Urdu or Pashto guess for a short Persian text is wrong.
_ARABIC_SCRIPT_MARKS = {"ur": re.compile(r"[ٹڈڑںےھ]"), "ps": re.compile(r"[ټډړښږځڅۍې]")}

_MIN_LETTERS = 3  # "ok", "да": too short to name a language
# Words of the other script in a mixed post (a Russian quote in an Uzbek post, a brand name in a
# Russian one) only confuse the detectors of the dominant script.
_LATIN_WORD_RE = re.compile(r"\b[A-Za-z\u00c0-\u024f'ʻʼ`’‘]+\b")
_CYRILLIC_WORD_RE = re.compile(r"[\u0400-\u052f]+")
_DENSE = 0.012  # share of marked letters that decides by itself (a Kazakh name in Russian text: less)


class Detection(NamedTuple):
    lang: str
    score: float
    script: str


def clean(text: str) -> str:
    """What carries language: links, addresses, mentions, digits and hashtag signs removed."""
    if "//" in text or "www." in text or "t.me/" in text:
        text = _LINK_RE.sub(" ", text)
    if "@" in text:
        text = _HANDLE_RE.sub(" ", text)
    return text.translate(_NOISE_TABLE)


def detect(text: str) -> Detection:
    """ISO 639-1 language (or ``und``), a 0..1 confidence and the ISO 15924 script of ``text``."""
    body = clean(text)
    counts = script_counts(body)
    script = dominant_script(counts)
    letters = sum(counts.values())
    if letters < _MIN_LETTERS:
        return Detection(UNDETERMINED, 0.0, script if letters else COMMON)
    if script == "Cyrl":
        lang, score = _cyrillic(_LATIN_WORD_RE.sub(" ", body) if "Latn" in counts else body, counts["Cyrl"])
    elif script == "Latn":
        lang, score = _latin(_CYRILLIC_WORD_RE.sub(" ", body) if "Cyrl" in counts else body, counts["Latn"])
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
    except pycld2.error:  # invalid UTF-8 from lone surrogates
        reliable, _, details = pycld2.detect(text.encode("utf-8", "ignore").decode(), bestEffort=True)
    code, percent = details[0][1], details[0][2]
    if code in ("un", "xxx"):
        return UNDETERMINED, 0.0
    lang = code.split("-")[0]
    return lang, (percent / 100.0) * (1.0 if reliable else 0.85)


@cache
def _langdetect_factory() -> Any:
    from langdetect.detector_factory import PROFILES_DIRECTORY, DetectorFactory

    factory = DetectorFactory()
    factory.load_profile(PROFILES_DIRECTORY)
    factory.set_seed(0)
    return factory


def _langdetect(text: str, allowed: tuple[str, ...] | None) -> tuple[str, float]:
    """langdetect's best language among ``allowed`` (all when None), seeded."""
    from langdetect.lang_detect_exception import LangDetectException

    detector = _langdetect_factory().create()
    detector.set_max_text_length(400)
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


def _cyrillic(text: str, n_cyr: int) -> tuple[str, float]:
    marks = Counter(_CYR_MARKS_RE.findall(text.lower()))
    allowed, dense = _cyrillic_candidates(marks, n_cyr)
    cld_lang, cld_score = _cld(text)
    if dense:
        if cld_lang in allowed and _letters_allow(cld_lang, marks):
            return cld_lang, max(cld_score, 0.9)
        return allowed[0], 0.9 if len(allowed) == 1 else 0.7
    # Sparse marks (a Kazakh name in a Russian post) only reorder the candidates.
    candidates = allowed + tuple(lang for lang in _PLAIN if lang not in allowed)
    better = function_words.preferred(text, candidates, cld_lang)
    if better is not None:
        return better, 0.6  # function words overrule CLD2 on short or name-heavy text
    if cld_lang in candidates and (cld_lang in _TURKIC or cld_lang == "ru" or _letters_allow(cld_lang, marks)):
        return cld_lang, cld_score
    # Plain Russian-alphabet text that CLD2 could not place: langdetect between Russian and Ukrainian.
    lang, score = _langdetect(text, ("ru", "uk"))
    if lang == UNDETERMINED or not _letters_allow(lang, marks):
        return "ru", 0.5
    return lang, score


_TURKIC = ("uz", "kk", "ky", "tg")
_PLAIN = ("ru", "uk", "uz", "kk", "ky", "tg", "bg", "be", "mk", "sr")


def _cyrillic_candidates(marks: Counter[str], n_cyr: int) -> tuple[tuple[str, ...], bool]:
    """Languages the marked letters allow, most likely first, and whether the marks are dense
    enough to overrule CLD2 (one Kazakh name in a Russian text is not)."""

    def n(letters: str) -> int:
        return sum(marks[ch] for ch in letters)

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
        return ("ky", "kk"), dense("ңөү")
    if n("ҳ"):
        return ("uz", "tg"), dense("қғҳ")
    if n("қғ"):
        return ("uz", "kk", "tg"), dense("қғ")
    return _PLAIN, False


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
    uz_marks = len(_UZ_LATIN_RE.findall(text))
    cld_lang, cld_score = _cld(text)
    if cld_lang == "az" and "ə" not in text.lower():
        cld_lang = "tr"
    if cld_lang == "uz" or (uz_marks and uz_marks * 40 >= n_latin and not _TURKISH_RE.search(text)):
        return "uz", max(cld_score, 0.9 if uz_marks else 0.0)
    if cld_lang in _LATIN_VOTERS or cld_lang not in _WIDESPREAD_LATIN:
        # CLD2 names rare languages for short texts ("Rahmat aka": Khasi); function words know better
        better = function_words.preferred(text, _LATIN_VOTERS, cld_lang)
        if better is not None:
            return better, 0.6
    if cld_lang != UNDETERMINED and cld_score >= 0.7:
        return cld_lang, cld_score
    lang, score = _langdetect(text, None)
    if lang in ("so", "sw", "id") and uz_marks:  # langdetect's names for Uzbek Latin
        return "uz", 0.6
    if lang == UNDETERMINED:
        return cld_lang, cld_score
    return lang, score


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
    lang, score = _langdetect(text, ("fa", "ar", "ur", "ps"))
    if lang == UNDETERMINED and _PERSIAN_RE.search(text):
        return "fa", 0.5
    return lang, score
