"""User text on the web UI's pages, without services: hidden characters marked, direction isolated,
counts in words (CLDR plurals), alert summaries in the reader's language, matched words."""

from __future__ import annotations

from typing import Any

import pytest

from dozor.errors import ConfigError
from enrich import topics
from search.settings import SearchSettings
from surfaces.app import create_app
from surfaces.web.alert_view import summary
from surfaces.web.i18n import Translator
from surfaces.web.posts import matched_words
from surfaces.web.render import highlight
from surfaces.web.text import hidden_in, isolated, reveal

RLO, ZWSP, ZWJ, ZWNJ = "\u202e", "\u200b", "\u200d", "\u200c"


def test_hidden_characters_are_marked_and_kept() -> None:
    html = str(reveal(f"счёт{RLO}gpj.exe <b>"))
    assert html.startswith('счёт<span class="hc bidi" data-cp="U+202E" data-label="RLO"')
    assert 'title="U+202E RIGHT-TO-LEFT OVERRIDE">\u202e</span>gpj.exe &lt;b&gt;' in html  # the character stays
    assert 'data-cp="U+200B"' in str(reveal(f"мо{ZWSP}билизация"))
    assert 'data-cp="U+200C"' in str(reveal(f"mobili{ZWNJ}zatsiya"))  # splits a Latin word: marked


def test_joiners_that_shape_emoji_or_scripts_are_left_alone() -> None:
    family = f"👨{ZWJ}👩{ZWJ}👧"
    assert str(reveal(family)) == family
    assert str(reveal(f"می{ZWNJ}خواهم")) == f"می{ZWNJ}خواهم"  # Persian: a joiner is spelling
    flag = "🏴\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f"  # Scotland's flag
    assert str(reveal(flag)) == flag


def test_tag_characters_are_one_marker_naming_what_they_hide() -> None:
    html = str(reveal("ok\U000e0068\U000e0069"))
    assert html.count('class="hc"') == 1 and "hidden text: &#39;hi&#39;" in html


def test_the_legend_lists_each_hidden_character_once() -> None:
    found = hidden_in(f"a{RLO}b{RLO}", f"c{ZWSP}d", None)
    assert [(h.code, h.label, h.bidi) for h in found] == [("U+200B", "ZWSP", False), ("U+202E", "RLO", True)]


def test_highlighted_snippets_mark_hidden_characters_too() -> None:
    html = str(highlight(f"<mark>мо{ZWSP}билизация</mark> {RLO}x"))
    assert html.startswith('<mark>мо<span class="hc" data-cp="U+200B"') and 'data-cp="U+202E"' in html


def test_plain_text_titles_are_isolated() -> None:
    assert isolated(f"a{RLO}b") == f"\u2068a{RLO}b\u2069"


@pytest.mark.parametrize(
    ("n", "en", "ru"),
    [
        (0, "0 posts", "0 постов"),
        (1, "1 post", "1 пост"),
        (2, "2 posts", "2 поста"),
        (5, "5 posts", "5 постов"),
        (11, "11 posts", "11 постов"),
        (21, "21 posts", "21 пост"),
        (24, "24 posts", "24 поста"),
        (111, "111 posts", "111 постов"),
        (1001, "1,001 posts", "1\xa0001 пост"),
    ],
)
def test_counts_take_the_plural_form_of_their_language(n: int, en: str, ru: str) -> None:
    assert Translator("en").count("posts", n) == en
    assert Translator("ru").count("posts", n) == ru


def test_topics_and_categories_are_named_in_the_readers_language() -> None:
    taxonomy = topics.default()
    assert Translator("ru", taxonomy.label).topic("citizenship") == "Гражданство"
    assert Translator("en", taxonomy.label).topic("human_rights") == "Human rights"
    assert Translator("ru", taxonomy.label).topic("unknown_topic") == "unknown_topic"
    assert Translator("ru").category("migrant_community") == "сообщество мигрантов"


CHANNEL = {"id": 5, "username": "probe", "title": f"Новости {RLO}здоровья"}


def _alert(kind: str, post: dict[str, Any] | None = None, **details: Any) -> dict[str, Any]:
    body = {"summary": "stored English summary", "post": post, "details": details, "type": kind}
    return {"rule": "watch", "type": kind, "alert": body}


def test_alert_summaries_in_russian_with_the_channel_isolated() -> None:
    t = Translator("ru")
    html = str(summary(t, _alert("match", {"channel": CHANNEL, "message_id": 9})))
    assert html.startswith('Новый пост в канале <bdi>Новости <span class="hc bidi" data-cp="U+202E"')
    assert html.endswith("(<bdi>@probe</bdi>) подходит под правило <bdi>watch</bdi>")
    deleted = _alert("official_change", {"channel": CHANNEL, "message_id": 9}, event="delete")
    assert "удалил пост 9" in str(summary(t, deleted))
    frequency = _alert("frequency", count=21, window="6h", threshold=20)
    assert str(summary(t, frequency)) == "21 пост по правилу <bdi>watch</bdi> за 6 часов (порог 20)"
    flatline = _alert("flatline", channel=CHANNEL, silent_s=3 * 86400, usual_gap_s=7200)
    assert str(summary(t, flatline)).endswith("молчит уже 3 дня (обычно пост каждые 2 часа); возможно, сбор прервался")


def test_an_alert_of_an_unknown_shape_keeps_its_stored_summary() -> None:
    assert str(summary(Translator("ru"), _alert("new_kind"))) == "<bdi>stored English summary</bdi>"
    assert "stored" in str(summary(Translator("en"), _alert("frequency", count=3)))  # no window: as stored


def test_matched_words_of_an_older_record_are_found_again_in_its_text() -> None:
    text = "Госдума упростила получение Гражданства для соотечественников"
    new = {"text": text, "lang": "ru", "topic_hits": {"citizenship": ["Гражданства"]}}
    assert matched_words(new, topics.default()) == {"citizenship": ["Гражданства"]}
    old = {"text": text, "lang": "ru", "topic_hits": {"citizenship": ["гражданств*"]}}
    assert matched_words(old, topics.default()) == {"citizenship": ["Гражданства"]}


def test_a_taxonomy_the_ui_cannot_read_stops_the_app_at_start(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOZOR_ENRICH_TAXONOMY", "/nonexistent/taxonomy.yaml")
    with pytest.raises(ConfigError, match=r"taxonomy /nonexistent/taxonomy\.yaml: cannot read"):
        create_app(SearchSettings())
