"""Alert messages for people, alert keys and aggregate periods."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from alerts import render
from alerts.aggregate import period_start
from alerts.alert import Alert
from alerts.notifiers.webhook import signature
from alerts.perpost import alert_key, marked_terms, version_key
from alerts.rules import parse_rules

POST = {
    "id": "tg:5:9",
    "channel": {"id": 5, "username": "guvm", "title": "ГУВМ", "category": "official"},
    "message_id": 9,
    "date": "2026-11-29T07:59:00Z",
    "lang": "ru",
    "script": "Cyrl",
    "topics": ["citizenship", "legislation"],
    "text": "Законопроект о лишении гражданства внесён в Госдуму. " * 20,
    "url": "https://t.me/guvm/9",
    "highlight": ["Законопроект о <mark>лишении</mark> <mark>гражданства</mark> внесён"],
}
NOW = datetime(2026, 11, 29, 8, 0, 7, tzinfo=UTC)


def test_message_carries_terms_channel_language_topic_link_snippet() -> None:
    alert = Alert(
        id="k", rule="revocation", type="match", fired_at=NOW, summary="New post", post=POST, matched=marked_terms(POST)
    )
    text = render.text(alert)
    for part in ("revocation", "ГУВМ (@guvm)", "official", "ru", "citizenship, legislation", "https://t.me/guvm/9"):
        assert part in text
    assert "Matched: лишении, гражданства" in text
    assert "«лишении» «гражданства»" in text
    assert "revocation" in render.subject(alert)


def test_snippet_without_highlight_is_shortened_text() -> None:
    post = {**POST, "highlight": []}
    snippet = render.snippet(post)
    assert len(snippet) <= render.SNIPPET_CHARS and snippet.endswith("…") and snippet.startswith("Законопроект")


def test_official_change_shows_before_and_after() -> None:
    details = {"event": "edit", "before": "было", "after": "стало"}
    alert = Alert(id="k", rule="o", type="official_change", fired_at=NOW, summary="edited", post=POST, details=details)
    assert "Before: было" in render.text(alert) and "After: стало" in render.text(alert)
    gone = alert.model_copy(update={"details": {"event": "delete", "before": "было", "after": None}})
    assert "After: (deleted)" in render.text(gone)


def test_alert_keys_hold_rule_post_and_version() -> None:
    match, change = parse_rules({"rules": [{"name": "m", "query": "x"}, {"name": "c", "type": "official_change"}]}, "f")
    assert alert_key("m", "tg:5:9", version_key(POST, match)) == "m/tg:5:9"
    edited = {**POST, "edit_date": "2026-11-29T07:00:00Z"}
    assert alert_key("m", "tg:5:9", version_key(edited, match)) == "m/tg:5:9@2026-11-29T07:00:00Z"
    assert version_key({**edited, "deleted_at": "2026-11-29T07:30:00Z"}, change) == "deleted"


def test_period_start_and_signature() -> None:
    assert period_start(NOW, timedelta(minutes=10)) == datetime(2026, 11, 29, 8, 0, tzinfo=UTC)
    assert period_start(NOW + timedelta(minutes=10), timedelta(minutes=10)) > period_start(NOW, timedelta(minutes=10))
    known = "f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8"  # the RFC-style test vector
    assert signature(b"key", b"The quick brown fox jumps over the lazy dog") == f"sha256={known}"


def test_cut_at_word_counts_utf16_and_keeps_whole_words() -> None:
    assert render.cut_at_word("короткий текст", 100) == "короткий текст"
    assert render.cut_at_word("один два три четыре", 12) == "один два…"
    assert render.cut_at_word("🚨🚨 🚨🚨 🚨🚨", 8) == "🚨🚨…"  # an emoji is two UTF-16 code units
    assert render.cut_at_word("a" * 50, 10) == "a" * 9 + "…"  # one long word: cut inside it
    alert = Alert(id="r/tg:1:2", rule="r", type="match", fired_at=NOW, summary="word " * 2000, post=POST)
    text = render.text(alert, limit=300)
    assert render.utf16_len(text) <= 300 and text.endswith("https://t.me/guvm/9\nAlert id: r/tg:1:2")
