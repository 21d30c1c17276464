"""Story assignment for a batch of posts: LSH lookup of each post's bands, verification, claims.

A story is known by the id of the post that started it (the first that Dozor assigned, whatever its
date). Each new post *claims* the LSH bands no post holds yet (create-only, see :class:`StoryStore`),
with its signature and its story. A later post that meets a claimed band is compared with the post that
claimed it and joins that post's story when :func:`similar` says so; none similar: it starts a story.
So a variant of a variant still finds its story, whichever of them came first.

The cost per post is its ``BANDS`` band keys looked up by id and at most that many signatures compared:
it does not grow with the index. Two workers that see near-duplicates at the same moment race for the
same band claim; the loser re-decides against the winner's story (:meth:`StoryAssigner.assign`), so
several enricher processes agree on one story.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple, Protocol

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


class Holder(NamedTuple):  # a tuple: a batch's look-up makes thousands, and a frozen dataclass is slow to build
    """Who claimed a band: a post, and the story it is in."""

    post: str
    story: str


@dataclass
class Claim:
    post: str
    story: str
    signature: Signature
    bands: list[str]


class StoryStore(Protocol):
    """Where claims live: in memory (offline runs) or Elasticsearch (the stage)."""

    def holders(self, bands: Collection[str]) -> dict[str, Holder]:
        """Band key -> who claimed it, for the keys that are claimed."""
        ...

    def signatures(self, posts: Collection[str]) -> dict[str, Signature]:
        """The signature of each claiming post found."""
        ...

    def claim(self, claims: Sequence[Claim]) -> dict[str, Holder]:
        """Store each claim's signature and claim its bands create-only; return the bands someone else
        held already (key -> who)."""
        ...

    def reassign(self, post: str, bands: Sequence[str], story: str) -> None:
        """Point bands a post claimed at another story (after losing a race)."""
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
        sigs = self.store.signatures({h.post for h in held.values()})
        claims: list[Claim] = []
        for post in comparable:
            assert post.signature is not None
            found = _best(post, held, sigs)
            if found is not None:
                post.story = found
            if not post.claims:
                continue
            free = [b for b in post.bands if b not in held]
            if free:
                held.update(dict.fromkeys(free, Holder(post.id, post.story)))
                sigs[post.id] = post.signature
                claims.append(Claim(post.id, post.story, post.signature, free))
        lost = self.store.claim(claims) if claims else {}
        if lost:
            self._after_race(comparable, claims, lost)

    def _after_race(self, posts: Sequence[Post], claims: list[Claim], lost: dict[str, Holder]) -> None:
        """Bands another worker claimed between our lookup and our claim: a story this batch started
        joins theirs when similar."""
        winners = self.store.signatures({h.post for h in lost.values()})
        moved: dict[str, str] = {}
        for claim in claims:
            if claim.story != claim.post:
                continue  # it joined a story already
            rivals = {lost[b] for b in claim.bands if b in lost}
            scored = [(similar(claim.signature, winners[r.post]), r.story) for r in rivals if r.post in winners]
            score, story = max(scored, default=(0.0, ""))
            if score > 0.0:
                moved[claim.story] = story
        for claim in claims:
            if claim.story in moved:
                self.store.reassign(claim.post, [b for b in claim.bands if b not in lost], moved[claim.story])
        for post in posts:
            post.story = moved.get(post.story, post.story)


def _best(post: Post, held: dict[str, Holder], sigs: dict[str, Signature]) -> str | None:
    assert post.signature is not None
    holders = {h.post: h for h in map(held.get, post.bands) if h is not None}  # each claiming post once
    scored = [(similar(post.signature, sigs[p]), h.story) for p, h in holders.items() if p in sigs]
    score, story = max(scored, default=(0.0, ""))
    return story if score > 0.0 else None


class MemoryStore:
    """Claims in a dict: offline runs (`dozor enrich --input`) and tests."""

    def __init__(self) -> None:
        self._bands: dict[str, Holder] = {}
        self._sigs: dict[str, Signature] = {}

    def holders(self, bands: Collection[str]) -> dict[str, Holder]:
        return {b: self._bands[b] for b in bands if b in self._bands}

    def signatures(self, posts: Collection[str]) -> dict[str, Signature]:
        return {p: self._sigs[p] for p in posts if p in self._sigs}

    def claim(self, claims: Sequence[Claim]) -> dict[str, Holder]:
        lost: dict[str, Holder] = {}
        for claim in claims:
            self._sigs.setdefault(claim.post, claim.signature)
            mine = Holder(claim.post, claim.story)
            for band in claim.bands:
                holder = self._bands.setdefault(band, mine)
                if holder is not mine and holder.post != claim.post:
                    lost[band] = holder
        return lost

    def reassign(self, post: str, bands: Sequence[str], story: str) -> None:
        self._bands.update(dict.fromkeys(bands, Holder(post, story)))
