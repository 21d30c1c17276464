"""Search filters shared by the CLI, the API, saved searches and alert rules (same names as the flags)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from search.media import FILE_TYPES, check_phash, phash_bands

_CHANNEL_ID = re.compile(r"-?[0-9]{1,19}")
_RELATIVE = re.compile(r"^\s*(\d+)\s*([mhdw])\s*$")
_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def parse_when(value: Any, now: datetime | None = None) -> datetime | None:
    """A point in time: ISO date or datetime (UTC when no zone), or relative to now: ``30m``, ``24h``, ``7d``."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    text = str(value)
    rel = _RELATIVE.match(text)
    if rel:
        base = now or datetime.now(UTC)
        try:
            return base - timedelta(**{_UNITS[rel.group(2)]: int(rel.group(1))})
        except OverflowError:  # past what a datetime holds (year 1)
            raise ValueError(f"{text!r} goes back past year 1") from None
    try:
        parsed = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"{text!r} is not a date: use 2024-05-01, 2024-05-01T12:00, or 7d / 24h / 30m") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


class SearchFilters(BaseModel):
    """Filters applied on top of a query. A scalar where a list is expected is taken as a one-item list."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    lang: list[str] = Field(default_factory=list)
    topic: list[str] = Field(default_factory=list)
    channel: list[str] = Field(default_factory=list, description="username (with or without @) or numeric id")
    category: list[str] = Field(default_factory=list)
    country: list[str] = Field(default_factory=list)
    since: datetime | None = None
    until: datetime | None = None
    include_deleted: bool = False
    has_media: bool | None = Field(None, description="true: posts with a media file; false: posts without")
    media_type: list[str] = Field(default_factory=list, description="photo, video, document, ...")
    phash: str | None = Field(None, description="posts with an image near-identical to this pHash (16 hex)")
    tag: list[str] = Field(default_factory=list, description="posts tagged so (any of them)")

    @field_validator("phash", mode="before")
    @classmethod
    def _phash(cls, value: Any) -> Any:
        return check_phash(str(value)) if value not in (None, "") else None

    @field_validator("lang", "topic", "channel", "category", "country", "media_type", "tag", mode="before")
    @classmethod
    def _listify(cls, value: Any) -> Any:
        if value is None:
            return []
        if isinstance(value, str | int):
            value = [value]
        if isinstance(value, list | tuple):
            return [str(v).strip() for v in value if str(v).strip()]
        return value

    @field_validator("since", "until", mode="before")
    @classmethod
    def _when(cls, value: Any) -> Any:
        return parse_when(value)

    @property
    def query_lang(self) -> str | None:
        """The language to stem query terms in: the --lang filter when it names exactly one."""
        return self.lang[0].lower() if len(self.lang) == 1 else None


def channel_id(value: str) -> int | None:
    """The numeric channel id a value names: ASCII digits within a long ("²" and 20 digits are none)."""
    if not _CHANNEL_ID.fullmatch(value):
        return None
    number = int(value)
    return number if -(2**63) <= number < 2**63 else None


def _channel_clause(values: list[str]) -> dict[str, Any]:
    ids: list[int] = []
    names: list[str] = []
    for value in values:
        v = value.removeprefix("https://").removeprefix("http://").removeprefix("t.me/").lstrip("@")
        number = channel_id(v)
        if number is not None:
            ids.append(number)
        else:
            names.append(v.lower())
    should: list[dict[str, Any]] = []
    if ids:
        should.append({"terms": {"channel.id": ids}})
    if names:
        should.append({"terms": {"channel.username": names}})
    return should[0] if len(should) == 1 else {"bool": {"should": should, "minimum_should_match": 1}}


def media_filters(f: SearchFilters) -> list[dict[str, Any]]:
    """A media file of any kind (not a web page preview, a poll, a place), of these types, or an image
    sharing a band of this perceptual hash (near-identical candidates: search/media.py)."""
    clauses: list[dict[str, Any]] = []
    has_file = {"terms": {"media.type": sorted(FILE_TYPES)}}
    if f.has_media is True:
        clauses.append(has_file)
    elif f.has_media is False:
        clauses.append({"bool": {"must_not": [has_file]}})
    if f.media_type:
        clauses.append({"terms": {"media.type": [v.lower() for v in f.media_type]}})
    if f.phash is not None:
        clauses.append({"terms": {"media.phash_bands": phash_bands(f.phash)}})
    return clauses


def build_filters(f: SearchFilters) -> list[dict[str, Any]]:
    """Elasticsearch filter clauses (for ``bool.filter``) for the given filters."""
    clauses: list[dict[str, Any]] = []
    if f.lang:
        clauses.append({"terms": {"lang": [v.lower() for v in f.lang]}})
    if f.topic:
        clauses.append({"terms": {"topics": [v.lower() for v in f.topic]}})
    if f.channel:
        clauses.append(_channel_clause(f.channel))
    if f.category:
        clauses.append({"terms": {"channel.category": [v.lower() for v in f.category]}})
    if f.country:
        clauses.append({"terms": {"channel.country": [c.lower() for c in f.country]}})
    if f.since is not None or f.until is not None:
        bounds: dict[str, str] = {}
        if f.since is not None:
            bounds["gte"] = f.since.isoformat()
        if f.until is not None:
            bounds["lte"] = f.until.isoformat()
        clauses.append({"range": {"date": bounds}})
    clauses.extend(media_filters(f))
    if f.tag:
        clauses.append({"terms": {"tags": [t.lower() for t in f.tag]}})
    if not f.include_deleted:
        clauses.append({"bool": {"must_not": [{"exists": {"field": "deleted_at"}}]}})
    return clauses
