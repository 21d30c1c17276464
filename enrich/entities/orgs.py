"""Organisations: the names in orgs.yaml (ministries, migration offices, embassies, courts, military
commissariats in every language, normalized to one Russian name) and, in Russian, named courts
("Тверского районного суда" -> ``Тверской районный суд``), put in the nominative with pymorphy3."""

from __future__ import annotations

import re
from functools import lru_cache

from enrich.entities.gazetteer import Found, builtin
from enrich.entities.post import Post
from enrich.stemming import word_parses

_COURT = re.compile(
    r"(?<!\w)(?P<name>[А-ЯЁ][а-яё]+(?:ск|цк)(?:ий|ой|ого|ому|ом|им))\s+"
    r"(?:(?P<kind>(?:районн|городск|областн|краев|гарнизонн|окружн|военн|межрайонн|мировой)\w*)\s+)?"
    r"суд(?:а|у|ом|е)?(?!\w)"
)


@lru_cache(maxsize=4096)
def _nominative(adjective: str) -> str:
    for parse in word_parses("ru", adjective.lower()):  # pymorphy3 loads on the first post that names a court
        if "ADJF" in parse.tag:
            return str(parse.normal_form)
    return adjective.lower()


def courts(text: str) -> list[str]:
    if "суд" not in text:
        return []
    found = []
    for match in _COURT.finditer(text):
        words = [_nominative(match.group("name")).capitalize()]
        if match.group("kind"):
            words.append(_nominative(match.group("kind")))
        found.append(" ".join([*words, "суд"]))
    return found


def find(post: Post) -> list[Found]:
    return builtin("org").find(post)


def extract(post: Post, found: list[Found] | None = None) -> list[str]:
    names = [f.value for f in (found if found is not None else find(post))]
    if post.lang == "ru":
        names.extend(courts(post.text))
    return names
