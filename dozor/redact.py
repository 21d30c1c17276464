"""Secrets never reach a log: every secret the settings hold (and any other registered here) is
replaced by `***` in each log line and in the one-line errors commands print. A second line of
defence: the code already keeps secrets out of messages (SecretStr, URLs without tokens)."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from pydantic import BaseModel, SecretStr

MASK = "***"
MIN_LENGTH = 4  # shorter values would mask ordinary words; such a secret is no secret anyway
_secrets: list[str] = []  # longest first: a secret that contains another is masked whole


def register(value: str) -> None:
    if len(value) >= MIN_LENGTH and value not in _secrets:
        _secrets.append(value)
        _secrets.sort(key=len, reverse=True)


def register_settings(settings: BaseModel) -> None:
    """Every SecretStr field of the settings (lists of them too)."""
    for name in type(settings).model_fields:
        value = getattr(settings, name)
        values: Iterable[object] = value if isinstance(value, list | tuple) else (value,)
        for item in values:
            if isinstance(item, SecretStr):
                register(item.get_secret_value())


def redact(text: str) -> str:
    for secret in _secrets:
        if secret in text:
            text = text.replace(secret, MASK)
    return text


class RedactingFormatter(logging.Formatter):
    """Formats as usual (message, arguments, traceback), then masks the secrets in the result."""

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))
