"""Which Tesseract language packs to read an image with: from the channel's languages and the image's script.

Pure functions, no Tesseract: the engine (media/ocr.py) asks :func:`candidates` for the channel's languages,
probes the script with :func:`probe_packs` when the candidates span both scripts, and reads with
:func:`packs_for`. Tesseract runs every pack of a call on every word, so a call costs about one pass per
pack: :data:`DEFAULT_MAX_PACKS` keeps it to two.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TypeVar

T = TypeVar("T")

DEFAULT_MAX_PACKS = 2
CYRL, LATN = "Cyrl", "Latn"

# (ISO 639-1, ISO 15924) -> pack, for the packs Dozor installs (Debian tesseract-ocr-*).
PACKS: dict[tuple[str, str], str] = {
    ("ru", CYRL): "rus",
    ("uk", CYRL): "ukr",
    ("kk", CYRL): "kaz",
    ("ky", CYRL): "kir",
    ("tg", CYRL): "tgk",
    ("uz", CYRL): "uzb_cyrl",
    ("uz", LATN): "uzb",
    ("en", LATN): "eng",
}
# Packs read together with another: uzb_cyrl's character set has no « » ь (a «...»ги phrase, октябрь), which
# Uzbek Cyrillic official texts use all the time; rus has them.
COMPANION = {"uzb_cyrl": "rus"}
# The pack a script falls back to when no candidate language writes in it.
SCRIPT_DEFAULT = {CYRL: "rus", LATN: "eng"}

# Languages to expect from a channel's country when the registry names none (ordered by likelihood).
COUNTRY_LANGUAGES: dict[str, tuple[str, ...]] = {
    "RU": ("ru",),
    "UZ": ("uz", "ru"),
    "KZ": ("kk", "ru"),
    "KG": ("ky", "ru"),
    "TJ": ("tg", "ru"),
    "UA": ("uk", "ru"),
}
DEFAULT_LANGUAGES: tuple[str, ...] = ("ru", "uz")


def supported(lang: str) -> bool:
    return any(code == lang for code, _ in PACKS)


def candidates(
    languages: Iterable[str], country: str | None = None, default: Sequence[str] = DEFAULT_LANGUAGES
) -> list[str]:
    """The languages to read a channel's image in, most likely first: its own (those OCR can read), else
    its country's, else ``default``."""
    own = _unique(lang for lang in languages if supported(lang))
    if own:
        return own
    if country and country.upper() in COUNTRY_LANGUAGES:
        return list(COUNTRY_LANGUAGES[country.upper()])
    return _unique(lang for lang in default if supported(lang))


def scripts_of(languages: Iterable[str]) -> list[str]:
    """The scripts the languages are written in, in the order the languages first need them."""
    return _unique(script for lang in languages for code, script in PACKS if code == lang)


def packs_for(languages: Sequence[str], script: str, max_packs: int = DEFAULT_MAX_PACKS) -> list[str]:
    """The packs for text in ``script``: the candidates' packs for that script in order, else the script's
    default pack; at most ``max_packs``."""
    packs = _unique(PACKS[(lang, script)] for lang in languages if (lang, script) in PACKS) or [SCRIPT_DEFAULT[script]]
    paired = _unique(p for pack in packs for p in (pack, COMPANION.get(pack)) if p)
    return paired[: max(1, max_packs)]


def probe_packs(languages: Sequence[str]) -> list[str]:
    """One pack per script the candidates use: Tesseract scores each word with both, so the letters of the
    probe's confident words tell the script."""
    return [packs_for(languages, script, 1)[0] for script in scripts_of(languages)]


def refine(packs: Sequence[str], lang: str, script: str, max_packs: int = DEFAULT_MAX_PACKS) -> list[str] | None:
    """Packs to read again with when the text read with ``packs`` is in a language whose own pack was not
    used (a Kazakh notice in a channel registered as Russian), else None."""
    own = PACKS.get((lang, script))
    if own is None or own in packs:
        return None
    return _unique([own, *packs])[: max(1, max_packs)]


def _unique(items: Iterable[T]) -> list[T]:
    seen: list[T] = []
    for item in items:
        if item not in seen:
            seen.append(item)
    return seen
