"""Settings of the ingest stage (env prefix ``DOZOR_``; see dozor.settings for sources and errors)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr

from dozor.settings import DozorSettings

Compression = Literal["gzip", "none"]


def default_session_path() -> Path:
    return Path.home() / ".config" / "dozor" / "telegram.session"


class IngestSettings(DozorSettings):
    telegram_api_id: int | None = Field(None, description="Telegram API id (from my.telegram.org → API)")
    telegram_api_hash: SecretStr | None = Field(None, description="Telegram API hash (same page as the id)")
    telegram_session: Path = Field(
        default_factory=default_session_path,
        description="Telethon session file (created with mode 0600 by `dozor telegram login`)",
    )
    telegram_session_string: SecretStr | None = Field(
        None, description="a Telethon StringSession instead of a session file (keep it in a secret store)"
    )
    telegram_more_sessions: list[Path] = Field(
        default_factory=list,
        description="session files of more accounts (JSON list); channels are sharded between all accounts",
    )
    registry: Path = Field(Path("channels.yaml"), description="channel registry YAML")
    raw_partitions: int = Field(6, ge=1, le=1000, description="partitions for posts.raw when created")
    compression: Compression = Field("gzip", description="Kafka producer compression: gzip or none")
    gap_fill_interval_s: float = Field(
        300.0, gt=0, description="seconds between passes that fetch what live events missed"
    )
    checkpoint_every: int = Field(
        200, ge=1, description="messages per backfill batch: sent, acknowledged, then checkpointed"
    )
    max_text_chars: int = Field(
        100_000, ge=1, description="texts longer than this are skipped as bad input (Telegram allows 4,096)"
    )
    media_concurrency: int = Field(
        3, ge=1, le=32, description="messages whose media are downloaded at once, per collector process"
    )
    media_backlog: int = Field(
        2000, ge=1, description="messages waiting for their media at most; past it the backfill waits for room"
    )
