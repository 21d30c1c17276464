"""Enrichment speed with entities and without, side by side, on one core, over distinct posts.

    .venv/bin/python bench/bench_entities.py [--posts 20000] [--seconds 5]

Posts are generated, each one different: a sentence of the hand-labelled set
(tests/data/entities_gold.jsonl, every language) joined with a made-up line naming a place, an
office, a person (random surname), a sum, a date, a phone number or a law article in the same
language, or nothing. Rates are posts per CPU second of this process (the machine is shared):
- enrichment with entities (the enrich stage as it runs),
- enrichment without them (the entity extractor replaced by a no-op: the enrichment of before),
- the entity extractor alone (given the enricher's normalized words),
- with DOZOR_ENRICH_NER=natasha too (Russian posts that pass the cheap check go through the model),
- langdetect alone, the yardstick bench_enrich.py also prints: on a busy machine every rate drops, the
  ratios to it and to the enrichment without entities hold.
Each measurement starts on posts it has not seen (word caches warm from others, like a running stream).
Target (issue 15): >= 3,000 posts/s with entities.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import enrich.pipeline as pipeline  # noqa: E402
from enrich import entities  # noqa: E402
from enrich.entities import person  # noqa: E402
from enrich.language import detect  # noqa: E402

GOLD = ROOT / "tests" / "data" / "entities_gold.jsonl"
ROOTS = [
    "Карим",
    "Рахим",
    "Назар",
    "Юсуп",
    "Сапар",
    "Осмон",
    "Умар",
    "Алим",
    "Тохир",
    "Бакир",
    "Садык",
    "Мурат",
    "Ахмед",
    "Сабир",
    "Кадыр",
]
LINES: dict[str, list[str]] = {
    "ru": [
        "В {place} задержали {n} мигрантов, штраф {money} рублей.",
        "{first} {root}ов, юрист: срок подачи уведомления — до {day} {month_ru}.",
        "Звоните по номеру +7 9{d3} {d3}-{d2}-{d2}, спросить {first}.",
        "Суд назначил наказание по ст. {art} УК РФ, сообщает {org}.",
    ],
    "uz": [
        "{place}da {n} nafar muhojir ushlandi, jarima {money} so'm.",
        "{first} {root}ov: hujjatlarni {day}-{month_uz}gacha topshiring.",
        "Murojaat uchun: +998 9{d1} {d3} {d2} {d2}.",
        "Jinoyat kodeksining {art}-moddasi bo'yicha ish qo'zg'atildi.",
    ],
    "kk": ["{place} қаласында {n} мигрант ұсталды, айыппұл {money} теңге.", "{day} желтоқсанға дейін тіркелу керек."],
    "ky": ["{place} шаарында {n} мигрант кармалды, айып {money} сом.", "{day}-декабрга чейин каттоодон өтүңүз."],
    "tg": ["Дар {place} {n} муҳоҷир боздошт шуд, ҷарима {money} сомонӣ.", "То {day} декабр ҳуҷҷатҳоро супоред."],
    "en": ["{n} migrants were detained in {place}; fines of {money} rubles.", "Register by December {day}."],
}
PLACES = {
    "ru": ["Москве", "Казани", "Екатеринбурге", "Сахарово", "Новосибирске", "Самаре", "Тюмени"],
    "uz": ["Moskva", "Toshkent", "Samarqand", "Yekaterinburg", "Andijon"],
    "kk": ["Алматы", "Астана", "Шымкент", "Тараз"],
    "ky": ["Бишкек", "Ош", "Нарын", "Каракол"],
    "tg": ["Душанбе", "Хуҷанд", "Маскав", "Бохтар"],
    "en": ["Moscow", "Tashkent", "Dushanbe", "Bishkek"],
}
FIRST = ["Алишер", "Рустам", "Фаррух", "Зарина", "Дилшод", "Сардор", "Мадина", "Бахтиёр"]
FIRST_UZ = ["Alisher", "Rustam", "Dilshod", "Sardor", "Zarina", "Madina"]
MONTHS_RU = ["января", "февраля", "марта", "апреля", "мая", "июня", "декабря"]
MONTHS_UZ = ["yanvar", "fevral", "mart", "dekabr"]
ORGS = ["ГУВМ МВД", "МВД", "прокуратура", "Следственный комитет", "военкомат"]


def generate(n: int, seed: int = 15) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    rows = [json.loads(line) for line in GOLD.read_text(encoding="utf-8").splitlines() if line.strip()]
    posts: list[dict[str, Any]] = []
    seen: set[str] = set()
    while len(posts) < n:
        row = rng.choice(rows)
        lang = row["lang"]
        sentences = [s for s in row["text"].split(". ") if s]
        parts = rng.sample(sentences, k=min(len(sentences), rng.randint(1, 2)))
        if rng.random() < 0.8:
            line = rng.choice(LINES[lang])
            parts.append(
                line.format(
                    place=rng.choice(PLACES[lang]),
                    n=rng.randint(2, 900),
                    money=f"{rng.randint(1, 99) * 500:,}".replace(",", " "),
                    first=rng.choice(FIRST_UZ if lang == "uz" else FIRST),
                    root=rng.choice(ROOTS) + rng.choice(["", "ж", "ал", "ид", "ан"]),
                    day=rng.randint(1, 28),
                    month_ru=rng.choice(MONTHS_RU),
                    month_uz=rng.choice(MONTHS_UZ),
                    d1=rng.randint(0, 9),
                    d2=f"{rng.randint(0, 99):02d}",
                    d3=f"{rng.randint(100, 999)}",
                    art=rng.randint(100, 360),
                    org=rng.choice(ORGS),
                )
            )
        rng.shuffle(parts)
        text = " ".join(parts)
        if text in seen:
            continue
        seen.add(text)
        channel = {"id": 1, "username": "bench", "category": "other", "country": row["country"]}
        posts.append({"schema": 1, "channel": channel, "message_id": len(posts), "date": row["date"], "text": text})
    return posts


def _langdetect(batch: list[dict[str, Any]]) -> None:
    from langdetect import DetectorFactory, detect_langs
    from langdetect.lang_detect_exception import LangDetectException

    DetectorFactory.seed = 0
    for record in batch:
        with contextlib.suppress(LangDetectException):
            detect_langs(record["text"])


def _rate(fn: Callable[[list[dict[str, Any]]], None], posts: list[dict[str, Any]], seconds: float) -> float:
    """Posts per CPU second: the posts once (cold), then again until ``seconds`` of CPU time."""
    done = 0
    start = time.process_time()
    while True:
        fn(posts)
        done += len(posts)
        elapsed = time.process_time() - start
        if elapsed >= seconds:
            return done / elapsed


def main(argv: list[str]) -> int:
    n = int(argv[argv.index("--posts") + 1]) if "--posts" in argv else 20_000
    seconds = float(argv[argv.index("--seconds") + 1]) if "--seconds" in argv else 5.0
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})  # one core
    posts = generate(2 * n)
    runs = [posts[:n], posts[n:]]  # each measurement starts on posts it has not seen
    enricher = pipeline.Enricher()

    def enrich_all(batch: list[dict[str, Any]]) -> None:
        for record in batch:
            enricher.enrich(record)

    # Compile the taxonomy and the entity lists for every language the posts come in (once per
    # process), on posts of their own, before timing.
    enrich_all(generate(2000, seed=99))
    with_entities = _rate(enrich_all, runs[0], seconds)
    real = pipeline.entities.extract
    pipeline.entities.extract = lambda *args, **kwargs: {}  # type: ignore[assignment]
    try:
        without = _rate(enrich_all, runs[1], seconds)
    finally:
        pipeline.entities.extract = real
    prepared = [entities.Post.of(p["text"], detect(p["text"])[0], entities.hints_of(p)) for p in generate(n, seed=16)]

    def extract_all(batch: list[Any]) -> None:
        for post in batch:
            entities.extract_post(post)

    alone = _rate(extract_all, prepared, seconds)
    russian = [p for p in prepared if p.lang == "ru"]
    gated = sum(person.ner.maybe_person(p.text) for p in russian)
    person.use_model("natasha")
    with_ner = _rate(enrich_all, generate(n, seed=17), seconds)
    person.use_model("off")
    langdetect = _rate(_langdetect, runs[0][:1000], seconds)

    print(f"{n} distinct generated posts per measurement, one core, >= {seconds:.0f} CPU s each")
    print("rates are posts per CPU second of this process (the machine is shared)")
    print(f"{'measurement':<52}{'posts/s':>10}{'x without':>11}")
    print(f"{'enrichment without entities (before)':<52}{without:>10.0f}{1.0:>11.2f}")
    print(f"{'enrichment with entities':<52}{with_entities:>10.0f}{with_entities / without:>11.2f}")
    print(f"{'entity extraction alone':<52}{alone:>10.0f}{alone / without:>11.2f}")
    print(f"{'enrichment with entities + natasha (gated)':<52}{with_ner:>10.0f}{with_ner / without:>11.2f}")
    print(f"{'langdetect alone (the machine yardstick)':<52}{langdetect:>10.0f}{langdetect / without:>11.2f}")
    print(f"natasha's cheap check passes {gated} of {len(russian)} Russian posts ({gated / max(1, len(russian)):.0%})")
    print(f"target (>= 3000 posts/s with entities): {'met' if with_entities >= 3000 else 'NOT met'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
