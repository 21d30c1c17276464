"""The channel registry: which channels to collect, with category, country and expected languages.

A YAML file with a top-level ``channels`` list. Each entry names the channel by ``@username``, numeric
id or invite link. Validation errors name the file, the entry and the fix.

Media: ``media`` says which files the collector downloads (``none``, ``photos``, ``documents`` = photos and
documents, ``all`` = also full videos); video thumbnails are kept with every mode but ``none``. Files over
``max_media_mb`` are skipped (recorded with the reason).

Groups: ``kind: group`` names a group (a supergroup) collected as a source of its own (its posts carry
``source_kind: group`` and who wrote them); ``comments: true`` on a channel also collects the replies in its
linked discussion group, each with the channel post it answers (``thread``).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from dozor import yaml_text
from dozor.errors import ConfigError
from dozor.records import Category

_USERNAME = re.compile(r"^@?([A-Za-z][A-Za-z0-9_]{3,31})$")
_LINK_USERNAME = re.compile(r"^(?:https?://)?(?:t\.me|telegram\.me)/([A-Za-z][A-Za-z0-9_]{3,31})/?$")
_INVITE = re.compile(r"^(?:https?://)?(?:t\.me|telegram\.me)/(?:\+|joinchat/)([A-Za-z0-9_-]{8,})/?$")
_LANG = re.compile(r"^[a-z]{2,3}$")
_COUNTRY = re.compile(r"^[A-Z]{2}$")

MediaMode = Literal["none", "photos", "documents", "all"]
SourceType = Literal["channel", "group"]
SOURCE_TYPES: tuple[str, ...] = ("channel", "group")
MEDIA_MODES: tuple[str, ...] = ("none", "photos", "documents", "all")
DEFAULT_MAX_MEDIA_MB = 20.0
MAX_MEDIA_MB_LIMIT = 4000.0  # Telegram's own file size limit (premium accounts)

REF_HELP = "use @username, a numeric channel id, or an invite link like https://t.me/+AbCdEf12345"


class ChannelEntry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    channel: str | int = Field(description="@username, numeric id or invite link")
    category: Category = "other"
    country: str | None = None
    languages: list[str] = Field(default_factory=list)
    notes: str = ""
    enabled: bool = True
    title: str | None = None
    media: MediaMode = "documents"
    max_media_mb: float = DEFAULT_MAX_MEDIA_MB
    kind: SourceType = "channel"
    comments: bool = False

    @field_validator("kind", mode="before")
    @classmethod
    def _kind(cls, value: Any) -> Any:
        if value not in SOURCE_TYPES:
            raise ValueError(
                f"{value!r} is not a source kind; use channel (a broadcast channel) or group (a group collected "
                "as a source of its own)"
            )
        return value

    @field_validator("comments", mode="before")
    @classmethod
    def _comments(cls, value: Any) -> Any:
        if not isinstance(value, bool):
            raise ValueError(f"{value!r} is not true or false; use comments: true to collect the channel's comments")
        return value

    @model_validator(mode="after")
    def _comments_on_channels(self) -> ChannelEntry:
        if self.comments and self.kind == "group":
            raise ValueError(
                "comments: true is for channels (it collects their discussion group); "
                "a group's own messages are collected with kind: group alone, so drop comments"
            )
        return self

    @field_validator("media", mode="before")
    @classmethod
    def _media(cls, value: Any) -> Any:
        if value is None or value is False:  # YAML `media: no` / `media: null`
            return "none"
        if value not in MEDIA_MODES:
            raise ValueError(
                f"{value!r} is not a media mode; use one of {', '.join(MEDIA_MODES)} "
                "(documents = photos and documents; all = also full videos)"
            )
        return value

    @field_validator("max_media_mb", mode="before")
    @classmethod
    def _max_media(cls, value: Any) -> Any:
        ok = isinstance(value, int | float) and not isinstance(value, bool) and 0 < value <= MAX_MEDIA_MB_LIMIT
        if not ok:
            raise ValueError(
                f"{value!r} is not a size in megabytes; use a number above 0 and up to {MAX_MEDIA_MB_LIMIT:g}, "
                f"e.g. {DEFAULT_MAX_MEDIA_MB:g}"
            )
        return value

    @field_validator("channel")
    @classmethod
    def _ref(cls, value: str | int) -> str | int:
        if isinstance(value, int):
            if value <= 0:
                raise ValueError(f"a numeric id must be positive (drop the -100 prefix); {REF_HELP}")
            return value
        text = value.strip()
        if text.lstrip("-").isdigit():
            number = int(text)
            if str(number).startswith("-100"):
                number = int(str(number)[4:])
            return abs(number)
        if (m := _USERNAME.match(text)) or (m := _LINK_USERNAME.match(text)):
            return "@" + m.group(1)
        if _INVITE.match(text):
            return text
        raise ValueError(f"{value!r} is not a channel reference; {REF_HELP}")

    @field_validator("languages")
    @classmethod
    def _langs(cls, value: list[str]) -> list[str]:
        bad = [v for v in value if not _LANG.match(v)]
        if bad:
            raise ValueError(f"{bad} are not ISO 639-1 codes; use lowercase codes like ru, uz, tg, ky, kk, en")
        return value

    @field_validator("country")
    @classmethod
    def _country(cls, value: str | None) -> str | None:
        if value is not None and not _COUNTRY.match(value):
            raise ValueError(f"{value!r} is not an ISO 3166 alpha-2 code; use e.g. RU, UZ, TJ, KG, KZ")
        return value

    @property
    def username(self) -> str | None:
        return self.channel[1:] if isinstance(self.channel, str) and self.channel.startswith("@") else None

    @property
    def channel_id(self) -> int | None:
        return self.channel if isinstance(self.channel, int) else None

    @property
    def is_invite(self) -> bool:
        return isinstance(self.channel, str) and not self.channel.startswith("@")

    @property
    def max_media_bytes(self) -> int:
        return int(self.max_media_mb * 1024 * 1024)

    @property
    def label(self) -> str:
        return str(self.channel)


class Registry(BaseModel):
    model_config = ConfigDict(frozen=True)

    channels: list[ChannelEntry]
    source: str = "<memory>"

    @property
    def enabled(self) -> list[ChannelEntry]:
        return [c for c in self.channels if c.enabled]

    def find(self, ref: str | int) -> ChannelEntry | None:
        """The entry for a username (with or without @, any case) or a numeric id."""
        key = str(ref).strip()
        if key.lstrip("-").isdigit():
            number = abs(int(key))
            return next((c for c in self.channels if c.channel_id == number), None)
        name = key.lstrip("@").lower()
        return next((c for c in self.channels if (c.username or "").lower() == name), None)


def _entry_name(raw: Any, index: int) -> str:
    name = raw.get("channel") if isinstance(raw, dict) else None
    return f"entry {index + 1}" + (f" ({name})" if name is not None else "")


def parse(data: Any, source: str) -> Registry:
    if not isinstance(data, dict) or not isinstance(data.get("channels"), list):
        raise ConfigError(f"{source}: expected a mapping with a `channels:` list (see channels.example.yaml)")
    entries: list[ChannelEntry] = []
    problems: list[str] = []
    seen: dict[str, int] = {}
    for i, raw in enumerate(data["channels"]):
        if not isinstance(raw, dict):
            problems.append(f"{_entry_name(raw, i)}: expected a mapping with at least `channel:`")
            continue
        try:
            entry = ChannelEntry.model_validate(raw)
        except ValidationError as exc:
            for err in exc.errors():
                where = ".".join(str(p) for p in err["loc"]) or "entry"
                msg = err["msg"].removeprefix("Value error, ")
                if err["type"] == "extra_forbidden":
                    msg = f"unknown key; allowed: {', '.join(ChannelEntry.model_fields)}"
                elif err["type"] == "missing":
                    msg = f"required; {REF_HELP}" if where == "channel" else "required"
                problems.append(f"{_entry_name(raw, i)}: {where}: {msg}")
            continue
        key = str(entry.channel).lower()
        if key in seen:
            problems.append(f"{_entry_name(raw, i)}: duplicate of entry {seen[key] + 1}; keep one of them")
            continue
        seen[key] = i
        entries.append(entry)
    if problems:
        raise ConfigError(f"{source}: " + "; ".join(problems))
    return Registry(channels=entries, source=source)


def load(path: Path) -> Registry:
    if not path.is_file():
        raise ConfigError(
            f"{path}: no such registry file; copy ingest/samples/channels.example.yaml and set DOZOR_REGISTRY"
        )
    try:
        data = yaml_text.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: not valid YAML ({exc})") from None
    return parse(data, str(path))
