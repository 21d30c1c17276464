"""Story assignment for a batch of posts: LSH lookup of each post's bands, verification, claims.

A story is known by its first post's id (the first that Dozor assigned, whatever its date). When a new
post matches no story, it starts one: it *claims* its LSH bands (create-only, see :class:`StoryStore`)
together with its signature. A later post that meets a claimed band is compared with that story's first
post and joins it when :func:`similar` says so. Comparing with the first post, not with every member,
keeps a chain of small changes from drifting into another story, and stores one signature per story.

The cost per post is its ``BANDS`` band keys looked up by id and at most that many signatures compared:
it does not grow with the index. Two workers that see near-duplicates at the same moment race for the
same band claim; the loser re-decides against the winner's story (:meth:`StoryAssigner.assign`), so
several enricher processes agree on one story.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from enrich.stories.minhash import Signature, similar


@dataclass
class Post:
    """One post to assign: its id, its signature (None: too short to compare), and whether it may start
    a story (a ``new`` may; an ``edit`` only looks one up, since the indexer keeps a stored post's story)."""

    id: str
    signature: Signature | None
    claims: bool = True
    story: str = ""
    bands: list[str] = field(default_factory=list)


@dataclass
class Claim:
    story: str
    signature: Signature
    bands: list[str]


class StoryStore(Protocol):
    """Where claims live: in memory (offline runs) or Elasticsearch (the stage)."""

    def holders(self, bands: Collection[str]) -> dict[str, str]:
        """Band key -> the story that claimed it, for the keys that are claimed."""
        ...

    def signatures(self, stories: Collection[str]) -> dict[str, Signature]:
        """The first-post signature of each story found."""
        ...

    def claim(self, claims: Sequence[Claim]) -> dict[str, str]:
        """Store each claim's signature and claim its bands create-only; return the bands someone else
        held already (key -> their story)."""
        ...

    def reassign(self, bands: Sequence[str], story: str) -> None:
        """Point bands this worker claimed at another story (after losing a race)."""
        ...


class StoryAssigner:
    def __init__(self, store: StoryStore) -> None:
        self.store = store

    def assign(self, posts: Sequence[Post]) -> None:
        """Set ``story`` on each post (in order: a batch's own near-duplicates meet each other too)."""
        comparable = [p for p in posts if p.signature is not None]
        for post in posts:
            post.story = post.id
        for post in comparable:
            assert post.signature is not None
            post.bands = post.signature.bands()
        held = self.store.holders({b for p in comparable for b in p.bands})
        sigs = self.store.signatures(set(held.values()))
        claims: dict[str, Claim] = {}
        for post in comparable:
            assert post.signature is not None
            found = _best(post, held, sigs)
            if found is not None:
                post.story = found
                continue
            if not post.claims:
                continue
            free = [b for b in post.bands if b not in held]
            held.update(dict.fromkeys(free, post.id))
            sigs[post.id] = post.signature
            claims[post.id] = Claim(post.id, post.signature, free)
        lost = self.store.claim(list(claims.values())) if claims else {}
        if lost:
            self._after_race(comparable, claims, lost)

    def _after_race(self, posts: Sequence[Post], claims: dict[str, Claim], lost: dict[str, str]) -> None:
        """Bands another worker claimed between our lookup and our claim: re-decide those stories."""
        winners = self.store.signatures(set(lost.values()))
        for story, claim in claims.items():
            rivals = {lost[b] for b in claim.bands if b in lost}
            scored = [(similar(claim.signature, winners[r]), r) for r in rivals if r in winners]
            best = max(scored, default=(0.0, ""))
            if best[0] <= 0.0:
                continue
            self.store.reassign([b for b in claim.bands if b not in lost], best[1])
            for post in posts:
                if post.story == story:
                    post.story = best[1]


def _best(post: Post, held: dict[str, str], sigs: dict[str, Signature]) -> str | None:
    assert post.signature is not None
    stories = {held[b] for b in post.bands if b in held}
    scored = [(similar(post.signature, sigs[s]), s) for s in stories if s in sigs]
    score, story = max(scored, default=(0.0, ""))
    return story if score > 0.0 else None


class MemoryStore:
    """Claims in a dict: offline runs (`dozor enrich --input`) and tests."""

    def __init__(self) -> None:
        self._bands: dict[str, str] = {}
        self._sigs: dict[str, Signature] = {}

    def holders(self, bands: Collection[str]) -> dict[str, str]:
        return {b: self._bands[b] for b in bands if b in self._bands}

    def signatures(self, stories: Collection[str]) -> dict[str, Signature]:
        return {s: self._sigs[s] for s in stories if s in self._sigs}

    def claim(self, claims: Sequence[Claim]) -> dict[str, str]:
        lost: dict[str, str] = {}
        for claim in claims:
            self._sigs.setdefault(claim.story, claim.signature)
            for band in claim.bands:
                holder = self._bands.setdefault(band, claim.story)
                if holder != claim.story:
                    lost[band] = holder
        return lost

    def reassign(self, bands: Sequence[str], story: str) -> None:
        self._bands.update(dict.fromkeys(bands, story))
