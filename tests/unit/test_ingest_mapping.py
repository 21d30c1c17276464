"""Telethon Message → posts.raw, from real telethon.tl.types objects built offline."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from telethon.tl import types as tl

from dozor.records import Channel
from ingest.mapping import BadInput, delete_record, media_summary, message_record
from tests.support.fakeclient import utf16_len

CH = Channel(id=1790000002, username="migrant_help_msk_example", title="Помощь", category="migrant_community")
MSK = timezone(timedelta(hours=3))


def message(text: str, **kw: object) -> tl.Message:
    return tl.Message(
        id=kw.pop("id", 501),
        peer_id=tl.PeerChannel(CH.id),
        date=kw.pop("date", datetime(2026, 11, 2, 9, tzinfo=UTC)),
        message=text,
        **kw,
    )


def test_entities_use_utf16_offsets_after_emoji() -> None:
    text = "🔥🔥 Сахарово: https://news.example/a @kg_migrant_example #мигранты подробнее"
    at = text.index("https")
    m_at = text.index("@kg")
    h_at = text.index("#миг")
    entities = [
        tl.MessageEntityUrl(utf16_len(text[:at]), len("https://news.example/a")),
        tl.MessageEntityMention(utf16_len(text[:m_at]), len("@kg_migrant_example")),
        tl.MessageEntityHashtag(utf16_len(text[:h_at]), len("#мигранты")),
        tl.MessageEntityTextUrl(0, 2, "https://hidden.example/x"),
        tl.MessageEntityBold(0, 4),
    ]
    post = message_record(message(text, entities=entities), CH)
    assert post.links == ["https://news.example/a", "https://hidden.example/x"]
    assert post.mentions == ["kg_migrant_example"]
    assert post.hashtags == ["мигранты"]
    assert post.text == text


def test_forward_reply_counters_reactions_album_and_dates_in_utc() -> None:
    fwd_date = datetime(2026, 11, 1, 20, tzinfo=MSK)
    msg = message(
        "Пересланный пост",
        date=datetime(2026, 11, 2, 12, 30, tzinfo=MSK),
        edit_date=datetime(2026, 11, 2, 13, 0, tzinfo=MSK),
        fwd_from=tl.MessageFwdHeader(date=fwd_date, from_id=tl.PeerChannel(1790000008)),
        reply_to=tl.MessageReplyHeader(reply_to_msg_id=499),
        views=1200,
        forwards=31,
        grouped_id=13800000000000001,
        reactions=tl.MessageReactions(
            results=[
                tl.ReactionCount(reaction=tl.ReactionEmoji("👍"), count=10),
                tl.ReactionCount(reaction=tl.ReactionCustomEmoji(555), count=2),
            ]
        ),
    )
    wire = message_record(msg, CH, names={1790000008: "Сафорат (намуна)"}).to_wire()
    assert wire["date"] == "2026-11-02T09:30:00Z" and wire["edit_date"] == "2026-11-02T10:00:00Z"
    assert wire["forward"] == {
        "from_id": 1790000008,
        "from_name": "Сафорат (намуна)",
        "date": "2026-11-01T17:00:00Z",
        "from_type": "channel",
    }
    assert wire["reply_to"] == 499
    assert (wire["views"], wire["forwards"], wire["grouped_id"]) == (1200, 31, 13800000000000001)
    assert wire["reactions"] == {"👍": 10, "custom:555": 2}
    assert wire["event"] == "new" and wire["channel"]["id"] == CH.id


def test_hidden_sender_forward_keeps_the_name() -> None:
    msg = message("x", fwd_from=tl.MessageFwdHeader(date=None, from_name="Hidden Person"))
    assert message_record(msg, CH).forward is not None
    assert message_record(msg, CH).to_wire()["forward"] == {"from_id": None, "from_name": "Hidden Person", "date": None}


def test_media_summaries_without_download() -> None:
    photo = tl.MessageMediaPhoto(
        photo=tl.Photo(
            1,
            2,
            b"",
            None,
            [tl.PhotoSize("m", 320, 240, 9000), tl.PhotoSizeProgressive("y", 1280, 960, [20000, 80000, 150000])],
            2,
        )
    )
    assert media_summary(photo) == {"type": "photo", "width": 1280, "height": 960, "size": 150000}
    pdf = tl.MessageMediaDocument(
        document=tl.Document(
            1, 2, b"", None, "application/pdf", 482113, 2, [tl.DocumentAttributeFilename("памятка.pdf")]
        )
    )
    assert media_summary(pdf) == {
        "type": "document",
        "mime_type": "application/pdf",
        "size": 482113,
        "file_name": "памятка.pdf",
    }
    voice = tl.MessageMediaDocument(
        document=tl.Document(1, 2, b"", None, "audio/ogg", 9100, 2, [tl.DocumentAttributeAudio(41, voice=True)])
    )
    assert media_summary(voice) == {"type": "voice", "mime_type": "audio/ogg", "size": 9100, "duration": 41}
    gif = tl.MessageMediaDocument(
        document=tl.Document(
            1, 2, b"", None, "video/mp4", 5, 2, [tl.DocumentAttributeVideo(3, 1, 1), tl.DocumentAttributeAnimated()]
        )
    )
    assert media_summary(gif)["type"] == "animation"  # type: ignore[index]
    assert media_summary(tl.MessageMediaGeo(geo=tl.GeoPointEmpty())) == {"type": "geo"}
    assert media_summary(tl.MessageMediaUnsupported()) == {"type": "other", "class": "MessageMediaUnsupported"}


def test_media_only_post_has_empty_text() -> None:
    photo = tl.MessageMediaPhoto(photo=tl.Photo(1, 2, b"", None, [tl.PhotoSize("y", 10, 10, 100)], 2))
    post = message_record(message("", media=photo), CH)
    assert post.text == "" and post.media is not None and post.media.type == "photo"


def test_edit_and_delete_records() -> None:
    edited = message_record(message("fixed", edit_date=datetime(2026, 11, 2, 10, tzinfo=UTC)), CH, "edit")
    assert edited.event == "edit" and edited.edit_date is not None
    gone = delete_record(CH, 501).to_wire()
    assert gone["event"] == "delete" and gone["message_id"] == 501 and gone["text"] == "" and gone["date"] is None


@pytest.mark.parametrize(
    ("msg", "kind"),
    [
        (
            tl.MessageService(id=3, peer_id=tl.PeerChannel(CH.id), date=None, action=tl.MessageActionPinMessage()),
            "service message",
        ),
        (tl.MessageEmpty(id=4, peer_id=tl.PeerChannel(CH.id)), "empty message"),
        (message("x" * 1_048_576), "text too long"),
        (message("bad \ud800 surrogate"), "invalid Unicode"),
        ("not a message", "unknown message type"),
    ],
)
def test_bad_input_is_rejected_with_a_reason(msg: object, kind: str) -> None:
    with pytest.raises(BadInput) as err:
        message_record(msg, CH)
    assert err.value.kind == kind and str(err.value)
