"""Story assignment rules: cross-posts share the first post's id, edits never start a story, short posts
stand alone, a batch's own near-duplicates meet, and a lost race for a band joins the winner."""

from __future__ import annotations

import json
from collections.abc import Collection

from dozor.stream import Message
from enrich.analysis import tokenize
from enrich.pipeline import Enricher
from enrich.stage import make_stage
from enrich.stories import MemoryStore, StoryAssigner, assign_records
from enrich.stories.assign import Claim, Holder, Post
from enrich.stories.minhash import NUM_PERM, Signature, signature, signatures, similar
from tests.support.story_variants import ORIGINAL, OTHER, REPOST

ENRICHER = Enricher()


def _sig(text: str) -> Signature | None:
    """The signature the enricher gives a post with this text (over its normalized text)."""
    return signature(ENRICHER.fields(text)["text_norm"])


def _record(text: str, message_id: int, event: str = "new", channel: int = 1) -> dict[str, object]:
    return ENRICHER.enrich({"text": text, "event": event, "channel": {"id": channel}, "message_id": message_id})


def _assign(assigner: StoryAssigner, *records: dict[str, object]) -> list[str]:
    ids = [f"tg:{r['channel']['id']}:{r['message_id']}" for r in records]  # type: ignore[index]
    assign_records(assigner, list(records), ids)
    return [str(r.get("story")) for r in records]


def test_a_cross_post_joins_the_first_posts_story_and_a_look_alike_does_not() -> None:
    assigner = StoryAssigner(MemoryStore())
    assert _assign(assigner, _record(ORIGINAL, 1)) == ["tg:1:1"]
    assert _assign(assigner, _record(REPOST, 7, channel=2)) == ["tg:1:1"]
    assert _assign(assigner, _record(OTHER, 8, channel=3)) == ["tg:3:8"]


def test_near_duplicates_within_one_batch_meet() -> None:
    assigner = StoryAssigner(MemoryStore())
    assert _assign(assigner, _record(ORIGINAL, 1), _record(OTHER, 2), _record(REPOST, 3, channel=2)) == [
        "tg:1:1",
        "tg:1:2",
        "tg:1:1",
    ]


def test_a_redelivered_post_keeps_its_story() -> None:
    assigner = StoryAssigner(MemoryStore())
    _assign(assigner, _record(ORIGINAL, 1))
    _assign(assigner, _record(REPOST, 5, channel=2))
    assert _assign(assigner, _record(REPOST, 5, channel=2)) == ["tg:1:1"]


def test_an_edit_finds_a_story_but_never_starts_one_and_a_delete_gets_none() -> None:
    store = MemoryStore()
    assigner = StoryAssigner(store)
    edit = _record(OTHER, 9, event="edit")
    assert _assign(assigner, edit) == ["tg:1:9"]  # its own id: the indexer keeps a stored post's story
    assert store.holders(_sig(OTHER).bands()) == {}  # type: ignore[union-attr]
    _assign(assigner, _record(ORIGINAL, 1))
    assert _assign(assigner, _record(REPOST, 9, event="edit", channel=2)) == ["tg:1:1"]
    delete = {"event": "delete", "text": "", "channel": {"id": 1}, "message_id": 1}
    assign_records(assigner, [delete], ["tg:1:1"])
    assert "story" not in delete


def test_a_short_post_is_a_story_of_its_own() -> None:
    assigner = StoryAssigner(MemoryStore())
    assert signature("Доброе утро, друзья!") is None
    assert _assign(assigner, _record("Доброе утро, друзья!", 1), _record("Доброе утро, друзья!", 2)) == [
        "tg:1:1",
        "tg:1:2",
    ]


def test_image_text_counts_when_the_post_has_no_text() -> None:
    a = ENRICHER.enrich({"text": "", "channel": {"id": 1}, "message_id": 1})
    a["ocr_norm"] = [ENRICHER.fields(ORIGINAL)["text_norm"]]
    b = _record(ORIGINAL, 2, channel=2)
    assert _assign(StoryAssigner(MemoryStore()), a, b) == ["tg:1:1", "tg:1:1"]


def test_signatures_round_trip_and_a_sentence_added_is_the_same_story_but_a_digest_is_not() -> None:
    sig = _sig(ORIGINAL)
    assert sig is not None and sig.values.shape == (NUM_PERM,)
    again = Signature.decode(sig.encode(), sig.size)
    assert (again.values == sig.values).all() and again.bands() == sig.bands()
    signed = _sig(ORIGINAL + " Подписывайтесь на наш канал, чтобы не пропустить важное.")
    assert signed is not None and similar(sig, signed) > 0.0
    digest = _sig(ORIGINAL + " " + OTHER)  # another news item as long as the first
    assert digest is not None and similar(sig, digest) == 0.0
    other = _sig(OTHER)
    assert other is not None and similar(sig, other) == 0.0


class _RivalFirst(MemoryStore):
    """A store where another worker claims the same bands between this worker's lookup and its claim."""

    def __init__(self, rival: Post) -> None:
        super().__init__()
        self.rival: Post | None = rival

    def holders(self, bands: Collection[str]) -> dict[str, Holder]:
        found = super().holders(bands)
        if self.rival is not None:  # the rival's lookup happened at the same time: it found nothing either
            rival, self.rival = self.rival, None
            assert rival.signature is not None
            super().claim([Claim(rival.id, rival.id, rival.signature, rival.signature.bands())])
        return found


def test_of_two_workers_racing_for_a_story_the_loser_joins_the_winner() -> None:
    store = _RivalFirst(Post("tg:2:5", _sig(REPOST)))
    records = [_record(ORIGINAL, 1)]
    assert _assign(StoryAssigner(store), *records) == ["tg:2:5"]
    assert {h.story for h in store.holders(_sig(ORIGINAL).bands()).values()} == {"tg:2:5"}  # type: ignore[union-attr]


def test_the_stage_assigns_stories_per_batch_and_dead_letters_only_the_bad_record() -> None:
    def raw(channel: int, message_id: int, text: str) -> Message:
        record = {"schema": 1, "channel": {"id": channel}, "message_id": message_id, "text": text}
        return Message(value=json.dumps(record).encode(), topic="posts.raw", offset=message_id)

    stage = make_stage(ENRICHER, StoryAssigner(MemoryStore()))
    bad = raw(3, 3, ORIGINAL + " \ud800")  # a lone surrogate: enriched and signed, but no UTF-8 can carry it
    result = stage([raw(1, 1, ORIGINAL), bad, raw(2, 2, REPOST)])
    assert [json.loads(o.value)["story"] for o in result.outputs] == ["tg:1:1", "tg:1:1"]
    assert [r.message for r in result.rejected] == [bad] and "surrogate" in result.rejected[0].reason


def test_a_batch_of_signatures_is_each_posts_signature_alone() -> None:
    """The batch's array pass gives each post what a post alone gets: bigrams never span two texts or two
    posts, and short posts, single-word texts and empty texts keep their own rules."""
    norm = [ENRICHER.fields(t)["text_norm"] for t in (ORIGINAL, REPOST, OTHER)]
    posts = [
        (norm[0],),
        ("",),  # no text at all
        (norm[1], "листовка военкомата в центре"),  # a text and its image text
        ("Доброе утро, друзья!",),  # too few words: no signature
        ("один", "два", "три", "четыре", "пять", "шесть"),  # enough words, not one bigram
        ("", norm[2], ""),
    ]
    alone = [signature(*texts) for texts in posts]
    together = signatures([[tokenize(t) for t in texts] for texts in posts])
    assert [s is None for s in together] == [False, True, False, True, False, False]
    for one, batch in zip(alone, together, strict=True):
        assert (one is None and batch is None) or (
            one is not None and batch is not None and one.size == batch.size and (one.values == batch.values).all()
        )
    assert together[4] is not None and together[4].size == 0
    joined = signature(norm[1] + " листовка военкомата в центре")  # one text: the seam is a bigram too
    assert joined is not None and together[2] is not None and joined.size == together[2].size + 1


def test_the_enrichments_words_give_the_stories_the_records_text_would() -> None:
    texts = [ORIGINAL, REPOST, OTHER, ORIGINAL + " Подписывайтесь на наш канал.", "Доброе утро!"]
    pairs = [ENRICHER.enrichment_and_words(t) for t in texts]
    assert all(words == tokenize(e.text_norm) for e, words in pairs)
    ids = [f"tg:1:{n}" for n in range(len(texts))]
    given = [{"text_norm": e.text_norm} for e, _ in pairs]
    split = [{"text_norm": e.text_norm} for e, _ in pairs]
    assign_records(StoryAssigner(MemoryStore()), given, ids, [w for _, w in pairs])
    assign_records(StoryAssigner(MemoryStore()), split, ids)
    stories = ["tg:1:0", "tg:1:0", "tg:1:2", "tg:1:0", "tg:1:4"]
    assert [r["story"] for r in given] == [r["story"] for r in split] == stories
