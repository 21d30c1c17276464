"""Law articles, normalized: ``<article> <code> <country>`` (``359 УК РФ``, ``154 УК РУз``,
``18.8 КоАП РФ``), a federal law as ``<n>-ФЗ`` and one of its articles as ``<n>-ФЗ ст.<article>``
(``53-ФЗ ст.6``), an article whose code is not named as its number alone (``154``).

Matched on the normalized text (lower case; Uzbek in Latin letters, so one pattern serves both
scripts). Russian and Tajik name the code after the article, Uzbek, Kazakh and Kyrgyz before it.
"""

from __future__ import annotations

import re

from enrich.entities.post import Post

_NUM = r"(?P<num>\d{1,4}(?:\.\d{1,3})*)"
# The article, per language; `after`: the code follows the article (else it precedes it).
# Patterns start with their word or number (no look-behind first), so the regex engine can skip ahead;
# the word before is checked after (_WORD_BEFORE).
_ARTICLE = {
    "ru": (re.compile(rf"ст(?:ать(?:я|и|е|ю|ей|ям))?\.?\s*{_NUM}(?!\d)"), True),
    "en": (re.compile(rf"(?:article|art\.)\s*{_NUM}(?!\d)"), True),
    "tg": (re.compile(rf"моддаи\s*{_NUM}(?!\d)"), True),
    "uz": (re.compile(rf"{_NUM}\s*-?\s*modda"), False),
    "kk": (re.compile(rf"{_NUM}\s*-?\s*ба[бп]"), False),
    "ky": (re.compile(rf"{_NUM}\s*-?\s*берене"), False),
}
_KEYWORD = {"ru": "ст", "en": "art", "tg": "модда", "uz": "modda", "kk": "ба", "ky": "берене"}
_WORD_BEFORE = re.compile(r"[\w.]")
# Russian articles also appear in posts of other languages (quoted rulings); Tajik also writes "154-модда".
_ALSO = {"uz": ("ru",), "kk": ("ru",), "ky": ("ru",), "tg": ("ru", "uz"), "en": ("ru",), "ru": ()}
_TG_MODDA = re.compile(rf"{_NUM}\s*-?\s*модда")

# Codes by the words that name them, in every language (normalized forms; Uzbek in Latin).
_CODES: list[tuple[str, str]] = [
    (
        r"коап|кодекс\w* (?:рф )?об административных правонарушениях|administrative offen[cs]es code|"
        r"code of administrative offen[cs]es|әкімшілік құқық бұзушылық туралы кодекс\w*",
        "КоАП",
    ),
    (r"коао|ma'muriy javobgarlik to'g'risidagi kodeks\w*|mjtk(?:ning|ni|da|ga)?", "КоАО"),
    (
        r"упк|уголовно-процессуальн\w* кодекс\w*|jinoyat[- ]protsessual(?:\w*)? kodeks\w*|jpk(?:ning|ni|da|ga)?|"
        r"қылмыстық[- ]процестік кодекс\w*|кылмыш[- ]процесстик кодекс\w*|кодекси мурофиавии ҷиноятӣ",
        "УПК",
    ),
    (
        r"ук|уголовн\w* кодекс\w*|criminal code|jinoyat kodeks\w*|jk(?:ning|ni|da|ga)?|қылмыстық кодекс\w*|"
        r"қк(?:-\w{1,4})?|кылмыш-жаза кодекс\w*|кодекси ҷиноятӣ|кодекси ҷиноятии|кҷ",
        "УК",
    ),
    (r"тк|трудов\w* кодекс\w*|labou?r code|mehnat kodeks\w*", "ТК"),
    (r"гк|гражданск\w* кодекс\w*|civil code", "ГК"),
    (r"нк|налогов\w* кодекс\w*", "НК"),
    (r"жк|жилищн\w* кодекс\w*", "ЖК"),
]
_CODE_RE = re.compile("|".join(f"(?P<c{i}>{words})" for i, (words, _) in enumerate(_CODES)))
_CODE_WORD = re.compile(rf"(?<![\w-])(?:{_CODE_RE.pattern})(?!\w)")

_COUNTRIES: list[tuple[str, str]] = [
    (
        r"рф|росси\w*|российской федерации|russian|russia|rossiya\w*|ресей\w*|орусия\w*|русия\w*|федератсияи россия",
        "РФ",
    ),
    (r"руз|республики узбекистан|узбекистан\w*|uzbek\w*|o'zbekiston\w*|өзбекстан\w*|ӯзбекистон\w*", "РУз"),
    (r"рк|республики казахстан|казахстан\w*|kazakh\w*|qozog'iston\w*|қазақстан\w*", "РК"),
    (r"кр|кыргызской республики|кыргызстан\w*|киргизии|kyrgyz\w*|qirg'iziston\w*|кыргыз республикасы\w*", "КР"),
    (r"рт|республики таджикистан|таджикистан\w*|tajik\w*|tojikiston\w*|тоҷикистон\w*|ҷумҳурии тоҷикистон", "РТ"),
]
_COUNTRY_RE = re.compile(
    r"(?<![\w-])(?:" + "|".join(f"(?P<k{i}>{words})" for i, (words, _) in enumerate(_COUNTRIES)) + r")(?![\w-])"
)
# Between a country and the code it qualifies: only "Republic"/"Federation" ("Rossiya Federatsiyasi
# Jinoyat kodeksi", "Қазақстан Республикасы Қылмыстық кодексі"). A country further away is where something
# happened ("Rossiyada ... JKning 154-moddasi"), not whose code it is.
_QUALIFIER_GAP = re.compile(
    r"(?:\s|respublika\w*|federatsiya\w*|республика\w*|федерация\w*|ҷумҳурии|of|the)*",
)
_LANG_COUNTRY = {"uz": "РУз", "kk": "РК", "ky": "КР", "tg": "РТ"}
_ADMIN = {"РУз": "КоАО"}  # Uzbekistan's administrative code is "об административной ответственности"

_RU_TAIL = re.compile(r"\s*(?:\(|,)?\s*(?:ч(?:асть|асти)?\.?\s*\d+\s*,?\s*)?")
_FZ = re.compile(r"(?<![\w.])(?P<fz>\d{1,4})\s*-\s*фз(?!\w)")  # "115-ФЗ"
_FZ_TAIL = re.compile(r"[^.;!?\n]{0,80}?(?:№|no\.?)\s*(?P<fz>\d{1,4})\s*-\s*фз(?!\w)")
_SENTENCE_END = re.compile(r"[.!?;\n](?=\s|$)")
_WINDOW = 80


def _group(match: re.Match[str], table: list[tuple[str, str]], prefix: str) -> str:
    for i, (_, value) in enumerate(table):
        if match.group(f"{prefix}{i}"):
            return value
    return ""


def _clause_before(norm: str, start: int) -> str:
    head = norm[max(0, start - _WINDOW) : start]
    ends = list(_SENTENCE_END.finditer(head))
    return head[ends[-1].end() :] if ends else head


def _clause_after(norm: str, end: int) -> str:
    tail = norm[end : end + _WINDOW]
    stop = _SENTENCE_END.search(tail)
    return tail[: stop.start()] if stop else tail


def _country(text: str, lang: str) -> str:
    found = list(_COUNTRY_RE.finditer(text))
    if found:
        return _group(found[-1], _COUNTRIES, "k")
    return _LANG_COUNTRY.get(lang, "РФ")


def _adjacent_before(text: str, start: int, code: int) -> re.Match[str] | None:
    """The country named in ``text[start:code]`` that qualifies the code at ``code`` (nothing but
    "Republic", "Federation" between them), if any."""
    found = list(_COUNTRY_RE.finditer(text, start, code))
    if not found:
        return None
    gap = _QUALIFIER_GAP.match(text, found[-1].end(), code)
    return found[-1] if gap is not None and gap.end() == code else None


def _code_after(norm: str, end: int, lang: str) -> tuple[str, int] | None:
    """The code named right after an article (Russian, Tajik, English), and where it ends."""
    tail = _clause_after(norm, end)
    skip = _RU_TAIL.match(tail)
    offset = skip.end() if skip else 0
    if lang in ("tg", "en"):  # "моддаи 401 Кодекси ҷиноятии ...", "Article 322.1 of the Russian Criminal Code"
        found = _CODE_WORD.search(tail, offset, min(len(tail), offset + 40))
    else:
        found = _CODE_WORD.match(tail, offset)
    if found is None:
        return None
    code = _group(found, _CODES, "c")
    stop = found.end()
    if lang == "ru":  # "УК РФ", "УК Республики Узбекистан"; a bare "УК" in Russian is Russia's
        named = _COUNTRY_RE.match(tail, found.end() + len(tail[found.end() :]) - len(tail[found.end() :].lstrip()))
        country = _group(named, _COUNTRIES, "k") if named else "РФ"
        stop = named.end() if named else stop
    else:  # the country right before the code ("of the Russian Criminal Code") or right after it
        named = _adjacent_before(tail, offset, found.start())
        if named is None:
            gap = _QUALIFIER_GAP.match(tail, found.end())
            named = _COUNTRY_RE.match(tail, gap.end()) if gap else None
            stop = named.end() if named else stop
        country = _group(named, _COUNTRIES, "k") if named else _LANG_COUNTRY.get(lang, "РФ")
    if code == "КоАП":
        code = _ADMIN.get(country, code)
    return f"{code} {country}", end + stop


def _code_before(norm: str, start: int, lang: str) -> tuple[str, int] | None:
    """The code named before an article (Uzbek, Kazakh, Kyrgyz): the nearest in the same sentence,
    and where its citation (with the country named before it) begins."""
    head = _clause_before(norm, start)
    found = list(_CODE_WORD.finditer(head))
    if not found:
        return None
    code = _group(found[-1], _CODES, "c")
    named = _adjacent_before(head, max(0, found[-1].start() - 40), found[-1].start())
    country = _group(named, _COUNTRIES, "k") if named else _LANG_COUNTRY.get(lang, "РФ")
    begin = named.start() if named else found[-1].start()
    if code == "КоАП":
        code = _ADMIN.get(country, code)
    return f"{code} {country}", start - len(head) + begin


def extract(post: Post) -> list[str]:
    return find(post)[0]


def find(post: Post) -> tuple[list[str], list[tuple[int, int]]]:
    """The law articles of ``post`` and where they are in its normalized text."""
    norm = post.norm
    if not post.has_digits:
        return [], []
    found: list[str] = []
    used: list[tuple[int, int]] = []
    for lang in (post.lang, *_ALSO.get(post.lang, ("ru",))):
        spec = _ARTICLE.get(lang)
        patterns = [spec] if spec and _KEYWORD[lang] in norm else []
        if lang == "tg" and "модда" in norm:
            patterns.append((_TG_MODDA, False))
        for pattern, after in patterns:
            matches = post.scan(pattern) if not after else pattern.finditer(norm)
            for match in matches:
                if match.start() and _WORD_BEFORE.match(norm, match.start() - 1):
                    continue
                if any(s < match.end() and match.start() < e for s, e in used):
                    continue
                num = match.group("num")
                if after:
                    code = _code_after(norm, match.end(), lang)
                    if code is not None:
                        found.append(f"{num} {code[0]}")
                        used.append((match.start(), code[1]))
                        continue
                    fz = _FZ_TAIL.match(norm, match.end())
                    if fz is not None:
                        found.append(f"{fz.group('fz')}-ФЗ ст.{num}")
                        used.append((match.start(), fz.end()))
                        continue
                    found.append(num)
                else:
                    before = _code_before(norm, match.start(), post.lang)
                    if before is not None:
                        found.append(f"{num} {before[0]}")
                        used.append((before[1], match.end()))
                        continue
                    found.append(num)
                used.append(match.span())
    for match in _FZ.finditer(norm) if "фз" in norm else ():
        if not any(s < match.end() and match.start() < e for s, e in used):
            found.append(f"{match.group('fz')}-ФЗ")
            used.append(match.span())
    return found, used
