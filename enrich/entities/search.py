"""Query terms on entity fields (``law:"359 УК"``, ``place:Toshkent``, ``org:гувм``), read the way the
enricher writes the values, so a query meets the stored form: names through the same lists (any
language or script gives the canonical name), laws by their start (``359 УК`` finds ``359 УК РФ``),
phones in E.164, sums with the currency code in capitals."""

from __future__ import annotations

import re
from typing import Any

import phonenumbers

from enrich.entities.gazetteer import builtin
from enrich.entities.post import Post

_SPACES = re.compile(r"\s+")


def _names(kind: str, value: str) -> list[str]:
    found = [f.value for f in builtin(kind).find(Post.of(value, "und"))]
    return found if found else [value]


def _phone(value: str) -> str:
    try:
        number = phonenumbers.parse(value, "RU")
    except phonenumbers.NumberParseException:
        return value
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def query(kind: str, field: str, value: str) -> dict[str, Any]:
    """The Elasticsearch clause for ``kind:value`` on ``field`` (a keyword field)."""
    value = _SPACES.sub(" ", value.strip())
    if kind == "law":  # "359 УК" finds "359 УК РФ"; "53-ФЗ" finds "53-ФЗ ст.6"
        value = value.upper().replace("КОАП", "КоАП").replace("КОАО", "КоАО").replace("РУЗ", "РУз")
        return {
            "bool": {"should": [{"term": {field: value}}, {"prefix": {field: value + " "}}], "minimum_should_match": 1}
        }
    if kind in ("place", "org", "person"):
        values = sorted(set(_names(kind, value)))
        clauses = [{"term": {field: {"value": v, "case_insensitive": True}}} for v in values]
        return clauses[0] if len(clauses) == 1 else {"bool": {"should": clauses, "minimum_should_match": 1}}
    if kind == "phone":
        value = _phone(value)
    elif kind == "money":
        value = value.upper()
    return {"term": {field: value}}
