"""Settings of the search stage: indexer, search, API (env prefix ``DOZOR_``)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import NoDecode

from dozor.settings import DozorSettings


class SearchSettings(DozorSettings):
    es_shards: int = Field(1, ge=1, description="primary shards per monthly posts index")
    es_replicas: int = Field(0, ge=0, description="replicas per index (0 on a single local node)")
    index_batch: int = Field(10_000, ge=1, le=10_000, description="records per indexer batch")
    index_give_up_s: float | None = Field(
        None, gt=0, description="`index --drain`: fail after Elasticsearch has been failing this long"
    )
    api_tokens: Annotated[list[SecretStr], NoDecode] = Field(
        default_factory=list,
        description="bearer tokens accepted by the HTTP API, comma-separated (each as is, or as sha256:<hex>)",
    )
    api_users: Path | None = Field(
        None, description="users file (YAML: name, role, teams, token_sha256 per user); see docs/security.md"
    )
    api_host: str = Field("127.0.0.1", description="address `dozor api` listens on")
    api_port: int = Field(8000, ge=1, le=65535, description="port `dozor api` listens on")

    @field_validator("api_tokens", mode="before")
    @classmethod
    def _split_tokens(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [t.strip() for t in value.split(",") if t.strip()]
        return value

    @field_validator("api_tokens")
    @classmethod
    def _check_hashes(cls, value: list[SecretStr]) -> list[SecretStr]:
        for token in value:
            raw = token.get_secret_value()
            if raw.startswith("sha256:") and not re.fullmatch(r"[0-9a-fA-F]{64}", raw.removeprefix("sha256:")):
                raise ValueError(
                    "an entry sha256:<hex> needs the 64 hex digits of the token's SHA-256 "
                    "(`printf %s TOKEN | sha256sum`)"
                )
        return value
