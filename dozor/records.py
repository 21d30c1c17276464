"""Record contracts on the wire (docs/architecture.md, schema 1): ``posts.raw``, ``posts.enriched``, ``posts.media``.

Models validate what comes in; stages work on the validated model and write JSON back out. Unknown
extra keys are kept (``extra="allow"``) so that a newer producer does not lose fields on the way.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictInt, field_validator

SCHEMA_VERSION: Literal[1] = 1
Category = Literal["official", "migrant_community", "media", "other"]
Event = Literal["new", "edit", "delete"]
# Where a post was written: a broadcast channel (the default, left out on the wire), a group that is a
# source of its own, or the discussion group of a channel with `comments: true` (ingest/registry.py).
SourceKind = Literal["channel", "group", "comments"]
MediaStatus = Literal["stored", "skipped", "missing", "failed", "rejected"]
SHA256 = r"^[0-9a-f]{64}$"


def utcnow() -> datetime:
    return datetime.now(UTC)


class _Record(BaseModel):
    model_config = ConfigDict(extra="allow")


class Channel(_Record):
    id: StrictInt
    username: str | None = None
    title: str | None = None
    category: Category = "other"
    country: str | None = None


def as_utc(value: datetime | None) -> datetime | None:
    """Naive datetimes on the wire are UTC; aware ones are converted to UTC."""
    if value is None:
        return None
    try:
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    except OverflowError:  # 0001-01-01T00:00+01:00 is in year 0 in UTC; a ValueError becomes a ValidationError
        raise ValueError("date out of range once converted to UTC") from None


class Forward(_Record):
    from_id: int | None = None
    from_name: str | None = None
    date: datetime | None = None
    # What the origin is ("channel", "chat" or "user") and its @username when Telegram sent the origin's
    # entity with the message; left out of the wire form when unknown (older records keep their shape).
    from_type: Literal["channel", "chat", "user"] | None = Field(None, exclude_if=lambda v: v is None)
    from_username: str | None = Field(None, exclude_if=lambda v: v is None)

    @field_validator("date")
    @classmethod
    def _utc(cls, value: datetime | None) -> datetime | None:
        return as_utc(value)


class Media(_Record):
    type: str


class Thread(_Record):
    """The channel post a comment answers (its discussion group's copy resolved to the original)."""

    channel_id: StrictInt
    message_id: StrictInt


class Sender(_Record):
    """Who wrote a group message or a comment (a person or a chat); masked for viewers."""

    id: int | None = None
    name: str | None = None


def _absent(value: Any) -> bool:
    return value is None


class RawPost(_Record):
    schema_: Literal[1] = Field(SCHEMA_VERSION, alias="schema")
    source: Literal["telegram"] = "telegram"
    event: Event = "new"
    channel: Channel
    message_id: StrictInt
    date: datetime | None = None
    edit_date: datetime | None = None
    text: str = ""
    links: list[str] = Field(default_factory=list)
    mentions: list[str] = Field(default_factory=list)
    hashtags: list[str] = Field(default_factory=list)
    forward: Forward | None = None
    reply_to: int | None = None
    views: int | None = None
    forwards: int | None = None
    reactions: dict[str, int] = Field(default_factory=dict)
    media: Media | None = None
    grouped_id: int | None = None
    collected_at: datetime = Field(default_factory=utcnow)
    # Evidence (docs/architecture.md): SHA-256 of the canonical JSON of the message as received (those bytes are in the
    # blob store under this hash) and who collected it: "telethon:<account>", "import:tdesktop", ...
    # Left out of the wire form when unknown, so records without them keep their old shape.
    raw_sha256: str | None = Field(None, pattern=SHA256, exclude_if=lambda v: v is None)
    collector: str | None = Field(None, exclude_if=lambda v: v is None)
    # Groups and comments (ingest/registry.py `comments:`), also left out when unset: a channel's posts keep
    # their old shape. `reply_to` stays the replied message's id in the same chat.
    source_kind: SourceKind | None = Field(None, exclude_if=_absent)
    thread: Thread | None = Field(None, exclude_if=_absent)
    sender: Sender | None = Field(None, exclude_if=_absent)

    model_config = ConfigDict(extra="allow", populate_by_name=True)

    @field_validator("date", "edit_date", "collected_at")
    @classmethod
    def _utc(cls, value: datetime | None) -> datetime | None:
        return as_utc(value)

    @property
    def doc_id(self) -> str:
        return doc_id(self.channel.id, self.message_id)

    def to_wire(self) -> dict[str, Any]:
        return self.model_dump(mode="json", by_alias=True)


# What an edit of a post replaces (with everything the enricher derives from the text).
EDITABLE_FIELDS = ("text", "links", "mentions", "hashtags", "media", "forward", "edit_date")


class Enrichment(BaseModel):
    """What the enricher adds to a post: ``posts.enriched`` = ``posts.raw`` + these fields."""

    lang: str = "und"
    lang_score: float = Field(0.0, ge=0.0, le=1.0)
    script: str = "Zyyy"
    topics: list[str] = Field(default_factory=list)
    topic_hits: dict[str, list[str]] = Field(default_factory=dict)
    text_norm: str = ""
    text_stem: str = ""
    entities: dict[str, list[str]] = Field(default_factory=dict)  # kind -> normalized values
    simhash: str = Field("0000000000000000", pattern=r"^[0-9a-f]{16}$")
    enriched_at: datetime = Field(default_factory=utcnow)


def enrichment_json(enrichment: Enrichment) -> dict[str, Any]:
    """``enrichment.model_dump(mode="json")``, read off the validated model's attributes (the same keys in
    the same order, the same values): pydantic's serializer walk cost the enrich stage as much per post
    as validating it. The lists and dicts are the model's own, not copies."""
    out = dict(enrichment.__dict__)
    out["enriched_at"] = json_datetime(enrichment.enriched_at)
    return out


def json_datetime(value: datetime) -> str:
    """A datetime as pydantic writes it in JSON: ISO 8601, UTC as ``Z``."""
    text = value.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


class EnrichedPost(Enrichment, RawPost):  # bases right to left: the raw fields come first on the wire
    model_config = ConfigDict(extra="allow", populate_by_name=True)


def searchable_text(record: Mapping[str, Any]) -> str:
    """The words a post is found by: its ``text`` as posted, then a poll's question and answers. The poll
    stays in its own ``poll`` field (``text`` is never rewritten); the enricher's ``text_norm`` and
    ``text_stem`` are computed over this, so unqualified searches find poll words too."""
    text = record.get("text") or ""
    poll = record.get("poll")
    if not isinstance(poll, Mapping):
        return str(text)
    answers = poll.get("answers")
    answers = answers if isinstance(answers, list) else []
    parts = [text, poll.get("question"), *(a.get("text") for a in answers if isinstance(a, Mapping))]
    return "\n".join(p for p in parts if isinstance(p, str) and p)


class MediaItem(_Record):
    """One media file of a post: stored (``sha256`` set), or why not (``status`` + ``reason``).

    ``type``: photo, video, video_note, document, audio, voice, sticker, animation, or thumbnail (a video's
    preview, stored as a file of its own; the video's item names it in ``thumb_sha256``).
    """

    sha256: str | None = Field(None, pattern=SHA256)
    type: str
    status: MediaStatus
    reason: str | None = None
    mime: str | None = None
    size: int | None = None
    width: int | None = None
    height: int | None = None
    file_name: str | None = None
    thumb_sha256: str | None = Field(None, pattern=SHA256)
    phash: str | None = Field(None, pattern=r"^[0-9a-f]{16}$")
    ocr_text: str | None = None
    ocr_lang: str | None = None


class MediaEvent(_Record):
    """A ``posts.media`` record (key = channel id): one media file of one post, sent after the post."""

    schema_: Literal[1] = Field(SCHEMA_VERSION, alias="schema")
    channel: Channel
    message_id: StrictInt
    grouped_id: int | None = None  # the album: every file of an album carries the same id
    date: datetime | None = None  # the post's date (its monthly index)
    item: MediaItem
    collector: str | None = None
    collected_at: datetime = Field(default_factory=utcnow)

    model_config = ConfigDict(extra="allow", populate_by_name=True)

    @field_validator("date", "collected_at")
    @classmethod
    def _utc(cls, value: datetime | None) -> datetime | None:
        return as_utc(value)

    @property
    def doc_id(self) -> str:
        return doc_id(self.channel.id, self.message_id)

    def to_wire(self) -> dict[str, Any]:
        return self.model_dump(mode="json", by_alias=True)


def doc_id(channel_id: int, message_id: int) -> str:
    """The Elasticsearch document id, stable across re-deliveries and re-imports."""
    return f"tg:{channel_id}:{message_id}"
