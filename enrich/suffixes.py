"""Suffix-stripping stemmers for the languages no well-kept library stems: Uzbek, Kazakh, Kyrgyz, Tajik.

Turkic words stack suffixes (plural, possessive, case, a few verb endings): ``fuqaro-lig-i-ni``,
``азамат-тығ-ы-нан``. The stemmer strips the longest known suffix again and again while a stem of
at least ``min_stem`` letters with a vowel remains, then undoes the voicing that a vowel-initial
suffix causes (``азаматтығ`` → ``азаматтық``, ``fuqarolig`` → ``fuqarolik``). Derivational suffixes
(-lik, -лық, -чи) stay: ``fuqarolik`` (citizenship) is not ``fuqaro`` (citizen). A word and its
inflected forms meet in one stem, which is all search and topic matching need; the stems are not
dictionary forms.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from dataclasses import dataclass, field


def expand(templates: Iterable[str], classes: dict[str, str]) -> set[str]:
    """Spell out vowel-harmony templates: ``expand(["лVр"], {"V": "ае"})`` → {"лар", "лер"}."""
    out: set[str] = set()
    for template in templates:
        slots = [classes.get(ch, ch) for ch in template]
        out.update("".join(p) for p in itertools.product(*slots))
    return out


@dataclass
class SuffixStemmer:
    suffixes: set[str]
    vowels: str
    devoice: dict[str, str] = field(default_factory=dict)  # stem ending -> voiceless form
    min_stem: int = 3
    max_rounds: int = 4
    _by_length: list[tuple[int, frozenset[str]]] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        lengths = sorted({len(s) for s in self.suffixes}, reverse=True)
        self._by_length = [(n, frozenset(s for s in self.suffixes if len(s) == n)) for n in lengths]

    def strip_once(self, word: str) -> tuple[str, str] | None:
        for n, group in self._by_length:
            if len(word) - n < self.min_stem:
                continue
            suffix = word[-n:]
            if suffix in group:
                stem = word[:-n]
                if any(ch in self.vowels for ch in stem):
                    return stem, suffix
        return None

    def stem(self, word: str) -> str:
        if not word.isalpha() and "'" not in word:
            return word
        stripped_vowel_initial = False
        for _ in range(self.max_rounds):
            step = self.strip_once(word)
            if step is None:
                break
            word, suffix = step
            stripped_vowel_initial = suffix[0] in self.vowels
        if stripped_vowel_initial:
            for ending, voiceless in self.devoice.items():
                if word.endswith(ending):
                    return word[: -len(ending)] + voiceless
        return word


def _words(*groups: str) -> list[str]:
    return [w for group in groups for w in group.split()]


# Uzbek, Latin after normalization (the apostrophe is "'"; no vowel harmony).
UZBEK = SuffixStemmer(
    suffixes=set(
        _words(
            "lar im ing i si imiz ingiz miz ngiz lari",  # plural, possessive
            "ning ni ga ka qa da ta dan tan dagi niki",  # case
            "moqda moqchi yapti yapmiz gan kan qan di adi ydi ib ilgan ildi mas may",  # verbs in news
            "mi ku dir",  # particles
        )
    ),
    vowels="aeiou",
    devoice={"g'": "q", "g": "k"},
    min_stem=2,
)

# Kazakh and Kyrgyz suffixes as vowel-harmony templates: A a low vowel, Y (I) a high one.
_KK_CLASSES = {"A": "ае", "Y": "ыі"}
KAZAKH = SuffixStemmer(
    suffixes=expand(
        _words(
            "лAр дAр тAр",  # plural
            "Yм Yң ы і сы сі мYз Yмыз Yміз Yңыз Yңіз Yн сYн",  # possessive
            "нYң дYң тYң нY дY тY",  # genitive, accusative
            "ғA гA қA кA нA дA тA ндA дAн тAн нAн ннAн",  # dative, locative, ablative
            "мен бен пен дAғы тAғы дегі тегі",  # instrumental, attributive
            "ғAн гAн қAн кAн Yп AтYн йтYн",  # participles
        ),
        _KK_CLASSES,
    ),
    vowels="аеыіоөұүуиэюяә",
    devoice={"ғ": "қ", "г": "к", "б": "п"},
)

_KY_CLASSES = {"A": "аеоө", "I": "ыиуү"}
KYRGYZ = SuffixStemmer(
    suffixes=expand(
        _words(
            "лAр дAр тAр",  # plural
            "Iм Iң ы и у ү сI бIз Iбыз Iбиз Iбуз Iбүз Iңыз Iңиз Iңуз Iңүз Iн сIн",  # possessive
            "нIн дIн тIн нI дI тI",  # genitive, accusative
            "гA кA нA дA тA ндA дAн тAн нAн ндAн",  # dative, locative, ablative
            "дAгы дAги тAгы тAги",  # attributive
            "гAн кAн Iп AтI",  # participles
        ),
        _KY_CLASSES,
    ),
    vowels="аеыиоөуүэюя",
    devoice={"г": "к", "б": "п"},
)

# Tajik: folded to the letters people type on Russian keyboards, except ӣ, which marks the
# abstract noun (шаҳрвандӣ citizenship vs шаҳрванд citizen; before the ezafe it is written -ии).
_TG_FOLD = str.maketrans({"ҳ": "х", "ҷ": "ч", "қ": "к", "ғ": "г", "ӯ": "у"})
_TAJIK_SUFFIXES = SuffixStemmer(
    suffixes=set(
        _words(
            "хо хои хоро хоям хоят хояш хоямон хоятон хояшон он ён гон",  # plural (+ possessive)
            "ро е и",  # object marker, indefinite, ezafe
            "ам ат аш амон атон ашон ям ят яш ямон ятон яшон",  # possessive
        )
    ),
    vowels="аеиоуэюяӣ",
)


def tajik_stem(word: str) -> str:
    word = word.translate(_TG_FOLD)
    if word.endswith("ии") and len(word) > 4:
        return word[:-2] + "ӣ"
    if word.endswith("ӣ"):
        return word
    step = _TAJIK_SUFFIXES.strip_once(word)
    if step is not None and step[1] != "и" and step[0].endswith("и") and len(step[0]) > 4:
        return step[0][:-1] + "ӣ"  # шаҳрвандиро: the ӣ of шаҳрвандӣ is written и before a suffix
    return _TAJIK_SUFFIXES.stem(word)
