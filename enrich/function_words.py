"""Function words as a tie-breaker for short or ambiguous posts: "аст" is Tajik, "и" Russian,
"rahmat" Uzbek, whatever CLD2 thinks of a three-word message. Uzbek is listed in Latin; Cyrillic
words are transliterated before the Uzbek look-up, so one list serves both scripts."""

from __future__ import annotations

import re
from collections import Counter
from functools import lru_cache
from itertools import chain

from enrich.normalize import APOSTROPHE, fold, uz_to_latin

_WORDS = {
    "ru": "и в во не на я что с со по это как а но он она к у за из от то же для о об ты мы вы так "
    "все бы был была уже или нет да только еще есть когда где кто сегодня нужно можно надо очень "
    "спасибо привет всем знает ли при после до без над под через этот эта эти тот который которые сейчас "
    "здесь тоже чтобы самый",
    "uk": "і й та в у не на що з як це до від за але ми ви він вона так вже або ні є коли де хто "
    "сьогодні потрібно дуже дякую привіт які який яка яке якої якому цей ця цю цього через також якщо щоб "
    "було буде будуть був була були має мають без над під вони його йому її чи ще лише кожен кожна",
    "uz": "va bilan uchun bu ham emas yo'q bor kerak nima qanday bugun ertaga men sen biz siz ular "
    "lekin yoki endi hali juda rahmat aka uka opa kim qayerda bo'ladi bo'lsa edi deb ekan shu "
    "assalomu alaykum yaxshi haqida keyin oldin qilib bir",
    "kk": "және мен сен ол біз сіз олар бұл осы ғой емес жоқ бар керек не қалай бүгін ертең үшін "
    "туралы бойынша деп еді болады сәлеметсіз бе",
    "ky": "жана мен менен сен ал биз силер алар бул ушул эмес жок бар керек эмне кантип бүгүн эртең "
    "үчүн жөнүндө боюнча деп эле болот саламатсызбы ар бир же",
    "tg": "ва дар ба аз ки бо барои ин он аст нест ҳам ё чӣ кӣ ман ту мо шумо онҳо бояд лозим "
    "мешавад буд шуд имрӯз фардо мекунанд мекунад",
    "tr": "ve bu bir için ile da de olarak gibi daha çok her veya olan değil var yok ama ben sen biz",
    "en": "the a an and or of to in on for is are was were be with that this it at by from as not "
    "have has will you we they i my your can where what how thanks",
}
# Kazakh, Kyrgyz and Tajik are often typed on a Russian keyboard: үчүн as учун, шаҳр as шахр.
_KEYBOARD_FOLD = str.maketrans("әғқңөұүһіӣӯҳҷ", "агкноуухииухч")
_KEYBOARD_TYPED = ("kk", "ky", "tg")
_LEXICON: dict[str, frozenset[str]] = {
    lang: frozenset(words.split() + (words.translate(_KEYBOARD_FOLD).split() if lang in _KEYBOARD_TYPED else []))
    for lang, words in _WORDS.items()
}
_WORD_RE = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)*")
# The same words in a text for_detection made: it has no digits or "_" left (nor has its case-folded
# form), so letters are word characters, which the regex engine scans faster (~30 % a post).
_PREPARED_WORD_RE = re.compile(r"\w++(?:'\w++)*+")


_BY_WORD: dict[str, set[str]] = {}
for _lang, _lexicon in _LEXICON.items():
    for _word in _lexicon:
        _BY_WORD.setdefault(_word, set()).add(_lang)
del _lang, _lexicon, _word


@lru_cache(maxsize=100_000)
def _languages_of(word: str) -> tuple[str, ...]:
    langs = set(_BY_WORD.get(word.replace("ё", "е"), ()))
    if uz_to_latin(word) in _LEXICON["uz"]:
        langs.add("uz")
    return tuple(sorted(langs))


_APOSTROPHES = "ʻʼ`’‘´ʹ′ʽ"  # normalize.fold's other ways to type the apostrophe
_APOSTROPHE_RE = re.compile(rf"(?<=\w)[{_APOSTROPHES}{APOSTROPHE}](?=\w)")
_OTHER_APOSTROPHE_RE = re.compile(f"[{_APOSTROPHES}]")


def _fold_prepared(text: str) -> str:
    """:func:`enrich.normalize.fold` of a text that :func:`enrich.cleaning.for_detection` made
    (safe and NFKC already: both passes again cost ~8 µs a post), but for the whitespace, which no
    word contains."""
    text = text.casefold()
    if "\u0307" in text:
        text = text.replace("\u0307", "")
    if _OTHER_APOSTROPHE_RE.search(text):
        text = _APOSTROPHE_RE.sub(APOSTROPHE, text)
    return text


def votes(text: str, *, prepared: bool = False) -> tuple[Counter[str], int]:
    """Function words found per language, and the number of words. ``prepared``: ``text`` comes
    from :func:`enrich.cleaning.for_detection` (and only lost words to spaces since)."""
    words = _PREPARED_WORD_RE.findall(_fold_prepared(text)) if prepared else _WORD_RE.findall(fold(text))
    counts = Counter(chain.from_iterable(filter(None, map(_languages_of, words))))
    return counts, len(words)


def preferred(text: str, candidates: tuple[str, ...], current: str) -> str | None:
    """A candidate that the function words clearly prefer to ``current``, if any."""
    return prefer(*votes(text), candidates, current)


def prefer(counts: Counter[str], n_words: int, candidates: tuple[str, ...], current: str) -> str | None:
    """:func:`preferred` over votes already counted."""
    ranked = sorted(candidates, key=lambda lang: counts[lang], reverse=True)
    if not ranked:
        return None
    best = ranked[0]
    lead = counts[best] - counts[current]
    if best != current and (lead >= 2 or (lead >= 1 and n_words <= 8)):
        return best
    return None
