"""Masking of the people in a post: phone numbers and the names of private persons.

What is masked: who wrote a group message or comment (`sender`: its name and id, and that name in the
text); every phone number the enrichment found (`entities.phone`) and every run of digits that looks like
one (the enricher's candidate pattern: 9-15 digits with the usual separators), so posts
enriched before entities existed are covered; every person the enrichment found (`entities.person`)
but the public figures of the people gazetteer (enrich/entities/people.yaml): ministers and presidents
stay named. A name is matched in any inflection of its words (a word starting with the name word less
its last two letters, "Каримов" also masks "Каримову"). Pure functions: the API and the web UI mask
what they show (surfaces), retention masks what is stored (search/retention.py).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from functools import cache
from importlib import resources
from typing import Any

from dozor import yaml_text

PHONE_MASK = "[phone]"
NAME_MASK = "[name]"
_PHONE = re.compile(r"(?<![\w+])\+?\d[\d\s()\-\u2010-\u2015]{7,22}\d(?!\w)")
_DIGITS = re.compile(r"\d")
_MIN_DIGITS = 9
_MIN_STEM = 3


@cache
def public_people() -> frozenset[str]:
    """Every name (and name word) of the people gazetteer, case-folded: public figures, not masked."""
    text = resources.files("enrich.entities").joinpath("people.yaml").read_text(encoding="utf-8")
    names: set[str] = set()
    for canonical, variants in (yaml_text.safe_load(text) or {}).items():
        names.add(str(canonical).casefold())
        for forms in (variants or {}).values():
            names.update(str(f).casefold() for f in forms)
    return frozenset(names)


def private_persons(entities: Mapping[str, Any] | None) -> list[str]:
    found = (entities or {}).get("person") or []
    public = public_people()
    return [str(p) for p in found if str(p).casefold() not in public]


def _mask_phone(match: re.Match[str]) -> str:
    return PHONE_MASK if len(_DIGITS.findall(match.group(0))) >= _MIN_DIGITS else match.group(0)


@cache
def _name_pattern(names: tuple[str, ...]) -> re.Pattern[str] | None:
    words: set[str] = set()
    for name in names:
        for word in re.findall(r"[^\W\d_]+(?:['-][^\W\d_]+)*", name):
            stem = word[:-2] if len(word) - 2 >= _MIN_STEM else word
            words.add(re.escape(stem))
    if not words:
        return None
    alternatives = "|".join(sorted(words, key=len, reverse=True))
    return re.compile(rf"(?<![\w'-])(?:{alternatives})[\w'-]*", re.IGNORECASE)


def redact_text(text: str | None, names: Iterable[str] = ()) -> str | None:
    """The text with phone numbers and the given names masked."""
    if not text:
        return text
    out = _PHONE.sub(_mask_phone, text)
    pattern = _name_pattern(tuple(sorted(set(names))))
    return pattern.sub(NAME_MASK, out) if pattern else out


def redact_entities(entities: Mapping[str, Any], names: Iterable[str]) -> dict[str, Any]:
    hidden = set(names)
    out = dict(entities)
    if out.get("phone"):
        out["phone"] = [PHONE_MASK for _ in out["phone"]]
    if out.get("person"):
        out["person"] = [NAME_MASK if p in hidden else p for p in out["person"]]
    return out


def redact_post(post: Mapping[str, Any]) -> dict[str, Any]:
    """A post (a search hit, a post with its versions, an export row) with its people masked: its text,
    highlights, image text, entities, the text of each version, and who wrote it (``sender``)."""
    names = private_persons(post.get("entities") if isinstance(post.get("entities"), Mapping) else None)
    author = post.get("sender")
    if isinstance(author, Mapping) and isinstance(author.get("name"), str):
        names.append(author["name"])  # a commenter named in their own text is masked there too
    out = dict(post)
    for key in ("text", "text_norm", "ocr_text"):
        if isinstance(out.get(key), str):
            out[key] = redact_text(out[key], names)
    if isinstance(out.get("highlight"), list):
        out["highlight"] = [redact_text(h, names) for h in out["highlight"]]
    if isinstance(out.get("image_highlight"), list):
        out["image_highlight"] = [redact_text(h, names) for h in out["image_highlight"]]
    if isinstance(out.get("entities"), Mapping):
        out["entities"] = redact_entities(out["entities"], names)
    if isinstance(out.get("media"), list):
        out["media"] = [
            {**m, "ocr_text": redact_text(m.get("ocr_text"), names)} if isinstance(m, Mapping) else m
            for m in out["media"]
        ]
    if isinstance(out.get("versions"), list):
        out["versions"] = [
            {**v, "text": redact_text(v.get("text"), names)} if isinstance(v, Mapping) else v for v in out["versions"]
        ]
    if isinstance(out.get("sender"), Mapping):  # who wrote a comment or group message: a person, mostly
        out["sender"] = {"id": None, "name": NAME_MASK if out["sender"].get("name") else None}
    out["redacted"] = True
    return out
