"""Entities of a post, normalized so that one thing reads one way whatever the language or script:
``{kind: [values...]}`` (sorted, each once; kinds with nothing found are left out).

- ``law``: ``359 УК РФ``, ``154 УК РУз``, ``18.8 КоАП РФ``, ``53-ФЗ ст.6``, ``115-ФЗ`` (:mod:`.law`)
- ``money``: ``1500000 RUB``, ``200000 UZS`` (:mod:`.money`)
- ``phone``: E.164, ``+79161234567`` (:mod:`.phone`)
- ``date``: ISO ``2027-01-01`` (:mod:`.dates`)
- ``place``, ``org``: canonical Russian names from places.yaml / orgs.yaml (``Сахарово``, ``ГУВМ МВД``)
- ``person``: people.yaml's canonical name, else the name as written, in the nominative (:mod:`.person`)
- ``link``, ``mention``, ``hashtag``: as written (:mod:`.basic`)

Quality on the hand-labelled set: ``python -m enrich.entities.evaluate``; speed: ``bench/bench_entities.py``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any

from enrich.entities import basic, dates, law, money, orgs, person, phone
from enrich.entities.gazetteer import combined
from enrich.entities.post import Hints, Post

__all__ = ["KINDS", "Hints", "Post", "extract", "extract_post", "hints_of", "load_models", "use_model"]

use_model = person.use_model

KINDS = ("law", "money", "phone", "date", "place", "org", "person", "link", "mention", "hashtag")


def load_models(langs: Iterable[str]) -> set[str]:
    """Compile the name lists for posts in each of ``langs`` and in each language the lists name (what
    the first post of a language would otherwise pay for); the languages compiled."""
    gazetteer = combined()
    compiled = set(langs) | gazetteer.languages
    for lang in sorted(compiled):
        gazetteer.matcher(lang)
    return compiled


def hints_of(record: Mapping[str, Any]) -> Hints:
    """The post's date (else when it was collected) and the channel's country, from a record."""
    posted: date | None = None
    for key in ("date", "collected_at"):
        value = record.get(key)
        if isinstance(value, datetime):
            posted = value.date()
        elif isinstance(value, str) and len(value) >= 10:
            try:
                posted = date.fromisoformat(value[:10])
            except ValueError:
                continue
        if posted is not None:
            break
    channel = record.get("channel")
    country = channel.get("country") if isinstance(channel, Mapping) else None
    return Hints(posted, country if isinstance(country, str) else None)


def extract_post(post: Post) -> dict[str, list[str]]:
    found: dict[str, list[str]] = dict(basic.extract(post))
    laws, law_spans = law.find(post)
    found["law"] = laws
    found["money"] = money.extract(post)
    found["phone"] = phone.extract(post)
    found["date"] = dates.extract(post)
    names = combined().find(post)
    found["org"] = orgs.extract(post, [f for f in names if f.kind == "org"])
    # A country inside an organisation's name or a law citation is not a place of its own.
    places = [f for f in names if f.kind == "place"]
    if places:  # (a law's words are looked up only then: that needs where every word is)
        inside = [(f.start, f.end) for f in names if f.kind == "org"]
        inside += [post.token_range(s, e) for s, e in law_spans]
        found["place"] = [f.value for f in places if not any(s < f.end and f.start < e for s, e in inside)]
    found["person"] = person.extract(post, [f for f in names if f.kind == "person"])
    return {kind: sorted(set(values)) for kind, values in found.items() if values}


def extract(
    text: str,
    lang: str,
    hints: Hints | None = None,
    *,
    norm: str | None = None,
    tokens: list[str] | None = None,
    stems: list[str] | None = None,
) -> dict[str, list[str]]:
    """The entities of ``text`` in ``lang``; pass the enricher's normalized forms when it has them."""
    if not text:
        return {}
    return extract_post(Post.of(text, lang, hints, norm=norm, tokens=tokens, stems=stems))
