"""Settings of the enrich stage (env prefix DOZOR_, like every service)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field

from dozor.settings import DozorSettings


class EnrichSettings(DozorSettings):
    enrich_taxonomy: Path | None = Field(
        None, description="topic taxonomy YAML file (default: the one shipped in enrich/taxonomy.yaml)"
    )
    enrich_ner: Literal["off", "natasha"] = Field(
        "off", description="Russian person names also by natasha's NER model (slower; needs dozor[ner])"
    )
    enrich_batch: int = Field(500, ge=1, le=10_000, description="records per batch read from posts.raw")
    enrich_stories: bool = Field(
        True,
        description="assign each post its story (near-duplicate posts share one; needs Elasticsearch, "
        "where the LSH claims live in <prefix>-story-keys)",
    )
