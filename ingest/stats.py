"""What one `dozor collect` run did, and the state it left accounts and channels in: its summary line."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from ingest import states
from ingest.states import AccountHealth, ChannelHealth


@dataclass
class CollectStats:
    sent: int = 0
    edits: int = 0
    deletes: int = 0
    skipped: Counter[str] = field(default_factory=Counter)
    channel_errors: int = 0
    media: Counter[str] = field(default_factory=Counter)  # media files by status
    raw_store_errors: int = 0
    accounts: list[AccountHealth] = field(default_factory=list)
    channels: list[ChannelHealth] = field(default_factory=list)
    floodwaits: list[list[tuple[str, int]]] = field(default_factory=list)  # each account gate's waits

    @property
    def working(self) -> bool:
        """Whether any account is still collecting (`dozor collect` exits 1 when none is)."""
        return any(a.working for a in self.accounts)

    def summary(self) -> str:
        skipped = sum(self.skipped.values())
        reasons = ", ".join(f"{n} {k}" for k, n in self.skipped.most_common())
        media = ", ".join(f"{n} {k}" for k, n in sorted(self.media.items()))
        waits = [seconds for gate in self.floodwaits for _, seconds in gate]
        return (
            f"{self.sent} posts, {self.edits} edits, {self.deletes} deletions sent; {skipped} skipped"
            + (f" ({reasons})" if reasons else "")
            + f"; {self.channel_errors} channel errors"
            + (f"; media files: {media}" if media else "")
            + (f"; {self.raw_store_errors} raw copies not stored" if self.raw_store_errors else "")
            + (f"; {len(waits)} FloodWaits, {sum(waits)} s paused" if waits else "")
            + states.summary(self.accounts, self.channels)
        )
