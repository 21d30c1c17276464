"""Comments and group messages mapped from real Telethon types: the discussion group's copies of channel
posts, the thread a comment answers, who wrote it, and the fields they add to posts.raw."""

from __future__ import annotations

from datetime import UTC, datetime

from telethon.tl import types as tl

from dozor.records import Channel, RawPost
from ingest.mapping import channel_post_copy, message_record, sender, thread_top
from tests.support.fakeclient import discussion_copy, group_message, user_entity

CHANNEL, GROUP = 1_500_000_001, 1_600_000_002
WHEN = datetime(2026, 11, 5, 9, 30, tzinfo=UTC)
USER = user_entity(77, "Зарина", "Н.")
POST = tl.Message(id=42, peer_id=tl.PeerChannel(CHANNEL), date=WHEN, message="Пост канала", post=True)


def test_the_discussion_copy_points_to_its_channel_post() -> None:
    copy = discussion_copy(GROUP, 900, CHANNEL, POST)
    assert channel_post_copy(copy, CHANNEL) == 42
    assert channel_post_copy(copy, CHANNEL + 1) is None  # the post of another channel: not this one's copy


def test_a_copy_without_saved_from_is_recognised_by_the_channel_post() -> None:
    fwd = tl.MessageFwdHeader(date=WHEN, from_id=tl.PeerChannel(CHANNEL), channel_post=42)
    copy = tl.Message(id=900, peer_id=tl.PeerChannel(GROUP), date=WHEN, message="x", from_id=tl.PeerChannel(CHANNEL))
    copy.fwd_from = fwd
    assert channel_post_copy(copy, CHANNEL) == 42


def test_a_members_forward_of_the_post_is_no_copy() -> None:
    fwd = tl.MessageFwdHeader(date=WHEN, from_id=tl.PeerChannel(CHANNEL), channel_post=42)
    shared = tl.Message(id=901, peer_id=tl.PeerChannel(GROUP), date=WHEN, message="x", from_id=tl.PeerUser(77))
    shared.fwd_from = fwd
    assert channel_post_copy(shared, CHANNEL) is None
    assert channel_post_copy(group_message(GROUP, 902, "hi", WHEN, USER), CHANNEL) is None


def test_thread_top_is_the_top_of_the_chain_or_the_replied_message() -> None:
    assert thread_top(group_message(GROUP, 5, "a", WHEN, USER, reply_to=900)) == 900
    assert thread_top(group_message(GROUP, 6, "b", WHEN, USER, reply_to=5, top=900)) == 900
    assert thread_top(group_message(GROUP, 7, "c", WHEN, USER)) is None
    elsewhere = group_message(GROUP, 8, "d", WHEN, USER)
    elsewhere.reply_to = tl.MessageReplyHeader(reply_to_msg_id=3, reply_to_peer_id=tl.PeerChannel(123))
    assert thread_top(elsewhere) is None  # a reply to a message of another chat


def test_sender_with_and_without_a_known_entity() -> None:
    assert sender(group_message(GROUP, 5, "a", WHEN, USER)) == {"id": 77, "name": "Зарина Н."}
    anonymous = tl.Message(id=6, peer_id=tl.PeerChannel(GROUP), date=WHEN, message="b", from_id=tl.PeerUser(78))
    assert sender(anonymous) == {"id": 78, "name": None}
    assert sender(POST) is None  # a channel post has no sender


def test_a_comment_record_carries_kind_thread_and_sender() -> None:
    comment = group_message(GROUP, 5, "Когда начнут?", WHEN, USER, reply_to=900)
    record = message_record(
        comment, Channel(id=GROUP, title="Обсуждение"), source_kind="comments", thread=(CHANNEL, 42)
    )
    wire = record.to_wire()
    assert wire["source_kind"] == "comments" and wire["reply_to"] == 900
    assert wire["thread"] == {"channel_id": CHANNEL, "message_id": 42}
    assert wire["sender"] == {"id": 77, "name": "Зарина Н."}
    assert RawPost.model_validate(wire) == record  # what enrich reads back is the same record


def test_a_channel_post_keeps_its_shape() -> None:
    wire = message_record(POST, Channel(id=CHANNEL)).to_wire()
    assert not {"source_kind", "thread", "sender"} & set(wire)
