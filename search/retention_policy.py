"""Retention policies (`dozor retention apply --policies FILE`): what to do with the posts of a channel
category or of a channel as they age.

    policies:
      - name: community                  # for messages and audit
        category: [community, diaspora]  # or channel: [username, 1234567890] (either or both)
        redact_after_days: 30            # mask phone numbers and private persons' names
        delete_after_days: 365           # delete the post and its edit history
        media_days: 90                   # drop its media files (blobs no other post refers to)
      - name: official
        category: [official]
        keep: true                       # never touched

A post is governed by the first policy that names its channel, else by the first that names its
category; posts no policy names are kept. A bad file fails at start naming the policy, the field and
the fix. Pure: what a policy decides for a post is worked out here (search/retention.py applies it).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from dozor import yaml_text
from dozor.errors import ConfigError

FIX = "see the policy file format in search/README.md (Retention)"


class Policy(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1, max_length=64)
    category: list[str] = Field(default_factory=list)
    channel: list[str | int] = Field(default_factory=list)
    keep: bool = False
    redact_after_days: int | None = Field(None, ge=0)
    delete_after_days: int | None = Field(None, ge=1)
    media_days: int | None = Field(None, ge=0)

    @model_validator(mode="after")
    def _sensible(self) -> Policy:
        if not self.category and not self.channel:
            raise ValueError("name a `category` or a `channel` list for it to apply to")
        acts = (self.redact_after_days, self.delete_after_days, self.media_days)
        if self.keep and any(a is not None for a in acts):
            raise ValueError("`keep: true` cannot be combined with redact_after_days/delete_after_days/media_days")
        if not self.keep and all(a is None for a in acts):
            raise ValueError("give redact_after_days, delete_after_days or media_days (or `keep: true`)")
        if (
            self.redact_after_days is not None
            and self.delete_after_days is not None
            and self.redact_after_days >= self.delete_after_days
        ):
            raise ValueError("redact_after_days must be below delete_after_days (a deleted post needs no masking)")
        return self

    @property
    def channels(self) -> tuple[set[str], set[int]]:
        names = {str(c).lower().lstrip("@") for c in self.channel if not str(c).lstrip("-").isdigit()}
        ids = {int(c) for c in self.channel if str(c).lstrip("-").isdigit()}
        return names, ids

    def names_channel(self, channel: Mapping[str, Any]) -> bool:
        names, ids = self.channels
        username = str(channel.get("username") or "").lower()
        return (bool(username) and username in names) or channel.get("id") in ids

    def query(self) -> dict[str, Any]:
        """The posts this policy names (by channel or by category), as an Elasticsearch query."""
        names, ids = self.channels
        should: list[dict[str, Any]] = []
        if names:
            should.append({"terms": {"channel.username": sorted(names)}})
        if ids:
            should.append({"terms": {"channel.id": sorted(ids)}})
        if self.category:
            should.append({"terms": {"channel.category": self.category}})
        return {"bool": {"should": should, "minimum_should_match": 1}}


class PolicyFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    policies: list[Policy] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique(self) -> PolicyFile:
        names = [p.name for p in self.policies]
        twice = sorted({n for n in names if names.count(n) > 1})
        if twice:
            raise ValueError(f"policy names must be unique: {', '.join(twice)} appear twice")
        return self

    def ordered(self) -> list[Policy]:
        """Channel policies first (they win over a category's), each group in file order."""
        return [p for p in self.policies if p.channel] + [p for p in self.policies if not p.channel]

    def governing(self, channel: Mapping[str, Any]) -> Policy | None:
        for p in self.policies:
            if p.channel and p.names_channel(channel):
                return p
        category = channel.get("category")
        return next((p for p in self.policies if category is not None and category in p.category), None)


def load_policies(path: Path) -> PolicyFile:
    try:
        data = yaml_text.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"retention policies {path}: cannot read it ({exc.strerror}); give the policy file") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"retention policies {path}: not YAML ({exc}); {FIX}") from None
    try:
        return PolicyFile.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = list(err["loc"])
        where = ".".join(str(p) for p in loc)
        if len(loc) >= 2 and loc[0] == "policies" and isinstance(loc[1], int) and isinstance(data, dict):
            entry = data["policies"][loc[1]]
            name = entry.get("name") if isinstance(entry, dict) else None
            where = f"policies[{loc[1]}]" + (f" ({name})" if name else "") + "".join(f".{p}" for p in loc[2:])
        msg = str(err["msg"]).removeprefix("Value error, ")
        raise ConfigError(f"retention policies {path}: {where or 'file'}: {msg}; {FIX}") from None


@dataclass(frozen=True)
class Due:
    """What a policy asks of one post now."""

    delete: bool = False
    redact: bool = False
    expire_media: bool = False

    def __bool__(self) -> bool:
        return self.delete or self.redact or self.expire_media


def _older(date: datetime | None, now: datetime, days: int | None) -> bool:
    return days is not None and date is not None and date <= now - timedelta(days=days)


def due(policy: Policy, post: Mapping[str, Any], now: datetime) -> Due:
    """What ``policy`` asks of ``post`` (a stored post document) at ``now``; what is done already is
    not asked again (a post masked once, media expired once)."""
    if policy.keep:
        return Due()
    raw = post.get("date")
    date = datetime.fromisoformat(str(raw).replace("Z", "+00:00")) if raw else None
    if _older(date, now, policy.delete_after_days):
        return Due(delete=True)
    redact = _older(date, now, policy.redact_after_days) and not post.get("redacted_at")
    live_media = any(
        isinstance(m, Mapping) and (m.get("sha256") or m.get("thumb_sha256")) for m in post.get("media") or []
    )
    expire = _older(date, now, policy.media_days) and live_media
    return Due(redact=redact, expire_media=expire)
