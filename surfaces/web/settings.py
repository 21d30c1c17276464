"""Settings of the web UI (env prefix DOZOR_), read next to the API's own, and the taxonomy it names
topics from (DOZOR_ENRICH_TAXONOMY, the enricher's)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request
from pydantic import Field

from enrich import topics
from enrich.settings import EnrichSettings
from search.settings import SearchSettings


class WebSettings(SearchSettings, EnrichSettings):
    registry: Path = Field(Path("channels.yaml"), description="channel registry YAML (the Channels page)")
    ui_page_size: int = Field(20, ge=1, le=200, description="posts per page in the web UI")
    ui_cookie_secure: bool = Field(True, description="mark the login cookie Secure (HTTPS, or loopback HTTP)")
    ui_export_max: int = Field(10_000, ge=1, le=10_000, description="most posts one CSV/JSONL export holds")


def load(state: Any, base: SearchSettings) -> None:
    """Read the UI's settings and the taxonomy once, when the app is made: a bad taxonomy file stops
    `dozor api` at start with the file and the problem named, not the first page view."""
    state.web_settings = base if isinstance(base, WebSettings) else WebSettings(**dict(base))
    state.taxonomy = topics.load(state.web_settings.enrich_taxonomy)


def web_settings(request: Request) -> WebSettings:
    """The UI's settings: the API's, plus what only the UI reads (registry path, page size)."""
    cached: WebSettings | None = getattr(request.app.state, "web_settings", None)
    if cached is None:
        base = request.app.state.settings
        cached = base if isinstance(base, WebSettings) else WebSettings(**dict(base))
        request.app.state.web_settings = cached
    return cached


def taxonomy(request: Request) -> topics.Taxonomy:
    """The enricher's taxonomy (read once): topic names for people."""
    cached: topics.Taxonomy | None = getattr(request.app.state, "taxonomy", None)
    if cached is None:
        cached = request.app.state.taxonomy = topics.load(web_settings(request).enrich_taxonomy)
    return cached
