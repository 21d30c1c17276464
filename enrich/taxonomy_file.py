"""The taxonomy file's schema (enrich/taxonomy.yaml, or a file of the user's): topics with their terms,
weak terms and ``except`` phrases per language. :mod:`enrich.topics` compiles it."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator


class TopicSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    description: str = ""
    labels: dict[str, str] = Field(default_factory=dict, description="the topic's name per language, for people")
    min_score: float = Field(1.0, gt=0)
    terms: dict[str, list[str]] = Field(default_factory=dict)
    weak: dict[str, list[str]] = Field(default_factory=dict)
    except_: dict[str, list[str]] = Field(default_factory=dict, alias="except")

    @field_validator("terms", "weak", "except_")
    @classmethod
    def _no_empty_terms(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        for lang, terms in value.items():
            for term in terms:
                if not isinstance(term, str) or not term.strip().rstrip("*").strip():
                    raise ValueError(f"empty term in language {lang!r}")
        return value


class TaxonomyFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: int = 1
    topics: dict[str, TopicSpec]
