"""People: the names in people.yaml (normalized to one canonical name), and patterns that need no
model and work in every language — a known first name with a capital letter followed by a surname
("Алишеру Каримову", "Dilshod Rahimov", "Бакыт Осмоновдун", "Сино Каримзода"), or alone where a
contact is signed ("звоните ..., Фаррух"). Values are the name in the nominative as the post writes it
(Russian case endings and Turkic/Tajik case suffixes removed); a surname or first name alone is dropped
when the full name is also there.
"""

from __future__ import annotations

import re
from functools import cache, lru_cache
from importlib import resources

from enrich.entities import ner
from enrich.entities.gazetteer import Found, builtin
from enrich.entities.post import Post

_UPPER = "A-ZА-ЯЁЎҚҒҲӘӨҮҰІҢҺӢӮҶ"
# A word with a capital letter (the only ones that can start a name), and the word after one.
# (The capital first, the look-behind after it: the regex engine skips to capitals.)
_CAPITALIZED = re.compile(rf"[{_UPPER}](?<![\w'-].)[^\W\d_]*(?:['-][^\W\d_]+)*")
_NEXT_WORD = re.compile(r"\s+([^\W\d_]+(?:['-][^\W\d_]+)*)")
_SURNAME = re.compile(
    r"(?:ов|ова|ев|ева|ёв|ёва|ин|ина|ын|ына|ский|ская|цкий|цкая|енко|зода|заде|ӣ|ов|ук|юк|ян|швили|дзе|уулу|кызы|"
    r"ұлы|қызы|ov|ova|ev|eva|yev|yeva|zoda|zade|in|ina|sky|skaya|enko|uly|kyzy|yan)$"
)
_PATRONYMIC = re.compile(r"(?:ович|евич|ич|овна|евна|ична|инична)(?:а|у|ем|ом|е|ой|ы)?$")
# Case suffixes a Turkic or Tajik surname takes ("Осмоновдун", "Раҳимовро", "Rahimovning").
_TURKIC_CASE = sorted(
    [
        "ning",
        "ni",
        "ga",
        "da",
        "dan",
        "ka",
        "qa",
        "нинг",
        "ни",
        "га",
        "да",
        "дан",
        "тың",
        "тің",
        "дың",
        "дің",
        "ның",
        "нің",
        "қа",
        "ке",
        "ға",
        "ге",
        "та",
        "те",
        "нан",
        "нен",
        "тан",
        "тен",
        "пен",
        "мен",
        "бен",
        "ты",
        "ті",
        "ды",
        "ді",
        "ны",
        "ні",
        "дун",
        "дүн",
        "тун",
        "түн",
        "нун",
        "нүн",
        "дын",
        "дин",
        "тын",
        "тин",
        "нын",
        "нин",
        "го",
        "гө",
        "ко",
        "кө",
        "до",
        "дө",
        "то",
        "тө",
        "дон",
        "дөн",
        "тон",
        "төн",
        "ду",
        "дү",
        "ту",
        "тү",
        "ну",
        "нү",
        "ро",
    ],
    key=len,
    reverse=True,
)
_RU_MALE = re.compile(r"(ов|ев|ёв|ин|ын)(?:а|у|ым|ом|е)$")
_RU_FEMALE = re.compile(r"(ов|ев|ёв|ин|ын)(?:ой|у)$")
_RU_SKY = re.compile(r"(ск|цк)(?:ого|ому|им|ом)$")
_RU_ENDINGS = ("ом", "ем", "ым", "ой", "ей", "ою", "у", "ю", "а", "я", "е", "ы", "и")
_MODEL = {"ner": "off"}  # set once at start (DOZOR_ENRICH_NER)
_SIGNED = re.compile(r"[,:—–-]\s*$")
_AFTER_LONE = re.compile(r"^\s*(?:[.,!)\n]|$|aka\b|ака\b|opa\b|апа\b|ака\b)", re.IGNORECASE)


@cache
def first_names() -> dict[str, str]:
    """Known first names, lower case -> as written."""
    text = resources.files("enrich.entities").joinpath("first_names.txt").read_text(encoding="utf-8")
    names: dict[str, str] = {}
    for line in text.splitlines():
        if not line.startswith("#"):
            names.update((word.lower(), word) for word in line.split())
    return names


@lru_cache(maxsize=65536)
def _first_name(word: str, russian: bool) -> str | None:
    names = first_names()
    found = names.get(word.lower())
    if found or not russian:
        return found
    for ending in _RU_ENDINGS:  # "Алишеру" -> Алишер, "Ирины" -> Ирина
        if word.lower().endswith(ending):
            base = word.lower()[: -len(ending)]
            for tail in ("", "а", "я", "й", "ь"):
                if base + tail in names:
                    return names[base + tail]
    return None


def _surname(word: str, russian: bool, female: bool) -> str | None:
    if russian:
        word = _RU_FEMALE.sub(r"\1а", word) if female else _RU_MALE.sub(r"\1", word)
        word = _RU_SKY.sub(r"\1ая" if female else r"\1ий", word)
        return word if _SURNAME.search(word.lower()) else None
    if _SURNAME.search(word.lower()):
        return word
    for suffix in _TURKIC_CASE:
        base = word[: -len(suffix)]
        if word.lower().endswith(suffix) and len(base) > 3 and _SURNAME.search(base.lower()):
            return base
    return None


def _patterns(text: str, russian: bool) -> list[str]:
    found: list[str] = []
    skip_to = 0
    for word in _CAPITALIZED.finditer(text):
        if word.start() < skip_to:
            continue
        first = _first_name(word.group(), russian)
        if first is None:
            continue
        female = first[-1] in "аяa" and first not in ("Никита", "Илья", "Абдулла", "Akbar")
        following = _NEXT_WORD.match(text, word.end())
        if following is not None and russian and _PATRONYMIC.search(following.group(1)):
            following = _NEXT_WORD.match(text, following.end())  # the patronymic is left out
        if following is not None and following.group(1)[:1].isupper():
            last = _surname(following.group(1), russian, female)
            if last is not None:
                found.append(f"{first} {last}")
                skip_to = following.end()
                continue
        if _SIGNED.search(text[max(0, word.start() - 3) : word.start()]) and _AFTER_LONE.match(text[word.end() :]):
            found.append(first)
    return found


def _drop_parts(names: set[str]) -> list[str]:
    """A surname or first name alone goes when a longer name holds it."""
    words = {n: n.split() for n in names}
    return sorted(n for n in names if not any(m != n and set(words[n]) < set(words[m]) for m in names))


def extract(post: Post, known: list[Found] | None = None) -> list[str]:
    """People in ``post``; ``known``: the people list's matches when the caller has them."""
    names = {f.value for f in (known if known is not None else builtin("person").find(post))}
    russian = post.lang == "ru"
    for name in _patterns(post.text, russian):
        names.add(name.replace("ё", "е").replace("Ё", "Е") if russian else name)
    if russian and _MODEL["ner"] == "natasha" and ner.maybe_person(post.text):
        names.update(ner.people(post.text))
    return _drop_parts(names)


def use_model(name: str) -> None:
    """``off`` (patterns and the list only) or ``natasha`` (also the NER model on likely Russian posts)."""
    if name == "natasha":
        ner.load()
    _MODEL["ner"] = name
