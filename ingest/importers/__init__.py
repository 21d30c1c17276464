"""Importers: files of posts onto the same path as the live collector (``posts.raw``)."""

from __future__ import annotations

from dataclasses import dataclass

from dozor.records import RawPost


@dataclass(frozen=True)
class Bad:
    """An entry that cannot become a record: counted, logged and sent to posts.dlq with the reason."""

    raw: bytes
    kind: str  # short, for the summary: "invalid JSON", "invalid record", "text too long", ...
    reason: str
    where: str  # file:line or file:message-id

    def describe(self) -> str:
        return f"{self.where}: {self.kind}: {self.reason}"


Item = RawPost | Bad
