"""Language on real text (the cases real channels showed, the real set in ../shared) and an enricher
that takes any Unicode string: NUL, controls, lone surrogates, noncharacters."""

from __future__ import annotations

import io
import json
import re
from collections import Counter
from pathlib import Path

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dozor.stream import Message
from enrich import function_words
from enrich.cleaning import for_detection
from enrich.evaluate import read_units
from enrich.language import detect
from enrich.offline import enrich_lines
from enrich.pipeline import Enricher, enrich_record
from enrich.stage import make_stage


@pytest.mark.parametrize(
    ("text", "lang", "script"),
    [
        # short Russian posts and film titles that came out uk or tg
        ("Жарко. Пью холодненький пивась.", "ru", "Cyrl"),
        ("В сеть слили тот самый 2й раунд Нокту…", "ru", "Cyrl"),
        ("ТАБАК ПЕРЕНОЧУЕТ", "ru", "Cyrl"),
        ("Ип Ман (2008) Оценка Пачума: 8,5/10 #КиноСтрим", "ru", "Cyrl"),
        ("Мантикора (2011) 🤪 - 3,5/10 📹 ТВИЧ | 💳 БУСТИ | 💬 ТЕЛЕГА #КиноСтрим", "ru", "Cyrl"),
        ("Человек-паук: Через вселенные (2018) Оценка Пачума: 8,5/10", "ru", "Cyrl"),
        # Latin names in a Russian post
        ("Играем в Elden Ring #1 #EldenRing", "ru", "Cyrl"),
        ("ПРОХОДИМ DARK SOULS 3 #1 #DarkSouls3", "ru", "Cyrl"),
        ("The Life and Suffering of Sir Brante или Жизнь и Страдания Виталика Бранте", "ru", "Cyrl"),
        # ... but a Russian name in an Uzbek sentence leaves it Uzbek
        ("Toshkentda «Миграционный центр» yangi filiali ochildi", "uz", "Latn"),
        # an English contraction is no Uzbek apostrophe letter
        ("Chicago's a big area.", "en", "Latn"),
        # mathematical bold letters are letters
        ("𝐓𝐡𝐢𝐬 𝐇𝐞𝐚𝐭 𝐈𝐬 𝐀 𝐑𝐞𝐦𝐢𝐧𝐝𝐞𝐫 Shaykh Sa’d al-Shithri حفظه الله", "en", "Latn"),
        # markup, links, addresses and mentions say nothing about the language
        ('<div class="text"><span style="font-weight:bold">Новые правила</span> для мигрантов</div>', "ru", "Cyrl"),
        ("Пишите: info@migrant-help.org, @migrant_help_bot, https://t.me/migrant_help/12 — ответим", "ru", "Cyrl"),
        # an English post quoting Arabic is English
        ("Stop complaining to the people! As Sufyān Ath-Thawrī said: حَدَّثَنَا أَحْمَدُ، نَا إِبْرَاهِيمُ", "en", "Latn"),
        # Ukrainian without і ї є ґ: its function words, its dictionary
        ("Що робити?", "uk", "Cyrl"),
        ("Суд засудив найманця", "uk", "Cyrl"),
    ],
)
def test_real_post_cases(text: str, lang: str, script: str) -> None:
    got = detect(text)
    assert (got.lang, got.script) == (lang, script)


def test_real_texts_per_language(realdata: Path) -> None:
    total: Counter[str] = Counter()
    correct: Counter[str] = Counter()
    for line in (realdata / "lang.jsonl").read_text(encoding="utf-8").splitlines():
        obj = json.loads(line)
        total[obj["gold"]] += 1
        correct[obj["gold"]] += detect(obj["text"]).lang == obj["gold"]
    assert sum(correct.values()) / sum(total.values()) >= 0.99
    for lang in total:
        assert correct[lang] / total[lang] >= 0.97, (lang, correct[lang], total[lang])


# ---- any Unicode ---------------------------------------------------------------------------------


def test_a_nul_in_a_post_is_enriched_and_kept_in_text() -> None:
    text = "Мигранты\x00 стоят в очереди за патентом\x00"
    record = enrich_record({"text": text})
    assert record["text"] == text  # as posted
    assert (record["lang"], record["script"]) == ("ru", "Cyrl")
    assert "\x00" not in record["text_norm"] + record["text_stem"]
    assert "патент" in record["text_stem"].split()


@pytest.mark.parametrize(
    "text",
    [
        "\x00",
        "abc\x00def hello world",
        "a\x0bb\x0cc\x1c\x7f\x80\x9f",
        "hi \ud800 there \udfff friends of mine",
        "ok \ufffe \uffff \ufdd0 \U0001fffe \U0010ffff",
        "&#0; &#xd800; <b>\x00</b>",
        "Э̷̡̛͖͙̜̠̩͔͊́̈͋̈́̒́̈̇͝ͅт̸̱̹̉̂̄̅͊͆̀̔̍̚о",
    ],
)
def test_controls_surrogates_and_noncharacters_never_raise(text: str) -> None:
    fields = Enricher().fields(text)
    orjson.dumps(fields)  # what the stage writes: valid UTF-8, no surrogates left in derived fields


def test_every_code_point_enriches() -> None:
    enricher = Enricher()
    for start in range(0, 0x110000, 8192):
        text = "".join(map(chr, range(start, min(start + 8192, 0x110000))))
        orjson.dumps(enricher.fields(text))


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(codec=None, categories=None), max_size=300))
def test_any_string_enriches(text: str) -> None:
    orjson.dumps(Enricher().fields(text))


def test_stage_enriches_a_post_with_nul_instead_of_dead_lettering_it(caplog: pytest.LogCaptureFixture) -> None:
    record = {"schema": 1, "channel": {"id": 7, "username": "c"}, "message_id": 1, "text": "Привет\x00 всем"}
    message = Message(value=json.dumps(record).encode(), topic="posts.raw", offset=0)
    result = make_stage(Enricher())([message])
    assert not result.rejected
    assert [json.loads(out.value)["text"] for out in result.outputs] == ["Привет\x00 всем"]
    assert "Traceback" not in caplog.text


def test_stage_dead_letters_a_lone_surrogate_in_text_with_one_line(caplog: pytest.LogCaptureFixture) -> None:
    # escaped in JSON a lone surrogate is valid input, but no UTF-8 output can carry it
    record = {"schema": 1, "channel": {"id": 7, "username": "c"}, "message_id": 2, "text": "Привет \ud800 всем"}
    message = Message(value=json.dumps(record).encode(), topic="posts.raw", offset=0)
    result = make_stage(Enricher())([message])
    assert not result.outputs
    assert [len(r.reason.splitlines()) for r in result.rejected] == [1]
    assert "surrogate" in result.rejected[0].reason
    assert "Traceback" not in caplog.text


def test_offline_enrich_takes_a_nul_and_reports_a_lone_surrogate_on_its_line() -> None:
    lines = [json.dumps({"text": "Мигранты\x00 стоят в очереди"}), json.dumps({"text": "hi \ud800 there"})]
    sink, errors = io.BytesIO(), io.StringIO()
    stats = enrich_lines(io.BytesIO("\n".join(lines).encode()), sink, Enricher(), errors)
    assert (stats.enriched, stats.bad) == (1, 1)
    assert json.loads(sink.getvalue())["text"] == "Мигранты\x00 стоят в очереди"
    assert errors.getvalue().startswith("dozor: enrich: line 2: ") and len(errors.getvalue().splitlines()) == 1


_DIGIT_RUN_RE = re.compile(r"(?<![\w-])[\w-]*\d[\w-]*")  # the definition of a run with a digit


@pytest.mark.parametrize(
    "text",
    ["GTA5 и 2й уровень", "13-й этаж, COVID-19", "a1-b2 c", "(2011) Мантикора", "9", "ab1cd2ef gh", "x-1 -2- y"],
)
def test_runs_with_a_digit_leave_detection_as_one_space_each(text: str) -> None:
    assert for_detection(text) == _DIGIT_RUN_RE.sub(" ", text)


def test_function_words_of_a_prepared_text_are_those_of_the_folded_text() -> None:
    data = Path(__file__).resolve().parents[1] / "data"
    texts = [
        unit.text for name in ("enrich_posts.jsonl", "enrich_lang_posts.jsonl") for unit in read_units(data / name)
    ]
    texts += ["Oʻzbekiston bo‘ladi İstanbul ´ O`zbek", "ВСЁ ЕЩЁ  ТАК\tи не\u00a0ясно"]
    for text in texts:
        body = for_detection(text)
        assert function_words.votes(body, prepared=True) == function_words.votes(body), text
