"""Settings of the web UI (env prefix DOZOR_), read next to the API's own."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field

from search.settings import SearchSettings


class WebSettings(SearchSettings):
    registry: Path = Field(Path("channels.yaml"), description="channel registry YAML (the Channels page)")
    ui_page_size: int = Field(20, ge=1, le=200, description="posts per page in the web UI")
    ui_cookie_secure: bool = Field(True, description="mark the login cookie Secure (HTTPS, or loopback HTTP)")
    ui_export_max: int = Field(10_000, ge=1, le=10_000, description="most posts one CSV/JSONL export holds")
