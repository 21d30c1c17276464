"""The fast paths of the text analysis give what the plain definitions give: tokenize a run at a time
(one regex over the text), fold without the unsafe-character scan (the scan first), Uzbek Cyrillic
to Latin a run at a time (the rules over the whole text), the written words of a phrase (the text
between its first and last word), stems looked up per distinct word (the stemmer word by word)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from enrich import stemming
from enrich.analysis import _TOKEN_RE, _URL_RE, normalize, surface, tokenize, tokenize_runs
from enrich.cleaning import safe
from enrich.normalize import _UZ_TABLE, fold, uz_to_latin
from enrich.suffixes import UZBEK
from tests.support.distinct_corpus import generated, real

TRICKY = [
    "«Повестка», — сказал он... (военкомат)!",
    "o‘zbek o'zbek o`zbek don't  м'ясо __init__ a_b 5°C 12% 2:1 ⚡️🇺🇿",
    "Смотри https://t.me/x и @user, www.Example.com/a — e-mail a@b.c",
    "x\x00y\x1cz\x85w\u00a0v\u200bu\ufdd0t\ud800s\ufffe\x7f",
    "Ё\u0308ж İstanbul ﬁnance ＭＯＳＣＯＷ\t\n\r  end ",
    '-- ... «» , ; "quoted" [br] „x“ …',
]


def _texts(realdata: Path) -> list[str]:
    return TRICKY + [r["text"] for r in generated(400, seed=3)] + real(realdata)[::20]


def test_tokenize_finds_what_one_regex_over_the_text_finds(realdata: Path) -> None:
    def reference(normalized: str) -> list[str]:
        return _TOKEN_RE.findall(_URL_RE.sub(" ", normalized))

    checked = 0
    for text in _texts(realdata):
        for lang in ("ru", "uz", "en", None):
            norm = normalize(text, lang)
            assert tokenize(norm) == reference(norm), (text, lang)
            assert tokenize(text) == reference(text), text  # not normalized: the same words
            checked += 1
    assert checked > 1_500


def test_fold_without_the_scan_is_fold_with_it(realdata: Path) -> None:
    def reference(text: str) -> str:
        text = unicodedata_nfkc(safe(text.replace("´", "'"))).casefold().replace("\u0307", "")
        text = re.sub(r"(?<=\w)[ʻʼ'`’‘´ʹ′ʽ](?=\w)", "'", text)
        return " ".join(text.split())

    for text in _texts(realdata):
        assert fold(text) == reference(text), text
    assert fold("a\x00b\x85c\ud800d") == "a b c d"


def unicodedata_nfkc(text: str) -> str:
    import unicodedata

    return unicodedata.normalize("NFKC", text)


def test_uzbek_cyrillic_to_latin_a_run_at_a_time_is_the_whole_text_rule() -> None:
    def reference(text: str) -> str:
        text = re.sub(r"(?<![^\W\d_])е|(?<=[аеёиоуэюяўъь])е", "ye", text)
        text = re.sub(r"(?<=[аеёиоуэюяў])ц", "ts", text)
        text = re.sub(r"(?<![^\W\d_])ъ", "", text)
        return text.translate(_UZ_TABLE)

    texts = [fold(r["text"]) for r in generated(600, seed=5)]
    texts += ["ер 1ер -ер «ер» аел бел цех аца ъэ съезд маъно  two\nlines ер", "е", "ъ", " е ", ""]
    cyrillic = [t for t in texts if re.search("[а-я]", t)]
    assert len(cyrillic) > 100
    for text in cyrillic:
        assert uz_to_latin(text) == reference(text), text
        assert uz_to_latin(text) == reference(text)  # again, from the runs it knows now


@pytest.mark.parametrize(
    ("text", "start", "end", "written"),
    [
        ("Военный — учёт: повестка", 0, 2, "Военный — учёт"),
        ("Военный — учёт: https://t.me/x повестка", 1, 3, "учёт: https://t.me/x повестка"),
        ("«Паспорта РФ»  выдают", 0, 2, "Паспорта РФ"),
        ("гражданства-РФ и\n\nO‘zbekiston fuqaroligi", 0, 2, "гражданства-РФ"),
        ("гражданства-РФ и\n\nO‘zbekiston fuqaroligi", 1, 4, "РФ и O‘zbekiston"),
        ("⚡️ (срочная) служба!!", 0, 2, "срочная) служба"),
    ],
)
def test_a_phrase_is_written_as_the_text_has_it(text: str, start: int, end: int, written: str) -> None:
    lang = "uz" if "O‘z" in text else "ru"
    tokens = tokenize(normalize(text, lang))
    assert surface(text, lang, tokens)(start, end) == written


@pytest.mark.parametrize("lang", ["ru", "uz", "en", "tr"])
def test_stems_per_distinct_word_are_the_stemmers(lang: str, monkeypatch: pytest.MonkeyPatch) -> None:
    words = tokenize(normalize("Граждане гражданства Гражданство fuqaroligini fuqarolik citizens güvenliği " * 3, lang))
    one_by_one = [stemming.stem_words([w], lang)[0] for w in words]
    assert stemming.stem_words(words, lang) == one_by_one
    if lang == "uz":
        assert one_by_one[3] == UZBEK.stem("fuqaroligini")
    monkeypatch.setattr(stemming, "_STEMS", {})
    monkeypatch.setattr(stemming, "_CACHE", len(set(words)) + 1)
    stemming.stem_words(["alpha", "beta"], lang)
    # more distinct words than the cache holds: it starts over with this post's words
    assert stemming.stem_words(words, lang) == one_by_one
    assert len(stemming._STEMS[lang]) == len(set(words))


def test_tokenize_runs_finds_the_words_tokenize_finds(realdata: Path) -> None:
    checked = 0
    for text in _texts(realdata):
        for lang in ("ru", "uz", None):
            norm = normalize(text, lang)
            tokens, odd = tokenize_runs(norm)
            assert tokens == tokenize(norm), (text, lang)
            # the runs that do not hold one word each account for every run the text has beyond its words
            assert len(tokens) - sum(count - 1 for _, count in odd) == len(norm.split()), (text, lang)
            checked += 1
    assert checked > 1_000


def test_surface_from_the_runs_is_surface_from_the_whole_text(realdata: Path) -> None:
    """Given what tokenize_runs says of the runs, surface finds each word and phrase (up to three words,
    what topic terms have) as it finds them reading the whole text."""
    texts = [*_texts(realdata), "См. https://t.me/x #Гражданство, «Паспорта РФ»: 154-moddasiga @user (срочная) служба"]
    checked = 0
    for text in texts:
        for lang in ("ru", "uz", "en"):
            tokens, odd = tokenize_runs(normalize(text, lang))
            from_runs = surface(text, lang, tokens, odd)
            whole = surface(text, lang, tokens)
            for size in (1, 2, 3):
                for start in range(0, len(tokens) - size + 1):
                    assert from_runs(start, start + size) == whole(start, start + size), (text, lang, start, size)
                    checked += 1
    assert checked > 50_000
