"""The bands this enricher process claimed itself, so that its look-ups need not ask Elasticsearch for them.

A band claim is create-only, and only the process that made it ever points it at another story (after
losing a race for the post's other bands, :meth:`EsStoryStore.reassign`). So what a process wrote, it can
answer alone, and the answer is what Elasticsearch would give. Claims another process made, or that this
one lost to another, are not kept here: they are always read from the index.

A cross-post or repost that comes soon after its first post finds it here; a later one is read from the
index, as every look-up was before. Kept in two generations of at most ``size`` bands each: when the newer
is full or older than ``max_age`` seconds, it becomes the older and the older is dropped. Memory stays
bounded (a band key and a slot per band; holders are shared by a post's bands), and nothing kept is older
than twice ``max_age``, far inside the story window that retention prunes (``DOZOR_STORY_DAYS``, at least
a day).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable

from enrich.stories.assign import Holder

GENERATION = 50_000  # bands per generation: some 1,700 posts' bands; 6 MB a generation (120 bytes a band)
MAX_AGE_S = 3600.0


class OwnClaims:
    def __init__(
        self, size: int = GENERATION, max_age: float = MAX_AGE_S, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._size = size
        self._max_age = max_age
        self._clock = clock
        self._newer: dict[str, Holder] = {}
        self._older: dict[str, Holder] = {}
        self._since = clock()

    def __len__(self) -> int:
        return len(self._newer) + len(self._older)

    def split(self, bands: Iterable[str]) -> tuple[dict[str, Holder], list[str]]:
        """The bands known here with their holders, and the bands to ask the index about (in order)."""
        self._expire()
        newer, older = self._newer, self._older
        known: dict[str, Holder] = {}
        unknown: list[str] = []
        for band in bands:
            holder = newer.get(band) or older.get(band)  # a Holder is a non-empty tuple
            if holder is None:
                unknown.append(band)
            else:
                known[band] = holder
        return known, unknown

    def hold(self, bands: Iterable[str], holder: Holder) -> None:
        """``bands`` were claimed (or re-pointed) by this process for ``holder`` and acknowledged."""
        self._expire()
        if len(self._newer) >= self._size:
            self._turn()
        self._newer.update(dict.fromkeys(bands, holder))

    def _expire(self) -> None:
        if self._clock() - self._since > self._max_age:
            self._turn()

    def _turn(self) -> None:
        self._older, self._newer, self._since = self._newer, {}, self._clock()
