"""Masking of phone numbers and private persons' names in what viewers see and exports hold."""

from __future__ import annotations

from search.redaction import NAME_MASK, PHONE_MASK, private_persons, redact_post, redact_text


def test_phones_are_masked_found_or_not_and_short_numbers_stay() -> None:
    text = "Звоните +7 (916) 123-45-67 или 8 916 765 43 21, приём до 18:00, статья 359, 2026 год"
    out = redact_text(text)
    assert out is not None and out.count(PHONE_MASK) == 2
    assert "18:00" in out and "359" in out and "2026" in out and "916" not in out


def test_private_names_are_masked_in_any_inflection_public_figures_stay() -> None:
    entities = {"person": ["Алишер Каримов", "Владимир Путин"], "phone": ["+79161234567"]}
    assert private_persons(entities) == ["Алишер Каримов"]
    post = {
        "text": "Алишеру Каримову отказали, сообщил Путин. Каримова задержали.",
        "highlight": ["Алишеру <em>Каримову</em> отказали"],
        "entities": entities,
        "media": [{"sha256": "ab" * 32, "ocr_text": "Каримов Алишер +7 916 123 45 67"}],
        "versions": [{"text": "Алишер Каримов задержан"}],
    }
    out = redact_post(post)
    assert out["text"] == f"{NAME_MASK} {NAME_MASK} отказали, сообщил Путин. {NAME_MASK} задержали."
    assert "Каримов" not in str(out) and "916" not in str(out) and "Путин" in out["text"]
    assert out["entities"]["phone"] == [PHONE_MASK] and out["entities"]["person"] == [NAME_MASK, "Владимир Путин"]
    assert out["media"][0]["sha256"] == "ab" * 32 and out["redacted"] is True
    assert post["text"].startswith("Алишеру")  # the input is left alone


def test_an_alert_shown_to_a_viewer_holds_the_post_masked() -> None:
    from surfaces.api.alerts import _shown
    from surfaces.users import Role, User

    alert = {"id": "r/tg:1:1", "alert": {"post": {"text": "звоните +7 916 123-45-67", "entities": {}}}}
    assert "916" not in str(_shown(User("vera", Role.viewer), alert))
    assert _shown(User("anna", Role.analyst), alert) == alert


def test_a_comment_loses_who_wrote_it_and_their_name_in_the_text() -> None:
    comment = {
        "text": "Я, Дильноза Юсупова, звонила на +7 916 123 45 67",
        "source_kind": "comments",
        "thread": {"channel_id": 1, "message_id": 2},
        "sender": {"id": 502, "name": "Дильноза Юсупова"},
        "entities": {},
    }
    out = redact_post(comment)
    assert out["sender"] == {"id": None, "name": NAME_MASK}
    assert out["text"] == f"Я, {NAME_MASK} {NAME_MASK}, звонила на {PHONE_MASK}"
    assert out["thread"] == comment["thread"]  # where it belongs stays shown
    assert redact_post({"text": "x", "sender": {"id": 9, "name": None}})["sender"] == {"id": None, "name": None}
