"""Topic tagging: every topic in each language, inflected and in both Uzbek scripts; precision; the
taxonomy as user-editable data."""

from __future__ import annotations

from pathlib import Path

import pytest

from dozor.errors import ConfigError
from enrich import topics
from enrich.analysis import normalize, tokenize
from enrich.evaluate import read_units
from enrich.pipeline import Enricher, enrich_record
from enrich.stemming import stem_words

DATA = Path(__file__).resolve().parents[1] / "data"


def _topics(text: str) -> set[str]:
    return set(enrich_record({"text": text})["topics"])


CASES = {
    "mobilization": [
        "В Москве мужчинам вручают повестки у метро",
        "Военкоматы рассылают повестку через Госуслуги",
        "Draft notices are being handed out at metro stations",
        "ТЦК вручають повістки на блокпостах",
        "Harbiy komissariatdan chaqiruv qog'ozi kelmoqda",
        "Ҳарбий комиссариатдан чақирув қоғози келмоқда",
        "Әскери комиссариаттан шақыру қағазы келуде",
        "Аскердик комиссариаттан чакыруу кагазы келүүдө",
        "Аз комиссариати ҳарбӣ даъватнома меояд",
    ],
    "citizenship": [
        "Госдума упростила получение гражданства для соотечественников",
        "Kazakhstan eases the path to citizenship for ethnic Kazakhs",
        "Спрощено набуття громадянства для іноземців",
        "Rossiya fuqaroligini olish tartibi o'zgardi",
        "Россия фуқаролигини олиш тартиби ўзгарди",
        "Ресей азаматтығын алу тәртібі өзгерді",
        "Орусиянын жарандыгын алуу тартиби өзгөрдү",
        "Тартиби гирифтани шаҳрвандии Русия тағйир ёфт",
    ],
    "recruitment": [
        "Мигрантов вербуют на войну прямо в ММЦ",
        "Recruiters offer migrants money to sign army contracts",
        "Росія вербує мігрантів на війну",
        "Muhojirlarni shartnoma imzolashga majburlashmoqda",
        "Муҳожирларни шартнома имзолашга мажбурлашмоқда",
        "Келісімшартқа қол қойған шетелдіктерге ақша уәде етілуде",
        "Коргоо министрлиги менен келишимге кол койгондорго акча убада кылынууда",
        "Муҳоҷиронро ба артиш бо шартнома ҷалб мекунанд",
    ],
    "foreign_fighting": [
        "Суд приговорил наёмника к пяти годам",
        "Uzbek court sentences man for fighting as a mercenary",
        "Суд засудив найманця",
        "Xorijda yollanma sifatida jang qilgan fuqaro sudlandi",
        "Хорижда ёлланма сифатида жанг қилган фуқаро судланди",
        "Шетелде жалдамалы ретінде соғысқан азамат сотталды",
        "Чет өлкөдө жалданма катары согушкан жаран соттолду",
        "Барои зархаридӣ ба 12 сол маҳкум шуд",
    ],
    "migration": [
        "Мигранты стоят в очереди за патентом",
        "Labour migrants queue at the migration centre",
        "Після рейдів депортували трудових мігрантів",
        "Mehnat muhojirlari uchun patent narxi oshdi",
        "Меҳнат муҳожирлари учун патент нархи ошди",
        "Еңбек мигранттарына арналған патент қымбаттады",
        "Эмгек мигранттары үчүн патент кымбаттады",
        "Нархи патент барои муҳоҷирон боло меравад",
    ],
    "legislation": [
        "Госдума приняла законопроект в третьем чтении",
        "Parliament passed the bill in the third reading",
        "Верховна Рада ухвалила законопроект",
        "Oliy Majlis qonun loyihasini ma'qulladi",
        "Олий Мажлис қонун лойиҳасини маъқуллади",
        "Мәжіліс заң жобасын мақұлдады",
        "Жогорку Кеңеш мыйзам долбоорун кабыл алды",
        "Маҷлиси намояндагон лоиҳаи қонунро қабул кард",
    ],
    "human_rights": [
        "Правозащитники сообщают о пытках задержанных",
        "Rights groups say detained migrants were tortured",
        "Правозахисники повідомляють про катування",
        "Huquq himoyachilari kaltaklash holatlari haqida xabar berdi",
        "Ҳуқуқ ҳимоячилари калтаклаш ҳолатлари ҳақида хабар берди",
        "Құқық қорғаушылар азаптау фактілері туралы хабарлады",
        "Укук коргоочулар кыйноо фактылары тууралуу билдиришти",
        "Ҳомиёни ҳуқуқи башар дар бораи шиканҷа хабар доданд",
    ],
}


@pytest.mark.parametrize(("topic", "text"), [(t, text) for t, texts in CASES.items() for text in texts])
def test_topic_in_every_language(topic: str, text: str) -> None:
    assert topic in _topics(text)


def test_topic_hits_show_the_matched_terms() -> None:
    post = enrich_record({"text": "Rossiya fuqaroligini olish tartibi o'zgardi"})
    assert "citizenship" in post["topic_hits"]
    assert post["topic_hits"]["citizenship"]
    assert set(post["topics"]) == set(post["topic_hits"])


@pytest.mark.parametrize(
    ("text", "topic", "words"),
    [
        # the words as the post writes them (case, ё, script, apostrophe), not the taxonomy's patterns
        ("Госдума упростила получение «Гражданства» для соотечественников", "citizenship", ["Гражданства"]),
        ("Военкоматы рассылают повестку через Госуслуги", "mobilization", ["Военкоматы", "повестку"]),
        ("Россия фуқаролигини олиш тартиби ўзгарди", "citizenship", ["Россия фуқаролигини"]),
        ("Rossiya fuqaroligini olish tartibi o‘zgardi", "citizenship", ["Rossiya fuqaroligini"]),
        ("Смотрите:https://t.me/x/1 наёмника осудили", "foreign_fighting", ["наёмника", "осудили"]),
        ("Проблемы с получением\nвторого   паспорта", "citizenship", ["второго паспорта"]),  # spaces as one
        ("𝐂𝐢𝐭𝐢𝐳𝐞𝐧𝐬𝐡𝐢𝐩 rules for new arrivals", "citizenship", ["𝐂𝐢𝐭𝐢𝐳𝐞𝐧𝐬𝐡𝐢𝐩"]),  # NFKC: as written
        ("Гражданство: кому откажут в гражданстве", "citizenship", ["Гражданство"]),  # once, where first
    ],
)
def test_topic_hits_are_the_words_of_the_post(text: str, topic: str, words: list[str]) -> None:
    assert enrich_record({"text": text})["topic_hits"].get(topic) == words


@pytest.mark.parametrize(
    "text",
    [
        "Россия и Узбекистан договорились о новых авиарейсах Ташкент — Казань",
        "Погода в Москве: завтра до +5, без осадков",
        "Rossiyada ob-havo sovuq bo'ladi",
        "Russia and Kazakhstan discussed oil exports",
        "Курс рубля к суму на сегодня: 1 RUB = 135 UZS",
        "Мобильный телефон подешевел",
        "Задержка рейса Москва — Душанбе на три часа",
    ],
)
def test_no_topic_on_mere_mentions(text: str) -> None:
    assert _topics(text) == set()


def test_council_name_is_not_a_human_rights_report() -> None:
    assert "human_rights" not in _topics("Член Совета по правам человека предложил новые правила")


def test_one_word_counts_once_however_many_spellings_match() -> None:
    # "паспорт" is a weak citizenship term in several languages: one word is still half a point
    assert "citizenship" not in _topics("У людей отобрали паспорта")


def test_topic_set_on_the_sample_posts() -> None:
    enricher = Enricher()
    tp = fp = fn = 0
    for unit in read_units(DATA / "enrich_posts.jsonl"):
        assert unit.topics is not None
        got = set(enricher.fields(unit.text)["topics"])
        tp += len(got & unit.topics)
        fp += len(got - unit.topics)
        fn += len(unit.topics - got)
    assert 2 * tp / (2 * tp + fp + fn) >= 0.9


def test_user_taxonomy_adds_topics_terms_and_languages(tmp_path: Path) -> None:
    path = tmp_path / "taxonomy.yaml"
    path.write_text(
        """
version: 1
topics:
  housing:
    description: dormitories and rent
    terms:
      ru: [общежитие, съем* жиль*]
      de: [Wohnheim]
    weak:
      en: [rent]
    except:
      ru: [общежитие имени *]
""",
        encoding="utf-8",
    )
    enricher = Enricher(topics.load(path))
    assert enricher.fields("Проверки прошли в трёх общежитиях")["topics"] == ["housing"]
    assert enricher.fields("Проблемы со съёмом жилья")["topic_hits"] == {"housing": ["съёмом жилья"]}
    assert enricher.fields("Das Wohnheim in Berlin ist voll")["topics"] == ["housing"]
    assert enricher.fields("rent is high")["topics"] == []  # one weak term is half a point
    assert enricher.fields("Общежитие имени Ленина закрыто")["topics"] == []


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("topics: [", "not valid YAML"),
        ("topics:\n  x:\n    terms: {ru: ['']}\n", "empty term"),
        ("topics:\n  x:\n    colour: red\n", "colour"),
        ("version: 1\n", "topics"),
    ],
)
def test_bad_taxonomy_is_one_clear_error(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ConfigError, match=message):
        topics.load(path)


def test_missing_taxonomy_file() -> None:
    with pytest.raises(ConfigError, match="cannot read"):
        topics.load(Path("/nonexistent/taxonomy.yaml"))


def test_one_word_terms_of_a_topic_on_one_word_weigh_as_the_strongest_or_its_mask(tmp_path: Path) -> None:
    """The tagger folds the one-word terms a word matches into one per topic: a one-word mask hides
    the others on that word, else the strongest counts, once per word however it is spelled."""
    path = tmp_path / "taxonomy.yaml"
    path.write_text(
        """
topics:
  travel:
    terms: {en: [pass*, passenger]}
    weak: {en: [passenger, ticket]}
    except: {en: [passport]}
  papers:
    terms: {en: [passport]}
""",
        encoding="utf-8",
    )
    taxonomy = topics.load(path)

    def tag(text: str) -> dict[str, list[str]]:
        tokens = tokenize(normalize(text, "en"))
        return taxonomy.tag(tokens, stem_words(tokens, "en"), "en")

    assert tag("passport office") == {"papers": ["passport"]}  # the mask hides pass* on its word only
    assert tag("passport for a passenger") == {"travel": ["passenger"], "papers": ["passport"]}
    assert tag("passenger passengers") == {"travel": ["passenger"]}  # one stem counts once
    assert tag("ticket ticket") == {}  # a weak term, once: half a point
    assert tag("ticket passes") == {"travel": ["ticket", "passes"]}
