"""Per-channel collection positions in the compacted Kafka topic ``ingest.state``.

Key = channel id; value = the highest message id up to which every message was sent to posts.raw
and acknowledged. A position is written only after the posts it covers were acknowledged, so a
restart resumes right after it: no gap, at most a re-send of the last unconfirmed batch.
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass
from datetime import datetime

from dozor import kafka as dk
from dozor.errors import DozorError
from dozor.records import utcnow
from ingest.producer import RawSink, channel_key
from ingest.settings import IngestSettings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Checkpoint:
    channel_id: int
    last_id: int
    last_date: str | None = None  # ISO date of the message at last_id, for "oldest gap first"
    updated_at: str = ""

    def encode(self) -> bytes:
        return json.dumps(asdict(self)).encode()

    @classmethod
    def decode(cls, value: bytes) -> Checkpoint:
        data = json.loads(value)
        return cls(
            channel_id=int(data["channel_id"]),
            last_id=int(data["last_id"]),
            last_date=data.get("last_date"),
            updated_at=str(data.get("updated_at", "")),
        )


class CheckpointStore:
    def __init__(self, settings: IngestSettings, sink: RawSink) -> None:
        self.settings = settings
        self.topic = settings.topic(dk.INGEST_STATE)
        self._sink = sink
        self.positions: dict[int, Checkpoint] = {}

    def load(self) -> dict[int, Checkpoint]:
        """Read the whole compacted topic; the last value per key wins."""
        for rec in dk.read_all(self.settings, dk.INGEST_STATE):
            if rec.value is None:  # a tombstone: the channel was reset
                self.positions.pop(int(rec.key), None)
                continue
            try:
                cp = Checkpoint.decode(rec.value)
            except (ValueError, KeyError, TypeError) as exc:
                log.warning("ignoring a bad checkpoint at offset %s: %s", rec.offset, exc)
                continue
            self.positions[cp.channel_id] = cp
        log.info("loaded %d channel checkpoints from %s", len(self.positions), self.topic)
        return self.positions

    def get(self, channel_id: int) -> Checkpoint | None:
        return self.positions.get(channel_id)

    def save(self, channel_id: int, last_id: int, last_date: datetime | None) -> Checkpoint:
        """Write and wait for the ack (call only after the covered posts were acknowledged)."""
        current = self.positions.get(channel_id)
        if current is not None and current.last_id >= last_id:
            return current
        cp = Checkpoint(
            channel_id=channel_id,
            last_id=last_id,
            last_date=last_date.isoformat() if last_date else (current.last_date if current else None),
            updated_at=utcnow().isoformat(),
        )
        future = self._sink.producer.send(self.topic, key=channel_key(channel_id), value=cp.encode())
        try:
            future.get(timeout=60)
        except Exception as exc:
            raise DozorError(f"could not write the checkpoint of channel {channel_id}: {exc}") from exc
        self.positions[channel_id] = cp
        return cp
