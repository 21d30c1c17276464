"""The analysis shared by the enricher and the search side: normalize, analyze, query_languages."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest

from enrich.analysis import analyze, normalize, query_languages, tokenize
from enrich.pipeline import enrich_record


def _shares_token(a: list[str], b: list[str]) -> bool:
    return bool(set(a) & set(b))


def test_contract_uzbek_query_meets_both_scripts() -> None:
    query = analyze("haqi", "uz")
    assert _shares_token(query, analyze("Ish haqi ikki oydan beri kechiktirilmoqda", "uz"))
    assert _shares_token(query, analyze("Иш ҳақи икки ойдан бери кечиктирилмоқда", "uz"))


def test_contract_russian_inflection_in_text_stem() -> None:
    post = enrich_record({"text": "Проверки прошли в трёх общежитиях на юге Москвы (1234565)"})
    assert post["lang"] == "ru"
    assert analyze("общежитие", "ru")[0] in post["text_stem"].split()
    assert post["text_stem"] == " ".join(analyze(post["text"], post["lang"]))


@pytest.mark.parametrize("variant", ["o‘g‘il", "oʻgʻil", "o'g'il", "o`g`il", "o’g’il", "Oʻgʻil", "ўғил", "ЎҒИЛ"])
def test_uzbek_apostrophes_and_scripts_meet(variant: str) -> None:
    assert normalize(variant, "uz") == "o'g'il"


def test_normalize_folds_case_width_yo_and_spaces() -> None:
    assert normalize("ЁЛКА  Ｍｏｓｃｏｗ\n\tёж") == "елка moscow еж"


def test_uzbek_transliteration_rules() -> None:
    # е is ye at a word start and after a vowel; ц is ts after a vowel; ъ is the apostrophe
    assert normalize("Европа поезд акция лицей маъно ёшлар", "uz") == "yevropa poyezd aksiya litsey ma'no yoshlar"


def test_other_languages_keep_their_script() -> None:
    assert normalize("Мигранттар үчүн", "ky") == "мигранттар үчүн"
    assert normalize("Мигранты", "ru") == "мигранты"


@pytest.mark.parametrize(
    ("lang", "forms"),
    [
        ("ru", ["мобилизация", "мобилизации", "мобилизацию", "мобилизацией"]),
        ("ru", ["повестка", "повестки", "повестку", "повесткой"]),
        ("uk", ["громадянство", "громадянства", "громадянству"]),
        ("en", ["migrant", "migrants", "migrant's"]),
        ("uz", ["fuqarolik", "fuqaroligini", "fuqaroligi", "фуқаролиги", "фуқаролигидан"]),
        ("uz", ["migrant", "migrantlar", "migrantlarning", "мигрантларга"]),
        ("kk", ["азаматтық", "азаматтығынан", "азаматтығын", "азаматтығы"]),
        ("kk", ["мигрант", "мигранттар", "мигранттарға", "мигранттардың"]),
        ("ky", ["жарандык", "жарандыгынан", "жарандыгын", "жарандыгы"]),
        ("ky", ["мыйзам", "мыйзамга", "мыйзамы", "мыйзамдар"]),
        ("tg", ["шаҳрвандӣ", "шаҳрвандии", "шаҳрвандиро", "шахрвандии"]),
        ("tg", ["муҳоҷир", "муҳоҷирон", "муҳоҷирони", "муҳоҷирҳо", "мухочирон"]),
    ],
)
def test_inflected_forms_share_one_stem(lang: str, forms: list[str]) -> None:
    stems = {tuple(analyze(form, lang)) for form in forms}
    assert len(stems) == 1, stems


def test_a_letter_without_a_unicode_name_keeps_its_word() -> None:
    # pymorphy3 looks up each letter's Unicode name, and Python's unicodedata has none for some (a Tangut
    # ideograph here): the Ukrainian lemmatizer raised ValueError, found by the query property test.
    assert analyze("громадянства \U00017000", "uk") == [*analyze("громадянство", "uk"), "\U00017000"]


def test_derivation_is_kept_apart_from_inflection() -> None:
    # citizenship is not citizen, in every Turkic language and Tajik
    assert analyze("fuqarolik", "uz") != analyze("fuqarolar", "uz")
    assert analyze("азаматтық", "kk") != analyze("азаматтары", "kk")
    assert analyze("жарандык", "ky") != analyze("жарандары", "ky")
    assert analyze("шаҳрвандӣ", "tg") != analyze("шаҳрванди", "tg")


def test_links_and_mentions_stay_out_of_the_stems() -> None:
    assert analyze("Patent narxi https://t.me/chan/5 @kanal", "uz") == ["patent", "narx"]


def test_unknown_language_keeps_normalized_words() -> None:
    assert analyze("Ünïcode 1234560", "und") == ["unicode", "1234560"]


def test_query_languages() -> None:
    assert query_languages("haqi", "uz") == ["uz"]
    assert query_languages("haqi", None) == ["en", "uz"]
    assert query_languages("общежитие", None) == ["ru", "uk", "kk", "ky", "tg", "uz"]
    assert query_languages("1234560", None) == ["und"]


# ---- diacritics ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "post"),
    [
        ("Sulayman", "Ruling on tasweer | Sheikh Sulaymān Ar-ruhaili"),
        ("kalam", "The book of Kalām and its people"),
        ("Sulaymān", "Sheikh Sulayman spoke"),  # the other direction: a marked query, a plain post
        ("Kalām", "He wrote on kalam and law"),
        ("Lodz", "Migrants in Łódź"),
        ("Thawri", "As Sufyān Ath-Thawrī said"),
    ],
)
def test_latin_diacritics_fold_both_ways(query: str, post: str) -> None:
    record = enrich_record({"text": post})
    assert record["lang"] == "en"
    assert set(analyze(query, "en")) <= set(record["text_stem"].split())
    assert normalize(query, "en") in record["text_norm"]  # wildcards and text_norm fold the same way


@pytest.mark.parametrize(
    ("lang", "word"),
    [
        ("kk", "әлеуметтік ғылым қазақ ңғ өмір ұлт үкімет һ ішкі"),
        ("ky", "мыйзам өлкө үчүн жаңы"),
        ("tg", "шаҳрвандӣ ғалаба қонун рӯз ҳуқуқ ҷумҳурӣ"),
        ("uk", "їжак європа ґанок йод"),
        ("ru", "йогурт"),
    ],
)
def test_letters_of_our_alphabets_are_not_diacritics(lang: str, word: str) -> None:
    assert normalize(word, lang) == word
    # typed with combining marks (и + U+0304, у + U+0306...) they are the same letters
    decomposed = unicodedata.normalize("NFD", word)
    assert normalize(decomposed, lang) == word


def test_uzbek_letters_and_scripts_survive_the_folding() -> None:
    assert normalize("Ўзбекистон ғалаба қилди ҳам", "uz") == "o'zbekiston g'alaba qildi ham"
    assert normalize("Ŏzbekiston ğalaba", "uz") == "o'zbekiston g'alaba"  # ŏ ğ typed for oʻ gʻ
    assert normalize("o´g´il", "uz") == "o'g'il"  # a spacing acute, which NFKC makes a combining one
    assert normalize("Ёшлар ёзди", "ru") == "ешлар езди"  # ё as today: е, but yo in Uzbek
    assert normalize("ёшлар", "uz") == "yoshlar"


def test_stray_combining_marks_go_but_cyrillic_letters_stay() -> None:
    assert normalize("Уда́рение и\u0306 е\u0308", "ru") == "ударение й е"
    assert normalize("Za\u0335\u0327lgo", "en") == "zalgo"


def test_turkish_is_stemmed_with_its_letters_then_folded() -> None:
    # the stemmer needs ğ (güvenliği -> güvenlik); the stem loses it like every other word
    assert analyze("güvenliği", "tr") == analyze("güvenlik", "tr") == ["guvenlik"]
    assert analyze("Şehirlerde", "tr") == ["sehir"]
    assert normalize("Şehirlerde", "tr") == "şehirlerde"  # text_norm keeps them, for wildcards


def test_surface_fast_path_gives_the_words_as_written(realdata: Path) -> None:
    """The words a topic matched, as the post writes them: the fast path (written words counted over the
    whole text) gives what the exact alignment (a run of non-space characters at a time) gives, or, where
    that one fell back to a whole run, the one word, which normalizes to the token."""
    from enrich.analysis import _spans, surface
    from enrich.language import detect
    from tests.support.distinct_corpus import generated, real

    texts = [r["text"] for r in generated(300, seed=7)] + real(realdata)[::4]
    checked = 0
    for text in texts:
        lang = detect(text).lang
        tokens = tokenize(normalize(text, lang))
        found, spans = _spans(text, lang)
        if found != tokens:
            continue
        words = surface(text, lang, tokens)
        for i in range(len(tokens)):
            exact = " ".join(text[spans[i][0] : spans[i][1]].split())
            fast = words(i, i + 1)
            assert fast == exact or tokenize(normalize(fast, lang)) == [tokens[i]], (text, i, fast, exact)
            checked += 1
    assert checked > 10_000
