"""Language and script detection per language, on the UDHR dev set and on Telegram-style posts."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from enrich.evaluate import read_units
from enrich.language import Detection, detect

DATA = Path(__file__).resolve().parents[1] / "data"


@pytest.mark.parametrize(
    ("text", "lang", "script"),
    [
        ("Проверки прошли в трёх общежитиях на юге Москвы", "ru", "Cyrl"),
        ("Очередь в многофункциональном миграционном центре растёт (1234560)", "ru", "Cyrl"),
        ("Россия и Узбекистан договорились о новых авиарейсах Ташкент — Казань", "ru", "Cyrl"),
        ("New rules for labour migrants take effect in March (1234564)", "en", "Latn"),
        ("Верховна Рада ухвалила закон про мобілізацію", "uk", "Cyrl"),
        ("Ish haqi ikki oydan beri kechiktirilmoqda (1234561)", "uz", "Latn"),
        ("Oʻzbekiston fuqarolari uchun yangi qoidalar", "uz", "Latn"),
        ("O'zbekiston fuqarolari uchun yangi qoidalar", "uz", "Latn"),
        ("Иш ҳақи икки ойдан бери кечиктирилмоқда (1234562)", "uz", "Cyrl"),
        ("Еңбек мигранттары үшін жаңа ережелер (1234563)", "kk", "Cyrl"),
        ("Орусияда эмгек мигранттары үчүн жаңы эрежелер күчүнө кирди", "ky", "Cyrl"),
        ("Муҳоҷирони тоҷик дар Русия бояд патент гиранд", "tg", "Cyrl"),
        ("Мухочирони точик дар Маскав бояд патент гиранд", "tg", "Cyrl"),
        ("Rusya'daki Özbek göçmenler için yeni kurallar yürürlüğe girdi", "tr", "Latn"),
        ("امروز هوا در تهران آفتابی است", "fa", "Arab"),
    ],
)
def test_detects_language_and_script(text: str, lang: str, script: str) -> None:
    got = detect(text)
    assert (got.lang, got.script) == (lang, script)
    assert 0.0 < got.score <= 1.0


@pytest.mark.parametrize(
    "text", ["", "😂😂😂🔥", "https://t.me/migrant_news/555", "👍 12345", "@some_channel", "+7 999 000 11 22"]
)
def test_no_language_bearing_text_is_und(text: str) -> None:
    got = detect(text)
    assert got.lang == "und"
    assert got.score == 0.0


def test_detection_is_a_tuple_and_deterministic() -> None:
    text = "Кто знает, работает ли сегодня ММЦ?"
    lang, score, script = detect(text)
    assert isinstance(detect(text), Detection)
    assert all(detect(text) == (lang, score, script) for _ in range(5))


def _accuracy(path: Path) -> dict[tuple[str, str], float]:
    total: Counter[tuple[str, str]] = Counter()
    ok: Counter[tuple[str, str]] = Counter()
    for unit in read_units(path):
        total[unit.label, unit.kind] += 1
        ok[unit.label, unit.kind] += detect(unit.text).lang == unit.lang
    return {key: ok[key] / total[key] for key in total}


def test_udhr_dev_set_targets_per_label(realdata: Path) -> None:
    udhr = realdata.parent / "langid-udhr" / "units.tsv"  # the dev set lives beside the real data
    if not udhr.is_file():
        pytest.skip(f"the UDHR dev set is not at {udhr}")
    for (label, kind), accuracy in _accuracy(udhr).items():
        assert accuracy >= (0.99 if kind == "sentence" else 0.95), (label, kind, accuracy)


@pytest.mark.parametrize("name", ["enrich_posts.jsonl", "enrich_lang_posts.jsonl"])
def test_telegram_style_posts(name: str) -> None:
    results = _accuracy(DATA / name)
    for key, accuracy in results.items():
        assert accuracy >= 0.9, (key, accuracy)
    total = sum(1 for _ in read_units(DATA / name))
    correct = sum(detect(u.text).lang == u.lang for u in read_units(DATA / name))
    assert correct / total >= 0.98
