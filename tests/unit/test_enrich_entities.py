"""Entity extraction and normalization (enrich.entities): the forms each kind is written in, across
languages and scripts; the quality targets of issue 15 on the hand-labelled set."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from dozor.errors import ConfigError
from enrich.entities import Hints, extract, use_model
from enrich.entities.evaluate import GROUPS, load, score
from enrich.entities.gazetteer import combined, parse
from enrich.entities.post import Post
from enrich.entities.search import query
from enrich.pipeline import Enricher
from search.query import compile_query

GOLD = Path(__file__).resolve().parents[1] / "data" / "entities_gold.jsonl"
POSTED = Hints(date(2026, 11, 20), None)


def kind(text: str, lang: str, what: str, hints: Hints = POSTED) -> list[str]:
    return extract(text, lang, hints).get(what, [])


@pytest.mark.parametrize(
    ("text", "lang", "expected"),
    [
        ("Осуждён по ч. 3 ст. 359 УК РФ.", "ru", ["359 УК РФ"]),
        ("Статья 6 Федерального закона № 53-ФЗ «О воинской обязанности»", "ru", ["53-ФЗ ст.6"]),
        ("Федеральный закон от 25.07.2002 № 115-ФЗ изменён", "ru", ["115-ФЗ"]),
        ("штраф по ч. 1 ст. 18.8 КоАП", "ru", ["18.8 КоАП РФ"]),
        ("дали 5 лет по ст. 154 УК Республики Узбекистан", "ru", ["154 УК РУз"]),
        ("Жиноят кодексининг 154-моддаси бўйича", "uz", ["154 УК РУз"]),
        ("Jinoyat kodeksining 154-moddasi bo'yicha", "uz", ["154 УК РУз"]),
        ("yollanmachilik uchun 154-modda", "uz", ["154"]),
        ("Rossiya Federatsiyasi Jinoyat kodeksining 359-moddasi", "uz", ["359 УК РФ"]),
        ("Қылмыстық кодексінің 170-бабы бойынша", "kk", ["170 УК РК"]),
        ("Кылмыш-жаза кодексинин 375-беренеси боюнча", "ky", ["375 УК КР"]),
        ("тибқи моддаи 401 Кодекси ҷиноятии Ҷумҳурии Тоҷикистон", "tg", ["401 УК РТ"]),
        ("under Article 322.1 of the Russian Criminal Code", "en", ["322.1 УК РФ"]),
        ("В статье 2 говорится о правах.", "ru", ["2"]),
        # a country elsewhere in the sentence is where it happened, not whose code it is
        ("Rossiyada ushlangan fuqaro JKning 154-moddasi bilan qamaldi.", "uz", ["154 УК РУз"]),
        ("Ресейде ұсталған азамат Қылмыстық кодексінің 170-бабы бойынша сотталды.", "kk", ["170 УК РК"]),
        ("тибқи моддаи 401 Кодекси ҷиноятӣ ҷавонеро, ки дар Русия буд, маҳкум кард", "tg", ["401 УК РТ"]),
        ("Жиноят-процессуал кодексининг 221-моддаси тартибида", "uz", ["221 УПК РУз"]),
    ],
)
def test_law_articles(text: str, lang: str, expected: list[str]) -> None:
    assert kind(text, lang, "law") == expected


@pytest.mark.parametrize(
    ("text", "lang", "expected"),
    [
        ("штраф 1,5 млн рублей", "ru", ["1500000 RUB"]),
        ("от 2 до 5 тыс. рублей", "ru", ["2000 RUB", "5000 RUB"]),
        ("патент 9 600 ₽ в месяц", "ru", ["9600 RUB"]),
        ("200 000 сум", "ru", ["200000 UZS"]),
        ("jarima 1 mln 650 ming so'm", "uz", ["1650000 UZS"]),
        ("3 миллион 300 минг сўм", "uz", ["3300000 UZS"]),
        ("2500 сомонӣ", "tg", ["2500 TJS"]),
        ("айыппұл 100 мың теңге", "kk", ["100000 KZT"]),
        ("айлыгы 45 000 сом", "ky", ["45000 KGS"]),
        ("билеты выросли до $350", "ru", ["350 USD"]),
        ("fell to $2.1 billion", "en", ["2100000000 USD"]),
        ("fines of up to 7,000 rubles", "en", ["7000 RUB"]),
        ("оплата 5000 за смену, 200 человек, 12%", "ru", []),
        ("оставлял по 2-3$ на чай", "ru", ["2 USD", "3 USD"]),
        ("жан басына 2370 АҚШ долларына тең", "kk", ["2370 USD"]),
        ("лише через 200 р. після його смерті", "uk", []),  # Ukrainian р. is a year
    ],
)
def test_money(text: str, lang: str, expected: list[str]) -> None:
    assert kind(text, lang, "money") == expected


@pytest.mark.parametrize(
    ("text", "country", "expected"),
    [
        ("звоните 8 (916) 123-45-67", "RU", ["+79161234567"]),
        ("горячая линия 8-800-100-12-34", None, ["+78001001234"]),
        ("raqam: 90 123 45 67", "UZ", ["+998901234567"]),  # no country code: the channel's country
        ("тел. 0555 12 34 56", "KG", ["+996555123456"]),
        ("рақами кӯмак: 93 500 40 30", "TJ", ["+992935004030"]),
        ("Тамос: +7 922 111 22 33", "TJ", ["+79221112233"]),
        ("штраф 800 000 рублей, 2025-2026 годы, 25.07.2002, 1008", "RU", []),
        ("в 2013-2014 2 миллиона метров жилья", "TJ", []),  # a count after a year range
    ],
)
def test_phones_in_e164_with_the_channel_country(text: str, country: str | None, expected: list[str]) -> None:
    assert kind(text, "ru", "phone", Hints(date(2026, 11, 20), country)) == expected


@pytest.mark.parametrize(
    ("text", "lang", "expected"),
    [
        ("продлить до 1 января", "ru", ["2027-01-01"]),  # posted in November: next January
        ("задержаны 15 ноября", "ru", ["2026-11-15"]),
        ("до 15.12.2026, иначе штраф", "ru", ["2026-12-15"]),
        ("С 1 по 15 декабря пройдёт рейд", "ru", ["2026-12-01", "2026-12-15"]),
        ("barcha migrantlar 1-yanvargacha", "uz", ["2027-01-01"]),
        ("2027-йил 1-январгача", "uz", ["2027-01-01"]),
        ("1 желтоқсанға дейін", "kk", ["2026-12-01"]),
        ("1-декабрга чейин", "ky", ["2026-12-01"]),
        ("то 1 декабр", "tg", ["2026-12-01"]),
        ("register by December 15", "en", ["2026-12-15"]),
        ("launched on the 14th of August, 2013", "en", ["2013-08-14"]),
        ("перезаливы стримов от 15 и 17 октября", "ru", ["2026-10-15", "2026-10-17"]),
        ("https://news.example/2017-12-12/story", "en", []),  # a date in a link is part of an address
        ("в 2027 году, 18 лет, с 9:00 до 18:00, в течение 30 дней, 10 oyida", "ru", []),
    ],
)
def test_dates_take_the_year_nearest_the_post(text: str, lang: str, expected: list[str]) -> None:
    assert kind(text, lang, "date") == expected


@pytest.mark.parametrize(
    ("text", "lang", "expected"),
    [
        ("очереди в ММЦ Сахарово", "ru", ["Сахарово"]),
        ("Sahrovoda emas, Saxarovodagi markazda", "uz", ["Сахарово"]),
        ("в Нижнем Новгороде и Ростове-на-Дону", "ru", ["Нижний Новгород", "Ростов-на-Дону"]),
        ("Тошкент шаҳрида", "uz", ["Ташкент"]),
        ("Toshkent shahrida", "uz", ["Ташкент"]),
        ("Мәскеуде жұмыс", "kk", ["Москва"]),
        ("Дар Маскав ва Хуҷанд", "tg", ["Москва", "Худжанд"]),
        ("в Подмосковье и Ленобласти", "ru", ["Ленинградская область", "Московская область"]),
        ("граждане Кыргызстана в Татарстане", "ru", ["Кыргызстан", "Татарстан"]),
        ("МВД Казахстана сообщило", "ru", []),  # a country in an office's name is no place
        ("o'zbekistonlik va kyrgyzstanlik migrantlar", "uz", []),  # a people is no place
        ("osh va palov", "uz", []),  # Uzbek "osh" is pilaf, not the city of Ош
    ],
)
def test_places_in_any_inflection_and_script(text: str, lang: str, expected: list[str]) -> None:
    assert kind(text, lang, "place") == expected


@pytest.mark.parametrize(
    ("text", "lang", "expected"),
    [
        ("ГУВМ МВД России разъясняет", "ru", ["ГУВМ МВД"]),
        ("Тверского районного суда Москвы", "ru", ["Тверской районный суд"]),
        ("Ichki ishlar vazirligi xabariga ko'ra", "uz", ["МВД Узбекистана"]),
        ("Россия ИИВга нота", "uz", ["МВД"]),
        ("harbiy komissariatga boring", "uz", ["военкомат"]),
        ("Сафорати Тоҷикистон дар Маскав", "tg", ["Посольство Таджикистана"]),
        ("Москвадагы Кыргызстандын элчилиги", "ky", ["Посольство Кыргызстана"]),
        ("ск по Москве", "ru", []),  # СК must be written in capitals
    ],
)
def test_organisations(text: str, lang: str, expected: list[str]) -> None:
    assert kind(text, lang, "org") == expected


@pytest.mark.parametrize(
    ("text", "lang", "expected"),
    [
        ("приговор Алишеру Каримову и Ирине Бирюковой", "ru", ["Алишер Каримов", "Ирина Бирюкова"]),
        ("Глава МВД Колокольцев заявил", "ru", ["Владимир Колокольцев"]),  # the list's canonical name
        ("Prezident Shavkat Mirziyoyev farmon imzoladi", "uz", ["Шавкат Мирзиёев"]),
        ("Бакыт Осмоновдун ишин", "ky", ["Бакыт Осмонов"]),
        ("парвандаи Фарҳод Раҳимовро", "tg", ["Фарҳод Раҳимов"]),
        ("Тел: +7 912 345 67 89, Азамат.", "ky", ["Азамат"]),
        ("Азамат Сапаров и Сапаров", "ru", ["Азамат Сапаров"]),
        ("Жителю Ростова и Москвы", "ru", []),
    ],
)
def test_people(text: str, lang: str, expected: list[str]) -> None:
    assert kind(text, lang, "person") == expected


def test_natasha_loads_offline_and_names_come_out_in_the_nominative() -> None:
    use_model("natasha")
    try:
        found = kind("Адвокат Ботиржон Асадов защищал Гулю Тимурову в суде.", "ru", "person")
    finally:
        use_model("off")
    assert "Ботиржон Асадов" in found


def test_a_name_with_a_letter_unicodedata_cannot_name_is_kept() -> None:
    from enrich.entities.ner import _nominative

    assert _nominative("\U00017000", None) == "\U00017000"  # pymorphy3 raised ValueError


def test_output_is_sorted_unique_per_kind_with_links_mentions_hashtags() -> None:
    text = "Москва, Москве, #патент @migrant_help https://t.me/x/1 +7 916 123-45-67 и 8 916 123 45 67"
    assert extract(text, "ru", POSTED) == {
        "place": ["Москва"],
        "phone": ["+79161234567"],
        "hashtag": ["патент"],
        "mention": ["migrant_help"],
        "link": ["https://t.me/x/1"],
    }


def test_a_bad_list_fails_naming_the_entry() -> None:
    with pytest.raises(ConfigError, match=r"Москва\.ru: expected a list of names"):
        parse("Москва: {ru: Москва}", "place", "places.yaml")


def test_query_values_are_read_like_the_stored_ones() -> None:
    assert query("place", "entities.place", "Toshkent") == {
        "term": {"entities.place": {"value": "Ташкент", "case_insensitive": True}}
    }
    law = compile_query('law:"359 УК"')["bool"]["should"]
    assert {"prefix": {"entities.law": "359 УК "}} in law
    assert compile_query("phone:89161234567") == {"term": {"entities.phone": "+79161234567"}}
    assert compile_query("deadline:2027-01-01")["range"]["entities.date"]["gte"] == "2027-01-01||/d"


def test_post_words_line_up_with_their_places() -> None:
    post = Post.of("Ёлка в Москве @news https://t.me/a", "ru")
    assert post.tokens == ["елка", "в", "москве"]
    assert [post.norm[s:e] for s, e in post.spans] == post.tokens
    assert post.written == ["Ёлка", "в", "Москве"]


# ---- quality on the hand-labelled set (tests/data/entities_gold.jsonl) --------------------------

EXACT = ("law", "money", "phone", "date")
NAMES_F1 = {"ru": 0.75, "turkic+tg": 0.60}


def test_gold_set_meets_the_issue_targets() -> None:
    """On the whole set; the held-out third alone is reported in docs/entities.md (it was looked at
    once, after the extractors were done, and is too small per kind to assert on its own)."""
    rows = load(GOLD)
    assert len(rows) >= 200
    counts, errors = score(rows)
    for k in EXACT:
        c = counts[("all", k)]
        assert c.precision >= 0.90 and c.recall >= 0.85, (k, c, errors)
    for group, target in NAMES_F1.items():
        for k in ("person", "org", "place"):
            assert counts[(group, k)].f1 >= target, (group, k, counts[(group, k)], errors)


def test_gold_set_covers_every_language_and_kind() -> None:
    rows = load(GOLD)
    assert {r["lang"] for r in rows} == set(GROUPS)
    assert {k for r in rows for k in r["gold"]} >= {"law", "money", "phone", "date", "place", "org", "person"}
    assert len({r["text"] for r in rows}) == len(rows)


def test_the_enricher_compiles_every_name_list_at_start() -> None:
    enricher = Enricher()
    enricher.load_models()  # what a service does before its first post
    assert {"ru", "uz", "kk", "ky", "tg", "en"} <= enricher.taxonomy.languages
    assert enricher.taxonomy.languages | combined().languages <= combined().compiled
