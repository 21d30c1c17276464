"""Text normalization for cross-script search: the function behind ``text_norm``.

Every step is a plain string mapping, so a query term goes through exactly what a post went through:
NFKC, case folding, ё→е, one apostrophe for the Uzbek letters oʻ/gʻ and the tutuq belgisi (written
o‘ oʻ o' o` o’ ...), and, for Uzbek, Cyrillic transliterated to the official Latin alphabet.
"""

from __future__ import annotations

import re
import unicodedata

from enrich.cleaning import safe

APOSTROPHE = "'"
# Every way people type the Uzbek apostrophe (and the Ukrainian one): turned comma, modifier letter
# apostrophe, typographic quotes, grave and acute accents, prime.
_APOSTROPHE_VARIANTS = "ʻʼ'`’‘´ʹ′ʽ"
_APOSTROPHE_RE = re.compile(rf"(?<=\w)[{_APOSTROPHE_VARIANTS}](?=\w)")
_SPACE_RE = re.compile(r"\s+")

# Official Uzbek Cyrillic → Latin table (1995); е, ц and ъ depend on context, see uz_to_latin.
_UZ_LATIN = {
    "а": "a",
    "б": "b",
    "в": "v",
    "г": "g",
    "д": "d",
    "ж": "j",
    "з": "z",
    "и": "i",
    "й": "y",
    "к": "k",
    "л": "l",
    "м": "m",
    "н": "n",
    "о": "o",
    "п": "p",
    "р": "r",
    "с": "s",
    "т": "t",
    "у": "u",
    "ф": "f",
    "х": "x",
    "ч": "ch",
    "ш": "sh",
    "щ": "sh",
    "ы": "i",
    "ь": "",
    "э": "e",
    "ю": "yu",
    "я": "ya",
    "ё": "yo",
    "ў": "o'",
    "қ": "q",
    "ғ": "g'",
    "ҳ": "h",
    # Letters of the other Cyrillic alphabets that turn up in Uzbek posts, folded to the nearest.
    "ң": "ng",
    "ө": "o",
    "ү": "u",
    "ұ": "u",
    "ә": "a",
    "і": "i",
    "ӣ": "i",
    "ӯ": "u",
    "ҷ": "j",
}
# Context first (е → ye at a word start and after a vowel or sign; ц → ts after a vowel; ъ dropped
# at a word start), then one C-speed translate for the rest.
_UZ_YE_RE = re.compile(r"(?<![^\W\d_])е|(?<=[аеёиоуэюяўъь])е")
_UZ_TS_RE = re.compile(r"(?<=[аеёиоуэюяў])ц")
_UZ_HARD_SIGN_RE = re.compile(r"(?<![^\W\d_])ъ")
_UZ_TABLE = str.maketrans({**_UZ_LATIN, "е": "e", "ц": "s", "ъ": APOSTROPHE})
_CYRILLIC_RE = re.compile(r"[\u0400-\u052f]")


def uz_to_latin(text: str) -> str:
    """Uzbek Cyrillic to Latin (input already case-folded)."""
    if not _CYRILLIC_RE.search(text):
        return text
    text = _UZ_YE_RE.sub("ye", text)
    text = _UZ_TS_RE.sub("ts", text)
    text = _UZ_HARD_SIGN_RE.sub("", text)
    return text.translate(_UZ_TABLE)


def fold(text: str) -> str:
    """The language-independent part: NFKC, case folding, one apostrophe, single spaces, and no
    control characters (NUL included) or lone surrogates."""
    text = unicodedata.normalize("NFKC", safe(text)).casefold()
    if "\u0307" in text:  # casefold("İ") leaves a combining dot above
        text = text.replace("\u0307", "")
    text = _APOSTROPHE_RE.sub(APOSTROPHE, text)
    return _SPACE_RE.sub(" ", text).strip()


def normalize(text: str, lang: str | None = None) -> str:
    """``text_norm``: :func:`fold`, the folding of ``lang`` (Uzbek: Cyrillic to Latin), then ё→е."""
    text = fold(text)
    if lang == "uz":
        text = uz_to_latin(text)  # before ё→е: Uzbek ё is yo
    return text.replace("ё", "е")
