"""Text normalization for cross-script search: the function behind ``text_norm``.

Every step is a plain string mapping, so a query term goes through exactly what a post went through:
NFKC, case folding, ё→е, one apostrophe for the Uzbek letters oʻ/gʻ and the tutuq belgisi (written
o‘ oʻ o' o` o’ ...), for Uzbek, Cyrillic transliterated to the official Latin alphabet, and Latin
diacritics folded (Sulaymān → sulayman, Kalām → kalam).

Diacritics: only Latin letters lose them (through their NFKD decomposition), and stray combining
marks (Russian stress marks, "zalgo"). Cyrillic letters are never decomposed, so Kazakh ә ғ қ ң ө ұ ү
һ і, Kyrgyz ң ө ү, Tajik ғ ӣ қ ӯ ҳ ҷ, Uzbek ў қ ғ ҳ, й and ё stay letters. Uzbek Latin has no
diacritics; its oʻ gʻ are apostrophe letters, and the ŏ ğ some people type for them become o' g'.
Turkish keeps ç ğ ı ö ş ü until after stemming (the Snowball stemmer needs them: güvenliği →
güvenlik), then its stems are folded like everything else (see :mod:`enrich.stemming`).
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
# The variants that are not already the one apostrophe: a text without any needs no substitution
# (the look-behind above costs a step at every character, so it runs only where it can change something).
_OTHER_APOSTROPHE_RE = re.compile(f"[{_APOSTROPHE_VARIANTS.replace(APOSTROPHE, '')}]")

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
# Each starts with its letter and looks back from after it: the regex engine then jumps from one
# such letter to the next instead of trying a look-behind at every character.
_UZ_YE_RE = re.compile(r"е(?:(?<![^\W\d_]е)|(?<=[аеёиоуэюяўъь]е))")
_UZ_TS_RE = re.compile(r"ц(?<=[аеёиоуэюяў]ц)")
_UZ_HARD_SIGN_RE = re.compile(r"ъ(?<![^\W\d_]ъ)")
_UZ_TABLE = str.maketrans({**_UZ_LATIN, "е": "e", "ц": "s", "ъ": APOSTROPHE})
_CYRILLIC_RE = re.compile(r"[\u0400-\u052f]")


def uz_to_latin(text: str) -> str:
    """Uzbek Cyrillic to Latin (input already case-folded)."""
    if not _CYRILLIC_RE.search(text):
        return text
    # A space-separated run at a time (the context rules look one letter back, never across a
    # space), each distinct run once: a post's runs are mostly ones seen before.
    runs = text.split(" ")
    unseen = set(runs).difference(_UZ_RUNS)
    if unseen:
        if len(_UZ_RUNS) + len(unseen) > _UZ_RUNS_CACHE:  # a bounded cache: start over
            _UZ_RUNS.clear()
            unseen = set(runs)
        _UZ_RUNS.update((run, _uz_run_to_latin(run)) for run in unseen)
    return " ".join(map(_UZ_RUNS.__getitem__, runs))


_UZ_RUNS: dict[str, str] = {}
_UZ_RUNS_CACHE = 200_000


def _uz_run_to_latin(text: str) -> str:
    if "е" in text:
        text = _UZ_YE_RE.sub("ye", text)
    if "ц" in text:
        text = _UZ_TS_RE.sub("ts", text)
    if "ъ" in text:
        text = _UZ_HARD_SIGN_RE.sub("", text)
    return text.translate(_UZ_TABLE)


# Latin letters with diacritics -> without: NFKD minus its combining marks, for the Latin blocks;
# plus the letters whose stroke or missing dot has no decomposition.
_LATIN_FOLD = str.maketrans(
    {
        **{
            ch: base
            for ch in map(chr, [*range(0xC0, 0x250), *range(0x1E00, 0x1F00)])
            if (base := "".join(c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c))) != ch
            and base.isascii()
        },
        **dict(zip("øłđħŧıŀØŁĐĦŦ", "oldhtilOLDHT", strict=True)),
    }
)
_MARKS = "\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f"  # generic combining marks
_MARKS_RE = re.compile(f"[{_MARKS}]+")
_MARKED_RE = re.compile(f"[\u00c0-\u024f\u1e00-\u1eff{_MARKS}]")
_UZ_LATIN_VARIANTS = str.maketrans({"ŏ": "o'", "ğ": "g'", "ō": "o'", "ḡ": "g'"})  # checked in normalize
# Languages whose stemmer needs the diacritics (folded after stemming).
MARKS_BEFORE_STEMMING = frozenset({"tr"})


def fold_marks(text: str) -> str:
    """Latin letters without diacritics, stray combining marks removed (other scripts untouched)."""
    if text.isascii() or not _MARKED_RE.search(text):
        return text
    return _MARKS_RE.sub("", text.translate(_LATIN_FOLD))


def fold(text: str) -> str:
    """The language-independent part: NFKC, case folding, one apostrophe, single spaces, and no
    control characters (NUL included) or lone surrogates."""
    if "´" in text:  # a spacing accent typed for the Uzbek apostrophe; NFKC makes it a combining mark
        text = text.replace("´", APOSTROPHE)
    folded = _folded(text)
    # The unsafe characters are controls, surrogates and noncharacters, none printable, and no step
    # changes them (NFKC and case folding keep them; those that are whitespace go with the spaces).
    # A result without any had none to replace: most texts are not scanned for them.
    return folded if folded.isprintable() else _folded(safe(text))


def _folded(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).casefold()
    if "\u0307" in text:  # casefold("İ") leaves a combining dot above
        text = text.replace("\u0307", "")
    if _OTHER_APOSTROPHE_RE.search(text):
        text = _APOSTROPHE_RE.sub(APOSTROPHE, text)
    return " ".join(text.split())  # str.split's whitespace is the regex \s: runs of it become one space


def normalize(text: str, lang: str | None = None) -> str:
    """``text_norm``: :func:`fold`, the folding of ``lang`` (Uzbek: Cyrillic to Latin), Latin
    diacritics (but for :data:`MARKS_BEFORE_STEMMING`), then ё→е."""
    text = fold(text)
    if lang == "uz":
        if "ŏ" in text or "ğ" in text or "ō" in text or "ḡ" in text:
            text = text.translate(_UZ_LATIN_VARIANTS)
        text = uz_to_latin(text)  # before ё→е: Uzbek ё is yo
    if lang not in MARKS_BEFORE_STEMMING:
        text = fold_marks(text)
    return text.replace("ё", "е")
