"""What the search commands share: filter flags, settings, an Elasticsearch client whose failures
are one clear line."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, TypeVar

import typer
from elastic_transport import TransportError as TransportLayerError
from elasticsearch import ApiError, Elasticsearch
from pydantic import ValidationError

from dozor import es as dozor_es
from dozor.errors import DozorError, UsageError
from dozor.settings import load
from search.filters import SearchFilters
from search.index import ensure_templates
from search.settings import SearchSettings

T = TypeVar("T")

Lang = Annotated[list[str] | None, typer.Option("--lang", help="language code (repeat or comma-separate)")]
Topic = Annotated[list[str] | None, typer.Option("--topic", help="topic id")]
Channel = Annotated[list[str] | None, typer.Option("--channel", help="channel username or numeric id")]
Category = Annotated[list[str] | None, typer.Option("--category", help="official, migrant_community, media, other")]
Country = Annotated[list[str] | None, typer.Option("--country", help="channel country")]
Since = Annotated[str | None, typer.Option("--since", help="from this date: 2024-05-01, 2024-05-01T12:00, 7d, 24h")]
Until = Annotated[str | None, typer.Option("--until", help="up to this date (same forms as --since)")]
Deleted = Annotated[bool, typer.Option("--include-deleted", help="also show deleted posts")]
HasMedia = Annotated[
    bool | None, typer.Option("--has-media/--no-media", help="only posts with a media file, or only without")
]
MediaType = Annotated[list[str] | None, typer.Option("--media-type", help="photo, video, document, ...")]
Phash = Annotated[
    str | None, typer.Option("--phash", help="posts with an image near-identical to this perceptual hash (16 hex)")
]
AsJson = Annotated[bool, typer.Option("--json", help="one compact JSON object per line")]


def split(values: list[str] | None) -> list[str]:
    return [v.strip() for item in values or [] for v in item.split(",") if v.strip()]


def make_filters(
    lang: list[str] | None = None,
    topic: list[str] | None = None,
    channel: list[str] | None = None,
    category: list[str] | None = None,
    country: list[str] | None = None,
    since: str | None = None,
    until: str | None = None,
    include_deleted: bool = False,
    *,
    has_media: bool | None = None,
    media_type: list[str] | None = None,
    phash: str | None = None,
) -> SearchFilters:
    try:
        return SearchFilters(
            lang=split(lang),
            topic=split(topic),
            channel=split(channel),
            category=split(category),
            country=split(country),
            since=since,
            until=until,
            include_deleted=include_deleted,
            has_media=has_media,
            media_type=split(media_type),
            phash=phash,
        )
    except ValidationError as exc:
        err = exc.errors()[0]
        flag = str(err["loc"][0]).replace("_", "-")
        raise UsageError(f"--{flag}: {err['msg']}".replace("Value error, ", "")) from None


def load_settings() -> SearchSettings:
    return load(SearchSettings)


def with_es(settings: SearchSettings, work: Callable[[Elasticsearch], T], **client_options: Any) -> T:
    """Run ``work`` with a client; an unreachable node or an ES error becomes one clear line."""
    es = dozor_es.client(settings, **client_options)
    try:
        return work(es)
    except TransportLayerError as exc:
        raise dozor_es.unreachable(settings, exc) from exc
    except ApiError as exc:
        raise DozorError(f"Elasticsearch answered HTTP {exc.meta.status}: {exc.error}") from exc
    finally:
        es.close()


def spec(model: type[T], **values: Any) -> T:
    """Build a model from flags; a validation error is a usage error naming the field."""
    try:
        return model(**values)
    except ValidationError as exc:
        err = exc.errors()[0]
        raise UsageError(f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}") from None


def templated(es: Elasticsearch, settings: SearchSettings, work: Callable[[], T]) -> T:
    """Run ``work`` once the index templates (and the single indices) exist."""
    ensure_templates(es, settings)
    return work()
