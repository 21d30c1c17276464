"""The raw message as received, as canonical JSON bytes and their SHA-256 (docs/architecture.md, "Media and evidence").

Canonical JSON = ``json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()``
of the message made JSON-safe: Telethon's ``to_dict()`` holds bytes (base64 here) and datetimes (ISO 8601
here). A Desktop-export entry is JSON already. The collector and the importers store these bytes in the
blob store under their hash, so an evidence bundle can hold "the post as collected".
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RawCopy:
    sha256: str
    data: bytes


def json_safe(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    if isinstance(value, bytes | bytearray):
        return base64.b64encode(bytes(value)).decode("ascii")
    if isinstance(value, datetime | date):
        return value.isoformat()
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)  # nothing else is expected in to_dict(); a stable text beats a crash


def canonical(obj: Any) -> bytes:
    return json.dumps(json_safe(obj), sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def raw_copy(obj: Any, where: str = "") -> RawCopy | None:
    """Canonical bytes and hash of ``obj``; None (logged) if it holds text that is not valid Unicode."""
    try:
        data = canonical(obj)
    except UnicodeEncodeError as exc:
        log.warning("%s: no raw hash, the message holds invalid Unicode (%s)", where or "message", exc.reason)
        return None
    return RawCopy(hashlib.sha256(data).hexdigest(), data)


def message_copy(message: Any) -> RawCopy | None:
    """The raw copy of a Telethon message (``to_dict()``)."""
    return raw_copy(message.to_dict(), f"message {getattr(message, 'id', '?')}")
