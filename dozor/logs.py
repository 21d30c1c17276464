"""Log lines as text (default) or one JSON object each (``DOZOR_LOG_FORMAT=json``, python-json-logger),
with the service's name on every line (``stage``: the command, e.g. ``enrich``, ``index``, ``api``), and
the secrets masked in both (:mod:`dozor.redact`: in JSON, each value before it is encoded, and the line
again after)."""

from __future__ import annotations

import logging
import os
from typing import Any

from pythonjsonlogger.json import JsonFormatter

from dozor.redact import RedactingFormatter, redact

FORMATS = ("text", "json")
TEXT = "%(asctime)s %(levelname)s [%(stage)s] %(name)s: %(message)s"
JSON_FIELDS = ("asctime", "levelname", "stage", "name", "message")
DROPPED = {"color_message"}  # uvicorn's copy of the message with terminal colours
RENAME = {"asctime": "time", "levelname": "level", "name": "logger"}

_service = "dozor"


def set_service(name: str) -> None:
    """The name every log line carries from now on (one service per process)."""
    global _service
    _service = name


def service() -> str:
    return _service


class StageFilter(logging.Filter):
    """Adds ``stage`` to each record a handler emits (records of any thread; a process runs one service)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.stage = _service
        return True


def _masked(value: Any) -> Any:
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {k: _masked(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_masked(v) for v in value]
    return value


class RedactingJsonFormatter(JsonFormatter):
    """One JSON object per line: time, level, stage, logger, message (and exc_info, extras)."""

    def __init__(self) -> None:
        super().__init__(
            list(JSON_FIELDS), rename_fields=RENAME, json_ensure_ascii=False, datefmt="%Y-%m-%dT%H:%M:%S%z"
        )

    def process_log_record(self, log_data: dict[str, Any]) -> dict[str, Any]:
        data = super().process_log_record(log_data)
        return {key: _masked(value) for key, value in data.items() if key not in DROPPED}

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))  # a second net, as in text mode


def requested() -> str:
    """The format ``DOZOR_LOG_FORMAT`` asks for; an unknown value logs as text until the settings,
    loaded next, fail naming the field."""
    value = os.environ.get("DOZOR_LOG_FORMAT", "text").strip()
    return value if value in FORMATS else "text"


def formatter(kind: str) -> logging.Formatter:
    return RedactingJsonFormatter() if kind == "json" else RedactingFormatter(TEXT)


def install(kind: str) -> None:
    """Give every handler of the root logger the format and the stage filter."""
    for handler in logging.getLogger().handlers:
        handler.setFormatter(formatter(kind))
        if not any(isinstance(f, StageFilter) for f in handler.filters):
            handler.addFilter(StageFilter())
