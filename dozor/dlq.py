"""What goes to ``posts.dlq``, built in one place for every stage and collector: the original bytes
(cut to fit the broker when too big), the stage, a one-line reason and where the record came from."""

from __future__ import annotations

import json
from dataclasses import dataclass

from pydantic import ValidationError

from dozor import kafka as dk

H_TRUNCATED = "dozor.truncated"  # the value was cut to fit the broker; header = original byte size
MAX_VALUE_BYTES = 900_000  # under the broker's default message.max.bytes (1 MiB)
MAX_REASON_CHARS = 1000


@dataclass(frozen=True)
class DeadLetter:
    value: bytes
    key: bytes | None
    headers: list[tuple[str, bytes]]


def dead_letter(value: bytes, *, stage: str, reason: str, source: str, key: bytes | None = None) -> DeadLetter:
    headers = [
        (dk.H_STAGE, stage.encode()),
        (dk.H_ERROR, reason.encode("utf-8", "replace")[:2000]),
        (dk.H_SOURCE, source.encode("utf-8", "replace")[:1000]),
    ]
    if len(value) > MAX_VALUE_BYTES:
        headers.append((H_TRUNCATED, str(len(value)).encode()))
        value = value[:MAX_VALUE_BYTES]
    return DeadLetter(value, key, headers)


def problems(exc: ValidationError, most: int = 5) -> str:
    """A validation error as ``field.path: message`` pairs, on one line."""
    return "; ".join(
        f"{'.'.join(map(_path_part, err['loc'])) or 'record'}: {' '.join(err['msg'].split())}"
        for err in exc.errors()[:most]
    )


def _path_part(part: str | int) -> str:
    """A field name or index as written in a path; a key the record made up with a line break or another
    unprintable character in it (a `reactions` key, say) is quoted and escaped, so the reason stays one line."""
    text = str(part)
    return text if text.isprintable() else json.dumps(text)


def describe(exc: Exception, context: str = "") -> str:
    """One line naming what is wrong with a record (never a traceback). A validation error reads as
    the context (e.g. ``invalid posts.raw record``) and its field paths with their messages; any other
    error as its type, the context and its text."""
    if isinstance(exc, ValidationError):
        return f"{context or 'invalid record'}: {problems(exc)}"[:MAX_REASON_CHARS]
    detail = " ".join(str(exc).split())
    parts = [part for part in (context, detail) if part]
    return f"{type(exc).__name__}: {': '.join(parts)}"[:MAX_REASON_CHARS] if parts else type(exc).__name__
