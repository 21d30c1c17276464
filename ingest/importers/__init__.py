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


@dataclass(frozen=True)
class Skip:
    """An entry left out on purpose (a service message, a private chat): counted in the summary, not an
    error, so it goes to no topic. ``unit`` says whether a message or a whole chat was left out."""

    kind: str  # "service message", or a chat type such as "personal_chat"
    where: str
    unit: str = "message"  # "message" | "chat"


Item = RawPost | Bad | Skip
